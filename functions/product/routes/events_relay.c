/*
 * events_relay.c — POST /api/events: queue events for backends that cannot
 * hold the event key (functions/README.md §2.2), behind Authorization: Bearer
 * <EVENTS_RELAY_TOKEN>.
 *
 * Accepts one event {name, data?, id?, ts?} or a list of 1..100 of them and
 * answers 202 {"ids":[…]} in the same order.  Every item is checked before
 * anything is sent, so a bad item means nothing is queued.  Other fields are
 * refused rather than dropped, so a caller never believes a field was relayed.
 *
 * The token opens only the names an operator chose (issue 13, finding 5):
 *   - a name must start with one of the prefixes of EVENTS_RELAY_ALLOW
 *     (comma-separated; default RELAY_DEFAULT_ALLOW, which leaves out stripe/,
 *     whose events only the Stripe-signed webhook may send, and the product's
 *     own routes' contact/ and blog/, which have their own checks and rate
 *     limits); "*" allows every name;
 *   - names under inngest/ (any case) are Inngest's own and always refused;
 *   - a caller's id is sent as "relay-<id>": Inngest de-duplicates by id, and
 *     an id the caller chose must never match the id of an event another path
 *     sends (a Stripe event's evt_…, a milestone's), nor pre-empt it;
 *   - ts is an integer of milliseconds since the epoch, from 2000-01-01 to a
 *     day ahead of now.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/routes/validate.h"

/* A list is relayed in one Event API request: 100 events keep that request
 * (and the route's 1 MiB body) far inside the Event API's limits. */
#define RELAY_MAX_EVENTS 100
/* The Event API's own bound on an event name (MaxEventNameLength). */
#define RELAY_MAX_NAME 512
/* "relay-" and the id stay within the store's 256-byte ids (STORE_MAX_ID). */
#define RELAY_MAX_ID 250
/* What a backend or an operator relays; see the header comment. */
#define RELAY_DEFAULT_ALLOW "app/,readwise/,github/,analytics/"
/* Sent in front of a caller's id. */
#define RELAY_ID_PREFIX "relay-"
/* ts bounds: 2000-01-01T00:00:00Z, and a day of clock skew ahead of now. */
#define RELAY_MIN_TS_MS INT64_C(946684800000)
#define RELAY_MAX_AHEAD_MS INT64_C(86400000)

const char *events_relay_allow_list(void)
{
    const char *v = getenv("EVENTS_RELAY_ALLOW");
    return v && *v ? v : RELAY_DEFAULT_ALLOW;
}

/* Whether `name` starts with one of the comma-separated prefixes of `allow`
 * (blanks around each ignored; "*" matches every name). */
bool events_relay_allowed(const char *allow, const char *name)
{
    for (const char *p = allow; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        size_t len = n;
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == 1 && p[0] == '*')
            return true;
        if (len > 0 && strncmp(name, p, len) == 0)
            return true;
        p += n;
    }
    return false;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
    /* printable ASCII, so the bound is in bytes and the id is safe in any header */
    static const struct text_rule id_rule = {.max_chars = RELAY_MAX_ID, .optional = true, .ascii_token = true};
    const char *name, *id, *why;
    if ((why = validate_text(c, item, "name", &name_rule, &name)))
        return ing_sprintf(c, "\"name\" %s", why);
    if (strncasecmp(name, "inngest/", 8) == 0)
        return "\"name\" must not start with inngest/ (reserved for Inngest)";
    if (!events_relay_allowed(events_relay_allow_list(), name))
        return "\"name\" is not relayable: it must start with a prefix listed in EVENTS_RELAY_ALLOW";
    json_object *data = ing_json_get(item, "data");
    if (data && !json_object_is_type(data, json_type_object))
        return "\"data\" must be an object";
    if ((why = validate_text(c, item, "id", &id_rule, &id)))
        return ing_sprintf(c, "\"id\" %s", why);
    json_object *ts = ing_json_get(item, "ts");
    if (ts && (!json_object_is_type(ts, json_type_int) || json_object_get_int64(ts) < RELAY_MIN_TS_MS ||
               json_object_get_int64(ts) > now_ms() + RELAY_MAX_AHEAD_MS))
        return "\"ts\" must be an integer of milliseconds since the epoch, from 2000-01-01 to a day "
               "from now";

    json_object *event = ing_event_new(c, name, data);
    if (id)
        ing_json_set(event, "id", ing_json_string(c, ing_sprintf(c, RELAY_ID_PREFIX "%s", id)));
    if (ts)
        ing_json_set(event, "ts", ts);
    *out = event;
    return NULL;
}

void events_relay_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    json_object *body = route_post_json(req, res, "EVENTS_RELAY_TOKEN");
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
