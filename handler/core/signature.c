/*
 * signature.c — HMAC request signatures, response signing and key hashes.
 *
 * Owns every operation that touches signing-key material: the prefix split,
 * HMAC-SHA256 over body||t, the constant-time comparison, the time window, the
 * raw-then-JCS verification order with primary then fallback key, and the
 * hashed forms of the key we may show (bearer token, 12-char hash).  It must
 * never log, never keep a copy of a key beyond a call, and never return key
 * material: callers only ever see outcomes, hex digests and derived tokens.
 * The header parser is deliberately narrower than a general query-string
 * parser: anything a well-behaved signer would not send is MALFORMED.
 */
#include "core/signature.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/hex.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "base/jcs.h"
#include "base/limits.h"
#include "base/mem_alloc.h"

const char *sig_outcome_text(enum sig_outcome o)
{
    switch (o) {
    case SIG_VALID_PRIMARY: return "valid (signing key)";
    case SIG_VALID_FALLBACK: return "valid (fallback signing key)";
    case SIG_MISSING: return "missing signature header";
    case SIG_MALFORMED: return "malformed signature header";
    case SIG_EXPIRED: return "signature timestamp outside the allowed window";
    case SIG_MISMATCH: return "signature does not match";
    case SIG_NO_KEY: return "no signing key configured";
    case SIG_ERROR: return "signature could not be computed";
    }
    return "unknown signature outcome";
}

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Length of a leading "signkey-\w+-", or 0 when the key has none. */
static size_t prefix_len(const char *key)
{
    static const char lead[] = "signkey-";
    size_t n = sizeof(lead) - 1;
    if (strncmp(key, lead, n) != 0)
        return 0;
    size_t i = n;
    while (is_word_char(key[i]))
        i++;
    if (i == n || key[i] != '-')
        return 0;
    return i + 1;
}

const char *sig_key_material(const char *key)
{
    if (!key)
        return "";
    return key + prefix_len(key);
}

/* A key whose material is empty would make an HMAC anyone can compute, so it
 * counts as no key at all. */
static bool key_usable(const char *key)
{
    return key && sig_key_material(key)[0] != '\0';
}

/* ---- HMAC-SHA256 ---------------------------------------------------------
 * Through EVP_MAC, OpenSSL looks "HMAC" and then "SHA256" up in its provider
 * store on every signature (locks and hash lookups) and hashes the padded key
 * twice before it reads a byte of the body: on a small call request that is
 * most of the cost of verifying it and signing the answer.  sig_prepare_key,
 * called at start-up for the configured keys, does the look-up and the key's
 * two pad blocks once; a signature then copies two digest states.  A key
 * that was not prepared (tests, tools) takes the general path. */
#define HMAC_BLOCK 64
#define PREPARED_MAX 4

struct prepared_key {
    char *material;
    EVP_MD_CTX *inner, *outer; /* SHA-256 states after (K ^ ipad), (K ^ opad) */
};

/* Written only by sig_prepare_key, at start-up, before workers fork. */
static EVP_MD *sha256_md;
static struct prepared_key prepared[PREPARED_MAX];
static int prepared_count;

static const struct prepared_key *find_prepared(const char *material)
{
    for (int i = 0; i < prepared_count; i++)
        if (strcmp(prepared[i].material, material) == 0)
            return &prepared[i];
    return NULL;
}

static bool absorb_pad(EVP_MD_CTX **state, const unsigned char key[HMAC_BLOCK], unsigned char x)
{
    unsigned char pad[HMAC_BLOCK];
    for (int i = 0; i < HMAC_BLOCK; i++)
        pad[i] = key[i] ^ x;
    *state = EVP_MD_CTX_new();
    bool ok = *state && EVP_DigestInit_ex(*state, sha256_md, NULL) == 1 &&
              EVP_DigestUpdate(*state, pad, sizeof(pad)) == 1;
    OPENSSL_cleanse(pad, sizeof(pad));
    return ok;
}

void sig_prepare_key(const char *key)
{
    if (!key_usable(key) || prepared_count == PREPARED_MAX)
        return;
    const char *material = sig_key_material(key);
    if (find_prepared(material))
        return;
    if (!sha256_md && !(sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)))
        return;
    /* RFC 2104: a key longer than the block is hashed first */
    unsigned char k[HMAC_BLOCK] = {0};
    size_t n = strlen(material);
    unsigned int hashed = 0;
    if (n > HMAC_BLOCK) {
        if (EVP_Digest(material, n, k, &hashed, sha256_md, NULL) != 1)
            return;
    } else {
        memcpy(k, material, n);
    }
    struct prepared_key *p = &prepared[prepared_count];
    p->material = mem_malloc(n + 1);
    bool ok = p->material && absorb_pad(&p->inner, k, 0x36) && absorb_pad(&p->outer, k, 0x5c);
    OPENSSL_cleanse(k, sizeof(k));
    if (!ok) {
        EVP_MD_CTX_free(p->inner);
        EVP_MD_CTX_free(p->outer);
        mem_free(p->material);
        memset(p, 0, sizeof(*p));
        return;
    }
    memcpy(p->material, material, n + 1);
    prepared_count++;
}

