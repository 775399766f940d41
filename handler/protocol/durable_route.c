/*
 * durable_route.c — serving a durable route (see durable_route.h).
 *
 * Two kinds of request reach a durable route.  A client's (no X-Run-ID):
 * we name a run (a ULID), describe the request as the run's
 * inngest/http.request event, and run the handler with the step engine in
 * "inline" mode, where every new run step is executed and checkpointed
 * (outbound/durable_api.c) before the function goes on.  The outcome decides
 * the answer: a value → RunComplete checkpointed, 200 with the value; ops
 * that need the executor → checkpointed, 302 to the output URL; a failure
 * no retry can fix → the run ends with the error, which the client gets.
 * An executor's (X-Run-ID, signed): a classic call (call_handler.c's parts)
 * on the state the API holds, answered as any call: 206 with ops, or 200
 * with the value, which ends the run and is the output the client's
 * redirect reads.  One arena, one longjmp landing, as for functions.
 */
#include "protocol/durable_route.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/base64.h"
#include "base/json_take.h"
#include "base/limits.h"
#include "base/ulid.h"
#include "core/context.h"
#include "core/request.h"
#include "core/response.h"
#include "core/server.h"
#include "core/signature.h"
#include "inngest.h"
#include "outbound/durable_api.h"
#include "outbound/inngest_api.h"
#include "protocol/call_handler.h"
#include "protocol/route_answer.h"
#include "protocol/sync.h"

#define HTTP_REQUEST_EVENT "inngest/http.request"
/* the id the run's last op carries (RunComplete, or the handler's own error) */
#define COMPLETE_STEP_ID "complete"
/* A call from the executor does not say its attempt: it counts them, and
 * fails the run when they are spent.  So every error we report is retriable. */
#define EXECUTOR_COUNTS_ATTEMPTS 1000000

static json_object *run_handler(struct ing_ctx *c)
{
    return c->durable->route->durable(c, c->durable->req);
}

/* The struct ing_function the engine runs: the route under its path. */
static struct ing_function *route_function(struct ing_ctx *c, const struct ing_route *route)
{
    struct ing_function *fn = arena_alloc(c->arena, sizeof(*fn));
    if (!fn)
        return NULL;
    memset(fn, 0, sizeof(*fn));
    fn->id = route->path;
    fn->name = route->path;
    fn->handler = run_handler;
    fn->retries = route->retries;
    return fn;
}

static int route_retries(const struct ing_route *route)
{
    if (!route->retries.set)
        return 4;
    return route->retries.count < 0 ? 0 : route->retries.count > 20 ? 20 : route->retries.count;
}

/* A run id Inngest could have made: 26 characters of Crockford base32. */
static bool plausible_ulid(const char *s)
{
    if (!s || strlen(s) != 26)
        return false;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", *p))
            return false;
    return true;
}

/* A query string replayed by the executor: printable ASCII without spaces. */
static bool plain_query(const char *q)
{
    for (; q && *q; q++)
        if (*q <= ' ' || *q >= 0x7f)
            return false;
    return true;
}

/* {"error": msg}, the shape of every error a durable route answers */
static void client_error(struct ing_ctx *c, struct response *res, int status, const char *msg)
{
    json_object *o = arena_keep_json(c->arena, json_object_new_object());
    if (o && json_take_set(o, "error", json_object_new_string(msg ? msg : "out of memory")))
        response_json(res, status, o);
    else
        response_message(res, c->arena, status, msg ? msg : "out of memory");
    res->log_outcome = arena_printf(c->arena, "error: %s", msg ? msg : "out of memory");
}

static const char *hash_of(struct ing_ctx *c, const char *id)
{
    char hex[41];
    sig_sha1_hex(id, strlen(id), hex);
    return arena_strdup(c->arena, hex);
}

/* [{"op":"RunComplete","id":sha1("complete"),"data":<api result>}], or one
 * op of `opcode` with an error instead; on the arena. */
static json_object *final_ops(struct ing_ctx *c, const char *opcode, json_object *data,
                              json_object *error)
{
    json_object *op = json_object_new_object();
    /* data and error are op's from here, whatever fails next */
    bool ok = op != NULL;
    if (!op) {
        json_object_put(data);
        json_object_put(error);
    } else {
        bool data_ok = !data || json_take_set(op, "data", data);
        bool error_ok = !error || json_take_set(op, "error", error); /* taken even when data failed */
        ok = data_ok && error_ok;
    }
    json_object *ops = arena_keep_json(c->arena, json_object_new_array());
    const char *id = hash_of(c, COMPLETE_STEP_ID);
    ok = ok && ops && id && json_take_set(op, "op", json_object_new_string(opcode)) &&
         json_take_set(op, "id", json_object_new_string(id));
    if (!ok) {
        json_object_put(op);
        return NULL;
    }
    return json_take_push(ops, op) ? ops : NULL;
}

