/*
 * call_handler.c — one call request from body to answer.
 *
 * The dispatcher sets the landing point every step and error unwinds to, runs
 * the user's function from the top, and maps the outcome:
 *   result → 200 <value>; ops → 206 [ops]; function error → 500 (retry) or
 *   400 + X-Inngest-No-Retry: true; targeted step never reached → 500 at once;
 *   SDK failure → 500, retried.
 * X-Inngest-No-Retry is always sent on errors so the executor never guesses.
 * The body is read once: by call_body.c (steps left unparsed until asked for)
 * when it is plain JSON, else by json-c, whose messages the errors then carry.
 */
#include "protocol/call_handler.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "steps/call_body.h"
#include "outbound/checkpoint.h"
#include "core/context.h"
#include "core/crash_note.h"
#include "protocol/function_table.h"
#include "outbound/inngest_api.h"
#include "base/json_parse.h"
#include "base/json_take.h"
#include "base/json_strict.h"
#include "base/limits.h"
#include "core/request.h"
#include "core/response.h"
#include "core/server.h"
#include "core/trace.h"
#include "steps/step_crypto.h"
#include "steps/step_id.h"

static void error_answer(struct ing_ctx *c, struct response *res, int status, bool no_retry,
                         const char *message)
{
    response_message(res, c->arena, status, message);
    response_header(res, "X-Inngest-No-Retry", no_retry ? "true" : "false");
    res->log_outcome = arena_printf(c->arena, "error: %s", message);
}

/* Whether a body json-c could not read is in fact a JSON object: then the
 * parser ran out of memory (json-c says "not JSON" either way). */
static bool object_text(const struct request *req)
{
    size_t i = 0;
    while (i < req->body_len && strchr(" \t\r\n", req->body[i]))
        i++;
    return i < req->body_len && req->body[i] == '{' &&
           json_text_valid(req->body, req->body_len, ING_JSON_MAX_DEPTH);
}

/* NULL with *why; *oom when that was for want of memory (answered 500, not 400). */
static json_object *parse_body(struct ing_ctx *c, const struct request *req, const char **why,
                               bool *oom)
{
    *oom = false;
    struct json_parse_outcome how;
    json_object *v = json_parse_bounded(req->body, req->body_len, &how);
    if (how.no_tokener) {
        *why = "out of memory";
        *oom = true;
        return NULL;
    }
    enum json_tokener_error e = how.error;
    size_t end = how.end;
    if (e != json_tokener_success || !v) {
        json_object_put(v);
        if (e != json_tokener_error_depth && object_text(req)) {
            *why = "out of memory";
            *oom = true;
            return NULL;
        }
        *why = e == json_tokener_error_depth
                   ? arena_printf(c->arena, "the body nests deeper than %d levels", ING_JSON_MAX_DEPTH)
                   : arena_printf(c->arena, "the body is not valid JSON: %s",
                                  e == json_tokener_success ? "incomplete"
                                                            : json_tokener_error_desc(e));
        return NULL;
    }
    while (end < req->body_len && strchr(" \t\r\n", req->body[end]))
        end++;
    if (end != req->body_len) {
        json_object_put(v);
        *why = "the body has trailing data after its JSON value";
        return NULL;
    }
    v = arena_keep_json(c->arena, v);
    if (!v) {
        *why = "out of memory";
        *oom = true;
    }
    return v;
}

static int int_field(json_object *obj, const char *key, int dflt)
{
    int64_t v;
    return ing_json_get_int(obj, key, &v) && v >= 0 && v < 1000000 ? (int)v : dflt;
}

