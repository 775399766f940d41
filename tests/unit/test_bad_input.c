/*
 * test_bad_input.c — what reaches the router from outside, at its worst:
 * JSON nested past the bound, bodies that are not JSON or not objects,
 * missing pieces, unknown functions, malformed signatures, a targeted step
 * the function never reaches, and allocation failures at every point of a
 * request.  Each gets a clear status and message, never runs user code it
 * should not, and never crashes or leaks (this suite runs under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "alloc_fail/alloc_fail.h"
#include "fake_http.h"
#include "nesting.h"

#include "core/context.h"
#include "inngest.h"
#include "base/limits.h"
#include "core/request.h"
#include "core/response.h"
#include "protocol/router.h"
#include "core/server.h"
#include "transport/server_setup.h"
#include "core/signature.h"

static int body_runs;

static json_object *count_body(struct ing_ctx *c, void *arg)
{
    (void)arg;
    body_runs++;
    return ing_json_string(c, "ran");
}

/* Step "a" (counted), then step "b" running `b`: the shape of the calls
 * below, which differ in what b does.  Returns a's value. */
static json_object *a_then_b(struct ing_ctx *c, ing_step_fn b)
{
    json_object *a = ing_step_run(c, "a", count_body, NULL);
    ing_step_run(c, "b", b, NULL);
    return a;
}

static json_object *two_steps(struct ing_ctx *c) { return a_then_b(c, count_body); }

static json_object *nested_step(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_step_run(c, "inner", count_body, NULL);
}

static json_object *nests(struct ing_ctx *c) { return ing_step_run(c, "outer", nested_step, NULL); }

static const struct ing_function fns[] = {
    {.id = "two", .name = "two", .triggers = {ING_EVENT("t/two")}, .handler = two_steps},
    {.id = "nests", .name = "nests", .triggers = {ING_EVENT("t/nests")}, .handler = nests},
};
static const struct ing_app app = {.default_app_id = "bad", .functions = fns,
                                   .function_count = ING_COUNT(fns)};

static bool cloud;
static const char *env(const char *name)
{
    if (strcmp(name, "INNGEST_DEV") == 0)
        return cloud ? "0" : "1";
    if (cloud && strcmp(name, "INNGEST_SIGNING_KEY") == 0)
        return "signkey-test-12345678";
    return NULL;
}
static time_t clock_now(void) { return 1800000000; }

struct answer {
    int status;
    char body[2048];
    char no_retry[8];
};

static void serve(const char *method, const char *query, const char *body, size_t len,
                  const char *signature, struct answer *out)
{
    struct server srv;
    char err[256];
    assert_true(server_init(&srv, &app, env, err, sizeof(err)));
    srv.now = clock_now;
    char m[64], q[1024], sig[256];
    snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
    snprintf(q, sizeof(q), "QUERY_STRING=%s", query);
    snprintf(sig, sizeof(sig), "HTTP_X_INNGEST_SIGNATURE=%s", signature ? signature : "");
    char *params[] = {m, q, "DOCUMENT_URI=/api/inngest", "HTTP_HOST=localhost:1",
                      signature ? sig : NULL, NULL};
    struct request req;
    request_init(&req, params);
    req.body = body;
    req.body_len = len;
    struct ing_ctx *c = ctx_new(&srv);
    assert_non_null(c);
    struct response res = {0};
    router_serve(c, &req, &res);
    out->status = res.status;
    snprintf(out->body, sizeof(out->body), "%.*s", (int)(res.body_len < 2000 ? res.body_len : 2000),
             res.body ? res.body : "");
    const char *nr = response_get_header(&res, "X-Inngest-No-Retry");
    snprintf(out->no_retry, sizeof(out->no_retry), "%s", nr ? nr : "");
    ctx_release(c);
}

static const char *call_body(const char *steps)
{
    static char b[4096];
    snprintf(b, sizeof(b),
             "{\"ctx\":{\"attempt\":0,\"max_attempts\":3,\"run_id\":\"r1\",\"disable_immediate_execution\":true},"
             "\"event\":{\"name\":\"t/two\",\"data\":{}},\"events\":[],\"steps\":%s,\"version\":2}",
             steps);
    return b;
}

