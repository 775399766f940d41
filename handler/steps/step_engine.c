/*
 * step_engine.c — the steps a function calls, and how a step ends a request.
 *
 * A function runs from the top on every call request.  Each step hashes its id,
 * looks for its memoized result and returns it.  A step without a result is
 * new: in a discovery request it is either run at once (one run step, immediate
 * execution allowed) or reported for the executor to schedule; in a targeted
 * request only the requested step runs.  Either way the engine records the op
 * and unwinds the user's function with longjmp to the dispatcher, which owns
 * the response — except when checkpointing (checkpoint.c) has persisted a run
 * step through the API: then the step returns its value and the function
 * carries on in the same request.  What a memoized result means is memo.c's
 * rule, read from the body one entry at a time (call_body.c) or from a steps
 * object (use_api).  Nothing here allocates outside the request arena, so
 * the unwind cannot leak.  Must never run user code for a step other than
 * the one a targeted request names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "outbound/checkpoint.h"
#include "outbound/retry.h"
#include "outbound/durable_api.h"
#include "core/context.h"
#include "core/crash_note.h"
#include "base/duration.h"
#include "base/iso_time.h"
#include "base/json_take.h"
#include "base/limits.h"
#include "core/response.h"
#include "core/server.h"
#include "steps/gateway_request.h"
#include "steps/memo.h"
#include "core/trace.h"
#include "steps/step_crypto.h"
#include "steps/step_id.h"

static _Noreturn void bad_step_option(struct ing_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* race groups (below): what the engine tells them */
static void race_at_step(struct ing_ctx *c, const char *id, const char *hash);
static void race_saw_result(struct ing_ctx *c, const char *hash, enum memo_kind kind,
                            json_object *value);
static void race_uncaught(struct ing_ctx *c, const char *hash);
static json_object *race_mark_opts(struct ing_ctx *c, json_object *opts);
static bool race_open(const struct ing_ctx *c);

struct step_site {
    const char *id;      /* user id */
    const char *hash;
    int index;           /* repeat index, 0 for the first use */
};

static void step_begin(struct ing_ctx *c, const char *id, struct step_site *site)
{
    if (!c->ids)
        ctx_sdk_error(c, "step \"%s\" called outside a function run", id ? id : "");
    if (c->in_step)
        ctx_sdk_error(c, "step \"%s\" called inside another step's body; steps cannot nest",
                      id ? id : "");
    if (!id || !*id)
        bad_step_option(c, "a step needs a non-empty id");
    if (++c->found_steps > ING_MAX_STEPS_PER_REQUEST)
        ctx_sdk_error(c, "more than %d steps in one run", ING_MAX_STEPS_PER_REQUEST);
    const char *display = NULL;
    unsigned long index = 0;
    site->id = id;
    site->hash = step_id_assign(c->ids, id, &display, &index);
    if (!site->hash)
        ctx_sdk_error(c, "out of memory");
    /* at most one past the hashes taken so far, so below ING_MAX_STEPS_PER_REQUEST + 2 */
    site->index = (int)index;
    if (c->race)
        race_at_step(c, id, site->hash);
}

/* memo.c's lookup, plus what a race group must see of every result it meets. */
static enum memo_kind step_memo(struct ing_ctx *c, const char *hash, json_object **value)
{
    enum memo_kind kind = memo_lookup(c, hash, value);
    if (c->race && kind != MEMO_NONE)
        race_saw_result(c, hash, kind, *value);
    return kind;
}

static void error_from_memo(struct ing_ctx *c, json_object *raw, struct ing_error *err)
{
    const char *name = ing_json_get_string(raw, "name");
    const char *message = ing_json_get_string(raw, "message");
    if (!message && raw && json_object_is_type(raw, json_type_string))
        message = json_object_get_string(raw);
    err->name = name ? name : "Error";
    err->message = message ? message : "step failed";
    err->raw = raw;
    (void)c;
}

/* A memoized failure that the function did not catch ends the run without
 * retry: retrying the function cannot change a stored step result. */
static _Noreturn void raise_uncaught(struct ing_ctx *c, json_object *raw)
{
    struct ing_error e;
    error_from_memo(c, raw, &e);
    c->error = (struct pending_error){.kind = FAIL_NON_RETRIABLE, .name = e.name,
                                      .message = e.message, .raw = raw};
    ctx_unwind(c, CALL_FN_ERROR);
}

/* Appends a new op to the request's ops, taking ownership of `opts` before
 * anything can unwind, so that nothing is left unowned.  NULL opts are sent
 * as JSON null: the executor reads null and {} alike, but Inngest's
 * conformance runner compares a run step's opts with null (as the Go SDK
 * sends them) and rejects {}. */
