/*
 * test_product_routes.c — the product app's HTTP routes through router_serve,
 * exactly as the FastCGI front calls it, with a scripted local Event API
 * (fake_http) behind INNGEST_BASE_URL and a real SQLite store in a temp file.
 *
 * For every route: the happy path and what the Event API received; every
 * refusal (method, body, fields, signature, token) and that NOTHING reached
 * the Event API then; Event API failures (unreachable, 5xx → 503; 4xx →
 * 502); that tokens and secrets are never echoed or logged.
 */
#define _GNU_SOURCE /* mkdtemp, setenv */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "capture_stderr.h"
#include "nesting.h"
#include "core/context.h"
#include "core/encryption.h"
#include "fake_http.h"
#include "inngest.h"
#include "core/request.h"
#include "core/response.h"
#include "protocol/router.h"
#include "core/server.h"
#include "transport/server_setup.h"

#include "product/product.h"
#include "product/routes/rate_limit.h"
#include "product/store/store.h"

#define ID_1 "01JROUTE0000000000000000001"
#define ID_2 "01JROUTE0000000000000000002"
#define STRIPE_SECRET "whsec_route_test_secret_42"
#define RELAY_TOKEN "relay-token-0123456789abcdef"
#define ADMIN_TOKEN "admin-token-0123456789abcdef"
#define READWISE_TOKEN "rw-secret-token-XYZ-0123456789"

static const struct fake_reply ok_one = {.status = 200, .body = "{\"ids\":[\"" ID_1 "\"],\"status\":200}"};
static const struct fake_reply ok_two = {.status = 200,
                                         .body = "{\"ids\":[\"" ID_1 "\",\"" ID_2 "\"],\"status\":200}"};
static const struct fake_reply down_500 = {.status = 500, .body = "{\"error\":\"internal\"}"};
static const struct fake_reply bad_key_401 = {.status = 401, .body = "{\"error\":\"Event key not found\"}"};

/* ------------------------------------------------------------------------ */
/* Harness: one server (its settings from the environment) per test          */
/* ------------------------------------------------------------------------ */

struct harness {
    struct server srv;
    struct fake_http *api;   /* NULL: the Event API is unreachable */
    char dir[64];
    char db[128];
};

struct answer {
    int status;
    char *body;              /* malloc'd, NUL-terminated */
    json_object *json;       /* parsed body, NULL when empty or not JSON */
    char allow[64];
    char www_auth[64];
    char headers[2048];      /* every response header, "Name: value\n" each */
    char retry_after[32];
    char log[8192];          /* what the request wrote to stderr */
};

/* The temp dir of the running test, so that teardown removes it even when
 * an assertion ended the test early. */
static char live_dir[64];

static const char *env_get(const char *name) { return getenv(name); }

static void harness_start(struct harness *h, const struct fake_reply *reply)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->dir, sizeof(h->dir), "/tmp/inngest-routes.XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    snprintf(live_dir, sizeof(live_dir), "%s", h->dir);
    snprintf(h->db, sizeof(h->db), "%s/store.db", h->dir);
    int port;
    if (reply) {
        h->api = fake_http_start(reply, 1);
        assert_non_null(h->api);
        port = fake_http_port(h->api);
    } else {
        /* a port that was just listening and is closed now */
        static const struct fake_reply none = {.status = 500, .body = "{}"};
        struct fake_http *gone = fake_http_start(&none, 1);
        assert_non_null(gone);
        port = fake_http_port(gone);
        fake_http_stop(gone);
        fake_http_free(gone);
    }
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    setenv("INNGEST_DEV", "1", 1);
    setenv("INNGEST_BASE_URL", base, 1);
    setenv("DATABASE_PATH", h->db, 1);
    unsetenv("REDIS_URL");
    char err[256];
    if (!server_init(&h->srv, &ing_app_definition, env_get, err, sizeof(err)))
        fail_msg("server_init: %s", err);
    assert_true(server_init_worker(&h->srv));
}

/* Stops the fake Event API so that its records can be read without a race. */
static int sent_count(struct harness *h)
{
    if (!h->api)
        return 0;
    fake_http_stop(h->api);
    return fake_http_count(h->api);
}

/* The events of the i-th request the Event API received (a new reference). */
static json_object *sent_events(struct harness *h, int i)
{
    const struct fake_request *r = fake_http_request(h->api, i);
    assert_non_null(r);
    assert_string_equal(r->method, "POST");
    assert_memory_equal(r->target, "/e/", 3);
    json_object *v = json_tokener_parse(r->body);
    assert_non_null(v);
    assert_true(json_object_is_type(v, json_type_array));
    return v;
}

/* The Event API received one request: its events (a new reference in
 * *events, the caller puts it) and the first of them. */
static json_object *the_one_event(struct harness *h, json_object **events)
{
    assert_int_equal(sent_count(h), 1);
    *events = sent_events(h, 0);
    return json_object_array_get_idx(*events, 0);
}