static bool prepared_hmac(const struct prepared_key *p, const void *body, size_t body_len,
                          const char *tail, unsigned char out[32])
{
    unsigned char inner[32];
    unsigned int n = 0, m = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_MD_CTX_copy_ex(ctx, p->inner) == 1
              && (body_len == 0 || EVP_DigestUpdate(ctx, body, body_len) == 1)
              && EVP_DigestUpdate(ctx, tail, strlen(tail)) == 1
              && EVP_DigestFinal_ex(ctx, inner, &n) == 1 && n == 32
              && EVP_MD_CTX_copy_ex(ctx, p->outer) == 1
              && EVP_DigestUpdate(ctx, inner, sizeof(inner)) == 1
              && EVP_DigestFinal_ex(ctx, out, &m) == 1 && m == 32;
    OPENSSL_cleanse(inner, sizeof(inner));
    EVP_MD_CTX_free(ctx);
    return ok;
}

static bool hmac_sha256(const char *material, const void *body, size_t body_len,
                        const char *tail, unsigned char out[32])
{
    const struct prepared_key *p = find_prepared(material);
    if (p)
        return prepared_hmac(p, body, body_len, tail, out);
    bool ok = false;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    if (ctx) {
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end(),
        };
        size_t out_len = 0;
        ok = EVP_MAC_init(ctx, (const unsigned char *)material, strlen(material), params) == 1
             && (body_len == 0 || EVP_MAC_update(ctx, body, body_len) == 1)
             && EVP_MAC_update(ctx, (const unsigned char *)tail, strlen(tail)) == 1
             && EVP_MAC_final(ctx, out, &out_len, 32) == 1 && out_len == 32;
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

void sig_compute(const char *key, const void *body, size_t body_len, long long t, char out[65])
{
    char ts[24];
    unsigned char mac[32];
    snprintf(ts, sizeof(ts), "%lld", t);
    /* An empty string can never equal a received signature, so a crypto
     * failure fails closed. */
    if (!hmac_sha256(sig_key_material(key), body, body_len, ts, mac)) {
        out[0] = '\0';
        return;
    }
    hex_encode(mac, sizeof(mac), out);
    OPENSSL_cleanse(mac, sizeof(mac));
}

bool sig_response_header(const char *key, const void *body, size_t body_len, long long t,
                         char *out, size_t out_size)
{
    char s[65];
    if (!out || out_size == 0)
        return false;
    out[0] = '\0';
    sig_compute(key, body, body_len, t, s);
    if (s[0] == '\0')
        return false;
    int n = snprintf(out, out_size, "t=%lld&s=%s", t, s);
    if (n < 0 || (size_t)n >= out_size) {
        out[0] = '\0';
        return false;
    }
    return true;
}

bool sig_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}

/* ---- header parsing ---------------------------------------------------- */

struct sig_header {
    long long t;
    char s[65];
};

static bool parse_t(const char *v, size_t n, long long *t)
{
    /* At most 18 digits cannot overflow; no sign and no leading zero, because
     * the HMAC covers t as sent and we re-render it in decimal. */
    if (n == 0 || n > 18 || (n > 1 && v[0] == '0'))
        return false;
    long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (v[i] - '0');
    }
    *t = x;
    return true;
}

static bool parse_s(const char *v, size_t n, char out[65])
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    memcpy(out, v, 64);
    out[64] = '\0';
    return true;
}

/* Query-string split in the manner of URLSearchParams (empty segments skipped,
 * unknown names ignored), but with no percent- or plus-decoding: a hex digest
 * and a decimal timestamp never need it, so any such byte is simply invalid. */
static bool parse_header(const char *h, size_t len, struct sig_header *out)
{
    bool have_t = false, have_s = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c <= 0x20 || c >= 0x7f)
            return false;
    }
    size_t pos = 0;
    while (pos <= len) {
        const char *seg = h + pos;
        const char *amp = memchr(seg, '&', len - pos);
        size_t seg_len = amp ? (size_t)(amp - seg) : len - pos;
        pos += seg_len + 1;
        if (seg_len == 0)
            continue;
        const char *eq = memchr(seg, '=', seg_len);
        size_t name_len = eq ? (size_t)(eq - seg) : seg_len;
        const char *val = eq ? eq + 1 : seg + seg_len;
        size_t val_len = seg_len - name_len - (eq ? 1 : 0);
        if (name_len == 1 && seg[0] == 't') {
            if (have_t || !parse_t(val, val_len, &out->t))
                return false;
            have_t = true;
        } else if (name_len == 1 && seg[0] == 's') {
            if (have_s || !parse_s(val, val_len, out->s))
                return false;
            have_s = true;
        }
    }
    return have_t && have_s;
}

