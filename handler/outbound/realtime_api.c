/*
 * realtime_api.c — realtime (PROTOCOL.md §20): publishing a message to a
 * channel's topic, POST {api}/v1/realtime/publish?channel=…&topic=…[&run_id=…]
 * with the message's JSON as the body, and asking the server for a
 * subscription token, POST {api}/v1/realtime/token with the topics wanted.
 *
 * Both are authenticated with the signing key like every API call.  The
 * token is a short-lived JWT that lets a browser read the named topics of
 * one channel and nothing else, so the signing key never leaves the server.
 * Messages go to browsers, which hold no encryption key: with encryption on
 * only the member "encrypted" of a message is sealed, as for events.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/json_parse.h"
#include "base/json_take.h"
#include "base/limits.h"
#include "base/url_encode.h"
#include "core/context.h"
#include "core/encryption.h"
#include "core/response.h"
#include "core/server.h"
#include "core/settings.h"
#include "outbound/http_client.h"
#include "outbound/inngest_api.h"

/* the server reads at most this much of a published message */
#define REALTIME_MAX_MESSAGE (512u * 1024u)

static bool rt_fail(struct ing_error *err, int *status, int code, const char *name,
                    const char *message)
{
    if (err)
        *err = (struct ing_error){.name = name, .message = message};
    if (status)
        *status = code;
    return false;
}

/* NULL when `s` may name a channel or topic, else why not. */
static const char *bad_name(struct ing_ctx *c, const char *what, const char *s)
{
    if (!s || !*s)
        return arena_printf(c->arena, "a realtime %s needs a non-empty name", what);
    size_t n = strlen(s);
    if (n > ING_REALTIME_MAX_NAME)
        return arena_printf(c->arena, "a realtime %s name is at most %d bytes", what,
                            ING_REALTIME_MAX_NAME);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return arena_printf(c->arena, "a realtime %s name may not contain control characters",
                                what);
    return NULL;
}

/* The message as sent: data.encrypted sealed (in a copy) when encryption is
 * on, the rest as it is.  NULL only when out of memory. */
static const char *message_text(struct ing_ctx *c, json_object *data, size_t *len)
{
    const struct enc_keys *k = &c->server->settings.encryption;
    json_object *field = NULL;
    if (!data) {
        *len = 4;
        return "null";
    }
    if (k->count && json_object_is_type(data, json_type_object) &&
        json_object_object_get_ex(data, ENC_EVENT_FIELD, &field) && !enc_is_envelope(field)) {
        json_object *copy = NULL;
        if (json_object_deep_copy(data, &copy, NULL) != 0 || !copy)
            return NULL;
        copy = arena_keep_json(c->arena, copy);
        json_object *sealed = copy ? enc_seal(k, ing_json_get(copy, ENC_EVENT_FIELD)) : NULL;
        if (!sealed || !json_take_set(copy, ENC_EVENT_FIELD, sealed))
            return NULL;
        data = copy;
    }
    return json_object_to_json_string_length(data, ING_JSON_FLAGS, len);
}

static const char *refusal(struct ing_ctx *c, const char *what, const struct http_result *res)
{
    json_object *answer = arena_keep_json(c->arena, json_parse_bounded(res->body, res->body_len, NULL));
    const char *msg = ing_json_get_string(answer, "error");
    if (!msg)
        msg = ing_json_get_string(answer, "message");
    if (!msg && !answer && res->body_len > 0 && res->body_len < 200 && !strpbrk(res->body, "\r\n"))
        msg = res->body; /* the publish endpoint answers errors as text */
    return arena_printf(c->arena, "the Inngest API refused the %s: HTTP %ld%s%s", what, res->status,
                        msg ? ": " : "", msg ? msg : "");
}

static bool cloud_without_key(const struct ing_ctx *c)
{
    return !c->server->settings.dev && !c->server->settings.signing_key;
}