static json_object *op_new(struct ing_ctx *c, const char *opcode, const struct step_site *site,
                           const char *name, json_object *opts)
{
    if (c->race)
        opts = race_mark_opts(c, opts);
    json_object *op = json_object_new_object();
    if (!op) {
        json_object_put(opts);
        ctx_sdk_error(c, "out of memory");
    }
    if (!(opts ? json_take_set(op, "opts", opts) : json_take_set_null(op, "opts")) ||
        json_object_array_add(c->ops, op) != 0) {
        json_object_put(op);
        ctx_sdk_error(c, "out of memory");
    }
    if (json_object_array_length(c->ops) > ING_MAX_OPS_PER_RESPONSE)
        ctx_sdk_error(c, "more than %d steps planned at once", ING_MAX_OPS_PER_RESPONSE);
    /* op is owned by c->ops now: a failure below only has to unwind */
    json_object *userland = json_object_new_object();
    bool ok = json_take_set(userland, "id", json_object_new_string(site->id)) &&
              (site->index <= 0 || json_take_set(userland, "index", json_object_new_int(site->index)));
    if (!ok) {
        json_object_put(userland);
        userland = NULL;
    }
    ok = json_take_set(op, "id", json_object_new_string(site->hash)) &&
         json_take_set(op, "op", json_object_new_string(opcode)) &&
         json_take_set(op, "name", json_object_new_string(name ? name : site->id)) &&
         json_take_set(op, "displayName", json_object_new_string(site->id));
    if (!ok)
        json_object_put(userland);
    /* every op carries "data" (null unless a StepRun fills it), as the
     * official SDKs send it and the conformance runner expects */
    if (!ok || !json_take_set(op, "userland", userland) || !json_take_set_null(op, "data"))
        ctx_sdk_error(c, "out of memory");
    return op;
}

/* op[key] = value, or the request ends with an SDK error (op is owned by
 * c->ops, value is taken either way). */
static void op_set(struct ing_ctx *c, json_object *op, const char *key, json_object *value)
{
    if (!(value ? json_take_set(op, key, value) : json_take_set_null(op, key)))
        ctx_sdk_error(c, "out of memory");
}

/* opts built for a new op: NULL (and opts released) when one member could
 * not be stored, so the caller ends the request instead of sending less. */
static json_object *opts_or_null(json_object *opts, bool ok)
{
    if (ok)
        return opts;
    json_object_put(opts);
    return NULL;
}

struct run_step {
    const char *name;        /* op name: the id, or "sendEvent" */
    const char *type;        /* opts.type, NULL for plain step.run */
    ing_step_fn fn;
    void *arg;
    bool has_input;          /* opts.input = [input] (step.ai.wrap) */
    json_object *input;      /* NULL is JSON null */
};

/* Runs a step body with its own landing point, so that ing_fail() inside it
 * ends the step rather than the function. */
static bool run_body(struct ing_ctx *c, const struct step_site *site, const struct run_step *rs,
                     json_object **out)
{
    jmp_buf landing;
    jmp_buf *outer = c->step_catch;
    c->step_catch = &landing;
    c->in_step = true;
    crash_note_step(c->server->crash_note, site->id);
    trace_step_begin(c, site->id, site->hash, site->index);
    if (setjmp(landing) == 0) {
        json_object *v = rs->fn(c, rs->arg);
        c->step_catch = outer;
        c->in_step = false;
        crash_note_step(c->server->crash_note, NULL);
        trace_step_end(c, true);
        *out = v;
        return true;
    }
    c->step_catch = outer;
    c->in_step = false;
    crash_note_step(c->server->crash_note, NULL);
    trace_step_end(c, false);
    return false;
}

static json_object *error_object(const struct pending_error *e)
{
    json_object *o = json_object_new_object();
    bool ok = json_take_set(o, "name", json_object_new_string(e->name ? e->name : "Error")) &&
              json_take_set(o, "message", json_object_new_string(e->message ? e->message : "")) &&
              json_take_set(o, "stack", json_object_new_string(""));
    return opts_or_null(o, ok);
}

/* Only typed run steps (step.sendEvent) have options; a plain step.run has
 * none, so its opts are null. */
static json_object *run_opts(struct ing_ctx *c, const struct run_step *rs)
{
    if (!rs->type)
        return NULL;
    json_object *opts = json_object_new_object();
    json_object *input = rs->has_input ? json_object_new_array() : NULL;
    bool ok = json_take_set(opts, "type", json_object_new_string(rs->type));
    /* the executor reads opts.input as the step's arguments: an array */
    if (ok && rs->has_input) {
        json_object *item = json_object_get(rs->input);
        ok = input && json_object_array_add(input, item) == 0;
        if (!ok)
            json_object_put(item);
        ok = ok ? json_take_set(opts, "input", input) : (json_object_put(input), false);
    } else {
        json_object_put(input);
    }
    if (!ok) {
        json_object_put(opts);
        ctx_sdk_error(c, "out of memory");
    }
    return opts;
}