static void test_deep_nesting_is_refused(void **s)
{
    (void)s;
    char *b = nested_arrays(10000);
    struct answer a;
    serve("POST", "fnId=bad-two&stepId=step", b, strlen(b), NULL, &a);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.body, "deeper than 256"));
    assert_string_equal(a.no_retry, "false");
    free(b);
}

static void test_depth_within_bound_is_accepted(void **s)
{
    (void)s;
    /* user data 200 levels deep inside the call envelope */
    char data[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(data, "[");
    for (int i = 0; i < 200; i++)
        strcat(data, "]");
    char b[4096];
    snprintf(b, sizeof(b), "{\"ctx\":{},\"event\":{\"name\":\"t/two\",\"data\":{\"deep\":%s}},\"steps\":{}}", data);
    struct answer a;
    serve("POST", "fnId=bad-two&stepId=step", b, strlen(b), NULL, &a);
    assert_int_equal(a.status, 206);
}

static void test_not_json_and_not_objects(void **s)
{
    (void)s;
    const char *bodies[] = {"{not json", "[1,2]", "\"text\"", "{\"ctx\":{}} trailing",
                            "{\"ctx\":{},\"steps\":{}}", "\xff\xfe", "{\"event\":[]}"};
    for (size_t i = 0; i < ING_COUNT(bodies); i++) {
        struct answer a;
        body_runs = 0;
        serve("POST", "fnId=bad-two&stepId=step", bodies[i], strlen(bodies[i]), NULL, &a);
        if (a.status != 400)
            fail_msg("body %zu: status %d (%s)", i, a.status, a.body);
        assert_non_null(strstr(a.body, "\"message\""));
        assert_string_equal(a.no_retry, "false");
        assert_int_equal(body_runs, 0);
    }
}

static void test_unknown_and_missing_function(void **s)
{
    (void)s;
    struct answer a;
    const char *b = call_body("{}");
    serve("POST", "fnId=bad-nope&stepId=step", b, strlen(b), NULL, &a);
    assert_int_equal(a.status, 500);
    assert_non_null(strstr(a.body, "bad-nope"));
    serve("POST", "stepId=step", b, strlen(b), NULL, &a);
    assert_int_equal(a.status, 500);
    assert_non_null(strstr(a.body, "fnId"));
    /* an overlong fnId is not echoed or truncated silently */
    char q[600] = "fnId=";
    memset(q + 5, 'x', 500);
    q[505] = '\0';
    serve("POST", q, b, strlen(b), NULL, &a);
    assert_int_equal(a.status, 500);
}

static void test_targeted_step_never_reached(void **s)
{
    (void)s;
    struct answer a;
    body_runs = 0;
    const char *b = call_body("{}");
    serve("POST", "fnId=bad-two&stepId=0000000000000000000000000000000000000000", b, strlen(b),
          NULL, &a);
    assert_int_equal(a.status, 500);
    assert_string_equal(a.no_retry, "false");
    assert_non_null(strstr(a.body, "requestedStep"));
    assert_int_equal(body_runs, 0); /* no step body runs for a step nobody asked for */
}

static void test_targeted_step_runs_only_target(void **s)
{
    (void)s;
    char hb[41];
    ing_test_step_hash("b", 0, hb);
    char ha[41];
    ing_test_step_hash("a", 0, ha);
    char steps[128], query[128];
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":\"ran\"}}", ha);
    snprintf(query, sizeof(query), "fnId=bad-two&stepId=%s", hb);
    struct answer a;
    body_runs = 0;
    const char *b = call_body(steps);
    serve("POST", query, b, strlen(b), NULL, &a);
    assert_int_equal(a.status, 206);
    assert_int_equal(body_runs, 1);
    assert_non_null(strstr(a.body, hb));
}

