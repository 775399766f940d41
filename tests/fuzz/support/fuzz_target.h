/*
 * fuzz_target.h — the two entry points libFuzzer calls in every target, what
 * a target declares to be set up (struct fuzz_setup), and the environments
 * the targets serve under (cloud mode, so signatures are checked and answers
 * signed; the Inngest API and Event API are the scripted answers of
 * fuzz_http.h).
 */
#ifndef FUZZ_TARGET_H
#define FUZZ_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_serve.h"

/* LLVMFuzzerInitialize is written once (fuzz_target.c): it builds fuzz_srv
 * from the fuzz_setup the target defines.  Each target writes only
 * LLVMFuzzerTestOneInput. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_setup {
    const struct ing_app *app; /* NULL: the target calls its parser directly, no server */
    const char *const *env;    /* NULL-terminated "NAME=value" list; NULL: FUZZ_CLOUD_ENV */
    bool temp_db;              /* and DATABASE_PATH in a private temp dir (fuzz_temp_db_env) */
};

/* Defined by every target. */
extern const struct fuzz_setup fuzz_setup;

/* The server LLVMFuzzerInitialize built (NULL when fuzz_setup.app is). */
extern struct server *fuzz_srv;

#define FUZZ_CLOUD_ENV                                                                        \
    "INNGEST_DEV=0", "INNGEST_SIGNING_KEY=" FUZZ_SIGNING_KEY,                                \
        "INNGEST_SIGNING_KEY_FALLBACK=" FUZZ_SIGNING_KEY_FALLBACK,                           \
        "INNGEST_EVENT_KEY=" FUZZ_EVENT_KEY, "INNGEST_BASE_URL=http://127.0.0.1:9",            \
        "INNGEST_SERVE_ORIGIN=http://127.0.0.1:8080", "INNGEST_LOG_LEVEL=error"

/* The product app with every service configured (third-party calls get the
 * scripted answers too), for the fuzz_product_* targets that serve it. */
#define FUZZ_PRODUCT_ENV                                                                      \
    FUZZ_CLOUD_ENV, "RESEND_API_KEY=re_fuzz_key", "CONTACT_TO_EMAIL=to@example.org",         \
        "CONTACT_FROM_EMAIL=from@example.org", "GITHUB_TOKEN=ghp_fuzz", "GITHUB_USERNAME=fuzz",  \
        "READWISE_API_BASE_URL=http://127.0.0.1:9", "STRIPE_WEBHOOK_SECRET=" FUZZ_STRIPE_SECRET, \
        "EVENTS_RELAY_TOKEN=" FUZZ_RELAY_TOKEN, "ADMIN_TOKEN=" FUZZ_ADMIN_TOKEN

#endif
