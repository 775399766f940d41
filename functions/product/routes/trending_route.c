/*
 * trending_route.c — GET /api/trending: the list calculate-trending stored
 * last.  200 {computedAt, posts: [{slug, title, views}]}; 404 before the
 * first run.  Public, cached for five minutes (the cron runs hourly).
 */
#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"

void trending_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_is_get(req, res))
        return;
    struct store *s = product_store(c);
    json_object *posts = NULL;
    int64_t at = 0;
    enum store_result r = store_get_trending(s, &posts, &at);
    if (r != STORE_OK) {
        route_store_failed(req, res, s, r);
        return;
    }
    if (!posts) {
        route_fail(req, res, 404, "no trending list has been computed yet");
        return;
    }
    ing_keep(c, posts);
    char iso[32];
    store_format_time(at, iso);
    json_object *body = ing_json_object(c);
    ing_json_set(body, "computedAt", ing_json_string(c, iso));
    ing_json_set(body, "posts", posts);
    route_ok(res, body, "Cache-Control: public, max-age=300");
}