static void test_nested_steps_are_an_error(void **s)
{
    (void)s;
    struct answer a;
    const char *b = "{\"ctx\":{},\"event\":{\"name\":\"t/nests\",\"data\":{}},\"steps\":{}}";
    serve("POST", "fnId=bad-nests&stepId=step", b, strlen(b), NULL, &a);
    assert_int_equal(a.status, 500);
    assert_non_null(strstr(a.body, "cannot nest"));
}

static void test_bad_signatures_in_cloud_mode(void **s)
{
    (void)s;
    cloud = true;
    const char *b = call_body("{}");
    char good[65], header[160];
    sig_compute("signkey-test-12345678", b, strlen(b), 1800000000, good);
    const char *headers[] = {
        NULL, "", "t=1800000000", "s=abc", "t=abc&s=00", "t=1800000000&s=",
        "t=1700000000&s=0000000000000000000000000000000000000000000000000000000000000000",
        "t=1800000000&t=1800000000&s=1111111111111111111111111111111111111111111111111111111111111111",
        "garbage;;;==&&&",
    };
    body_runs = 0;
    for (size_t i = 0; i < ING_COUNT(headers); i++) {
        struct answer a;
        serve("POST", "fnId=bad-two&stepId=step", b, strlen(b), headers[i], &a);
        if (a.status != 401)
            fail_msg("header %zu: status %d", i, a.status);
        assert_null(strstr(a.body, "12345678")); /* nothing about the key */
    }
    assert_int_equal(body_runs, 0);
    snprintf(header, sizeof(header), "t=1800000000&s=%s", good);
    struct answer ok;
    serve("POST", "fnId=bad-two&stepId=step", b, strlen(b), header, &ok);
    assert_int_equal(ok.status, 206);
    /* the same body, tampered */
    char tampered[4096];
    snprintf(tampered, sizeof(tampered), "%s", b);
    tampered[strlen(tampered) - 2] = '3';
    serve("POST", "fnId=bad-two&stepId=step", tampered, strlen(tampered), header, &ok);
    assert_int_equal(ok.status, 401);
    cloud = false;
}

/* ---- every allocation point of a request, failed in turn -----------------
 * alloc_fail (tests/unit/alloc_fail/) interposes malloc, calloc, realloc,
 * strdup and strndup for the whole process, so the allocations json-c,
 * libcurl, OpenSSL and libc make on our behalf are counted with ours, and
 * this binary's arena takes 64-byte chunks (see the Makefile), so nearly
 * every arena allocation is a heap allocation too.  For each scenario a
 * first pass counts the allocations of one request; then allocation 1, 2, …
 * fails in turn (only that one) until the request makes fewer.  Every point
 * must end with a documented answer:
 *   - the request refused before it has a context (fcgi_front then answers
 *     500 "out of memory" itself);
 *   - the same answer as with enough memory (a library recovered);
 *   - a 500 whose body is a JSON object with a "message" (Inngest retries);
 *   - inside the step's own code, a StepError op (the step fails as on any
 *     error of its code, and the executor retries it).
 * After each point LeakSanitizer must find nothing (under valgrind, its leak
 * check at exit).  The few points json-c 0.16 itself mishandles are made to
 * succeed and counted apart ("spared", see alloc_fail.c). */
struct scenario {
    const char *name;
    bool cloud;            /* cloud mode, the request signed */
    const char *method;
    const char *query;
    const char *body;      /* NULL: none */
    const char *reply;     /* what the stand-in Inngest API / Event API answers */
    const char *param;     /* one more CGI parameter, or NULL */
    int status;            /* the answer with enough memory */
};

static char api_base[64]; /* the fake API of the current sweep, "" outside one */

static const char *sweep_env(const char *name)
{
    if (strcmp(name, "INNGEST_BASE_URL") == 0)
        return api_base[0] ? api_base : NULL;
    if (strcmp(name, "INNGEST_EVENT_KEY") == 0)
        return "evtkey-sweep";
    if (strcmp(name, "INNGEST_LOG_LEVEL") == 0)
        return "error"; /* thousands of failed syncs would flood the output */
    return env(name);
}