static void remove_dir(const char *dir)
{
    char path[160];
    const char *files[] = {"store.db", "store.db-wal", "store.db-shm", "store.db-journal"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void clear_route_env(void)
{
    unsetenv("STRIPE_WEBHOOK_SECRET");
    unsetenv("EVENTS_RELAY_TOKEN");
    unsetenv("ADMIN_TOKEN");
    unsetenv("INNGEST_TRUST_FORWARDED");
    unsetenv("INNGEST_TRUSTED_PROXIES");
    unsetenv("INNGEST_SIGNING_KEY");
    unsetenv("EVENTS_RELAY_ALLOW");
    unsetenv("CORS_ALLOWED_ORIGINS");
    unsetenv("GITHUB_USERNAME");
    unsetenv("CONTACT_RATE_LIMIT_CLIENT");
    unsetenv("CONTACT_RATE_LIMIT_RECIPIENT");
    unsetenv("VIEWS_RATE_LIMIT");
    unsetenv("INNGEST_ENCRYPTION_KEY");
    unsetenv("CONTACT_PROGRESS_RATE_LIMIT");
}

static void harness_stop(struct harness *h)
{
    if (h->api) {
        sent_count(h);
        fake_http_free(h->api);
    }
    server_close_worker(&h->srv);
    remove_dir(h->dir);
    live_dir[0] = '\0';
    clear_route_env();
}

static int teardown(void **state)
{
    (void)state;
    if (live_dir[0]) {
        remove_dir(live_dir);
        live_dir[0] = '\0';
    }
    clear_route_env();
    return 0;
}

static void answer_free(struct answer *a)
{
    free(a->body);
    json_object_put(a->json);
    memset(a, 0, sizeof(*a));
}

/* Serves one request; `headers` are extra CGI parameters ("HTTP_X=…"). */
static void serve_raw(struct harness *h, const char *method, const char *path, const char *body,
                      size_t len, const char *const *headers, struct answer *out)
{
    memset(out, 0, sizeof(*out));
    char m[32], uri[256], cl[64], qs[256];
    const char *q = strchr(path, '?');
    snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
    snprintf(uri, sizeof(uri), "DOCUMENT_URI=%.*s", q ? (int)(q - path) : (int)strlen(path), path);
    snprintf(qs, sizeof(qs), "QUERY_STRING=%s", q ? q + 1 : "");
    snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", len);
    char *params[16] = {m, uri, cl, qs, "REMOTE_ADDR=192.0.2.7", "HTTP_HOST=localhost:1"};
    int n = 6;
    for (int i = 0; headers && headers[i] && n < 15; i++)
        params[n++] = (char *)headers[i];
    params[n] = NULL;
    struct request req;
    request_init(&req, params);
    req.body = body ? body : "";
    req.body_len = len;

    /* capture what the request logs, to check that no secret is in it */
    struct stderr_capture cap;
    stderr_capture_begin(&cap);
    struct ing_ctx *c = ctx_new(&h->srv);
    assert_non_null(c);
    struct response res = {0};
    router_serve(c, &req, &res);
    char *log = stderr_capture_end(&cap);
    snprintf(out->log, sizeof(out->log), "%s", log);
    free(log);

    out->status = res.status;
    out->body = malloc(res.body_len + 1);
    memcpy(out->body, res.body ? res.body : "", res.body_len);
    out->body[res.body_len] = '\0';
    out->json = res.body_len ? json_tokener_parse(out->body) : NULL;
    const char *allow = response_get_header(&res, "Allow");
    snprintf(out->allow, sizeof(out->allow), "%s", allow ? allow : "");
    const char *auth = response_get_header(&res, "WWW-Authenticate");
    snprintf(out->www_auth, sizeof(out->www_auth), "%s", auth ? auth : "");
    size_t used = 0;
    for (int i = 0; i < res.header_count && used < sizeof(out->headers); i++) {
        int w = snprintf(out->headers + used, sizeof(out->headers) - used, "%s: %s\n", res.headers[i].name,
                         res.headers[i].value);
        if (w > 0)
            used += (size_t)w;
    }
    const char *retry = response_get_header(&res, "Retry-After");
    snprintf(out->retry_after, sizeof(out->retry_after), "%s", retry ? retry : "");
    ctx_release(c);
}

static void serve(struct harness *h, const char *path, const char *body, const char *const *headers,
                  struct answer *out)
{
    serve_raw(h, "POST", path, body, body ? strlen(body) : 0, headers, out);
}

static const char *str_at(json_object *obj, const char *path)
{
    /* "a.b.c" lookups through objects */
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    json_object *v = obj;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        v = ing_json_get(v, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void expect_failure_shape(const struct answer *a, int status)
{
    assert_int_equal(a->status, status);
    assert_non_null(a->json);
    assert_false(json_object_get_boolean(ing_json_get(a->json, "success")));
    json_object *e = ing_json_get(a->json, "error");
    json_object *es = ing_json_get(a->json, "errors");
    assert_true((e && json_object_is_type(e, json_type_string)) ||
                (es && json_object_is_type(es, json_type_object)));
}

/* "2024-05-01T12:34:56.789Z", within a minute of now */
static void expect_recent_iso8601(const char *s)
{
    assert_non_null(s);
    assert_int_equal(strlen(s), 24);
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    assert_non_null(rest);
    assert_true(rest[0] == '.' && rest[4] == 'Z');
    time_t t = timegm(&tm);
    time_t now = time(NULL);
    assert_true(t <= now + 1 && t >= now - 60);
}

/* ------------------------------------------------------------------------ */
/* Every route                                                                */
/* ------------------------------------------------------------------------ */

static const char *const all_routes[] = {"/api/contact", "/api/views", "/api/stripe/webhook",
                                         "/api/events", "/api/readwise/accounts", "/api/hello"};

static void test_wrong_method_is_405_with_allow(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET, 1);
    const char *methods[] = {"GET", "PUT", "DELETE", "HEAD", "OPTIONS"};
    for (size_t r = 0; r < sizeof(all_routes) / sizeof(all_routes[0]); r++) {
        for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
            /* the public routes answer CORS preflights (test_cors) */
            bool is_public = strcmp(all_routes[r], "/api/contact") == 0 || strcmp(all_routes[r], "/api/views") == 0;
            if (is_public && strcmp(methods[m], "OPTIONS") == 0)
                continue;
            struct answer a;
            serve_raw(&h, methods[m], all_routes[r], "{}", 2, NULL, &a);
            if (a.status != 405)
                fail_msg("%s %s: %d", methods[m], all_routes[r], a.status);
            assert_string_equal(a.allow, "POST");
            expect_failure_shape(&a, 405);
            answer_free(&a);
        }
    }
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

/* POST /api/durable/views: its gate answers bad requests itself, before any
 * run is created (the fake API must see nothing); a good one starts the run:
 * its first step runs and its checkpoint goes to POST /v1/checkpoint (here
 * the API answers 200 without the run's ids, so the client hears 503). */
static void test_durable_views_gate(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    struct answer a;
    serve_raw(&h, "GET", "/api/durable/views", "", 0, NULL, &a);
    assert_int_equal(a.status, 405);
    assert_string_equal(a.allow, "POST");
    answer_free(&a);
    serve(&h, "/api/durable/views", "{\"slug\":\"Not a slug\",\"title\":\"x\"}", NULL, &a);
    expect_failure_shape(&a, 400);
    assert_non_null(str_at(a.json, "errors.slug"));
    answer_free(&a);
    serve(&h, "/api/durable/views", "not json", NULL, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);

    harness_start(&h, &ok_one);
    serve(&h, "/api/durable/views", "{\"slug\":\"a-post\",\"title\":\"A post\"}", NULL, &a);
    assert_int_equal(a.status, 503);
    answer_free(&a);
    assert_true(sent_count(&h) >= 1);
    const struct fake_request *r = fake_http_request(h.api, 0);
    assert_string_equal(r->target, "/v1/checkpoint");
    harness_stop(&h);
}

static void test_body_bounds_per_route(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    struct {
        const char *path;
        size_t limit;
    } bounds[] = {{"/api/contact", 64 * 1024},          {"/api/views", 16 * 1024},
                  {"/api/stripe/webhook", 1024 * 1024}, {"/api/events", 1024 * 1024},
                  {"/api/readwise/accounts", 4 * 1024}, {"/api/hello", 4 * 1024}};
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        char uri[128];
        snprintf(uri, sizeof(uri), "DOCUMENT_URI=%s", bounds[i].path);
        char *params[] = {"REQUEST_METHOD=POST", uri, NULL};
        struct request req;
        request_init(&req, params);
        assert_int_equal(router_max_body(&h.srv, &req), bounds[i].limit);
    }
    harness_stop(&h);
}

static void test_bad_bodies_are_400_and_send_nothing(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    const char *const relay_auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    const char *const admin_auth[] = {"HTTP_AUTHORIZATION=Bearer " ADMIN_TOKEN, NULL};
    struct {
        const char *path;
        const char *const *headers;
    } routes[] = {{"/api/contact", NULL},
                  {"/api/views", NULL},
                  {"/api/events", relay_auth},
                  {"/api/readwise/accounts", admin_auth}};
    struct {
        const char *body;
        size_t len;
        const char *says;
    } bodies[] = {
        {"", 0, "empty"},
        {"not json", 8, "not valid JSON"},
        {"{\"name\":", 8, "not valid JSON"},
        {"{} trailing", 11, "not valid JSON"},
        {"{\"a\":1}\0{\"b\":2}", 15, "NUL"},
        {"null", 4, "null"},
        {" null\n", 6, "null"},
        {"nullx", 5, "not valid JSON"},
        {"\"a string\"", 10, NULL},
        {"42", 2, NULL},
    };
    for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++) {
        for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
            struct answer a;
            serve_raw(&h, "POST", routes[r].path, bodies[b].body, bodies[b].len, routes[r].headers, &a);
            if (a.status != 400)
                fail_msg("%s with body #%zu: %d %s", routes[r].path, b, a.status, a.body);
            expect_failure_shape(&a, 400);
            if (bodies[b].says && !strstr(str_at(a.json, "error"), bodies[b].says))
                fail_msg("%s body #%zu: \"%s\" lacks \"%s\"", routes[r].path, b, a.body, bodies[b].says);
            answer_free(&a);
        }
    }
    /* nesting past the SDK's bound is refused, not crashed on */
    char *deep = nested_arrays(5000);
    struct answer a;
    serve(&h, "/api/events", deep, relay_auth, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    free(deep);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

/* ------------------------------------------------------------------------ */
/* POST /api/contact                                                          */
/* ------------------------------------------------------------------------ */

static void test_contact_queues_the_form(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    struct answer a;
    serve(&h, "/api/contact",
          "{\"name\":\"  Ada Lovelace \",\"email\":\"ada@example.org\",\"message\":\"Hello\\nthere\","
          "\"website\":\"ignored\"}",
          NULL, &a);
    assert_int_equal(a.status, 202);
    assert_true(json_object_get_boolean(ing_json_get(a.json, "success")));
    assert_string_equal(str_at(a.json, "id"), ID_1);
    answer_free(&a);

    assert_int_equal(sent_count(&h), 1);
    json_object *events = sent_events(&h, 0);
    assert_int_equal(json_object_array_length(events), 1);
    json_object *ev = json_object_array_get_idx(events, 0);
    assert_string_equal(str_at(ev, "name"), "contact/form.submitted");
    assert_string_equal(str_at(ev, "data.name"), "Ada Lovelace");
    assert_string_equal(str_at(ev, "data.email"), "ada@example.org");
    assert_string_equal(str_at(ev, "data.message"), "Hello\nthere");
    assert_string_equal(str_at(ev, "data.ip"), "192.0.2.7");
    expect_recent_iso8601(str_at(ev, "data.submittedAt"));
    assert_null(ing_json_get(ing_json_get(ev, "data"), "website"));
    json_object_put(events);
    harness_stop(&h);
}

/* With INNGEST_ENCRYPTION_KEY set (issue 17, the product app), the visitor's
 * fields travel under data.encrypted, sealed as the official middleware
 * seals it: the Event API (and so Inngest) never sees them in plain. */
static void test_contact_seals_the_visitor_when_encryption_is_on(void **s)
{
    (void)s;
    static const char secret[] = "routes-test-encryption-secret-0123456789";
    setenv("INNGEST_ENCRYPTION_KEY", secret, 1);
    struct harness h;
    harness_start(&h, &ok_one);
    struct answer a;
    serve(&h, "/api/contact",
          "{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.org\",\"message\":\"a private note\"}", NULL, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1);
    const char *body = fake_http_request(h.api, 0)->body;
    assert_null(strstr(body, "ada@example.org"));
    assert_null(strstr(body, "Ada Lovelace"));
    assert_null(strstr(body, "private note"));
    assert_null(strstr(body, "192.0.2.7"));
    json_object *events = sent_events(&h, 0);
    json_object *ev = json_object_array_get_idx(events, 0);
    assert_string_equal(str_at(ev, "name"), "contact/form.submitted");
    expect_recent_iso8601(str_at(ev, "data.submittedAt")); /* not personal: readable */
    json_object *field = ing_json_get(ing_json_get(ev, "data"), "encrypted");
    assert_true(enc_is_envelope(field));
    assert_string_equal(ing_json_get_string(field, "__STRATEGY__"), "inngest/libsodium");
    struct enc_keys k;
    char err[256];
    assert_true(enc_keys_load(&k, secret, NULL, err, sizeof(err)));
    json_object *plain = NULL;
    assert_true(enc_open(&k, field, &plain, err, sizeof(err)));
    assert_string_equal(ing_json_get_string(plain, "name"), "Ada Lovelace");
    assert_string_equal(ing_json_get_string(plain, "email"), "ada@example.org");
    assert_string_equal(ing_json_get_string(plain, "message"), "a private note");
    assert_string_equal(ing_json_get_string(plain, "ip"), "192.0.2.7");
    json_object_put(plain);
    json_object_put(events);
    harness_stop(&h);
}

static void test_contact_ip_from_forwarded_only_when_trusted(void **s)
{
    (void)s;
    const char *body = "{\"name\":\"A\",\"email\":\"a@b.co\",\"message\":\"m\"}";
    const char *const xff[] = {"HTTP_X_FORWARDED_FOR=203.0.113.9, 10.0.0.1", NULL};
    const char *const xff_bad[] = {"HTTP_X_FORWARDED_FOR=not-an-ip, 10.0.0.1", NULL};
    const char *const xff_v6[] = {"HTTP_X_FORWARDED_FOR=2001:db8::1", NULL};
    /* REMOTE_ADDR is 192.0.2.7; the right-most entry that is not a trusted
     * proxy is the client (issue 13, finding 8) */
    struct {
        const char *trust, *proxies;
        const char *const *headers;
        const char *ip;
    } cases[] = {
        {NULL, NULL, xff, "192.0.2.7"},
        {"0", "192.0.2.7", xff, "192.0.2.7"},
        {"1", NULL, xff, "192.0.2.7"},                    /* the peer is not a trusted proxy */
        {"1", "192.0.2.7", xff, "10.0.0.1"},              /* 10.0.0.1 is not trusted: it is the client */
        {"1", "192.0.2.7, 10.0.0.0/8", xff, "203.0.113.9"},
        {"true", "192.0.2.0/24", xff_v6, "2001:db8::1"},
        {"1", "192.0.2.7 10.0.0.0/8", xff_bad, "10.0.0.1"}, /* stops at the hop that passed garbage on */
        {"1", "192.0.2.7", NULL, "192.0.2.7"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct harness h;
        /* read once at start-up, like every INNGEST_* setting */
        if (cases[i].trust)
            setenv("INNGEST_TRUST_FORWARDED", cases[i].trust, 1);
        if (cases[i].proxies)
            setenv("INNGEST_TRUSTED_PROXIES", cases[i].proxies, 1);
        harness_start(&h, &ok_one);
        struct answer a;
        serve(&h, "/api/contact", body, cases[i].headers, &a);
        assert_int_equal(a.status, 202);
        answer_free(&a);
        json_object *events;
        json_object *ev = the_one_event(&h, &events);
        const char *ip = str_at(ev, "data.ip");
        if (!ip || strcmp(ip, cases[i].ip) != 0)
            fail_msg("case %zu: ip %s, want %s", i, ip ? ip : "(none)", cases[i].ip);
        json_object_put(events);
        harness_stop(&h);
        unsetenv("INNGEST_TRUSTED_PROXIES");
    }
}

static void test_contact_lists_every_bad_field(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    char long_name[256], long_message[16000], ok_name[256];
    memset(long_name, 'x', 101);
    long_name[101] = '\0';
    /* 100 two-byte characters are 100 characters, not 200 */
    ok_name[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(ok_name, "\xc3\xa9");
    memset(long_message, 'm', 5001);
    long_message[5001] = '\0';
    char body[24000];
    struct {
        const char *body;
        const char *fields[3]; /* the bad ones, in order name, email, message */
        const char *says;      /* part of the first field's reason */
    } cases[] = {
        {"{}", {"name", "email", "message"}, "required"},
        {"{\"name\":null,\"email\":null,\"message\":null}", {"name", "email", "message"}, "required"},
        {"{\"name\":1,\"email\":[],\"message\":{}}", {"name", "email", "message"}, "string"},
        {"{\"name\":\"   \",\"email\":\"a@b.co\",\"message\":\"\\n\"}", {"name", "message"}, "empty"},
        {"{\"name\":\"A\\nB\",\"email\":\"a@b.co\",\"message\":\"ok\"}", {"name"}, "one line"},
        {"{\"name\":\"A\\u0000B\",\"email\":\"a@b.co\",\"message\":\"ok\"}", {"name"}, "control"},
        {"{\"name\":\"A\\u0007\",\"email\":\"a@b.co\",\"message\":\"ok\\u001b[31m\"}", {"name", "message"},
         "control"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct answer a;
        serve(&h, "/api/contact", cases[i].body, NULL, &a);
        expect_failure_shape(&a, 400);
        json_object *errors = ing_json_get(a.json, "errors");
        assert_non_null(errors);
        int want = 0;
        for (; want < 3 && cases[i].fields[want]; want++)
            if (!str_at(errors, cases[i].fields[want]))
                fail_msg("case %zu: no error for %s in %s", i, cases[i].fields[want], a.body);
        assert_int_equal(json_object_object_length(errors), want);
        if (!strstr(str_at(errors, cases[i].fields[0]), cases[i].says))
            fail_msg("case %zu: %s lacks \"%s\"", i, a.body, cases[i].says);
        answer_free(&a);
    }

    /* bytes that are not UTF-8 (or encode a surrogate) make the body not JSON
     * at all (RFC 8259 §8.1): the strict reader refuses it as a whole */
    const char *not_utf8[] = {"{\"name\":\"\xff\xfe\",\"email\":\"a@b.co\",\"message\":\"ok\"}",
                              "{\"name\":\"A\",\"email\":\"a@b.co\",\"message\":\"\xed\xa0\x80\"}"};
    for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
        struct answer a;
        serve(&h, "/api/contact", not_utf8[i], NULL, &a);
        expect_failure_shape(&a, 400);
        if (!strstr(str_at(a.json, "error"), "UTF-8"))
            fail_msg("not UTF-8 case %zu: %s", i, a.body);
        answer_free(&a);
    }

    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"email\":\"a@b.co\",\"message\":\"%s\"}", long_name,
             long_message);
    struct answer a;
    serve(&h, "/api/contact", body, NULL, &a);
    expect_failure_shape(&a, 400);
    assert_string_equal(str_at(a.json, "errors.name"), "must be at most 100 characters");
    assert_string_equal(str_at(a.json, "errors.message"), "must be at most 5000 characters");
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);

    /* exactly at the limits: accepted */
    harness_start(&h, &ok_one);
    long_message[5000] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"email\":\"a@b.co\",\"message\":\"%s\"}", ok_name,
             long_message);
    serve(&h, "/api/contact", body, NULL, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1);
    harness_stop(&h);
}

static void test_contact_email_plausibility(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    char long_local[80], long_email[300];
    memset(long_local, 'l', 65);
    snprintf(long_local + 65, sizeof(long_local) - 65, "@example.org");
    memset(long_email, 'a', 60);
    long_email[60] = '@';
    memset(long_email + 61, 'd', 190);
    snprintf(long_email + 251, sizeof(long_email) - 251, ".com"); /* 255 bytes */
    const char *bad[] = {"plainaddress", "a@b",         "a@@b.co",    "a@b@c.co",  "@b.co",
                         "a@.b.co",      "a@b.co.",     "a@b..co",    "a b@c.co",  "a@b.co x",
                         "a,b@c.co",     "<a@b.co>",    "a@b.co;c@d.e", "\\\"a\\\"@b.co", "a@[1.2.3.4]",
                         long_local,     long_email};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char body[512];
        snprintf(body, sizeof(body), "{\"name\":\"A\",\"email\":\"%s\",\"message\":\"m\"}", bad[i]);
        json_object *check = json_tokener_parse(body);
        assert_non_null(check); /* the case is valid JSON: only the address is wrong */
        json_object_put(check);
        struct answer a;
        serve(&h, "/api/contact", body, NULL, &a);
        if (a.status != 400 || !str_at(a.json, "errors.email"))
            fail_msg("\"%s\" was accepted: %d %s", bad[i], a.status, a.body);
        assert_int_equal(json_object_object_length(ing_json_get(a.json, "errors")), 1);
        answer_free(&a);
    }
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);

    const char *good[] = {"a@b.co", "first.last+tag@mail.example.org", "o'brien@x.ie",
                          "d\xc3\xa9j\xc3\xa0@exemple.fr", "  padded@example.com  "};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        harness_start(&h, &ok_one);
        char body[512];
        snprintf(body, sizeof(body), "{\"name\":\"A\",\"email\":\"%s\",\"message\":\"m\"}", good[i]);
        struct answer a;
        serve(&h, "/api/contact", body, NULL, &a);
        if (a.status != 202)
            fail_msg("\"%s\" was refused: %d %s", good[i], a.status, a.body);
        answer_free(&a);
        assert_int_equal(sent_count(&h), 1);
        harness_stop(&h);
    }
}

