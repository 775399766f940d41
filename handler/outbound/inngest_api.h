/*
 * inngest_api.h — our calls to the Inngest API (PROTOCOL.md §6.2, §7, §12,
 * §19-§21): registering the app, loading a run's state when the executor
 * says use_api, and api_request, the one entry point of every other call
 * (signals, realtime, a durable endpoint's checkpoints).
 *
 * Authenticates with the hashed signing key, and repeats a call once with the
 * fallback key's token on 401/403 (inngest_auth.h); retries go through the
 * one loop and rule of retry.h.  Errors come back as text meant for a human;
 * no key or token is ever part of it.
 */
#ifndef ING_INNGEST_API_H
#define ING_INNGEST_API_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "outbound/retry.h"

struct ing_ctx;

struct register_result {
    int http_status;        /* the API's status, 0 when it could not be reached */
    bool modified;
    const char *error;      /* NULL on success */
};

/* POST {api}/fn/register[?deployId=…] with the sync payload. */
bool api_register(struct ing_ctx *c, const char *payload, size_t payload_len,
                  const char *deploy_id, const char *server_kind, struct register_result *out);

/* GET /v0/runs/{run_id}/batch and /actions: the run's events and memoized
 * steps (borrowed, kept on the arena).  false + *error on any failure. */
bool api_load_run_state(struct ing_ctx *c, const char *run_id, json_object **events,
                        json_object **steps, const char **error);

/* Every other call to the Inngest API (signals, realtime, a durable
 * endpoint's checkpoints): `method` to {api}{path} (path with its query
 * string, encoded by the caller) with `body` (NULL: none), the SDK headers
 * and the bearer token (the fallback key's after a 401/403), tried as
 * `policy` says while retry.h's rule calls the failure transient.  true when
 * an answer arrived (any status); false with res->error when none did. */
bool api_request(struct ing_ctx *c, const char *method, const char *path, const char *body,
                 size_t body_len, const struct outbound_policy *policy, struct http_result *res);

/* For calls someone waits on inside a request (a signal, a realtime message
 * or token): three tries, 100 ms then 200 ms apart. */
extern const struct outbound_policy api_retried;

#endif
