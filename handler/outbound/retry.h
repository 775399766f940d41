/*
 * retry.h — the one rule for "may this request succeed if sent again?" and
 * the one retry loop, used by every outbound call (Inngest API, Event API,
 * checkpointing, ing_http_fetch) and by the step engine when it decides
 * whether a failed step is retried.
 *
 * The rule (outbound_transient): no answer at all (a network error, a
 * timeout), 408, 429 and every 5xx may pass later; any other status will be
 * answered the same way again.  An answer too large for its limit is not
 * transient either: it will be as large next time.
 *
 * The loop (outbound_send): up to policy->attempts tries of one call, while
 * the rule says transient.  Pauses double from first_pause_ms; a Retry-After
 * the server sent replaces the pause when it is at most OUTBOUND_MAX_PAUSE_MS,
 * and a longer one ends the loop with that answer, so the caller (the
 * executor, for a step) waits instead of a worker.  With a budget, no try
 * starts that could not end inside it, and each try's timeout is cut to what
 * is left.
 */
#ifndef ING_OUTBOUND_RETRY_H
#define ING_OUTBOUND_RETRY_H

#include <stdbool.h>
#include <time.h>

#include "outbound/http_client.h"

/* The longest pause we take inside a request: longer waits are the caller's. */
#define OUTBOUND_MAX_PAUSE_MS 1000L
/* Executors clamp Retry-After to a day; asking for more is pointless. */
#define OUTBOUND_MAX_RETRY_AFTER_S 86400L

struct outbound_policy {
    int attempts;          /* 1: no retry */
    long first_pause_ms;   /* the pause before the second try; doubled after */
    long budget_ms;        /* 0: none; else every try ends within it */
};

/* The rule, on its own: status 0 means no answer arrived. */
bool outbound_transient(long status);

/* The rule on a whole outcome: false for an answer (the status decides), and
 * for no answer whether the failure may pass (not an answer too large). */
bool outbound_result_transient(bool answered, const struct http_result *r);

/* Retry-After as seconds from now: "120" or an HTTP date (IMF-fixdate, or
 * the obsolete GMT forms RFC 9110 asks recipients to read); -1 when absent or
 * unusable.  Not clamped. */
long outbound_retry_after_s(const char *value, time_t now);

/* The loop: returns what the last try returned (see http_perform). */
bool outbound_send(struct http_client *h, struct arena *a, const struct http_call *call,
                   const struct outbound_policy *policy, struct http_result *out);

#endif
