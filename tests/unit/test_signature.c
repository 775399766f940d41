/*
 * test_signature.c — request signatures, response signatures and key hashes,
 * replayed from the protocol vectors, plus the header shapes a signer never
 * sends (which must all be refused before any HMAC is computed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jcs.h"
#include "base/limits.h"
#include "base/mem_alloc.h"
#include "base/hex.h"
#include "core/signature.h"
#include "inngest.h"
#include "vectors.h"

#define K1 "signkey-test-12345678"
#define K2 "signkey-test-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define K1_S_EMPTY_1700000000 "189656184e486419febc1f6fd73e1c45bc8595c99633a32ebe1ea40ac8adf630"

static const char *outcome_name(enum sig_outcome o)
{
    switch (o) {
    case SIG_VALID_PRIMARY: return "SIG_VALID_PRIMARY";
    case SIG_VALID_FALLBACK: return "SIG_VALID_FALLBACK";
    case SIG_MISSING: return "SIG_MISSING";
    case SIG_MALFORMED: return "SIG_MALFORMED";
    case SIG_EXPIRED: return "SIG_EXPIRED";
    case SIG_MISMATCH: return "SIG_MISMATCH";
    case SIG_NO_KEY: return "SIG_NO_KEY";
    case SIG_ERROR: return "SIG_ERROR";
    }
    return "?";
}

#define assert_outcome(got, want)                                                          \
    do {                                                                                   \
        enum sig_outcome g_ = (got), w_ = (want);                                          \
        if (g_ != w_)                                                                      \
            fail_msg("%s:%d: got %s, want %s", __FILE__, __LINE__, outcome_name(g_),       \
                     outcome_name(w_));                                                    \
    } while (0)

/* ---- signatures.json --------------------------------------------------- */

static bool check_sign_vector(json_object *v, void *ctx)
{
    (void)ctx;
    const char *key = vectors_need_str(v, "signing_key");
    const char *body = vectors_need_str(v, "body_utf8");
    const char *body_hex = vectors_need_str(v, "body_hex");
    long long t = atoll(vectors_need_str(v, "timestamp"));

    /* the UTF-8 text and the hex agree, so we sign the intended bytes */
    size_t blen = strlen(body);
    assert_int_equal(strlen(body_hex), 2 * blen);
    unsigned char *bytes = malloc(blen + 1);
    assert_non_null(bytes);
    assert_true(hex_decode(body_hex, 2 * blen, bytes));
    assert_memory_equal(bytes, body, blen);
    free(bytes);

    assert_string_equal(sig_key_material(key), vectors_need_str(v, "hmac_key_ascii"));

    char s[65];
    sig_compute(key, body, blen, t, s);
    assert_string_equal(s, vectors_need_str(v, "expected_s"));

    char header[128];
    sig_response_header(key, body, blen, t, header, sizeof(header));
    assert_string_equal(header, vectors_need_str(v, "expected_header"));

    /* and the same header verifies, as primary and as fallback */
    const char *other = strcmp(key, K1) == 0 ? K2 : K1;
    assert_outcome(sig_verify(header, body, blen, key, NULL, (time_t)t), SIG_VALID_PRIMARY);
    assert_outcome(sig_verify(header, body, blen, other, key, (time_t)t), SIG_VALID_FALLBACK);
    assert_outcome(sig_verify(header, body, blen, other, NULL, (time_t)t), SIG_MISMATCH);
    return true;
}

static void test_sign_vectors(void **state)
{
    (void)state;
    json_object *root = vectors_load("signatures.json");
    assert_non_null(root);
    vectors_each_in(root, "signatures.json", "sign_vectors", 16, check_sign_vector, NULL);
    /* the file points at the live outcomes, which test_verification_vectors replays */
    assert_non_null(strstr(vectors_need_str(root, "verification_outcomes"), "signature_verification.json"));
    json_object_put(root);
}

/* ---- bearer_tokens.json ------------------------------------------------ */

static bool check_bearer_token(json_object *v, void *ctx)
{
    (void)ctx;
    const char *key = vectors_need_str(v, "signing_key");
    assert_string_equal(sig_key_material(key), vectors_need_str(v, "hex_part"));
    char token[128];
    assert_true(sig_bearer_token(key, token, sizeof(token)));
    assert_string_equal(token, vectors_need_str(v, "expected_hashed_key"));
    char auth[160];
    snprintf(auth, sizeof(auth), "Bearer %s", token);
    assert_string_equal(auth, vectors_need_str(v, "expected_authorization_header"));
    return true;
}

