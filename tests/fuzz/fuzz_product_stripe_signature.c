/*
 * fuzz_product_stripe_signature.c — the Stripe-Signature header parser
 * (functions/product/routes/stripe_signature.c): t=…,v1=…[,v1=…][,v0=…] over "<t>.<body>".
 *
 * Input: "<header>\0<body>" (no NUL: all header, body "{}").  Beyond crashes
 * and leaks: a header the fuzzer made up must never verify (it cannot know
 * the secret), and the reason sentence never contains the header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_target.h"
#include "product/routes/stripe_signature.h"

const struct fuzz_setup fuzz_setup = {.app = NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *body;
    size_t body_len;
    char *header = fuzz_header_and_body(data, size, &body, &body_len);
    char *text = fuzz_strndup(body, body_len);
    enum stripe_signature_result r =
        stripe_signature_verify(header, text, body_len, FUZZ_STRIPE_SECRET, time(NULL));
    if (r == STRIPE_SIG_OK) {
        fprintf(stderr, "fuzz: a made-up Stripe signature verified\n");
        abort();
    }
    const char *why = stripe_signature_reason(r);
    if (!why || (strlen(header) >= 8 && strstr(why, header))) {
        fprintf(stderr, "fuzz: the reason is missing or echoes the header\n");
        abort();
    }
    free(header);
    free(text);
    return 0;
}
