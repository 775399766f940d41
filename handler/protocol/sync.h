/*
 * sync.h — PUT: registering the app with Inngest (PROTOCOL.md §6).
 *
 * Out of band: build the payload and POST it to /fn/register, relaying the
 * server's verdict.  In band (signed X-Inngest-Sync-Kind: in_band): answer
 * with the payload instead.  The URL we register is INNGEST_SERVE_ORIGIN +
 * INNGEST_SERVE_PATH (default /api/inngest), never the request's path.  Only
 * in dev mode without an origin does it come from the request's host (or
 * X-Forwarded-* from a trusted proxy, when the operator trusts it), and then
 * only a loopback host: anyone can send a PUT, and a host of their choice
 * would have Inngest send our signed calls to them.  One out-of-band sync at
 * a time (sync_gate.h); the others get 429 with Retry-After at once.
 */
#ifndef ING_SYNC_H
#define ING_SYNC_H

#include "core/signature.h"

#include <json-c/json.h>

struct ing_ctx;
struct request;
struct response;
struct server;

void sync_handle(struct ing_ctx *c, const struct request *req, struct response *res,
                 enum sig_outcome auth);

/* The body of POST /fn/register for an endpoint URL (a new value the caller
 * owns; NULL on allocation failure).  inngest-fcgi --check prints it. */
json_object *sync_register_payload(const struct server *srv, const char *url);

/* The endpoint URL to advertise for this request (no query string), or NULL
 * and *why (a sentence naming the setting to fix) when there is none we may
 * trust. */
const char *sync_serve_url(struct ing_ctx *c, const struct request *req, const char **why);

#endif
