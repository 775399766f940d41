/*
 * views_read_route.c — GET /api/views/<slug>: a post's view count, as
 * track-post-view counted it.  200 {slug, totalViews}; 404 for a post never
 * viewed (or a malformed slug).  Public, cached for a minute.
 */
#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"

void views_read_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_is_get(req, res))
        return;
    const char *slug = route_path_key(req, res, "/api/views/", STORE_MAX_ID);
    if (!slug)
        return;
    struct store *s = product_store(c);
    int64_t total = 0;
    enum store_result r = store_views_total(s, slug, &total);
    if (r != STORE_OK) {
        route_store_failed(req, res, s, r);
        return;
    }
    if (total == 0) {
        route_fail(req, res, 404, "no views recorded for this post");
        return;
    }
    json_object *body = ing_json_object(c);
    ing_json_set(body, "slug", ing_json_string(c, slug));
    ing_json_set(body, "totalViews", ing_json_int(c, total));
    route_ok(res, body, "Cache-Control: public, max-age=60");
}