static bool bool_field(json_object *obj, const char *key)
{
    json_object *v = ing_json_get(obj, key);
    return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static void answer_fn_error(struct ing_ctx *c, struct response *res)
{
    const struct pending_error *e = &c->error;
    json_object *body = arena_keep_json(c->arena, json_object_new_object());
    bool ok = body != NULL;
    if (ok && e->raw && json_object_is_type(e->raw, json_type_object)) {
        json_object_object_foreach(e->raw, k, v) {
            if (!ok)
                break;
            /* k belongs to e->raw, which may go first: json-c copies it */
            ok = v ? json_take_set_copy(body, k, json_object_get(v))
                   : json_object_object_add(body, k, NULL) == 0;
        }
    } else if (ok) {
        ok = json_take_set(body, "name", json_object_new_string(e->name ? e->name : "Error")) &&
             json_take_set(body, "message", json_object_new_string(e->message ? e->message : "")) &&
             json_take_set(body, "stack", json_object_new_string(""));
    }
    if (!ok) {
        /* an error body with members missing would misreport the failure */
        response_message(res, c->arena, 500, "out of memory");
        response_header(res, "X-Inngest-No-Retry", "false");
        return;
    }
    bool last = c->attempt + 1 >= c->max_attempts;
    int status;
    bool no_retry;
    if (e->kind == FAIL_NON_RETRIABLE || (last && e->kind == FAIL_RETRIABLE)) {
        status = 400;
        no_retry = true;
    } else {
        status = 500;
        no_retry = false;
    }
    response_json(res, status, body);
    response_header(res, "X-Inngest-No-Retry", no_retry ? "true" : "false");
    if (e->kind == FAIL_RETRY_AFTER && e->retry_after)
        response_header(res, "Retry-After", e->retry_after);
    res->log_outcome = arena_printf(c->arena, "error: %s: %s", e->name ? e->name : "Error",
                                    e->message ? e->message : "");
}

static void answer_ops(struct ing_ctx *c, struct response *res)
{
    response_json(res, 206, c->ops);
    json_object *first = json_object_array_get_idx(c->ops, 0);
    const char *opcode = ing_json_get_string(first, "op");
    if (opcode && (strcmp(opcode, "StepError") == 0 || strcmp(opcode, "StepFailed") == 0)) {
        bool no_retry = strcmp(opcode, "StepFailed") == 0;
        response_header(res, "X-Inngest-No-Retry", no_retry ? "true" : "false");
        if (!no_retry && c->error.kind == FAIL_RETRY_AFTER && c->error.retry_after)
            response_header(res, "Retry-After", c->error.retry_after);
    }
    size_t n = json_object_array_length(c->ops);
    res->log_outcome = n == 1 ? arena_printf(c->arena, "%s %s", opcode ? opcode : "?",
                                             ing_json_get_string(first, "displayName"))
                              : arena_printf(c->arena, "%zu ops", n);
    /* a failed step: the reason belongs in the log line, not only in the run */
    json_object *err = ing_json_get(first, "error");
    if (n == 1 && err) {
        const char *name = ing_json_get_string(err, "name");
        const char *message = ing_json_get_string(err, "message");
        res->log_outcome = arena_printf(c->arena, "%s: %s: %s", res->log_outcome,
                                        name ? name : "Error", message ? message : "");
    }
}

static void answer_not_found(struct ing_ctx *c, struct response *res)
{
    json_object *body = arena_keep_json(c->arena, json_object_new_object());
    size_t n = json_object_array_length(c->found_new);
    const char *error = arena_printf(c->arena,
                                     "Could not find step \"%s\" to run; the function "
                                     "reached %zu new step(s) and none has that id",
                                     c->target_step, n);
    if (error && json_take_set(body, "error", json_object_new_string(error)) &&
        json_take_set(body, "requestedStep", json_object_new_string(c->target_step)) &&
        json_take_set(body, "foundSteps", json_object_get(c->found_new)) &&
        json_take_set(body, "totalFoundSteps", json_object_new_int((int)n)))
        response_json(res, 500, body);
    else
        response_message(res, c->arena, 500, "out of memory");
    response_header(res, "X-Inngest-No-Retry", "false");
    res->log_outcome = "error: targeted step not found";
}

void call_run(struct ing_ctx *c, struct response *res)
{
    jmp_buf landing;
    c->unwind = &landing;
    /* before user code: if it crashes the worker, the master names it */
    crash_note_enter(c->server->crash_note, res->log_target, c->run_id, NULL);
    if (setjmp(landing) == 0) {
        step_crypto_open_events(c); /* the function sees plain event data */
        ing_handler_fn handler = c->is_failure_handler ? c->fn->on_failure : c->fn->handler;
        json_object *result = handler(c);
        if (c->in_parallel) {
            /* Its steps returned NULL and the function went on with them:
             * whatever it returned was computed from values it never had. */
            c->error = (struct pending_error){
                .kind = FAIL_NON_RETRIABLE, .name = "NonRetriableError",
                .message = "ing_parallel_begin without ing_parallel_end: the function returned "
                           "with a parallel group still open"};
            ctx_unwind(c, CALL_FN_ERROR);
        }
        c->result = step_crypto_outgoing(c, result); /* sealed when encryption is on */
        c->outcome = c->target_step ? CALL_STEP_NOT_FOUND : CALL_RESULT;
    }
    c->unwind = NULL;
    crash_note_clear(c->server->crash_note);
}

void call_answer(struct ing_ctx *c, struct response *res)
{
    int checkpointed = checkpoint_saved(c);
    switch (c->outcome) {
    case CALL_RESULT:
        response_json(res, 200, c->result);
        res->log_outcome = "result";
        break;
    case CALL_OPS:
        answer_ops(c, res);
        break;
    case CALL_FN_ERROR:
        answer_fn_error(c, res);
        break;
    case CALL_STEP_NOT_FOUND:
        answer_not_found(c, res);
        break;
    case CALL_SDK_ERROR:
        ing_log(ING_LOG_ERROR, "function %s: %s", c->fn->id, c->sdk_error);
        error_answer(c, res, 500, false, c->sdk_error);
        break;
    }
    if (checkpointed > 0)
        res->log_outcome = arena_printf(c->arena, "%s; %d step(s) checkpointed",
                                        res->log_outcome ? res->log_outcome : "-", checkpointed);
}

void call_handle(struct ing_ctx *c, const struct request *req, struct response *res)
{
    const struct server *srv = c->server;
    char fn_id[256], step_id[256];
    if (!request_query(req, "fnId", fn_id, sizeof(fn_id)) || !*fn_id) {
        error_answer(c, res, 500, false, "the call request has no fnId in its query string");
        return;
    }
    res->log_target = arena_strdup(c->arena, fn_id);
    const char *target = request_query(req, "stepId", step_id, sizeof(step_id));
    const char *why = NULL;
    if (req->body_len == 0) {
        error_answer(c, res, 400, false, "the call request has no body");
        return;
    }
    /* the one-pass reader takes plain JSON; json-c reads (and words the
     * errors of) everything else */
    struct call_body *lazy = call_body_read(c->arena, req->body, req->body_len);
    bool oom = false;
    json_object *body = lazy ? call_body_root(lazy) : parse_body(c, req, &why, &oom);
    if (!body) {
        error_answer(c, res, oom ? 500 : 400, false, why ? why : "out of memory");
        return;
    }
    if (!json_object_is_type(body, json_type_object)) {
        error_answer(c, res, 400, false, "the call request body must be a JSON object");
        return;
    }
    bool failure_handler = false;
    const struct ing_function *fn =
        fn_table_find(srv->app->functions, srv->app->function_count, srv->settings.app_id, fn_id,
                      &failure_handler);
    if (!fn) {
        error_answer(c, res, 500, false,
                     arena_printf(c->arena, "function \"%s\" is not in app \"%s\"", fn_id,
                                  srv->settings.app_id));
        return;
    }

    json_object *ctx_obj = ing_json_get(body, "ctx");
    c->fn = fn;
    c->is_failure_handler = failure_handler;
    c->event = ing_json_get(body, "event");
    c->events = ing_json_get(body, "events");
    c->steps = ing_json_get(body, "steps");
    c->memo = lazy && call_body_has_steps(lazy) ? lazy : NULL;
    if (lazy) {
        c->done_order = call_body_stack_text(lazy, &c->done_order_len);
    } else {
        json_object *stack = ing_json_get(ctx_obj, "stack");
        c->done_order = stack ? json_object_to_json_string_ext(stack, JSON_C_TO_STRING_PLAIN) : NULL;
        c->done_order_len = c->done_order ? strlen(c->done_order) : 0;
    }
    c->attempt = int_field(ctx_obj, "attempt", 0);
    c->max_attempts = int_field(ctx_obj, "max_attempts", 0);
    if (c->max_attempts <= 0)
        c->max_attempts = fn->retries.set ? fn->retries.count + 1 : 5;
    c->run_id = ing_json_get_string(ctx_obj, "run_id");
    c->disable_immediate = bool_field(ctx_obj, "disable_immediate_execution");
    c->target_step = target && *target && strcmp(target, "step") != 0 ? arena_strdup(c->arena, target)
                                                                      : NULL;
    if (target && *target && strcmp(target, "step") != 0 && !c->target_step) {
        /* without the target the run would plan steps instead of running one */
        response_message(res, c->arena, 500, "out of memory");
        return;
    }
    res->log_run_id = c->run_id;
    res->log_step = c->target_step ? c->target_step : "step";

    if (bool_field(ctx_obj, "use_api") || bool_field(body, "use_api")) {
        json_object *events = NULL, *steps = NULL;
        const char *err = NULL;
        if (!c->run_id || !api_load_run_state(c, c->run_id, &events, &steps, &err)) {
            error_answer(c, res, 500, false, err ? err : "use_api without a run id");
            return;
        }
        c->events = events;
        c->steps = steps;
        c->memo = NULL;
        if (!c->event && json_object_array_length(events) > 0)
            c->event = json_object_array_get_idx(events, 0);
    }
    if (!c->event || !json_object_is_type(c->event, json_type_object)) {
        error_answer(c, res, 400, false, "the call request has no event object");
        return;
    }
    if (c->steps && !json_object_is_type(c->steps, json_type_object))
        c->steps = NULL;
    /* ing_events promises an array: anything else is as if none came */
    if (c->events && !json_object_is_type(c->events, json_type_array))
        c->events = NULL;
    c->checkpoint = checkpoint_begin(c, ctx_obj);
    if (!call_prepare(c)) {
        error_answer(c, res, 500, false, "out of memory");
        return;
    }
    trace_call_begin(c, req);
    call_run(c, res);
    call_answer(c, res);
    trace_call_end(c, res->status, res->log_outcome);
}

bool call_prepare(struct ing_ctx *c)
{
    c->ids = step_id_table_new(c->arena);
    c->ops = arena_keep_json(c->arena, json_object_new_array());
    c->found_new = arena_keep_json(c->arena, json_object_new_array());
    return c->ids && c->ops && c->found_new;
}
