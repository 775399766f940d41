/*
 * fuzz_serve.c — one request through the router for a fuzz target, and the
 * checks every answer must pass (see fuzz_serve.h).  The server lives for the
 * whole process, as it does in a worker; each request gets its own context
 * and body copy, released before the next input.
 */
#define _GNU_SOURCE /* memmem */
#include "fuzz_serve.h"

#include "fuzz_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "outbound/http_client.h"
#include "core/request.h"
#include "protocol/router.h"
#include "core/signature.h"

static const char *const *fuzz_env;
static struct server server;

static const char *env_lookup(const char *name)
{
    size_t n = strlen(name);
    for (const char *const *e = fuzz_env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

struct server *fuzz_server(const struct ing_app *app, const char *const *env)
{
    fuzz_env = env;
    for (const char *const *e = env; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        char *name = strndup(*e, (size_t)(eq - *e));
        setenv(name, eq + 1, 1);
        free(name);
    }
    outbound_set_transport(fuzz_http_transport); /* every outbound call: the script */
    char err[512];
    if (!server_init(&server, app, env_lookup, err, sizeof(err))) {
        fprintf(stderr, "fuzz: server_init: %s\n", err);
        abort();
    }
    if (!server_init_worker(&server)) {
        fprintf(stderr, "fuzz: server_init_worker failed\n");
        abort();
    }
    return &server;
}

static const char *db_dir;

static void remove_db_dir(void)
{
    static const char *const files[] = {"store.db", "store.db-journal", "store.db-wal", "store.db-shm"};
    char path[96];
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
        snprintf(path, sizeof(path), "%s/%s", db_dir, files[i]);
        unlink(path);
    }
    rmdir(db_dir);
}

/* On tmpfs when there is one: SQLite syncs its journal on every commit, and
 * on a disk those syncs, not the code under test, set the pace of a run. */
const char *fuzz_temp_db_env(void)
{
    static char shm_dir[] = "/dev/shm/inngest-fuzz.XXXXXX";
    static char tmp_dir[] = "/tmp/inngest-fuzz.XXXXXX";
    static char env[96];
    db_dir = mkdtemp(shm_dir);
    if (!db_dir)
        db_dir = mkdtemp(tmp_dir);
    if (!db_dir)
        abort();
    atexit(remove_db_dir);
    snprintf(env, sizeof(env), "DATABASE_PATH=%s/store.db", db_dir);
    return env;
}

char *fuzz_strndup(const uint8_t *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        abort();
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

bool fuzz_split(const uint8_t *data, size_t size, uint8_t sep, const uint8_t **first,
                size_t *first_len, const uint8_t **rest, size_t *rest_len)
{
    const uint8_t *p = memchr(data, sep, size);
    if (!p)
        return false;
    *first = data;
    *first_len = (size_t)(p - data);
    *rest = p + 1;
    *rest_len = size - *first_len - 1;
    return true;
}

char *fuzz_header_and_body(const uint8_t *data, size_t size, const uint8_t **body, size_t *body_len)
{
    const uint8_t *h;
    size_t h_len;
    if (!fuzz_split(data, size, '\0', &h, &h_len, body, body_len)) {
        h = data;
        h_len = size;
        *body = (const uint8_t *)"{}";
        *body_len = 2;
    }
    return fuzz_strndup(h, h_len);
}

bool fuzz_contains(const void *data, size_t len, const char *needle)
{
    /* glibc's memmem: a byte loop here would be instrumented for coverage
     * and cost more than the code under test */
    size_t n = strlen(needle);
    return data && n && len >= n && memmem(data, len, needle, n) != NULL;
}

static const char *const secrets[] = {
    FUZZ_SIGNING_KEY, FUZZ_SIGNING_KEY_FALLBACK, FUZZ_EVENT_KEY, FUZZ_STRIPE_SECRET,
    FUZZ_RELAY_TOKEN, FUZZ_ADMIN_TOKEN};
#define SECRET_COUNT (sizeof(secrets) / sizeof(*secrets))

/* The request being checked: a secret it carried itself, or that a scripted
 * answer of another server carried (libFuzzer learns strings from
 * comparisons, the checks' own included), may be echoed back. */
static const struct fuzz_request *current;

/* Whether the request (or a scripted answer) carried needle[from, from+len). */
static bool carried(const char *needle, size_t from, size_t len)
{
    char part[128];
    if (len >= sizeof(part))
        len = sizeof(part) - 1;
    memcpy(part, needle + from, len);
    part[len] = '\0';
    if (fuzz_contains(current->body, current->body_len, part) ||
        (current->query && fuzz_contains(current->query, strlen(current->query), part)))
        return true;
    for (int i = 0; i < 16 && current->headers[i][0]; i++)
        if (current->headers[i][1] && fuzz_contains(current->headers[i][1], strlen(current->headers[i][1]), part))
            return true;
    return fuzz_http_answers_contain(part);
}

/* An answer may rebuild a secret from an input that holds most of it: a
 * JSON escape such as \u0018 supplies the digit before "f3a9…".  So any
 * 16-character piece of the secret in the input counts as carried; a real
 * leak reveals a secret the input held no piece of. */
static bool in_request(const char *needle)
{
    if (!current)
        return false;
    size_t n = strlen(needle), piece = n < 16 ? n : 16;
    for (size_t from = 0; from + piece <= n; from++)
        if (carried(needle, from, piece))
            return true;
    return false;
}

void fuzz_check_no_secret(const char *what, const void *data, size_t len)
{
    if (!data)
        return;
    for (size_t i = 0; i < SECRET_COUNT; i++) {
        /* the key material alone (what the HMAC is keyed with) must not leak either */
        const char *material = sig_key_material(secrets[i]);
        if ((fuzz_contains(data, len, secrets[i]) && !in_request(secrets[i])) ||
            (fuzz_contains(data, len, material) && !in_request(material))) {
            fprintf(stderr, "fuzz: a secret (#%zu) appears in the %s\n", i, what);
            abort();
        }
    }
}

const char *fuzz_inngest_signature(const void *body, size_t len, long long t)
{
    static char out[160];
    char mac[65];
    sig_compute(FUZZ_SIGNING_KEY, body, len, t, mac);
    snprintf(out, sizeof(out), "t=%lld&s=%s", t, mac);
    return out;
}

/* Header name → CGI name: X-Inngest-Signature → HTTP_X_INNGEST_SIGNATURE. */
static char *cgi_header(const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value);
    char *p = malloc(5 + n + 1 + v + 1);
    if (!p)
        abort();
    memcpy(p, "HTTP_", 5);
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        p[5 + i] = ch == '-' ? '_' : (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    p[5 + n] = '=';
    memcpy(p + 6 + n, value, v + 1);
    return p;
}

static char *param(const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value);
    char *p = malloc(n + 1 + v + 1);
    if (!p)
        abort();
    memcpy(p, name, n);
    p[n] = '=';
    memcpy(p + n + 1, value, v + 1);
    return p;
}

static void check_response(const struct response *res)
{
    if (res->status < 200 || res->status > 599) {
        fprintf(stderr, "fuzz: status %d\n", res->status);
        abort();
    }
    if (res->body_len && !res->body) {
        fprintf(stderr, "fuzz: a body length without a body\n");
        abort();
    }
    fuzz_check_no_secret("response body", res->body, res->body_len);
    for (int i = 0; i < res->header_count; i++) {
        const char *name = res->headers[i].name, *value = res->headers[i].value;
        if (!name || !value || strpbrk(name, "\r\n") || strpbrk(value, "\r\n")) {
            fprintf(stderr, "fuzz: response header %d is missing or holds CR/LF\n", i);
            abort();
        }
        fuzz_check_no_secret("response headers", value, strlen(value));
    }
}

int fuzz_serve(struct server *srv, const struct fuzz_request *fr)
{
    char *params[24];
    int n = 0;
    char len_text[32];
    snprintf(len_text, sizeof(len_text), "%zu", fr->body_len);
    params[n++] = param("REQUEST_METHOD", fr->method);
    params[n++] = param("DOCUMENT_URI", fr->path);
    params[n++] = param("QUERY_STRING", fr->query ? fr->query : "");
    params[n++] = param("CONTENT_LENGTH", len_text);
    params[n++] = param("REMOTE_ADDR", "127.0.0.1");
    params[n++] = param("SERVER_NAME", "127.0.0.1");
    params[n++] = param("SERVER_PORT", "8080");
    for (int i = 0; i < 16 && fr->headers[i][0] && n < 23; i++)
        params[n++] = cgi_header(fr->headers[i][0], fr->headers[i][1] ? fr->headers[i][1] : "");
    params[n] = NULL;

    struct request req;
    request_init(&req, params);
    /* the body as the front leaves it: exactly its bytes and a NUL */
    char *body = fuzz_strndup(fr->body ? fr->body : (const uint8_t *)"", fr->body_len);
    req.body = body;
    req.body_len = fr->body_len;

    current = fr;
    struct ing_ctx *c = ctx_new(srv);
    if (!c)
        abort();
    struct response res;
    memset(&res, 0, sizeof(res));
    size_t limit = router_max_body(srv, &req);
    if (fr->body_len > limit)
        router_too_large(c, &req, &res, limit);
    else
        router_serve(c, &req, &res);
    check_response(&res);
    int status = res.status;
    current = NULL;
    ctx_release(c);
    free(body);
    for (int i = 0; i < n; i++)
        free(params[i]);
    return status;
}

int fuzz_serve_call(struct server *srv, const uint8_t *data, size_t size, const char *default_query,
                    const char *req_version)
{
    const uint8_t *q, *body;
    size_t q_len, body_len;
    char *query;
    if (fuzz_split(data, size, '\n', &q, &q_len, &body, &body_len)) {
        query = fuzz_strndup(q, q_len);
    } else {
        query = fuzz_strndup((const uint8_t *)default_query, strlen(default_query));
        body = data;
        body_len = size;
    }
    struct fuzz_request req = {
        .method = "POST", .path = "/api/inngest", .query = query, .body = body, .body_len = body_len,
        .headers = {{"Content-Type", "application/json"},
                    {"X-Inngest-Signature", fuzz_inngest_signature(body, body_len, (long long)time(NULL))},
                    {req_version ? "X-Inngest-Req-Version" : NULL, req_version}}};
    int status = fuzz_serve(srv, &req);
    free(query);
    return status;
}