static void test_event_key_hash(void **state)
{
    (void)state;
    json_object *root = vectors_load("bearer_tokens.json");
    assert_non_null(root);
    json_object *ek = vectors_need(root, "event_key_hash");
    const char *key = vectors_need_str(ek, "event_key");
    char out[65];
    sig_sha256_hex(key, strlen(key), out);
    assert_string_equal(out, vectors_need_str(ek, "expected"));
    json_object_put(root);
}

static bool check_key_hash(json_object *v, void *ctx)
{
    (void)ctx;
    char h[13];
    sig_key_hash12(vectors_need_str(v, "signing_key"), h);
    assert_string_equal(h, vectors_need_str(v, "signing_key_hash"));
    return true;
}

static void test_bearer_token_refusals(void **state)
{
    (void)state;
    char out[128];
    strcpy(out, "junk");
    assert_false(sig_bearer_token("signkey-test-xyz0", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_false(sig_bearer_token("signkey-test-123", out, sizeof(out))); /* odd length */
    assert_string_equal(out, "");
    assert_false(sig_bearer_token("signkey-test-", out, sizeof(out)));
    assert_false(sig_bearer_token(NULL, out, sizeof(out)));
    /* a buffer one byte short of prefix + 64 + NUL */
    char small[13 + 64];
    assert_false(sig_bearer_token(K1, small, sizeof(small)));
    assert_string_equal(small, "");
    char exact[13 + 64 + 1];
    assert_true(sig_bearer_token(K1, exact, sizeof(exact)));
    assert_string_equal(exact, "signkey-test-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c");
    /* uppercase hex is the same bytes once decoded */
    assert_true(sig_bearer_token("signkey-test-ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
                                 out, sizeof(out)));
    assert_string_equal(out, "signkey-test-5fe74bd8d11233a415702e9f19decc6ddc63a01f053eaeee3e1a5ac17e039d3d");

    char h[13];
    strcpy(h, "junk");
    sig_key_hash12("signkey-test-not-hex", h);
    assert_string_equal(h, "");
    sig_key_hash12("12345678", h);
    assert_string_equal(h, "b2ed992186a5");
}

/* ---- live verification outcomes --------------------------------------- */

struct expectation {
    const char *name;
    enum sig_outcome want;
};

/* What our protocol wants from sig_verify for every recorded request (not what
 * JS answered: JS 401s post-noncanonical-body and post-empty-body-signed for
 * reasons that are not the signature). */
static const struct expectation EXPECTED[] = {
    { "post-valid-primary", SIG_VALID_PRIMARY },
    { "post-valid-fallback", SIG_VALID_FALLBACK },
    { "post-unsigned", SIG_MISSING },
    { "post-wrong-key", SIG_MISMATCH },
    { "post-expired", SIG_EXPIRED },
    { "post-future", SIG_EXPIRED },
    { "post-tampered-body", SIG_MISMATCH },
    { "post-reordered-params", SIG_VALID_PRIMARY },
    { "post-uppercase-hex", SIG_MALFORMED },
    { "post-garbage-header", SIG_MALFORMED },
    { "post-empty-body-signed", SIG_VALID_PRIMARY },
    { "post-noncanonical-body", SIG_VALID_PRIMARY },
    { "post-noncanonical-body-signed-canonical", SIG_VALID_PRIMARY },
    { "dev-get-unsigned", SIG_MISSING },
    { "dev-get-signed-anyway", SIG_MALFORMED },
    { "cloud-get-unsigned", SIG_MISSING },
    { "cloud-get-signed-primary", SIG_VALID_PRIMARY },
    { "cloud-get-signed-fallback", SIG_VALID_FALLBACK },
    { "cloud-get-signed-wrong-key", SIG_MISMATCH },
    { "cloud-get-signed-expired", SIG_EXPIRED },
    { "cloud-get-signed-4min-old", SIG_VALID_PRIMARY },
    { "cloud-get-signed-future", SIG_EXPIRED },
    { "cloud-get-env-header", SIG_VALID_PRIMARY },
};

static const struct expectation *expected_for(const char *name)
{
    for (size_t i = 0; i < sizeof(EXPECTED) / sizeof(EXPECTED[0]); i++)
        if (strcmp(EXPECTED[i].name, name) == 0)
            return &EXPECTED[i];
    return NULL;
}

static time_t entry_now(json_object *e)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(e, "now_unix", &v) && json_object_is_type(v, json_type_int))
        return (time_t)json_object_get_int64(v);
    return (time_t)json_object_get_int64(vectors_need(e, "generated_at_unix"));
}

