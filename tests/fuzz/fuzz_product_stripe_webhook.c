/*
 * fuzz_product_stripe_webhook.c — the Stripe webhook body, after a valid
 * signature: the event JSON that POST /api/stripe/webhook maps to an Inngest
 * event (type → name, the Stripe id as the event id).
 *
 * Input: the body.  The harness signs it with the endpoint secret at the
 * current time, as Stripe would, so every input reaches the body parser; the
 * Event API accepts.  The answer must be 200, 400 (not an event we can map)
 * or 5xx, and carry no secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "inngest.h"

static const char *const env[] = {FUZZ_PRODUCT_ENV, NULL};
const struct fuzz_setup fuzz_setup = {.app = &ing_app_definition, .env = env, .temp_db = true};

/* t=<t>,v1=<hex HMAC-SHA256("<t>." + body)>, keyed with the whole secret. */
static const char *stripe_header(const uint8_t *body, size_t len, long long t)
{
    static char out[128];
    char prefix[32];
    size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%lld.", t);
    unsigned char *signed_part = malloc(n + len + 1);
    if (!signed_part)
        abort();
    memcpy(signed_part, prefix, n);
    memcpy(signed_part + n, body, len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), FUZZ_STRIPE_SECRET, (int)sizeof(FUZZ_STRIPE_SECRET) - 1, signed_part, n + len,
         mac, &mac_len);
    free(signed_part);
    int k = snprintf(out, sizeof(out), "t=%lld,v1=", t);
    for (unsigned int i = 0; i < mac_len; i++)
        k += snprintf(out + k, sizeof(out) - (size_t)k, "%02x", mac[i]);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char ok[] = "{\"ids\":[\"01JFUZZ\"],\"status\":200}";
    fuzz_http_script(&(struct fuzz_answer){.status = 200, .body = ok, .body_len = sizeof(ok) - 1}, 1);
    struct fuzz_request req = {
        .method = "POST", .path = "/api/stripe/webhook", .body = data, .body_len = size,
        .headers = {{"Content-Type", "application/json"},
                    {"Stripe-Signature", stripe_header(data, size, (long long)time(NULL))}}};
    int status = fuzz_serve(fuzz_srv, &req);
    if (status != 200 && status != 400 && status != 413 && status < 500) {
        fprintf(stderr, "fuzz: the webhook answered %d\n", status);
        abort();
    }
    return 0;
}
