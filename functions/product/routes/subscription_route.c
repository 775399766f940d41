/*
 * subscription_route.c — GET /api/subscription?userId=…: a user's Stripe
 * subscriptions as the Stripe functions stored them, for the app's backend
 * (Authorization: Bearer <EVENTS_RELAY_TOKEN>, the backend's token).
 * 200 {userId, active, subscriptions: [{subscriptionId, customerId, userId,
 * status, statusAt, eventId, updatedAt}]}, active being true when one of
 * them is active or trialing; 404 when the user has none.  Never cached.
 */
#include <string.h>

#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"

void subscription_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    ing_http_add_header(res, "Cache-Control: no-store");
    if (!route_is_get(req, res) || !route_authorized(req, res, "EVENTS_RELAY_TOKEN"))
        return;
    bool bad = false;
    const char *user = route_query(req, res, "userId", STORE_MAX_ID, &bad);
    if (bad)
        return;
    if (!user || !*user) {
        route_fail(req, res, 400, "the query needs userId");
        return;
    }
    struct store *s = product_store(c);
    json_object *subs = NULL;
    enum store_result r = store_list_subscriptions(s, user, &subs);
    ing_keep(c, subs); /* an empty list too: it is answered 404 */
    size_t n = subs ? json_object_array_length(subs) : 0;
    if (!route_found(req, res, s, r, n > 0, "this user has no subscription"))
        return;
    bool active = false;
    for (size_t i = 0; i < n; i++) {
        const char *st = ing_json_get_string(json_object_array_get_idx(subs, i), "status");
        active = active || (st && (strcmp(st, "active") == 0 || strcmp(st, "trialing") == 0));
    }
    route_ok(res, ing_json_pack(c, "{s:s, s:b, s:o}", "userId", user, "active", active, "subscriptions", subs),
             NULL);
}
