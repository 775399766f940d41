/*
 * test_protocol_vectors.c — replays the official JS SDK's recorded call,
 * introspection, signature and error vectors against our router, with a C app
 * that mirrors the vectors' JS app (shared/protocol/generator/app.mjs).
 *
 * Each vector's request goes through router_serve() exactly as the FastCGI
 * front would pass it, with the clock set to the vector's time and the keys
 * K1/K2.  We compare what the protocol fixes: status, the retry headers, op
 * ids, opcodes, names, data and errors.  Where we deliberately differ from JS
 * (reference §17), the expected answer is ours and the reason is in `ours`.
 * Vectors that need the outbound API (sendEvent, use_api, sync) are covered by
 * test_outbound_vectors and the end-to-end suites.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "arena.h"
#include "context.h"
#include "inngest.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "server.h"
#include "vectors.h"

#define K1 "signkey-test-12345678"
#define K2 "signkey-test-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

/* ---- the vectors' app, in C -------------------------------------------- */

static json_object *plain(struct ing_ctx *c)
{
    const char *name = ing_json_get_string(ing_event_data(c), "name");
    json_object *o = ing_json_object(c);
    ing_json_set(o, "message", ing_json_string(c, ing_sprintf(c, "hello %s", name ? name : "nobody")));
    return o;
}

static json_object *const_str(struct ing_ctx *c, void *arg) { return ing_json_string(c, arg); }
static json_object *append_b(struct ing_ctx *c, void *arg)
{
    return ing_json_string(c, ing_sprintf(c, "%sB", json_object_get_string(arg)));
}

static json_object *two_step(struct ing_ctx *c)
{
    json_object *a = ing_step_run(c, "a", const_str, "A");
    json_object *b = ing_step_run(c, "b", append_b, a);
    json_object *o = ing_json_object(c);
    ing_json_set(o, "result", b);
    return o;
}

static json_object *first_step(struct ing_ctx *c, void *arg)
{
    (void)arg;
    json_object *o = ing_json_object(c);
    ing_json_set(o, "n", ing_json_int(c, 1));
    return o;
}

static json_object *multi(struct ing_ctx *c)
{
    json_object *first = ing_step_run(c, "first", first_step, NULL);
    ing_step_sleep(c, "nap", "1h");
    json_object *approval = ing_step_wait_for_event(
        c, "wait-approval",
        &(struct ing_wait){.event = "test/approve", .timeout = "1h",
                           .if_expr = "async.data.id == event.data.id"});
    json_object *payload = ing_json_object(c);
    json_object *data = ing_json_object(c);
    ing_json_set(data, "name", ing_json_string(c, "from-invoke"));
    ing_json_set(payload, "data", data);
    json_object *invoked = ing_step_invoke(c, "call-plain", "vectors-app-plain", payload, NULL);
    json_object *events = ing_json_parse(
        c, "[{\"name\":\"test/sent.a\",\"data\":{\"n\":1}},{\"name\":\"test/sent.b\",\"data\":{\"n\":2}}]");
    json_object *ids = ing_step_send_event(c, "emit", events);
    ing_step_sleep_until(c, "nap-until", 1893456000); /* 2030-01-01T00:00:00Z */
    json_object *o = ing_json_object(c);
    ing_json_set(o, "first", first);
    ing_json_set(o, "approval", approval);
    ing_json_set(o, "invoked", invoked);
    json_object *sent = ing_json_object(c);
    ing_json_set(sent, "ids", ids);
    ing_json_set(o, "sent", sent);
    return o;
}

static json_object *all_config(struct ing_ctx *c) { return ing_json_string(c, "ok"); }
static json_object *all_config_failed(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    json_object *o = ing_json_object(c);
    ing_json_set(o, "handled", ing_json_get(ing_json_get(data, "error"), "message"));
    ing_json_set(o, "original", ing_json_get(ing_json_get(data, "event"), "name"));
    return o;
}

static json_object *batched(struct ing_ctx *c)
{
    json_object *o = ing_json_object(c);
    ing_json_set(o, "count", ing_json_int(c, (int64_t)json_object_array_length(ing_events(c))));
    return o;
}

