/*
 * test_conformance_durable.c — durable routes (handler/PROTOCOL.md §21) of
 * the conformance app through router_serve(), with a scripted local Inngest
 * API (fake_http): what we send to the checkpoint API for each path a
 * client's request can take (every step in time; a sleep; a failing step;
 * an error no retry fixes; an API that does not answer) and how the client
 * is answered; and the executor's later call (X-Run-ID): refused without a
 * valid signature in cloud mode, and answered (signed) from the state the
 * API holds: 206 for a new step, 200 with the value at the end.  ASan checks that nothing leaks when a
 * step unwinds the handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/context.h"
#include "core/request.h"
#include "core/response.h"
#include "core/signature.h"
#include "fake_http.h"
#include "protocol/router.h"
#include "serve_one.h"
#include "transport/server_setup.h"

extern const struct ing_app ing_app_definition;

#define KEY "signkey-test-0123456789abcdef"
#define RUN "01M92J8FTDF1AN2Q14K9DN9NS8"

static char api_base[64];
static char count_dir[64];
static bool cloud;

static const char *env(const char *name)
{
    if (strcmp(name, "INNGEST_BASE_URL") == 0)
        return api_base;
    if (strcmp(name, "INNGEST_DEV") == 0)
        return cloud ? "0" : "1";
    if (cloud && strcmp(name, "INNGEST_SIGNING_KEY") == 0)
        return KEY;
    if (cloud && strcmp(name, "INNGEST_SERVE_ORIGIN") == 0)
        return "https://app.example";
    if (strcmp(name, "INNGEST_EVENT_KEY") == 0)
        return "test-event-key-0123";
    return NULL;
}

struct call {
    struct fake_http *api;
    struct server srv;
    struct ing_ctx *ctx;
    struct response res;
    json_object *answer;
};

/* One request to `path` with `body` and extra CGI params (NULL-ended). */
static void call_run(struct call *x, const char *path, const char *body,
                     const struct fake_reply *replies, int count, char **extra)
{
    memset(x, 0, sizeof(*x));
    x->api = fake_http_start(replies, count);
    assert_non_null(x->api);
    snprintf(api_base, sizeof(api_base), "http://127.0.0.1:%d", fake_http_port(x->api));
    char err[512];
    if (!server_init(&x->srv, &ing_app_definition, env, err, sizeof(err)))
        fail_msg("server_init: %s", err);
    assert_true(server_init_worker(&x->srv));
    char p_uri[256], p_len[64];
    snprintf(p_uri, sizeof(p_uri), "DOCUMENT_URI=%s", path);
    snprintf(p_len, sizeof(p_len), "CONTENT_LENGTH=%zu", strlen(body));
    char *params[16] = {"REQUEST_METHOD=POST", p_uri, "QUERY_STRING=", p_len,
                        "HTTP_HOST=127.0.0.1:3939", "CONTENT_TYPE=application/json",
                        "REMOTE_ADDR=127.0.0.1"};
    int n = 7;
    for (char **e = extra; e && *e && n < 15; e++) {
        if (strncmp(*e, "QUERY_STRING=", 13) == 0)
            params[2] = *e; /* the first of a name is the one read */
        else
            params[n++] = *e;
    }
    params[n] = NULL;
    x->ctx = serve_one(&x->srv, params, body, x->api, &x->res, &x->answer);
    assert_non_null(x->ctx);
}

static void call_free(struct call *x)
{
    serve_one_free(&x->srv, x->api, x->ctx, x->answer);
}

/* Body i that we sent, parsed (the caller puts it), with its method and target checked. */
static json_object *sent(const struct call *x, int i, const char *method, const char *target)
{
    const struct fake_request *r = fake_http_request(x->api, i);
    assert_non_null(r);
    assert_string_equal(r->method, method);
    if (strcmp(r->target, target) != 0)
        fail_msg("request %d went to %s, want %s", i, r->target, target);
    json_object *b = r->body_len ? json_tokener_parse(r->body) : json_object_new_object();
    assert_non_null(b);
    return b;
}

static const char *op_field(json_object *body, int i, const char *key)
{
    return ing_json_get_string(json_object_array_get_idx(ing_json_get(body, "steps"), (size_t)i), key);
}

static void hash_of(const char *id, char out[41]) { sig_sha1_hex(id, strlen(id), out); }

static const char *header(const struct call *x, const char *name)
{
    return response_get_header(&x->res, name);
}

