/*
 * step_crypto.c — where a run crosses the encryption layer: step data out and
 * in, and the events it starts with.
 */
#include "steps/step_crypto.h"

#include <stdio.h>

#include "base/arena.h"
#include "core/context.h"
#include "core/encryption.h"
#include "core/server.h"

static json_object *owned_by_request(struct ing_ctx *c, json_object *v)
{
    if (v && !arena_keep_json(c->arena, v)) {
        json_object_put(v);
        ctx_sdk_error(c, "out of memory");
    }
    return v;
}

json_object *step_crypto_outgoing(struct ing_ctx *c, json_object *value)
{
    const struct enc_keys *k = &c->server->settings.encryption;
    if (!k->count || !value || json_object_is_type(value, json_type_null))
        return value;
    json_object *envelope = enc_seal(k, value);
    if (!envelope)
        ctx_sdk_error(c, "out of memory encrypting a step's output");
    return owned_by_request(c, envelope);
}

static _Noreturn void decryption_failed(struct ing_ctx *c, const char *what, const char *err)
{
    c->error = (struct pending_error){.kind = FAIL_NON_RETRIABLE, .name = "DecryptionError",
                                      .message = arena_printf(c->arena, "%s: %s", what, err)};
    if (!c->error.message)
        c->error.message = "a value cannot be decrypted";
    ctx_unwind(c, CALL_FN_ERROR);
}

json_object *step_crypto_incoming(struct ing_ctx *c, json_object *value)
{
    const struct enc_keys *k = &c->server->settings.encryption;
    if (!k->count || !enc_is_envelope(value))
        return value;
    json_object *plain = NULL;
    char err[512];
    if (!enc_open(k, value, &plain, err, sizeof(err)))
        decryption_failed(c, "memoized step data", err);
    return owned_by_request(c, plain);
}

void step_crypto_open_event(struct ing_ctx *c, json_object *event)
{
    const struct enc_keys *k = &c->server->settings.encryption;
    json_object *data = NULL;
    if (!k->count || !event || !json_object_object_get_ex(event, "data", &data) ||
        !json_object_is_type(data, json_type_object))
        return;
    json_object_object_foreach(data, field, value)
    {
        if (!enc_is_envelope(value))
            continue;
        json_object *plain = NULL;
        char err[512];
        if (!enc_open(k, value, &plain, err, sizeof(err))) {
            char what[96];
            snprintf(what, sizeof(what), "event data field \"%.64s\"", field);
            decryption_failed(c, what, err);
        }
        /* replacing an existing key's value keeps the iteration valid */
        if (json_object_object_add(data, field, plain) != 0) {
            json_object_put(plain);
            ctx_sdk_error(c, "out of memory");
        }
    }
}

void step_crypto_open_events(struct ing_ctx *c)
{
    if (!c->server->settings.encryption.count)
        return;
    step_crypto_open_event(c, c->event);
    if (c->events && json_object_is_type(c->events, json_type_array))
        for (size_t i = 0; i < json_object_array_length(c->events); i++)
            step_crypto_open_event(c, json_object_array_get_idx(c->events, i));
}

json_object *step_crypto_invoke_payload(struct ing_ctx *c, json_object *payload)
{
    const struct enc_keys *k = &c->server->settings.encryption;
    json_object *data = NULL, *field = NULL;
    if (!k->count || !payload || !json_object_object_get_ex(payload, "data", &data) ||
        !json_object_is_type(data, json_type_object) ||
        !json_object_object_get_ex(data, ENC_EVENT_FIELD, &field) || enc_is_envelope(field))
        return payload;
    json_object *copy = NULL;
    bool ok = json_object_deep_copy(payload, &copy, NULL) == 0 && copy && enc_seal_event(k, copy);
    json_object_put(payload);
    if (!ok) {
        json_object_put(copy);
        ctx_sdk_error(c, "out of memory encrypting an invoke payload");
    }
    return copy;
}

bool ing_encrypting(const struct ing_ctx *c)
{
    return c && c->server && c->server->settings.encryption.count > 0;
}

json_object *ing_decrypt(struct ing_ctx *c, json_object *value)
{
    if (!enc_is_envelope(value))
        return value;
    const struct enc_keys *k = &c->server->settings.encryption;
    json_object *plain = NULL;
    char err[512];
    if (!k->count)
        snprintf(err, sizeof(err), "it is sealed (strategy %s) and INNGEST_ENCRYPTION_KEY is not set",
                 ENC_STRATEGY);
    if (!k->count || !enc_open(k, value, &plain, err, sizeof(err))) {
        if (c->step_catch) /* inside a step's body: that step fails, for good */
            ing_fail_nonretriable(c, "DecryptionError: an encrypted value: %s", err);
        decryption_failed(c, "an encrypted value", err);
    }
    return owned_by_request(c, plain);
}