/* Runs a step body and reports it: a StepRun (or StepError/StepFailed) op
 * ends the request, unless checkpointing persisted the StepRun, in which
 * case the step's value is returned and the function carries on. */
static json_object *execute_step(struct ing_ctx *c, const struct step_site *site,
                                 const struct run_step *rs)
{
    /* a durable route's request checkpoints through its own run (durable_api.c) */
    bool durable = durable_inline(c);
    bool checkpointing = durable || checkpoint_active(c);
    int64_t started = checkpointing ? checkpoint_now_ns() : 0;
    json_object *value = NULL, *sent = NULL;
    bool ok = run_body(c, site, rs, &value);
    if (ok) {
        /* what Inngest stores (and limits): the envelope when encryption is on */
        sent = step_crypto_outgoing(c, value);
        size_t len = 0;
        if (sent)
            json_object_to_json_string_length(sent, ING_JSON_FLAGS, &len);
        if (len > ING_MAX_STEP_OUTPUT) {
            ok = false;
            c->error = (struct pending_error){
                .kind = FAIL_NON_RETRIABLE, .name = "StepOutputTooLarge",
                .message = arena_printf(c->arena,
                                        "step \"%s\" returned %zu bytes; Inngest stores at most %u",
                                        site->id, len, ING_MAX_STEP_OUTPUT)};
        }
    }
    if (ok) {
        json_object *op = op_new(c, "StepRun", site, rs->name, run_opts(c, rs));
        op_set(c, op, "data", sent ? json_object_get(sent) : NULL);
        if (checkpointing) {
            switch (durable ? durable_step(c, op, started) : checkpoint_step(c, op, started)) {
            case CHECKPOINT_SAVED:
                /* persisted: the executor must not see it again */
                json_object_array_del_idx(c->ops, json_object_array_length(c->ops) - 1, 1);
                return value;
            case CHECKPOINT_STALE:
                c->error = (struct pending_error){
                    .kind = FAIL_NON_RETRIABLE, .name = "StaleDispatchError",
                    .message = "the checkpoint API answered 409: the executor has requeued "
                               "this call, which carries the run on"};
                ctx_unwind(c, CALL_FN_ERROR);
            case CHECKPOINT_FALLBACK:
                break;
            }
        }
        ctx_unwind(c, CALL_OPS);
    }
    /* no attempts left, or an error that says retrying cannot help */
    bool final = c->error.kind == FAIL_NON_RETRIABLE || c->attempt + 1 >= c->max_attempts;
    json_object *op = op_new(c, final ? "StepFailed" : "StepError", site, rs->name, run_opts(c, rs));
    json_object *error = error_object(&c->error);
    if (!error)
        ctx_sdk_error(c, "out of memory");
    op_set(c, op, "error", error);
    c->error.kind = final ? FAIL_NON_RETRIABLE : c->error.kind;
    ctx_unwind(c, CALL_OPS);
}

static void remember_unreached(struct ing_ctx *c, const struct step_site *site)
{
    json_object *f = json_object_new_object();
    bool ok = json_take_set(f, "id", json_object_new_string(site->hash)) &&
              json_take_set(f, "name", json_object_new_string(site->id)) &&
              json_take_set(f, "displayName", json_object_new_string(site->id));
    if (!ok || !json_take_push(c->found_new, f)) {
        if (!ok)
            json_object_put(f);
        ctx_sdk_error(c, "out of memory");
    }
}

/* A new step: run it now, plan it, or (targeted, not the target) skip it. */
static json_object *new_run_step(struct ing_ctx *c, const struct step_site *site,
                                 const struct run_step *rs)
{
    if (c->target_step) {
        if (strcmp(c->target_step, site->hash) == 0)
            execute_step(c, site, rs); /* never returns: a targeted call does not checkpoint */
        remember_unreached(c, site);
        if (c->in_parallel) {
            c->planned_in_group++;
            return NULL;
        }
        ctx_unwind(c, CALL_STEP_NOT_FOUND);
    }
    /* a durable request past its inline budget hands its next step to the executor */
    if (!c->in_parallel && !c->disable_immediate && !durable_budget_spent(c))
        return execute_step(c, site, rs);
    op_new(c, "StepPlanned", site, rs->name, run_opts(c, rs));
    if (c->in_parallel) {
        c->planned_in_group++;
        return NULL;
    }
    ctx_unwind(c, CALL_OPS);
}

