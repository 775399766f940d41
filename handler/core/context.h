/*
 * context.h — struct ing_ctx, the state of one request (internal to the SDK).
 *
 * Owns the arena and, for call requests, everything the step engine needs:
 * the parsed body, the memoized steps, the id table, the ops planned so far,
 * and the jump targets that let a step end the request.  Created by
 * fcgi_front.c for each request (by ing_test_call for a test's), before the
 * router sees it, and released by ctx_release() in exactly one place there.
 */
#ifndef ING_CONTEXT_H
#define ING_CONTEXT_H

#include <setjmp.h>
#include <stdbool.h>

#include <json-c/json.h>

#include "inngest.h"

struct arena;
struct call_body;
struct checkpoint;
struct race;
struct durable;
struct server;
struct step_id_table;

/* How a call request ended, decided by the engine. */
enum call_outcome {
    CALL_RESULT,        /* the function returned: 200 with its value */
    CALL_OPS,           /* steps to report: 206 with ops */
    CALL_FN_ERROR,      /* the function failed (outside any step) */
    CALL_STEP_NOT_FOUND,/* a targeted step was never reached */
    CALL_SDK_ERROR,     /* misuse or resource failure inside the SDK: 500, retried */
};

enum fail_kind { FAIL_RETRIABLE, FAIL_NON_RETRIABLE, FAIL_RETRY_AFTER };

struct pending_error {
    enum fail_kind kind;
    const char *name;
    const char *message;
    const char *retry_after;  /* header value, NULL when none */
    json_object *raw;         /* extra fields to carry (a caught step error's object) */
};

struct ing_ctx {
    struct arena *arena;
    const struct server *server;
    const struct ing_app *app;

    /* call request state */
    const struct ing_function *fn;
    bool is_failure_handler;
    json_object *event;
    json_object *events;
    json_object *steps;       /* memoized results by hashed id */
    struct call_body *memo;   /* or the same, still unparsed in the body (NULL: use steps) */
    int attempt;
    int max_attempts;
    const char *run_id;
    const char *target_step;  /* NULL for a discovery request ("step") */
    bool disable_immediate;
    struct step_id_table *ids;
    struct checkpoint *checkpoint; /* NULL unless this request checkpoints its steps */
    struct durable *durable;  /* NULL unless this is a request to a durable route */

    json_object *ops;         /* new ops of this request, in discovery order */
    int planned_in_group;     /* new steps found inside the current parallel group */
    bool in_parallel;
    bool in_step;             /* running a step body: steps may not nest */
    int found_steps;          /* steps met so far (memoized or not) */
    json_object *found_new;   /* new steps met in a targeted request, for the 500 body */
    struct race *race;        /* the open race group (step_engine.c), NULL when none */
    const char *done_order;   /* ctx.stack's text: step hashes in the order they finished */
    size_t done_order_len;

    jmp_buf *unwind;          /* back to the dispatcher */
    jmp_buf *step_catch;      /* back to the step runner while a body runs */
    enum call_outcome outcome;
    struct pending_error error;
    json_object *result;      /* CALL_RESULT value (borrowed) */
    const char *sdk_error;    /* CALL_SDK_ERROR message */
};

/* A context for any request (calls, introspection, routes). */
struct ing_ctx *ctx_new(const struct server *server);
void ctx_release(struct ing_ctx *c);

/* Ends the request from inside the engine (never returns). */
_Noreturn void ctx_unwind(struct ing_ctx *c, enum call_outcome outcome);
_Noreturn void ctx_sdk_error(struct ing_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
