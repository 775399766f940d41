/*
 * inngest_api.h — our calls to the Inngest API (PROTOCOL.md §6.2, §7, §12):
 * registering the app, loading a run's state when the executor says use_api,
 * and sending events to the Event API.
 *
 * Authenticates with the hashed signing key, and repeats a call once with the
 * fallback key's token on 401/403.  Errors come back as text meant for a
 * human; no key or token is ever part of it.
 */
#ifndef ING_INNGEST_API_H
#define ING_INNGEST_API_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

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

/* Any other call to the Inngest API (signals, realtime): the SDK headers and
 * the bearer token (the fallback key's on 401/403), tried `attempts` times in
 * all while no answer arrives or the answer is a 5xx, pausing 100 ms, 200 ms,
 * … between tries.  true when an answer arrived (any status). */
struct http_call;
struct http_result;
bool api_request(struct ing_ctx *c, struct http_call *call, int attempts, struct http_result *res);


/* One authenticated call, tried once, to {api}{path} (the fallback key after a 401/403),
 * for callers that shape their own body and read their own answer.  true
 * when an answer arrived (any status). */
bool api_request_path(struct ing_ctx *c, const char *method, const char *path, const char *body,
                 size_t body_len, struct http_result *res);

#endif
