/*
 * run_answers.h — the checks the in-process tests make on ing_test_call()'s
 * answers, written once: the one op of a 206, a step that failed for good,
 * an answer whose message says why.  Each failed check fails the running
 * cmocka test with what was expected and what came.
 */
#ifndef TEST_RUN_ANSWERS_H
#define TEST_RUN_ANSWERS_H

#include "inngest.h"

/* ing_test_call of fn with `event` (NULL: the SDK's default) and no other
 * option, which must run. */
void run_call(const struct ing_app *app, const char *fn, const char *event, struct ing_test_result *r);

/* The one op of a 206 answer; `op` (e.g. "StepFailed"), when not NULL, is
 * the op it must be. */
json_object *expect_one_op(const struct ing_test_result *r, const char *op);

/* A 206 whose one op is a StepFailed (no retry) with an error message
 * containing `want`. */
void expect_step_failed(const struct ing_test_result *r, const char *want);

/* An answer of `status` whose "message" contains `want`; fn (NULL: none)
 * names the call in a failure. */
void expect_message(const struct ing_test_result *r, const char *fn, int status, const char *want);

/* A run that ends for good: 400, a NonRetriableError whose message contains
 * `want`, no retry; fn (NULL: none) names the call in a failure. */
void expect_final_error(const struct ing_test_result *r, const char *fn, const char *want);

#endif