static void test_event_api_failures_map_to_503_and_502(void **s)
{
    (void)s;
    const char *body = "{\"name\":\"A\",\"email\":\"a@b.co\",\"message\":\"m\"}";
    const char *views = "{\"slug\":\"post\",\"title\":\"T\"}";
    struct {
        const struct fake_reply *reply; /* NULL: unreachable */
        int status;
        int attempts; /* what the Event API saw: 5xx is retried, 4xx is not */
    } cases[] = {{NULL, 503, 0}, {&down_500, 503, 3}, {&bad_key_401, 502, 1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int route = 0; route < 2; route++) {
            struct harness h;
            harness_start(&h, cases[i].reply);
            struct answer a;
            serve(&h, route ? "/api/views" : "/api/contact", route ? views : body, NULL, &a);
            expect_failure_shape(&a, cases[i].status);
            assert_null(ing_json_get(a.json, "id")); /* nothing reported as sent */
            assert_non_null(strstr(str_at(a.json, "error"), "could not be queued"));
            assert_non_null(strstr(a.log, "no event queued")); /* the operator learns why */
            answer_free(&a);
            assert_int_equal(sent_count(&h), cases[i].attempts);
            harness_stop(&h);
        }
    }
}

static void test_no_event_key_in_cloud_mode_is_503(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    /* cloud mode without INNGEST_EVENT_KEY: the SDK refuses to send */
    server_close_worker(&h.srv);
    setenv("INNGEST_DEV", "0", 1);
    setenv("INNGEST_SIGNING_KEY", "signkey-test-12345678", 1);
    char err[256];
    assert_true(server_init(&h.srv, &ing_app_definition, env_get, err, sizeof(err)));
    assert_true(server_init_worker(&h.srv));
    struct answer a;
    serve(&h, "/api/contact", "{\"name\":\"A\",\"email\":\"a@b.co\",\"message\":\"m\"}", NULL, &a);
    expect_failure_shape(&a, 503);
    assert_non_null(strstr(a.log, "INNGEST_EVENT_KEY"));
    answer_free(&a);
    unsetenv("INNGEST_SIGNING_KEY");
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

/* ------------------------------------------------------------------------ */
/* POST /api/views                                                            */
/* ------------------------------------------------------------------------ */

static void test_views_queues_the_view(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    const char *const region[] = {"HTTP_X_REGION=FR", NULL};
    struct answer a;
    serve(&h, "/api/views",
          "{\"slug\":\"hello-world-2\",\"title\":\"Hello, world\",\"referrer\":\"https://news.example/\"}",
          region, &a);
    assert_int_equal(a.status, 202);
    assert_true(json_object_get_boolean(ing_json_get(a.json, "success")));
    answer_free(&a);
    json_object *events;
    json_object *ev = the_one_event(&h, &events);
    assert_string_equal(str_at(ev, "name"), "blog/post.viewed");
    assert_string_equal(str_at(ev, "data.slug"), "hello-world-2");
    assert_string_equal(str_at(ev, "data.title"), "Hello, world");
    assert_string_equal(str_at(ev, "data.referrer"), "https://news.example/");
    assert_string_equal(str_at(ev, "data.region"), "FR");
    expect_recent_iso8601(str_at(ev, "data.viewedAt"));
    json_object_put(events);
    harness_stop(&h);
}

static void test_views_optional_parts(void **s)
{
    (void)s;
    const char *const bad_region[] = {"HTTP_X_REGION=FR; DROP", NULL};
    const char *const long_region[] = {
        "HTTP_X_REGION=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL};
    struct {
        const char *body;
        const char *const *headers;
    } cases[] = {
        {"{\"slug\":\"p\",\"title\":\"T\"}", NULL},
        {"{\"slug\":\"p\",\"title\":\"T\",\"referrer\":\"\"}", bad_region},
        {"{\"slug\":\"p\",\"title\":\"T\",\"referrer\":null}", long_region},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct harness h;
        harness_start(&h, &ok_one);
        struct answer a;
        serve(&h, "/api/views", cases[i].body, cases[i].headers, &a);
        assert_int_equal(a.status, 202);
        answer_free(&a);
        json_object *events;
        json_object *ev = the_one_event(&h, &events);
        json_object *data = ing_json_get(ev, "data");
        assert_null(ing_json_get(data, "referrer"));
        assert_null(ing_json_get(data, "region"));
        json_object_put(events);
        harness_stop(&h);
    }
}

static void test_views_validation(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    char long_slug[256], long_title[400], body[1024];
    memset(long_slug, 'a', 201);
    long_slug[201] = '\0';
    memset(long_title, 't', 201);
    long_title[201] = '\0';
    struct {
        const char *slug_json;
        const char *title_json;
        const char *bad_field; /* NULL: both bad */
    } cases[] = {
        {"\"Hello-World\"", "\"T\"", "slug"},
        {"\"hello world\"", "\"T\"", "slug"},
        {"\"hello_world\"", "\"T\"", "slug"},
        {"\"h\xc3\xa9llo\"", "\"T\"", "slug"},
        {"\"../etc\"", "\"T\"", "slug"},
        {"\"\"", "\"T\"", "slug"},
        {"7", "\"T\"", "slug"},
        {"\"ok\"", "\"\"", "title"},
        {"\"ok\"", "[\"T\"]", "title"},
        {"\"ok\"", "\"a\\nb\"", "title"},
        {"\"ok\"", "\"<script>alert(1)</script> Hacked\"", "title"},
        {"\"ok\"", "\"a > b\"", "title"},
        {"\"ok\"", "\"evil\\u202Egnp.exe\"", "title"},
        {"\"ok\"", "\"zero\\u200Bwidth\"", "title"},
        {"\"ok\"", "\"bom\\uFEFF\"", "title"},
        {"null", "null", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "{\"slug\":%s,\"title\":%s}", cases[i].slug_json, cases[i].title_json);
        struct answer a;
        serve(&h, "/api/views", body, NULL, &a);
        expect_failure_shape(&a, 400);
        json_object *errors = ing_json_get(a.json, "errors");
        if (cases[i].bad_field) {
            if (!str_at(errors, cases[i].bad_field) || json_object_object_length(errors) != 1)
                fail_msg("case %zu: %s", i, a.body);
        } else {
            assert_int_equal(json_object_object_length(errors), 2);
        }
        answer_free(&a);
    }
    snprintf(body, sizeof(body), "{\"slug\":\"%s\",\"title\":\"%s\",\"referrer\":5}", long_slug, long_title);
    struct answer a;
    serve(&h, "/api/views", body, NULL, &a);
    expect_failure_shape(&a, 400);
    assert_non_null(str_at(a.json, "errors.slug"));
    assert_string_equal(str_at(a.json, "errors.title"), "must be at most 200 characters");
    assert_string_equal(str_at(a.json, "errors.referrer"), "must be a string");
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);

    harness_start(&h, &ok_one);
    long_slug[200] = '\0';
    long_title[200] = '\0';
    snprintf(body, sizeof(body), "{\"slug\":\"%s\",\"title\":\"%s\"}", long_slug, long_title);
    serve(&h, "/api/views", body, NULL, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1);
    harness_stop(&h);
}

/* ------------------------------------------------------------------------ */
/* POST /api/stripe/webhook                                                   */
/* ------------------------------------------------------------------------ */

/* "HTTP_STRIPE_SIGNATURE=t=<t>,v1=<hmac>", computed here with OpenSSL's
 * one-shot HMAC, independently of the module under test. */
static void stripe_header(char *out, size_t size, const char *secret, long long t, const char *body,
                          const char *extra)
{
    char *payload = NULL;
    int n = asprintf(&payload, "%lld.%s", t, body);
    assert_true(n > 0);
    unsigned char mac[32];
    unsigned int mac_len = 0;
    assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)payload, (size_t)n,
                         mac, &mac_len));
    free(payload);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    snprintf(out, size, "HTTP_STRIPE_SIGNATURE=t=%lld,%sv1=%s", t, extra ? extra : "", hex);
}

#define CHECKOUT                                                                                         \
    "{\"id\":\"evt_1Checkout\",\"object\":\"event\",\"type\":\"checkout.session.completed\","          \
    "\"data\":{\"object\":{\"id\":\"cs_test_1\",\"object\":\"checkout.session\","                       \
    "\"client_reference_id\":\"user-7\",\"metadata\":{}}}}"

