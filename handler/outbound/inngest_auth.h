/*
 * inngest_auth.h — how every request to Inngest (the Inngest API, the Event
 * API, the checkpoint API) is dressed and authenticated, written once.
 *
 * The headers: JSON content, the SDK's name and version (X-Inngest-SDK,
 * User-Agent), the framework, the environment (X-Inngest-Env) when one is
 * set, and Authorization: Bearer <hashed signing key> when a key is given.
 * inngest_send() sends with the signing key and, on 401/403, once more with
 * the fallback key (a key rotation in progress), each with the policy's
 * retries.  No key or token ever reaches a log line or an error text.
 */
#ifndef ING_OUTBOUND_INNGEST_AUTH_H
#define ING_OUTBOUND_INNGEST_AUTH_H

#include <stdbool.h>

#include "outbound/http_client.h"
#include "outbound/retry.h"

struct ing_ctx;

/* The header lines (NULL-terminated, in the arena) for a call authenticated
 * with `key` (NULL: no Authorization), followed by `extra` (NULL-terminated,
 * may be NULL; at most 8).  NULL on allocation failure: a call must then not
 * go out, since it would go without a header it needs. */
const char *const *inngest_headers(struct ing_ctx *c, const char *key, const char *const *extra);

/* Sends call (its headers are set here) with the signing key, then with the
 * fallback key after a 401/403.  Returns what outbound_send returns; false
 * with "out of memory" in res->error when the headers could not be built. */
bool inngest_send(struct ing_ctx *c, struct http_call *call, const char *const *extra,
                  const struct outbound_policy *policy, struct http_result *res);

#endif
