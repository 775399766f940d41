/*
 * signals_api.c — sending a signal (PROTOCOL.md §19): POST {api}/v1/signals
 * with {"signal": name, "data": value}, authenticated like every API call.
 *
 * The server resumes the one run waiting for that name and answers
 * {"data":{"run_id":…}}, or 404 when no run waits: a signal is not queued,
 * so that is a normal outcome, not an error.  Signal data is read only by
 * our own functions, so with encryption on it travels sealed as a whole.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/json_parse.h"
#include "base/json_take.h"
#include "base/limits.h"
#include "core/context.h"
#include "core/encryption.h"
#include "core/response.h"
#include "core/server.h"
#include "core/settings.h"
#include "outbound/http_client.h"
#include "outbound/inngest_api.h"

#define SIGNAL_MAX_NAME 1024
/* the server's own bound on one request body it reads whole */
#define SIGNAL_MAX_BODY (4u * 1024u * 1024u)

static bool signal_fail(struct ing_error *err, int *status, int code, const char *name,
                        const char *message)
{
    if (err)
        *err = (struct ing_error){.name = name, .message = message};
    if (status)
        *status = code;
    return false;
}

/* A name the server would take but a reader could be fooled by (a line
 * break in its logs) or that is empty: refused before anything is sent. */
static const char *bad_signal_name(const char *s)
{
    if (!s || !*s)
        return "a signal needs a non-empty name";
    size_t n = strlen(s);
    if (n > SIGNAL_MAX_NAME)
        return "a signal name is at most 1024 bytes";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "a signal name may not contain control characters";
    return NULL;
}

/* The body, with the data sealed when encryption is on. */
static const char *signal_body(struct ing_ctx *c, const char *signal, json_object *data,
                               size_t *len)
{
    const struct enc_keys *k = &c->server->settings.encryption;
    json_object *body = arena_keep_json(c->arena, json_object_new_object());
    json_object *value = data ? json_object_get(data) : json_object_new_object();
    if (value && k->count) {
        json_object *sealed = enc_seal(k, value);
        json_object_put(value);
        value = sealed;
    }
    if (!body || !value) {
        json_object_put(value);
        return NULL;
    }
    if (!json_take_set(body, "data", value) ||
        !json_take_set(body, "signal", json_object_new_string(signal)))
        return NULL;
    return json_object_to_json_string_length(body, ING_JSON_FLAGS, len);
}

bool ing_send_signal(struct ing_ctx *c, const char *signal, json_object *data,
                     const char **run_id, struct ing_error *err, int *http_status)
{
    if (run_id)
        *run_id = NULL;
    if (http_status)
        *http_status = 0;
    const char *why = bad_signal_name(signal);
    if (why)
        return signal_fail(err, http_status, 0, "InvalidSignalError", why);
    const struct settings *s = &c->server->settings;
    if (!s->dev && !s->signing_key)
        return signal_fail(err, http_status, 0, "SignalSendError",
                           "INNGEST_SIGNING_KEY is not set: signals cannot be sent in cloud mode");
    size_t len = 0;
    const char *body = signal_body(c, signal, data, &len);
    if (!body)
        return signal_fail(err, http_status, 0, "SignalSendError", "out of memory");
    if (len > SIGNAL_MAX_BODY)
        return signal_fail(err, http_status, 0, "InvalidSignalError",
                           "a signal's data may be at most 4 MiB of JSON");
    struct http_result res;
    if (!api_request(c, "POST", "/v1/signals", body, len, &api_retried, &res))
        return signal_fail(err, http_status, 0, "SignalSendError",
                           arena_printf(c->arena, "could not reach the Inngest API to send signal: %s",
                                        res.error));
    if (http_status)
        *http_status = (int)res.status;
    if (res.status == 404)
        return true; /* nobody waits for it */
    json_object *answer = arena_keep_json(c->arena, json_parse_bounded(res.body, res.body_len, NULL));
    if (res.status < 200 || res.status > 299) {
        const char *msg = ing_json_get_string(answer, "error");
        if (!msg)
            msg = ing_json_get_string(answer, "message");
        return signal_fail(err, http_status, (int)res.status, "SignalSendError",
                           arena_printf(c->arena, "the Inngest API refused the signal: HTTP %ld%s%s",
                                        res.status, msg ? ": " : "", msg ? msg : ""));
    }
    const char *id = ing_json_get_string(ing_json_get(answer, "data"), "run_id");
    if (!id || !*id)
        return signal_fail(err, http_status, (int)res.status, "SignalSendError",
                           "the Inngest API accepted the signal but named no run");
    if (run_id)
        *run_id = id;
    return true;
}