/* A new asynchronous step (sleep, wait, invoke): the executor does the work. */
static void new_async_step(struct ing_ctx *c, const struct step_site *site, const char *opcode,
                           const char *name, json_object *opts)
{
    if (c->target_step) {
        json_object_put(opts);
        remember_unreached(c, site);
        if (c->in_parallel) {
            c->planned_in_group++;
            return;
        }
        ctx_unwind(c, CALL_STEP_NOT_FOUND);
    }
    op_new(c, opcode, site, name, opts);
    if (c->in_parallel) {
        c->planned_in_group++;
        return;
    }
    ctx_unwind(c, CALL_OPS);
}

/* Begins a step that may have failed (run, invoke) and looks up its result.
 * true when it has one: *value is the value, or NULL with *catch_err filled
 * for a failure the caller catches (an uncaught one unwinds from here). */
static bool stored_result(struct ing_ctx *c, const char *id, struct step_site *site,
                          struct ing_error *catch_err, json_object **value)
{
    step_begin(c, id, site);
    switch (step_memo(c, site->hash, value)) {
    case MEMO_DATA:
        return true;
    case MEMO_ERROR:
        if (!catch_err && race_open(c)) {
            /* raised by the race's end, only if this step won it */
            race_uncaught(c, site->hash);
            *value = NULL;
            return true;
        }
        if (!catch_err)
            raise_uncaught(c, *value);
        error_from_memo(c, *value, catch_err);
        *value = NULL;
        return true;
    case MEMO_NONE:
        break;
    }
    return false;
}

static json_object *run_common(struct ing_ctx *c, const char *id, const struct run_step *rs,
                               struct ing_error *catch_err)
{
    struct step_site site;
    json_object *v;
    if (stored_result(c, id, &site, catch_err, &v))
        return v;
    struct run_step named = *rs;
    if (!named.name)
        named.name = id;
    return new_run_step(c, &site, &named);
}

json_object *ing_step_run(struct ing_ctx *c, const char *id, ing_step_fn fn, void *arg)
{
    struct run_step rs = {.fn = fn, .arg = arg};
    return run_common(c, id, &rs, NULL);
}

json_object *ing_step_run_catch(struct ing_ctx *c, const char *id, ing_step_fn fn, void *arg,
                                struct ing_error *err)
{
    struct run_step rs = {.fn = fn, .arg = arg};
    if (err)
        memset(err, 0, sizeof(*err));
    struct ing_error scratch;
    return run_common(c, id, &rs, err ? err : &scratch);
}

/* Events refused as they are (by us, or by the Event API with a status the
 * outbound rule calls permanent) would be refused again on every retry: the
 * step fails for good, carrying the reason.  Only what may pass later is
 * retried. */
static json_object *send_body(struct ing_ctx *c, void *arg)
{
    json_object *ids = NULL;
    struct ing_error err;
    int status = 0;
    if (!ing_send_events(c, arg, &ids, &err, &status)) {
        bool refused = (err.name && strcmp(err.name, "InvalidEventError") == 0) ||
                       (status >= 400 && !outbound_transient(status));
        if (refused)
            ing_fail_nonretriable(c, "%s", err.message);
        ing_fail(c, "%s", err.message);
    }
    json_object *out = ing_json_object(c);
    ing_json_set(out, "ids", ids);
    return out;
}

json_object *ing_step_send_event(struct ing_ctx *c, const char *id, json_object *events)
{
    struct run_step rs = {.name = "sendEvent", .type = "step.sendEvent", .fn = send_body,
                          .arg = events};
    json_object *v = run_common(c, id, &rs, NULL);
    return v ? ing_json_get(v, "ids") : NULL;
}

/* A step's options that no retry can make valid (a bad duration, a missing
 * event name): the run fails at once, without retry, naming the step and the
 * value, rather than sending the op for the server to refuse (which it does
 * only in its own log, while the run is retried without end). */
static _Noreturn void bad_step_option(struct ing_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(c->arena, fmt, ap);
    va_end(ap);
    c->error = (struct pending_error){.kind = FAIL_NON_RETRIABLE, .name = "NonRetriableError",
                                      .message = msg ? msg : "out of memory"};
    ctx_unwind(c, CALL_FN_ERROR);
}

#define DURATION_HINT "an Inngest duration such as \"30s\", \"5m\", \"2h30m\" or \"1d\""

static void check_duration(struct ing_ctx *c, const char *step, const char *id, const char *what,
                           const char *value)
{
    if (!duration_parse(value, NULL))
        bad_step_option(c, "%s \"%s\": %s \"%s\" is not %s", step, id, what, value,
                        DURATION_HINT);
}