static const char *json_text(struct ing_ctx *c, json_object *v)
{
    size_t len = 0;
    const char *t = json_object_to_json_string_length(v, ING_JSON_FLAGS, &len);
    return t ? arena_strdup(c->arena, t) : NULL;
}

/* ---- the executor's call ------------------------------------------------ */

static void serve_reentry(struct ing_ctx *c, const char *run_id, struct request *req,
                          struct response *res)
{
    const struct settings *s = &c->server->settings;
    const char *verified_key = NULL;
    if (!s->dev) {
        enum sig_outcome auth =
            sig_verify(request_param(req, "HTTP_X_INNGEST_SIGNATURE"), req->body, req->body_len,
                       s->signing_key, s->signing_key_fallback, c->server->now());
        if (auth == SIG_VALID_PRIMARY)
            verified_key = s->signing_key;
        else if (auth == SIG_VALID_FALLBACK)
            verified_key = s->signing_key_fallback;
        if (!verified_key) {
            client_error(c, res, auth == SIG_ERROR ? 500 : 401,
                         auth == SIG_ERROR ? "could not verify the request signature"
                                           : "Unauthorized: X-Run-ID needs a valid X-Inngest-Signature");
            response_header(res, "X-Inngest-No-Retry", "false");
            route_answer_sdk(c, res, NULL);
            return;
        }
    }
    if (!plausible_ulid(run_id)) {
        client_error(c, res, 400, "X-Run-ID is not a run id");
        response_header(res, "X-Inngest-No-Retry", "true");
        route_answer_sdk(c, res, verified_key);
        return;
    }
    res->log_run_id = run_id;
    json_object *events = NULL, *steps = NULL;
    const char *err = NULL;
    if (!api_load_run_state(c, run_id, &events, &steps, &err)) {
        client_error(c, res, 500, err);
        response_header(res, "X-Inngest-No-Retry", "false");
        route_answer_sdk(c, res, verified_key);
        return;
    }
    c->run_id = run_id;
    c->events = events;
    c->event = json_object_array_length(events) > 0 ? json_object_array_get_idx(events, 0) : NULL;
    c->steps = steps;
    c->attempt = 0;
    c->max_attempts = EXECUTOR_COUNTS_ATTEMPTS;
    const char *plan = request_param(req, "HTTP_X_INNGEST_FORCE_STEP_PLAN");
    c->disable_immediate = plan && strcmp(plan, "true") == 0;
    const char *target = request_param(req, "HTTP_X_INNGEST_STEP_ID");
    if (target && strlen(target) == 40 && strspn(target, "0123456789abcdef") == 40)
        c->target_step = target;
    res->log_step = c->target_step ? c->target_step : "step";
    if (!c->event || !json_object_is_type(c->event, json_type_object)) {
        client_error(c, res, 500, "the run has no event");
        response_header(res, "X-Inngest-No-Retry", "false");
        route_answer_sdk(c, res, verified_key);
        return;
    }
    if (!call_prepare(c)) {
        client_error(c, res, 500, NULL);
        route_answer_sdk(c, res, verified_key);
        return;
    }
    call_run(c, res);
    /* the classic answers: 200 with the value ends the run, the value being
     * the output the client's redirect reads */
    call_answer(c, res);
    route_answer_sdk(c, res, verified_key);
}

/* ---- the client's request ----------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The run's event: the request as the executor will replay it. */
static json_object *http_event(struct ing_ctx *c, const struct ing_route *route,
                               const struct ing_http_request *hreq, const char *origin)
{
    const char *body64 = base64_encode_arena(c->arena, hreq->body ? hreq->body : "",
                                             hreq->body ? hreq->body_len : 0);
    const char *ip = ing_http_client_ip(hreq);
    const char *type = ing_http_header(hreq, "Content-Type");
    json_object *ev = arena_keep_json(c->arena, json_object_new_object());
    json_object *data = json_object_new_object();
    /* Go reads "body" as []byte: base64 (a plain string is refused with 400) */
    bool ok = ev && body64 && json_take_set(data, "domain", json_object_new_string(origin)) &&
              json_take_set(data, "method", json_object_new_string(hreq->method)) &&
              json_take_set(data, "path", json_object_new_string(hreq->path)) &&
              json_take_set(data, "fn", json_object_new_string(route->path)) &&
              json_take_set(data, "ip", json_object_new_string(ip ? ip : "")) &&
              json_take_set(data, "content_type", json_object_new_string(type ? type : "")) &&
              json_take_set(data, "query_params", json_object_new_string(hreq->query ? hreq->query : "")) &&
              json_take_set(data, "body", json_object_new_string(body64));
    if (!ok) {
        json_object_put(data);
        return NULL;
    }
    ok = json_take_set(ev, "name", json_object_new_string(HTTP_REQUEST_EVENT)) &&
         json_take_set(ev, "data", data) && json_take_set(ev, "ts", json_object_new_int64(now_ms()));
    return ok ? ev : NULL;
}