static json_object *throw_boom(struct ing_ctx *c, void *arg) { ing_fail(c, "%s", (const char *)arg); }
static json_object *throw_nr(struct ing_ctx *c, void *arg)
{
    (void)arg;
    ing_fail_nonretriable(c, "bad input in step");
}
static json_object *throw_ra(struct ing_ctx *c, void *arg)
{
    (void)arg;
    ing_fail_retry_after(c, 30, "429 from upstream");
}

static json_object *step_throws(struct ing_ctx *c)
{
    json_object *v = ing_step_run(c, "flaky", throw_boom, "boom");
    json_object *o = ing_json_object(c);
    ing_json_set(o, "v", v);
    return o;
}

static json_object *step_catch(struct ing_ctx *c)
{
    struct ing_error err;
    if (!ing_step_run_catch(c, "boom", throw_boom, "always fails", &err) && err.message) {
        json_object *o = ing_json_object(c);
        ing_json_set(o, "recovered", ing_json_string(c, err.message));
        ing_json_set(o, "name", ing_json_string(c, err.name));
        return o;
    }
    return ing_json_string(c, "unreachable");
}

static json_object *step_nr(struct ing_ctx *c)
{
    ing_step_run(c, "validate", throw_nr, NULL);
    return ing_json_string(c, "unreachable");
}

static json_object *step_ra(struct ing_ctx *c)
{
    ing_step_run(c, "rate-limited", throw_ra, NULL);
    return ing_json_string(c, "unreachable");
}

static json_object *fn_throws(struct ing_ctx *c) { ing_fail(c, "plain failure"); }
static json_object *non_retriable(struct ing_ctx *c) { ing_fail_nonretriable(c, "bad input"); }
static json_object *retry_after(struct ing_ctx *c) { ing_fail_retry_after(c, 30, "slow down"); }
static json_object *retry_after_date(struct ing_ctx *c)
{
    ing_fail_retry_at(c, 1893456000, "slow down until");
}
static json_object *retry_after_ms(struct ing_ctx *c) { ing_fail_retry_after(c, 45, "slow down ms"); }

static json_object *parallel(struct ing_ctx *c)
{
    ing_parallel_begin(c);
    json_object *l = ing_step_run(c, "left", const_str, "L");
    json_object *r = ing_step_run(c, "right", const_str, "R");
    ing_parallel_end(c);
    json_object *o = ing_json_object(c);
    ing_json_set(o, "left", l);
    ing_json_set(o, "right", r);
    return o;
}

static json_object *loop_item(struct ing_ctx *c, void *arg) { return ing_json_int(c, *(int *)arg); }
static json_object *loop(struct ing_ctx *c)
{
    int64_t sum = 0;
    for (int i = 0; i < 3; i++)
        sum += json_object_get_int64(ing_step_run(c, "item", loop_item, &i));
    json_object *o = ing_json_object(c);
    ing_json_set(o, "sum", ing_json_int(c, sum));
    return o;
}

static json_object *nothing(struct ing_ctx *c, void *arg)
{
    (void)c;
    (void)arg;
    return NULL;
}
static json_object *returns_undefined(struct ing_ctx *c)
{
    ing_step_run(c, "nothing", nothing, NULL);
    return NULL;
}

static json_object *slow(struct ing_ctx *c)
{
    json_object *o = ing_json_object(c);
    ing_json_set(o, "slow", ing_json_bool(c, true));
    return o;
}

