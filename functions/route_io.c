/*
 * route_io.c — the shared request and answer handling of the product routes
 * (see route_io.h).
 *
 * Tokens are compared as SHA-256 digests with CRYPTO_memcmp, so the time the
 * comparison takes says nothing about how much of a guess matched, nor about
 * the expected token's length.  Event API failures are logged here once, with
 * the SDK's reason (which names the Event API's origin and status, never the
 * event key or the event).
 */
#include "route_io.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

static json_object *failure_body(struct ing_ctx *c)
{
    json_object *body = ing_json_object(c);
    ing_json_set(body, "success", ing_json_bool(c, false));
    return body;
}

void route_fail(const struct ing_http_request *req, struct ing_http_response *res, int status,
                const char *message)
{
    json_object *body = failure_body(req->ctx);
    ing_json_set(body, "error", ing_json_string(req->ctx, message));
    res->status = status;
    res->body = body;
}

void route_fail_fields(const struct ing_http_request *req, struct ing_http_response *res,
                       json_object *errors)
{
    json_object *body = failure_body(req->ctx);
    ing_json_set(body, "errors", errors);
    res->status = 400;
    res->body = body;
}

bool route_is_post(const struct ing_http_request *req, struct ing_http_response *res)
{
    if (req->method && strcmp(req->method, "POST") == 0)
        return true;
    route_fail(req, res, 405, "method not allowed: use POST");
    res->extra_header = "Allow: POST";
    return false;
}

json_object *route_json_body(const struct ing_http_request *req, struct ing_http_response *res)
{
    if (!req->body || req->body_len == 0) {
        route_fail(req, res, 400, "the body is empty: send a JSON object");
        return NULL;
    }
    /* The parser reads up to the first NUL: bytes after it would go unchecked. */
    if (strlen(req->body) != req->body_len) {
        route_fail(req, res, 400, "the body contains a NUL byte: it is not JSON");
        return NULL;
    }
    json_object *v = ing_json_parse(req->ctx, req->body);
    if (!v) {
        /* json-c parses "null" to NULL, like a syntax error: tell them apart */
        size_t skip = strspn(req->body, " \t\r\n");
        bool is_null = strncmp(req->body + skip, "null", 4) == 0 &&
                       req->body[skip + 4 + strspn(req->body + skip + 4, " \t\r\n")] == '\0';
        route_fail(req, res, 400, is_null ? "the body is null: send a JSON object"
                                          : "the body is not valid JSON");
        return NULL;
    }
    return v;
}

json_object *route_json_object(const struct ing_http_request *req, struct ing_http_response *res)
{
    json_object *v = route_json_body(req, res);
    if (v && !json_object_is_type(v, json_type_object)) {
        route_fail(req, res, 400, "the body must be a JSON object");
        return NULL;
    }
    return v;
}

static bool digest(const char *s, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    return EVP_Digest(s, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32;
}

/* The token of "Bearer <token>" (scheme in any case, RFC 6750), or NULL. */
static const char *bearer_token(const char *header, size_t *len)
{
    if (!header || strncasecmp(header, "Bearer", 6) != 0 || (header[6] != ' ' && header[6] != '\t'))
        return NULL;
    const char *t = header + 6;
    while (*t == ' ' || *t == '\t')
        t++;
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    *len = n;
    return n ? t : NULL;
}

bool route_authorized(const struct ing_http_request *req, struct ing_http_response *res,
                      const char *env_name)
{
    const char *expected = ing_env(req->ctx, env_name);
    if (!expected) {
        route_fail(req, res, 503, ing_sprintf(req->ctx, "%s is not set: this route is disabled", env_name));
        return false;
    }
    size_t given_len = 0;
    const char *given = bearer_token(ing_http_header(req, "Authorization"), &given_len);
    bool ok = false;
    if (given) {
        unsigned char a[32], b[32];
        ok = digest(expected, strlen(expected), a) && digest(given, given_len, b) &&
             CRYPTO_memcmp(a, b, sizeof(a)) == 0;
    }
    if (!ok) {
        route_fail(req, res, 401, given ? "the bearer token is not valid"
                                        : "this route needs an Authorization: Bearer <token> header");
        res->extra_header = "WWW-Authenticate: Bearer";
    }
    return ok;
}

bool route_send(const struct ing_http_request *req, struct ing_http_response *res,
                json_object *events, json_object **ids, bool detail)
{
    struct ing_error err = {0};
    int status = 0;
    if (ing_send_events(req->ctx, events, ids, &err, &status))
        return true;
    ing_log(ING_LOG_WARN, "%s: no event queued: %s", req->path,
            err.message ? err.message : "unknown error");
    bool unavailable = status == 0 || status >= 500;
    const char *what = unavailable
                           ? "the event could not be queued: the event service is unavailable, try again"
                           : "the event could not be queued: the event service refused it";
    route_fail(req, res, unavailable ? 503 : 502,
               detail && err.message ? ing_sprintf(req->ctx, "%s (%s)", what, err.message) : what);
    return false;
}

void route_queue(const struct ing_http_request *req, struct ing_http_response *res,
                 const char *name, json_object *data, bool with_id)
{
    struct ing_ctx *c = req->ctx;
    json_object *event = ing_json_object(c);
    ing_json_set(event, "name", ing_json_string(c, name));
    ing_json_set(event, "data", data);
    json_object *ids = NULL;
    if (!route_send(req, res, event, &ids, false))
        return;
    json_object *body = ing_json_object(c);
    ing_json_set(body, "success", ing_json_bool(c, true));
    if (with_id)
        ing_json_set(body, "id", json_object_array_get_idx(ids, 0));
    res->status = 202;
    res->body = body;
}

const char *route_now_iso8601(struct ing_ctx *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    return ing_sprintf(c, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
}

const char *route_client_ip(const struct ing_http_request *req)
{
    return ing_http_client_ip(req); /* the SDK's rule for X-Forwarded-For */
}
