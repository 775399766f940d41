/*
 * conformance_app.c — the conformance app (functions/README.md §1): small functions
 * that exercise every part of the protocol.  Other test suites depend on
 * these ids, triggers and outputs; change none of them.
 */
#include <stdio.h>
#include <string.h>

#include "conformance/conformance.h"
#include "conformance/conf_gateway.h"
#include "conformance/conf_signals.h"

/* ---- conf-steps: a → "A", b → a + "B" ---------------------------------- */

static json_object *step_a(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_json_string(c, "A");
}

static json_object *step_b(struct ing_ctx *c, void *arg)
{
    return ing_json_string(c, ing_sprintf(c, "%sB", json_object_get_string(arg)));
}

static json_object *conf_steps(struct ing_ctx *c)
{
    json_object *a = ing_step_run(c, "a", step_a, NULL);
    json_object *b = ing_step_run(c, "b", step_b, a);
    return ing_json_pack(c, "{s:o}", "result", b);
}

/* ---- conf-loop: step "item" n times, the i-th returns i ----------------- */

static json_object *loop_item(struct ing_ctx *c, void *arg)
{
    return ing_json_int(c, *(const int64_t *)arg);
}

static json_object *conf_loop(struct ing_ctx *c)
{
    int64_t n = 0;
    if (!ing_json_get_int(ing_event_data(c), "n", &n) || n < 0 || n > 10000)
        ing_fail_nonretriable(c, "event data needs an integer n between 0 and 10000");
    int64_t sum = 0;
    for (int64_t i = 0; i < n; i++)
        sum += json_object_get_int64(ing_step_run(c, "item", loop_item, &i));
    return ing_json_pack(c, "{s:I}", "sum", sum);
}

/* ---- conf-parallel: left and right planned together --------------------- */

static json_object *constant(struct ing_ctx *c, void *arg) { return ing_json_string(c, arg); }

static json_object *conf_parallel(struct ing_ctx *c)
{
    ing_parallel_begin(c);
    json_object *left = ing_step_run(c, "left", constant, "L");
    json_object *right = ing_step_run(c, "right", constant, "R");
    ing_parallel_end(c);
    return ing_json_pack(c, "{s:o, s:o}", "left", left, "right", right);
}

/* ---- conf-sleep ---------------------------------------------------------- */

static json_object *conf_sleep(struct ing_ctx *c)
{
    ing_step_sleep(c, "nap", "1s");
    json_object *after = ing_step_run(c, "after", constant, "woke");
    return ing_json_pack(c, "{s:o}", "after", after);
}

/* ---- conf-wait ----------------------------------------------------------- */

static json_object *conf_wait(struct ing_ctx *c)
{
    json_object *approval = ing_step_wait_for_event(
        c, "approval",
        &(struct ing_wait){.event = "conf/approve", .if_expr = "async.data.id == event.data.id",
                           .timeout = "1m"});
    return ing_json_pack(c, "{s:o}", "approved", approval);
}

/* ---- conf-invoke --------------------------------------------------------- */

static json_object *conf_invoke(struct ing_ctx *c)
{
    json_object *payload = ing_json_pack(c, "{s:{}}", "data");
    json_object *result =
        ing_step_invoke(c, "call", ing_function_ref(c, "conf-steps"), payload, NULL);
    return ing_json_pack(c, "{s:o}", "invoked", result);
}

/* ---- conf-send ----------------------------------------------------------- */

static json_object *conf_send(struct ing_ctx *c)
{
    json_object *events = ing_json_pack(c, "[{s:s, s:{}}, {s:s, s:{}}]", "name", "conf/sent.a", "data", "name",
                                        "conf/sent.b", "data");
    json_object *ids = ing_step_send_event(c, "emit", events);
    return ing_json_pack(c, "{s:o}", "ids", ids);
}

/* ---- conf-retry: "flaky" fails until attempt 2 -------------------------- */

static json_object *flaky(struct ing_ctx *c, void *arg)
{
    (void)arg;
    if (ing_attempt(c) < 2)
        ing_fail(c, "flaky failure on attempt %d", ing_attempt(c));
    return ing_json_string(c, "ok");
}

static json_object *conf_retry(struct ing_ctx *c)
{
    json_object *v = ing_step_run(c, "flaky", flaky, NULL);
    return ing_json_pack(c, "{s:o}", "flaky", v);
}

/* ---- conf-nonretriable, conf-retry-after --------------------------------- */

static json_object *conf_nonretriable(struct ing_ctx *c)
{
    ing_fail_nonretriable(c, "bad input");
}

static json_object *conf_retry_after(struct ing_ctx *c)
{
    if (ing_attempt(c) == 0)
        ing_fail_retry_after(c, 30, "rate limited; retry in 30 seconds");
    return ing_json_pack(c, "{s:b}", "retried", true);
}

