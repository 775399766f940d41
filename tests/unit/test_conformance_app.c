/*
 * test_conformance_app.c — every conformance function (functions/README.md §1)
 * driven to its end in-process with ing_test_call(), by a small loop that
 * plays the executor: it memoizes each StepRun, answers planned steps with
 * targeted calls, resumes sleeps with null and waits with an event or null,
 * and retries a StepError with the next attempt.  The outputs asserted here
 * are the ones other test suites depend on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inngest.h"

struct drive {
    json_object *steps;        /* memoized state, as the executor keeps it */
    int calls;
    int status;                /* of the final answer */
    json_object *result;       /* final body (owned) */
    bool no_retry;
    char retry_after[64];
};

static void memoize(struct drive *d, const char *id, json_object *value)
{
    json_object_object_add(d->steps, id, value);
}

static json_object *wrap(const char *key, json_object *v)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, key, v);
    return o;
}

/* One call; returns the parsed answer (owned by the caller). */
static json_object *call(struct drive *d, const char *fn, const char *event, const char *step_id,
                         int attempt, bool die, struct ing_test_result *out)
{
    struct ing_test_options o = {.event = event,
                                 .steps = json_object_to_json_string_ext(d->steps, JSON_C_TO_STRING_PLAIN),
                                 .step_id = step_id, .attempt = attempt,
                                 .disable_immediate_execution = die};
    assert_int_equal(ing_test_call(&ing_app_definition, fn, &o, out), 0);
    d->calls++;
    return out->json;
}

/* Plays the executor until the run ends (200 or an error answer). */
static void drive(struct drive *d, const char *fn, const char *event, json_object *wait_match)
{
    memset(d, 0, sizeof(*d));
    d->steps = json_object_new_object();
    int attempt = 0;
    for (int round = 0; round < 200; round++) {
        struct ing_test_result r;
        json_object *body = call(d, fn, event, NULL, attempt, false, &r);
        if (r.status != 206) {
            d->status = r.status;
            d->result = json_object_get(body);
            d->no_retry = r.no_retry;
            snprintf(d->retry_after, sizeof(d->retry_after), "%s", r.retry_after);
            ing_test_result_free(&r);
            if (d->status >= 500 && !d->no_retry && attempt < 5) {
                attempt++;
                json_object_put(d->result);
                continue;
            }
            return;
        }
        size_t n = json_object_array_length(body);
        bool retry = false;
        for (size_t i = 0; i < n; i++) {
            json_object *op = json_object_array_get_idx(body, i);
            const char *code = ing_json_get_string(op, "op");
            const char *id = ing_json_get_string(op, "id");
            if (strcmp(code, "StepRun") == 0) {
                memoize(d, id, wrap("data", json_object_get(ing_json_get(op, "data"))));
                attempt = 0;
            } else if (strcmp(code, "StepError") == 0) {
                retry = true;
            } else if (strcmp(code, "StepFailed") == 0) {
                memoize(d, id, wrap("error", json_object_get(ing_json_get(op, "error"))));
                attempt = 0;
            } else if (strcmp(code, "Sleep") == 0) {
                memoize(d, id, NULL);
            } else if (strcmp(code, "WaitForEvent") == 0 || strcmp(code, "WaitForSignal") == 0) {
                memoize(d, id, json_object_get(wait_match));
            } else if (strcmp(code, "InvokeFunction") == 0) {
                memoize(d, id, wrap("data", json_tokener_parse("{\"result\":\"AB\"}")));
            } else if (strcmp(code, "StepPlanned") == 0) {
                struct ing_test_result t;
                json_object *tb = call(d, fn, event, id, 0, true, &t);
                assert_int_equal(t.status, 206);
                json_object *top = json_object_array_get_idx(tb, 0);
                assert_string_equal(ing_json_get_string(top, "id"), id);
                memoize(d, id, wrap("data", json_object_get(ing_json_get(top, "data"))));
                ing_test_result_free(&t);
            }
        }
        attempt = retry ? attempt + 1 : 0;
        ing_test_result_free(&r);
    }
    fail_msg("%s did not finish in 200 rounds", fn);
}

