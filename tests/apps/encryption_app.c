/*
 * encryption_app.c — a small app of its own for the encryption interop test
 * (tests/e2e/test_encryption_node.sh), outside functions/: one function that
 * reads an event the official Node middleware encrypted, keeps what it read
 * as a step output (encrypted again by us) and sends a reply event whose
 * data.encrypted the Node middleware must open; and one whose step output
 * must survive a key rotation while the run sleeps
 * (tests/e2e/test_encryption_python.sh).  Its ids belong to those tests.
 */
#include "inngest.h"

static json_object *read_sealed(struct ing_ctx *c, void *arg)
{
    (void)arg;
    json_object *sealed = ing_json_get(ing_event_data(c), "encrypted");
    if (!sealed || !json_object_is_type(sealed, json_type_object))
        ing_fail_nonretriable(c, "data.encrypted is not an object (was it decrypted?)");
    return sealed;
}

static json_object *echo(struct ing_ctx *c)
{
    json_object *seen = ing_step_run(c, "read", read_sealed, NULL);
    json_object *inner = ing_json_object(c);
    ing_json_set(inner, "seen", seen);
    ing_json_set(inner, "from", ing_json_string(c, "c"));
    json_object *data = ing_json_object(c);
    ing_json_set(data, "encrypted", inner);
    ing_json_set(data, "ref", ing_json_get(ing_event_data(c), "ref"));
    json_object *reply = ing_json_object(c);
    ing_json_set(reply, "name", ing_json_string(c, "enc/replied"));
    ing_json_set(reply, "data", data);
    ing_step_send_event(c, "reply", reply);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "seen", seen);
    return out;
}

/* enc-rotate: keeps data.secret as a step output (sealed with the key of the
 * moment), sleeps data.pause, then returns what it kept: the memo is opened
 * by whatever keys the program has when the run wakes up. */
static json_object *remember(struct ing_ctx *c, void *arg)
{
    (void)arg;
    json_object *secret = ing_json_get(ing_event_data(c), "secret");
    if (!secret)
        ing_fail_nonretriable(c, "data.secret is missing");
    return secret;
}

static json_object *rotate(struct ing_ctx *c)
{
    json_object *kept = ing_step_run(c, "remember", remember, NULL);
    const char *pause = ing_json_get_string(ing_event_data(c), "pause");
    ing_step_sleep(c, "pause", pause ? pause : "5s");
    json_object *out = ing_json_object(c);
    ing_json_set(out, "kept", kept);
    return out;
}

static const struct ing_function functions[] = {
    {.id = "enc-echo", .name = "Encryption echo", .triggers = {ING_EVENT("enc/echo")},
     .retries = ING_RETRIES(0), .handler = echo},
    /* retries: the executor's call may meet nginx while the program restarts
     * (a 502); a DecryptionError is non-retriable and fails at once anyway */
    {.id = "enc-rotate", .name = "Encryption across a key rotation",
     .triggers = {ING_EVENT("enc/rotate")}, .retries = ING_RETRIES(3), .handler = rotate},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "enc-interop",
    .functions = functions,
    .function_count = ING_COUNT(functions),
};
