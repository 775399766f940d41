/*
 * hex.h — hexadecimal digits, both ways: the one copy the SDK uses (URL
 * decoding, key material, digests in signatures and logs, URL encoding).
 *
 * Inline on purpose: the signature check formats every HMAC with
 * hex_encode, and a call there would cost more than the loop.
 */
#ifndef ING_HEX_H
#define ING_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* 0..15, or -1 when c is not a hex digit (either case). */
static inline int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The digit for v (0..15): lowercase, or uppercase as RFC 3986 asks of %XX. */
static inline char hex_digit_lower(unsigned v) { return "0123456789abcdef"[v & 15u]; }
static inline char hex_digit_upper(unsigned v) { return "0123456789ABCDEF"[v & 15u]; }

/* n bytes as 2n lowercase digits and a NUL (out holds 2n + 1). */
static inline void hex_encode(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_digit_lower(in[i] >> 4);
        out[2 * i + 1] = hex_digit_lower(in[i]);
    }
    out[2 * n] = '\0';
}

/* hex_len digits (either case) as hex_len / 2 bytes; false, with out partly
 * written, when hex_len is odd or a character is not a hex digit. */
static inline bool hex_decode(const char *hex, size_t hex_len, unsigned char *out)
{
    if (hex_len % 2 != 0)
        return false;
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

#endif
