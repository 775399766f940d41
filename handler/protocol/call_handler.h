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

void call_handle(struct ing_ctx *c, const struct request *req, struct response *res);

#endif