static const struct fake_reply created = {
    .status = 200,
    .body = "{\"data\":{\"fn_id\":\"f0000000-0000-0000-0000-000000000001\","
            "\"app_id\":\"a0000000-0000-0000-0000-000000000001\",\"run_id\":\"x\",\"token\":\"T.K+N\"}}"};
static const struct fake_reply ok = {.status = 200, .body = ""};

/* A client's request (dev mode: no signature) to `path`, answered `status`
 * after `calls` requests to the API (-1: not counted here). */
static void client_run(struct call *x, const char *path, const struct fake_reply *replies, int count,
                       char **extra, int status, int calls)
{
    cloud = false;
    call_run(x, path, "{}", replies, count, extra);
    assert_int_equal(x->res.status, status);
    if (calls >= 0)
        assert_int_equal(fake_http_count(x->api), calls);
}

/* The body of the first checkpoint, which creates the run (the caller puts it). */
static json_object *creation(const struct call *x) { return sent(x, 0, "POST", "/v1/checkpoint"); }

static void test_steps_in_time(void **s)
{
    (void)s;
    cloud = false;
    struct call x;
    const struct fake_reply replies[] = {created, ok};
    call_run(&x, "/api/durable/steps", "{\"name\":\"unit\"}", replies, 2, NULL);
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_object_to_json_string_ext(x.answer, JSON_C_TO_STRING_PLAIN),
                        "{\"result\":\"AB\",\"name\":\"unit\"}");
    assert_int_equal(fake_http_count(x.api), 3);
    /* 1: the run is created with the event and step a */
    json_object *b = sent(&x, 0, "POST", "/v1/checkpoint");
    char run[32];
    assert_non_null(ing_json_get_string(b, "run_id"));
    snprintf(run, sizeof(run), "%s", ing_json_get_string(b, "run_id"));
    assert_int_equal(strlen(run), 26);
    assert_string_equal(header(&x, "X-Inngest-Run-Id"), run);
    json_object *data = ing_json_get(ing_json_get(b, "event"), "data");
    assert_string_equal(ing_json_get_string(ing_json_get(b, "event"), "name"), "inngest/http.request");
    assert_string_equal(ing_json_get_string(data, "domain"), "http://127.0.0.1:3939");
    assert_string_equal(ing_json_get_string(data, "method"), "POST");
    assert_string_equal(ing_json_get_string(data, "path"), "/api/durable/steps");
    assert_string_equal(ing_json_get_string(data, "fn"), "/api/durable/steps");
    assert_string_equal(ing_json_get_string(data, "content_type"), "application/json");
    assert_string_equal(ing_json_get_string(data, "ip"), "127.0.0.1");
    /* base64 of {"name":"unit"}: Go reads the field as []byte */
    assert_string_equal(ing_json_get_string(data, "body"), "eyJuYW1lIjoidW5pdCJ9");
    int64_t retries = -1;
    assert_true(ing_json_get_int(b, "retries", &retries));
    assert_int_equal(retries, 4);
    char ha[41], hb[41], hc[41];
    hash_of("a", ha);
    hash_of("b", hb);
    hash_of("complete", hc);
    assert_string_equal(op_field(b, 0, "op"), "StepRun");
    assert_string_equal(op_field(b, 0, "id"), ha);
    json_object_put(b);
    /* 2: step b added to it, with the ids the creation answered */
    char target[128];
    snprintf(target, sizeof(target), "/v1/checkpoint/%s/steps", run);
    b = sent(&x, 1, "POST", target);
    assert_string_equal(ing_json_get_string(b, "fn_id"), "f0000000-0000-0000-0000-000000000001");
    assert_string_equal(ing_json_get_string(b, "app_id"), "a0000000-0000-0000-0000-000000000001");
    assert_string_equal(op_field(b, 0, "id"), hb);
    json_object_put(b);
    /* 3: the end, as the route's answer */
    b = sent(&x, 2, "POST", target);
    assert_string_equal(op_field(b, 0, "op"), "RunComplete");
    assert_string_equal(op_field(b, 0, "id"), hc);
    json_object *result = ing_json_get(json_object_array_get_idx(ing_json_get(b, "steps"), 0), "data");
    int64_t status = 0;
    assert_true(ing_json_get_int(result, "status", &status));
    assert_int_equal(status, 200);
    assert_string_equal(ing_json_get_string(result, "body"), "{\"result\":\"AB\",\"name\":\"unit\"}");
    json_object_put(b);
    call_free(&x);
}

