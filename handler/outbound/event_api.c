/*
 * event_api.c — sending events (PROTOCOL.md §12): POST {event api}/e/{key}.
 *
 * One id seed per logical send, reused on every retry, so that a retried send
 * yields the same event ids and the server de-duplicates it instead of
 * starting a second run.  Retries only what may succeed later (retry.h's
 * rule) and stays inside a small time bound, because routes wait for it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/arena.h"
#include "core/settings.h"
#include "core/context.h"
#include "core/encryption.h"
#include "outbound/http_client.h"
#include "outbound/inngest_auth.h"
#include "outbound/retry.h"
#include "base/json_parse.h"
#include "base/json_take.h"
#include "base/limits.h"
#include "core/server.h"
#include "base/url_encode.h"

/* Three tries, 100 then 200 ms apart (retry.h): the same seed makes them one send. */
static const struct outbound_policy send_policy = {.attempts = 3, .first_pause_ms = 100};

static long long now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static bool fail_named(struct ing_error *err, int *status, int code, const char *name,
                       const char *message)
{
    if (err) {
        err->name = name;
        err->message = message;
        err->raw = NULL;
    }
    if (status)
        *status = code;
    return false;
}

static bool fail(struct ing_error *err, int *status, int code, const char *message)
{
    return fail_named(err, status, code, "EventSendError", message);
}

/* The events themselves are wrong: sending them again cannot help. */
static bool refuse(struct ing_error *err, int *status, const char *message)
{
    return fail_named(err, status, 0, "InvalidEventError", message);
}

/* The start of an answer that is not the API's JSON, printable ASCII only and
 * bounded, so that the reason still reaches the log and the step's error. */
static const char *answer_excerpt(struct ing_ctx *c, const char *body, size_t len)
{
    if (!body || !len)
        return "empty answer";
    char text[161];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof(text) - 1; i++)
        text[n++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ';
    text[n] = '\0';
    return arena_printf(c->arena, "%s%s", text, len > n ? " ..." : "");
}

/* A copy of one event with the defaults the Event API expects. */
static json_object *prepare_event(struct ing_ctx *c, json_object *ev, long long ts, const char **why)
{
    if (!json_object_is_type(ev, json_type_object)) {
        *why = "an event must be a JSON object";
        return NULL;
    }
    const char *name = ing_json_get_string(ev, "name");
    if (!name || !*name) {
        *why = "an event needs a non-empty \"name\"";
        return NULL;
    }
    if (strncasecmp(name, "inngest/", 8) == 0) {
        *why = arena_printf(c->arena, "event name \"%s\" is reserved for Inngest", name);
        return NULL;
    }
    json_object *data = ing_json_get(ev, "data");
    if (data && !json_object_is_type(data, json_type_object)) {
        *why = "an event's \"data\" must be an object";
        return NULL;
    }
    json_object *copy = NULL;
    if (json_object_deep_copy(ev, &copy, NULL) != 0 || !copy) {
        *why = "out of memory";
        return NULL;
    }
    if ((!data && !json_take_set(copy, "data", json_object_new_object())) ||
        (!ing_json_get(copy, "ts") && !json_take_set(copy, "ts", json_object_new_int64(ts))) ||
        !enc_seal_event(&c->server->settings.encryption, copy)) { /* data.encrypted */
        json_object_put(copy); /* an event without them is not the one asked for */
        *why = "out of memory";
        return NULL;
    }
    return copy;
}

static const char *id_seed(struct ing_ctx *c, long long ms)
{
    unsigned char rnd[10];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return NULL;
    unsigned char b64[24];
    EVP_EncodeBlock(b64, rnd, sizeof(rnd));
    return arena_printf(c->arena, "x-inngest-event-id-seed: %lld,%s", ms, b64);
}

bool ing_send_events(struct ing_ctx *c, json_object *events, json_object **ids,
                     struct ing_error *err, int *http_status)
{
    const struct settings *s = &c->server->settings;
    if (ids)
        *ids = NULL;
    if (http_status)
        *http_status = 0;
    const char *key = s->event_key;
    if (!key) {
        if (!s->dev)
            return fail(err, http_status, 0,
                        "INNGEST_EVENT_KEY is not set: events cannot be sent in cloud mode");
        key = "NO_EVENT_KEY_SET"; /* the dev server accepts any key */
    }

