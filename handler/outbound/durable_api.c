/*
 * durable_api.c — creating and feeding a durable endpoint's run through the
 * checkpoint API (see durable_api.h and PROTOCOL.md §21).
 *
 * Nothing here decides how the client is answered (protocol/durable_route.c
 * does); this file only talks to the server and keeps what it answered.
 * Every value lives on the request arena; no key or token is logged.
 */
#include "outbound/durable_api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/json_parse.h"
#include "base/json_take.h"
#include "base/limits.h"
#include "base/url_encode.h"
#include "core/context.h"
#include "core/response.h"
#include "core/server.h"
#include "inngest.h"
#include "outbound/http_client.h"
#include "outbound/inngest_api.h"
#include "outbound/retry.h"

/* The client waits on each checkpoint: three tries, 50 ms then 100 ms apart. */
static const struct outbound_policy durable_retried = {.attempts = 3, .first_pause_ms = 50};
/* the execution model we answer with (X-Inngest-Req-Version) */
#define DURABLE_REQUEST_VERSION 2

bool durable_inline(const struct ing_ctx *c)
{
    const struct durable *d = c->durable;
    return d && !d->reentry && !d->broken && !c->in_parallel;
}

bool durable_budget_spent(const struct ing_ctx *c)
{
    const struct durable *d = c->durable;
    return d && !d->reentry && d->started_ns > 0 &&
           checkpoint_now_ns() - d->started_ns >= DURABLE_INLINE_BUDGET_NS;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The body of the first checkpoint (which creates the run) or of a later one. */
static const char *request_body(struct ing_ctx *c, const struct durable *d, json_object *ops,
                                size_t *len)
{
    json_object *b = arena_keep_json(c->arena, json_object_new_object());
    if (!b)
        return NULL;
    bool ok = json_take_set(b, "run_id", json_object_new_string(d->run_id));
    if (!d->created) {
        ok = ok && json_take_set(b, "event", json_object_get(d->event)) &&
             json_take_set(b, "request_version", json_object_new_int(DURABLE_REQUEST_VERSION)) &&
             json_take_set(b, "retries", json_object_new_int(d->retries));
    } else {
        ok = ok && json_take_set(b, "fn_id", json_object_new_string(d->fn_uuid)) &&
             json_take_set(b, "app_id", json_object_new_string(d->app_uuid));
    }
    ok = ok && json_take_set(b, "steps", json_object_get(ops)) &&
         json_take_set(b, "ts", json_object_new_int64(now_ms()));
    return ok ? json_object_to_json_string_length(b, ING_JSON_FLAGS, len) : NULL;
}

/* {"data":{"fn_id","app_id","run_id","token"?}}: what we must keep. */
static bool read_created(struct ing_ctx *c, struct durable *d, const struct http_result *res)
{
    json_object *v = arena_keep_json(c->arena, json_parse_bounded(res->body, res->body_len, NULL));
    json_object *data = ing_json_get(v, "data");
    const char *fn = ing_json_get_string(data, "fn_id");
    const char *app = ing_json_get_string(data, "app_id");
    if (!fn || !*fn || !app || !*app)
        return false;
    d->fn_uuid = fn;
    d->app_uuid = app;
    const char *token = ing_json_get_string(data, "token");
    d->token = token && *token ? token : NULL;
    return true;
}

bool durable_checkpoint(struct ing_ctx *c, json_object *ops, const char **why)
{
    struct durable *d = c->durable;
    *why = NULL;
    if (!d || d->reentry || !d->run_id) {
        *why = "not a synchronous durable request";
        return false;
    }
    if (d->broken) {
        *why = d->failure ? d->failure : "an earlier checkpoint of this request failed";
        return false;
    }
    size_t len = 0;
    const char *body = request_body(c, d, ops, &len);
    const char *id = url_encode_arena(c->arena, d->run_id);
    const char *path = !id ? NULL
                       : d->created ? arena_printf(c->arena, "/v1/checkpoint/%s/steps", id)
                                    : "/v1/checkpoint";
    struct http_result res = {0};
    bool answered = body && path && api_request(c, "POST", path, body, len, &durable_retried, &res);
    bool ok = answered && res.status >= 200 && res.status < 300 &&
              (d->created || read_created(c, d, &res));
    if (ok) {
        d->created = true;
        d->saved += (int)json_object_array_length(ops);
        return true;
    }
    d->broken = true;
    if (!body || !path)
        *why = "out of memory";
    else if (!answered)
        *why = arena_printf(c->arena, "the Inngest API could not be reached (%s)",
                            res.error[0] ? res.error : "no answer");
    else if (res.status >= 200 && res.status < 300)
        *why = "the Inngest API's answer to the new run has no fn_id and app_id";
    else
        *why = arena_printf(c->arena, "the Inngest API answered %ld: %.200s", res.status,
                            res.body ? res.body : "");
    if (!*why)
        *why = "out of memory";
    d->failure = *why;
    return false;
}

enum checkpoint_outcome durable_step(struct ing_ctx *c, json_object *op, int64_t started_ns)
{
    json_object *timing = json_object_new_object();
    if (timing && json_take_set(timing, "a", json_object_new_int64(started_ns)) &&
        json_take_set(timing, "b", json_object_new_int64(checkpoint_now_ns() - started_ns)))
        json_take_set(op, "timing", timing);
    else
        json_object_put(timing);
    json_object *ops = arena_keep_json(c->arena, json_object_new_array());
    const char *why = NULL;
    if (!ops || json_object_array_add(ops, json_object_get(op)) != 0)
        return CHECKPOINT_FALLBACK;
    if (durable_checkpoint(c, ops, &why))
        return CHECKPOINT_SAVED;
    ing_log(ING_LOG_WARN, "durable route %s (run %s): step not checkpointed: %s",
            c->durable->route ? c->durable->route->path : "?", c->durable->run_id, why);
    return CHECKPOINT_FALLBACK;
}

const char *durable_output_url(struct ing_ctx *c)
{
    const struct durable *d = c->durable;
    if (!d || !d->created || !d->token)
        return NULL;
    const char *id = url_encode_arena(c->arena, d->run_id);
    const char *token = url_encode_arena(c->arena, d->token);
    if (!id || !token)
        return NULL;
    return arena_printf(c->arena, "%s/v1/checkpoint/%s/output?token=%s",
                        c->server->settings.api_origin, id, token);
}

json_object *durable_api_result(int status, const char *content_type, const char *body)
{
    json_object *r = json_object_new_object();
    json_object *h = json_object_new_object();
    bool ok = r && h && json_take_set(h, "Content-Type", json_object_new_string(content_type));
    if (!ok) {
        json_object_put(h);
        json_object_put(r);
        return NULL;
    }
    if (!json_take_set(r, "status", json_object_new_int(status)) || !json_take_set(r, "headers", h) ||
        !json_take_set(r, "body", json_object_new_string(body ? body : ""))) {
        json_object_put(r);
        return NULL;
    }
    return r;
}
