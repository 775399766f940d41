/*
 * durable_api.h — the checkpoint API as a durable endpoint uses it
 * (PROTOCOL.md §21): the run of one HTTP request is created on the Inngest
 * server by our first checkpoint (POST {api}/v1/checkpoint, with the
 * inngest/http.request event and the ops so far), and every later batch of
 * ops is added to it (POST {api}/v1/checkpoint/{run}/steps).  The creation
 * answer carries the token that lets the client read the run's output
 * (GET {api}/v1/checkpoint/{run}/output?token=…) once it has gone async.
 *
 * Separate from checkpoint.c, which saves steps of runs the executor started
 * (the /async endpoint): here the run starts with us.
 */
#ifndef ING_DURABLE_API_H
#define ING_DURABLE_API_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "outbound/checkpoint.h"

struct ing_ctx;
struct ing_route;
struct ing_http_request;

/* The state of one request to a durable route, on the request arena. */
struct durable {
    const struct ing_route *route;
    const struct ing_http_request *req;
    bool reentry;            /* the executor called us (X-Run-ID): a classic call */
    /* the synchronous run only */
    const char *run_id;      /* a ULID we chose */
    json_object *event;      /* inngest/http.request, sent when the run is created */
    int retries;             /* of each step */
    const char *fn_uuid, *app_uuid, *token; /* from the creation answer */
    bool created;
    bool broken;             /* a checkpoint failed: no more steps run inline */
    const char *failure;     /* why, for the log and the client */
    int saved;               /* ops the server holds */
    int64_t started_ns;      /* when the client's request began (unix ns) */
};

/* How long a client's request runs steps inline (the official SDK's
 * checkpointing budget): a new run step met later is planned instead
 * (StepPlanned), the run goes async (302) and the executor runs it, so that
 * neither the client nor nginx's fastcgi_read_timeout waits on a long chain
 * of steps.  A step already running is never cut short. */
#define DURABLE_INLINE_BUDGET_NS (10LL * 1000 * 1000 * 1000)

/* Whether a client's durable request has used up its inline budget. */
bool durable_budget_spent(const struct ing_ctx *c);

/* Whether the step engine runs a new run step inline and checkpoints it: a
 * synchronous durable request whose checkpoints have all succeeded, outside
 * a parallel group. */
bool durable_inline(const struct ing_ctx *c);

/* Saves `ops` (an array, borrowed) on the run, creating it on first use.
 * Transient failures (no answer, 429, 5xx) are tried three times.  false and
 * *why (for the log, without keys) when the server did not take them; the
 * request then stops checkpointing. */
bool durable_checkpoint(struct ing_ctx *c, json_object *ops, const char **why);

/* One StepRun op just run (started: unix ns), for the step engine:
 * CHECKPOINT_SAVED or CHECKPOINT_FALLBACK (the op stays in c->ops). */
enum checkpoint_outcome durable_step(struct ing_ctx *c, json_object *op, int64_t started_ns);

/* Where the client reads the run's result once it has gone async; NULL
 * before the run exists or when the server gave no token. */
const char *durable_output_url(struct ing_ctx *c);

/* {"status","headers":{"Content-Type"},"body":<text>}: a route's answer as
 * the server stores a durable run's output (a new object, the caller's). */
json_object *durable_api_result(int status, const char *content_type, const char *body);

#endif
