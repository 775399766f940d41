/*
 * third_party.h — the product app's calls to Resend, GitHub and Readwise,
 * made with the SDK's ing_http_fetch (its client, limits and retry rule),
 * and the one way the three services fail (functions/README.md §2.1):
 *   4xx other than 408/429, 1xx/3xx  → non-retriable (the request is wrong)
 *   429                      → retry after the service's Retry-After
 *                              (seconds or an HTTP date; 60 s when absent)
 *   408, 5xx, network errors → retriable
 *   409 named concurrent_idempotent_requests (Resend: the first request with
 *   the same Idempotency-Key is still in flight) → retriable
 * which is the SDK's transient rule (ing_http_transient) with the messages
 * and the Resend case added.  Every call runs inside a step body: a
 * classified failure ends the step, and the executor retries it or records
 * the failure.  Everything lives in the request's memory, so a failure (which
 * unwinds with longjmp) leaks nothing.
 *
 * Must never log or put in an error message a key, a token, a request body
 * (an email's text) or a whole response body: error messages carry the
 * service, the status and at most a short "message" field of the answer.
 */
#ifndef PRODUCT_THIRD_PARTY_H
#define PRODUCT_THIRD_PARTY_H

#include <stdbool.h>
#include <stddef.h>

#include "inngest.h"

/* A step should end well before any proxy gives up on the call request. */
#define TP_TIMEOUT_MS 20000
/* A 429 without a usable Retry-After waits this long. */
#define TP_DEFAULT_RETRY_AFTER 60L

struct tp_request {
    const char *service;         /* "Resend", "GitHub", "Readwise": for messages */
    const char *method;          /* "GET" or "POST" */
    const char *url;
    const char *const *headers;  /* NULL-terminated "Name: value" lines (at most 14) */
    const char *body;            /* NULL for none */
};

struct tp_response {
    long status;                 /* 2xx (anything else has failed the step) */
    const char *body;            /* NUL-terminated, request memory ("" when empty) */
    size_t body_len;
    json_object *json;           /* the parsed body, NULL unless JSON; borrowed */
};

/* Performs the request.  Returns only on a 2xx answer; any other outcome is
 * classified and raised (the function never returns then). */
void tp_call(struct ing_ctx *c, const struct tp_request *rq, struct tp_response *out);

/* Raises the classified error for an answer that was not 2xx (or status 0
 * with `detail` saying why nothing arrived); retry_after_s: the answer's
 * Retry-After in seconds, -1 when none. */
_Noreturn void tp_fail(struct ing_ctx *c, const char *service, long status, long retry_after_s,
                       const char *detail);

/* POSTs `body` as JSON to `url` with Authorization: Bearer <token> and
 * `extra` (one more header line, or NULL): tp_call's outcomes. */
void tp_post_json(struct ing_ctx *c, const char *service, const char *url, const char *token,
                  const char *extra, json_object *body, struct tp_response *out);

/* The base URL from env_name (trailing slashes dropped), or dflt. */
const char *tp_base_url(struct ing_ctx *c, const char *env_name, const char *dflt);

#endif