bool ing_realtime_publish(struct ing_ctx *c, const char *channel, const char *topic,
                          json_object *data, struct ing_error *err, int *http_status)
{
    if (http_status)
        *http_status = 0;
    const char *why = bad_name(c, "channel", channel);
    if (!why)
        why = bad_name(c, "topic", topic);
    if (why)
        return rt_fail(err, http_status, 0, "InvalidRealtimeError", why);
    if (cloud_without_key(c))
        return rt_fail(err, http_status, 0, "RealtimePublishError",
                       "INNGEST_SIGNING_KEY is not set: realtime messages cannot be published in "
                       "cloud mode");
    size_t len = 0;
    const char *body = message_text(c, data, &len);
    if (!body)
        return rt_fail(err, http_status, 0, "RealtimePublishError", "out of memory");
    if (len > REALTIME_MAX_MESSAGE)
        return rt_fail(err, http_status, 0, "InvalidRealtimeError",
                       arena_printf(c->arena, "a realtime message is at most 512 KiB of JSON; "
                                              "this one is %zu bytes", len));
    const char *path = arena_printf(c->arena, "/v1/realtime/publish?channel=%s&topic=%s",
                                    url_encode_arena(c->arena, channel),
                                    url_encode_arena(c->arena, topic));
    /* inside a run, the message says which run it came from */
    if (path && c->run_id && *c->run_id)
        path = arena_printf(c->arena, "%s&run_id=%s", path, url_encode_arena(c->arena, c->run_id));
    if (!path)
        return rt_fail(err, http_status, 0, "RealtimePublishError", "out of memory");
    struct http_result res;
    if (!api_request(c, "POST", path, body, len, &api_retried, &res))
        return rt_fail(err, http_status, 0, "RealtimePublishError",
                       arena_printf(c->arena, "could not reach the Inngest API to publish: %s",
                                    res.error));
    if (http_status)
        *http_status = (int)res.status;
    if (res.status < 200 || res.status > 299)
        return rt_fail(err, http_status, (int)res.status, "RealtimePublishError",
                       refusal(c, "realtime message", &res));
    return true;
}

const char *ing_realtime_token(struct ing_ctx *c, const char *channel, const char *const *topics,
                               size_t topic_count, struct ing_error *err, int *http_status)
{
    if (http_status)
        *http_status = 0;
    const char *why = bad_name(c, "channel", channel);
    if (!why && (!topics || topic_count == 0 || topic_count > ING_REALTIME_MAX_TOPICS))
        why = arena_printf(c->arena, "a subscription token needs 1 to %d topics",
                           ING_REALTIME_MAX_TOPICS);
    for (size_t i = 0; !why && i < topic_count; i++)
        why = bad_name(c, "topic", topics[i]);
    if (why) {
        rt_fail(err, http_status, 0, "InvalidRealtimeError", why);
        return NULL;
    }
    if (cloud_without_key(c)) {
        rt_fail(err, http_status, 0, "RealtimeTokenError",
                "INNGEST_SIGNING_KEY is not set: no subscription token can be had in cloud mode");
        return NULL;
    }
    json_object *wanted = arena_keep_json(c->arena, json_object_new_array());
    for (size_t i = 0; wanted && i < topic_count; i++) {
        json_object *t = json_object_new_object();
        bool ok = json_take_set(t, "channel", json_object_new_string(channel)) &&
                  json_take_set(t, "name", json_object_new_string(topics[i])) &&
                  json_take_set(t, "kind", json_object_new_string("run"));
        if (!ok)
            json_object_put(t);
        if (!ok || !json_take_push(wanted, t)) /* a failed push releases t */
            wanted = NULL;
    }
    size_t len = 0;
    const char *body = wanted ? json_object_to_json_string_length(wanted, ING_JSON_FLAGS, &len) : NULL;
    if (!body) {
        rt_fail(err, http_status, 0, "RealtimeTokenError", "out of memory");
        return NULL;
    }
    struct http_result res;
    if (!api_request(c, "POST", "/v1/realtime/token", body, len, &api_retried, &res)) {
        rt_fail(err, http_status, 0, "RealtimeTokenError",
                arena_printf(c->arena, "could not reach the Inngest API for a token: %s", res.error));
        return NULL;
    }
    if (http_status)
        *http_status = (int)res.status;
    if (res.status < 200 || res.status > 299) {
        rt_fail(err, http_status, (int)res.status, "RealtimeTokenError",
                refusal(c, "subscription token", &res));
        return NULL;
    }
    json_object *answer = arena_keep_json(c->arena, json_parse_bounded(res.body, res.body_len, NULL));
    const char *jwt = ing_json_get_string(answer, "jwt");
    if (!jwt || !*jwt) {
        rt_fail(err, http_status, (int)res.status, "RealtimeTokenError",
                "the Inngest API's token answer holds no jwt");
        return NULL;
    }
    return jwt;
}