/* `duration` is an Inngest duration, or (sleep_until) a UTC time already
 * formatted by us. */
static void sleep_step(struct ing_ctx *c, const char *id, const char *duration, bool is_time)
{
    struct step_site site;
    step_begin(c, id, &site);
    json_object *v;
    if (step_memo(c, site.hash, &v) != MEMO_NONE)
        return;
    if (!duration || !*duration)
        bad_step_option(c, "step.sleep \"%s\" needs a duration (%s)", id, DURATION_HINT);
    if (!is_time)
        check_duration(c, "step.sleep", id, "duration", duration);
    json_object *opts = json_object_new_object();
    opts = opts_or_null(opts, json_take_set(opts, "duration", json_object_new_string(duration)));
    if (!opts)
        ctx_sdk_error(c, "out of memory");
    new_async_step(c, &site, "Sleep", duration, opts);
}

void ing_step_sleep(struct ing_ctx *c, const char *id, const char *duration)
{
    sleep_step(c, id, duration, false);
}

void ing_step_sleep_until(struct ing_ctx *c, const char *id, time_t when)
{
    char iso[ISO_TIME_SIZE];
    iso_time_format(when, 0, iso);
    sleep_step(c, id, arena_strdup(c->arena, iso), true);
}

json_object *ing_step_wait_for_event(struct ing_ctx *c, const char *id, const struct ing_wait *w)
{
    struct step_site site;
    step_begin(c, id, &site);
    json_object *v;
    enum memo_kind m = step_memo(c, site.hash, &v);
    if (m == MEMO_DATA) {
        if (v && !json_object_is_type(v, json_type_null))
            step_crypto_open_event(c, v); /* the matched event's sealed data members */
        return v && !json_object_is_type(v, json_type_null) ? v : NULL;
    }
    if (m == MEMO_ERROR)
        raise_uncaught(c, v);
    if (!w || !w->event || !*w->event)
        bad_step_option(c, "step.waitForEvent \"%s\" needs an event name", id);
    if (!w->timeout || !*w->timeout)
        bad_step_option(c, "step.waitForEvent \"%s\" needs a timeout (%s)", id, DURATION_HINT);
    check_duration(c, "step.waitForEvent", id, "timeout", w->timeout);
    json_object *opts = json_object_new_object();
    opts = opts_or_null(opts, json_take_set(opts, "event", json_object_new_string(w->event)) &&
                                  json_take_set(opts, "timeout", json_object_new_string(w->timeout)) &&
                                  (!w->if_expr ||
                                   json_take_set(opts, "if", json_object_new_string(w->if_expr))));
    if (!opts)
        ctx_sdk_error(c, "out of memory");
    /* The executor reads the event from opts.event (name is only its fallback
     * for old SDKs), so name carries the step id, as the Go SDK and Inngest's
     * conformance runner have it; JS 4.24 puts the event name there. */
    new_async_step(c, &site, "WaitForEvent", id, opts);
    return NULL;
}

static json_object *invoke_common(struct ing_ctx *c, const char *id, const char *function_id,
                                  json_object *payload, const char *timeout,
                                  struct ing_error *catch_err)
{
    struct step_site site;
    json_object *v;
    if (stored_result(c, id, &site, catch_err, &v))
        return v;
    if (!function_id || !*function_id)
        bad_step_option(c, "step.invoke \"%s\" needs a function id", id);
    if (payload && !json_object_is_type(payload, json_type_object))
        bad_step_option(c, "step.invoke \"%s\": the payload must be an object like {\"data\":{}}", id);
    if (timeout)
        check_duration(c, "step.invoke", id, "timeout", timeout);
    json_object *p;
    if (payload) {
        p = json_object_get(payload);
    } else {
        p = json_object_new_object();
        p = opts_or_null(p, json_take_set(p, "data", json_object_new_object()));
    }
    p = step_crypto_invoke_payload(c, p); /* data.encrypted, as for an event */
    json_object *opts = json_object_new_object();
    bool ok = json_take_set(opts, "function_id", json_object_new_string(function_id));
    if (!ok)
        json_object_put(p);
    opts = opts_or_null(opts, ok && json_take_set(opts, "payload", p) &&
                                  (!timeout ||
                                   json_take_set(opts, "timeout", json_object_new_string(timeout))));
    if (!opts)
        ctx_sdk_error(c, "out of memory");
    new_async_step(c, &site, "InvokeFunction", id, opts);
    return NULL;
}

json_object *ing_step_invoke(struct ing_ctx *c, const char *id, const char *function_id,
                             json_object *payload, const char *timeout)
{
    return invoke_common(c, id, function_id, payload, timeout, NULL);
}

