/*
 * step_crypto.c — the step engine's two crossings of the encryption layer.
 */
#include "step_crypto.h"

#include "arena.h"
#include "context.h"
#include "encryption.h"
#include "server.h"

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

json_object *step_crypto_incoming(struct ing_ctx *c, json_object *value)
{
    const struct enc_keys *k = &c->server->settings.encryption;
    if (!k->count || !enc_is_envelope(value))
        return value;
    json_object *plain = NULL;
    char err[512];
    if (!enc_open(k, value, &plain, err, sizeof(err))) {
        c->error = (struct pending_error){
            .kind = FAIL_NON_RETRIABLE, .name = "DecryptionError",
            .message = arena_printf(c->arena, "memoized step data: %s", err)};
        if (!c->error.message)
            c->error.message = "memoized step data cannot be decrypted";
        ctx_unwind(c, CALL_FN_ERROR);
    }
    return owned_by_request(c, plain);
}
