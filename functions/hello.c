/*
 * hello.c — hello-world, the smallest example (functions.md §2).
 */
#include <string.h>

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

/* POST /api/hello {"email"?} → sends test/hello.world; the smallest route. */
void hello_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (strcmp(req->method, "POST") != 0) {
        res->status = 405;
        res->body = ing_json_parse(c, "{\"success\":false,\"error\":\"use POST\"}");
        res->extra_header = "Allow: POST";
        return;
    }
    json_object *in = req->body_len ? ing_json_parse(c, req->body) : ing_json_object(c);
    if (!in || !json_object_is_type(in, json_type_object)) {
        res->status = 400;
        res->body = ing_json_parse(c, "{\"success\":false,\"error\":\"the body must be a JSON object\"}");
        return;
    }
    json_object *data = ing_json_object(c);
    const char *email = ing_json_get_string(in, "email");
    if (email)
        ing_json_set(data, "email", ing_json_string(c, email));
    json_object *event = ing_json_object(c);
    ing_json_set(event, "name", ing_json_string(c, "test/hello.world"));
    ing_json_set(event, "data", data);
    json_object *ids = NULL;
    struct ing_error err;
    int status = 0;
    if (!ing_send_events(c, event, &ids, &err, &status)) {
        /* nothing was queued: tell the caller to retry (5xx), never a success */
        res->status = status >= 400 && status < 500 ? 502 : 503;
        json_object *body = ing_json_object(c);
        ing_json_set(body, "success", ing_json_bool(c, false));
        ing_json_set(body, "error", ing_json_string(c, err.message));
        res->body = body;
        return;
    }
    json_object *body = ing_json_object(c);
    ing_json_set(body, "success", ing_json_bool(c, true));
    ing_json_set(body, "id", json_object_array_get_idx(ids, 0));
    res->status = 202;
    res->body = body;
}