/* The origin the executor reaches us at: the sync URL without the endpoint's
 * path (INNGEST_SERVE_ORIGIN, or in dev mode a loopback Host). */
static const char *serve_origin(struct ing_ctx *c, const struct request *req, const char **why)
{
    const char *url = sync_serve_url(c, req, why);
    if (!url)
        return NULL;
    size_t n = strlen(url), p = strlen(c->server->settings.endpoint_path);
    return n >= p ? arena_strndup(c->arena, url, n - p) : url;
}

/* The run went to the executor: the client follows the redirect to its output. */
static void answer_async(struct ing_ctx *c, struct response *res, const char *what)
{
    const char *url = durable_output_url(c);
    if (!url) {
        client_error(c, res, 502, "the Inngest server gave no token for this run's output");
        return;
    }
    json_object *body = arena_keep_json(c->arena, json_object_new_object());
    if (!body || !json_take_set(body, "run_id", json_object_new_string(c->run_id)) ||
        !json_take_set(body, "status", json_object_new_string("running")) ||
        !json_take_set(body, "output_url", json_object_new_string(url))) {
        client_error(c, res, 500, NULL);
        return;
    }
    response_json(res, 302, body);
    response_header(res, "Location", url);
    res->log_outcome = arena_printf(c->arena, "async (%s): 302 to the run's output", what);
}

/* An error that ends the run: the client gets it, and the server records the
 * run as ended with the same answer (not left running). */
static void answer_final_error(struct ing_ctx *c, struct response *res, int status,
                               const char *name, const char *message)
{
    json_object *body = arena_keep_json(c->arena, json_object_new_object());
    if (!body || !json_take_set(body, "error", json_object_new_string(message ? message : "")) ||
        !json_take_set(body, "name", json_object_new_string(name ? name : "Error")) ||
        !json_take_set(body, "run_id", json_object_new_string(c->run_id))) {
        client_error(c, res, 500, NULL);
        return;
    }
    const char *text = json_text(c, body);
    json_object *ops = text ? final_ops(c, "RunComplete",
                                        durable_api_result(status, "application/json", text), NULL)
                            : NULL;
    const char *why = NULL;
    if (!ops || !durable_checkpoint(c, ops, &why))
        ing_log(ING_LOG_WARN, "durable route %s (run %s): the failed run was not recorded: %s",
                c->durable->route->path, c->run_id, why ? why : "out of memory");
    response_json(res, status, body);
    res->log_outcome = arena_printf(c->arena, "error: %s: %s", name ? name : "Error",
                                    message ? message : "");
}

static void answer_sync(struct ing_ctx *c, struct response *res)
{
    const char *why = NULL;
    switch (c->outcome) {
    case CALL_RESULT: {
        const char *text = json_text(c, c->result);
        json_object *ops = text ? final_ops(c, "RunComplete",
                                            durable_api_result(200, "application/json", text), NULL)
                                : NULL;
        if (!ops) {
            client_error(c, res, 500, NULL);
            return;
        }
        /* the work is done: the client gets it even if the server missed the end */
        if (!durable_checkpoint(c, ops, &why))
            ing_log(ING_LOG_WARN, "durable route %s (run %s): the run's end was not recorded: %s",
                    c->durable->route->path, c->run_id, why);
        response_json(res, 200, c->result);
        res->log_outcome = arena_printf(c->arena, "result; %d op(s) checkpointed", c->durable->saved);
        return;
    }
    case CALL_OPS: {
        json_object *first = json_object_array_get_idx(c->ops, 0);
        const char *opcode = ing_json_get_string(first, "op");
        if (!durable_checkpoint(c, c->ops, &why)) {
            ing_log(ING_LOG_ERROR, "durable route %s (run %s): %s", c->durable->route->path,
                    c->run_id, why);
            client_error(c, res, 503,
                         arena_printf(c->arena, "the Inngest server could not take this run: %s", why));
            return;
        }
        answer_async(c, res, arena_printf(c->arena, "%s %s", opcode ? opcode : "?",
                                          ing_json_get_string(first, "displayName")
                                              ? ing_json_get_string(first, "displayName") : ""));
        return;
    }
    case CALL_FN_ERROR: {
        const struct pending_error *e = &c->error;
        bool retriable = e->kind != FAIL_NON_RETRIABLE && c->attempt + 1 < c->max_attempts;
        if (!retriable) {
            answer_final_error(c, res, e->kind == FAIL_NON_RETRIABLE ? 400 : 500, e->name, e->message);
            return;
        }
        /* the handler failed outside its steps: the executor retries it */
        json_object *error = json_object_new_object();
        if (!json_take_set(error, "name", json_object_new_string(e->name ? e->name : "Error")) ||
            !json_take_set(error, "message", json_object_new_string(e->message ? e->message : "")) ||
            !json_take_set(error, "stack", json_object_new_string(""))) {
            json_object_put(error);
            client_error(c, res, 500, NULL);
            return;
        }
        json_object *ops = final_ops(c, "StepError", NULL, error);
        if (!ops || !durable_checkpoint(c, ops, &why)) {
            client_error(c, res, 503,
                         arena_printf(c->arena, "the Inngest server could not take this run: %s",
                                      why ? why : "out of memory"));
            return;
        }
        answer_async(c, res, "the handler failed; retried");
        return;
    }
    case CALL_STEP_NOT_FOUND:
    case CALL_SDK_ERROR:
        ing_log(ING_LOG_ERROR, "durable route %s: %s", c->durable->route->path,
                c->sdk_error ? c->sdk_error : "targeted step in a client's request");
        answer_final_error(c, res, 500, "Error", c->sdk_error ? c->sdk_error : "internal error");
        return;
    }
}