static const struct ing_function vector_functions[] = {
    {.id = "slow", .name = "slow", .triggers = {ING_EVENT("test/slow")}, .handler = slow},
    {.id = "plain", .name = "plain", .triggers = {ING_EVENT("test/plain")}, .handler = plain},
    {.id = "two-step", .name = "two-step", .triggers = {ING_EVENT("test/two")}, .handler = two_step},
    {.id = "multi-step", .name = "Multi step", .triggers = {ING_EVENT("test/multi")}, .handler = multi},
    {.id = "all-config", .name = "All config", .retries = ING_RETRIES(5),
     .triggers = {ING_EVENT_IF("test/all", "event.data.kind == 'x'"),
                  ING_CRON("TZ=Europe/Paris 0 9 * * 1-5")},
     .handler = all_config, .on_failure = all_config_failed},
    {.id = "batched", .name = "batched", .retries = ING_RETRIES(0),
     .triggers = {ING_EVENT("test/batched")}, .handler = batched},
    {.id = "step-throws", .name = "step-throws", .retries = ING_RETRIES(2),
     .triggers = {ING_EVENT("test/step-throws")}, .handler = step_throws},
    {.id = "step-catch", .name = "step-catch", .retries = ING_RETRIES(0),
     .triggers = {ING_EVENT("test/step-catch")}, .handler = step_catch},
    {.id = "step-nonretriable", .name = "step-nonretriable", .retries = ING_RETRIES(3),
     .triggers = {ING_EVENT("test/step-nr")}, .handler = step_nr},
    {.id = "step-retry-after", .name = "step-retry-after", .retries = ING_RETRIES(3),
     .triggers = {ING_EVENT("test/step-ra")}, .handler = step_ra},
    {.id = "fn-throws", .name = "fn-throws", .retries = ING_RETRIES(3),
     .triggers = {ING_EVENT("test/fn-throws")}, .handler = fn_throws},
    {.id = "non-retriable", .name = "non-retriable", .triggers = {ING_EVENT("test/nr")},
     .handler = non_retriable},
    {.id = "retry-after", .name = "retry-after", .triggers = {ING_EVENT("test/ra")},
     .handler = retry_after},
    {.id = "retry-after-date", .name = "retry-after-date", .triggers = {ING_EVENT("test/ra-date")},
     .handler = retry_after_date},
    {.id = "retry-after-ms", .name = "retry-after-ms", .triggers = {ING_EVENT("test/ra-ms")},
     .handler = retry_after_ms},
    {.id = "parallel", .name = "parallel", .triggers = {ING_EVENT("test/parallel")}, .handler = parallel},
    {.id = "loop", .name = "loop", .triggers = {ING_EVENT("test/loop")}, .handler = loop},
    {.id = "returns-undefined", .name = "returns-undefined", .triggers = {ING_EVENT("test/undef")},
     .handler = returns_undefined},
};

static const struct ing_app vectors_app = {
    .default_app_id = "vectors-app",
    .functions = vector_functions,
    .function_count = ING_COUNT(vector_functions),
};

/* ---- the replay harness ------------------------------------------------- */

static bool cloud_mode;
static time_t vector_now;

static const char *env_for_vectors(const char *name)
{
    static const struct { const char *k, *v; } cloud[] = {
        {"INNGEST_SIGNING_KEY", K1}, {"INNGEST_SIGNING_KEY_FALLBACK", K2},
        {"INNGEST_EVENT_KEY", "test-event-key-0123"},
        {"INNGEST_BASE_URL", "http://127.0.0.1:8299"}, {"INNGEST_DEV", "0"}};
    if (!cloud_mode)
        return strcmp(name, "INNGEST_DEV") == 0 ? "1" : NULL;
    for (size_t i = 0; i < ING_COUNT(cloud); i++)
        if (strcmp(cloud[i].k, name) == 0)
            return cloud[i].v;
    return NULL;
}

static time_t fixed_clock(void) { return vector_now; }

struct replay {
    struct ing_server srv;
    struct ing_ctx *ctx;
    struct ing_response res;
    json_object *body_json;
    char *params[64];
};

/* Header name → CGI name: X-Inngest-Signature → HTTP_X_INNGEST_SIGNATURE. */
static int toupper_ascii(char ch) { return ch >= 'a' && ch <= 'z' ? ch - 32 : ch; }

static char *cgi_param(const char *name, const char *value)
{
    size_t n = strlen(name);
    char *p = malloc(5 + n + 1 + strlen(value) + 1);
    strcpy(p, "HTTP_");
    for (size_t i = 0; i < n; i++)
        p[5 + i] = name[i] == '-' ? '_' : (char)toupper_ascii(name[i]);
    p[5 + n] = '=';
    strcpy(p + 6 + n, value);
    return p;
}

