/*
 * test_sdk_misuse.c — what a function gets when it uses the step API wrongly
 * (a wait without an event or timeout, an invoke without a function id or
 * with a payload that is not an object, nested or unbalanced parallel
 * groups), and the two error forms no other test raises: a retry at a given
 * time and a caught step error re-raised.  A step's options that cannot be
 * right on any attempt (no event name, no timeout, no function id) fail the
 * run at once, without retries (400, a NonRetriableError naming the step, as
 * durations do: issue 20); an unbalanced parallel group answers 500 naming
 * it.  Nothing is planned for the executor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "inngest.h"
#include "run_answers.h"

static json_object *wait_without_event(struct ing_ctx *c)
{
    struct ing_wait w = {.event = "", .timeout = "1h"};
    return ing_step_wait_for_event(c, "approval", &w);
}

static json_object *wait_without_timeout(struct ing_ctx *c)
{
    struct ing_wait w = {.event = "app/approved"};
    return ing_step_wait_for_event(c, "approval", &w);
}

static json_object *wait_without_options(struct ing_ctx *c)
{
    return ing_step_wait_for_event(c, "approval", NULL);
}

static json_object *invoke_without_function(struct ing_ctx *c)
{
    return ing_step_invoke(c, "child", "", NULL, NULL);
}

static json_object *invoke_with_array_payload(struct ing_ctx *c)
{
    json_object *payload = ing_json_array(c);
    return ing_step_invoke(c, "child", "app-child", payload, NULL);
}

static json_object *nested_parallel(struct ing_ctx *c)
{
    ing_parallel_begin(c);
    ing_parallel_begin(c);
    return NULL;
}

static json_object *parallel_end_alone(struct ing_ctx *c)
{
    ing_parallel_end(c);
    return NULL;
}

static json_object *retry_at(struct ing_ctx *c)
{
    ing_fail_retry_at(c, (time_t)1767225600, "the API is closed until the new year"); /* 2026-01-01T00:00:00Z */
}

static json_object *re_raise(struct ing_ctx *c)
{
    struct ing_error e = {.name = "QuotaError", .message = "out of quota"};
    ing_fail_with(c, &e, false);
}

static json_object *re_raise_retriable_unnamed(struct ing_ctx *c)
{
    ing_fail_with(c, NULL, true);
}

#define FN(ident, fn) {.id = ident, .name = ident, .triggers = {{.event = "test/misuse"}}, .handler = fn}
static const struct ing_function functions[] = {
    FN("wait-without-event", wait_without_event),
    FN("wait-without-timeout", wait_without_timeout),
    FN("wait-without-options", wait_without_options),
    FN("invoke-without-function", invoke_without_function),
    FN("invoke-with-array-payload", invoke_with_array_payload),
    FN("nested-parallel", nested_parallel),
    FN("parallel-end-alone", parallel_end_alone),
    FN("retry-at", retry_at),
    FN("re-raise", re_raise),
    FN("re-raise-retriable-unnamed", re_raise_retriable_unnamed),
};
static const struct ing_app app = {.default_app_id = "misuse", .functions = functions,
                                   .function_count = ING_COUNT(functions)};

static const char *event = "{\"name\":\"test/misuse\",\"data\":{},\"id\":\"01JEVT000000000000000000MS\",\"ts\":1700000000000}";

/* Calls fn once; returns the answer (caller frees). */
static struct ing_test_result call(const char *fn)
{
    struct ing_test_result r;
    run_call(&app, fn, event, &r);
    return r;
}

static void expect_sdk_error(const char *fn, const char *message_part)
{
    struct ing_test_result r = call(fn);
    expect_message(&r, fn, 500, message_part);
    assert_false(r.no_retry); /* a bug fixed by a deploy may pass on the next attempt */
    ing_test_result_free(&r);
}

/* A step option no retry can fix: 400, NonRetriableError, no retry. */
static void expect_option_error(const char *fn, const char *message_part)
{
    struct ing_test_result r = call(fn);
    expect_final_error(&r, fn, message_part);
    ing_test_result_free(&r);
}

static void test_wait_for_event_needs_event_and_timeout(void **state)
{
    (void)state;
    expect_option_error("wait-without-event", "step.waitForEvent \"approval\" needs an event name");
    expect_option_error("wait-without-timeout", "step.waitForEvent \"approval\" needs a timeout");
    expect_option_error("wait-without-options", "step.waitForEvent \"approval\" needs an event name");
}

static void test_invoke_needs_function_and_object_payload(void **state)
{
    (void)state;
    expect_option_error("invoke-without-function", "step.invoke \"child\" needs a function id");
    expect_option_error("invoke-with-array-payload", "step.invoke \"child\": the payload must be an object");
}

static void test_parallel_groups_balance(void **state)
{
    (void)state;
    expect_sdk_error("nested-parallel", "parallel groups cannot nest");
    expect_sdk_error("parallel-end-alone", "ing_parallel_end without ing_parallel_begin");
}

static void test_retry_at_a_time(void **state)
{
    (void)state;
    struct ing_test_result r = call("retry-at");
    assert_int_equal(r.status, 500);
    assert_false(r.no_retry);
    assert_string_equal(r.retry_after, "2026-01-01T00:00:00.000Z");
    assert_string_equal(ing_json_get_string(r.json, "name"), "RetryAfterError");
    assert_string_equal(ing_json_get_string(r.json, "message"), "the API is closed until the new year");
    ing_test_result_free(&r);
}

static void test_re_raised_error(void **state)
{
    (void)state;
    struct ing_test_result r = call("re-raise");
    assert_int_equal(r.status, 400); /* non-retriable */
    assert_true(r.no_retry);
    assert_string_equal(ing_json_get_string(r.json, "name"), "QuotaError");
    assert_string_equal(ing_json_get_string(r.json, "message"), "out of quota");
    ing_test_result_free(&r);

    r = call("re-raise-retriable-unnamed");
    assert_int_equal(r.status, 500);
    assert_false(r.no_retry);
    assert_string_equal(ing_json_get_string(r.json, "name"), "Error");
    assert_string_equal(ing_json_get_string(r.json, "message"), "failed");
    ing_test_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait_for_event_needs_event_and_timeout),
        cmocka_unit_test(test_invoke_needs_function_and_object_payload),
        cmocka_unit_test(test_parallel_groups_balance),
        cmocka_unit_test(test_retry_at_a_time),
        cmocka_unit_test(test_re_raised_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