json_object *ing_step_invoke_catch(struct ing_ctx *c, const char *id, const char *function_id,
                                   json_object *payload, const char *timeout,
                                   struct ing_error *err)
{
    struct ing_error scratch;
    if (err)
        memset(err, 0, sizeof(*err));
    return invoke_common(c, id, function_id, payload, timeout, err ? err : &scratch);
}

void ing_parallel_begin(struct ing_ctx *c)
{
    if (c->in_parallel)
        ctx_sdk_error(c, "parallel groups cannot nest");
    if (c->in_step)
        ctx_sdk_error(c, "a parallel group cannot start inside a step's body");
    c->in_parallel = true;
    c->planned_in_group = 0;
}

void ing_parallel_end(struct ing_ctx *c)
{
    if (!c->in_parallel)
        ctx_sdk_error(c, "ing_parallel_end without ing_parallel_begin");
    if (race_open(c))
        ctx_sdk_error(c, "a race group ends with ing_parallel_end_race");
    c->in_parallel = false;
    if (c->planned_in_group == 0)
        return;
    ctx_unwind(c, c->target_step ? CALL_STEP_NOT_FOUND : CALL_OPS);
}

/* ---- steps the Inngest server carries out: fetch, AI inference --------- */

bool ing_step_fetch(struct ing_ctx *c, const char *id, const struct ing_fetch_request *req,
                    struct ing_fetch_response *res)
{
    struct ing_fetch_response scratch;
    if (!res)
        res = &scratch;
    memset(res, 0, sizeof(*res));
    res->body = "";
    struct step_site site;
    struct ing_error err = {0};
    json_object *v;
    if (stored_result(c, id, &site, &err, &v)) {
        /* a failure is the server's "no answer at all": the caller decides */
        bool answered = !err.name;
        bool ok = answered ? gateway_fetch_answer(c->arena, v, res)
                           : gateway_fetch_failure(c->arena, err.raw, res);
        if (!ok)
            ctx_sdk_error(c, "out of memory");
        return answered;
    }
    const char *why = NULL;
    json_object *opts = gateway_fetch_opts(c->arena, req, &why);
    if (!opts) {
        if (why)
            bad_step_option(c, "step.fetch \"%s\": %s", id, why);
        ctx_sdk_error(c, "out of memory");
    }
    new_async_step(c, &site, "Gateway", id, opts);
    return false; /* inside a parallel group: no result yet */
}

static json_object *ai_infer_common(struct ing_ctx *c, const char *id,
                                    const struct ing_ai_model *model, json_object *body,
                                    struct ing_error *catch_err)
{
    struct step_site site;
    json_object *v;
    if (stored_result(c, id, &site, catch_err, &v))
        return v;
    const char *why = NULL;
    json_object *opts = gateway_ai_opts(c->arena, model, body, &why);
    if (!opts) {
        if (why)
            bad_step_option(c, "step.ai.infer \"%s\": %s", id, why);
        ctx_sdk_error(c, "out of memory");
    }
    new_async_step(c, &site, "AIGateway", id, opts);
    return NULL;
}

json_object *ing_step_ai_infer(struct ing_ctx *c, const char *id, const struct ing_ai_model *model,
                               json_object *body)
{
    return ai_infer_common(c, id, model, body, NULL);
}

json_object *ing_step_ai_infer_catch(struct ing_ctx *c, const char *id,
                                     const struct ing_ai_model *model, json_object *body,
                                     struct ing_error *err)
{
    struct ing_error scratch;
    if (err)
        memset(err, 0, sizeof(*err));
    return ai_infer_common(c, id, model, body, err ? err : &scratch);
}

json_object *ing_step_ai_wrap(struct ing_ctx *c, const char *id, json_object *input,
                              ing_step_fn fn, void *arg)
{
    /* a NULL input is JSON null, still an input: recorded as [null] */
    struct run_step rs = {.type = "step.ai.wrap", .fn = fn, .arg = arg, .has_input = true,
                          .input = input};
    return run_common(c, id, &rs, NULL);
}

/* ---- race groups --------------------------------------------------------
 * Every step met inside the group is planned with opts.parallelMode "race",
 * so the executor asks for a discovery as soon as any one of them finishes
 * instead of waiting for all.  The winner is the memoized member that
 * finished first by ctx.stack (the order the executor saved results in);
 * when that is unknown, the first memoized member in call order.  Once there
 * is a winner, members without a result are not planned again: they are
 * running already and their results change nothing.  But the executor
 * holds back the discovery after a step while other steps of the run are
 * pending, unless that step's op says "race": so while losers are still
 * running, the ops after the race (outside any group) say "race" too, or a
 * race against a one-hour sleep would keep the rest of the run waiting for
 * that hour. */

