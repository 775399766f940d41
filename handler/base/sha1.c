/*
 * sha1.c — one-shot SHA-1 written from FIPS 180-4 §6.1, in two forms: a
 * portable one (a 16-word rolling schedule, rounds unrolled by macro) and,
 * on x86-64 processors with the SHA extensions, one built on the SHA-NI
 * instructions, which hashes a short step id about five times faster.
 * sha1_fastest() reads which one the processor runs from what the compiler's
 * runtime learned at start-up; callers keep the answer (the step-id table
 * keeps it for one request), so nothing here holds state.  Both are checked against
 * OpenSSL on the step-id vectors and on random inputs in tests/unit/test_sha1.c.
 */
#include "base/sha1.h"

#include <stdint.h>
#include <string.h>

/* clang 14 cannot name "sha" in __builtin_cpu_supports: gcc only. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SHA1_HAVE_NI 1
#include <immintrin.h>
#endif

typedef void (*compress_fn)(uint32_t h[5], const unsigned char *blocks, size_t n);

static uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Round t of FIPS 180-4 §6.1.2 step 3, on a 16-word window of the schedule. */
#define F0(b, c, d) (((b) & (c)) | (~(b) & (d)))
#define F1(b, c, d) ((b) ^ (c) ^ (d))
#define F2(b, c, d) (((b) & (c)) | ((b) & (d)) | ((c) & (d)))
#define W(t) (t < 16 ? w[t] : (w[(t) & 15] = rotl(w[((t) - 3) & 15] ^ w[((t) - 8) & 15] ^ \
                                                   w[((t) - 14) & 15] ^ w[(t) & 15], 1)))
#define ROUND(t, f, k, a, b, c, d, e)                                                           \
    do {                                                                                         \
        e += rotl(a, 5) + f(b, c, d) + (k) + W(t);                                               \
        b = rotl(b, 30);                                                                         \
    } while (0)
/* five rounds with the variables renamed instead of moved */
#define FIVE(t, f, k)                                                                            \
    do {                                                                                         \
        ROUND(t, f, k, a, b, c, d, e);                                                           \
        ROUND(t + 1, f, k, e, a, b, c, d);                                                       \
        ROUND(t + 2, f, k, d, e, a, b, c);                                                       \
        ROUND(t + 3, f, k, c, d, e, a, b);                                                       \
        ROUND(t + 4, f, k, b, c, d, e, a);                                                       \
    } while (0)

static void compress_portable(uint32_t h[5], const unsigned char *p, size_t n)
{
    for (; n > 0; n--, p += 64) {
        uint32_t w[16];
        for (int t = 0; t < 16; t++)
            w[t] = load_be32(p + 4 * t);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        FIVE(0, F0, 0x5a827999u);
        FIVE(5, F0, 0x5a827999u);
        FIVE(10, F0, 0x5a827999u);
        FIVE(15, F0, 0x5a827999u);
        FIVE(20, F1, 0x6ed9eba1u);
        FIVE(25, F1, 0x6ed9eba1u);
        FIVE(30, F1, 0x6ed9eba1u);
        FIVE(35, F1, 0x6ed9eba1u);
        FIVE(40, F2, 0x8f1bbcdcu);
        FIVE(45, F2, 0x8f1bbcdcu);
        FIVE(50, F2, 0x8f1bbcdcu);
        FIVE(55, F2, 0x8f1bbcdcu);
        FIVE(60, F1, 0xca62c1d6u);
        FIVE(65, F1, 0xca62c1d6u);
        FIVE(70, F1, 0xca62c1d6u);
        FIVE(75, F1, 0xca62c1d6u);
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
}

#ifdef SHA1_HAVE_NI
/*
 * The SHA-NI form keeps A..D in one vector (A in the top lane) and E in
 * another.  Each group of four rounds g (0…19) takes message words 4g…4g+3;
 * words from group 4 on are scheduled from the four previous groups
 * (msg1/xor/msg2 is W[t] = rotl1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]) for
 * four t at once), and sha1nexte derives the next E from the A of two groups
 * back.  The round function and constant change every five groups (g / 5).
 */
#define NI_GROUP(g)                                                                              \
    do {                                                                                         \
        if ((g) >= 4)                                                                            \
            m[(g) & 3] = _mm_sha1msg2_epu32(                                                     \
                _mm_xor_si128(_mm_sha1msg1_epu32(m[(g) & 3], m[((g) - 3) & 3]),                  \
                              m[((g) - 2) & 3]),                                                 \
                m[((g) - 1) & 3]);                                                               \
        e = (g) == 0 ? _mm_add_epi32(e_save, m[0]) : _mm_sha1nexte_epu32(prev, m[(g) & 3]);      \
        prev = abcd;                                                                             \
        abcd = _mm_sha1rnds4_epu32(abcd, e, (g) / 5);                                            \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_ni(uint32_t h[5], const unsigned char *p, size_t n)
{
    const __m128i swap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
    __m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0);
    for (; n > 0; n--, p += 64) {
        __m128i abcd_save = abcd, e_save = e0, prev = abcd, e, m[4];
        for (int i = 0; i < 4; i++)
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
        NI_GROUP(0);  NI_GROUP(1);  NI_GROUP(2);  NI_GROUP(3);  NI_GROUP(4);
        NI_GROUP(5);  NI_GROUP(6);  NI_GROUP(7);  NI_GROUP(8);  NI_GROUP(9);
        NI_GROUP(10); NI_GROUP(11); NI_GROUP(12); NI_GROUP(13); NI_GROUP(14);
        NI_GROUP(15); NI_GROUP(16); NI_GROUP(17); NI_GROUP(18); NI_GROUP(19);
        e0 = _mm_sha1nexte_epu32(prev, e_save);
        abcd = _mm_add_epi32(abcd, abcd_save);
    }
    _mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
    h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

/* libgcc's start-up constructor has read cpuid into __cpu_model already, so
 * this reads memory: cpuid itself traps to the hypervisor in a VM (tens of
 * microseconds), far too slow to ask per request. */
static bool cpu_has_sha_ni(void)
{
    return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
           __builtin_cpu_supports("ssse3");
}
#endif

static void digest_hex(compress_fn compress, const void *data, size_t len, char out[41])
{
    uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
    const unsigned char *p = data;
    size_t whole = len / 64;
    if (whole)
        compress(h, p, whole);
    p += whole * 64;
    size_t left = len - whole * 64;
    /* the tail, the 0x80 marker and the bit length fill one or two blocks */
    unsigned char tail[128];
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t blocks = left + 1 + 8 <= 64 ? 1 : 2;
    memset(tail + left + 1, 0, blocks * 64 - left - 1);
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
    compress(h, tail, blocks);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++) {
            unsigned char byte = (unsigned char)(h[i] >> (24 - 8 * j));
            out[i * 8 + j * 2] = hex[byte >> 4];
            out[i * 8 + j * 2 + 1] = hex[byte & 15];
        }
    out[40] = '\0';
}

void sha1_hex(const void *data, size_t len, char out[41])
{
    digest_hex(compress_portable, data, len, out);
}

#ifdef SHA1_HAVE_NI
static void sha1_hex_ni(const void *data, size_t len, char out[41])
{
    digest_hex(compress_ni, data, len, out);
}
#endif

sha1_hex_fn sha1_fastest(void)
{
#ifdef SHA1_HAVE_NI
    if (cpu_has_sha_ni())
        return sha1_hex_ni;
#endif
    return sha1_hex;
}