static const char *entry_body(json_object *e, size_t *len)
{
    json_object *b = NULL;
    json_object_object_get_ex(vectors_need(e, "request"), "body", &b);
    if (!b || !json_object_is_type(b, json_type_string)) {
        *len = 0;
        return "";
    }
    *len = (size_t)json_object_get_string_len(b);
    return json_object_get_string(b);
}

/* ctx: the file's name */
static bool check_verification(json_object *e, void *ctx)
{
    const char *file = ctx;
    const char *name = vectors_need_str(e, "name");
    const struct expectation *x = expected_for(name);
    if (!x)
        fail_msg("%s: entry %s has no expectation in this test", file, name);
    const char *header =
        vectors_header(vectors_need(vectors_need(e, "request"), "headers"), "x-inngest-signature");
    size_t blen;
    const char *body = entry_body(e, &blen);
    time_t now = entry_now(e);
    enum sig_outcome got = sig_verify(header, body, blen, K1, K2, now);
    if (got != x->want)
        fail_msg("%s %s: got %s, want %s", file, name, outcome_name(got), outcome_name(x->want));

    /* without the fallback key, what the fallback verified is a mismatch */
    enum sig_outcome no_fb = sig_verify(header, body, blen, K1, NULL, now);
    assert_outcome(no_fb, x->want == SIG_VALID_FALLBACK ? SIG_MISMATCH : x->want);
    /* with the roles swapped, primary and fallback swap too */
    enum sig_outcome swapped = sig_verify(header, body, blen, K2, K1, now);
    assert_outcome(swapped, x->want == SIG_VALID_PRIMARY    ? SIG_VALID_FALLBACK
                            : x->want == SIG_VALID_FALLBACK ? SIG_VALID_PRIMARY
                                                            : x->want);
    /* a key is checked before the header, whatever the header is */
    assert_outcome(sig_verify(header, body, blen, NULL, NULL, now), SIG_NO_KEY);
    return true;
}

static void test_verification_vectors(void **state)
{
    (void)state;
    vectors_each("signature_verification.json", "entries", 13, check_verification,
                 "signature_verification.json");
    vectors_each("introspection.json", "entries", 10, check_verification, "introspection.json");
}

/* The non-canonical body with a signature over its JCS form passes only through
 * the JCS path: the raw bytes do not match, the canonical ones do. */
static void test_noncanonical_needs_jcs(void **state)
{
    (void)state;
    json_object *root = vectors_load("signature_verification.json");
    assert_non_null(root);
    json_object *entries = vectors_need(root, "entries");
    json_object *e = vectors_find(entries, "post-noncanonical-body-signed-canonical");
    json_object *primary = vectors_find(entries, "post-valid-primary");
    assert_non_null(e);
    assert_non_null(primary);
    size_t blen, plen;
    const char *body = entry_body(e, &blen);
    const char *canonical_body = entry_body(primary, &plen);
    const char *header =
        vectors_header(vectors_need(vectors_need(e, "request"), "headers"), "X-Inngest-Signature");
    assert_non_null(header);

    size_t clen = 0;
    char *canon = jcs_canonicalize(body, blen, &clen);
    assert_non_null(canon);
    assert_int_equal(clen, plen);
    assert_memory_equal(canon, canonical_body, plen);

    long long t = atoll(header + 2);
    char s[65];
    sig_compute(K1, body, blen, t, s);
    assert_null(strstr(header, s)); /* raw bytes do not carry this signature */
    sig_compute(K1, canon, clen, t, s);
    assert_non_null(strstr(header, s));
    free(canon);

    /* when canonicalization cannot allocate, verification fails closed */
    mem_fail_after(1);
    enum sig_outcome got = sig_verify(header, body, blen, K1, K2, entry_now(e));
    mem_fail_reset();
    assert_outcome(got, SIG_MISMATCH);
    json_object_put(root);
}

/* JS signs its responses with the key that verified the request: replaying the
 * recorded response body through sig_response_header gives the same header. */
