/*
 * realtime_route.c — ing_http_realtime_token: a route's answer carrying a
 * realtime subscription token for a browser (PROTOCOL.md §20).  The token
 * itself comes from outbound/realtime_api.c; this file only writes the
 * route's answer, which is the router's business, not the outbound layer's.
 */
#include <string.h>

#include "inngest.h"
#include "core/context.h"
#include "core/server.h"
#include "core/settings.h"

bool ing_http_realtime_token(const struct ing_http_request *req, struct ing_http_response *res,
                             const char *channel, const char *const *topics, size_t topic_count)
{
    struct ing_ctx *c = req->ctx;
    struct ing_error err = {0};
    int status = 0;
    const char *jwt = ing_realtime_token(c, channel, topics, topic_count, &err, &status);
    json_object *body = ing_json_object(c);
    if (!jwt) {
        ing_log(ING_LOG_WARN, "realtime token for channel \"%.64s\": %s", channel ? channel : "",
                err.message ? err.message : "failed");
        /* our own mistake (a bad name) is a 500; the server's is a 502,
         * no answer a 503 */
        res->status = strcmp(err.name ? err.name : "", "InvalidRealtimeError") == 0 ? 500
                      : status ? 502 : 503;
        ing_json_set(body, "error", ing_json_string(c, "no realtime subscription token could be had"));
        res->body = body;
        return false;
    }
    json_object *list = ing_json_array(c);
    for (size_t i = 0; i < topic_count; i++)
        ing_json_push(list, ing_json_string(c, topics[i]));
    ing_json_set(body, "key", ing_json_string(c, jwt));
    ing_json_set(body, "channel", ing_json_string(c, channel));
    ing_json_set(body, "topics", list);
    /* where the browser connects: the API this program talks to */
    ing_json_set(body, "apiBaseUrl", ing_json_string(c, c->server->settings.api_origin));
    res->status = 200;
    res->body = body;
    ing_http_add_header(res, "Cache-Control: no-store");
    return true;
}
