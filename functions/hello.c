/*
 * hello.c — hello-world, the smallest example (functions.md §2).
 */
#include "inngest.h"
#include "product.h"

static json_object *say_hello(struct ing_ctx *c, void *arg)
{
    const char *email = arg;
    return ing_json_string(c, ing_sprintf(c, "Hello, %s!", email ? email : "world"));
}

json_object *hello_world(struct ing_ctx *c)
{
    const char *email = ing_json_get_string(ing_event_data(c), "email");
    json_object *greeting = ing_step_run(c, "say-hello", say_hello, (void *)email);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "message", greeting);
    return out;
}
