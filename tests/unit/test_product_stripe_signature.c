/*
 * test_product_stripe_signature.c — Stripe-Signature verification against
 * vectors computed outside our code, with
 *     printf '%s' "<t>.<body>" | openssl dgst -sha256 -hmac "<secret>"
 * (the whole whsec_… string is the HMAC key, as in Stripe's libraries).
 * Covers several v1, v0 ignored, wrong secret, tampered body and timestamp,
 * the tolerance both ways, malformed headers and a repeated t.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "product/routes/stripe_signature.h"

#define SECRET "whsec_test_secret_0123456789abcdef"
#define BODY "{\"id\":\"evt_1\",\"object\":\"event\",\"type\":\"checkout.session.completed\"}"
#define T 1700000000
#define T_STR "1700000000"
/* HMAC(SECRET, "1700000000." BODY) */
#define SIG_OK "fb623398e5e0686b0fdf79ae6ddda175b5a82c8716baf7037ed41f0e974675e0"
/* HMAC("whsec_other_secret", "1700000000." BODY) */
#define SIG_OTHER_SECRET "a50fcf4ce362bfad3620d0a145bf1e7d82465677e076760b020dc81360115dee"
/* HMAC(SECRET without "whsec_", "1700000000." BODY): a wrong reading of the key */
#define SIG_STRIPPED_KEY "048aa4ad2cb75493ab4da3636e02687c5416890d94667606851123ca33b903db"
/* HMAC(SECRET, "1700000000." BODY with evt_2 for evt_1) */
#define SIG_OTHER_BODY "37d77cc0b537cae9fa18c2a037e213a406f39eec5c7ba3d552e01875451a6fd7"
/* HMAC(SECRET, "1700000001." BODY) */
#define SIG_T_PLUS_1 "c05ff8cf67db2c6dc8574d48e139b5eb69c76a34c15476fef2946e352f55ce11"
/* HMAC(SECRET, "1700000000.") */
#define SIG_EMPTY_BODY "260b510e79c7ad57cecdcdc4559b7f28c24a3fd9392d459380121a2e72dbd029"
/* HMAC(SECRET, "1700000000.{\"a\":1}\0tail"), 18 bytes of body with a NUL */
#define SIG_NUL_BODY "5c6a64a79abf412ec5d3faeedabc37d54826d782e045dfec9c2205f944cc0e30"

/* BODY at T under another secret. */
static enum stripe_signature_result check_keyed(const char *header, const char *secret)
{
    return stripe_signature_verify(header, BODY, strlen(BODY), secret, T);
}

static enum stripe_signature_result check(const char *header, time_t now)
{
    return stripe_signature_verify(header, BODY, strlen(BODY), SECRET, now);
}

static void test_one_v1_matches(void **s)
{
    (void)s;
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OK, T), STRIPE_SIG_OK);
}

static void test_any_of_several_v1_matches(void **s)
{
    (void)s;
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OTHER_SECRET ",v1=" SIG_OK, T), STRIPE_SIG_OK);
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OK ",v1=" SIG_OTHER_SECRET, T), STRIPE_SIG_OK);
    assert_int_equal(check("v1=" SIG_OTHER_SECRET ",v1=" SIG_OK ",t=" T_STR, T), STRIPE_SIG_OK);
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OTHER_SECRET ",v1=" SIG_OTHER_BODY, T),
                     STRIPE_SIG_MISMATCH);
}

static void test_v0_is_ignored(void **s)
{
    (void)s;
    /* a correct signature under another scheme name counts for nothing */
    assert_int_equal(check("t=" T_STR ",v0=" SIG_OK, T), STRIPE_SIG_NO_V1);
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OTHER_SECRET ",v0=" SIG_OK, T), STRIPE_SIG_MISMATCH);
    assert_int_equal(check("t=" T_STR ",v0=" SIG_OTHER_SECRET ",v1=" SIG_OK, T), STRIPE_SIG_OK);
    /* as are unknown elements, whatever their shape */
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OK ",v2=zz,junk,,", T), STRIPE_SIG_OK);
}