static bool within_window(long long t, time_t now)
{
    /* Unsigned differences so that an absurd `now` cannot overflow. */
    long long n = (long long)now;
    unsigned long long d = t >= n ? (unsigned long long)t - (unsigned long long)n
                                  : (unsigned long long)n - (unsigned long long)t;
    return d <= (unsigned long long)ING_SIGNATURE_WINDOW_SECONDS;
}

/* The JCS form is computed at most once per verification and only when the
 * raw bytes failed, since call requests arrive canonical already. */
struct canon {
    bool tried;
    char *text; /* NULL: not JSON, or identical to the raw body */
    size_t len;
};

static const char *canonical_body(struct canon *c, const void *body, size_t body_len, size_t *len)
{
    if (!c->tried) {
        c->tried = true;
        if (body_len > 0 && body_len <= ING_MAX_JCS_VERIFY_BODY) {
            c->text = jcs_canonicalize(body, body_len, &c->len);
            if (c->text && c->len == body_len && memcmp(c->text, body, body_len) == 0) {
                mem_free(c->text);
                c->text = NULL;
            }
        }
    }
    *len = c->len;
    return c->text;
}

enum match { MATCH_NO, MATCH_YES, MATCH_ERROR };

static enum match matches_key(const char *key, const struct sig_header *h, const void *body,
                              size_t body_len, struct canon *c)
{
    char expect[65];
    sig_compute(key, body, body_len, h->t, expect);
    if (expect[0] == '\0')
        return MATCH_ERROR; /* not a mismatch: we could not tell */
    if (sig_equal(expect, h->s))
        return MATCH_YES;
    size_t clen = 0;
    const char *ctext = canonical_body(c, body, body_len, &clen);
    if (!ctext)
        return MATCH_NO;
    sig_compute(key, ctext, clen, h->t, expect);
    if (expect[0] == '\0')
        return MATCH_ERROR;
    return sig_equal(expect, h->s) ? MATCH_YES : MATCH_NO;
}

enum sig_outcome sig_verify(const char *header, const void *body, size_t body_len,
                            const char *key, const char *fallback, time_t now)
{
    bool primary_ok = key_usable(key), fallback_ok = key_usable(fallback);
    if (!primary_ok && !fallback_ok)
        return SIG_NO_KEY;
    if (!header || header[0] == '\0')
        return SIG_MISSING;
    size_t hlen = strnlen(header, (size_t)ING_MAX_HEADER_VALUE + 1);
    if (hlen > ING_MAX_HEADER_VALUE)
        return SIG_MALFORMED;
    struct sig_header h;
    if (!parse_header(header, hlen, &h))
        return SIG_MALFORMED;
    if (!within_window(h.t, now))
        return SIG_EXPIRED;
    if (!body)
        body_len = 0;

    struct canon c = { false, NULL, 0 };
    enum sig_outcome result = SIG_MISMATCH;
    enum match m = primary_ok ? matches_key(key, &h, body, body_len, &c) : MATCH_NO;
    if (m == MATCH_YES) {
        result = SIG_VALID_PRIMARY;
    } else if (m == MATCH_ERROR) {
        result = SIG_ERROR;
    } else if (fallback_ok) {
        m = matches_key(fallback, &h, body, body_len, &c);
        result = m == MATCH_YES ? SIG_VALID_FALLBACK : m == MATCH_ERROR ? SIG_ERROR : SIG_MISMATCH;
    }
    mem_free(c.text);
    return result;
}

/* ---- hashes of keys ---------------------------------------------------- */

/* SHA-256 of the hex-decoded key material, as lowercase hex. */
static bool hashed_material(const char *key, char out[65])
{
    const char *m = sig_key_material(key);
    size_t n = strlen(m);
    if (n == 0 || n % 2 != 0)
        return false;
    unsigned char *raw = mem_malloc(n / 2);
    if (!raw)
        return false;
    bool ok = hex_decode(m, n, raw);
    if (ok)
        sig_sha256_hex(raw, n / 2, out);
    OPENSSL_cleanse(raw, n / 2);
    mem_free(raw);
    return ok && out[0] != '\0';
}

bool sig_bearer_token(const char *key, char *out, size_t out_size)
{
    char digest[65];
    if (!out || out_size == 0)
        return false;
    out[0] = '\0';
    if (!key || !hashed_material(key, digest))
        return false;
    size_t plen = prefix_len(key);
    if (plen + 64 + 1 > out_size)
        return false;
    memcpy(out, key, plen);
    memcpy(out + plen, digest, 65);
    return true;
}

void sig_key_hash12(const char *key, char out[13])
{
    char digest[65];
    out[0] = '\0';
    if (!key || !hashed_material(key, digest))
        return;
    memcpy(out, digest, 12);
    out[12] = '\0';
}

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, buf, &n, md, NULL) != 1) {
        out[0] = '\0';
        return;
    }
    hex_encode(buf, n, out);
}

void sig_sha256_hex(const void *data, size_t len, char out[65])
{
    digest_hex(EVP_sha256(), data, len, out);
}

void sig_sha1_hex(const void *data, size_t len, char out[41])
{
    digest_hex(EVP_sha1(), data, len, out);
}