static void drive_free(struct drive *d)
{
    json_object_put(d->steps);
    json_object_put(d->result);
}

static void expect_result(const char *fn, const char *event, json_object *wait_match,
                          const char *want, int want_calls)
{
    struct drive d;
    drive(&d, fn, event, wait_match);
    assert_int_equal(d.status, 200);
    json_object *w = json_tokener_parse(want);
    if (!json_object_equal(w, d.result))
        fail_msg("%s: want %s, got %s", fn, want, json_object_to_json_string(d.result));
    if (want_calls)
        assert_int_equal(d.calls, want_calls);
    json_object_put(w);
    drive_free(&d);
}

static void test_steps(void **s)
{
    (void)s;
    expect_result("conf-steps", NULL, NULL, "{\"result\":\"AB\"}", 3);
}

static void test_loop(void **s)
{
    (void)s;
    expect_result("conf-loop", "{\"name\":\"conf/loop\",\"data\":{\"n\":5}}", NULL, "{\"sum\":10}", 6);
    expect_result("conf-loop", "{\"name\":\"conf/loop\",\"data\":{\"n\":0}}", NULL, "{\"sum\":0}", 1);
}

static void test_loop_ids_repeat(void **s)
{
    (void)s;
    char h0[41], h2[41];
    ing_test_step_hash("item", 0, h0);
    ing_test_step_hash("item", 2, h2);
    char steps[512];
    char h1[41];
    ing_test_step_hash("item", 1, h1);
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":0},\"%s\":{\"data\":1}}", h0, h1);
    struct ing_test_result r;
    struct ing_test_options o = {.event = "{\"name\":\"conf/loop\",\"data\":{\"n\":3}}", .steps = steps};
    assert_int_equal(ing_test_call(&ing_app_definition, "conf-loop", &o, &r), 0);
    assert_int_equal(r.status, 206);
    json_object *op = json_object_array_get_idx(r.json, 0);
    assert_string_equal(ing_json_get_string(op, "id"), h2);
    assert_int_equal(json_object_get_int(ing_json_get(op, "data")), 2);
    ing_test_result_free(&r);
}

static void test_parallel(void **s)
{
    (void)s;
    struct ing_test_result r;
    struct ing_test_options o = {0};
    assert_int_equal(ing_test_call(&ing_app_definition, "conf-parallel", &o, &r), 0);
    assert_int_equal(r.status, 206);
    assert_int_equal(json_object_array_length(r.json), 2); /* planned together, none run */
    for (int i = 0; i < 2; i++)
        assert_string_equal(ing_json_get_string(json_object_array_get_idx(r.json, i), "op"), "StepPlanned");
    ing_test_result_free(&r);
    expect_result("conf-parallel", NULL, NULL, "{\"left\":\"L\",\"right\":\"R\"}", 0);
}

static void test_sleep(void **s)
{
    (void)s;
    expect_result("conf-sleep", NULL, NULL, "{\"after\":\"woke\"}", 0);
}

static void test_wait(void **s)
{
    (void)s;
    json_object *ev = json_tokener_parse(
        "{\"name\":\"conf/approve\",\"data\":{\"id\":\"x\"},\"id\":\"01E\",\"ts\":1,\"user\":{}}");
    expect_result("conf-wait", "{\"name\":\"conf/wait\",\"data\":{\"id\":\"x\"}}", ev,
                  "{\"approved\":{\"name\":\"conf/approve\",\"data\":{\"id\":\"x\"},\"id\":\"01E\",\"ts\":1,\"user\":{}}}", 0);
    json_object_put(ev);
    expect_result("conf-wait", "{\"name\":\"conf/wait\",\"data\":{\"id\":\"x\"}}", NULL,
                  "{\"approved\":null}", 0);
}

