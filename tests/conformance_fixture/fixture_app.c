/*
 * fixture_app.c — the app that Inngest's own conformance runner
 * (`inngest alpha conformance run --transport serve`) drives.
 *
 * The runner looks functions up by slug suffix and compares our answers with
 * fixed expectations: step names (their sha1 ids are part of the comparison),
 * step outputs byte for byte, sleep durations, the wait's options, and the
 * functions' results.  So every id, name, duration and output below is part of
 * that contract; change none of them without reading the runner's cases.
 * Only the public header is used, as a user of the SDK would.
 *
 * Retry behaviour is decided from the request's attempt number, not from a
 * counter in memory: the program runs several worker processes, and any of
 * them may serve the retry.
 */
#include <stddef.h>

#include "inngest.h"

/* {"name":<the event's name>,"body":"ok"}: what every plain case returns. */
static json_object *ok_result(struct ing_ctx *c)
{
    json_object *out = ing_json_object(c);
    ing_json_set(out, "name", ing_json_get(ing_event(c), "name"));
    ing_json_set(out, "body", ing_json_string(c, "ok"));
    return out;
}

/* ---- basic-invoke: no steps --------------------------------------------- */

static json_object *simple_fn(struct ing_ctx *c)
{
    return ok_result(c);
}

/* ---- steps-serial: run, sleep 2s, run ----------------------------------- */

static json_object *echo_string(struct ing_ctx *c, void *arg)
{
    return ing_json_string(c, arg);
}

static json_object *combine_first(struct ing_ctx *c, void *arg)
{
    json_object *out = ing_json_object(c);
    ing_json_set(out, "first", arg);
    ing_json_set(out, "second", ing_json_bool(c, true));
    return out;
}

static json_object *step_test(struct ing_ctx *c)
{
    json_object *first = ing_step_run(c, "first step", echo_string, "first step");
    ing_step_sleep(c, "sleep", "2s");
    ing_step_run(c, "second step", combine_first, first);
    return ok_result(c);
}

/* ---- retry-basic: the step fails once, then the function fails once ----- */

static json_object *flaky_first_step(struct ing_ctx *c, void *arg)
{
    (void)arg;
    if (ing_attempt(c) == 0)
        ing_fail(c, "broken");
    return ing_json_string(c, "yes: 2");
}

static json_object *retry_test(struct ing_ctx *c)
{
    ing_step_run(c, "first step", flaky_first_step, NULL);
    /* The executor resets the attempt count once a step succeeds, so the
     * function's own first attempt after the step is attempt 0 again. */
    if (ing_attempt(c) == 0)
        ing_fail(c, "broken func");
    return ok_result(c);
}

/* ---- cancel-basic: a sleep that a cancel event ends --------------------- */

static json_object *cancel_test(struct ing_ctx *c)
{
    ing_step_sleep(c, "sleep", "10s");
    ing_step_run(c, "After the sleep", echo_string,
                 "This should be cancelled if a matching cancel event is received");
    return ok_result(c);
}

/* ---- wait-for-event-basic: the resume event's data, or {} on timeout ---- */

static json_object *wait_test(struct ing_ctx *c)
{
    static const struct ing_wait resume = {
        .event = "test/resume",
        .if_expr = "async.data.resume == true && async.data.id == event.data.id",
        .timeout = "10s",
    };
    json_object *matched = ing_step_wait_for_event(c, "wait", &resume);
    json_object *out = ing_json_object(c);
    if (!matched)
        return out;
    ing_json_set(out, "result", ing_json_get(matched, "data"));
    return out;
}

static const struct ing_function fixture_functions[] = {
    {.id = "test-suite-simple-fn", .name = "Conformance: basic invoke",
     .triggers = {ING_EVENT("tests/function.test")}, .handler = simple_fn},
    {.id = "test-suite-step-test", .name = "Conformance: serial steps",
     .triggers = {ING_EVENT("tests/step.test")}, .handler = step_test},
    {.id = "test-suite-retry-test", .name = "Conformance: retries",
     .triggers = {ING_EVENT("tests/retry.test")}, .handler = retry_test},
    {.id = "test-suite-cancel-test", .name = "Conformance: cancellation",
     .triggers = {ING_EVENT("tests/cancel.test")},
     .cancel_on = {{.event = "cancel/please",
                    .if_expr = "async.data.request_id == event.data.request_id"}},
     .handler = cancel_test},
    {.id = "test-suite-wait-for-event", .name = "Conformance: wait for event",
     .triggers = {ING_EVENT("tests/wait.test")}, .handler = wait_test},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "inngest-fcgi-fixture",
    .functions = fixture_functions,
    .function_count = ING_COUNT(fixture_functions),
};
