/*
 * router.c — method and path dispatch and signature checks (the answers
 * themselves are put together in route_answer.c).
 */
#include "protocol/router.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "protocol/call_handler.h"
#include "protocol/durable_route.h"
#include "core/client_addr.h"
#include "core/context.h"
#include "protocol/introspection.h"
#include "protocol/route_answer.h"
#include "base/limits.h"
#include "core/request.h"
#include "core/response.h"
#include "core/server.h"
#include "core/signature.h"
#include "protocol/sync.h"

const struct ing_route *router_find_route(const struct server *srv, const char *path)
{
    const struct ing_app *app = srv->app;
    const struct ing_route *below = NULL;
    for (size_t i = 0; app->routes && (app->route_count ? i < app->route_count : app->routes[i].path != NULL); i++) {
        const struct ing_route *r = &app->routes[i];
        if (strcmp(r->path, path) == 0 && !r->prefix)
            return r;
        size_t n = strlen(r->path);
        if (r->prefix && !below && n > 0 && r->path[n - 1] == '/' && strncmp(r->path, path, n) == 0 &&
            path[n] != '\0')
            below = r;
    }
    return below;
}

#define find_route router_find_route

size_t router_max_body(const struct server *srv, const struct request *req)
{
    const struct ing_route *r = find_route(srv, req->path);
    if (r)
        return r->max_body ? r->max_body : ING_ROUTE_DEFAULT_MAX_BODY;
    return ING_MAX_CALL_BODY;
}

void router_too_large(struct ing_ctx *c, struct request *req, struct response *res,
                      size_t limit)
{
    route_answer_memory(c, res);
    response_message(res, c->arena, 413,
                     arena_printf(c->arena, "the request body is larger than %zu bytes", limit));
    res->log_target = req->path;
    if (!find_route(c->server, req->path)) {
        route_sdk_headers(res);
        response_header(res, "X-Inngest-No-Retry", "false");
    }
}

static const char *unauthorized_reason(enum sig_outcome o)
{
    switch (o) {
    case SIG_MISSING: return "Unauthorized: the request has no X-Inngest-Signature";
    case SIG_MALFORMED: return "Unauthorized: the X-Inngest-Signature header is malformed";
    case SIG_EXPIRED: return "Unauthorized: the signature is older or newer than 5 minutes";
    default: return "Unauthorized: the signature does not match";
    }
}

static void serve_route(struct ing_ctx *c, const struct ing_route *route, struct request *req,
                        struct response *res)
{
    if (route->durable) {
        durable_route_serve(c, route, req, res);
        return;
    }
    res->log_target = route->path;
    struct ing_http_request hreq = {.method = req->method, .path = req->path,
                                    .query = req->query, .body = req->body,
                                    .body_len = req->body_len, .ctx = c,
                                    .params = req->params};
    struct ing_http_response hres = {.ctx = c};
    jmp_buf landing;
    c->unwind = &landing;
    if (setjmp(landing) == 0) {
        route->handler(&hreq, &hres);
    } else {
        ing_log(ING_LOG_ERROR, "route %s: %s", route->path,
                c->sdk_error ? c->sdk_error : "a step or error was raised outside a function");
        response_message(res, c->arena, 500, "internal error");
        c->unwind = NULL;
        return;
    }
    c->unwind = NULL;
    route_answer_handler(c, &hres, res);
}

static void serve_inngest(struct ing_ctx *c, struct request *req, struct response *res)
{
    const struct server *srv = c->server;
    const struct settings *s = &srv->settings;
    const char *m = req->method;
    bool is_get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    bool is_put = strcmp(m, "PUT") == 0;
    bool is_post = strcmp(m, "POST") == 0;
    if (!is_get && !is_put && !is_post) {
        response_message(res, c->arena, 405, "Method not allowed");
        response_header(res, "Allow", "GET, PUT, POST");
        res->log_target = req->path;
        route_sdk_headers(res);
        return;
    }

    const char *header = request_param(req, "HTTP_X_INNGEST_SIGNATURE");
    enum sig_outcome auth = SIG_MISSING;
    const char *verified_key = NULL;
    if (!s->dev) {
        auth = sig_verify(header, req->body, req->body_len, s->signing_key,
                          s->signing_key_fallback, srv->now());
        if (auth == SIG_VALID_PRIMARY)
            verified_key = s->signing_key;
        else if (auth == SIG_VALID_FALLBACK)
            verified_key = s->signing_key_fallback;
    }
    if (auth == SIG_ERROR) {
        /* we could not tell a good signature from a bad one: neither answer
         * as unauthenticated nor run anything; Inngest retries a 500 */
        response_message(res, c->arena, 500, "could not verify the request signature");
        res->log_target = req->path;
        res->log_outcome = sig_outcome_text(auth);
        route_sdk_headers(res);
        return;
    }

    if (is_get) {
        res->log_target = "introspection";
        size_t len = 0;
        const char *text = introspection_text(srv, auth, &len);
        if (text) {
            response_json_text(res, 200, text, len);
        } else {
            json_object *body = arena_keep_json(c->arena, introspection_body(srv, auth));
            if (body)
                response_json(res, 200, body);
            else
                response_message(res, c->arena, 500, "out of memory");
        }
    } else if (is_put) {
        sync_handle(c, req, res, auth);
    } else {
        char probe[64];
        bool has_probe = request_query(req, "probe", probe, sizeof(probe)) != NULL;
        if (!s->dev && !verified_key) {
            if (auth == SIG_NO_KEY) {
                response_message(res, c->arena, 500,
                                 "INNGEST_SIGNING_KEY is not set: cloud mode cannot verify requests");
            } else {
                response_message(res, c->arena, 401, unauthorized_reason(auth));
            }
            response_header(res, "X-Inngest-No-Retry", "false");
            res->log_target = has_probe ? "probe" : req->path;
            res->log_outcome = sig_outcome_text(auth);
        } else if (has_probe) {
            res->log_target = "probe";
            if (strcmp(probe, "trust") == 0) {
                res->status = 200;
                res->body = "";
                res->body_len = 0;
            } else {
                response_message(res, c->arena, 400,
                                 arena_printf(c->arena, "unknown probe \"%s\"", probe));
                response_header(res, "X-Inngest-No-Retry", "false");
            }
        } else {
            call_handle(c, req, res);
        }
    }
    route_answer_sdk(c, res, verified_key);
}

void router_serve(struct ing_ctx *c, struct request *req, struct response *res)
{
    route_answer_memory(c, res);
    const struct ing_route *route = find_route(c->server, req->path);
    if (route) {
        serve_route(c, route, req, res);
    } else if (strcmp(req->path, c->server->settings.endpoint_path) == 0) {
        serve_inngest(c, req, res);
    } else {
        /* Only the registered path is the endpoint: any other path answering
         * introspection (or syncing on PUT) would be a second, unplanned
         * endpoint. */
        response_message(res, c->arena, 404, "not found: no route and not the Inngest endpoint");
        res->log_target = req->path;
    }
}
