/*
 * hello.c — hello-world, the smallest example (functions/README.md §2.1): the function
 * the README starts from, and POST /api/hello, the smallest route.
 */
#include "inngest.h"
#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/routes/validate.h"

static json_object *say_hello(struct ing_ctx *c, void *arg)
{
    const char *email = arg;
    return ing_json_string(c, ing_sprintf(c, "Hello, %s!", email ? email : "world"));
}

json_object *hello_world(struct ing_ctx *c)
{
    const char *email = ing_json_get_string(ing_event_data(c), "email");
    json_object *greeting = ing_step_run(c, "say-hello", say_hello, (void *)email);
    return ing_json_pack(c, "{s:o}", "message", greeting);
}

/* POST /api/hello {"email"?} → sends test/hello.world; the smallest route,
 * and the pattern of the others: check the method, read and validate the
 * body, queue the event, answer 202 with its id (route_io.h does the
 * shared parts, including 503/502 when nothing could be queued). */
void hello_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_is_post(req, res))
        return;
    json_object *in = req->body_len ? route_json_object(req, res) : ing_json_object(c);
    if (!in)
        return;
    static const struct text_rule email_rule = {.max_chars = 254, .optional = true, .check = validate_email};
    const char *email;
    json_object *errors = ing_json_object(c);
    validate_field(c, in, "email", &email_rule, &email, errors);
    if (!route_fields_ok(req, res, errors))
        return;
    json_object *data = ing_json_object(c);
    if (email)
        ing_json_set(data, "email", ing_json_string(c, email));
    route_queue(req, res, "test/hello.world", data, true);
}
