/*
 * encryption_app.c — a small app of its own for the encryption interop test
 * (tests/e2e/test_encryption_node.sh), outside functions/: one function that
 * reads an event the official Node middleware encrypted, keeps what it read
 * as a step output (encrypted again by us) and sends a reply event whose
 * data.encrypted the Node middleware must open.  Its ids belong to that test.
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

static const struct ing_function functions[] = {
    {.id = "enc-echo", .name = "Encryption echo", .triggers = {ING_EVENT("enc/echo")},
     .retries = ING_RETRIES(0), .handler = echo},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "enc-interop",
    .functions = functions,
    .function_count = ING_COUNT(functions),
};
