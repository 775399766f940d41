/*
 * checkpoint.h — checkpointing (PROTOCOL.md §14, INNGEST_CHECKPOINTING=1): in
 * a discovery request, each run step's result is persisted through the
 * Inngest API (POST /v1/checkpoint/{run}/async) and the function carries on
 * in the same request, so a run of n sequential steps needs one call request
 * instead of n+1.
 *
 * Off by default: servers without the checkpoint API keep working, because
 * any failure to persist a step falls back to the classic answer (the step
 * returned in a 206).  Only a 409 (the executor has given up on this call and
 * requeued it) stops the request without returning the step.
 */
#ifndef ING_CHECKPOINT_H
#define ING_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct ing_ctx;
struct checkpoint;

enum checkpoint_outcome {
    CHECKPOINT_SAVED,     /* persisted: drop the op, keep running the function */
    CHECKPOINT_FALLBACK,  /* not persisted: answer with the op as usual; no more checkpoints */
    CHECKPOINT_STALE,     /* 409: stop, answer without the op */
};

/* Decides, once the call's ctx is read, whether this request checkpoints:
 * the setting is on, the call has ctx.fn_id and a run id, targets no step,
 * allows immediate execution and is the item's first attempt (a retry
 * answers classically, so the next step starts with a fresh attempt count).
 * NULL when it does not (or on allocation failure). */
struct checkpoint *checkpoint_begin(struct ing_ctx *c, json_object *ctx_obj);

/* Whether the run step about to run may be checkpointed: checkpointing is
 * on for the request, has not fallen back, no parallel group is open and the
 * request is within its time budget. */
bool checkpoint_active(const struct ing_ctx *c);

/* Persists one StepRun op (timing: the step's start, unix ns).  On failure
 * other than 409 it retries a transient error twice, then falls back. */
enum checkpoint_outcome checkpoint_step(struct ing_ctx *c, json_object *op, int64_t started_ns);

/* Steps persisted so far in this request. */
int checkpoint_saved(const struct ing_ctx *c);

/* Unix time in nanoseconds, for op timing. */
int64_t checkpoint_now_ns(void);

#endif
