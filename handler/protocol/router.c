/*
 * router.c — method and path dispatch, signature checks and SDK headers.
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
#include "base/limits.h"
#include "core/request.h"
#include "core/response.h"
#include "core/server.h"
#include "core/signature.h"
#include "protocol/sync.h"

#define SDK_VALUE ING_SDK_NAME ":v" ING_SDK_VERSION

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

/* Why a route's header line cannot be written, or NULL when it can: a
 * "Name: value" line whose name is an HTTP token and whose value has no
 * control character but tab (a CR or LF would split the header block). */
static const char *header_line_problem(const char *line)
{
    if (!line)
        return "the line is NULL";
    const char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return "it is not a \"Name: value\" line";
    for (const char *p = line; p < colon; p++)
        if (!strchr("!#$%&'*+-.^_`|~", *p) && !(*p >= '0' && *p <= '9') &&
            !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z'))
            return "its name has a character HTTP does not allow in a header name";
    for (const char *p = colon + 1; *p; p++)
        if ((unsigned char)*p < 0x20 ? *p != '\t' : *p == 0x7f)
            return "it holds a CR, LF or other control character";
    /* a second one of these would contradict the front's (nginx answers 502) */
    size_t n = (size_t)(colon - line);
    if ((n == 6 && strncasecmp(line, "Status", 6) == 0) ||
        (n == 14 && strncasecmp(line, "Content-Length", 14) == 0))
        return "Status and Content-Length are written by the SDK";
    return NULL;
}

bool ing_http_add_header(struct ing_http_response *res, const char *line)
{
    const char *problem = header_line_problem(line);
    if (!problem && !res->ctx)
        problem = "the answer was not handed to a route by the SDK (res->ctx is NULL), "
                  "so there is no request memory to keep the line in";
    if (problem) {
        ing_log(ING_LOG_WARN, "ing_http_add_header: line refused: %s", problem);
        return false;
    }
    size_t bytes = strlen(line) + 2; /* and its CR LF */
    if (bytes > ING_HTTP_MAX_HEADER_BYTES - res->header_bytes) {
        ing_log(ING_LOG_WARN, "ing_http_add_header: the answer's header lines would pass %d bytes "
                "(ING_HTTP_MAX_HEADER_BYTES); \"%.*s\" is dropped", ING_HTTP_MAX_HEADER_BYTES,
                (int)(strchr(line, ':') - line), line);
        return false;
    }
    if (res->header_count >= res->header_room) {
        size_t room = (res->header_count > 4 ? res->header_count : 4) * 2;
        const char **grown = arena_alloc(res->ctx->arena, room * sizeof(*grown));
        if (!grown) {
            ing_log(ING_LOG_WARN, "ing_http_add_header: out of memory; \"%.*s\" is dropped",
                    (int)(strchr(line, ':') - line), line);
            return false;
        }
        if (res->header_count)
            memcpy(grown, res->headers, res->header_count * sizeof(*grown));
        res->headers = grown;
        res->header_room = room;
    }
    /* the list is ours (arena memory): const only to the route that reads it */
    ((const char **)res->headers)[res->header_count++] = line;
    res->header_bytes += bytes;
    return true;
}

/* One "Name: value" line of a route's answer, checked again (a route may
 * have written the list itself); a line that could split the header block or
 * is not a header is dropped, and said.  Every line is added (a repeated name
 * is a repeated header, as Set-Cookie needs) but Content-Type, of which an
 * answer has one, and a line the answer already has word for word. */
static void route_header(struct ing_ctx *c, struct response *res, const char *line)
{
    if (!line)
        return;
    const char *problem = header_line_problem(line);
    if (problem) {
        ing_log(ING_LOG_WARN, "route %s: a header line of the answer is dropped: %s",
                res->log_target ? res->log_target : "?", problem);
        return;
    }
    const char *colon = strchr(line, ':');
    const char *name = arena_strndup(c->arena, line, (size_t)(colon - line));
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (strcasecmp(name, "Content-Type") == 0) {
        response_header(res, name, value);
        return;
    }
    for (int i = 0; i < res->header_count; i++)
        if (strcasecmp(res->headers[i].name, name) == 0 && strcmp(res->headers[i].value, value) == 0)
            return; /* the same line again says nothing more */
    response_add_header(res, name, value);
}

size_t router_max_body(const struct server *srv, const struct request *req)
{
    const struct ing_route *r = find_route(srv, req->path);
    if (r)
        return r->max_body ? r->max_body : ING_ROUTE_DEFAULT_MAX_BODY;
    return ING_MAX_CALL_BODY;
}

/* The answer's headers grow in the request's memory. */
static void answer_in_request_memory(struct ing_ctx *c, struct response *res)
{
    if (!res->arena)
        res->arena = c->arena;
}

static void sdk_headers(struct response *res)
{
    response_header(res, "X-Inngest-SDK", SDK_VALUE);
    response_header(res, "X-Inngest-Req-Version", "2");
    response_header(res, "X-Inngest-Framework", "fastcgi");
    if (!response_get_header(res, "Content-Type"))
        response_header(res, "Content-Type", "application/json");
}

void router_too_large(struct ing_ctx *c, struct request *req, struct response *res,
                      size_t limit)
{
    answer_in_request_memory(c, res);
    response_message(res, c->arena, 413,
                     arena_printf(c->arena, "the request body is larger than %zu bytes", limit));
    res->log_target = req->path;
    if (!find_route(c->server, req->path)) {
        sdk_headers(res);
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
    router_route_answer(c, &hres, res);
}

void router_route_answer(struct ing_ctx *c, const struct ing_http_response *hres_in,
                         struct response *res)
{
    const struct ing_http_response hres = *hres_in;
    if (hres.content_type)
        response_header(res, "Content-Type", hres.content_type);
    if (hres.body) {
        response_json(res, hres.status, hres.body);
        if (hres.content_type)
            response_header(res, "Content-Type", hres.content_type);
    } else {
        res->status = hres.status ? hres.status : 204;
        res->body = "";
        res->body_len = 0;
    }
    for (size_t i = 0; hres.headers && i < hres.header_count; i++)
        route_header(c, res, hres.headers[i]);
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
        sdk_headers(res);
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
        sdk_headers(res);
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
    router_sdk_answer(c, res, verified_key);
}

void router_sdk_answer(struct ing_ctx *c, struct response *res, const char *verified_key)
{
    const struct server *srv = c->server;
    sdk_headers(res);
    if (verified_key) {
        char sig[128];
        const char *kept = NULL;
        if (sig_response_header(verified_key, res->body, res->body_len, (long long)srv->now(),
                                sig, sizeof(sig)))
            kept = arena_strdup(c->arena, sig);
        if (!kept) {
            /* an unsigned answer would be refused by Inngest: say why, and sign that */
            response_message(res, c->arena, 500, "could not sign the response");
            kept = sig_response_header(verified_key, res->body, res->body_len,
                                       (long long)srv->now(), sig, sizeof(sig))
                       ? arena_strdup(c->arena, sig)
                       : NULL;
        }
        if (kept)
            response_header(res, "X-Inngest-Signature", kept);
    }
}

const char *ing_http_header(const struct ing_http_request *req, const char *name)
{
    char cgi[160] = "HTTP_";
    size_t n = strlen(name);
    if (n + 6 > sizeof(cgi))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        cgi[5 + i] = ch == '-' ? '_' : (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    cgi[5 + n] = '\0';
    struct request r = {.params = req->params};
    const char *v = request_param(&r, cgi);
    if (!v && strcmp(cgi, "HTTP_CONTENT_TYPE") == 0)
        v = request_param(&r, "CONTENT_TYPE"); /* CGI passes it without the prefix */
    return v;
}

const char *ing_http_remote_addr(const struct ing_http_request *req)
{
    struct request r = {.params = req->params};
    return request_param(&r, "REMOTE_ADDR");
}

const char *ing_http_client_ip(const struct ing_http_request *req)
{
    struct request r = {.params = req->params};
    const struct settings *s = &req->ctx->server->settings;
    char *out = arena_alloc(req->ctx->arena, 64);
    if (!out)
        return request_param(&r, "REMOTE_ADDR");
    return client_addr_resolve(request_param(&r, "REMOTE_ADDR"),
                               request_param(&r, "HTTP_X_FORWARDED_FOR"), s->trust_forwarded,
                               &s->trusted_proxies, out, 64);
}

void router_serve(struct ing_ctx *c, struct request *req, struct response *res)
{
    answer_in_request_memory(c, res);
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