static bool check_response_signature(json_object *e, void *ctx)
{
    (void)ctx;
    json_object *check = NULL;
    /* only answers to a verified request were signed */
    if (!json_object_object_get_ex(e, "response_signature_check", &check) || !check)
        return false;
    assert_true(json_object_get_boolean(vectors_need(check, "matches")));
    const char *want = vectors_need_str(check, "header");
    const char *key = vectors_need_str(check, "recomputed_with");
    json_object *resp = vectors_need(e, "response");
    const char *body = vectors_need_str(resp, "body");
    char header[128];
    sig_response_header(key, body, strlen(body), atoll(want + 2), header, sizeof(header));
    assert_string_equal(header, want);
    return true;
}

static void test_response_signatures(void **state)
{
    (void)state;
    size_t checked =
        vectors_each("signature_verification.json", "entries", 0, check_response_signature, NULL) +
        vectors_each("introspection.json", "entries", 0, check_response_signature, NULL);
    assert_cases("signed answers in signature_verification.json and introspection.json", checked,
                 checked, 8);
}

/* ---- header shapes ----------------------------------------------------- */

static enum sig_outcome verify_empty(const char *header, time_t now)
{
    return sig_verify(header, "", 0, K1, NULL, now);
}

/* h = shape, with "{s}" standing for K1's signature of the empty body at
 * 1700000000 and "{s63}" for its first 63 characters. */
static void header_of_shape(char *h, size_t size, const char *shape)
{
    const char *s = K1_S_EMPTY_1700000000;
    size_t n = 0;
    while (*shape && n + 65 < size) {
        if (strncmp(shape, "{s}", 3) == 0) {
            memcpy(h + n, s, 64);
            n += 64;
            shape += 3;
        } else if (strncmp(shape, "{s63}", 5) == 0) {
            memcpy(h + n, s, 63);
            n += 63;
            shape += 5;
        } else {
            h[n++] = *shape++;
        }
    }
    h[n] = '\0';
}

/* Every header of shapes[] verifies (empty body, at 1700000000) as `want`. */
static void expect_shapes(const char *const *shapes, size_t count, enum sig_outcome want)
{
    char h[256];
    for (size_t i = 0; i < count; i++) {
        header_of_shape(h, sizeof(h), shapes[i]);
        enum sig_outcome got = verify_empty(h, 1700000000);
        if (got != want)
            fail_msg("\"%s\": got %s, want %s", shapes[i], outcome_name(got), outcome_name(want));
    }
}

static void test_header_shapes(void **state)
{
    (void)state;
    /* unknown parameters and empty segments are ignored, as URLSearchParams does */
    static const char *const valid[] = {"t=1700000000&s={s}", "s={s}&t=1700000000",
                                        "v=1&t=1700000000&&s={s}&"};
    expect_shapes(valid, ING_COUNT(valid), SIG_VALID_PRIMARY);

    assert_outcome(verify_empty(NULL, 1700000000), SIG_MISSING);
    assert_outcome(verify_empty("", 1700000000), SIG_MISSING);

    static const char *const malformed[] = {
        /* no t, no s, a repeated t, a repeated s */
        "s={s}", "t=1700000000", "t=1700000000&t=1700000000&s={s}", "t=1700000000&s={s}&s={s}",
        /* t: anything but plain decimal digits of a time within range */
        "t=abc&s={s}", "t=&s={s}", "t=17e8&s={s}", "t=1700000000.0&s={s}", "t=-1700000000&s={s}",
        "t=+1700000000&s={s}", "t=01700000000&s={s}", "t=0x65&s={s}", "t=1700000000 &s={s}",
        "t=1234567890123456789&s={s}", "t&s={s}",
        /* s: 63 and 65 chars, non-hex, uppercase, percent-encoded, spaced, with a newline */
        "t=1700000000&s={s63}", "t=1700000000&s={s}0", "t=1700000000&s={s63}g", "t=1700000000&s={s63}F",
        "t=1700000000&%73={s}", "t=1700000000& s={s}", "t=1700000000&s={s}\n",
        "garbage", "t=1&s=00"};
    expect_shapes(malformed, ING_COUNT(malformed), SIG_MALFORMED);

    /* a well-formed s for another timestamp is a mismatch, not malformed */
    static const char *const other_time[] = {"t=1700000001&s={s}"};
    expect_shapes(other_time, ING_COUNT(other_time), SIG_MISMATCH);
}