/* the executor stores a resumed signal wait as {"data":{"signal","data"}}, a timed-out one as null */
static void test_signal(void **s)
{
    (void)s;
    json_object *resumed = json_tokener_parse("{\"data\":{\"signal\":\"s1\",\"data\":{\"ok\":true}}}");
    expect_result("conf-signal", "{\"name\":\"conf/signal\",\"data\":{\"signal\":\"s1\"}}", resumed,
                  "{\"timed_out\":false,\"data\":{\"ok\":true}}", 0);
    json_object_put(resumed);
    expect_result("conf-signal", "{\"name\":\"conf/signal\",\"data\":{\"signal\":\"s1\",\"timeout\":\"2s\"}}",
                  NULL, "{\"timed_out\":true,\"data\":null}", 0);
    struct drive d;
    drive(&d, "conf-signal", "{\"name\":\"conf/signal\",\"data\":{}}", NULL);
    assert_int_equal(d.status, 400); /* no signal name: fails at once, for good */
    assert_true(d.no_retry);
    drive_free(&d);
}

static void test_invoke(void **s)
{
    (void)s;
    expect_result("conf-invoke", NULL, NULL, "{\"invoked\":{\"result\":\"AB\"}}", 0);
}

static void test_retry(void **s)
{
    (void)s;
    expect_result("conf-retry", NULL, NULL, "{\"flaky\":\"ok\"}", 0);
}

static void test_nonretriable(void **s)
{
    (void)s;
    struct drive d;
    drive(&d, "conf-nonretriable", NULL, NULL);
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    assert_string_equal(ing_json_get_string(d.result, "message"), "bad input");
    drive_free(&d);
}

static void test_retry_after(void **s)
{
    (void)s;
    struct ing_test_result r;
    struct ing_test_options o = {0};
    assert_int_equal(ing_test_call(&ing_app_definition, "conf-retry-after", &o, &r), 0);
    assert_int_equal(r.status, 500);
    assert_false(r.no_retry);
    assert_string_equal(r.retry_after, "30");
    ing_test_result_free(&r);
    o.attempt = 1;
    assert_int_equal(ing_test_call(&ing_app_definition, "conf-retry-after", &o, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(json_object_get_boolean(ing_json_get(r.json, "retried")));
    ing_test_result_free(&r);
}

static void test_step_error(void **s)
{
    (void)s;
    expect_result("conf-step-error", NULL, NULL, "{\"recovered\":\"boom\"}", 2);
}

static void test_failure_and_handler(void **s)
{
    (void)s;
    struct drive d;
    drive(&d, "conf-failure", NULL, NULL);
    assert_int_equal(d.status, 400); /* retried once, then final */
    assert_true(d.no_retry);
    assert_int_equal(d.calls, 2);
    drive_free(&d);

    struct ing_test_result r;
    struct ing_test_options o = {.attempt = 1};
    assert_int_equal(ing_test_call(&ing_app_definition, "conf-failure", &o, &r), 0);
    assert_int_equal(r.status, 400); /* last of its 2 attempts */
    assert_true(r.no_retry);
    ing_test_result_free(&r);

    o = (struct ing_test_options){
        .event = "{\"name\":\"inngest/function.failed\",\"data\":{\"function_id\":"
                 "\"inngest-fcgi-conformance-conf-failure\",\"error\":{\"message\":\"conf-failure always fails\"}}}"};
    assert_int_equal(ing_test_call(&ing_app_definition, "conf-failure-failure", &o, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ing_json_get_string(r.json, "function_id"), "inngest-fcgi-conformance-conf-failure");
    assert_string_equal(ing_json_get_string(r.json, "error"), "conf-failure always fails");
    ing_test_result_free(&r);
}

static void test_send_without_event_api_fails_retriably(void **s)
{
    (void)s;
    struct ing_test_result r;
    struct ing_test_options o = {0};
    assert_int_equal(ing_test_call(&ing_app_definition, "conf-send", &o, &r), 0);
    assert_int_equal(r.status, 206);
    json_object *op = json_object_array_get_idx(r.json, 0);
    assert_string_equal(ing_json_get_string(op, "op"), "StepError");
    assert_false(r.no_retry);
    ing_test_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps),        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_loop_ids_repeat), cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_sleep),        cmocka_unit_test(test_wait),
        cmocka_unit_test(test_invoke),       cmocka_unit_test(test_retry),
        cmocka_unit_test(test_nonretriable), cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_step_error),   cmocka_unit_test(test_failure_and_handler),
        cmocka_unit_test(test_send_without_event_api_fails_retriably),
        cmocka_unit_test(test_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
