/*
 * call_handler.h — POST call requests: parse the executor's body once, find
 * the function, run it with the step engine and turn the outcome into the
 * status, headers and body the executor expects (PROTOCOL.md §7–§10).
 *
 * Runs after the router has verified the signature; never verifies itself.
 */
#ifndef ING_CALL_HANDLER_H
#define ING_CALL_HANDLER_H

struct ing_ctx;
struct request;
struct response;

#include <stdbool.h>

void call_handle(struct ing_ctx *c, const struct request *req, struct response *res);

/* The three parts of a call, for callers that set up c themselves (a
 * durable route, protocol/durable_route.c): the engine's tables (false when
 * out of memory); the function, from the top, until its outcome
 * (c->outcome; res only names it for the crash note); the classic answer
 * for that outcome. */
bool call_prepare(struct ing_ctx *c);
void call_run(struct ing_ctx *c, struct response *res);
void call_answer(struct ing_ctx *c, struct response *res);

#endif
