/*
 * signature.h — HMAC request signatures, response signing and the bearer token.
 *
 * Owns the key arithmetic of the protocol (PROTOCOL.md §4): stripping the
 * "signkey-<env>-" prefix, HMAC-SHA256 over body||t, constant-time comparison,
 * the 5-minute window, the fallback key, and the hashed bearer token we send
 * to Inngest.  Never logs, never stores, never returns key material other than
 * the derived token and 12-char hashes.
 */
#ifndef ING_SIGNATURE_H
#define ING_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum sig_outcome {
    SIG_VALID_PRIMARY,   /* verified with the signing key */
    SIG_VALID_FALLBACK,  /* verified with INNGEST_SIGNING_KEY_FALLBACK */
    SIG_MISSING,         /* no header (or empty) */
    SIG_MALFORMED,       /* no t, no s, t not an integer, s not 64 lowercase hex */
    SIG_EXPIRED,         /* |now - t| > 300 s */
    SIG_MISMATCH,        /* no key produced s */
    SIG_NO_KEY,          /* cloud mode without a signing key */
    SIG_ERROR,           /* the HMAC could not be computed (out of memory): neither
                            valid nor invalid, the request is answered 500 */
};
const char *sig_outcome_text(enum sig_outcome o);

/* The part of a signing key after "signkey-<env>-" (the whole key if no prefix). */
const char *sig_key_material(const char *key);

/* Looks the digest up and absorbs the key's HMAC pads once, so that signing
 * and verifying with this key later skip both (see signature.c).  Call at
 * start-up, before workers fork; a key not prepared still works, slower. */
void sig_prepare_key(const char *key);

/* s = lowercase hex HMAC_SHA256(key material, body || decimal t). */
void sig_compute(const char *key, const void *body, size_t body_len, long long t, char out[65]);

/* "t=<t>&s=<hex>" for a response body, signed with `key`; false (and out = "")
 * when the HMAC could not be computed. */
bool sig_response_header(const char *key, const void *body, size_t body_len, long long t,
                         char *out, size_t out_size);

/* Verifies X-Inngest-Signature `header` over the raw body, then (if the body
 * is JSON) over its canonical JCS form, with the primary then the fallback key.
 * Either key may be NULL. */
enum sig_outcome sig_verify(const char *header, const void *body, size_t body_len,
                            const char *key, const char *fallback, time_t now);

/* Bearer token: "<prefix>" + hex(SHA256(hex_decode(key material))).  Returns
 * false (and out = "") if the material is not valid hex. */
bool sig_bearer_token(const char *key, char *out, size_t out_size);

/* Introspection's signing_key_hash: the first 12 hex chars of the token without
 * its prefix.  out gets "" when the key is not valid hex. */
void sig_key_hash12(const char *key, char out[13]);

/* Lowercase hex SHA-256 / SHA-1 of bytes. */
void sig_sha256_hex(const void *data, size_t len, char out[65]);
void sig_sha1_hex(const void *data, size_t len, char out[41]);

/* Constant-time equality of two NUL-terminated strings (a length mismatch is a mismatch). */
bool sig_equal(const char *a, const char *b);

#endif