static json_object *send_body(struct ing_ctx *c, void *arg)
{
    (void)arg;
    json_object *ev = ing_json_object(c);
    ing_json_set(ev, "name", ing_json_string(c, "t/sent"));
    ing_json_set(ev, "data", ing_json_object(c));
    json_object *ids = NULL;
    struct ing_error err;
    int status = 0;
    if (!ing_send_events(c, ev, &ids, &err, &status))
        ing_fail(c, "send: %s", err.message);
    return ids;
}

static json_object *sends(struct ing_ctx *c) { return a_then_b(c, send_body); }

/* An app's own HTTP call (ing_http_fetch, a POST: one try, no retry pauses
 * to slow the sweep down) to the sweep's stand-in. */
static json_object *fetch_body(struct ing_ctx *c, void *arg)
{
    (void)arg;
    struct ing_fetch_request rq = {.method = "POST", .url = ing_sprintf(c, "%s/hook", api_base),
                                   .headers = {"Content-Type: application/json"}, .body = "{\"a\":1}"};
    struct ing_fetch_response res;
    if (!ing_http_fetch(c, &rq, &res))
        ing_fail(c, "fetch: %s", res.body);
    /* one string: every part of the answer, built by calls that fail the
     * step when memory runs out (ing_json_set would drop a key instead) */
    return ing_json_string(c, ing_sprintf(c, "%d %s %s", res.status,
                                          ing_json_get_string(res.headers, "content-type"), res.body));
}

static json_object *fetches(struct ing_ctx *c) { return a_then_b(c, fetch_body); }

/* Three async steps planned together: their ops carry opts json-c builds. */
static json_object *plans(struct ing_ctx *c)
{
    ing_step_run(c, "a", count_body, NULL);
    ing_parallel_begin(c);
    const struct ing_wait w = {.event = "t/approve", .if_expr = "async.data.id == event.data.id",
                               .timeout = "1h"};
    ing_step_wait_for_event(c, "approval", &w);
    ing_step_invoke(c, "child", ing_function_ref(c, "two"), NULL, "10m");
    ing_step_sleep(c, "nap", "1m");
    ing_parallel_end(c);
    return NULL;
}

/* A function that fails for good: the 400 error body. */
static json_object *refuses(struct ing_ctx *c)
{
    ing_step_run(c, "a", count_body, NULL);
    ing_fail_nonretriable(c, "bad input: %s", "no such order");
}

static const struct ing_function sweep_fns[] = {
    {.id = "refuses", .name = "refuses", .triggers = {ING_EVENT("t/refuses")}, .handler = refuses},
    {.id = "plans", .name = "plans", .triggers = {ING_EVENT("t/plans")}, .handler = plans},
    {.id = "send", .name = "send", .triggers = {ING_EVENT("t/send")}, .handler = sends},
    {.id = "fetch", .name = "fetch", .triggers = {ING_EVENT("t/fetch")}, .handler = fetches},
    {.id = "two", .name = "two", .triggers = {ING_EVENT("t/two"), ING_CRON("*/5 * * * *")},
     .handler = two_steps},
};
static const struct ing_app sweep_app = {.default_app_id = "sweep", .functions = sweep_fns,
                                         .function_count = ING_COUNT(sweep_fns)};

struct outcome {
    bool refused;
    int status;
    char body[8192];
    size_t body_len;
    char signature[160];
};

/* One request with allocation number fail_at failing (0: none).  Copies the
 * answer without allocating, while the interposer is still armed, because
 * releasing the request may allocate too. */
