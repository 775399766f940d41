/*
 * header_use.c — inngest.h as a user's code includes it.  make check compiles
 * this file as C99 (-Wpedantic), C11 and C++17, all with -Werror, so that the
 * one public header stays valid in each (it once was C11-only).
 */
#include <inngest.h>

static json_object *greet(struct ing_ctx *c)
{
    const char *name = ing_json_get_string(ing_event_data(c), "name");
    if (!name)
        ing_fail_nonretriable(c, "no name in %s", "the event");
    json_object *out = ing_json_object(c);
    ing_json_set(out, "text", ing_json_string(c, ing_sprintf(c, "Hi %s", name)));
    return out;
}

/* No designated initializers: C++ before C++20 has none. */
static struct ing_function functions[1];

int header_use_count(void);
int header_use_count(void)
{
    functions[0].id = "greet";
    functions[0].name = "Greet";
    functions[0].triggers[0].event = "app/greet";
    functions[0].handler = greet;
    return (int)ING_COUNT(functions);
}