static void test_stripe_checkout_is_queued_with_the_stripe_id(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET, 1);
    char sig[256];
    /* several v1 (as during a secret roll), one of them right */
    stripe_header(sig, sizeof(sig), STRIPE_SECRET, (long long)time(NULL), CHECKOUT,
                  "v1=0000000000000000000000000000000000000000000000000000000000000000,v0=abc,");
    const char *const headers[] = {sig, NULL};
    struct answer a;
    serve(&h, "/api/stripe/webhook", CHECKOUT, headers, &a);
    assert_int_equal(a.status, 200);
    assert_true(json_object_get_boolean(ing_json_get(a.json, "received")));
    answer_free(&a);
    json_object *events;
    json_object *ev = the_one_event(&h, &events);
    assert_string_equal(str_at(ev, "name"), "stripe/checkout.session.completed");
    assert_string_equal(str_at(ev, "id"), "evt_1Checkout");
    assert_string_equal(str_at(ev, "data.eventId"), "evt_1Checkout");
    assert_string_equal(str_at(ev, "data.session.id"), "cs_test_1");
    assert_string_equal(str_at(ev, "data.session.client_reference_id"), "user-7");
    json_object_put(events);
    harness_stop(&h);
}

static void test_stripe_type_mapping(void **s)
{
    (void)s;
    struct {
        const char *type;
        const char *key;      /* where data.object goes */
        bool created;         /* the Stripe event has a created time */
    } cases[] = {
        {"payment_intent.succeeded", "paymentIntent", true},
        {"payment_intent.payment_failed", "paymentIntent", false},
        {"customer.subscription.updated", "object", true},
        {"invoice.paid", "object", false},
        {"checkout.session.async_payment_failed", "object", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct harness h;
        harness_start(&h, &ok_one);
        setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET, 1);
        char body[512], sig[256];
        snprintf(body, sizeof(body),
                 "{\"id\":\"evt_%zu\",\"type\":\"%s\",%s"
                 "\"data\":{\"object\":{\"id\":\"obj_%zu\",\"amount\":1200}}}",
                 i, cases[i].type, cases[i].created ? "\"created\":1717000000," : "", i);
        stripe_header(sig, sizeof(sig), STRIPE_SECRET, (long long)time(NULL), body, NULL);
        const char *const headers[] = {sig, NULL};
        struct answer a;
        serve(&h, "/api/stripe/webhook", body, headers, &a);
        assert_int_equal(a.status, 200);
        answer_free(&a);
        json_object *events;
        json_object *ev = the_one_event(&h, &events);
        char want[128], id[32], path[64];
        snprintf(want, sizeof(want), "stripe/%s", cases[i].type);
        assert_string_equal(str_at(ev, "name"), want);
        snprintf(id, sizeof(id), "evt_%zu", i);
        assert_string_equal(str_at(ev, "id"), id);
        snprintf(path, sizeof(path), "data.%s.id", cases[i].key);
        snprintf(id, sizeof(id), "obj_%zu", i);
        assert_string_equal(str_at(ev, path), id);
        /* every type carries Stripe's event id, and its time when it has one */
        assert_string_equal(str_at(ev, "data.eventId"), ing_json_get_string(ev, "id"));
        int64_t created = 0;
        assert_int_equal(ing_json_get_int(ing_json_get(ev, "data"), "created", &created), cases[i].created);
        if (cases[i].created)
            assert_int_equal(created, 1717000000);
        assert_int_equal(json_object_object_length(ing_json_get(ev, "data")), cases[i].created ? 3 : 2);
        json_object_put(events);
        harness_stop(&h);
    }
}

static void test_stripe_refusals_send_nothing(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET, 1);
    long long now = (long long)time(NULL);
    char good[256], wrong_secret[256], old[256], future[256], other_body[256], no_json[256],
        no_type[256], no_object[256], bad_type[256];
    stripe_header(good, sizeof(good), STRIPE_SECRET, now, CHECKOUT, NULL);
    stripe_header(wrong_secret, sizeof(wrong_secret), "whsec_someone_else", now, CHECKOUT, NULL);
    stripe_header(old, sizeof(old), STRIPE_SECRET, now - 600, CHECKOUT, NULL);
    stripe_header(future, sizeof(future), STRIPE_SECRET, now + 600, CHECKOUT, NULL);
    stripe_header(other_body, sizeof(other_body), STRIPE_SECRET, now, "{}", NULL);
    const char *not_json = "this is not json";
    stripe_header(no_json, sizeof(no_json), STRIPE_SECRET, now, not_json, NULL);
    const char *typeless = "{\"id\":\"evt_1\",\"data\":{\"object\":{}}}";
    stripe_header(no_type, sizeof(no_type), STRIPE_SECRET, now, typeless, NULL);
    const char *objectless = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"data\":{\"object\":[]}}";
    stripe_header(no_object, sizeof(no_object), STRIPE_SECRET, now, objectless, NULL);
    const char *odd_type = "{\"id\":\"evt_1\",\"type\":\"../Invoice Paid\",\"data\":{\"object\":{}}}";
    stripe_header(bad_type, sizeof(bad_type), STRIPE_SECRET, now, odd_type, NULL);
    char tampered[] = CHECKOUT;
    tampered[strlen(tampered) - 5] = 'X';
    char dup_t[300];
    snprintf(dup_t, sizeof(dup_t), "HTTP_STRIPE_SIGNATURE=t=1,%s", good + strlen("HTTP_STRIPE_SIGNATURE="));
    struct {
        const char *header;
        const char *body;
        const char *says;
    } cases[] = {
        {NULL, CHECKOUT, "no Stripe-Signature"},
        {"HTTP_STRIPE_SIGNATURE=", CHECKOUT, "malformed"},
        {"HTTP_STRIPE_SIGNATURE=garbage", CHECKOUT, "malformed"},
        {dup_t, CHECKOUT, "malformed"},
        {wrong_secret, CHECKOUT, "matches"},
        {good, tampered, "matches"},
        {other_body, CHECKOUT, "matches"},
        {old, CHECKOUT, "old"},
        {future, CHECKOUT, "ahead"},
        {no_json, not_json, "JSON"},
        {no_type, typeless, "type"},
        {no_object, objectless, "data.object"},
        {bad_type, odd_type, "type"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *const headers[] = {cases[i].header, NULL};
        struct answer a;
        serve(&h, "/api/stripe/webhook", cases[i].body, headers, &a);
        expect_failure_shape(&a, 400);
        if (!strstr(str_at(a.json, "error"), cases[i].says))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, a.body, cases[i].says);
        assert_null(strstr(a.log, STRIPE_SECRET));
        assert_null(strstr(a.body, STRIPE_SECRET));
        answer_free(&a);
    }
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

static void test_stripe_without_secret_is_503(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    char sig[256];
    stripe_header(sig, sizeof(sig), STRIPE_SECRET, (long long)time(NULL), CHECKOUT, NULL);
    const char *const headers[] = {sig, NULL};
    struct answer a;
    serve(&h, "/api/stripe/webhook", CHECKOUT, headers, &a);
    expect_failure_shape(&a, 503);
    assert_non_null(strstr(str_at(a.json, "error"), "STRIPE_WEBHOOK_SECRET is not set"));
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

static void test_stripe_queue_failure_is_5xx(void **s)
{
    (void)s;
    const struct fake_reply *replies[] = {NULL, &down_500, &bad_key_401};
    const int statuses[] = {503, 503, 502};
    for (size_t i = 0; i < 3; i++) {
        struct harness h;
        harness_start(&h, replies[i]);
        setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET, 1);
        char sig[256];
        stripe_header(sig, sizeof(sig), STRIPE_SECRET, (long long)time(NULL), CHECKOUT, NULL);
        const char *const headers[] = {sig, NULL};
        struct answer a;
        serve(&h, "/api/stripe/webhook", CHECKOUT, headers, &a);
        expect_failure_shape(&a, statuses[i]); /* 5xx: Stripe delivers it again */
        assert_null(ing_json_get(a.json, "received"));
        answer_free(&a);
        harness_stop(&h);
    }
}

/* ------------------------------------------------------------------------ */
/* POST /api/events                                                           */
/* ------------------------------------------------------------------------ */

static void test_relay_needs_its_token(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    const char *body = "{\"name\":\"app/user.created\",\"data\":{}}";
    struct answer a;
    serve(&h, "/api/events", body, NULL, &a);
    expect_failure_shape(&a, 503);
    assert_non_null(strstr(str_at(a.json, "error"), "EVENTS_RELAY_TOKEN is not set"));
    answer_free(&a);

    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    const char *const none[] = {NULL};
    const char *const wrong[] = {"HTTP_AUTHORIZATION=Bearer relay-token-0123456789abcdeX", NULL};
    const char *const prefix[] = {"HTTP_AUTHORIZATION=Bearer relay-token-0123456789abcde", NULL};
    const char *const longer[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN "0", NULL};
    const char *const basic[] = {"HTTP_AUTHORIZATION=Basic " RELAY_TOKEN, NULL};
    const char *const bare[] = {"HTTP_AUTHORIZATION=" RELAY_TOKEN, NULL};
    const char *const empty[] = {"HTTP_AUTHORIZATION=Bearer ", NULL};
    const char *const admin[] = {"HTTP_AUTHORIZATION=Bearer " ADMIN_TOKEN, NULL};
    const char *const *refused[] = {none, wrong, prefix, longer, basic, bare, empty, admin};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        serve(&h, "/api/events", body, refused[i], &a);
        expect_failure_shape(&a, 401);
        assert_string_equal(a.www_auth, "Bearer");
        assert_null(strstr(a.body, RELAY_TOKEN));
        answer_free(&a);
    }
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);

    /* the scheme in any case, extra blanks around the token */
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    const char *const lower[] = {"HTTP_AUTHORIZATION=bearer   " RELAY_TOKEN " ", NULL};
    serve(&h, "/api/events", body, lower, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1);
    harness_stop(&h);
}

static void test_relay_forwards_one_or_a_list(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    struct answer a;
    serve(&h, "/api/events", "{\"name\":\"readwise/sync.requested\"}", auth, &a);
    assert_int_equal(a.status, 202);
    assert_int_equal(json_object_array_length(ing_json_get(a.json, "ids")), 1);
    json_object *one = ing_json_get(a.json, "ids");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(one, 0)), ID_1);
    answer_free(&a);
    json_object *events;
    json_object *ev = the_one_event(&h, &events);
    assert_string_equal(str_at(ev, "name"), "readwise/sync.requested");
    assert_true(json_object_is_type(ing_json_get(ev, "data"), json_type_object));
    json_object_put(events);
    harness_stop(&h);

    harness_start(&h, &ok_two);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    serve(&h, "/api/events",
          "[{\"name\":\"app/a\",\"data\":{\"n\":1},\"id\":\"dedup-1\"},"
          "{\"name\":\"app/b\",\"data\":{\"deep\":{\"x\":[1,2]}},\"ts\":1700000000000}]",
          auth, &a);
    assert_int_equal(a.status, 202);
    json_object *ids = ing_json_get(a.json, "ids");
    assert_int_equal(json_object_array_length(ids), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 1)), ID_2);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1); /* one Event API request for the list */
    events = sent_events(&h, 0);
    assert_int_equal(json_object_array_length(events), 2);
    json_object *a0 = json_object_array_get_idx(events, 0), *a1 = json_object_array_get_idx(events, 1);
    assert_string_equal(str_at(a0, "name"), "app/a");
    assert_string_equal(str_at(a0, "id"), "relay-dedup-1"); /* namespaced: never a Stripe evt_ id */
    assert_int_equal(json_object_get_int(ing_json_get(ing_json_get(a0, "data"), "n")), 1);
    assert_string_equal(str_at(a1, "name"), "app/b");
    assert_int_equal(json_object_get_int64(ing_json_get(a1, "ts")), 1700000000000LL);
    json_object *deep = ing_json_get(ing_json_get(ing_json_get(a1, "data"), "deep"), "x");
    assert_int_equal(json_object_array_length(deep), 2);
    json_object_put(events);
    harness_stop(&h);
}