static unsigned long serve_once(const struct scenario *sc, struct server *srv,
                                unsigned long fail_at, struct outcome *out)
{
    char m[32], q[256], sig[200], host[] = "HTTP_HOST=127.0.0.1:3000";
    snprintf(m, sizeof(m), "REQUEST_METHOD=%s", sc->method);
    snprintf(q, sizeof(q), "QUERY_STRING=%s", sc->query);
    const char *body = sc->body ? sc->body : "";
    char mac[65];
    sig_compute("signkey-test-12345678", body, strlen(body), 1800000000, mac);
    snprintf(sig, sizeof(sig), "HTTP_X_INNGEST_SIGNATURE=t=1800000000&s=%s", mac);
    char *params[8];
    int k = 0;
    params[k++] = m;
    params[k++] = q;
    params[k++] = "DOCUMENT_URI=/api/inngest";
    params[k++] = host;
    if (sc->param)
        params[k++] = (char *)sc->param;
    if (sc->cloud)
        params[k++] = sig;
    params[k] = NULL;
    memset(out, 0, sizeof(*out));

    alloc_fail_arm(fail_at);
    struct request req;
    request_init(&req, params);
    req.body = body;
    req.body_len = strlen(body);
    struct ing_ctx *c = ctx_new(srv);
    if (!c) {
        out->refused = true;
    } else {
        struct response res = {0};
        router_serve(c, &req, &res);
        out->status = res.status;
        out->body_len = res.body_len;
        if (res.body && res.body_len < sizeof(out->body))
            memcpy(out->body, res.body, res.body_len);
        const char *h = response_get_header(&res, "X-Inngest-Signature");
        if (h && strlen(h) < sizeof(out->signature))
            memcpy(out->signature, h, strlen(h) + 1);
        ctx_release(c);
    }
    return alloc_fail_disarm(); /* how many allocations the request made */
}

/* A 500 with a JSON object that says why. */
static bool is_error_answer(const struct outcome *o)
{
    if (o->status != 500 || o->body_len == 0 || o->body_len >= sizeof(o->body))
        return false;
    json_object *j = json_tokener_parse(o->body);
    bool ok = j && json_object_is_type(j, json_type_object) &&
              ing_json_get_string(j, "message") != NULL;
    json_object_put(j);
    return ok;
}

/* A 206 reporting the step asked for as a StepError: an allocation failed in
 * the step's own code (here while it builds its event), which fails the step
 * as any error of its code would (inngest.h: ing_alloc "fails the step"),
 * and the executor retries it.  StepFailed (no retry) would be wrong. */
static bool is_step_error(const struct outcome *o)
{
    if (o->status != 206 || o->body_len == 0 || o->body_len >= sizeof(o->body))
        return false;
    json_object *j = json_tokener_parse(o->body);
    json_object *op = j && json_object_is_type(j, json_type_array) &&
                              json_object_array_length(j) == 1
                          ? json_object_array_get_idx(j, 0)
                          : NULL;
    const char *kind = ing_json_get_string(op, "op");
    bool ok = kind && strcmp(kind, "StepError") == 0 &&
              ing_json_get_string(ing_json_get(op, "error"), "message") != NULL;
    json_object_put(j);
    return ok;
}

static bool leaked(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return __lsan_do_recoverable_leak_check() != 0;
#else
    return false; /* without ASan, valgrind's leak check at exit (make check-valgrind) */
#endif
}

