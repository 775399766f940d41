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
    if (!route_found(req, res, s, r, posts != NULL, "no trending list has been computed yet"))
        return;
    char iso[32];
    store_format_time(at, iso);
    route_ok(res, ing_json_pack(c, "{s:s, s:o}", "computedAt", iso, "posts", ing_keep(c, posts)),
             "Cache-Control: public, max-age=300");
}