static void replay_run(struct replay *r, json_object *entry, bool cloud)
{
    memset(r, 0, sizeof(*r));
    cloud_mode = cloud;
    int64_t now = 0;
    if (!ing_json_get_int(entry, "now_unix", &now))
        ing_json_get_int(entry, "generated_at_unix", &now);
    vector_now = (time_t)now;
    char err[512];
    assert_true(server_init(&r->srv, &vectors_app, env_for_vectors, err, sizeof(err)));
    r->srv.now = fixed_clock;

    json_object *req = ing_json_get(entry, "request");
    const char *method = ing_json_get_string(req, "method");
    const char *url = ing_json_get_string(req, "url");
    const char *q = strchr(url, '?');
    int n = 0;
    char *method_p = malloc(strlen(method) + 16);
    sprintf(method_p, "REQUEST_METHOD=%s", method);
    r->params[n++] = method_p;
    char *uri = malloc(strlen(url) + 16);
    sprintf(uri, "DOCUMENT_URI=%.*s", (int)(q ? (size_t)(q - url) : strlen(url)), url);
    r->params[n++] = uri;
    char *query = malloc(strlen(url) + 16);
    sprintf(query, "QUERY_STRING=%s", q ? q + 1 : "");
    r->params[n++] = query;
    json_object_object_foreach(ing_json_get(req, "headers"), k, v)
    {
        if (n < 62)
            r->params[n++] = cgi_param(k, json_object_get_string(v));
    }
    r->params[n] = NULL;

    struct ing_request hreq;
    request_init(&hreq, r->params);
    const char *body = ing_json_get_string(req, "body");
    hreq.body = body ? body : "";
    hreq.body_len = strlen(hreq.body);
    r->ctx = ctx_new(&r->srv);
    router_serve(r->ctx, &hreq, &r->res);
    char *text = strndup(r->res.body ? r->res.body : "", r->res.body_len);
    r->body_json = json_tokener_parse(text);
    free(text);
}

static void replay_free(struct replay *r)
{
    ctx_release(r->ctx);
    json_object_put(r->body_json);
    for (int i = 0; r->params[i]; i++)
        free(r->params[i]);
}

static bool json_equal(json_object *a, json_object *b)
{
    if (!a || !b)
        return a == b || json_object_is_type(a, json_type_null) == json_object_is_type(b, json_type_null);
    return json_object_equal(a, b);
}

/* Compares the fields of one op that the protocol fixes. */
static void compare_op(const char *vname, json_object *want, json_object *got)
{
    const char *fields[] = {"id", "op", "displayName"};
    for (size_t i = 0; i < ING_COUNT(fields); i++) {
        const char *w = ing_json_get_string(want, fields[i]), *g = ing_json_get_string(got, fields[i]);
        if (!w || !g || strcmp(w, g) != 0)
            fail_msg("%s: op %s: want %s, got %s", vname, fields[i], w ? w : "(none)", g ? g : "(none)");
    }
    const char *op = ing_json_get_string(want, "op");
    if (strcmp(op, "StepRun") == 0 || strcmp(op, "Sleep") == 0 || strcmp(op, "WaitForEvent") == 0 ||
        strcmp(op, "StepPlanned") == 0) {
        const char *w = ing_json_get_string(want, "name"), *g = ing_json_get_string(got, "name");
        if (!w || !g || strcmp(w, g) != 0)
            fail_msg("%s: op name: want %s, got %s", vname, w, g ? g : "(none)");
    }
    if (strcmp(op, "StepRun") == 0 && !json_equal(ing_json_get(want, "data"), ing_json_get(got, "data")))
        fail_msg("%s: data differs: %s", vname, json_object_to_json_string(got));
    if (strcmp(op, "StepError") == 0 || strcmp(op, "StepFailed") == 0) {
        json_object *we = ing_json_get(want, "error"), *ge = ing_json_get(got, "error");
        assert_string_equal(ing_json_get_string(we, "name"), ing_json_get_string(ge, "name"));
        assert_string_equal(ing_json_get_string(we, "message"), ing_json_get_string(ge, "message"));
    }
    if (strcmp(op, "WaitForEvent") == 0) {
        json_object *wo = ing_json_get(want, "opts"), *go = ing_json_get(got, "opts");
        assert_string_equal(ing_json_get_string(wo, "timeout"), ing_json_get_string(go, "timeout"));
        assert_string_equal(ing_json_get_string(wo, "if"), ing_json_get_string(go, "if"));
    }
    if (strcmp(op, "InvokeFunction") == 0) {
        json_object *wo = ing_json_get(want, "opts"), *go = ing_json_get(got, "opts");
        assert_string_equal(ing_json_get_string(wo, "function_id"), ing_json_get_string(go, "function_id"));
        assert_true(json_equal(ing_json_get(wo, "payload"), ing_json_get(go, "payload")));
    }
}

