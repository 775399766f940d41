/*
 * events_relay.c — POST /api/events: queue events for backends that cannot
 * hold the event key (functions/README.md §2.2), behind Authorization: Bearer
 * <EVENTS_RELAY_TOKEN>.
 *
 * Accepts one event {name, data?, id?, ts?} or a list of 1..100 of them and
 * answers 202 {"ids":[…]} in the same order.  Every item is checked before
 * anything is sent, so a bad item means nothing is queued.  Names under
 * inngest/ (any case) are Inngest's own and refused.  Other fields are
 * refused rather than dropped, so a caller never believes a field was relayed.
 */
#include <string.h>
#include <strings.h>

#include "product.h"
#include "route_io.h"
#include "validate.h"

/* A list is relayed in one Event API request: 100 events keep that request
 * (and the route's 1 MiB body) far inside the Event API's limits. */
#define RELAY_MAX_EVENTS 100
/* The Event API's own bound on an event name (MaxEventNameLength). */
#define RELAY_MAX_NAME 512
#define RELAY_MAX_ID 256

/* Why item is not a relayable event (NULL when it is); *out is its copy. */
static const char *check_item(struct ing_ctx *c, json_object *item, json_object **out)
{
    if (!json_object_is_type(item, json_type_object))
        return "must be an object {\"name\": …, \"data\": {…}}";
    json_object_object_foreach(item, key, val) {
        (void)val;
        if (strcmp(key, "name") && strcmp(key, "data") && strcmp(key, "id") && strcmp(key, "ts"))
            return ing_sprintf(c, "has an unknown field \"%.64s\" (only name, data, id and ts are relayed)",
                               key);
    }
    static const struct text_rule name_rule = {.max_chars = RELAY_MAX_NAME};
    static const struct text_rule id_rule = {.max_chars = RELAY_MAX_ID, .optional = true};
    const char *name, *id, *why;
    if ((why = validate_text(c, item, "name", &name_rule, &name)))
        return ing_sprintf(c, "\"name\" %s", why);
    if (strncasecmp(name, "inngest/", 8) == 0)
        return "\"name\" must not start with inngest/ (reserved for Inngest)";
    json_object *data = ing_json_get(item, "data");
    if (data && !json_object_is_type(data, json_type_object))
        return "\"data\" must be an object";
    if ((why = validate_text(c, item, "id", &id_rule, &id)))
        return ing_sprintf(c, "\"id\" %s", why);
    json_object *ts = ing_json_get(item, "ts");
    if (ts && (!json_object_is_type(ts, json_type_int) || json_object_get_int64(ts) < 0))
        return "\"ts\" must be a non-negative integer (milliseconds since the epoch)";

    json_object *event = ing_json_object(c);
    ing_json_set(event, "name", ing_json_string(c, name));
    ing_json_set(event, "data", data ? data : ing_json_object(c));
    if (id)
        ing_json_set(event, "id", ing_json_string(c, id));
    if (ts)
        ing_json_set(event, "ts", ts);
    *out = event;
    return NULL;
}

void events_relay_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_is_post(req, res) || !route_authorized(req, res, "EVENTS_RELAY_TOKEN"))
        return;
    json_object *body = route_json_body(req, res);
    if (!body)
        return;
    bool is_list = json_object_is_type(body, json_type_array);
    size_t n = is_list ? json_object_array_length(body) : 1;
    if (is_list && (n == 0 || n > RELAY_MAX_EVENTS)) {
        route_fail(req, res, 400, ing_sprintf(c, "send 1 to %d events per request", RELAY_MAX_EVENTS));
        return;
    }
    json_object *events = ing_json_array(c);
    for (size_t i = 0; i < n; i++) {
        json_object *event = NULL;
        const char *why = check_item(c, is_list ? json_object_array_get_idx(body, i) : body, &event);
        if (why) {
            route_fail(req, res, 400, is_list ? ing_sprintf(c, "event %zu %s", i, why)
                                              : ing_sprintf(c, "the event %s", why));
            return;
        }
        ing_json_push(events, event);
    }
    json_object *ids = NULL;
    if (!route_send(req, res, events, &ids, true))
        return;
    json_object *answer = ing_json_object(c);
    ing_json_set(answer, "ids", ids);
    res->status = 202;
    res->body = answer;
}
