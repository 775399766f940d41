/*
 * vectors_app.c — the protocol vectors' JS app (tests/vectors/generator/app.mjs)
 * written with our SDK, so that recorded exchanges can be replayed against it.
 */
#include <string.h>

#include "inngest.h"
#include "vectors_app.h"

/* ---- the vectors' app, in C -------------------------------------------- */

static json_object *plain(struct ing_ctx *c)
{
    const char *name = ing_json_get_string(ing_event_data(c), "name");
    json_object *o = ing_json_object(c);
    ing_json_set(o, "message", ing_json_string(c, ing_sprintf(c, "hello %s", name ? name : "nobody")));
    return o;
}

static json_object *const_str(struct ing_ctx *c, void *arg) { return ing_json_string(c, arg); }
static json_object *append_b(struct ing_ctx *c, void *arg)
{
    return ing_json_string(c, ing_sprintf(c, "%sB", json_object_get_string(arg)));
}

static json_object *two_step(struct ing_ctx *c)
{
    json_object *a = ing_step_run(c, "a", const_str, "A");
    json_object *b = ing_step_run(c, "b", append_b, a);
    json_object *o = ing_json_object(c);
    ing_json_set(o, "result", b);
    return o;
}

static json_object *first_step(struct ing_ctx *c, void *arg)
{
    (void)arg;
    json_object *o = ing_json_object(c);
    ing_json_set(o, "n", ing_json_int(c, 1));
    return o;
}

static json_object *multi(struct ing_ctx *c)
{
    json_object *first = ing_step_run(c, "first", first_step, NULL);
    ing_step_sleep(c, "nap", "1h");
    json_object *approval = ing_step_wait_for_event(
        c, "wait-approval",
        &(struct ing_wait){.event = "test/approve", .timeout = "1h",
                           .if_expr = "async.data.id == event.data.id"});
    json_object *payload = ing_json_object(c);
    json_object *data = ing_json_object(c);
    ing_json_set(data, "name", ing_json_string(c, "from-invoke"));
    ing_json_set(payload, "data", data);
    json_object *invoked = ing_step_invoke(c, "call-plain", "vectors-app-plain", payload, NULL);
    json_object *events = ing_json_parse(
        c, "[{\"name\":\"test/sent.a\",\"data\":{\"n\":1}},{\"name\":\"test/sent.b\",\"data\":{\"n\":2}}]");
    json_object *ids = ing_step_send_event(c, "emit", events);
    ing_step_sleep_until(c, "nap-until", 1893456000); /* 2030-01-01T00:00:00Z */
    json_object *o = ing_json_object(c);
    ing_json_set(o, "first", first);
    ing_json_set(o, "approval", approval);
    ing_json_set(o, "invoked", invoked);
    json_object *sent = ing_json_object(c);
    ing_json_set(sent, "ids", ids);
    ing_json_set(o, "sent", sent);
    return o;
}

static json_object *all_config(struct ing_ctx *c) { return ing_json_string(c, "ok"); }
static json_object *all_config_failed(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    json_object *o = ing_json_object(c);
    ing_json_set(o, "handled", ing_json_get(ing_json_get(data, "error"), "message"));
    ing_json_set(o, "original", ing_json_get(ing_json_get(data, "event"), "name"));
    return o;
}

static json_object *batched(struct ing_ctx *c)
{
    json_object *o = ing_json_object(c);
    ing_json_set(o, "count", ing_json_int(c, (int64_t)json_object_array_length(ing_events(c))));
    return o;
}

static json_object *throw_boom(struct ing_ctx *c, void *arg) { ing_fail(c, "%s", (const char *)arg); }
static json_object *throw_nr(struct ing_ctx *c, void *arg)
{
    (void)arg;
    ing_fail_nonretriable(c, "bad input in step");
}
static json_object *throw_ra(struct ing_ctx *c, void *arg)
{
    (void)arg;
    ing_fail_retry_after(c, 30, "429 from upstream");
}

static json_object *step_throws(struct ing_ctx *c)
{
    json_object *v = ing_step_run(c, "flaky", throw_boom, "boom");
    json_object *o = ing_json_object(c);
    ing_json_set(o, "v", v);
    return o;
}

static json_object *step_catch(struct ing_ctx *c)
{
    struct ing_error err;
    if (!ing_step_run_catch(c, "boom", throw_boom, "always fails", &err) && err.message) {
        json_object *o = ing_json_object(c);
        ing_json_set(o, "recovered", ing_json_string(c, err.message));
        ing_json_set(o, "name", ing_json_string(c, err.name));
        return o;
    }
    return ing_json_string(c, "unreachable");
}

static json_object *step_nr(struct ing_ctx *c)
{
    ing_step_run(c, "validate", throw_nr, NULL);
    return ing_json_string(c, "unreachable");
}

static json_object *step_ra(struct ing_ctx *c)
{
    ing_step_run(c, "rate-limited", throw_ra, NULL);
    return ing_json_string(c, "unreachable");
}

