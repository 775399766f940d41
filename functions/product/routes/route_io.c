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
#include "product/routes/route_io.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "product/store/store.h"
#include "product/routes/validate.h"

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
    ing_http_add_header(res, "Allow: POST");
    return false;
}

json_object *route_json_body(const struct ing_http_request *req, struct ing_http_response *res)
{
    if (!req->body || req->body_len == 0) {
        route_fail(req, res, 400, "the body is empty: send a JSON object");
        return NULL;
    }
    /* Refused by the reader too; named here so the caller learns why. */
    if (strlen(req->body) != req->body_len) {
        route_fail(req, res, 400, "the body contains a NUL byte: it is not JSON");
        return NULL;
    }
    /* The strict reader: json-c's own accepts NaN and Infinity and clamps
     * integers past 64 bits, which would forward a value the caller never sent. */
    json_object *v = NULL;
    if (!ing_json_parse_strict(req->ctx, req->body, req->body_len, &v)) {
        route_fail(req, res, 400,
                   "the body is not valid JSON (RFC 8259: no NaN, Infinity or comments; every number "
                   "finite and every integer within 64 bits; valid UTF-8)");
        return NULL;
    }
    if (!v) {
        route_fail(req, res, 400, "the body is null: send a JSON object");
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

static bool post_allowed(const struct ing_http_request *req, struct ing_http_response *res,
                         const char *token_env)
{
    return route_is_post(req, res) && (!token_env || route_authorized(req, res, token_env));
}

json_object *route_post_json(const struct ing_http_request *req, struct ing_http_response *res,
                             const char *token_env)
{
    return post_allowed(req, res, token_env) ? route_json_body(req, res) : NULL;
}

json_object *route_post_object(const struct ing_http_request *req, struct ing_http_response *res,
                               const char *token_env)
{
    return post_allowed(req, res, token_env) ? route_json_object(req, res) : NULL;
}

bool route_fields_ok(const struct ing_http_request *req, struct ing_http_response *res, json_object *errors)
{
    if (json_object_object_length(errors) == 0)
        return true;
    route_fail_fields(req, res, errors);
    return false;
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
        ing_http_add_header(res, "WWW-Authenticate: Bearer");
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
    json_object *event = ing_event_new(c, name, data);
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
    char iso[32];
    store_format_time_ms((int64_t)ts.tv_sec, (int)(ts.tv_nsec / 1000000L), iso);
    return ing_strdup(c, iso);
}

const char *route_client_ip(const struct ing_http_request *req)
{
    return ing_http_client_ip(req); /* the SDK's rule for X-Forwarded-For */
}

/* ---- reading ------------------------------------------------------------ */

bool route_is_get(const struct ing_http_request *req, struct ing_http_response *res)
{
    if (req->method && (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0))
        return true;
    route_fail(req, res, 405, "method not allowed: use GET");
    ing_http_add_header(res, "Allow: GET");
    return false;
}

/* [p, p+n) percent-decoded ('+' is a space in a query); NULL when it is
 * malformed or decodes to a control character. */
static char *decode(struct ing_ctx *c, const char *p, size_t n)
{
    char *out = ing_alloc(c, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '%') {
            int hi = i + 2 < n ? validate_hex_digit(p[i + 1]) : -1;
            int lo = hi >= 0 ? validate_hex_digit(p[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return NULL;
            ch = (char)(hi * 16 + lo);
            i += 2;
        } else if (ch == '+') {
            ch = ' ';
        }
        if ((unsigned char)ch < 0x20 || ch == 0x7f)
            return NULL;
        *o++ = ch;
    }
    *o = '\0';
    return out;
}

const char *route_query(const struct ing_http_request *req, struct ing_http_response *res,
                        const char *name, size_t max, bool *bad)
{
    *bad = false;
    size_t name_len = strlen(name);
    for (const char *p = req->query ? req->query : ""; *p;) {
        size_t n = strcspn(p, "&");
        if (n > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            const char *v = decode(req->ctx, p + name_len + 1, n - name_len - 1);
            if (!v || strlen(v) > max) {
                *bad = true;
                route_fail(req, res, 400, ing_sprintf(req->ctx, "the query parameter %s is malformed or "
                                                                "longer than %zu bytes", name, max));
                return NULL;
            }
            return v;
        }
        p += n + (p[n] == '&');
    }
    return NULL;
}

const char *route_path_key(const struct ing_http_request *req, struct ing_http_response *res,
                           const char *prefix, size_t max)
{
    size_t plen = strlen(prefix);
    const char *key = strncmp(req->path, prefix, plen) == 0 ? req->path + plen : "";
    bool ok = *key && strlen(key) <= max && !strchr(key, '/');
    for (const char *p = key; ok && *p; p++)
        ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
    if (!ok) {
        route_fail(req, res, 404, "not found");
        return NULL;
    }
    return key;
}

void route_ok(struct ing_http_response *res, json_object *body, const char *cache_control)
{
    res->status = 200;
    res->body = body;
    if (cache_control)
        ing_http_add_header(res, cache_control);
}

void route_store_failed(const struct ing_http_request *req, struct ing_http_response *res,
                        const struct store *s, int result)
{
    ing_log(ING_LOG_ERROR, "%s: the store could not be read: %s", req->path, store_error(s));
    route_fail(req, res, result == STORE_RETRY ? 503 : 500,
               result == STORE_RETRY ? "the store is unavailable, try again" : "the store could not be read");
    ing_http_add_header(res, "Cache-Control: no-store");
}

bool route_found(const struct ing_http_request *req, struct ing_http_response *res, const struct store *s,
                 int result, bool found, const char *missing)
{
    if (result != STORE_OK)
        route_store_failed(req, res, s, result);
    else if (!found)
        route_fail(req, res, 404, missing);
    return result == STORE_OK && found;
}

/* ---- CORS ---------------------------------------------------------------- */

/* The allowed origin to name in the answer (the configured text, never the
 * request's), "*" for any, or NULL. */
static const char *allowed_origin(const struct ing_http_request *req)
{
    const char *list = ing_env(req->ctx, "CORS_ALLOWED_ORIGINS");
    const char *origin = ing_http_header(req, "Origin");
    if (!list || !origin || !*origin)
        return NULL;
    size_t olen = strlen(origin);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 1 && *p == '*')
            return "*";
        /* origins compare case-insensitively in scheme and host; a trailing
         * slash in the setting is forgiven */
        size_t m = n > 0 && p[n - 1] == '/' ? n - 1 : n;
        if (m > 0 && m == olen && strncasecmp(p, origin, m) == 0)
            return ing_sprintf(req->ctx, "%.*s", (int)m, p);
        p += n;
    }
    return NULL;
}

void route_public(const struct ing_http_request *req, struct ing_http_response *res, ing_route_fn route)
{
    struct ing_ctx *c = req->ctx;
    const char *origin = allowed_origin(req);
    bool preflight = req->method && strcmp(req->method, "OPTIONS") == 0;
    if (preflight) {
        res->status = 204;
        res->body = NULL;
        ing_http_add_header(res, "Allow: GET, HEAD, POST, OPTIONS");
        if (origin) {
            ing_http_add_header(res, "Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS");
            ing_http_add_header(res, "Access-Control-Allow-Headers: Content-Type");
            ing_http_add_header(res, "Access-Control-Max-Age: 600");
        }
    } else {
        route(req, res);
    }
    if (origin)
        ing_http_add_header(res, ing_sprintf(c, "Access-Control-Allow-Origin: %s", origin));
    if (ing_env(c, "CORS_ALLOWED_ORIGINS"))
        ing_http_add_header(res, "Vary: Origin");
}
