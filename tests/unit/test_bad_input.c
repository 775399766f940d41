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

#include "context.h"
#include "inngest.h"
#include "limits.h"
#include "mem_alloc.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "server.h"
#include "signature.h"

static int body_runs;

static json_object *count_body(struct ing_ctx *c, void *arg)
{
    (void)arg;
    body_runs++;
    return ing_json_string(c, "ran");
}

static json_object *two_steps(struct ing_ctx *c)
{
    json_object *a = ing_step_run(c, "a", count_body, NULL);
    ing_step_run(c, "b", count_body, NULL);
    return a;
}

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
    struct ing_server srv;
    char err[256];
    assert_true(server_init(&srv, &app, env, err, sizeof(err)));
    srv.now = clock_now;
    char m[64], q[1024], sig[256];
    snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
    snprintf(q, sizeof(q), "QUERY_STRING=%s", query);
    snprintf(sig, sizeof(sig), "HTTP_X_INNGEST_SIGNATURE=%s", signature ? signature : "");
    char *params[] = {m, q, "DOCUMENT_URI=/api/inngest", "HTTP_HOST=localhost:1",
                      signature ? sig : NULL, NULL};
    struct ing_request req;
    request_init(&req, params);
    req.body = body;
    req.body_len = len;
    struct ing_ctx *c = ctx_new(&srv);
    assert_non_null(c);
    struct ing_response res = {0};
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
    size_t depth = 10000;
    char *b = malloc(depth * 2 + 64);
    size_t n = 0;
    for (size_t i = 0; i < depth; i++)
        b[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        b[n++] = ']';
    b[n] = '\0';
    struct answer a;
    serve("POST", "fnId=bad-two&stepId=step", b, n, NULL, &a);
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

static void test_allocation_failures_end_cleanly(void **s)
{
    (void)s;
    const char *b = "{\"ctx\":{},\"event\":{\"name\":\"t/two\",\"data\":{}},\"steps\":{}}";
    int clean = 0;
    for (unsigned long n = 1; n < 400; n++) {
        mem_fail_after(n);
        struct ing_server srv;
        char err[256];
        bool ok = server_init(&srv, &app, env, err, sizeof(err));
        mem_fail_reset();
        assert_true(ok);
        char *params[] = {"REQUEST_METHOD=POST", "QUERY_STRING=fnId=bad-two&stepId=step",
                          "DOCUMENT_URI=/api/inngest", NULL};
        struct ing_request req;
        request_init(&req, params);
        req.body = b;
        req.body_len = strlen(b);
        mem_fail_after(n);
        struct ing_ctx *c = ctx_new(&srv);
        if (!c) {
            mem_fail_reset();
            continue; /* the front answers 500 itself */
        }
        struct ing_response res = {0};
        router_serve(c, &req, &res);
        mem_fail_reset();
        assert_true(res.status == 206 || res.status == 500);
        if (res.status == 206)
            clean++;
        ctx_release(c);
    }
    assert_true(clean > 0); /* with enough memory the request succeeds */
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
        cmocka_unit_test(test_allocation_failures_end_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
