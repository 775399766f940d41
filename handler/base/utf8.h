/*
 * utf8.h — decoding one UTF-8 character: the one copy the SDK uses (the
 * strict JSON reader in json_strict.c, the canonical writer in jcs.c, log
 * escaping).
 *
 * Inline on purpose: jcs.c calls it once per character of every string it
 * checks or canonicalizes.
 */
#ifndef ING_UTF8_H
#define ING_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one well-formed UTF-8 sequence from s[0..n) (shortest form, no
 * surrogates, at most U+10FFFF) into *cp; returns its length (1-4), or 0 if
 * the bytes are not one.  It reads no further than the first byte that is
 * not a continuation, so a NUL-terminated text may pass n = 4. */
static inline size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0; /* a continuation byte on its own, C0/C1 lead bytes, F5-FF */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0; /* overlong, a surrogate, beyond Unicode */
    *cp = v;
    return len;
}

#endif