static void test_relay_refuses_bad_items(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    struct {
        const char *body;
        const char *says;
    } cases[] = {
        {"{\"name\":\"inngest/function.failed\",\"data\":{}}", "inngest/"},
        {"{\"name\":\"INNGEST/Function.Invoked\"}", "inngest/"},
        {"[{\"name\":\"app/ok\"},{\"name\":\"Inngest/x\"}]", "event 1"},
        {"{\"data\":{}}", "\"name\" is required"},
        {"{\"name\":42}", "\"name\" must be a string"},
        {"{\"name\":\"\"}", "\"name\" must not be empty"},
        {"{\"name\":\"app/x\",\"data\":[]}", "\"data\" must be an object"},
        {"{\"name\":\"app/x\",\"data\":\"s\"}", "\"data\" must be an object"},
        {"{\"name\":\"app/x\",\"ts\":\"now\"}", "\"ts\""},
        {"{\"name\":\"app/x\",\"ts\":-5}", "\"ts\""},
        {"{\"name\":\"app/x\",\"id\":7}", "\"id\""},
        {"{\"name\":\"app/x\",\"user\":{}}", "unknown field \"user\""},
        {"[]", "1 to 100"},
        {"[1]", "event 0 must be an object"},
        {"[{\"name\":\"app/ok\"},\"app/x\"]", "event 1 must be an object"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct answer a;
        serve(&h, "/api/events", cases[i].body, auth, &a);
        expect_failure_shape(&a, 400);
        if (!strstr(str_at(a.json, "error"), cases[i].says))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, a.body, cases[i].says);
        answer_free(&a);
    }
    /* 101 events */
    char *big = malloc(101 * 24 + 8);
    strcpy(big, "[");
    for (int i = 0; i < 101; i++)
        strcat(big, i ? ",{\"name\":\"app/x\"}" : "{\"name\":\"app/x\"}");
    strcat(big, "]");
    struct answer a;
    serve(&h, "/api/events", big, auth, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    free(big);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

static void test_relay_failure_is_503_with_detail(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &bad_key_401);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    struct answer a;
    serve(&h, "/api/events", "{\"name\":\"app/x\"}", auth, &a);
    expect_failure_shape(&a, 502);
    assert_non_null(strstr(str_at(a.json, "error"), "Event key not found")); /* the caller can act */
    assert_null(ing_json_get(a.json, "ids"));
    answer_free(&a);
    harness_stop(&h);

    harness_start(&h, NULL);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    serve(&h, "/api/events", "{\"name\":\"app/x\"}", auth, &a);
    expect_failure_shape(&a, 503);
    answer_free(&a);
    harness_stop(&h);
}

/* ------------------------------------------------------------------------ */
/* POST /api/readwise/accounts                                                */
/* ------------------------------------------------------------------------ */

static void expect_stored_token(struct harness *h, const char *user, const char *want)
{
    char token[600];
    bool found = false;
    struct store *st = h->srv.app_state;
    assert_non_null(st);
    assert_int_equal(store_get_readwise_token(st, user, token, sizeof(token), &found), STORE_OK);
    assert_true(found);
    assert_string_equal(token, want);
}

static void test_readwise_account_is_stored_and_replaced(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " ADMIN_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    struct answer a;
    serve(&h, "/api/readwise/accounts", "{\"userId\":\"user-7\",\"token\":\"" READWISE_TOKEN "\"}", auth, &a);
    assert_int_equal(a.status, 204);
    assert_string_equal(a.body, "");
    assert_null(strstr(a.log, READWISE_TOKEN));
    answer_free(&a);
    expect_stored_token(&h, "user-7", READWISE_TOKEN);

    serve(&h, "/api/readwise/accounts", "{\"userId\":\"user-7\",\"token\":\"second-token\"}", auth, &a);
    assert_int_equal(a.status, 204);
    answer_free(&a);
    expect_stored_token(&h, "user-7", "second-token");
    json_object *users = NULL;
    assert_int_equal(store_list_readwise_accounts(h.srv.app_state, &users), STORE_OK);
    assert_int_equal(json_object_array_length(users), 1);
    json_object_put(users);
    assert_int_equal(sent_count(&h), 0); /* this route queues nothing */
    harness_stop(&h);
}

static void test_readwise_refusals_never_echo_the_token(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " ADMIN_TOKEN, NULL};
    const char *const wrong[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    const char *good = "{\"userId\":\"u1\",\"token\":\"" READWISE_TOKEN "\"}";
    struct answer a;
    serve(&h, "/api/readwise/accounts", good, auth, &a);
    expect_failure_shape(&a, 503); /* ADMIN_TOKEN unset: the route is disabled */
    answer_free(&a);

    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    serve(&h, "/api/readwise/accounts", good, NULL, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);
    serve(&h, "/api/readwise/accounts", good, wrong, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);

    char long_token[700];
    memset(long_token, 'k', 513);
    long_token[513] = '\0';
    char body[900];
    struct {
        const char *body;
        const char *bad_fields[2];
    } cases[] = {
        {"{}", {"userId", "token"}},
        {"{\"userId\":\"u 1\",\"token\":\"" READWISE_TOKEN "\"}", {"userId"}},
        {"{\"userId\":\"u1\",\"token\":\"" READWISE_TOKEN " with spaces\"}", {"token"}},
        {"{\"userId\":\"u1\",\"token\":\"" READWISE_TOKEN "\\u00e9\"}", {"token"}},
        {"{\"userId\":5,\"token\":[\"" READWISE_TOKEN "\"]}", {"userId", "token"}},
        {body, {"token"}},
    };
    snprintf(body, sizeof(body), "{\"userId\":\"u1\",\"token\":\"%s%s\"}", READWISE_TOKEN, long_token);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        serve(&h, "/api/readwise/accounts", cases[i].body, auth, &a);
        expect_failure_shape(&a, 400);
        json_object *errors = ing_json_get(a.json, "errors");
        int n = 0;
        for (; n < 2 && cases[i].bad_fields[n]; n++)
            assert_non_null(str_at(errors, cases[i].bad_fields[n]));
        assert_int_equal(json_object_object_length(errors), n);
        assert_null(strstr(a.body, READWISE_TOKEN));
        assert_null(strstr(a.log, READWISE_TOKEN));
        answer_free(&a);
    }
    bool found = true;
    char token[64];
    assert_int_equal(store_get_readwise_token(h.srv.app_state, "u1", token, sizeof(token), &found), STORE_OK);
    assert_false(found);
    harness_stop(&h);
}

static void test_readwise_store_unavailable_is_503(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " ADMIN_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    /* no store in this worker (as after a malformed REDIS_URL): every call says "retry" */
    void *store = h.srv.app_state;
    h.srv.app_state = NULL;
    struct answer a;
    serve(&h, "/api/readwise/accounts", "{\"userId\":\"u1\",\"token\":\"" READWISE_TOKEN "\"}", auth, &a);
    expect_failure_shape(&a, 503);
    assert_null(strstr(a.body, READWISE_TOKEN));
    assert_null(strstr(a.log, READWISE_TOKEN));
    assert_non_null(strstr(a.log, "not stored"));
    answer_free(&a);
    h.srv.app_state = store;
    harness_stop(&h);
}

/* ------------------------------------------------------------------------ */
/* POST /api/hello and the start-up report                                    */
/* ------------------------------------------------------------------------ */

static void test_hello_route(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    struct answer a;
    serve(&h, "/api/hello", "{\"email\":\"ada@example.org\"}", NULL, &a);
    assert_int_equal(a.status, 202);
    assert_string_equal(str_at(a.json, "id"), ID_1);
    answer_free(&a);
    serve(&h, "/api/hello", NULL, NULL, &a); /* no body at all is fine here */
    assert_int_equal(a.status, 202);
    answer_free(&a);
    serve(&h, "/api/hello", "{\"email\":\"nope\"}", NULL, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 2);
    json_object *events = sent_events(&h, 0);
    assert_string_equal(str_at(json_object_array_get_idx(events, 0), "name"), "test/hello.world");
    assert_string_equal(str_at(json_object_array_get_idx(events, 0), "data.email"), "ada@example.org");
    json_object_put(events);
    harness_stop(&h);
}

static void report_to(char *out, size_t size)
{
    struct stderr_capture cap;
    stderr_capture_begin(&cap);
    routes_report_settings();
    char *text = stderr_capture_end(&cap);
    snprintf(out, size, "%s", text);
    free(text);
}

static void test_start_report_names_what_is_missing(void **s)
{
    (void)s;
    char out[4096];
    unsetenv("STRIPE_WEBHOOK_SECRET");
    unsetenv("EVENTS_RELAY_TOKEN");
    unsetenv("ADMIN_TOKEN");
    report_to(out, sizeof(out));
    assert_non_null(strstr(out, "STRIPE_WEBHOOK_SECRET is not set"));
    assert_non_null(strstr(out, "EVENTS_RELAY_TOKEN is not set"));
    assert_non_null(strstr(out, "ADMIN_TOKEN is not set"));

    setenv("STRIPE_WEBHOOK_SECRET", "not-a-whsec-value", 1);
    setenv("EVENTS_RELAY_TOKEN", "short", 1);
    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    report_to(out, sizeof(out));
    assert_non_null(strstr(out, "does not start with whsec_"));
    assert_non_null(strstr(out, "EVENTS_RELAY_TOKEN is shorter"));
    assert_null(strstr(out, "ADMIN_TOKEN is"));
    assert_null(strstr(out, "not-a-whsec-value"));
    assert_null(strstr(out, "short\n"));
    assert_null(strstr(out, ADMIN_TOKEN));
    unsetenv("STRIPE_WEBHOOK_SECRET");
    unsetenv("EVENTS_RELAY_TOKEN");
    unsetenv("ADMIN_TOKEN");
}

/* ------------------------------------------------------------------------ */
/* Issue 13: strict bodies, the relay's allow-list, ids and ts, rate limits  */
/* ------------------------------------------------------------------------ */

#define CONTACT_FORM(email) "{\"name\":\"Ada\",\"email\":\"" email "\",\"message\":\"Hello\"}"

/* X-Forwarded-For names the client only behind a trusted proxy: make the
 * harness's REMOTE_ADDR (192.0.2.7) one, as nginx on loopback is by default. */
static void trust_the_harness_peer(void)
{
    setenv("INNGEST_TRUST_FORWARDED", "1", 1);
    setenv("INNGEST_TRUSTED_PROXIES", "192.0.2.7", 1);
}

/* A 429 with a Retry-After of 1..max seconds, in the usual failure shape. */
static void expect_429(const struct answer *a, long max)
{
    expect_failure_shape(a, 429);
    char *end = NULL;
    long v = strtol(a->retry_after, &end, 10);
    if (!a->retry_after[0] || *end || v < 1 || v > max)
        fail_msg("Retry-After \"%s\", want 1..%ld", a->retry_after, max);
}

/* Finding 9: NaN, Infinity, 1e999 and integers beyond 64 bits are not JSON we
 * accept (json-c took them and forwarded NaN or a clamped 18446744073709551615). */
static void test_route_bodies_are_parsed_strictly(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    const char *numbers[] = {"NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999",
                             "123456789012345678901234567890", "18446744073709551616",
                             "9223372036854775808", "01", "1.", ".5", "+1", "0x10"};
    char body[256];
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        struct answer a;
        snprintf(body, sizeof(body), "{\"name\":\"app/x\",\"data\":{\"n\":%s}}", numbers[i]);
        serve(&h, "/api/events", body, auth, &a);
        expect_failure_shape(&a, 400);
        if (!strstr(str_at(a.json, "error"), "not valid JSON"))
            fail_msg("events with %s: %s", numbers[i], a.body);
        answer_free(&a);
        snprintf(body, sizeof(body), "{\"slug\":\"p\",\"title\":\"T\",\"n\":%s}", numbers[i]);
        serve(&h, "/api/views", body, NULL, &a);
        expect_failure_shape(&a, 400);
        answer_free(&a);
    }
    /* the request: a 30-digit ts */
    struct answer a;
    serve(&h, "/api/events", "{\"name\":\"app/x\",\"ts\":123456789012345678901234567890}", auth, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);

    /* numbers in range pass unchanged: integers exact past 2^53, the int64 ends */
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    serve(&h, "/api/events",
          "{\"name\":\"app/x\",\"data\":{\"big\":9007199254740993,\"max\":9223372036854775807,"
          "\"min\":-9223372036854775808,\"half\":0.5,\"tiny\":1e-300,\"neg0\":-0}}",
          auth, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    json_object *events;
    json_object *ev = the_one_event(&h, &events);
    json_object *data = ing_json_get(ev, "data");
    assert_int_equal(json_object_get_int64(ing_json_get(data, "big")), 9007199254740993LL);
    assert_int_equal(json_object_get_int64(ing_json_get(data, "max")), INT64_MAX);
    assert_int_equal(json_object_get_int64(ing_json_get(data, "min")), INT64_MIN);
    assert_true(json_object_get_double(ing_json_get(data, "half")) == 0.5);
    json_object_put(events);
    harness_stop(&h);
}

/* Finding 9: ts is milliseconds since the epoch, from 2000 to a day ahead. */
static void test_relay_ts_is_range_checked(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    long long now_ms = (long long)time(NULL) * 1000;
    char body[160];
    long long refused[] = {0, 1, 946684799999LL, 1700000000, now_ms + 2 * 86400000LL, 99999999999999LL,
                           INT64_MAX};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct answer a;
        snprintf(body, sizeof(body), "{\"name\":\"app/x\",\"ts\":%lld}", refused[i]);
        serve(&h, "/api/events", body, auth, &a);
        expect_failure_shape(&a, 400);
        if (!strstr(str_at(a.json, "error"), "\"ts\""))
            fail_msg("ts %lld: %s", refused[i], a.body);
        answer_free(&a);
    }
    struct answer a;
    serve(&h, "/api/events", "{\"name\":\"app/x\",\"ts\":1.7e12}", auth, &a);
    expect_failure_shape(&a, 400);
    assert_non_null(strstr(str_at(a.json, "error"), "\"ts\""));
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);

    long long accepted[] = {946684800000LL, now_ms, now_ms + 3600000LL};
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        harness_start(&h, &ok_one);
        setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
        snprintf(body, sizeof(body), "{\"name\":\"app/x\",\"ts\":%lld}", accepted[i]);
        serve(&h, "/api/events", body, auth, &a);
        assert_int_equal(a.status, 202);
        answer_free(&a);
        json_object *events;
        json_object *ev = the_one_event(&h, &events);
        assert_int_equal(json_object_get_int64(ing_json_get(ev, "ts")),
                         accepted[i]);
        json_object_put(events);
        harness_stop(&h);
    }
}

