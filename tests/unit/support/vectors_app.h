/*
 * vectors_app.h — the vectors' app in C, and a harness that replays one
 * recorded request through router_serve() with the vector's clock and keys.
 */
#ifndef TEST_VECTORS_APP_H
#define TEST_VECTORS_APP_H

#include <stdbool.h>

#include <json-c/json.h>

#include "core/context.h"
#include "core/response.h"
#include "core/server.h"

#define K1 "signkey-test-12345678"
#define K2 "signkey-test-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

extern const struct ing_app vectors_app;

struct replay {
    struct server srv;
    struct ing_ctx *ctx;
    struct response res;
    json_object *body_json;
    char *params[64];
};

/* Replays entry's request in cloud (K1, K2, event key) or dev mode.  api_base
 * overrides INNGEST_BASE_URL (NULL → http://127.0.0.1:8299, nothing listens). */
void replay_run(struct replay *r, json_object *entry, bool cloud, const char *api_base);
/* INNGEST_SERVE_ORIGIN for the replays that follow (NULL: unset, the
 * default).  A cloud-mode out-of-band sync needs it; the introspection
 * vectors were recorded without it. */
void replay_set_serve_origin(const char *origin);
void replay_free(struct replay *r);

#endif
