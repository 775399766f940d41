/*
 * rate_limit.h — per-client (and per-recipient, per-post) limits on the
 * unauthenticated product routes, counted in the product store so that every
 * worker and every host sharing the store (SQLite file or Redis) counts the
 * same hits (issue 13, findings 3 and 7).
 *
 * A limit is "<hits>/<window>" from an environment variable, the window a
 * number and a unit (s, m, h, d; the number may be left out: "5/h" is "5/1h"),
 * or "off" (also "0").  Windows are fixed (store_rate_hit): a client may send
 * up to twice the limit around a window's end, never more.
 *
 * When the store cannot count (Redis down, SQLite locked past its timeout) the
 * request is let through and a warning logged: the routes only queue events,
 * and a store outage must not take the contact form down with it.
 */
#ifndef PRODUCT_RATE_LIMIT_H
#define PRODUCT_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "inngest.h"

struct rate_rule {
    const char *env;      /* the variable that sets it: "CONTACT_RATE_LIMIT_CLIENT" */
    const char *fallback; /* its default: "5/1h" */
    const char *refusal;  /* the 429's sentence: "too many messages from your address" */
};

/* The product's limits (defaults in rate_limit.c and README). */
extern const struct rate_rule rate_contact_client;    /* CONTACT_RATE_LIMIT_CLIENT */
extern const struct rate_rule rate_contact_recipient; /* CONTACT_RATE_LIMIT_RECIPIENT */
extern const struct rate_rule rate_views;             /* VIEWS_RATE_LIMIT (per client and post) */
extern const struct rate_rule rate_contact_progress;  /* CONTACT_PROGRESS_RATE_LIMIT (per client) */

/* "<hits>/<window>" or "off"/"0" → *hits (0 when off) and *window_seconds;
 * false when text is neither (hits up to 1,000,000, windows 1 s to 366 d). */
bool rate_limit_parse(const char *text, int64_t *hits, int64_t *window_seconds);

/* The client as a rate-limit identity: route_client_ip(), an IPv6 address
 * reduced to its /64 (one subscriber's usual allocation), "unknown" when none. */
const char *rate_limit_client(const struct ing_http_request *req);

/* Counts one hit of `rule` for the identity made of `parts` (NULL-terminated,
 * joined; stored only as a SHA-256 digest, so the store keeps no address).
 * true: go on.  false: the response is a 429 with Retry-After. */
bool rate_limit_allow(const struct ing_http_request *req, struct ing_http_response *res,
                      const struct rate_rule *rule, const char *const *parts);

/* At start: says which limits are in force, and which variable is malformed
 * (its default is then used). */
void rate_limit_report_settings(void);

#endif