static unsigned long sweep(const struct scenario *sc)
{
    struct fake_reply reply = {.status = 200, .body = sc->reply};
    struct fake_http *api = fake_http_start(&reply, 1);
    assert_non_null(api);
    snprintf(api_base, sizeof(api_base), "http://127.0.0.1:%d", fake_http_port(api));
    cloud = sc->cloud;
    struct server srv;
    char err[256];
    assert_true(server_init(&srv, &sweep_app, sweep_env, err, sizeof(err)));
    srv.now = clock_now;
    assert_true(server_init_worker(&srv));

    /* twice with enough memory: the first warms what libraries set up once */
    struct outcome want, got;
    serve_once(sc, &srv, 0, &want);
    unsigned long allocations = serve_once(sc, &srv, 0, &want);
    /* The first thing that goes wrong is reported after clean-up, so that one
     * failure does not leave the next scenario a leak of this one's. */
    static char problem[1024];
    problem[0] = '\0';
    if (want.refused || want.status != sc->status || (sc->cloud && !want.signature[0]))
        snprintf(problem, sizeof(problem), "%s: with enough memory: status %d (want %d), "
                 "signature \"%s\", body %.300s", sc->name, want.status, sc->status,
                 want.signature, want.body);
    else if (leaked())
        snprintf(problem, sizeof(problem), "%s: leaks with enough memory", sc->name);
    unsigned long points = 0, refused = 0, errors = 0, step_errors = 0, same = 0, spared = 0;
    for (unsigned long n = 1; !problem[0]; n++) {
        serve_once(sc, &srv, n, &got);
        if (alloc_fail_spared()) {
            spared++;
            continue;
        }
        if (!alloc_fail_fired())
            break; /* the request made fewer than n allocations: every point was failed */
        points++;
        if (got.refused) {
            refused++;
        } else if (is_error_answer(&got)) {
            errors++;
        } else if (is_step_error(&got)) {
            step_errors++;
        } else if (got.status == want.status && got.body_len == want.body_len &&
                   memcmp(got.body, want.body, want.body_len) == 0 &&
                   strcmp(got.signature, want.signature) == 0) {
            same++;
        } else {
            snprintf(problem, sizeof(problem),
                     "%s: allocation %lu failed: status %d, body %.*s, signature \"%s\" "
                     "(with enough memory: %d %.*s)", sc->name, n, got.status,
                     (int)(got.body_len < 400 ? got.body_len : 400), got.body, got.signature,
                     want.status, (int)(want.body_len < 400 ? want.body_len : 400), want.body);
        }
        if (!problem[0] && leaked())
            snprintf(problem, sizeof(problem),
                     "%s: allocation %lu failed: the request leaked (report above)", sc->name, n);
    }
    server_close_worker(&srv);
    fake_http_stop(api);
    fake_http_free(api);
    api_base[0] = '\0';
    cloud = false;
    if (problem[0])
        fail_msg("%s", problem);
    /* the sweep reached every allocation a request makes with enough memory */
    if (points + spared < allocations)
        fail_msg("%s: %lu points swept, but the request makes %lu allocations", sc->name,
                 points + spared, allocations);
    print_message("%s: %lu allocation points failed in turn: %lu refused, %lu answered 500, "
                  "%lu failed the step (StepError), %lu answered as with enough memory; "
                  "%lu spared (json-c 0.16 mishandles them)\n", sc->name, points, refused,
                  errors, step_errors, same, spared);
    return points;
}

static unsigned long swept_total;

/* Sweeps sc, which must have at least `min` allocation points to fail. */
static void sweep_at_least(const struct scenario *sc, unsigned long min)
{
    unsigned long n = sweep(sc);
    if (n < min)
        fail_msg("%s: %lu allocation points swept, want at least %lu", sc->name, n, min);
    swept_total += n;
}

/* A call body with step "a" memoized, for the event `name` with `data`
 * (a static buffer). */
static const char *memo_body(const char *run_id, const char *name, const char *data)
{
    char ha[41];
    ing_test_step_hash("a", 0, ha);
    static char body[1024];
    snprintf(body, sizeof(body),
             "{\"ctx\":{\"attempt\":0,\"max_attempts\":3,\"run_id\":\"%s\","
             "\"disable_immediate_execution\":true},\"event\":{\"name\":\"%s\",\"data\":%s},"
             "\"events\":[],\"steps\":{\"%s\":{\"data\":\"ran\"}},\"version\":2}",
             run_id, name, data, ha);
    return body;
}

/* "fnId=<fn>&stepId=<step b's hash>": step b is the one asked for, so it runs
 * (a static buffer). */
static const char *step_b_query(const char *fn)
{
    char hb[41];
    ing_test_step_hash("b", 0, hb);
    static char query[128];
    snprintf(query, sizeof(query), "fnId=%s&stepId=%s", fn, hb);
    return query;
}

