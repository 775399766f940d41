/*
 * test_user_mistakes.c — what a user's mistakes in a function lead to, run
 * in-process with ing_test_call() (issue 20): a duration that is not one, an
 * empty step id, an event the Event API refuses, a parallel group never
 * ended, a NULL string;
 * and that ing_test_call sends events to the stand-in the test names.
 *
 * Each mistake must end the run at once (400, X-Inngest-No-Retry: true)
 * with a message naming what was wrong, instead of an op the server refuses
 * or a retry that can never succeed.
 */
#define _GNU_SOURCE /* setenv */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_http.h"
#include "inngest.h"
#include "run_answers.h"

/* ---- the functions under test --------------------------------------------- */

static json_object *bad_sleep(struct ing_ctx *c)
{
    ing_step_sleep(c, "nap", "3 seconds");
    return NULL;
}

static json_object *good_sleep(struct ing_ctx *c)
{
    ing_step_sleep(c, "nap", "1h30m");
    return NULL;
}

static json_object *bad_wait(struct ing_ctx *c)
{
    struct ing_wait w = {.event = "app/approved", .timeout = "forever"};
    ing_step_wait_for_event(c, "approval", &w);
    return NULL;
}

static json_object *bad_invoke_timeout(struct ing_ctx *c)
{
    ing_step_invoke(c, "child", ing_function_ref(c, "good-sleep"), NULL, "10");
    return NULL;
}

static json_object *unnamed_event(struct ing_ctx *c)
{
    json_object *e = ing_json_object(c);
    ing_json_set(e, "data", ing_json_object(c));
    return ing_step_send_event(c, "announce", e);
}

static json_object *send_one(struct ing_ctx *c)
{
    json_object *e = ing_json_object(c);
    ing_json_set(e, "name", ing_json_string(c, "app/announced"));
    ing_json_set(e, "data", ing_json_object(c));
    json_object *ids = ing_step_send_event(c, "announce", e);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "ids", ids);
    return out;
}

static json_object *step_value(struct ing_ctx *c, void *arg)
{
    return ing_json_string(c, arg);
}

static json_object *unbalanced_group(struct ing_ctx *c)
{
    ing_parallel_begin(c);
    ing_step_run(c, "a", step_value, "A");
    ing_step_run(c, "b", step_value, "B");
    return ing_json_object(c); /* no ing_parallel_end */
}

static json_object *null_string(struct ing_ctx *c)
{
    json_object *out = ing_json_object(c);
    ing_json_set(out, "missing", ing_json_string(c, ing_json_get_string(ing_event_data(c), "nope")));
    return out;
}

static json_object *empty_step_id(struct ing_ctx *c)
{
    return ing_step_run(c, "", step_value, "x");
}

static const struct ing_function functions[] = {
    {.id = "empty-step-id", .name = "empty step id", .triggers = {ING_EVENT("t/i")},
     .handler = empty_step_id},
    {.id = "bad-sleep", .name = "bad sleep", .triggers = {ING_EVENT("t/a")}, .handler = bad_sleep},
    {.id = "good-sleep", .name = "good sleep", .triggers = {ING_EVENT("t/b")}, .handler = good_sleep},
    {.id = "bad-wait", .name = "bad wait", .triggers = {ING_EVENT("t/c")}, .handler = bad_wait},
    {.id = "bad-invoke", .name = "bad invoke", .triggers = {ING_EVENT("t/d")},
     .handler = bad_invoke_timeout},
    {.id = "unnamed-event", .name = "unnamed event", .triggers = {ING_EVENT("t/e")},
     .handler = unnamed_event},
    {.id = "send-one", .name = "send one", .triggers = {ING_EVENT("t/f")}, .handler = send_one},
    {.id = "unbalanced", .name = "unbalanced", .triggers = {ING_EVENT("t/g")},
     .handler = unbalanced_group},
    {.id = "null-string", .name = "null string", .triggers = {ING_EVENT("t/h")},
     .handler = null_string},
};

static const struct ing_app app = {
    .default_app_id = "mistakes",
    .functions = functions,
    .function_count = ING_COUNT(functions),
};

/* ---- helpers ---------------------------------------------------------------- */

static void call(const char *fn, struct ing_test_result *r)
{
    run_call(&app, fn, "{\"name\":\"t/a\",\"data\":{}}", r);
}

/* The mistakes that end the run for good (400, NonRetriableError, no retry)
 * with a message naming what was wrong, one cmocka test each: the case (the
 * function and what its message must say) rides in the test's initial
 * state. */
struct final_error {
    const char *fn, *says;
};

static void test_final_error(void **state)
{
    const struct final_error *e = *state;
    struct ing_test_result r;
    call(e->fn, &r);
    expect_final_error(&r, e->fn, e->says);
    ing_test_result_free(&r);
}