static void test_header_length_bound(void **state)
{
    (void)state;
    const time_t now = 1700000000;
    char valid[128];
    snprintf(valid, sizeof(valid), "t=1700000000&s=%s", K1_S_EMPTY_1700000000);

    /* padded with an ignored parameter to exactly the bound: still read */
    char *h = malloc(10 * 1024 + 1);
    assert_non_null(h);
    size_t vlen = strlen(valid);
    memcpy(h, valid, vlen);
    memcpy(h + vlen, "&x=", 3);
    memset(h + vlen + 3, 'a', ING_MAX_HEADER_VALUE - vlen - 3);
    h[ING_MAX_HEADER_VALUE] = '\0';
    assert_int_equal(strlen(h), ING_MAX_HEADER_VALUE);
    assert_outcome(verify_empty(h, now), SIG_VALID_PRIMARY);

    /* one byte more, and a 10 KB header: refused without being parsed */
    h[ING_MAX_HEADER_VALUE] = 'a';
    h[ING_MAX_HEADER_VALUE + 1] = '\0';
    assert_outcome(verify_empty(h, now), SIG_MALFORMED);
    memset(h + vlen + 3, 'a', 10 * 1024 - vlen - 3);
    h[10 * 1024] = '\0';
    assert_outcome(verify_empty(h, now), SIG_MALFORMED);
    free(h);
}

static void test_time_window(void **state)
{
    (void)state;
    const long long t = 1700000000;
    char h[128];
    snprintf(h, sizeof(h), "t=%lld&s=%s", t, K1_S_EMPTY_1700000000);
    assert_outcome(verify_empty(h, (time_t)(t + ING_SIGNATURE_WINDOW_SECONDS)), SIG_VALID_PRIMARY);
    assert_outcome(verify_empty(h, (time_t)(t - ING_SIGNATURE_WINDOW_SECONDS)), SIG_VALID_PRIMARY);
    assert_outcome(verify_empty(h, (time_t)(t + ING_SIGNATURE_WINDOW_SECONDS + 1)), SIG_EXPIRED);
    assert_outcome(verify_empty(h, (time_t)(t - ING_SIGNATURE_WINDOW_SECONDS - 1)), SIG_EXPIRED);
    /* absurd clocks do not overflow into acceptance */
    assert_outcome(verify_empty(h, (time_t)INT64_MAX), SIG_EXPIRED);
    assert_outcome(verify_empty(h, (time_t)INT64_MIN), SIG_EXPIRED);
    assert_outcome(verify_empty(h, 0), SIG_EXPIRED);
}

static void test_keys(void **state)
{
    (void)state;
    const time_t now = 1700000000;
    char h[128];
    snprintf(h, sizeof(h), "t=1700000000&s=%s", K1_S_EMPTY_1700000000);

    /* no usable key at all */
    assert_outcome(sig_verify(h, "", 0, NULL, NULL, now), SIG_NO_KEY);
    assert_outcome(sig_verify(NULL, "", 0, NULL, NULL, now), SIG_NO_KEY);
    assert_outcome(sig_verify(h, "", 0, "", NULL, now), SIG_NO_KEY);
    /* a prefix with nothing after it would be an HMAC anyone can compute */
    assert_outcome(sig_verify(h, "", 0, "signkey-test-", "", now), SIG_NO_KEY);

    /* only a fallback configured */
    assert_outcome(sig_verify(h, "", 0, NULL, K1, now), SIG_VALID_FALLBACK);

    /* bare hex, as `inngest start --signing-key` uses it */
    assert_outcome(sig_verify(h, "", 0, "12345678", NULL, now), SIG_VALID_PRIMARY);
    assert_string_equal(sig_key_material("12345678"), "12345678");
    char a[65], b[65];
    sig_compute("12345678", "x", 1, 5, a);
    sig_compute("signkey-prod-12345678", "x", 1, 5, b);
    assert_string_equal(a, b);

    /* prefix rule: "signkey-" + word characters + "-", nothing else */
    assert_string_equal(sig_key_material("signkey-branch_2-abcd"), "abcd");
    assert_string_equal(sig_key_material("signkey-test-ab-cd"), "ab-cd");
    assert_string_equal(sig_key_material("signkey--abcd"), "signkey--abcd");
    assert_string_equal(sig_key_material("signkey-te.st-abcd"), "signkey-te.st-abcd");
    assert_string_equal(sig_key_material("xsignkey-test-abcd"), "xsignkey-test-abcd");
    assert_string_equal(sig_key_material(NULL), "");
}