/* Our deliberate differences from the JS recordings (reference §17). */
struct override {
    const char *name;
    int status;          /* what we answer */
    const char *why;
};
static const struct override overrides[] = {
    {"cloud-get-unsigned", 200, "spec §4.5: unauthenticated body, not 401"},
    {"cloud-get-signed-wrong-key", 200, "unauthenticated body with authentication_succeeded false"},
    {"cloud-get-signed-expired", 200, "unauthenticated body with authentication_succeeded false"},
    {"cloud-get-signed-future", 200, "unauthenticated body with authentication_succeeded false"},
    {"post-malformed-json", 400, "JS crashed; we answer 400 with X-Inngest-No-Retry: false"},
    {"post-noncanonical-body", 200, "we verify the raw bytes first (reference §4.3)"},
    {"post-trust-probe", 200, "a valid signature over an empty body is valid"},
    {"post-empty-body-signed", 400, "a call request without a body is malformed, not unauthorized"},
};

static const struct override *override_for(const char *name)
{
    for (size_t i = 0; i < ING_COUNT(overrides); i++)
        if (strcmp(overrides[i].name, name) == 0)
            return &overrides[i];
    return NULL;
}

/* Vectors whose request needs the outbound API; replayed elsewhere. */
static bool needs_outbound(const char *name)
{
    static const char *names[] = {"multi-5-sendevent", "use-api", "use-api-with-memoized-steps"};
    for (size_t i = 0; i < ING_COUNT(names); i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static int replayed;

static void check_entry(json_object *entry)
{
    const char *name = ing_json_get_string(entry, "name");
    if (needs_outbound(name))
        return;
    json_object *req = ing_json_get(entry, "request");
    bool signed_req = vectors_header(ing_json_get(req, "headers"), "X-Inngest-Signature") != NULL;
    bool cloud = strncmp(name, "dev-", 4) != 0 && (signed_req || strncmp(name, "cloud-", 6) == 0 ||
                                                   strncmp(name, "post-", 5) == 0);
    struct replay r;
    replay_run(&r, entry, cloud);
    json_object *want = ing_json_get(entry, "response");
    int64_t want_status = 0;
    ing_json_get_int(want, "status", &want_status);
    const struct override *ov = override_for(name);
    if (ov)
        want_status = ov->status;
    if (r.res.status != want_status)
        fail_msg("%s: status want %d, got %d (%.*s)", name, (int)want_status, r.res.status,
                 (int)r.res.body_len, r.res.body);

    /* every answer of the Inngest endpoint carries the SDK headers */
    assert_non_null(response_get_header(&r.res, "X-Inngest-SDK"));
    assert_string_equal(response_get_header(&r.res, "X-Inngest-Req-Version"), "2");

    json_object *wh = ing_json_get(want, "headers");
    const char *w_nr = vectors_header(wh, "x-inngest-no-retry");
    const char *g_nr = response_get_header(&r.res, "X-Inngest-No-Retry");
    if (w_nr && !ov)
        assert_string_equal(w_nr, g_nr ? g_nr : "(none)");
    if (r.res.status >= 400 && strcmp(ing_json_get_string(req, "method"), "POST") == 0)
        assert_non_null(g_nr); /* always sent on errors, so the executor never guesses */
    const char *w_ra = vectors_header(wh, "retry-after");
    if (w_ra)
        assert_string_equal(w_ra, response_get_header(&r.res, "Retry-After"));

    /* a verified request's answer is signed; a rejected or dev one is not */
    json_object *auth_field = ing_json_get(r.body_json, "authentication_succeeded");
    bool is_get = strcmp(ing_json_get_string(req, "method"), "GET") == 0;
    bool verified = cloud && r.res.status != 401 &&
                    (!is_get || (auth_field && json_object_get_boolean(auth_field)));
    if (verified)
        assert_non_null(response_get_header(&r.res, "X-Inngest-Signature"));
    else
        assert_null(response_get_header(&r.res, "X-Inngest-Signature"));

    json_object *wbody = ing_json_get(want, "body_json");
    if (!ov && want_status == 206) {
        assert_true(json_object_is_type(r.body_json, json_type_array));
        size_t n = json_object_array_length(wbody);
        assert_int_equal(n, json_object_array_length(r.body_json));
        for (size_t i = 0; i < n; i++)
            compare_op(name, json_object_array_get_idx(wbody, i),
                       json_object_array_get_idx(r.body_json, i));
    } else if (!ov && want_status == 200 && strcmp(ing_json_get_string(req, "method"), "POST") == 0 &&
               strstr(ing_json_get_string(req, "url"), "fnId=")) {
        if (!json_equal(wbody, r.body_json))
            fail_msg("%s: result differs: want %s got %.*s", name, json_object_to_json_string(wbody),
                     (int)r.res.body_len, r.res.body);
    } else if (!ov && (want_status == 400 || want_status == 500) && ing_json_get(wbody, "message") &&
               ing_json_get(wbody, "name") && ing_json_get(r.body_json, "name")) {
        assert_string_equal(ing_json_get_string(wbody, "name"), ing_json_get_string(r.body_json, "name"));
        assert_string_equal(ing_json_get_string(wbody, "message"),
                            ing_json_get_string(r.body_json, "message"));
    }
    if (strcmp(ing_json_get_string(req, "method"), "GET") == 0) {
        /* introspection: counts and flags as JS reports them, secrets only when authenticated */
        assert_true(json_equal(ing_json_get(wbody, "function_count"),
                               ing_json_get(r.body_json, "function_count")) ||
                    ov);
        assert_string_equal(cloud ? "cloud" : "dev", ing_json_get_string(r.body_json, "mode"));
        json_object *auth = ing_json_get(r.body_json, "authentication_succeeded");
        bool authed = auth && json_object_get_boolean(auth);
        if (authed) {
            assert_string_equal(ing_json_get_string(wbody, "signing_key_hash"),
                                ing_json_get_string(r.body_json, "signing_key_hash"));
            assert_string_equal(ing_json_get_string(wbody, "signing_key_fallback_hash"),
                                ing_json_get_string(r.body_json, "signing_key_fallback_hash"));
            assert_string_equal(ing_json_get_string(wbody, "event_key_hash"),
                                ing_json_get_string(r.body_json, "event_key_hash"));
        } else {
            assert_null(ing_json_get(r.body_json, "signing_key_hash"));
            assert_null(ing_json_get(r.body_json, "app_id"));
        }
    }
    replayed++;
    replay_free(&r);
}

static void replay_file(const char *file)
{
    json_object *v = vectors_load(file);
    assert_non_null(v);
    json_object *entries = ing_json_get(v, "entries");
    size_t n = json_object_array_length(entries);
    for (size_t i = 0; i < n; i++)
        check_entry(json_object_array_get_idx(entries, i));
    json_object_put(v);
}

static void test_calls_basic(void **state) { (void)state; replay_file("calls_basic.json"); }
static void test_calls_errors(void **state) { (void)state; replay_file("calls_errors.json"); }
static void test_calls_async_ops(void **state) { (void)state; replay_file("calls_async_ops.json"); }
static void test_calls_misc(void **state) { (void)state; replay_file("calls_misc.json"); }
static void test_errors_http(void **state) { (void)state; replay_file("errors_http.json"); }
static void test_introspection(void **state) { (void)state; replay_file("introspection.json"); }
static void test_signature_verification(void **state)
{
    (void)state;
    replay_file("signature_verification.json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calls_basic),     cmocka_unit_test(test_calls_errors),
        cmocka_unit_test(test_calls_async_ops), cmocka_unit_test(test_calls_misc),
        cmocka_unit_test(test_errors_http),     cmocka_unit_test(test_introspection),
        cmocka_unit_test(test_signature_verification),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fprintf(stderr, "replayed %d vectors\n", replayed);
    return failed;
}