#define final_error_test(name, fn, says)                                                  \
    {                                                                                     \
        #name, test_final_error, NULL, NULL, &(struct final_error) { fn, says }           \
    }

/* ---- durations (item 3) ----------------------------------------------------- */

static void test_sleep_with_a_good_duration_is_planned(void **s)
{
    (void)s;
    struct ing_test_result r;
    call("good-sleep", &r);
    json_object *op = expect_one_op(&r, "Sleep");
    assert_string_equal(ing_json_get_string(ing_json_get(op, "opts"), "duration"), "1h30m");
    ing_test_result_free(&r);
}

/* ---- events refused (item 4) ------------------------------------------------ */

static void test_event_without_a_name_fails_the_step_for_good(void **s)
{
    (void)s;
    /* refused before anything is sent: no Event API is named at all */
    unsetenv("INNGEST_EVENT_API_BASE_URL");
    unsetenv("INNGEST_BASE_URL");
    struct ing_test_result r;
    call("unnamed-event", &r);
    expect_step_failed(&r, "an event needs a non-empty \"name\"");
    ing_test_result_free(&r);
}

/* Runs send-one with the Event API's stand-in answering `reply`; returns the
 * stand-in, stopped (what it received stays readable). */
static struct fake_http *send_one_to(const struct fake_reply *reply, struct ing_test_result *r)
{
    struct fake_http *f = fake_http_serve("INNGEST_EVENT_API_BASE_URL", reply, 1);
    call("send-one", r);
    fake_http_stop(f);
    unsetenv("INNGEST_EVENT_API_BASE_URL");
    return f;
}

static void test_event_api_4xx_fails_the_step_with_its_message(void **s)
{
    (void)s;
    static const struct fake_reply refused = {
        .status = 400, .body = "{\"error\":\"event name is reserved for internal use\"}"};
    struct ing_test_result r;
    struct fake_http *f = send_one_to(&refused, &r);
    expect_step_failed(&r, "(HTTP 400): event name is reserved for internal use");
    assert_int_equal(fake_http_count(f), 1); /* a 4xx is not sent again */
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_event_api_5xx_stays_retriable(void **s)
{
    (void)s;
    static const struct fake_reply down = {.status = 503, .body = "{\"error\":\"try later\"}"};
    struct ing_test_result r;
    struct fake_http *f = send_one_to(&down, &r);
    expect_one_op(&r, "StepError");
    assert_false(r.no_retry);
    fake_http_free(f);
    ing_test_result_free(&r);
}

/* ---- sendEvent from a test, against a stand-in (item 9) ---------------------- */

static void test_send_event_reaches_the_stand_in(void **s)
{
    (void)s;
    static const struct fake_reply ok = {.status = 200,
                                         .body = "{\"ids\":[\"01EVENTID\"],\"status\":200}"};
    struct ing_test_result r;
    struct fake_http *f = send_one_to(&ok, &r);
    json_object *op = expect_one_op(&r, "StepRun");
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(op, "data"), JSON_C_TO_STRING_PLAIN),
                        "{\"ids\":[\"01EVENTID\"]}");
    assert_int_equal(fake_http_count(f), 1);
    const struct fake_request *req = fake_http_request(f, 0);
    assert_string_equal(req->method, "POST");
    assert_string_equal(req->target, "/e/NO_EVENT_KEY_SET");
    assert_non_null(strstr(req->body, "\"name\":\"app/announced\""));
    fake_http_free(f);
    ing_test_result_free(&r);
}

/* ---- an open parallel group, a NULL string (item 5) --------------------------- */

static void test_null_string_is_json_null(void **s)
{
    (void)s;
    struct ing_test_result r;
    call("null-string", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"missing\":null}");
    ing_test_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        final_error_test(test_sleep_with_a_bad_duration_fails_naming_it, "bad-sleep",
                         "step.sleep \"nap\": duration \"3 seconds\" is not an Inngest duration"),
        cmocka_unit_test(test_sleep_with_a_good_duration_is_planned),
        final_error_test(test_wait_with_a_bad_timeout_fails_naming_it, "bad-wait",
                         "step.waitForEvent \"approval\": timeout \"forever\" is not"),
        final_error_test(test_invoke_with_a_bad_timeout_fails_naming_it, "bad-invoke",
                         "step.invoke \"child\": timeout \"10\" is not"),
        final_error_test(test_empty_step_id_fails_the_run, "empty-step-id",
                         "a step needs a non-empty id"),
        cmocka_unit_test(test_event_without_a_name_fails_the_step_for_good),
        cmocka_unit_test(test_event_api_4xx_fails_the_step_with_its_message),
        cmocka_unit_test(test_event_api_5xx_stays_retriable),
        cmocka_unit_test(test_send_event_reaches_the_stand_in),
        final_error_test(test_unended_parallel_group_is_reported, "unbalanced",
                         "ing_parallel_begin without ing_parallel_end"),
        cmocka_unit_test(test_null_string_is_json_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
