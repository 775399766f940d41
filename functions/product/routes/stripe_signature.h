/*
 * stripe_signature.h — verifying a Stripe-Signature header (Stripe's "verify
 * manually" scheme), with the clock as a parameter so tests can move it.
 *
 * Header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`.  The signed payload
 * is `<t>.<raw body>`; the signature is the lowercase hex HMAC-SHA256 of it
 * keyed with the whole endpoint secret (the `whsec_…` string as bytes, as
 * Stripe's libraries use it).  Any one v1 that matches is enough (Stripe sends
 * two while a secret is being rolled); other schemes (v0) are ignored.
 */
#ifndef STRIPE_SIGNATURE_H
#define STRIPE_SIGNATURE_H

#include <stddef.h>
#include <time.h>

/* Stripe's libraries accept signatures up to 5 minutes old; we also refuse
 * timestamps more than 5 minutes in the future (a clock that far ahead is
 * not Stripe's). */
#define STRIPE_SIGNATURE_TOLERANCE_SECONDS 300

/* The longest header we parse; a real one is under 300 bytes. */
#define STRIPE_SIGNATURE_MAX_HEADER 4096

enum stripe_signature_result {
    STRIPE_SIG_OK,
    STRIPE_SIG_NO_SECRET,  /* no secret configured: nothing can be verified */
    STRIPE_SIG_MISSING,    /* no header */
    STRIPE_SIG_MALFORMED,  /* no t, a t that is not decimal seconds, or two t */
    STRIPE_SIG_NO_V1,      /* well formed but no v1 signature */
    STRIPE_SIG_MISMATCH,   /* no v1 matches the body */
    STRIPE_SIG_TOO_OLD,    /* authentic, but signed more than the tolerance ago */
    STRIPE_SIG_TOO_NEW,    /* authentic, but dated more than the tolerance ahead */
};

/* Checks `header` (NULL when absent) against `body` signed with `secret` at
 * time `now`.  Compares in constant time. */
enum stripe_signature_result stripe_signature_verify(const char *header, const char *body,
                                                     size_t body_len, const char *secret,
                                                     time_t now);

/* A sentence for a 400 body or a log line (never contains the header or secret). */
const char *stripe_signature_reason(enum stripe_signature_result r);

#endif