/* The route's plain handler, when it has one, is the gate of the client's
 * requests: an answer it gives (a status) is sent and no run starts. */
static bool gate_passes(struct ing_ctx *c, const struct ing_route *route,
                        const struct ing_http_request *hreq, struct response *res)
{
    if (!route->handler)
        return true;
    struct ing_http_response hres = {.ctx = c};
    jmp_buf landing;
    c->unwind = &landing;
    if (setjmp(landing) != 0) {
        c->unwind = NULL;
        ing_log(ING_LOG_ERROR, "route %s: %s", route->path,
                c->sdk_error ? c->sdk_error : "a step or error was raised in the gate");
        client_error(c, res, 500, "internal error");
        return false;
    }
    route->handler(hreq, &hres);
    c->unwind = NULL;
    if (hres.status == 0)
        return true;
    route_answer_handler(c, &hres, res);
    res->log_outcome = "answered by the gate";
    return false;
}

static void serve_client(struct ing_ctx *c, const struct ing_route *route, struct request *req,
                         const struct ing_http_request *hreq, struct response *res)
{
    if (!gate_passes(c, route, hreq, res))
        return;
    const char *why = NULL;
    const char *origin = serve_origin(c, req, &why);
    if (!origin) {
        ing_log(ING_LOG_ERROR, "durable route %s: %s", route->path, why ? why : "out of memory");
        client_error(c, res, 500, "this durable route cannot be reached by Inngest (see the log)");
        return;
    }
    if (!plain_query(hreq->query)) {
        client_error(c, res, 400, "the query string has characters that must be percent-encoded");
        return;
    }
    char id[ULID_SIZE];
    if (!ulid_new(id)) {
        client_error(c, res, 500, "no randomness for a run id");
        return;
    }
    struct durable *d = c->durable;
    d->started_ns = checkpoint_now_ns();
    d->run_id = arena_strdup(c->arena, id);
    d->retries = route_retries(route);
    d->event = http_event(c, route, hreq, origin);
    json_object *events = arena_keep_json(c->arena, json_object_new_array());
    if (!d->run_id || !d->event || !events || !json_take_push(events, json_object_get(d->event)) ||
        !call_prepare(c)) {
        client_error(c, res, 500, NULL);
        return;
    }
    c->run_id = d->run_id;
    c->event = d->event;
    c->events = events;
    c->attempt = 0;
    c->max_attempts = d->retries + 1;
    res->log_run_id = c->run_id;
    res->log_step = "step";
    call_run(c, res);
    answer_sync(c, res);
    if (d->saved > 0 || d->created)
        response_header(res, "X-Inngest-Run-Id", c->run_id);
}

void durable_route_serve(struct ing_ctx *c, const struct ing_route *route, struct request *req,
                         struct response *res)
{
    res->log_target = route->path;
    struct ing_http_request hreq = {.method = req->method, .path = req->path,
                                    .query = req->query, .body = req->body,
                                    .body_len = req->body_len, .ctx = c,
                                    .params = req->params};
    struct durable *d = arena_alloc(c->arena, sizeof(*d));
    struct ing_function *fn = route_function(c, route);
    if (!d || !fn) {
        client_error(c, res, 500, NULL);
        return;
    }
    memset(d, 0, sizeof(*d));
    d->route = route;
    d->req = &hreq;
    c->durable = d;
    c->fn = fn;
    const char *run_id = request_param(req, "HTTP_X_RUN_ID");
    if (run_id) {
        d->reentry = true;
        serve_reentry(c, run_id, req, res);
    } else {
        serve_client(c, route, req, &hreq, res);
    }
    /* hreq lives on this frame: nothing may reach it after we return */
    d->req = NULL;
}
