/*
 * headers_app.c — a small app of its own for test_route_headers.sh, outside
 * functions/: routes whose answers carry many header lines, to show them
 * going through the FastCGI front and a real nginx (nginx/inngest-fcgi.conf)
 * whole.  Its paths and headers belong to that test only.
 */
#include "inngest.h"

/* 100 short lines, X-Line-000 … X-Line-099. */
static void many(const struct ing_http_request *req, struct ing_http_response *res)
{
    int added = 0;
    for (int i = 0; i < 100; i++)
        added += ing_http_add_header(res, ing_sprintf(req->ctx, "X-Line-%03d: value %d", i, i));
    json_object *body = ing_json_object(req->ctx);
    ing_json_set(body, "added", ing_json_int(req->ctx, added));
    res->status = 200;
    res->body = body;
}

/* Lines of 1,000 bytes until ING_HTTP_MAX_HEADER_BYTES refuses one: the
 * largest header block a route can send. */
static void full(const struct ing_http_request *req, struct ing_http_response *res)
{
    int added = 0;
    while (ing_http_add_header(res, ing_sprintf(req->ctx, "X-Big-%02d: %0990d", added, added)))
        added++;
    json_object *body = ing_json_object(req->ctx);
    ing_json_set(body, "added", ing_json_int(req->ctx, added));
    res->status = 200;
    res->body = body;
}

/* Two cookies: a repeated name is two headers. */
static void cookies(const struct ing_http_request *req, struct ing_http_response *res)
{
    (void)req;
    ing_http_add_header(res, "Set-Cookie: a=1; Path=/; HttpOnly");
    ing_http_add_header(res, "Set-Cookie: b=2; Path=/; HttpOnly");
    res->status = 204;
}

static json_object *noop(struct ing_ctx *c) { return ing_json_object(c); }

static const struct ing_function functions[] = {
    {.id = "noop", .name = "noop", .triggers = {ING_EVENT("headers/noop")}, .handler = noop},
};

static const struct ing_route routes[] = {
    {.path = "/api/headers/many", .handler = many},
    {.path = "/api/headers/full", .handler = full},
    {.path = "/api/headers/cookies", .handler = cookies},
    {0},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "headers-test",
    .functions = functions,
    .function_count = ING_COUNT(functions),
    .routes = routes,
};
