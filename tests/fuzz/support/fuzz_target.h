/*
 * fuzz_target.h — the two entry points libFuzzer calls in every target, and
 * the environments the targets serve under (cloud mode, so signatures are
 * checked and answers signed; the Inngest API and Event API are the scripted
 * answers of fuzz_http.h).
 */
#ifndef FUZZ_TARGET_H
#define FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_serve.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CLOUD_ENV                                                                        \
    "INNGEST_DEV=0", "INNGEST_SIGNING_KEY=" FUZZ_SIGNING_KEY,                                \
        "INNGEST_SIGNING_KEY_FALLBACK=" FUZZ_SIGNING_KEY_FALLBACK,                           \
        "INNGEST_EVENT_KEY=" FUZZ_EVENT_KEY, "INNGEST_BASE_URL=http://127.0.0.1:9",            \
        "INNGEST_SERVE_ORIGIN=http://127.0.0.1:8080", "INNGEST_LOG_LEVEL=error"

#endif
