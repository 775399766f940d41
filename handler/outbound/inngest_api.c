/*
 * inngest_api.c — register, use_api and every other call to the Inngest API
 * (api_request).
 */
#include "outbound/inngest_api.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "core/settings.h"
#include "core/context.h"
#include "outbound/http_client.h"
#include "outbound/inngest_auth.h"
#include "base/json_parse.h"
#include "base/limits.h"
#include "core/server.h"
#include "base/url_encode.h"

/* Register and load-state answer the request that waits for them (a sync,
 * a call): one try each, the fallback key aside; the caller's caller retries. */
static const struct outbound_policy once = {.attempts = 1};

static bool api_call(struct ing_ctx *c, struct http_call *call, const char *const *extra,
                     struct http_result *res)
{
    return inngest_send(c, call, extra, &once, res);
}

/* The register endpoint answers JSON {"error": …} or, for auth, text/plain. */
static const char *describe_failure(struct ing_ctx *c, const struct http_result *res)
{
    json_object *body = json_parse_bounded(res->body, res->body_len, NULL);
    body = arena_keep_json(c->arena, body); /* NULL when it could not be kept (and is gone) */
    const char *msg = ing_json_get_string(body, "error");
    if (!msg)
        msg = ing_json_get_string(body, "message");
    if (msg && *msg)
        return arena_printf(c->arena, "%s", msg);
    if (res->body_len > 0 && res->body_len < 300 && !body)
        return arena_printf(c->arena, "HTTP %ld: %s", res->status, res->body);
    return arena_printf(c->arena, "HTTP %ld from the Inngest API", res->status);
}

bool api_register(struct ing_ctx *c, const char *payload, size_t payload_len,
                  const char *deploy_id, const char *server_kind, struct register_result *out)
{
    const struct settings *s = &c->server->settings;
    memset(out, 0, sizeof(*out));
    const char *url = deploy_id && *deploy_id
                          ? arena_printf(c->arena, "%s/fn/register?deployId=%s", s->api_origin,
                                         url_encode_arena(c->arena, deploy_id))
                          : arena_printf(c->arena, "%s/fn/register", s->api_origin);
    const char *extra[3] = {"X-Inngest-Sync-Kind: out_of_band", NULL, NULL};
    if (server_kind && *server_kind) {
        extra[1] = arena_printf(c->arena, "X-Inngest-Expected-Server-Kind: %s", server_kind);
        if (!extra[1]) {
            out->error = "out of memory";
            return false;
        }
    }
    struct http_call call = {.method = "POST", .url = url, .body = payload,
                             .body_len = payload_len, .timeout_ms = ING_REGISTER_TIMEOUT_MS,
                             .max_response = ING_MAX_SMALL_RESPONSE};
    struct http_result res;
    if (!api_call(c, &call, extra, &res)) {
        out->error = arena_printf(c->arena, "Failed to register; could not reach %s: %s",
                                  s->api_origin, res.error);
        return false;
    }
    out->http_status = (int)res.status;
    if (res.status != 200) {
        out->error = describe_failure(c, &res);
        return false;
    }
    json_object *body = json_parse_bounded(res.body, res.body_len, NULL);
    body = arena_keep_json(c->arena, body); /* NULL when it could not be kept (and is gone) */
    if (!body || !json_object_is_type(body, json_type_object)) {
        /* registered, but we cannot say whether anything changed: not a success to report */
        out->error = arena_printf(c->arena, "the Inngest API accepted the sync but its answer "
                                            "could not be read (out of memory or not JSON)");
        return false;
    }
    json_object *m = ing_json_get(body, "modified");
    out->modified = m && json_object_is_type(m, json_type_boolean) && json_object_get_boolean(m);
    return true;
}

static json_object *get_json(struct ing_ctx *c, const char *url, json_type want, const char **error)
{
    struct http_call call = {.method = "GET", .url = url, .timeout_ms = ING_API_TIMEOUT_MS,
                             .max_response = ING_MAX_API_RESPONSE};
    struct http_result res;
    if (!api_call(c, &call, NULL, &res)) {
        *error = arena_printf(c->arena, "could not load run state: %s", res.error);
        return NULL;
    }
    if (res.status != 200) {
        *error = arena_printf(c->arena, "could not load run state: HTTP %ld", res.status);
        return NULL;
    }
    json_object *v = json_parse_bounded(res.body, res.body_len, NULL);
    v = arena_keep_json(c->arena, v); /* NULL when it could not be kept (and is gone) */
    if (!v || !json_object_is_type(v, want)) {
        *error = "could not load run state: the API's answer is not the expected JSON";
        return NULL;
    }
    return v;
}

bool api_load_run_state(struct ing_ctx *c, const char *run_id, json_object **events,
                        json_object **steps, const char **error)
{
    const char *origin = c->server->settings.api_origin;
    const char *id = url_encode_arena(c->arena, run_id);
    *events = get_json(c, arena_printf(c->arena, "%s/v0/runs/%s/batch", origin, id),
                       json_type_array, error);
    if (!*events)
        return false;
    *steps = get_json(c, arena_printf(c->arena, "%s/v0/runs/%s/actions", origin, id),
                      json_type_object, error);
    return *steps != NULL;
}

const struct outbound_policy api_retried = {.attempts = 3, .first_pause_ms = 100};

bool api_request(struct ing_ctx *c, const char *method, const char *path, const char *body,
                 size_t body_len, const struct outbound_policy *policy, struct http_result *res)
{
    const char *url = arena_printf(c->arena, "%s%s", c->server->settings.api_origin, path);
    if (!c->server->http || !url) {
        memset(res, 0, sizeof(*res));
        res->body = res->headers = "";
        /* ing_test_call without a server named: nothing leaves */
        snprintf(res->error, sizeof(res->error), "%s",
                 url ? "no Inngest API in this process" : "out of memory");
        return false;
    }
    struct http_call call = {.method = method, .url = url, .body = body, .body_len = body_len,
                             .timeout_ms = ING_API_TIMEOUT_MS,
                             .max_response = ING_MAX_SMALL_RESPONSE};
    return inngest_send(c, &call, NULL, policy ? policy : &once, res);
}
