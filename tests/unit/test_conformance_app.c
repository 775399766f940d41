/*
 * test_conformance_app.c — every conformance function (functions/README.md §1)
 * driven to its end in-process with ing_test_run(), the SDK's executor
 * stand-in: it memoizes each StepRun, answers planned steps with targeted
 * calls, resumes sleeps with null and waits with an event or null, and
 * retries a StepError with the next attempt.  The outputs asserted here are
 * the ones other test suites depend on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inngest.h"
#include "run_answers.h"

/* The run, played by the SDK's own executor stand-in (ing_test_run): every
 * waitForEvent gets wait_match (or times out), every invoke returns
 * {"result":"AB"}. */
static void drive(struct ing_test_run_result *d, const char *fn, const char *event, json_object *wait_match)
{
    struct ing_test_run_options o = {.event = event,
                                     .wait_result = wait_match ? json_object_to_json_string(wait_match) : NULL,
                                     .invoke_result = "{\"result\":\"AB\"}"};
    if (ing_test_run(&ing_app_definition, fn, &o, d) != 0)
        fail_msg("%s: the run did not end (see stderr)", fn);
}

/* A run that ends for good: 400, no retry. */
static void drive_to_final_error(struct ing_test_run_result *d, const char *fn, const char *event)
{
    drive(d, fn, event, NULL);
    assert_int_equal(d->status, 400);
    assert_true(d->no_retry);
}

static void expect_result(const char *fn, const char *event, json_object *wait_match,
                          const char *want, int want_calls)
{
    struct ing_test_run_result d;
    drive(&d, fn, event, wait_match);
    assert_int_equal(d.status, 200);
    json_object *w = json_tokener_parse(want);
    if (!json_object_equal(w, d.output))
        fail_msg("%s: want %s, got %s", fn, want, json_object_to_json_string(d.output));
    if (want_calls)
        assert_int_equal(d.calls, want_calls);
    json_object_put(w);
    ing_test_run_free(&d);
}

/* The runs that need no event and no wait match, one cmocka test each: the
 * case rides in the test's initial state. */
struct run_case {
    const char *fn, *want;
    int want_calls; /* 0: any */
};

static void test_run_case(void **state)
{
    const struct run_case *c = *state;
    expect_result(c->fn, NULL, NULL, c->want, c->want_calls);
}

