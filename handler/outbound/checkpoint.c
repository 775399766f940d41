/*
 * checkpoint.c — persisting run steps through the checkpoint API (see
 * checkpoint.h and PROTOCOL.md §14).
 *
 * Owns the per-request checkpoint state (what the API needs to find the run
 * and the queue item, whether we have fallen back) and the one API call.  It
 * never decides how the request is answered: the step engine does, from the
 * outcome.  Nothing here outlives the request (arena), and no key is ever
 * logged: only statuses.  The retry pauses (50 and 100 ms, retry.h's loop)
 * happen inside the request, which is why there are only two of them: a
 * failing API costs the run at most ~150 ms before it goes the classic way.
 */
#include "outbound/checkpoint.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "core/context.h"
#include "outbound/http_client.h"
#include "outbound/inngest_auth.h"
#include "outbound/retry.h"
#include "inngest.h"
#include "base/limits.h"
#include "core/response.h"
#include "core/server.h"
#include "base/url_encode.h"

/* The official SDK's default runtime budget: past it, remaining steps are
 * reported classically, so that a long run still gives the executor (and
 * nginx's read timeout) an answer now and then. */
#define CHECKPOINT_BUDGET_NS (10LL * 1000 * 1000 * 1000)
#define CHECKPOINT_TRIES 3

struct checkpoint {
    const char *fn_id, *qi_id, *request_id;
    int64_t generation_id;    /* -1 when the call has none */
    int64_t started_ms;       /* request_started_at */
    int64_t started_ns;
    int saved;
    bool stopped;             /* fell back: no more checkpoints in this request */
    bool warned;
};

int64_t checkpoint_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct checkpoint *checkpoint_begin(struct ing_ctx *c, json_object *ctx_obj)
{
    const struct settings *s = &c->server->settings;
    const char *fn_id = ing_json_get_string(ctx_obj, "fn_id");
    if (!s->checkpointing || !c->server->http || !fn_id || !*fn_id || !c->run_id ||
        !*c->run_id || c->target_step || c->disable_immediate || c->attempt > 0)
        return NULL;
    struct checkpoint *k = arena_alloc(c->arena, sizeof(*k));
    if (!k)
        return NULL;
    k->fn_id = fn_id;
    k->qi_id = ing_json_get_string(ctx_obj, "qi_id");
    k->request_id = ing_json_get_string(ctx_obj, "request_id");
    if (!ing_json_get_int(ctx_obj, "generation_id", &k->generation_id))
        k->generation_id = -1;
    k->started_ns = checkpoint_now_ns();
    k->started_ms = k->started_ns / 1000000;
    return k;
}

bool checkpoint_active(const struct ing_ctx *c)
{
    const struct checkpoint *k = c->checkpoint;
    return k && !k->stopped && !c->in_parallel &&
           checkpoint_now_ns() - k->started_ns < CHECKPOINT_BUDGET_NS;
}

int checkpoint_saved(const struct ing_ctx *c) { return c->checkpoint ? c->checkpoint->saved : 0; }

static void add(json_object *o, const char *key, json_object *v) { json_object_object_add(o, key, v); }

/* {"run_id","fn_id","qi_id","request_id","generation_id","request_started_at","steps":[op],"ts"};
 * the optional ids are left out when the call had none, as the official SDK does. */
static const char *request_body(struct ing_ctx *c, const struct checkpoint *k, json_object *op,
                                size_t *len)
{
    json_object *b = arena_keep_json(c->arena, json_object_new_object());
    json_object *steps = json_object_new_array();
    if (!b || !steps) {
        json_object_put(steps);
        return NULL;
    }
    add(b, "run_id", json_object_new_string(c->run_id));
    add(b, "fn_id", json_object_new_string(k->fn_id));
    if (k->qi_id)
        add(b, "qi_id", json_object_new_string(k->qi_id));
    if (k->request_id)
        add(b, "request_id", json_object_new_string(k->request_id));
    if (k->generation_id >= 0)
        add(b, "generation_id", json_object_new_int64(k->generation_id));
    add(b, "request_started_at", json_object_new_int64(k->started_ms));
    json_object_array_add(steps, json_object_get(op));
    add(b, "steps", steps);
    add(b, "ts", json_object_new_int64(checkpoint_now_ns() / 1000000));
    return json_object_to_json_string_length(b, ING_JSON_FLAGS, len);
}

/* Two retries of a transient failure, 50 then 100 ms apart (retry.h). */
static const struct outbound_policy checkpoint_policy = {.attempts = CHECKPOINT_TRIES,
                                                         .first_pause_ms = 50};

enum checkpoint_outcome checkpoint_step(struct ing_ctx *c, json_object *op, int64_t started_ns)
{
    struct checkpoint *k = c->checkpoint;
    if (!k || k->stopped)
        return CHECKPOINT_FALLBACK;
    json_object *timing = json_object_new_object();
    if (timing) {
        add(timing, "a", json_object_new_int64(started_ns));
        add(timing, "b", json_object_new_int64(checkpoint_now_ns() - started_ns));
        add(op, "timing", timing);
    }
    size_t len = 0;
    const char *body = request_body(c, k, op, &len);
    const char *id = url_encode_arena(c->arena, c->run_id);
    const char *url = id ? arena_printf(c->arena, "%s/v1/checkpoint/%s/async",
                                        c->server->settings.api_origin, id)
                         : NULL;
    long status = 0;
    if (body && url) {
        struct http_call call = {.method = "POST", .url = url, .body = body, .body_len = len,
                                 .timeout_ms = ING_API_TIMEOUT_MS,
                                 .max_response = ING_MAX_SMALL_RESPONSE};
        struct http_result res;
        if (inngest_send(c, &call, NULL, &checkpoint_policy, &res))
            status = res.status;
    }
    if (status >= 200 && status < 300) {
        k->saved++;
        return CHECKPOINT_SAVED;
    }
    if (status == 409)
        return CHECKPOINT_STALE;
    k->stopped = true;
    if (!k->warned) {
        k->warned = true;
        ing_log(ING_LOG_WARN,
                "checkpoint API %s (run %s): the step goes back in the response instead",
                status ? arena_printf(c->arena, "answered %ld", status) : "unreachable",
                c->run_id);
    }
    return CHECKPOINT_FALLBACK;
}
