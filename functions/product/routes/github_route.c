/*
 * github_route.c — GET /api/github: the contributions refresh-github-data
 * cached for GITHUB_USERNAME.  200 {username, fetchedAt, data}; 404 while
 * nothing is cached (or GITHUB_USERNAME is not set).  Public, cached for a
 * minute (the cron refreshes every five).
 */
#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"

void github_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_is_get(req, res))
        return;
    const char *username = ing_env(c, "GITHUB_USERNAME");
    struct store *s = product_store(c);
    json_object *data = NULL;
    int64_t at = 0;
    enum store_result r = username ? store_get_github_cache(s, username, &data, &at) : STORE_OK;
    if (!route_found(req, res, s, r, data != NULL, "no GitHub data is cached yet"))
        return;
    char iso[32];
    store_format_time(at, iso);
    json_object *body = ing_json_pack(c, "{s:s, s:s, s:o}", "username", username, "fetchedAt", iso, "data",
                                      ing_keep(c, data));
    route_ok(res, body, "Cache-Control: public, max-age=60");
}