static void test_sleep_goes_async(void **s)
{
    (void)s;
    struct call x;
    const struct fake_reply replies[] = {created, ok};
    client_run(&x, "/api/durable/sleep", replies, 2, NULL, 302, 2);
    json_object *b = creation(&x);
    const char *run = ing_json_get_string(b, "run_id");
    char want[256];
    /* the token is URL-encoded in the Location */
    snprintf(want, sizeof(want), "%s/v1/checkpoint/%s/output?token=T.K%%2BN", api_base, run);
    assert_string_equal(header(&x, "Location"), want);
    assert_string_equal(ing_json_get_string(x.answer, "output_url"), want);
    assert_string_equal(ing_json_get_string(x.answer, "status"), "running");
    assert_string_equal(op_field(b, 0, "displayName"), "before");
    json_object_put(b);
    char target[128];
    snprintf(target, sizeof(target), "/v1/checkpoint/%s/steps", ing_json_get_string(x.answer, "run_id"));
    b = sent(&x, 1, "POST", target);
    assert_string_equal(op_field(b, 0, "op"), "Sleep");
    assert_string_equal(op_field(b, 0, "displayName"), "nap");
    json_object_put(b);
    call_free(&x);
}

static void test_failing_step_goes_async(void **s)
{
    (void)s;
    struct call x;
    client_run(&x, "/api/durable/flaky", &created, 1, NULL, 302, 1);
    json_object *b = creation(&x);
    assert_string_equal(op_field(b, 0, "op"), "StepError");
    json_object *err = ing_json_get(json_object_array_get_idx(ing_json_get(b, "steps"), 0), "error");
    assert_string_equal(ing_json_get_string(err, "message"), "flaky on purpose (attempt 1)");
    int64_t retries = -1;
    assert_true(ing_json_get_int(b, "retries", &retries));
    assert_int_equal(retries, 3);
    json_object_put(b);
    call_free(&x);
}

static void test_rejected_ends_the_run(void **s)
{
    (void)s;
    struct call x;
    client_run(&x, "/api/durable/reject", &created, 1, NULL, 400, -1);
    assert_string_equal(ing_json_get_string(x.answer, "error"), "rejected on purpose");
    assert_string_equal(ing_json_get_string(x.answer, "name"), "NonRetriableError");
    json_object *b = creation(&x);
    assert_string_equal(op_field(b, 0, "op"), "RunComplete");
    int64_t status = 0;
    assert_true(ing_json_get_int(ing_json_get(json_object_array_get_idx(ing_json_get(b, "steps"), 0), "data"),
                                 "status", &status));
    assert_int_equal(status, 400);
    json_object_put(b);
    call_free(&x);
}

static void test_api_down(void **s)
{
    (void)s;
    struct call x;
    const struct fake_reply down = {.status = 503, .body = "{\"error\":\"down\"}"};
    /* three tries for step a, then nothing more: the client hears 503 */
    client_run(&x, "/api/durable/steps", &down, 1, NULL, 503, 3);
    assert_non_null(strstr(ing_json_get_string(x.answer, "error"), "answered 503"));
    call_free(&x);
}

/* A busy API (408, then 429 with Retry-After: 0) is tried again under the
 * one transient rule of every outbound call (outbound/retry.c): the third
 * try creates the run and the client still gets its 200. */
static void test_busy_api_is_tried_again(void **s)
{
    (void)s;
    struct call x;
    const struct fake_reply replies[] = {{.status = 408, .body = "{}"},
                                         {.status = 429, .body = "{}", .headers = "Retry-After: 0\r\n"},
                                         created, ok};
    client_run(&x, "/api/durable/steps", replies, 4, NULL, 200, 5);
    for (int i = 0; i < 3; i++)
        json_object_put(sent(&x, i, "POST", "/v1/checkpoint"));
    call_free(&x);
}

static void test_bad_query_refused(void **s)
{
    (void)s;
    struct call x;
    char *extra[] = {"QUERY_STRING=a=b c", NULL};
    client_run(&x, "/api/durable/steps", &ok, 1, extra, 400, 0);
    call_free(&x);
}