static void test_equal(void **state)
{
    (void)state;
    assert_true(sig_equal("abc", "abc"));
    assert_true(sig_equal("", ""));
    assert_false(sig_equal("abc", "abd"));
    assert_false(sig_equal("abc", "ab"));  /* length mismatch, common prefix */
    assert_false(sig_equal("ab", "abc"));
    assert_false(sig_equal("", "a"));
    assert_false(sig_equal(NULL, "a"));
    assert_false(sig_equal("a", NULL));
    assert_false(sig_equal(NULL, NULL));
}

static void test_digests(void **state)
{
    (void)state;
    char out256[65], out1[41];
    sig_sha256_hex("", 0, out256);
    assert_string_equal(out256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sig_sha1_hex("", 0, out1);
    assert_string_equal(out1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    sig_sha1_hex("my-step-id", 10, out1);
    assert_string_equal(out1, "e7d8a2f140845095749d60246ff1110c9d01d76a");
}

static void test_outcome_text(void **state)
{
    (void)state;
    for (int i = SIG_VALID_PRIMARY; i <= SIG_NO_KEY; i++) {
        const char *t = sig_outcome_text((enum sig_outcome)i);
        assert_non_null(t);
        assert_true(strlen(t) > 0);
        for (int j = SIG_VALID_PRIMARY; j < i; j++)
            assert_string_not_equal(t, sig_outcome_text((enum sig_outcome)j));
    }
}

/* ---- keys prepared at start-up ----------------------------------------- */

/* The vectors signed with K1, once K1 is prepared. */
static bool check_k1_prepared(json_object *v, void *ctx)
{
    (void)ctx;
    if (strcmp(vectors_need_str(v, "signing_key"), K1) != 0)
        return false; /* only K1 was prepared */
    const char *b = vectors_need_str(v, "body_utf8");
    char s[65];
    sig_compute(K1, b, strlen(b), atoll(vectors_need_str(v, "timestamp")), s);
    assert_string_equal(s, vectors_need_str(v, "expected_s"));
    return true;
}

/* A key prepared with sig_prepare_key signs exactly as it did before: one
 * longer than the HMAC block (hashed first), one shorter, then the vectors
 * again with K1 prepared.  Runs last: a prepared key stays prepared. */
static void test_prepared_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "signkey-test-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        "0123456789abcdef0123456789abcdef",
        "signkey-prod-abc123",
    };
    static const char body[] = "{\"event\":{\"name\":\"x\"},\"steps\":{}}";
    const long long t = 1700000000;
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        char before[65], after[65], header[128];
        sig_compute(keys[i], body, sizeof(body) - 1, t, before);
        assert_int_equal(strlen(before), 64);
        sig_prepare_key(keys[i]);
        sig_compute(keys[i], body, sizeof(body) - 1, t, after);
        assert_string_equal(after, before);
        snprintf(header, sizeof(header), "t=%lld&s=%s", t, before);
        assert_outcome(sig_verify(header, body, sizeof(body) - 1, keys[i], NULL, (time_t)t),
                       SIG_VALID_PRIMARY);
        sig_compute(keys[i], "", 0, t, after);
        assert_string_not_equal(after, before);
    }
    sig_prepare_key(K1);
    vectors_each("signatures.json", "sign_vectors", 8, check_k1_prepared, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_vectors),
        vectors_unit_test(test_bearer_tokens, "bearer_tokens.json", "vectors", 5, check_bearer_token),
        cmocka_unit_test(test_event_key_hash),
        vectors_unit_test(test_introspection_hashes, "bearer_tokens.json", "introspection_examples", 2,
                          check_key_hash),
        cmocka_unit_test(test_bearer_token_refusals),
        cmocka_unit_test(test_verification_vectors),
        cmocka_unit_test(test_noncanonical_needs_jcs),
        cmocka_unit_test(test_response_signatures),
        cmocka_unit_test(test_header_shapes),
        cmocka_unit_test(test_header_length_bound),
        cmocka_unit_test(test_time_window),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_digests),
        cmocka_unit_test(test_outcome_text),
        cmocka_unit_test(test_prepared_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