/* ---- conf-step-error: the function catches its step's failure ----------- */

static json_object *boom(struct ing_ctx *c, void *arg)
{
    (void)arg;
    ing_fail(c, "boom");
}

static json_object *conf_step_error(struct ing_ctx *c)
{
    struct ing_error err;
    json_object *v = ing_step_run_catch(c, "boom", boom, NULL, &err);
    if (v || !err.message)
        ing_fail_nonretriable(c, "step boom was expected to fail");
    return ing_json_pack(c, "{s:s}", "recovered", err.message);
}

/* ---- conf-failure and its onFailure handler ------------------------------ */

static json_object *conf_failure(struct ing_ctx *c)
{
    ing_fail(c, "conf-failure always fails");
}

static json_object *conf_failure_handler(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    return ing_json_pack(c, "{s:b, s:o, s:o}", "handled", true, "function_id",
                         ing_json_get(data, "function_id"), "error",
                         ing_json_get(ing_json_get(data, "error"), "message"));
}

static const struct ing_function conformance_functions[] = {
    {.id = "conf-steps", .name = "Conformance: steps",
     .triggers = {ING_EVENT("conf/steps")}, .handler = conf_steps},
    {.id = "conf-loop", .name = "Conformance: loop",
     .triggers = {ING_EVENT("conf/loop")}, .handler = conf_loop},
    {.id = "conf-parallel", .name = "Conformance: parallel",
     .triggers = {ING_EVENT("conf/parallel")}, .handler = conf_parallel},
    {.id = "conf-sleep", .name = "Conformance: sleep",
     .triggers = {ING_EVENT("conf/sleep")}, .handler = conf_sleep},
    {.id = "conf-wait", .name = "Conformance: wait for event",
     .triggers = {ING_EVENT("conf/wait")}, .handler = conf_wait},
    {.id = "conf-invoke", .name = "Conformance: invoke",
     .triggers = {ING_EVENT("conf/invoke")}, .handler = conf_invoke},
    {.id = "conf-send", .name = "Conformance: send events",
     .triggers = {ING_EVENT("conf/send")}, .handler = conf_send},
    {.id = "conf-retry", .name = "Conformance: retry",
     .triggers = {ING_EVENT("conf/retry")}, .retries = ING_RETRIES(3), .handler = conf_retry},
    {.id = "conf-nonretriable", .name = "Conformance: non-retriable error",
     .triggers = {ING_EVENT("conf/nonretriable")}, .handler = conf_nonretriable},
    {.id = "conf-retry-after", .name = "Conformance: retry after",
     .triggers = {ING_EVENT("conf/retry-after")}, .retries = ING_RETRIES(1),
     .handler = conf_retry_after},
    {.id = "conf-step-error", .name = "Conformance: step error caught",
     .triggers = {ING_EVENT("conf/step-error")}, .retries = ING_RETRIES(0),
     .handler = conf_step_error},
    {.id = "conf-failure", .name = "Conformance: failure",
     .triggers = {ING_EVENT("conf/failure")}, .retries = ING_RETRIES(1),
     .handler = conf_failure, .on_failure = conf_failure_handler},
    /* the steps the server carries out, and races (conf_gateway.c) */
    {.id = "conf-fetch", .name = "Conformance: step.fetch",
     .triggers = {ING_EVENT("conf/fetch")}, .retries = ING_RETRIES(0), .handler = conf_fetch},
    {.id = "conf-ai-infer", .name = "Conformance: step.ai.infer",
     .triggers = {ING_EVENT("conf/ai-infer")}, .retries = ING_RETRIES(1), .handler = conf_ai_infer},
    {.id = "conf-ai-wrap", .name = "Conformance: step.ai.wrap",
     .triggers = {ING_EVENT("conf/ai-wrap")}, .handler = conf_ai_wrap},
    {.id = "conf-race", .name = "Conformance: race",
     .triggers = {ING_EVENT("conf/race")}, .handler = conf_race},
    {.id = "conf-signal", .name = "Conformance: wait for signal",
     .triggers = {ING_EVENT("conf/signal")}, .retries = ING_RETRIES(0), .handler = conf_signal},
    {.id = "conf-signal-send", .name = "Conformance: send signal",
     .triggers = {ING_EVENT("conf/signal.send")}, .retries = ING_RETRIES(2),
     .handler = conf_signal_send},
    {.id = "conf-realtime", .name = "Conformance: realtime publish",
     .triggers = {ING_EVENT("conf/realtime")}, .retries = ING_RETRIES(2), .handler = conf_realtime},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "inngest-fcgi-conformance",
    .functions = conformance_functions,
    .function_count = ING_COUNT(conformance_functions),
    .routes = conformance_routes, /* durable endpoints and the realtime token, durable_routes.c */
    .version = ING_SDK_VERSION,
};