/* Finding 5: the relay's token opens only EVENTS_RELAY_ALLOW's prefixes. */
static void test_relay_allow_list(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct {
        const char *allow; /* NULL: the default */
        const char *name;
        bool relayed;
    } cases[] = {
        {NULL, "stripe/checkout.session.completed", false},
        {NULL, "stripe/payment_intent.succeeded", false},
        {NULL, "contact/form.submitted", false},
        {NULL, "blog/post.viewed", false},
        {NULL, "inngest/function.failed", false},
        {NULL, "app/user.created", true},
        {NULL, "readwise/sync.requested", true},
        {NULL, "github/data.refresh", true},
        {NULL, "analytics/summary.generate", true},
        {NULL, "apps/x", false},
        {"billing/", "app/x", false},
        {" billing/ , app/ ", "app/x", true},
        {"billing/,", "billing/paid", true},
        {"stripe/", "stripe/checkout.session.completed", true}, /* the operator's choice, warned at start */
        {"*", "anything/at.all", true},
        {"*", "inngest/function.failed", false},                 /* never */
        {"inngest/", "inngest/function.failed", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct harness h;
        harness_start(&h, &ok_one);
        setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
        if (cases[i].allow)
            setenv("EVENTS_RELAY_ALLOW", cases[i].allow, 1);
        char body[160];
        snprintf(body, sizeof(body), "{\"name\":\"%s\",\"data\":{}}", cases[i].name);
        struct answer a;
        serve(&h, "/api/events", body, auth, &a);
        if (cases[i].relayed != (a.status == 202))
            fail_msg("case %zu (%s under %s): %d %s", i, cases[i].name,
                     cases[i].allow ? cases[i].allow : "the default", a.status, a.body);
        if (!cases[i].relayed)
            expect_failure_shape(&a, 400);
        answer_free(&a);
        assert_int_equal(sent_count(&h), cases[i].relayed ? 1 : 0);
        harness_stop(&h);
    }
    /* one refused item in a list: nothing is sent */
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    struct answer a;
    serve(&h, "/api/events", "[{\"name\":\"app/x\"},{\"name\":\"stripe/checkout.session.completed\"}]", auth, &a);
    expect_failure_shape(&a, 400);
    assert_non_null(strstr(str_at(a.json, "error"), "event 1"));
    assert_non_null(strstr(str_at(a.json, "error"), "EVENTS_RELAY_ALLOW"));
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

/* Finding 5: a caller's id can never be a Stripe event's (or any other
 * path's) id: it is sent as relay-<id>. */
static void test_relay_ids_are_namespaced(void **s)
{
    (void)s;
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    setenv("EVENTS_RELAY_ALLOW", "*", 1);
    struct answer a;
    serve(&h, "/api/events", "{\"name\":\"app/x\",\"id\":\"evt_1Checkout\"}", auth, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    json_object *events;
    json_object *ev = the_one_event(&h, &events);
    assert_string_equal(str_at(ev, "id"), "relay-evt_1Checkout");
    json_object_put(events);
    harness_stop(&h);

    /* ids are printable ASCII of at most 250 bytes: relay-<id> fits the store's 256 */
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    char body[400], id[260];
    memset(id, 'i', 251);
    id[251] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"app/x\",\"id\":\"%s\"}", id);
    serve(&h, "/api/events", body, auth, &a);
    expect_failure_shape(&a, 400);
    assert_non_null(strstr(str_at(a.json, "error"), "at most 250"));
    answer_free(&a);
    serve(&h, "/api/events", "{\"name\":\"app/x\",\"id\":\"two words\"}", auth, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    serve(&h, "/api/events", "{\"name\":\"app/x\",\"id\":\"\u00e9t\u00e9\"}", auth, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    id[250] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"app/x\",\"id\":\"%s\"}", id);
    serve(&h, "/api/events", body, auth, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1);
    harness_stop(&h);
}

static void test_rate_limit_parse(void **s)
{
    (void)s;
    struct {
        const char *text;
        bool ok;
        int64_t hits, window;
    } cases[] = {
        {"5/1h", true, 5, 3600},   {"3/1d", true, 3, 86400}, {"10/h", true, 10, 3600},
        {"1/30s", true, 1, 30},    {"2/10m", true, 2, 600},  {"1000000/366d", true, 1000000, 366 * 86400},
        {"off", true, 0, 1},       {"0", true, 0, 1},        {"", false, 0, 0},
        {"5", false, 0, 0},        {"5/", false, 0, 0},      {"5/1", false, 0, 0},
        {"5/1y", false, 0, 0},     {"0/1h", false, 0, 0},    {"-1/1h", false, 0, 0},
        {"1000001/1h", false, 0, 0}, {"5/0h", false, 0, 0},  {"5/367d", false, 0, 0},
        {"5/1h ", false, 0, 0},    {" 5/1h", false, 0, 0},   {"5/1hh", false, 0, 0},
        {"99999999999999999999/1h", false, 0, 0},            {"1/99999999999999999999s", false, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t hits = -1, window = -1;
        bool ok = rate_limit_parse(cases[i].text, &hits, &window);
        if (ok != cases[i].ok || (ok && (hits != cases[i].hits || window != cases[i].window)))
            fail_msg("\"%s\": %d %lld/%lld", cases[i].text, ok, (long long)hits, (long long)window);
    }
}

/* Finding 3: per client and per recipient, kept in the store. */
static void test_contact_rate_limits(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("CONTACT_RATE_LIMIT_CLIENT", "2/1h", 1);
    struct answer a;
    serve(&h, "/api/contact", CONTACT_FORM("a1@example.org"), NULL, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    serve(&h, "/api/contact", CONTACT_FORM("a2@example.org"), NULL, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    serve(&h, "/api/contact", CONTACT_FORM("a3@example.org"), NULL, &a);
    expect_429(&a, 3600);
    assert_non_null(strstr(str_at(a.json, "error"), "too many messages from your address"));
    answer_free(&a);
    /* an invalid form is refused for what it is and counts nothing */
    serve(&h, "/api/contact", "{\"name\":\"\"}", NULL, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 2);
    harness_stop(&h);

    /* per recipient, in any case, whoever sends: the third client is refused */
    trust_the_harness_peer(); /* read at start-up: before harness_start */
    harness_start(&h, &ok_one);
    setenv("CONTACT_RATE_LIMIT_RECIPIENT", "2/1d", 1);
    const char *const c1[] = {"HTTP_X_FORWARDED_FOR=198.51.100.1", NULL};
    const char *const c2[] = {"HTTP_X_FORWARDED_FOR=198.51.100.2", NULL};
    const char *const c3[] = {"HTTP_X_FORWARDED_FOR=198.51.100.3", NULL};
    serve(&h, "/api/contact", CONTACT_FORM("victim@example.org"), c1, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    serve(&h, "/api/contact", CONTACT_FORM("Victim@EXAMPLE.org"), c2, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    serve(&h, "/api/contact", CONTACT_FORM("VICTIM@example.org"), c3, &a);
    expect_429(&a, 86400);
    assert_non_null(strstr(str_at(a.json, "error"), "for this email address"));
    assert_null(strstr(a.body, "ictim")); /* the answer does not echo the address */
    answer_free(&a);
    serve(&h, "/api/contact", CONTACT_FORM("other@example.org"), c3, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 3);
    harness_stop(&h);

    /* IPv6 clients count by their /64 */
    trust_the_harness_peer(); /* read at start-up: before harness_start */
    harness_start(&h, &ok_one);
    setenv("CONTACT_RATE_LIMIT_CLIENT", "1/1h", 1);
    const char *const v6a[] = {"HTTP_X_FORWARDED_FOR=2001:db8:1:2::1", NULL};
    const char *const v6b[] = {"HTTP_X_FORWARDED_FOR=2001:db8:1:2:ffff::9", NULL};
    const char *const v6c[] = {"HTTP_X_FORWARDED_FOR=2001:db8:1:3::1", NULL};
    serve(&h, "/api/contact", CONTACT_FORM("b1@example.org"), v6a, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    serve(&h, "/api/contact", CONTACT_FORM("b2@example.org"), v6b, &a);
    expect_429(&a, 3600);
    answer_free(&a);
    serve(&h, "/api/contact", CONTACT_FORM("b3@example.org"), v6c, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 2);
    harness_stop(&h);

    /* the defaults: 5 an hour per client */
    harness_start(&h, &ok_one);
    for (int i = 0; i < 6; i++) {
        char body[160];
        snprintf(body, sizeof(body), "{\"name\":\"Ada\",\"email\":\"d%d@example.org\",\"message\":\"Hi\"}", i);
        serve(&h, "/api/contact", body, NULL, &a);
        if (i < 5)
            assert_int_equal(a.status, 202);
        else
            expect_429(&a, 3600);
        answer_free(&a);
    }
    assert_int_equal(sent_count(&h), 5);
    harness_stop(&h);

    /* off */
    harness_start(&h, &ok_one);
    setenv("CONTACT_RATE_LIMIT_CLIENT", "off", 1);
    setenv("CONTACT_RATE_LIMIT_RECIPIENT", "off", 1);
    for (int i = 0; i < 8; i++) {
        serve(&h, "/api/contact", CONTACT_FORM("same@example.org"), NULL, &a);
        assert_int_equal(a.status, 202);
        answer_free(&a);
    }
    harness_stop(&h);

    /* no store: the form still works, and the log says the limit was not enforced */
    harness_start(&h, &ok_one);
    void *store = h.srv.app_state;
    h.srv.app_state = NULL;
    setenv("CONTACT_RATE_LIMIT_CLIENT", "1/1h", 1);
    for (int i = 0; i < 2; i++) {
        serve(&h, "/api/contact", CONTACT_FORM("nostore@example.org"), NULL, &a);
        assert_int_equal(a.status, 202);
        assert_non_null(strstr(a.log, "CONTACT_RATE_LIMIT_CLIENT not enforced"));
        answer_free(&a);
    }
    h.srv.app_state = store;
    harness_stop(&h);
}

/* Finding 7: views per client and post. */
static void test_views_rate_limit_per_client_and_post(void **s)
{
    (void)s;
    struct harness h;
    trust_the_harness_peer(); /* read at start-up: before harness_start */
    harness_start(&h, &ok_one);
    setenv("VIEWS_RATE_LIMIT", "2/1h", 1);
    const char *const other[] = {"HTTP_X_FORWARDED_FOR=198.51.100.20", NULL};
    struct answer a;
    for (int i = 0; i < 3; i++) {
        serve(&h, "/api/views", "{\"slug\":\"a-post\",\"title\":\"A post\"}", NULL, &a);
        if (i < 2)
            assert_int_equal(a.status, 202);
        else
            expect_429(&a, 3600);
        answer_free(&a);
    }
    serve(&h, "/api/views", "{\"slug\":\"b-post\",\"title\":\"B post\"}", NULL, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    serve(&h, "/api/views", "{\"slug\":\"a-post\",\"title\":\"A post\"}", other, &a);
    assert_int_equal(a.status, 202);
    answer_free(&a);
    assert_int_equal(sent_count(&h), 4);
    harness_stop(&h);

    /* the default: 10 an hour */
    harness_start(&h, &ok_one);
    for (int i = 0; i < 11; i++) {
        serve(&h, "/api/views", "{\"slug\":\"c-post\",\"title\":\"C\"}", NULL, &a);
        if (i < 10)
            assert_int_equal(a.status, 202);
        else
            expect_429(&a, 3600);
        answer_free(&a);
    }
    assert_int_equal(sent_count(&h), 10);
    harness_stop(&h);
}

static void test_start_report_names_rate_limits(void **s)
{
    (void)s;
    char out[4096];
    setenv("CONTACT_RATE_LIMIT_CLIENT", "lots", 1);
    setenv("VIEWS_RATE_LIMIT", "off", 1);
    setenv("EVENTS_RELAY_ALLOW", "app/,stripe/", 1);
    report_to(out, sizeof(out));
    assert_non_null(strstr(out, "CONTACT_RATE_LIMIT_CLIENT is not <hits>/<window>"));
    assert_non_null(strstr(out, "VIEWS_RATE_LIMIT=off"));
    assert_non_null(strstr(out, "EVENTS_RELAY_ALLOW lets /api/events send stripe/ events"));
    assert_null(strstr(out, "CONTACT_RATE_LIMIT_RECIPIENT is not"));
    unsetenv("CONTACT_RATE_LIMIT_CLIENT");
    unsetenv("VIEWS_RATE_LIMIT");
    unsetenv("EVENTS_RELAY_ALLOW");
}

/* ------------------------------------------------------------------------ */
/* CORS, the relay's alias, the read routes                                   */
/* ------------------------------------------------------------------------ */

static bool has_header(const struct answer *a, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "%s\n", line);
    return strstr(a->headers, want) != NULL;
}

static void test_cors(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("CORS_ALLOWED_ORIGINS", "https://blog.example, https://www.example/", 1);
    setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET, 1);
    const char *const blog[] = {"HTTP_ORIGIN=https://blog.example", NULL};
    const char *const www[] = {"HTTP_ORIGIN=https://WWW.example", NULL};
    const char *const evil[] = {"HTTP_ORIGIN=https://evil.example", NULL};
    const char *const sneaky[] = {"HTTP_ORIGIN=https://blog.example.evil.example", NULL};
    struct answer a;

    /* the preflight of every public route */
    const char *public_paths[] = {"/api/contact", "/api/views", "/api/views/hello", "/api/trending",
                                  "/api/analytics/summary", "/api/github"};
    for (size_t i = 0; i < sizeof public_paths / sizeof public_paths[0]; i++) {
        serve_raw(&h, "OPTIONS", public_paths[i], "", 0, blog, &a);
        if (a.status != 204 || !has_header(&a, "Access-Control-Allow-Origin: https://blog.example"))
            fail_msg("OPTIONS %s: %d %s", public_paths[i], a.status, a.headers);
        assert_true(has_header(&a, "Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS"));
        assert_true(has_header(&a, "Access-Control-Allow-Headers: Content-Type"));
        assert_true(has_header(&a, "Vary: Origin"));
        answer_free(&a);
    }
    /* the setting's spelling is answered, never the request's */
    serve_raw(&h, "OPTIONS", "/api/contact", "", 0, www, &a);
    assert_true(has_header(&a, "Access-Control-Allow-Origin: https://www.example"));
    answer_free(&a);
    /* another origin: no permission (a prefix of it neither) */
    serve_raw(&h, "OPTIONS", "/api/contact", "", 0, evil, &a);
    assert_int_equal(a.status, 204);
    assert_null(strstr(a.headers, "Access-Control-Allow-Origin"));
    answer_free(&a);
    serve_raw(&h, "OPTIONS", "/api/contact", "", 0, sneaky, &a);
    assert_null(strstr(a.headers, "Access-Control-Allow-Origin"));
    answer_free(&a);

    /* the real request: its answer carries the permission, errors too */
    serve(&h, "/api/contact", "{\"name\":\"A\",\"email\":\"a@b.co\",\"message\":\"m\"}", blog, &a);
    assert_int_equal(a.status, 202);
    assert_true(has_header(&a, "Access-Control-Allow-Origin: https://blog.example"));
    answer_free(&a);
    serve(&h, "/api/contact", "{}", blog, &a);
    assert_int_equal(a.status, 400);
    assert_true(has_header(&a, "Access-Control-Allow-Origin: https://blog.example"));
    answer_free(&a);
    /* not a public route: no CORS at all */
    serve_raw(&h, "OPTIONS", "/api/stripe/webhook", "", 0, blog, &a);
    assert_int_equal(a.status, 405);
    assert_null(strstr(a.headers, "Access-Control"));
    answer_free(&a);
    serve_raw(&h, "OPTIONS", "/api/subscription", "", 0, blog, &a);
    assert_int_equal(a.status, 405);
    assert_null(strstr(a.headers, "Access-Control"));
    answer_free(&a);

    /* "*" allows any origin; unset allows none */
    setenv("CORS_ALLOWED_ORIGINS", "*", 1);
    serve_raw(&h, "OPTIONS", "/api/views", "", 0, evil, &a);
    assert_true(has_header(&a, "Access-Control-Allow-Origin: *"));
    answer_free(&a);
    unsetenv("CORS_ALLOWED_ORIGINS");
    serve_raw(&h, "OPTIONS", "/api/views", "", 0, blog, &a);
    assert_int_equal(a.status, 204);
    assert_null(strstr(a.headers, "Access-Control"));
    assert_null(strstr(a.headers, "Vary"));
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1); /* the one valid contact form */
    harness_stop(&h);
}

static void test_relay_alias(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    const char *const auth[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    struct answer a;
    serve(&h, "/api/inngest/send", "{\"name\":\"app/thing.happened\",\"data\":{\"n\":1}}", NULL, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);
    serve(&h, "/api/inngest/send", "{\"name\":\"app/thing.happened\",\"data\":{\"n\":1}}", auth, &a);
    assert_int_equal(a.status, 202);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ing_json_get(a.json, "ids"), 0)), ID_1);
    answer_free(&a);
    json_object *events;
    json_object *ev = the_one_event(&h, &events);
    assert_string_equal(str_at(ev, "name"), "app/thing.happened");
    json_object_put(events);
    harness_stop(&h);
}

static void get(struct harness *h, const char *path, const char *const *headers, struct answer *a)
{
    serve_raw(h, "GET", path, "", 0, headers, a);
}

static void test_read_routes(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    setenv("GITHUB_USERNAME", "octo", 1);
    struct answer a;

    /* before the workflows ran: 404 everywhere */
    const char *const relay[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    const char *const admin[] = {"HTTP_AUTHORIZATION=Bearer " ADMIN_TOKEN, NULL};
    struct {
        const char *path;
        const char *const *headers;
    } empty[] = {{"/api/views/hello", NULL}, {"/api/trending", NULL},
                 {"/api/analytics/summary?date=2024-05-01", NULL}, {"/api/github", NULL},
                 {"/api/subscription?userId=u1", relay}, {"/api/readwise/u1", admin}};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        get(&h, empty[i].path, empty[i].headers, &a);
        if (a.status != 404)
            fail_msg("GET %s before anything was stored: %d %s", empty[i].path, a.status, a.body);
        expect_failure_shape(&a, 404);
        answer_free(&a);
    }

    /* what the workflows store */
    setenv("DATABASE_PATH", h.db, 1);
    char err[256];
    struct store *st = store_open(err, sizeof err);
    assert_non_null(st);
    int64_t total;
    bool counted;
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "evt-%d", i);
        assert_int_equal(store_record_view(st, "hello world", "Hello", id, "2024-05-01", &total, &counted), STORE_OK);
    }
    json_object *posts = json_tokener_parse("[{\"slug\":\"hello world\",\"title\":\"Hello\",\"views\":3}]");
    assert_int_equal(store_put_trending(st, posts, 1714564800), STORE_OK);
    json_object *summary = NULL;
    assert_int_equal(store_compute_summary(st, "daily", "2024-05-01", "2024-05-01", &summary), STORE_OK);
    assert_int_equal(store_put_summary(st, "daily", "2024-05-01", summary), STORE_OK);
    json_object *gh = json_tokener_parse("{\"totalContributions\":8}");
    assert_int_equal(store_put_github_cache(st, "octo", gh, 1714564800), STORE_OK);
    struct store_subscription_update u = {.subscription_id = "sub_1", .customer_id = "cus_1", .user_id = "u1",
                                          .status = "active", .at = 1714564800};
    bool applied;
    assert_int_equal(store_update_subscription(st, &u, &applied), STORE_OK);
    assert_int_equal(store_put_book_count(st, "u1", 42, 1714564800), STORE_OK);
    store_close(st);

    get(&h, "/api/views/hello world", NULL, &a); /* as nginx passes it: decoded */
    assert_int_equal(a.status, 200);
    assert_string_equal(str_at(a.json, "slug"), "hello world");
    assert_int_equal(json_object_get_int(ing_json_get(a.json, "totalViews")), 3);
    assert_true(has_header(&a, "Cache-Control: public, max-age=60"));
    answer_free(&a);
    get(&h, "/api/trending", NULL, &a);
    assert_int_equal(a.status, 200);
    assert_true(json_object_equal(ing_json_get(a.json, "posts"), posts));
    assert_string_equal(str_at(a.json, "computedAt"), "2024-05-01T12:00:00Z");
    assert_true(has_header(&a, "Cache-Control: public, max-age=300"));
    answer_free(&a);
    get(&h, "/api/analytics/summary?date=2024-05-01&period=daily", NULL, &a);
    assert_int_equal(a.status, 200);
    assert_true(json_object_equal(a.json, summary));
    answer_free(&a);
    get(&h, "/api/analytics/summary?date=2024-05-01", NULL, &a); /* daily by default */
    assert_int_equal(a.status, 200);
    answer_free(&a);
    get(&h, "/api/github", NULL, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(str_at(a.json, "username"), "octo");
    assert_int_equal(json_object_get_int(ing_json_get(ing_json_get(a.json, "data"), "totalContributions")), 8);
    answer_free(&a);
    get(&h, "/api/subscription?userId=u1", relay, &a);
    assert_int_equal(a.status, 200);
    assert_true(json_object_get_boolean(ing_json_get(a.json, "active")));
    assert_string_equal(str_at(json_object_array_get_idx(ing_json_get(a.json, "subscriptions"), 0), "status"),
                        "active");
    assert_true(has_header(&a, "Cache-Control: no-store"));
    answer_free(&a);
    get(&h, "/api/readwise/u1", admin, &a);
    assert_int_equal(a.status, 200);
    assert_int_equal(json_object_get_int(ing_json_get(a.json, "count")), 42);
    assert_true(has_header(&a, "Cache-Control: no-store"));
    answer_free(&a);

    /* refusals */
    get(&h, "/api/subscription?userId=u1", NULL, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);
    get(&h, "/api/subscription?userId=u1", admin, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);
    get(&h, "/api/readwise/u1", relay, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);
    get(&h, "/api/subscription", relay, &a);
    expect_failure_shape(&a, 400);
    answer_free(&a);
    const char *bad[] = {"/api/analytics/summary", "/api/analytics/summary?date=yesterday",
                         "/api/analytics/summary?date=2024-05-01&period=yearly",
                         "/api/analytics/summary?date=2024-05-01%0a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        get(&h, bad[i], NULL, &a);
        if (a.status != 400)
            fail_msg("GET %s: %d", bad[i], a.status);
        answer_free(&a);
    }
    const char *missing[] = {"/api/views/a\x01b", "/api/views/nobody", "/api/views/a/b", "/api/views/hello%20world"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        get(&h, missing[i], NULL, &a);
        if (a.status != 404)
            fail_msg("GET %s: %d", missing[i], a.status);
        answer_free(&a);
    }
    serve(&h, "/api/trending", "{}", NULL, &a);
    expect_failure_shape(&a, 405);
    assert_string_equal(a.allow, "GET");
    answer_free(&a);
    json_object_put(posts);
    json_object_put(summary);
    json_object_put(gh);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

static void test_sessions_route(void **s)
{
    (void)s;
    struct harness h;
    harness_start(&h, &ok_one);
    setenv("EVENTS_RELAY_TOKEN", RELAY_TOKEN, 1);
    setenv("ADMIN_TOKEN", ADMIN_TOKEN, 1);
    const char *const relay[] = {"HTTP_AUTHORIZATION=Bearer " RELAY_TOKEN, NULL};
    const char *const admin[] = {"HTTP_AUTHORIZATION=Bearer " ADMIN_TOKEN, NULL};
    struct answer a;
    serve(&h, "/api/sessions", "{\"sessionId\":\"s1\",\"userId\":\"u1\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}",
          NULL, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);
    serve(&h, "/api/sessions", "{\"sessionId\":\"s1\",\"userId\":\"u1\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}",
          admin, &a); /* the admin token is not the backend's */
    expect_failure_shape(&a, 401);
    answer_free(&a);
    serve(&h, "/api/sessions", "{\"sessionId\":\"s1\",\"userId\":\"u1\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}",
          relay, &a);
    assert_int_equal(a.status, 204);
    answer_free(&a);
    serve(&h, "/api/sessions", "{\"sessionId\":\"s2\",\"userId\":\"u2\",\"expiresAt\":1000}", relay, &a);
    assert_int_equal(a.status, 204);
    answer_free(&a);
    serve(&h, "/api/sessions", "{\"sessionId\":\"s 3\",\"userId\":\"\",\"expiresAt\":\"soon\"}", relay, &a);
    expect_failure_shape(&a, 400);
    assert_non_null(ing_json_get(ing_json_get(a.json, "errors"), "sessionId"));
    assert_non_null(ing_json_get(ing_json_get(a.json, "errors"), "userId"));
    assert_non_null(ing_json_get(ing_json_get(a.json, "errors"), "expiresAt"));
    answer_free(&a);

    setenv("DATABASE_PATH", h.db, 1);
    char err[256];
    struct store *st = store_open(err, sizeof err);
    assert_non_null(st);
    char user[64];
    int64_t expires = 0;
    bool found = false;
    assert_int_equal(store_get_session(st, "s1", user, sizeof user, &expires, &found), STORE_OK);
    assert_true(found);
    assert_string_equal(user, "u1");
    assert_int_equal(expires, 4070908800);
    store_close(st);

    serve_raw(&h, "DELETE", "/api/sessions", "", 0, relay, &a);
    expect_failure_shape(&a, 401);
    answer_free(&a);
    serve_raw(&h, "DELETE", "/api/sessions", "", 0, admin, &a);
    assert_int_equal(a.status, 200);
    assert_int_equal(json_object_get_int(ing_json_get(a.json, "deleted")), 2);
    assert_true(has_header(&a, "Cache-Control: no-store"));
    answer_free(&a);
    serve_raw(&h, "GET", "/api/sessions", "", 0, admin, &a);
    expect_failure_shape(&a, 405);
    assert_string_equal(a.allow, "POST, DELETE");
    answer_free(&a);
    assert_int_equal(sent_count(&h), 0);
    harness_stop(&h);
}

/* GET /api/contact/progress: a realtime token for one submission's channel,
 * from the (fake) Inngest API's token endpoint. */
static void test_contact_progress_token(void **s)
{
    (void)s;
    static const struct fake_reply token = {.status = 201, .body = "{\"jwt\":\"h.p.s\"}\n"};
    struct harness h;
    harness_start(&h, &token);
    struct answer a;
    get(&h, "/api/contact/progress?id=" ID_1, NULL, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(str_at(a.json, "key"), "h.p.s");
    assert_string_equal(str_at(a.json, "channel"), "contact-" ID_1);
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(a.json, "topics"), JSON_C_TO_STRING_PLAIN),
                        "[\"progress\"]");
    assert_non_null(strstr(str_at(a.json, "apiBaseUrl"), "http://127.0.0.1:"));
    assert_non_null(strstr(a.headers, "Cache-Control: no-store"));
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1);
    const struct fake_request *r = fake_http_request(h.api, 0);
    assert_string_equal(r->target, "/v1/realtime/token");
    assert_string_equal(r->body, "[{\"channel\":\"contact-" ID_1 "\",\"name\":\"progress\",\"kind\":\"run\"}]");
    harness_stop(&h);
}

static void test_contact_progress_refusals(void **s)
{
    (void)s;
    static const struct fake_reply refused = {.status = 401, .body = "{\"error\":\"Not authenticated\"}"};
    struct harness h;
    harness_start(&h, &refused);
    struct answer a;
    const char *bad[] = {"/api/contact/progress", "/api/contact/progress?id=short",
                         "/api/contact/progress?id=01JROUTE/../../0000000001",
                         "/api/contact/progress?id=" ID_1 ID_1 ID_1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        get(&h, bad[i], NULL, &a);
        if (a.status != 400)
            fail_msg("GET %s: %d %s", bad[i], a.status, a.body);
        answer_free(&a);
    }
    serve(&h, "/api/contact/progress?id=" ID_1, "{}", NULL, &a);
    assert_int_equal(a.status, 405);
    answer_free(&a);
    get(&h, "/api/contact/progress?id=" ID_1, NULL, &a);
    assert_int_equal(a.status, 502); /* the token endpoint refused */
    assert_null(strstr(a.body, "Not authenticated"));
    answer_free(&a);
    assert_int_equal(sent_count(&h), 1); /* only the valid request reached the API */
    harness_stop(&h);
    harness_start(&h, NULL); /* the Inngest API is down */
    get(&h, "/api/contact/progress?id=" ID_1, NULL, &a);
    assert_int_equal(a.status, 503);
    answer_free(&a);
    harness_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_wrong_method_is_405_with_allow, teardown),
        cmocka_unit_test_teardown(test_durable_views_gate, teardown),
        cmocka_unit_test_teardown(test_body_bounds_per_route, teardown),
        cmocka_unit_test_teardown(test_bad_bodies_are_400_and_send_nothing, teardown),
        cmocka_unit_test_teardown(test_contact_queues_the_form, teardown),
        cmocka_unit_test_teardown(test_contact_seals_the_visitor_when_encryption_is_on, teardown),
        cmocka_unit_test_teardown(test_contact_ip_from_forwarded_only_when_trusted, teardown),
        cmocka_unit_test_teardown(test_contact_lists_every_bad_field, teardown),
        cmocka_unit_test_teardown(test_contact_email_plausibility, teardown),
        cmocka_unit_test_teardown(test_event_api_failures_map_to_503_and_502, teardown),
        cmocka_unit_test_teardown(test_no_event_key_in_cloud_mode_is_503, teardown),
        cmocka_unit_test_teardown(test_views_queues_the_view, teardown),
        cmocka_unit_test_teardown(test_views_optional_parts, teardown),
        cmocka_unit_test_teardown(test_views_validation, teardown),
        cmocka_unit_test_teardown(test_stripe_checkout_is_queued_with_the_stripe_id, teardown),
        cmocka_unit_test_teardown(test_stripe_type_mapping, teardown),
        cmocka_unit_test_teardown(test_stripe_refusals_send_nothing, teardown),
        cmocka_unit_test_teardown(test_stripe_without_secret_is_503, teardown),
        cmocka_unit_test_teardown(test_stripe_queue_failure_is_5xx, teardown),
        cmocka_unit_test_teardown(test_relay_needs_its_token, teardown),
        cmocka_unit_test_teardown(test_relay_forwards_one_or_a_list, teardown),
        cmocka_unit_test_teardown(test_relay_refuses_bad_items, teardown),
        cmocka_unit_test_teardown(test_relay_failure_is_503_with_detail, teardown),
        cmocka_unit_test_teardown(test_readwise_account_is_stored_and_replaced, teardown),
        cmocka_unit_test_teardown(test_readwise_refusals_never_echo_the_token, teardown),
        cmocka_unit_test_teardown(test_readwise_store_unavailable_is_503, teardown),
        cmocka_unit_test_teardown(test_hello_route, teardown),
        cmocka_unit_test_teardown(test_cors, teardown),
        cmocka_unit_test_teardown(test_relay_alias, teardown),
        cmocka_unit_test_teardown(test_read_routes, teardown),
        cmocka_unit_test_teardown(test_sessions_route, teardown),
        cmocka_unit_test_teardown(test_start_report_names_what_is_missing, teardown),
        cmocka_unit_test_teardown(test_route_bodies_are_parsed_strictly, teardown),
        cmocka_unit_test_teardown(test_relay_ts_is_range_checked, teardown),
        cmocka_unit_test_teardown(test_relay_allow_list, teardown),
        cmocka_unit_test_teardown(test_relay_ids_are_namespaced, teardown),
        cmocka_unit_test_teardown(test_rate_limit_parse, teardown),
        cmocka_unit_test_teardown(test_contact_rate_limits, teardown),
        cmocka_unit_test_teardown(test_views_rate_limit_per_client_and_post, teardown),
        cmocka_unit_test_teardown(test_start_report_names_rate_limits, teardown),
        cmocka_unit_test_teardown(test_contact_progress_token, teardown),
        cmocka_unit_test_teardown(test_contact_progress_refusals, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