struct race {
    bool open;                /* between begin and end */
    bool losers_pending;      /* decided while members had no result yet */
    size_t ops_at_begin;      /* ops planned before the group */
    const char *step_id;      /* the member being looked up */
    const char *winner_id;
    const char *winner_hash;
    size_t winner_rank;
    json_object *winner_value;
    bool winner_failed;
    bool winner_uncaught;
    size_t memoized;          /* members with a result, for the fallback rank */
};

/* Where hash stands in ctx.stack ("…","<hash>",…), or past every listed step. */
static size_t done_rank(const struct ing_ctx *c, const char *hash, size_t fallback)
{
    size_t n = strlen(hash);
    const char *text = c->done_order, *end = text ? text + c->done_order_len : NULL;
    for (const char *p = text; p && p + n + 2 <= end; p++) {
        p = memchr(p, '"', (size_t)(end - p));
        if (!p || p + n + 2 > end)
            break;
        if (memcmp(p + 1, hash, n) == 0 && p[n + 1] == '"')
            return (size_t)(p - text);
    }
    return (SIZE_MAX / 2) + fallback;
}

static bool race_open(const struct ing_ctx *c)
{
    return c->race && c->race->open;
}

static void race_at_step(struct ing_ctx *c, const char *id, const char *hash)
{
    (void)hash;
    if (race_open(c))
        c->race->step_id = id;
}

static void race_saw_result(struct ing_ctx *c, const char *hash, enum memo_kind kind,
                            json_object *value)
{
    struct race *r = c->race;
    if (!r->open)
        return;
    size_t rank = done_rank(c, hash, r->memoized++);
    if (r->winner_hash && rank >= r->winner_rank)
        return;
    r->winner_id = r->step_id;
    r->winner_hash = hash;
    r->winner_rank = rank;
    r->winner_value = value;
    r->winner_failed = kind == MEMO_ERROR;
    r->winner_uncaught = false;
}

static void race_uncaught(struct ing_ctx *c, const char *hash)
{
    struct race *r = c->race;
    if (r->open && r->winner_hash && strcmp(r->winner_hash, hash) == 0)
        r->winner_uncaught = true;
}

/* opts + {"parallelMode":"race"} (opts taken; NULL opts become an object). */
static json_object *race_mark_opts(struct ing_ctx *c, json_object *opts)
{
    if (!c->race->open && (!c->race->losers_pending || c->in_parallel))
        return opts;
    if (!opts)
        opts = json_object_new_object();
    if (!opts || !json_object_is_type(opts, json_type_object) ||
        !json_take_set(opts, "parallelMode", json_object_new_string("race"))) {
        json_object_put(opts);
        ctx_sdk_error(c, "out of memory");
    }
    return opts;
}

void ing_parallel_begin_race(struct ing_ctx *c)
{
    ing_parallel_begin(c);
    struct race *r = arena_alloc(c->arena, sizeof(*r));
    if (!r)
        ctx_sdk_error(c, "out of memory");
    r->open = true;
    r->losers_pending = c->race && c->race->losers_pending; /* an earlier race's */
    r->ops_at_begin = c->ops ? json_object_array_length(c->ops) : 0;
    c->race = r;
}

const char *ing_parallel_end_race(struct ing_ctx *c, json_object **value)
{
    if (value)
        *value = NULL;
    if (!race_open(c))
        ctx_sdk_error(c, "ing_parallel_end_race without ing_parallel_begin_race");
    struct race *r = c->race;
    r->open = false;
    c->in_parallel = false;
    if (r->winner_hash) {
        size_t planned = json_object_array_length(c->ops);
        if (planned > r->ops_at_begin)
            json_object_array_del_idx(c->ops, r->ops_at_begin, planned - r->ops_at_begin);
        r->losers_pending = r->losers_pending || c->planned_in_group > 0;
        c->planned_in_group = 0;
        if (r->winner_failed && r->winner_uncaught)
            raise_uncaught(c, r->winner_value);
        if (value)
            *value = r->winner_failed ? NULL : r->winner_value;
        return r->winner_id;
    }
    if (c->planned_in_group == 0)
        return NULL; /* an empty group */
    ctx_unwind(c, c->target_step ? CALL_STEP_NOT_FOUND : CALL_OPS);
}

/* ---- signals and realtime (PROTOCOL.md §19, §20) ------------------------- */

/* The executor stores a resumed signal wait as {"signal": name, "data": …}
 * and a timed-out one as null.  User code gets the data: opened when it was
 * sealed, {} when the signal carried none, so that NULL means "timed out". */
