/*
 * duration.c — parses Inngest time strings ("1s", "2h45m", "1.5h", "7d").
 *
 * Owns nothing but the grammar: a sequence of unsigned decimal numbers, each
 * followed by one unit (ns us µs μs ms s m h d w).  It follows the server's
 * parser (Go's duration syntax extended with d and w) but is stricter where
 * the server's leniency only hides mistakes: no sign, no bare "0", no empty
 * string.  It must never allocate or depend on the locale (strtod would read
 * "1,5" in some locales and accept exponents and hex), and must reject any
 * total the server cannot represent (int64 nanoseconds, about 292 years) so a
 * string we accept is never refused at sync.
 */
#include "base/duration.h"

#include <stddef.h>
#include <string.h>

struct unit {
    const char *text;
    double seconds;
};

/* Both spellings of micro: U+00B5 (micro sign) and U+03BC (Greek mu), as the
 * server accepts both. */
static const struct unit units[] = {
    {"ns", 1e-9},
    {"us", 1e-6},
    {"\xc2\xb5s", 1e-6},
    {"\xce\xbcs", 1e-6},
    {"ms", 1e-3},
    {"s", 1.0},
    {"m", 60.0},
    {"h", 3600.0},
    {"d", 86400.0},
    {"w", 604800.0},
};

/* Go's time.Duration is int64 nanoseconds. */
#define MAX_SECONDS 9223372036.854775807

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const struct unit *find_unit(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].text) == len && memcmp(units[i].text, s, len) == 0)
            return &units[i];
    }
    return NULL;
}

bool duration_parse(const char *text, double *seconds)
{
    if (!text || !*text)
        return false;

    double total = 0.0;
    const char *p = text;
    while (*p) {
        double value = 0.0;
        bool any_digit = false;
        while (is_digit(*p)) {
            value = value * 10.0 + (*p - '0');
            any_digit = true;
            /* Stop accumulating once the value is hopeless; the range check
             * below rejects it, and this keeps the double finite. */
            if (value > 1e300)
                return false;
            p++;
        }
        if (*p == '.') {
            p++;
            double scale = 0.1;
            while (is_digit(*p)) {
                value += (*p - '0') * scale;
                scale /= 10.0;
                any_digit = true;
                p++;
            }
        }
        if (!any_digit)
            return false; /* "s", ".s", "-1s", " 1s" */

        /* The unit runs to the next number, as in Go, so "1mss" is an unknown
         * unit rather than 1ms followed by garbage. */
        const char *u = p;
        while (*p && *p != '.' && !is_digit(*p))
            p++;
        if (p == u)
            return false; /* bare number: the server would guess, we don't */
        const struct unit *unit = find_unit(u, (size_t)(p - u));
        if (!unit)
            return false;

        total += value * unit->seconds;
        if (total > MAX_SECONDS)
            return false;
    }

    if (seconds)
        *seconds = total;
    return true;
}
