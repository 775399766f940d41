/*
 * crypto_ops.c — the cost of one step-id SHA-1 and one request signature,
 * our way and OpenSSL's, to decide whether our own code earns its place
 * (README "Performance").  Prints ns per operation, the best of 5 batches.
 *
 * SHA-1 of a step id: sha1_fastest() (SHA-NI where present), the portable
 * sha1_hex, and OpenSSL with the digest fetched once and one context reused.
 * HMAC-SHA256 over a 600-byte body and a timestamp: sig_compute with a
 * prepared key (two digest states copied), EVP_MAC_CTX_dup of a context
 * initialised once with the key, and sig_compute with a key not prepared
 * (EVP_MAC fetched per call).  It checks that the ways agree.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "base/hex.h"
#include "base/sha1.h"
#include "core/signature.h"

static volatile unsigned sink;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define BENCH(label, n, op)                                                     \
    do {                                                                        \
        double best = 1e30;                                                     \
        for (int rep = 0; rep < 5; rep++) {                                     \
            double t0 = seconds();                                              \
            for (long i = 0; i < (n); i++) {                                    \
                op;                                                             \
            }                                                                   \
            double ns = (seconds() - t0) / (double)(n) * 1e9;                   \
            best = ns < best ? ns : best;                                       \
        }                                                                       \
        printf("%-58s %8.1f ns\n", label, best);                                \
    } while (0)

static EVP_MD *sha1_md;
static EVP_MD_CTX *sha1_ctx;

static void openssl_sha1_hex(const void *data, size_t len, char out[41])
{
    unsigned char d[20];
    unsigned int n = 0;
    if (EVP_DigestInit_ex2(sha1_ctx, sha1_md, NULL) != 1 || EVP_DigestUpdate(sha1_ctx, data, len) != 1 ||
        EVP_DigestFinal_ex(sha1_ctx, d, &n) != 1) {
        out[0] = '\0';
        return;
    }
    hex_encode(d, sizeof(d), out);
}

static void mac_dup_hex(EVP_MAC_CTX *proto, const char *body, size_t len, const char *ts, char out[65])
{
    unsigned char m[32];
    size_t ml = 0;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(proto);
    if (!c || EVP_MAC_update(c, (const unsigned char *)body, len) != 1 ||
        EVP_MAC_update(c, (const unsigned char *)ts, strlen(ts)) != 1 || EVP_MAC_final(c, m, &ml, 32) != 1) {
        out[0] = '\0';
    } else {
        hex_encode(m, sizeof(m), out);
    }
    EVP_MAC_CTX_free(c);
}

int main(void)
{
    char a[65], b[65], c[65];
    const char *id = "step-number-42:7"; /* a repeated step's id */
    size_t idn = strlen(id);
    sha1_hex_fn fast = sha1_fastest();
    sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
    sha1_ctx = EVP_MD_CTX_new();
    if (!sha1_md || !sha1_ctx)
        return 1;
    fast(id, idn, a);
    sha1_hex(id, idn, b);
    openssl_sha1_hex(id, idn, c);
    if (strcmp(a, b) != 0 || strcmp(a, c) != 0) {
        fprintf(stderr, "SHA-1 results differ\n");
        return 1;
    }
    BENCH("SHA-1 of a step id: ours, fastest form", 2000000L, fast(id, idn, a); sink += (unsigned)a[0]);
    BENCH("SHA-1 of a step id: ours, portable", 2000000L, sha1_hex(id, idn, a); sink += (unsigned)a[0]);
    BENCH("SHA-1 of a step id: OpenSSL, digest fetched once, ctx reused", 2000000L,
          openssl_sha1_hex(id, idn, a); sink += (unsigned)a[0]);

    char body[600];
    memset(body, 'x', sizeof(body));
    const char *key = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";
    const char *other = "signkey-test-00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const char *material = sig_key_material(key);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *proto = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!proto || EVP_MAC_init(proto, (const unsigned char *)material, strlen(material), params) != 1)
        return 1;
    sig_prepare_key(key);
    sig_compute(key, body, sizeof(body), 1700000000LL, a);
    mac_dup_hex(proto, body, sizeof(body), "1700000000", b);
    if (a[0] == '\0' || strcmp(a, b) != 0) {
        fprintf(stderr, "HMAC results differ\n");
        return 1;
    }
    BENCH("HMAC-SHA256 of 600 B: ours, prepared key", 500000L,
          sig_compute(key, body, sizeof(body), 1700000000LL, a); sink += (unsigned)a[0]);
    BENCH("HMAC-SHA256 of 600 B: OpenSSL, EVP_MAC_CTX_dup", 500000L,
          mac_dup_hex(proto, body, sizeof(body), "1700000000", a); sink += (unsigned)a[0]);
    BENCH("HMAC-SHA256 of 600 B: OpenSSL, EVP_MAC fetched per call", 200000L,
          sig_compute(other, body, sizeof(body), 1700000000LL, a); sink += (unsigned)a[0]);
    EVP_MAC_CTX_free(proto);
    EVP_MAC_free(mac);
    EVP_MD_CTX_free(sha1_ctx);
    EVP_MD_free(sha1_md);
    return 0;
}