static json_object *fn_throws(struct ing_ctx *c) { ing_fail(c, "plain failure"); }
static json_object *non_retriable(struct ing_ctx *c) { ing_fail_nonretriable(c, "bad input"); }
static json_object *retry_after(struct ing_ctx *c) { ing_fail_retry_after(c, 30, "slow down"); }
static json_object *retry_after_date(struct ing_ctx *c)
{
    ing_fail_retry_at(c, 1893456000, "slow down until");
}
static json_object *retry_after_ms(struct ing_ctx *c) { ing_fail_retry_after(c, 45, "slow down ms"); }

static json_object *parallel(struct ing_ctx *c)
{
    ing_parallel_begin(c);
    json_object *l = ing_step_run(c, "left", const_str, "L");
    json_object *r = ing_step_run(c, "right", const_str, "R");
    ing_parallel_end(c);
    return ing_json_pack(c, "{s:o, s:o}", "left", l, "right", r);
}

static json_object *loop_item(struct ing_ctx *c, void *arg) { return ing_json_int(c, *(int *)arg); }
static json_object *loop(struct ing_ctx *c)
{
    int64_t sum = 0;
    for (int i = 0; i < 3; i++)
        sum += json_object_get_int64(ing_step_run(c, "item", loop_item, &i));
    json_object *o = ing_json_object(c);
    ing_json_set(o, "sum", ing_json_int(c, sum));
    return o;
}

static json_object *nothing(struct ing_ctx *c, void *arg)
{
    (void)c;
    (void)arg;
    return NULL;
}
static json_object *returns_undefined(struct ing_ctx *c)
{
    ing_step_run(c, "nothing", nothing, NULL);
    return NULL;
}

static json_object *slow(struct ing_ctx *c)
{
    json_object *o = ing_json_object(c);
    ing_json_set(o, "slow", ing_json_bool(c, true));
    return o;
}

static const struct ing_function vector_functions[] = {
    {.id = "slow", .name = "slow", .triggers = {ING_EVENT("test/slow")}, .handler = slow},
    {.id = "plain", .name = "plain", .triggers = {ING_EVENT("test/plain")}, .handler = plain},
    {.id = "two-step", .name = "two-step", .triggers = {ING_EVENT("test/two")}, .handler = two_step},
    {.id = "multi-step", .name = "Multi step", .triggers = {ING_EVENT("test/multi")}, .handler = multi},
    {.id = "all-config", .name = "All config", .retries = ING_RETRIES(5),
     .triggers = {ING_EVENT_IF("test/all", "event.data.kind == 'x'"),
                  ING_CRON("TZ=Europe/Paris 0 9 * * 1-5")},
     .handler = all_config, .on_failure = all_config_failed},
    {.id = "batched", .name = "batched", .retries = ING_RETRIES(0),
     .triggers = {ING_EVENT("test/batched")}, .handler = batched},
    {.id = "step-throws", .name = "step-throws", .retries = ING_RETRIES(2),
     .triggers = {ING_EVENT("test/step-throws")}, .handler = step_throws},
    {.id = "step-catch", .name = "step-catch", .retries = ING_RETRIES(0),
     .triggers = {ING_EVENT("test/step-catch")}, .handler = step_catch},
    {.id = "step-nonretriable", .name = "step-nonretriable", .retries = ING_RETRIES(3),
     .triggers = {ING_EVENT("test/step-nr")}, .handler = step_nr},
    {.id = "step-retry-after", .name = "step-retry-after", .retries = ING_RETRIES(3),
     .triggers = {ING_EVENT("test/step-ra")}, .handler = step_ra},
    {.id = "fn-throws", .name = "fn-throws", .retries = ING_RETRIES(3),
     .triggers = {ING_EVENT("test/fn-throws")}, .handler = fn_throws},
    {.id = "non-retriable", .name = "non-retriable", .triggers = {ING_EVENT("test/nr")},
     .handler = non_retriable},
    {.id = "retry-after", .name = "retry-after", .triggers = {ING_EVENT("test/ra")},
     .handler = retry_after},
    {.id = "retry-after-date", .name = "retry-after-date", .triggers = {ING_EVENT("test/ra-date")},
     .handler = retry_after_date},
    {.id = "retry-after-ms", .name = "retry-after-ms", .triggers = {ING_EVENT("test/ra-ms")},
     .handler = retry_after_ms},
    {.id = "parallel", .name = "parallel", .triggers = {ING_EVENT("test/parallel")}, .handler = parallel},
    {.id = "loop", .name = "loop", .triggers = {ING_EVENT("test/loop")}, .handler = loop},
    {.id = "returns-undefined", .name = "returns-undefined", .triggers = {ING_EVENT("test/undef")},
     .handler = returns_undefined},
};

const struct ing_app vectors_app = {
    .default_app_id = "vectors-app",
    .functions = vector_functions,
    .function_count = ING_COUNT(vector_functions),
};

