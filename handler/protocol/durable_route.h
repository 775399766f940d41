/*
 * durable_route.h — a route of the app declared durable (.durable in struct
 * ing_route; PROTOCOL.md §21).
 *
 * A client's request runs the route's handler as an Inngest run created by
 * the SDK: each run step runs inline and is checkpointed before the next, and
 * the client gets the handler's value at once when nothing had to wait.  When
 * a step must wait (sleep, wait, invoke, a retry after a failure) the ops go
 * to the server, which owns the run from then on, and the client is answered
 * 302 to the run's output.  Inngest then calls the same route (with X-Run-ID
 * and a signature): that request is served as a classic call whose state
 * comes from the API (use_api) and whose end, 200 with the value, is the
 * run's output.
 */
#ifndef ING_DURABLE_ROUTE_H
#define ING_DURABLE_ROUTE_H

struct ing_ctx;
struct ing_route;
struct request;
struct response;

void durable_route_serve(struct ing_ctx *c, const struct ing_route *route, struct request *req,
                         struct response *res);

#endif
