/*
 * route_answer.c — putting an answer together: a route handler's answer
 * (its status, body and header lines), the SDK headers and signature of an
 * answer to Inngest, and the request accessors routes read.
 *
 * Apart from router.c because the durable routes (durable_route.c) answer
 * through the same code, and the router calls them: kept in one file, the
 * two would call each other.
 */
#include "protocol/route_answer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "inngest.h"
#include "base/arena.h"
#include "base/limits.h"
#include "core/client_addr.h"
#include "core/context.h"
#include "core/request.h"
#include "core/response.h"
#include "core/server.h"
#include "core/signature.h"

#define SDK_VALUE ING_SDK_NAME ":v" ING_SDK_VERSION

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

/* The answer's headers grow in the request's memory. */
void route_answer_memory(struct ing_ctx *c, struct response *res)
{
    if (!res->arena)
        res->arena = c->arena;
}

void route_sdk_headers(struct response *res)
{
    response_header(res, "X-Inngest-SDK", SDK_VALUE);
    response_header(res, "X-Inngest-Req-Version", "2");
    response_header(res, "X-Inngest-Framework", "fastcgi");
    if (!response_get_header(res, "Content-Type"))
        response_header(res, "Content-Type", "application/json");
}

void route_answer_handler(struct ing_ctx *c, const struct ing_http_response *hres_in,
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

void route_answer_sdk(struct ing_ctx *c, struct response *res, const char *verified_key)
{
    const struct server *srv = c->server;
    route_sdk_headers(res);
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
