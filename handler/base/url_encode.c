/*
 * url_encode.c — RFC 3986 percent-encoding (url_encode.h).
 */
#include "base/url_encode.h"

#include <string.h>

#include "base/arena.h"
#include "base/hex.h"

static int unreserved(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

size_t url_encode(char *out, const char *in)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (unreserved(*p)) {
            if (out)
                out[n] = (char)*p;
            n++;
        } else {
            if (out) {
                out[n] = '%';
                out[n + 1] = hex_digit_upper(*p >> 4);
                out[n + 2] = hex_digit_upper(*p);
            }
            n += 3;
        }
    }
    return n;
}

char *url_encode_arena(struct arena *a, const char *s)
{
    size_t n = url_encode(NULL, s);
    char *out = arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    url_encode(out, s);
    out[n] = '\0';
    return out;
}
