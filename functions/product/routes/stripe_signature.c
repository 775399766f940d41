/*
 * stripe_signature.c — Stripe-Signature verification (see the header for the
 * scheme).
 *
 * Two passes over the header: the first finds the one timestamp and counts
 * the v1 signatures, the second compares every v1 against the HMAC computed
 * once.  As Stripe's documentation says, elements other than t and v1 are
 * discarded whatever their shape; only t is strict (one, decimal).  The
 * verdict on authenticity comes before the one on age, so a replayed genuine
 * event is reported as too old and a forged one only as "does not match".
 * Never copies the header or the secret anywhere, never logs.
 */
#include "product/routes/stripe_signature.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "product/routes/validate.h"

#define MAC_LEN 32
#define MAX_T_DIGITS 15 /* far beyond any real clock, far below long long's range */

struct element {
    const char *key, *value;
    size_t key_len, value_len;
};

static bool is_space(char ch) { return ch == ' ' || ch == '\t'; }

/* The element that starts at *p (up to the next ',' or the end), trimmed;
 * advances *p past it.  An element without '=' gets an empty key, which no
 * prefix we read matches. */
static void next_element(const char **p, struct element *e)
{
    const char *start = *p, *end = strchr(start, ',');
    if (!end)
        end = start + strlen(start);
    *p = *end ? end + 1 : end;
    while (start < end && is_space(*start))
        start++;
    while (end > start && is_space(end[-1]))
        end--;
    const char *eq = memchr(start, '=', (size_t)(end - start));
    if (!eq)
        *e = (struct element){.key = start, .value = end};
    else
        *e = (struct element){.key = start, .key_len = (size_t)(eq - start), .value = eq + 1,
                              .value_len = (size_t)(end - eq - 1)};
}

static bool key_is(const struct element *e, const char *key)
{
    return e->key_len == strlen(key) && memcmp(e->key, key, e->key_len) == 0;
}

/* Decimal seconds as Stripe writes them: digits only, no sign, no leading
 * zero (the libraries sign the number they parsed, so "012" could never be
 * what was signed). */
static bool parse_timestamp(const struct element *e, long long *out)
{
    if (e->value_len == 0 || e->value_len > MAX_T_DIGITS || (e->value[0] == '0' && e->value_len > 1))
        return false;
    long long v = 0;
    for (size_t i = 0; i < e->value_len; i++) {
        if (e->value[i] < '0' || e->value[i] > '9')
            return false;
        v = v * 10 + (e->value[i] - '0');
    }
    *out = v;
    return true;
}

/* Stripe writes its signatures in lowercase hex; an uppercase digit is refused. */
static int hex_digit(char ch) { return ch >= 'A' && ch <= 'F' ? -1 : validate_hex_digit(ch); }

/* A v1 value as the 32 bytes it spells; false when it is not 64 lowercase hex
 * digits, which Stripe's libraries (comparing hex strings) would never match
 * either.  Such a value does not make the header malformed. */
static bool decode_mac(const struct element *e, unsigned char out[MAC_LEN])
{
    if (e->value_len != 2 * MAC_LEN)
        return false;
    for (size_t i = 0; i < MAC_LEN; i++) {
        int hi = hex_digit(e->value[2 * i]), lo = hex_digit(e->value[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* HMAC-SHA256(secret, t "." body). */
static bool compute_mac(const char *secret, const char *t, size_t t_len, const char *body,
                        size_t body_len, unsigned char out[MAC_LEN])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    bool ok = false;
    if (ctx) {
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
        size_t out_len = 0;
        ok = EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)t, t_len) == 1 &&
             EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1 &&
             (body_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)body, body_len) == 1) &&
             EVP_MAC_final(ctx, out, &out_len, MAC_LEN) == 1 && out_len == MAC_LEN;
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

enum stripe_signature_result stripe_signature_verify(const char *header, const char *body,
                                                     size_t body_len, const char *secret,
                                                     time_t now)
{
    if (!secret || !*secret)
        return STRIPE_SIG_NO_SECRET;
    if (!header)
        return STRIPE_SIG_MISSING;
    if (strlen(header) > STRIPE_SIGNATURE_MAX_HEADER)
        return STRIPE_SIG_MALFORMED;

    struct element e, t = {0};
    bool have_t = false;
    int v1_count = 0;
    for (const char *p = header; *p;) {
        next_element(&p, &e);
        if (key_is(&e, "t")) {
            if (have_t) /* Stripe's libraries disagree on which one wins: refuse both */
                return STRIPE_SIG_MALFORMED;
            t = e;
            have_t = true;
        } else if (key_is(&e, "v1")) {
            v1_count++;
        }
    }
    long long when = 0;
    if (!have_t || !parse_timestamp(&t, &when))
        return STRIPE_SIG_MALFORMED;
    if (v1_count == 0)
        return STRIPE_SIG_NO_V1;

    unsigned char expected[MAC_LEN], given[MAC_LEN];
    if (!compute_mac(secret, t.value, t.value_len, body ? body : "", body ? body_len : 0, expected))
        return STRIPE_SIG_MISMATCH; /* cannot compute it: accept nothing */
    bool matched = false;
    for (const char *p = header; *p;) {
        next_element(&p, &e);
        if (key_is(&e, "v1") && decode_mac(&e, given) && CRYPTO_memcmp(expected, given, MAC_LEN) == 0)
            matched = true;
    }
    if (!matched)
        return STRIPE_SIG_MISMATCH;
    long long age = (long long)now - when;
    if (age > STRIPE_SIGNATURE_TOLERANCE_SECONDS)
        return STRIPE_SIG_TOO_OLD;
    if (age < -STRIPE_SIGNATURE_TOLERANCE_SECONDS)
        return STRIPE_SIG_TOO_NEW;
    return STRIPE_SIG_OK;
}

const char *stripe_signature_reason(enum stripe_signature_result r)
{
    switch (r) {
    case STRIPE_SIG_OK: return "the signature is valid";
    case STRIPE_SIG_NO_SECRET: return "STRIPE_WEBHOOK_SECRET is not set: webhooks cannot be verified";
    case STRIPE_SIG_MISSING: return "the request has no Stripe-Signature header";
    case STRIPE_SIG_MALFORMED:
        return "the Stripe-Signature header is malformed (expected one t=<unix time> and v1=<hex>)";
    case STRIPE_SIG_NO_V1: return "the Stripe-Signature header has no v1 signature";
    case STRIPE_SIG_MISMATCH: return "no v1 signature matches the body";
    case STRIPE_SIG_TOO_OLD: return "the signature is more than 5 minutes old";
    case STRIPE_SIG_TOO_NEW: return "the signature is dated more than 5 minutes ahead";
    }
    return "the signature could not be verified";
}