static void test_every_allocation_point_of_a_call(void **s)
{
    (void)s;
    /* step b runs, and its event goes out */
    const struct scenario sc = {"signed call (step sends an event)", true, "POST",
                                step_b_query("sweep-send"), memo_body("r1", "t/send", "{}"),
                                "{\"ids\":[\"01HSWEEP\"],\"status\":200}", NULL, 206};
    sweep_at_least(&sc, 150); /* json-c, libcurl and OpenSSL are in: far more than our own */
}

static void test_every_allocation_point_of_a_fetch(void **s)
{
    (void)s;
    const struct scenario sc = {"signed call (step calls ing_http_fetch)", true, "POST",
                                step_b_query("sweep-fetch"), memo_body("r5", "t/fetch", "{}"),
                                "{\"received\":true}", NULL, 206};
    sweep_at_least(&sc, 100); /* libcurl and json-c are in */
}

static void test_every_allocation_point_of_planned_steps(void **s)
{
    (void)s;
    const struct scenario sc = {"signed call (wait, invoke and sleep planned together)", true,
                                "POST", "fnId=sweep-plans&stepId=step",
                                memo_body("r2", "t/plans", "{\"id\":7}"), "{}", NULL, 206};
    sweep_at_least(&sc, 100);
}

static void test_every_allocation_point_of_error_answers(void **s)
{
    (void)s;
    /* a NonRetriableError: 400 with the error's name and message */
    const struct scenario failed = {"signed call ending in a NonRetriableError", true, "POST",
                                    "fnId=sweep-refuses&stepId=step", memo_body("r3", "t/refuses", "{}"),
                                    "{}", NULL, 400};
    sweep_at_least(&failed, 50);
    /* a targeted step the run never reaches: 500 listing the steps found */
    const struct scenario lost = {"signed call for a step the run never reaches", true, "POST",
                                  "fnId=sweep-plans&stepId=0000000000000000000000000000000000000000",
                                  memo_body("r3", "t/plans", "{}"), "{}", NULL, 500};
    sweep_at_least(&lost, 50);
}

static void test_every_allocation_point_of_an_in_band_sync(void **s)
{
    (void)s;
    const struct scenario sc = {"signed in-band sync", true, "PUT", "",
                                "{\"url\":\"http://127.0.0.1:3000/api/inngest\"}", "{}",
                                "HTTP_X_INNGEST_SYNC_KIND=in_band", 200};
    sweep_at_least(&sc, 100);
}

static void test_every_allocation_point_of_a_sync(void **s)
{
    (void)s;
    const struct scenario sc = {"sync (registers with the API)", false, "PUT", "", NULL,
                                "{\"ok\":true,\"modified\":true}", NULL, 200};
    sweep_at_least(&sc, 150);
}

static void test_every_allocation_point_of_introspection(void **s)
{
    (void)s;
    const struct scenario sc = {"signed introspection", true, "GET", "", NULL, "{}", NULL, 200};
    sweep_at_least(&sc, 5); /* the answer was rendered at start-up: little is left to fail */
    print_message("allocation points failed in turn, all scenarios: %lu\n", swept_total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deep_nesting_is_refused),
        cmocka_unit_test(test_depth_within_bound_is_accepted),
        cmocka_unit_test(test_not_json_and_not_objects),
        cmocka_unit_test(test_unknown_and_missing_function),
        cmocka_unit_test(test_targeted_step_never_reached),
        cmocka_unit_test(test_targeted_step_runs_only_target),
        cmocka_unit_test(test_nested_steps_are_an_error),
        cmocka_unit_test(test_bad_signatures_in_cloud_mode),
        cmocka_unit_test(test_every_allocation_point_of_a_call),
        cmocka_unit_test(test_every_allocation_point_of_a_fetch),
        cmocka_unit_test(test_every_allocation_point_of_planned_steps),
        cmocka_unit_test(test_every_allocation_point_of_error_answers),
        cmocka_unit_test(test_every_allocation_point_of_a_sync),
        cmocka_unit_test(test_every_allocation_point_of_an_in_band_sync),
        cmocka_unit_test(test_every_allocation_point_of_introspection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