static void test_reentry_needs_signature(void **s)
{
    (void)s;
    cloud = true;
    struct call x;
    char *extra[] = {"HTTP_X_RUN_ID=" RUN, "HTTP_X_INNGEST_SIGNATURE=t=1&s=00", NULL};
    call_run(&x, "/api/durable/steps", "{}", &ok, 1, extra);
    assert_int_equal(x.res.status, 401);
    assert_int_equal(fake_http_count(x.api), 0); /* nothing loaded, nothing run */
    assert_non_null(header(&x, "X-Inngest-SDK"));
    call_free(&x);
}

static void test_reentry_completes(void **s)
{
    (void)s;
    cloud = true;
    char ha[41], hb[41], actions[256], sig[200], p_sig[256];
    hash_of("a", ha);
    hash_of("b", hb);
    snprintf(actions, sizeof(actions), "{\"%s\":\"A\",\"%s\":\"AB\"}", ha, hb);
    const struct fake_reply replies[] = {
        {.status = 200, .body = "[{\"name\":\"inngest/http.request\",\"data\":{\"path\":\"/api/durable/steps\"}}]"},
        {.status = 200, .body = actions}};
    const char *body = "{\"name\":\"again\"}";
    assert_true(sig_response_header(KEY, body, strlen(body), (long long)time(NULL), sig, sizeof(sig)));
    snprintf(p_sig, sizeof(p_sig), "HTTP_X_INNGEST_SIGNATURE=%s", sig);
    char *extra[] = {"HTTP_X_RUN_ID=" RUN, p_sig, NULL};
    struct call x;
    call_run(&x, "/api/durable/steps", body, replies, 2, extra);
    /* the classic end of a call: 200 with the value, which the server keeps
     * whole as the run's output (the body the client's redirect reads) */
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_object_to_json_string_ext(x.answer, JSON_C_TO_STRING_PLAIN),
                        "{\"result\":\"AB\",\"name\":\"again\"}");
    assert_non_null(header(&x, "X-Inngest-Signature")); /* signed, as every answer to Inngest */
    assert_non_null(header(&x, "X-Inngest-SDK"));
    assert_int_equal(fake_http_count(x.api), 2); /* the state, and nothing else */
    json_object_put(sent(&x, 0, "GET", "/v0/runs/" RUN "/batch"));
    json_object_put(sent(&x, 1, "GET", "/v0/runs/" RUN "/actions"));
    call_free(&x);
}

static void test_reentry_new_step_is_classic(void **s)
{
    (void)s;
    cloud = true;
    char ha[41], actions[128], sig[200], p_sig[256];
    hash_of("a", ha);
    snprintf(actions, sizeof(actions), "{\"%s\":\"A\"}", ha);
    const struct fake_reply replies[] = {
        {.status = 200, .body = "[{\"name\":\"inngest/http.request\",\"data\":{}}]"},
        {.status = 200, .body = actions}};
    assert_true(sig_response_header(KEY, "{}", 2, (long long)time(NULL), sig, sizeof(sig)));
    snprintf(p_sig, sizeof(p_sig), "HTTP_X_INNGEST_SIGNATURE=%s", sig);
    char *extra[] = {"HTTP_X_RUN_ID=" RUN, p_sig, NULL};
    struct call x;
    call_run(&x, "/api/durable/steps", "{}", replies, 2, extra);
    /* b runs and goes back in a 206, as in any call from the executor */
    assert_int_equal(x.res.status, 206);
    json_object *op = json_object_array_get_idx(x.answer, 0);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(ing_json_get_string(op, "displayName"), "b");
    assert_int_equal(fake_http_count(x.api), 2); /* no checkpoint from a reentry */
    call_free(&x);
}

int main(void)
{
    char tmpl[] = "/tmp/durable-unit-XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(count_dir, sizeof(count_dir), "%s", tmpl);
    setenv("CONF_DURABLE_DIR", count_dir, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_in_time),
        cmocka_unit_test(test_sleep_goes_async),
        cmocka_unit_test(test_failing_step_goes_async),
        cmocka_unit_test(test_rejected_ends_the_run),
        cmocka_unit_test(test_api_down),
        cmocka_unit_test(test_busy_api_is_tried_again),
        cmocka_unit_test(test_bad_query_refused),
        cmocka_unit_test(test_reentry_needs_signature),
        cmocka_unit_test(test_reentry_completes),
        cmocka_unit_test(test_reentry_new_step_is_classic),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", count_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", count_dir);
    return failed;
}
