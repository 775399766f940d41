/*
 * resend.h — sending one email through Resend (POST {RESEND_API_BASE_URL}/emails),
 * the one way the contact form and the failure alerts do it.
 *
 * Plain text only (a message can never inject markup).  The Idempotency-Key
 * makes a retried step send nothing new; the caller derives it from ids that
 * stay the same across retries and keeps it header-safe.  Runs inside a step
 * body: failures are raised as third_party.h classifies them.
 */
#ifndef PRODUCT_RESEND_H
#define PRODUCT_RESEND_H

#include "inngest.h"

struct resend_email {
    const char *label;           /* for messages: "Resend (send-alert)" */
    const char *api_key;         /* RESEND_API_KEY */
    const char *from, *to;
    const char *reply_to;        /* NULL for none */
    const char *subject, *text;
    const char *idempotency_key; /* header-safe, at most a few hundred bytes */
};

/* Resend's id for the email (NULL when its answer named none). */
const char *resend_send(struct ing_ctx *c, const struct resend_email *e);

#endif