static json_object *signal_memo_data(struct ing_ctx *c, json_object *v)
{
    if (!v || json_object_is_type(v, json_type_null))
        return NULL;
    if (!json_object_is_type(v, json_type_object) || !ing_json_get_string(v, "signal"))
        return v;
    json_object *data = step_crypto_incoming(c, ing_json_get(v, "data"));
    if (!data || json_object_is_type(data, json_type_null))
        data = ing_json_object(c);
    return data;
}

json_object *ing_step_wait_for_signal(struct ing_ctx *c, const char *id, const char *signal,
                                      const char *timeout, enum ing_signal_conflict on_conflict)
{
    struct step_site site;
    step_begin(c, id, &site);
    json_object *v;
    enum memo_kind m = step_memo(c, site.hash, &v);
    if (m == MEMO_DATA)
        return signal_memo_data(c, v);
    if (m == MEMO_ERROR)
        raise_uncaught(c, v);
    if (!signal || !*signal)
        bad_step_option(c, "step.waitForSignal \"%s\" needs a signal name", id);
    if (strpbrk(signal, "\r\n"))
        bad_step_option(c, "step.waitForSignal \"%s\": a signal name may not contain a line break", id);
    if (!timeout || !*timeout)
        bad_step_option(c, "step.waitForSignal \"%s\" needs a timeout (%s)", id, DURATION_HINT);
    check_duration(c, "step.waitForSignal", id, "timeout", timeout);
    if (on_conflict != ING_SIGNAL_CONFLICT_FAIL && on_conflict != ING_SIGNAL_CONFLICT_REPLACE)
        bad_step_option(c, "step.waitForSignal \"%s\": on_conflict is %d, not "
                           "ING_SIGNAL_CONFLICT_FAIL or ING_SIGNAL_CONFLICT_REPLACE", id, (int)on_conflict);
    /* the executor replaces only on "replace"; anything else fails the newcomer */
    const char *conflict = on_conflict == ING_SIGNAL_CONFLICT_REPLACE ? "replace" : "fail";
    json_object *opts = json_object_new_object();
    opts = opts_or_null(opts, json_take_set(opts, "signal", json_object_new_string(signal)) &&
                                  json_take_set(opts, "timeout", json_object_new_string(timeout)) &&
                                  json_take_set(opts, "conflict", json_object_new_string(conflict)));
    if (!opts)
        ctx_sdk_error(c, "out of memory");
    new_async_step(c, &site, "WaitForSignal", id, opts);
    return NULL;
}

struct signal_send { const char *signal; json_object *data; };

/* As for step.sendEvent: what the API refused as it was (4xx other than
 * 408/429) or we refused fails the step for good; the rest is retried. */
static bool refused_for_good(const struct ing_error *err, const char *invalid_name, int status)
{
    return (err->name && strcmp(err->name, invalid_name) == 0) ||
           (status >= 400 && status < 500 && status != 408 && status != 429);
}

static json_object *send_signal_body(struct ing_ctx *c, void *arg)
{
    const struct signal_send *s = arg;
    const char *run_id = NULL;
    struct ing_error err;
    int status = 0;
    if (!ing_send_signal(c, s->signal, s->data, &run_id, &err, &status)) {
        if (refused_for_good(&err, "InvalidSignalError", status))
            ing_fail_nonretriable(c, "%s", err.message);
        ing_fail(c, "%s", err.message);
    }
    json_object *out = ing_json_object(c);
    ing_json_set(out, "run_id", ing_json_string(c, run_id));
    return out;
}

const char *ing_step_send_signal(struct ing_ctx *c, const char *id, const char *signal,
                                 json_object *data)
{
    struct signal_send s = {.signal = signal, .data = data};
    struct run_step rs = {.name = "sendSignal", .type = "step.sendSignal", .fn = send_signal_body,
                          .arg = &s};
    return ing_json_get_string(run_common(c, id, &rs, NULL), "run_id");
}

struct realtime_send { const char *channel, *topic; json_object *data; };

static json_object *publish_body(struct ing_ctx *c, void *arg)
{
    const struct realtime_send *p = arg;
    struct ing_error err;
    int status = 0;
    if (!ing_realtime_publish(c, p->channel, p->topic, p->data, &err, &status)) {
        if (refused_for_good(&err, "InvalidRealtimeError", status))
            ing_fail_nonretriable(c, "%s", err.message);
        ing_fail(c, "%s", err.message);
    }
    return NULL; /* the message is the browsers'; the run stores nothing of it */
}

void ing_step_realtime_publish(struct ing_ctx *c, const char *id, const char *channel,
                               const char *topic, json_object *data)
{
    struct realtime_send p = {.channel = channel, .topic = topic, .data = data};
    struct run_step rs = {.type = "step.realtime.publish", .fn = publish_body, .arg = &p};
    run_common(c, id, &rs, NULL);
}
