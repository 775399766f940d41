/*
 * router.h — which handler answers a request, and how large its body may be.
 *
 * The app's own routes (exact paths, or prefixes) go to their handlers; every other path
 * is the Inngest endpoint (nginx decides which paths reach us), where the
 * method selects introspection, sync or a call.  The router verifies
 * signatures; route_answer.h puts the answers together.
 */
#ifndef ING_ROUTER_H
#define ING_ROUTER_H

#include <stddef.h>

struct ing_ctx;
struct request;
struct response;
struct server;

struct ing_route;
/* The app route that answers path (an exact one first, then a prefix one),
 * or NULL for the Inngest endpoint. */
const struct ing_route *router_find_route(const struct server *srv, const char *path);

/* The body bound for this request, decided before the body is read. */
size_t router_max_body(const struct server *srv, const struct request *req);

/* Fills res; everything it allocates lives in c's arena. */
void router_serve(struct ing_ctx *c, struct request *req, struct response *res);

/* Answer for a body over the bound (the front does not read it). */
void router_too_large(struct ing_ctx *c, struct request *req, struct response *res,
                      size_t limit);

#endif