#define run_case_test(name, fn, want, calls)                                                    \
    {                                                                                      \
        #name, test_run_case, NULL, NULL, &(struct run_case) { fn, want, calls }           \
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
    run_call(&ing_app_definition, "conf-parallel", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(json_object_array_length(r.json), 2); /* planned together, none run */
    for (int i = 0; i < 2; i++)
        assert_string_equal(ing_json_get_string(json_object_array_get_idx(r.json, i), "op"), "StepPlanned");
    ing_test_result_free(&r);
    expect_result("conf-parallel", NULL, NULL, "{\"left\":\"L\",\"right\":\"R\"}", 0);
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

/* the executor stores a resumed signal wait as {"data":{"signal","data"}}, a timed-out one as
 * null; ing_test_run wraps wait_result in "data" itself */
static void test_signal(void **s)
{
    (void)s;
    json_object *resumed = json_tokener_parse("{\"signal\":\"s1\",\"data\":{\"ok\":true}}");
    expect_result("conf-signal", "{\"name\":\"conf/signal\",\"data\":{\"signal\":\"s1\"}}", resumed,
                  "{\"timed_out\":false,\"data\":{\"ok\":true}}", 0);
    json_object_put(resumed);
    expect_result("conf-signal", "{\"name\":\"conf/signal\",\"data\":{\"signal\":\"s1\",\"timeout\":\"2s\"}}",
                  NULL, "{\"timed_out\":true,\"data\":null}", 0);
    struct ing_test_run_result d;
    /* no signal name: fails at once, for good */
    drive_to_final_error(&d, "conf-signal", "{\"name\":\"conf/signal\",\"data\":{}}");
    ing_test_run_free(&d);
}

static void test_nonretriable(void **s)
{
    (void)s;
    struct ing_test_run_result d;
    drive_to_final_error(&d, "conf-nonretriable", NULL);
    assert_string_equal(ing_json_get_string(d.output, "message"), "bad input");
    ing_test_run_free(&d);
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

static void test_failure_and_handler(void **s)
{
    (void)s;
    struct ing_test_run_result d;
    drive_to_final_error(&d, "conf-failure", NULL); /* retried once, then final */
    assert_int_equal(d.calls, 2);
    ing_test_run_free(&d);

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
    run_call(&ing_app_definition, "conf-send", NULL, &r);
    expect_one_op(&r, "StepError");
    assert_false(r.no_retry);
    ing_test_result_free(&r);
}

/* ing_test_run's record of the run: each call's answer with the step it
 * targeted, every op, the memoized state; and its refusals. */
static void test_run_records_every_call(void **s)
{
    (void)s;
    struct ing_test_run_result d;
    drive(&d, "conf-parallel", NULL, NULL);
    assert_int_equal(d.status, 200);
    assert_int_equal(d.calls, 4); /* discovery (2 planned), each planned step, the return */
    assert_int_equal(json_object_array_length(d.answers), 4);
    json_object *first = json_object_array_get_idx(d.answers, 0);
    assert_int_equal(json_object_get_int(ing_json_get(first, "status")), 206);
    assert_null(ing_json_get(first, "step_id"));
    for (int i = 1; i <= 2; i++) {
        json_object *targeted = json_object_array_get_idx(d.answers, (size_t)i);
        const char *planned = ing_json_get_string(json_object_array_get_idx(ing_json_get(first, "body"), (size_t)i - 1), "id");
        assert_non_null(planned);
        assert_string_equal(ing_json_get_string(targeted, "step_id"), planned);
        assert_non_null(ing_json_get(d.steps, planned));
    }
    assert_int_equal(json_object_array_length(d.ops), 4); /* 2 StepPlanned, 2 StepRun */
    ing_test_run_free(&d);

    /* a StepError retried: the attempt each call carried */
    drive(&d, "conf-retry", NULL, NULL);
    assert_int_equal(d.status, 200);
    int attempts_seen = 0;
    for (size_t i = 0; i < json_object_array_length(d.answers); i++)
        attempts_seen += json_object_get_int(ing_json_get(json_object_array_get_idx(d.answers, i), "attempt")) > 0;
    assert_true(attempts_seen > 0);
    ing_test_run_free(&d);

    struct ing_test_run_options o = {.event = "{\"name\":\"conf/loop\",\"data\":{\"n\":5}}", .max_calls = 2};
    assert_int_equal(ing_test_run(&ing_app_definition, "conf-loop", &o, &d), -1); /* did not end */
    assert_int_equal(d.calls, 2);
    ing_test_run_free(&d);

    o = (struct ing_test_run_options){.wait_result = "{not json"};
    assert_int_equal(ing_test_run(&ing_app_definition, "conf-wait", &o, &d), -1);
    ing_test_run_free(&d);
    o = (struct ing_test_run_options){.wait_result = "{} {}"}; /* text after the value */
    assert_int_equal(ing_test_run(&ing_app_definition, "conf-wait", &o, &d), -1);
    ing_test_run_free(&d);
    o = (struct ing_test_run_options){.wait_result = " null\n"}; /* null is the timeout */
    assert_int_equal(ing_test_run(&ing_app_definition, "conf-wait", &o, &d), 0);
    assert_int_equal(d.status, 200);
    assert_true(json_object_is_type(ing_json_get(d.output, "approved"), json_type_null));
    assert_int_equal(json_object_object_length(d.output), 1);
    ing_test_run_free(&d);
    assert_int_equal(ing_test_run(&ing_app_definition, "no-such-function", NULL, &d), 0);
    assert_true(d.status >= 400); /* the SDK's own answer for an unknown function */
    ing_test_run_free(&d);
    assert_int_equal(ing_test_run(&ing_app_definition, NULL, NULL, &d), -1);
    ing_test_run_free(&d);
}

/* A result the test supplies wins over the default (here: a wait that
 * matched, given per step). */
static const char *approve(void *arg, json_object *op)
{
    int *seen = arg;
    if (strcmp(ing_json_get_string(op, "op"), "WaitForEvent") != 0)
        return NULL;
    (*seen)++;
    return "{\"data\":{\"name\":\"conf/approve\",\"data\":{\"id\":\"y\"}}}";
}

static void test_run_supply(void **s)
{
    (void)s;
    int seen = 0;
    struct ing_test_run_result d;
    struct ing_test_run_options o = {.event = "{\"name\":\"conf/wait\",\"data\":{\"id\":\"y\"}}",
                                     .supply = approve, .supply_arg = &seen};
    assert_int_equal(ing_test_run(&ing_app_definition, "conf-wait", &o, &d), 0);
    assert_int_equal(d.status, 200);
    assert_int_equal(seen, 1);
    assert_string_equal(ing_json_get_string(ing_json_get(ing_json_get(d.output, "approved"), "data"), "id"), "y");
    ing_test_run_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        run_case_test(test_steps, "conf-steps", "{\"result\":\"AB\"}", 3),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_loop_ids_repeat),
        cmocka_unit_test(test_parallel),
        run_case_test(test_sleep, "conf-sleep", "{\"after\":\"woke\"}", 0),
        cmocka_unit_test(test_wait),
        run_case_test(test_invoke, "conf-invoke", "{\"invoked\":{\"result\":\"AB\"}}", 0),
        run_case_test(test_retry, "conf-retry", "{\"flaky\":\"ok\"}", 0),
        cmocka_unit_test(test_nonretriable),
        cmocka_unit_test(test_retry_after),
        run_case_test(test_step_error, "conf-step-error", "{\"recovered\":\"boom\"}", 2),
        cmocka_unit_test(test_failure_and_handler),
        cmocka_unit_test(test_send_without_event_api_fails_retriably),
        cmocka_unit_test(test_run_records_every_call),
        cmocka_unit_test(test_run_supply),
        cmocka_unit_test(test_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
