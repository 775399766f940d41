/*
 * readwise_read_route.c — GET /api/readwise/<userId>: the book count
 * readwise-count-books stored for a user, behind Authorization: Bearer
 * <ADMIN_TOKEN>.  200 {userId, count, countedAt}; 404 before the first
 * count.  The account's token is never read here.  Never cached.
 * (POST /api/readwise/accounts is its own route: a user id "accounts" has
 * no GET.)
 */
#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"

void readwise_read_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    ing_http_add_header(res, "Cache-Control: no-store");
    if (!route_is_get(req, res) || !route_authorized(req, res, "ADMIN_TOKEN"))
        return;
    const char *user = route_path_key(req, res, "/api/readwise/", STORE_MAX_ID);
    if (!user)
        return;
    struct store *s = product_store(c);
    int64_t count = 0, at = 0;
    bool found = false;
    enum store_result r = store_get_book_count(s, user, &count, &at, &found);
    if (!route_found(req, res, s, r, found, "no book count for this user yet"))
        return;
    char iso[32];
    store_format_time(at, iso);
    route_ok(res, ing_json_pack(c, "{s:s, s:I, s:s}", "userId", user, "count", count, "countedAt", iso),
             NULL);
}
