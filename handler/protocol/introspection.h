/*
 * introspection.h — the GET answer (PROTOCOL.md §5), also embedded in in-band sync.
 *
 * The unauthenticated body reveals only counts, booleans and the mode; the
 * authenticated body (cloud mode, valid signature) adds origins, ids and key
 * hashes.  Never a key itself.
 */
#ifndef ING_INTROSPECTION_H
#define ING_INTROSPECTION_H

#include <json-c/json.h>

#include "core/signature.h"

struct server;

/* A new json-c object (caller owns it).  `auth` is the outcome of verifying
 * the request; a missing signature gives authentication_succeeded null. */
json_object *introspection_body(const struct server *srv, enum sig_outcome auth);

/* The body depends only on the settings and on which of three kinds `auth`
 * is (no signature or dev mode, a wrong one, a right one), so the GET answer
 * is rendered once per kind at start-up instead of built per request. */
enum introspection_kind { INTRO_UNSIGNED, INTRO_REJECTED, INTRO_AUTHENTICATED, INTRO_KINDS };
void introspection_render(struct server *srv);
/* The rendered text for `auth`, or NULL (then build it with introspection_body). */
const char *introspection_text(const struct server *srv, enum sig_outcome auth, size_t *len);

#endif
