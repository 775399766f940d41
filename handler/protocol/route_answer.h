/*
 * route_answer.h — how an answer is put together (route_answer.c).
 */
#ifndef ING_ROUTE_ANSWER_H
#define ING_ROUTE_ANSWER_H

struct ing_ctx;
struct ing_http_response;
struct response;

/* A route handler's answer (status, body, content type, headers) into res. */
void route_answer_handler(struct ing_ctx *c, const struct ing_http_response *hres,
                         struct response *res);

/* The SDK headers every answer to Inngest carries, and, when the request
 * was verified with `verified_key`, the signature of the answer. */
void route_answer_sdk(struct ing_ctx *c, struct response *res, const char *verified_key);

/* The SDK headers alone (an answer that is not signed). */
void route_sdk_headers(struct response *res);

/* The answer's header lines grow in the request's memory. */
void route_answer_memory(struct ing_ctx *c, struct response *res);

#endif
