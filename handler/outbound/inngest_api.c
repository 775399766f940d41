/*
 * inngest_api.c — register and use_api calls to the Inngest API.
 */
#include "outbound/inngest_api.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "core/settings.h"
#include "core/context.h"
#include "outbound/http_client.h"
#include "base/json_parse.h"
#include "base/limits.h"
#include "core/server.h"
#include "core/signature.h"
#include "base/url_encode.h"

#define SDK_HEADER "X-Inngest-SDK: " ING_SDK_NAME ":v" ING_SDK_VERSION

/* Headers for a call authenticated with `key` (NULL → no Authorization). */
static const char **api_headers(struct ing_ctx *c, const char *key, const char *const *extra)
{
    const struct settings *s = &c->server->settings;
    const char **h = arena_alloc(c->arena, 12 * sizeof(*h));
    if (!h)
        return NULL;
    int n = 0;
    h[n++] = "Content-Type: application/json";
    h[n++] = SDK_HEADER;
    h[n++] = "User-Agent: " ING_SDK_NAME ":v" ING_SDK_VERSION;
    h[n++] = "X-Inngest-Framework: fastcgi";
    if (s->env)
        h[n++] = arena_printf(c->arena, "X-Inngest-Env: %s", s->env);
    if (key) {
        char token[160];
        if (sig_bearer_token(key, token, sizeof(token)))
            h[n++] = arena_printf(c->arena, "Authorization: Bearer %s", token);
    }
    for (const char *const *e = extra; e && *e && n < 11; e++)
        h[n++] = *e;
    h[n] = NULL;
    return h;
}

/* Performs the call with the primary key, then once with the fallback on 401/403. */
static bool api_call(struct ing_ctx *c, struct http_call *call, const char *const *extra,
                     struct http_result *res)
{
    const struct settings *s = &c->server->settings;
    call->headers = api_headers(c, s->signing_key, extra);
    bool ok = http_perform(c->server->http, c->arena, call, res);
    if (ok && (res->status == 401 || res->status == 403) && s->signing_key_fallback) {
        call->headers = api_headers(c, s->signing_key_fallback, extra);
        ok = http_perform(c->server->http, c->arena, call, res);
    }
    return ok;
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

bool api_request(struct ing_ctx *c, const char *method, const char *path, const char *body,
                 size_t body_len, struct http_result *res)
{
    const char *url = arena_printf(c->arena, "%s%s", c->server->settings.api_origin, path);
    if (!url) {
        memset(res, 0, sizeof(*res));
        snprintf(res->error, sizeof(res->error), "out of memory");
        return false;
    }
    struct http_call call = {.method = method, .url = url, .body = body, .body_len = body_len,
                             .timeout_ms = ING_API_TIMEOUT_MS,
                             .max_response = ING_MAX_SMALL_RESPONSE};
    return api_call(c, &call, NULL, res);
}
