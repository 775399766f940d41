/*
 * inngest_auth.c — the Inngest headers and the fallback-key retry (see
 * inngest_auth.h).
 */
#include "outbound/inngest_auth.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "core/context.h"
#include "core/server.h"
#include "core/signature.h"

#define MAX_EXTRA 8

const char *const *inngest_headers(struct ing_ctx *c, const char *key, const char *const *extra)
{
    const struct settings *s = &c->server->settings;
    const char **h = arena_alloc(c->arena, (6 + MAX_EXTRA + 1) * sizeof(*h));
    if (!h)
        return NULL;
    int n = 0;
    h[n++] = "Content-Type: application/json";
    h[n++] = "X-Inngest-SDK: " ING_SDK_NAME ":v" ING_SDK_VERSION;
    h[n++] = "User-Agent: " ING_SDK_NAME ":v" ING_SDK_VERSION;
    h[n++] = "X-Inngest-Framework: fastcgi";
    if (s->env && !(h[n++] = arena_printf(c->arena, "X-Inngest-Env: %s", s->env)))
        return NULL;
    char token[160];
    if (key && sig_bearer_token(key, token, sizeof(token)) &&
        !(h[n++] = arena_printf(c->arena, "Authorization: Bearer %s", token)))
        return NULL;
    for (int i = 0; extra && extra[i] && i < MAX_EXTRA; i++)
        h[n++] = extra[i];
    h[n] = NULL;
    return h;
}

static bool refused_key(bool answered, const struct http_result *r)
{
    return answered && (r->status == 401 || r->status == 403);
}

bool inngest_send(struct ing_ctx *c, struct http_call *call, const char *const *extra,
                  const struct outbound_policy *policy, struct http_result *res)
{
    const struct settings *s = &c->server->settings;
    const char *keys[2] = {s->signing_key, s->signing_key_fallback};
    bool answered = false;
    for (int i = 0; i < 2; i++) {
        if (i == 1 && (!keys[1] || !refused_key(answered, res)))
            break;
        call->headers = inngest_headers(c, keys[i], extra);
        if (!call->headers) {
            memset(res, 0, sizeof(*res));
            res->body = res->headers = "";
            snprintf(res->error, sizeof(res->error), "out of memory");
            return false;
        }
        answered = outbound_send(c->server->http, c->arena, call, policy, res);
    }
    return answered;
}
