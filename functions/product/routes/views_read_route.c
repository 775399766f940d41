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
    if (!route_found(req, res, s, r, total != 0, "no views recorded for this post"))
        return;
    route_ok(res, ing_json_pack(c, "{s:s, s:I}", "slug", slug, "totalViews", total),
             "Cache-Control: public, max-age=60");
}
