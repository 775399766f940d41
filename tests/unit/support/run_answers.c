/* run_answers.c — checks on ing_test_call() answers (run_answers.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "run_answers.h"

#include <string.h>

void run_call(const struct ing_app *app, const char *fn, const char *event, struct ing_test_result *r)
{
    struct ing_test_options o = {.event = event};
    if (ing_test_call(app, fn, &o, r) != 0)
        fail_msg("ing_test_call(%s) did not run", fn);
}

json_object *expect_one_op(const struct ing_test_result *r, const char *op)
{
    assert_int_equal(r->status, 206);
    assert_true(json_object_is_type(r->json, json_type_array));
    assert_int_equal(json_object_array_length(r->json), 1);
    json_object *first = json_object_array_get_idx(r->json, 0);
    if (op)
        assert_string_equal(ing_json_get_string(first, "op"), op);
    return first;
}

void expect_step_failed(const struct ing_test_result *r, const char *want)
{
    json_object *op = expect_one_op(r, "StepFailed");
    assert_true(r->no_retry);
    const char *message = ing_json_get_string(ing_json_get(op, "error"), "message");
    assert_non_null(message);
    if (!strstr(message, want))
        fail_msg("step error \"%s\" does not contain \"%s\"", message, want);
}

void expect_message(const struct ing_test_result *r, const char *fn, int status, const char *want)
{
    if (!fn)
        fn = "the call";
    if (r->status != status)
        fail_msg("%s: status %d, want %d (%s)", fn, r->status, status, r->body ? r->body : "");
    assert_non_null(r->json);
    const char *message = ing_json_get_string(r->json, "message");
    if (!message || !strstr(message, want))
        fail_msg("%s: message \"%s\" does not contain \"%s\" (%s)", fn, message ? message : "(none)", want,
                 r->body ? r->body : "");
}

void expect_final_error(const struct ing_test_result *r, const char *fn, const char *want)
{
    expect_message(r, fn, 400, want);
    assert_true(r->no_retry);
    assert_string_equal(ing_json_get_string(r->json, "name"), "NonRetriableError");
}