static void test_wrong_secret(void **s)
{
    (void)s;
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OTHER_SECRET, T), STRIPE_SIG_MISMATCH);
    assert_int_equal(check_keyed("t=" T_STR ",v1=" SIG_OK, "whsec_other_secret"), STRIPE_SIG_MISMATCH);
}

static void test_whole_secret_is_the_key(void **s)
{
    (void)s;
    assert_int_equal(check("t=" T_STR ",v1=" SIG_STRIPPED_KEY, T), STRIPE_SIG_MISMATCH);
    /* the same vector verifies under the key it was made with: our HMAC is right */
    assert_int_equal(check_keyed("t=" T_STR ",v1=" SIG_STRIPPED_KEY, "test_secret_0123456789abcdef"),
                     STRIPE_SIG_OK);
}

static void test_tampered_body_or_timestamp(void **s)
{
    (void)s;
    char other[] = BODY;
    char *p = strstr(other, "evt_1");
    p[4] = '2';
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_OK, other, strlen(other), SECRET, T),
                     STRIPE_SIG_MISMATCH);
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_OTHER_BODY, other, strlen(other),
                                             SECRET, T),
                     STRIPE_SIG_OK);
    /* the signature of t+1 does not carry over to t, nor t's to t+1 */
    assert_int_equal(check("t=" T_STR ",v1=" SIG_T_PLUS_1, T), STRIPE_SIG_MISMATCH);
    assert_int_equal(check("t=1700000001,v1=" SIG_OK, T), STRIPE_SIG_MISMATCH);
    assert_int_equal(check("t=1700000001,v1=" SIG_T_PLUS_1, T), STRIPE_SIG_OK);
    /* one byte less of the same body */
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_OK, BODY, strlen(BODY) - 1, SECRET, T),
                     STRIPE_SIG_MISMATCH);
}

static void test_raw_bytes_are_signed(void **s)
{
    (void)s;
    static const char nul_body[] = "{\"a\":1}\0tail";
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_NUL_BODY, nul_body,
                                             sizeof(nul_body) - 1, SECRET, T),
                     STRIPE_SIG_OK);
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_NUL_BODY, nul_body,
                                             strlen(nul_body), SECRET, T),
                     STRIPE_SIG_MISMATCH);
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_EMPTY_BODY, "", 0, SECRET, T),
                     STRIPE_SIG_OK);
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_EMPTY_BODY, NULL, 0, SECRET, T),
                     STRIPE_SIG_OK);
}

static void test_tolerance_both_ways(void **s)
{
    (void)s;
    const char *h = "t=" T_STR ",v1=" SIG_OK;
    assert_int_equal(check(h, T + 300), STRIPE_SIG_OK);
    assert_int_equal(check(h, T + 301), STRIPE_SIG_TOO_OLD);
    assert_int_equal(check(h, T + 86400), STRIPE_SIG_TOO_OLD);
    assert_int_equal(check(h, T - 300), STRIPE_SIG_OK);
    assert_int_equal(check(h, T - 301), STRIPE_SIG_TOO_NEW);
    assert_int_equal(check(h, 0), STRIPE_SIG_TOO_NEW);
    /* a forged signature is reported as a mismatch whatever its age */
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OTHER_SECRET, T + 86400), STRIPE_SIG_MISMATCH);
}

