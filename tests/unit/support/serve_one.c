/*
 * serve_one.c — one request through router_serve() (see serve_one.h).
 */
#include "serve_one.h"

#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/request.h"
#include "fake_http.h"
#include "protocol/router.h"
#include "transport/server_setup.h"

struct ing_ctx *serve_one(struct server *srv, char **params, const char *body, struct fake_http *api,
                          struct response *res, json_object **answer)
{
    memset(res, 0, sizeof(*res));
    *answer = NULL;
    struct request req;
    request_init(&req, params);
    req.body = body ? body : "";
    req.body_len = strlen(req.body);
    struct ing_ctx *c = ctx_new(srv);
    if (c)
        router_serve(c, &req, res);
    if (api)
        fake_http_stop(api);
    if (c) {
        char *text = strndup(res->body ? res->body : "", res->body_len);
        *answer = text ? json_tokener_parse(text) : NULL;
        free(text);
    }
    return c;
}

void serve_one_free(struct server *srv, struct fake_http *api, struct ing_ctx *ctx, json_object *answer)
{
    ctx_release(ctx);
    server_close_worker(srv);
    if (api)
        fake_http_free(api);
    json_object_put(answer);
}
