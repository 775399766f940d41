/*
 * contact_progress_route.c — GET /api/contact/progress?id=<the id POST
 * /api/contact answered>: a realtime subscription token for that
 * submission's progress (channel "contact-<id>", topic "progress", which
 * contact-form-submitted publishes "emailed" or "failed" to), so the page
 * that sent the form can show "queued → emailed" (functions/README.md §2.2).
 *
 * Anyone may ask, so the route decides what the token opens: one channel
 * named by an id of the Event API's shape, one topic, and the messages on it
 * hold a status word and nothing personal.  Tokens cost a call to the
 * Inngest API, hence a per-client limit.
 */
#include <stdbool.h>
#include <string.h>

#include "product/product.h"
#include "product/routes/rate_limit.h"
#include "product/routes/route_io.h"

/* Event ids are ULIDs (26 characters); an id the sender chose may be longer. */
#define PROGRESS_ID_MIN 10
#define PROGRESS_ID_MAX 64

static bool plausible_id(const char *id)
{
    size_t n = strlen(id);
    if (n < PROGRESS_ID_MIN || n > PROGRESS_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
            return false;
    }
    return true;
}

void contact_progress_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    if (!route_is_get(req, res))
        return;
    bool bad = false;
    const char *id = route_query(req, res, "id", PROGRESS_ID_MAX, &bad);
    if (bad)
        return;
    if (!id || !plausible_id(id)) {
        route_fail(req, res, 400, "id must be the id POST /api/contact answered");
        return;
    }
    const char *client[] = {rate_limit_client(req), NULL};
    if (!rate_limit_allow(req, res, &rate_contact_progress, client))
        return;
    static const char *const topics[] = {"progress"};
    ing_http_realtime_token(req, res, ing_sprintf(req->ctx, "contact-%s", id), topics, 1);
}