static void test_malformed_headers(void **s)
{
    (void)s;
    assert_int_equal(check(NULL, T), STRIPE_SIG_MISSING);
    const char *malformed[] = {
        "",
        "garbage",
        ",,,",
        "v1=" SIG_OK,                              /* no t */
        "t=,v1=" SIG_OK,                           /* empty t */
        "t=abc,v1=" SIG_OK,
        "t=1700000000x,v1=" SIG_OK,
        "t=-1700000000,v1=" SIG_OK,
        "t=+1700000000,v1=" SIG_OK,
        "t=01700000000,v1=" SIG_OK,                /* not how Stripe writes a number */
        "t=1700000000.5,v1=" SIG_OK,
        "t=99999999999999999999,v1=" SIG_OK,       /* past any clock */
        "t 1700000000,v1=" SIG_OK,
        "T=1700000000,v1=" SIG_OK,                 /* prefixes are case-sensitive */
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        if (check(malformed[i], T) != STRIPE_SIG_MALFORMED)
            fail_msg("\"%s\" was not reported as malformed", malformed[i]);
    }
    assert_int_equal(check("t=" T_STR, T), STRIPE_SIG_NO_V1);
    assert_int_equal(check("t=" T_STR ",v1=", T), STRIPE_SIG_MISMATCH);
    assert_int_equal(check("t=" T_STR ",v1=abc", T), STRIPE_SIG_MISMATCH);
    /* 64 characters, not all hex; and the right MAC in upper case, which
     * Stripe never sends and its libraries (comparing strings) refuse */
    char bad_hex[] = SIG_OK;
    bad_hex[10] = 'g';
    char header[256];
    snprintf(header, sizeof(header), "t=%s,v1=%s", T_STR, bad_hex);
    assert_int_equal(check(header, T), STRIPE_SIG_MISMATCH);
    char upper[] = SIG_OK;
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    snprintf(header, sizeof(header), "t=%s,v1=%s", T_STR, upper);
    assert_int_equal(check(header, T), STRIPE_SIG_MISMATCH);
    /* surrounding blanks are tolerated */
    assert_int_equal(check(" t=" T_STR " , v1=" SIG_OK " ", T), STRIPE_SIG_OK);
}

static void test_repeated_t_is_refused(void **s)
{
    (void)s;
    /* Stripe's libraries disagree on which t wins: neither may be trusted */
    assert_int_equal(check("t=" T_STR ",t=" T_STR ",v1=" SIG_OK, T), STRIPE_SIG_MALFORMED);
    assert_int_equal(check("t=" T_STR ",v1=" SIG_OK ",t=1", T), STRIPE_SIG_MALFORMED);
    assert_int_equal(check("t=1,t=" T_STR ",v1=" SIG_OK, T), STRIPE_SIG_MALFORMED);
}

static void test_oversized_header_is_refused(void **s)
{
    (void)s;
    size_t n = STRIPE_SIGNATURE_MAX_HEADER + 100;
    char *h = malloc(n + 1);
    int k = snprintf(h, n + 1, "t=%s,v1=%s,", T_STR, SIG_OK);
    memset(h + k, 'x', n - (size_t)k);
    h[n] = '\0';
    assert_int_equal(check(h, T), STRIPE_SIG_MALFORMED);
    free(h);
}

static void test_no_secret(void **s)
{
    (void)s;
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_OK, BODY, strlen(BODY), NULL, T),
                     STRIPE_SIG_NO_SECRET);
    assert_int_equal(stripe_signature_verify("t=" T_STR ",v1=" SIG_OK, BODY, strlen(BODY), "", T),
                     STRIPE_SIG_NO_SECRET);
}

static void test_reasons_are_distinct_and_quote_nothing(void **s)
{
    (void)s;
    const char *seen[STRIPE_SIG_TOO_NEW + 1];
    for (int r = STRIPE_SIG_OK; r <= STRIPE_SIG_TOO_NEW; r++) {
        const char *why = stripe_signature_reason((enum stripe_signature_result)r);
        assert_non_null(why);
        assert_true(strlen(why) > 10);
        assert_null(strstr(why, "whsec_"));
        for (int k = 0; k < r; k++)
            assert_string_not_equal(seen[k], why);
        seen[r] = why;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_v1_matches),
        cmocka_unit_test(test_any_of_several_v1_matches),
        cmocka_unit_test(test_v0_is_ignored),
        cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_whole_secret_is_the_key),
        cmocka_unit_test(test_tampered_body_or_timestamp),
        cmocka_unit_test(test_raw_bytes_are_signed),
        cmocka_unit_test(test_tolerance_both_ways),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_repeated_t_is_refused),
        cmocka_unit_test(test_oversized_header_is_refused),
        cmocka_unit_test(test_no_secret),
        cmocka_unit_test(test_reasons_are_distinct_and_quote_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