    long long ms = now_ms();
    json_object *batch = arena_keep_json(c->arena, json_object_new_array());
    if (!batch)
        return fail(err, http_status, 0, "out of memory");
    const char *why = NULL;
    if (events && json_object_is_type(events, json_type_array)) {
        size_t n = json_object_array_length(events);
        if (n == 0)
            return refuse(err, http_status, "no events to send");
        if (n > 5000)
            return refuse(err, http_status, "at most 5000 events per send");
        for (size_t i = 0; i < n; i++) {
            json_object *e = prepare_event(c, json_object_array_get_idx(events, i), ms, &why);
            if (!e && why && strcmp(why, "out of memory") == 0)
                return fail(err, http_status, 0, why);
            if (!e)
                return refuse(err, http_status, arena_printf(c->arena, "event %zu: %s", i, why));
            if (!json_take_push(batch, e))
                return fail(err, http_status, 0, "out of memory");
        }
    } else {
        json_object *e = events ? prepare_event(c, events, ms, &why) : NULL;
        if (!e && why && strcmp(why, "out of memory") == 0)
            return fail(err, http_status, 0, why);
        if (!e)
            return refuse(err, http_status, why ? why : "no event to send");
        if (!json_take_push(batch, e))
            return fail(err, http_status, 0, "out of memory");
    }

    /* after the events were checked: a wrong event is refused everywhere alike */
    if (!c->server->http)
        return fail(err, http_status, 0,
                    "no Event API in this process (in ing_test_call: set INNGEST_EVENT_API_BASE_URL "
                    "to a stand-in Event API to send events)");

    size_t body_len = 0;
    const char *body = json_object_to_json_string_length(
        batch, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &body_len);
    const char *seed = id_seed(c, ms);
    const char *const extra[] = {seed, NULL};
    const char *const *headers = inngest_headers(c, NULL, seed ? extra : NULL);
    const char *escaped_key = url_encode_arena(c->arena, key);
    const char *url = escaped_key ? arena_printf(c->arena, "%s/e/%s", s->event_api_origin,
                                                 escaped_key)
                                  : NULL;
    /* without any of these the events would go out other than asked (no
     * body, to another environment or URL): send nothing */
    if (!body || !headers || !url)
        return fail(err, http_status, 0, "out of memory");
    struct http_call call = {.method = "POST", .url = url, .headers = headers, .body = body,
                             .body_len = body_len, .timeout_ms = ING_EVENT_API_TIMEOUT_MS,
                             .max_response = ING_MAX_SMALL_RESPONSE};
    struct http_result res;
    if (!outbound_send(c->server->http, c->arena, &call, &send_policy, &res))
        return fail(err, http_status, 0,
                    arena_printf(c->arena, "the Event API at %s could not be reached: %s",
                                 s->event_api_origin, res.error));

    struct json_parse_outcome how;
    json_object *parsed = json_parse_bounded(res.body, res.body_len, &how);
    /* a failed arena_keep_json releases the value: use only what it returns */
    json_object *answer = arena_keep_json(c->arena, parsed);
    if (how.no_tokener || (parsed && !answer))
        return fail(err, http_status, 0, "out of memory");
    const char *api_error = ing_json_get_string(answer, "error");
    json_object *got = ing_json_get(answer, "ids");
    if (res.status != 200 || (api_error && *api_error) || !got ||
        !json_object_is_type(got, json_type_array)) {
        const char *detail = api_error && *api_error ? api_error
                             : answer ? "unexpected answer"
                                      : answer_excerpt(c, res.body, res.body_len);
        return fail(err, http_status, (int)res.status,
                    arena_printf(c->arena, "the Event API refused the events (HTTP %ld): %s",
                                 res.status, detail));
    }
    if (ids)
        *ids = got;
    if (http_status)
        *http_status = (int)res.status;
    return true;
}
