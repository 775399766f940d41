/*
 * third_party.h — the product app's calls to Resend, GitHub and Readwise.
 *
 * One tiny libcurl wrapper and ONE failure classifier shared by the three
 * services, so they all fail the same way (functions/README.md §2.1):
 *   4xx other than 408/429   → non-retriable (the request itself is wrong)
 *   429                      → retry after the service's Retry-After
 *                              (seconds or an HTTP date; 60 s when absent)
 *   408, 5xx, network errors → retriable
 *   409 named concurrent_idempotent_requests (Resend: the first request with
 *   the same Idempotency-Key is still in flight) → retriable
 * Every call runs inside a step body: a classified failure ends the step, and
 * the executor retries it or records the failure.  The handle, header list
 * and response buffer are registered on the request with ing_defer, so a
 * failure (which unwinds with longjmp) leaks nothing.
 *
 * Must never log or put in an error message a key, a token, a request body
 * (an email's text) or a whole response body: error messages carry the
 * service, the status and at most a short "message" field of the answer.
 */
#ifndef PRODUCT_THIRD_PARTY_H
#define PRODUCT_THIRD_PARTY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "inngest.h"

/* Answers we accept.  A Readwise page of 1,000 books is about 600 KB. */
#define TP_MAX_RESPONSE (1u * 1024u * 1024u)
#define TP_MAX_READWISE_PAGE (4u * 1024u * 1024u)
/* A step should end well before any proxy gives up on the call request. */
#define TP_TIMEOUT_MS 20000L
#define TP_CONNECT_TIMEOUT_MS 5000L
/* A 429 without a usable Retry-After waits this long. */
#define TP_DEFAULT_RETRY_AFTER 60L

struct tp_request {
    const char *service;         /* "Resend", "GitHub", "Readwise": for messages */
    const char *method;          /* "GET" or "POST" */
    const char *url;
    const char *const *headers;  /* NULL-terminated "Name: value" lines */
    const char *body;            /* NULL for none */
    size_t max_response;         /* 0 → TP_MAX_RESPONSE */
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

/* The transfer alone (third_party_transfer.c): one request, one answer, no
 * classification and no unwinding.  A file of its own, so that the fuzz
 * targets answer third-party calls from their input (they link
 * tests/fuzz/support/fuzz_third_party.c instead) while tp_call, the
 * classifier and the services' parsers stay the real code.  False when no
 * answer arrived (error says why) or it passed max (too_large). */
struct tp_answer {
    long status;
    char *body;                  /* malloc'd, NUL-terminated; NULL when empty */
    size_t body_len;
    bool too_large;
    char retry_after[64];        /* the Retry-After header, "" when absent */
    char error[256];
};
bool tp_transfer(const struct tp_request *rq, size_t max, struct tp_answer *out);

/* The classifier, on its own. */
enum tp_class { TP_OK, TP_RETRIABLE, TP_NON_RETRIABLE, TP_RETRY_AFTER };
enum tp_class tp_classify(long status);   /* status 0: no answer (network) */
/* Parses Retry-After: seconds ("120") or an HTTP date; false when unusable.
 * *when is the absolute time to retry at. */
bool tp_parse_retry_after(const char *value, time_t now, time_t *when);
/* Raises the classified error for an answer that was not 2xx (or status 0
 * with `detail` saying why nothing arrived). */
_Noreturn void tp_fail(struct ing_ctx *c, const char *service, long status,
                       const char *retry_after, const char *detail);

/* The base URL from env_name (trailing slashes dropped), or dflt. */
const char *tp_base_url(struct ing_ctx *c, const char *env_name, const char *dflt);

#endif
