/*
 * sync.h — PUT: registering the app with Inngest (PROTOCOL.md §6).
 *
 * Out of band: build the payload and POST it to /fn/register, relaying the
 * server's verdict.  In band (signed X-Inngest-Sync-Kind: in_band): answer
 * with the payload instead.  The URL we advertise comes from
 * INNGEST_SERVE_ORIGIN/PATH, else from the request's own host and scheme;
 * X-Forwarded-* only when the operator trusts the proxy, because anyone can
 * send a PUT and a forged host would register our app elsewhere.
 */
#ifndef ING_SYNC_H
#define ING_SYNC_H

#include "signature.h"

#include <json-c/json.h>

struct ing_ctx;
struct ing_request;
struct ing_response;
struct ing_server;

void sync_handle(struct ing_ctx *c, const struct ing_request *req, struct ing_response *res,
                 enum sig_outcome auth);

/* The body of POST /fn/register for an endpoint URL (a new value the caller
 * owns; NULL on allocation failure).  inngest-fcgi --check prints it. */
json_object *sync_register_payload(const struct ing_server *srv, const char *url);

/* The endpoint URL to advertise for this request (no query string). */
const char *sync_serve_url(struct ing_ctx *c, const struct ing_request *req);

#endif
