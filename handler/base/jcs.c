/*
 * jcs.c — RFC 8785 canonical JSON, the byte form Inngest's signers HMAC:
 * the canonical writer for json-c trees.  The text is read by the strict
 * reader (base/json_strict.c, numbers as doubles, as the signers read them).
 *
 * It exists only to reproduce, byte for byte, what the Go executor's and the
 * JS SDK's canonicalizers produce, so it must never "repair" input: whatever
 * it cannot reproduce exactly (invalid UTF-8, lone surrogates, NUL inside a
 * key, non-finite numbers, non-RFC number syntax) makes it return NULL, and
 * verification then simply fails this form.  json_tokener is no use here: it
 * clamps integers beyond 64 bits, accepts NaN, Infinity, "1." and "01", turns
 * lone surrogate escapes into U+FFFD and cuts keys at an escaped NUL, each of
 * which changes the canonical bytes.
 *
 * Numbers follow the signers, which parse every number as an IEEE double:
 * integers beyond 2^53 are rounded like any other number, not kept as text.
 */
#include "base/jcs.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "base/json_strict.h"
#include "base/limits.h"
#include "base/mem_alloc.h"
#include "base/utf8.h"

/* ---- UTF-8 (decoding: utf8.h) ------------------------------------------ */

static bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        uint32_t cp;
        size_t k = utf8_decode(p, n, &cp);
        if (k == 0)
            return false;
        p += k;
        n -= k;
    }
    return true;
}

/* ---- key order --------------------------------------------------------- */

/* UTF-16 code units of a (validated) UTF-8 string, one at a time.  Byte order
 * would be code point order, which puts U+E000..U+FFFF before supplementary
 * characters; UTF-16 order puts them after (surrogates are 0xD800..0xDFFF). */
struct u16_iter {
    const unsigned char *p;
    size_t n;
    uint32_t pending; /* low surrogate still to deliver, or 0 */
};

static bool u16_next(struct u16_iter *it, uint32_t *unit)
{
    if (it->pending) {
        *unit = it->pending;
        it->pending = 0;
        return true;
    }
    if (it->n == 0)
        return false;
    uint32_t cp;
    size_t k = utf8_decode(it->p, it->n, &cp);
    if (k == 0) { /* unreachable for validated keys; order by the byte */
        cp = it->p[0];
        k = 1;
    }
    it->p += k;
    it->n -= k;
    if (cp >= 0x10000) {
        cp -= 0x10000;
        *unit = 0xd800 + (cp >> 10);
        it->pending = 0xdc00 + (cp & 0x3ff);
    } else {
        *unit = cp;
    }
    return true;
}

struct member {
    const char *key;
    size_t key_len;
    json_object *value;
};

static int member_cmp(const void *pa, const void *pb)
{
    const struct member *a = pa, *b = pb;
    struct u16_iter ia = { (const unsigned char *)a->key, a->key_len, 0 };
    struct u16_iter ib = { (const unsigned char *)b->key, b->key_len, 0 };
    for (;;) {
        uint32_t ua, ub;
        bool ha = u16_next(&ia, &ua), hb = u16_next(&ib, &ub);
        if (!ha || !hb)
            return ha ? 1 : hb ? -1 : 0;
        if (ua != ub)
            return ua < ub ? -1 : 1;
    }
}

/* ---- numbers ----------------------------------------------------------- */

/* Whether some decimal of `prec` significant digits reads back as `v` (v
 * finite, > 0); if so, the one closest to v goes to *mant × 10^*exp10.  The
 * correctly rounded candidate is tried first.  Its two decimal neighbours
 * matter only when v is a power of two: there the rounding interval is
 * lopsided, and the nearest candidate can miss while a farther one on the
 * wide side still reads back. */
static bool digits_at(double v, int prec, bool power_of_two, uint64_t *mant, int *exp10)
{
    char s[40];
    snprintf(s, sizeof(s), "%.*e", prec - 1, v);
    uint64_t m = 0;
    const char *p = s;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            m = m * 10 + (uint64_t)(*p - '0');
    int e = (int)strtol(p + 1, NULL, 10) - (prec - 1);
    uint64_t cands[3] = { m, m - 1, m + 1 };
    for (int i = 0; i < (power_of_two ? 3 : 1); i++) {
        char t[48];
        if (cands[i] == 0)
            continue;
        snprintf(t, sizeof(t), "%llue%d", (unsigned long long)cands[i], e);
        if (strtod(t, NULL) == v) {
            *mant = cands[i];
            *exp10 = e;
            return true;
        }
    }
    return false;
}

/* Shortest decimal digits that read back as `v` (v finite, > 0): digits into
 * *mant (no trailing zeros), value = mant × 10^(*exp10).
 *
 * For a normal double, any decimal of at most 15 significant digits (DBL_DIG)
 * survives the trip decimal → double → 15 correctly rounded digits.  So if
 * the 15-digit rounding of v reads back, it IS the shortest form padded with
 * zeros, and no shorter length needs trying; otherwise the answer has 16 or
 * 17 digits.  Subnormals have less precision, so for them the length is
 * bisected ("some p-digit decimal reads back" is monotonic in p, since a
 * p-digit decimal is also a p+1-digit one). */
static void shortest_digits(double v, uint64_t *mant, int *exp10)
{
    uint64_t m = 0;
    int e = 0;
    int bin_exp;
    bool pow2 = frexp(v, &bin_exp) == 0.5;
    if (v < 9007199254740992.0 && v == floor(v)) {
        /* an integer below 2^53 is its own shortest form: the interval
         * that reads back as it is narrower than 1 */
        m = (uint64_t)v;
    } else if (v >= DBL_MIN) {
        if (!digits_at(v, 15, false, &m, &e) && !digits_at(v, 16, pow2, &m, &e))
            (void)digits_at(v, 17, pow2, &m, &e); /* 17 digits always read back */
    } else {
        int lo = 1, hi = 17;
        bool have = false;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            uint64_t mm;
            int me;
            if (digits_at(v, mid, pow2, &mm, &me)) {
                hi = mid;
                m = mm, e = me, have = true;
            } else {
                lo = mid + 1;
            }
        }
        if (!have)
            (void)digits_at(v, 17, pow2, &m, &e);
    }
    while (m != 0 && m % 10 == 0) {
        m /= 10;
        e++;
    }
    *mant = m;
    *exp10 = e;
}

/* ECMAScript Number::toString(10) for a finite double. */
static void es_number(double v, char out[40])
{
    if (v == 0) { /* also -0 */
        strcpy(out, "0");
        return;
    }
    char *o = out;
    if (v < 0) {
        *o++ = '-';
        v = -v;
    }
    uint64_t m;
    int e10;
    shortest_digits(v, &m, &e10);
    char d[24];
    int k = snprintf(d, sizeof(d), "%llu", (unsigned long long)m);
    int n = e10 + k; /* value = 0.d × 10^n */
    if (k <= n && n <= 21) {
        memcpy(o, d, (size_t)k);
        o += k;
        for (int i = 0; i < n - k; i++)
            *o++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, d, (size_t)n);
        o += n;
        *o++ = '.';
        memcpy(o, d + n, (size_t)(k - n));
        o += k - n;
    } else if (-6 < n && n <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -n; i++)
            *o++ = '0';
        memcpy(o, d, (size_t)k);
        o += k;
    } else {
        *o++ = d[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)(k - 1));
            o += k - 1;
        }
        o += sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    *o = '\0';
}

/* ---- writer ------------------------------------------------------------ */

static void write_string(struct dynbuf *b, const char *s, size_t n)
{
    dynbuf_addc(b, '"');
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof(u), "\\u%04x", c);
                esc = u;
            }
        }
        if (esc) {
            dynbuf_add(b, s + i - run, run);
            run = 0;
            dynbuf_adds(b, esc);
        } else {
            run++;
        }
    }
    dynbuf_add(b, s + n - run, run);
    dynbuf_addc(b, '"');
}

static bool write_value(struct dynbuf *b, json_object *v, int depth);

static bool write_object(struct dynbuf *b, json_object *v, int depth)
{
    size_t count = (size_t)json_object_object_length(v);
    struct member *ms = NULL;
    if (count > 0) {
        ms = mem_calloc(count, sizeof(*ms));
        if (!ms)
            return false;
    }
    size_t i = 0;
    bool ok = true;
    json_object_object_foreach(v, key, val) {
        if (i == count)
            break;
        ms[i].key = key;
        ms[i].key_len = strlen(key);
        ms[i].value = val;
        if (!utf8_valid(key, ms[i].key_len))
            ok = false;
        i++;
    }
    if (ok) {
        if (i > 1)
            qsort(ms, i, sizeof(*ms), member_cmp);
        dynbuf_addc(b, '{');
        for (size_t j = 0; j < i && ok; j++) {
            if (j)
                dynbuf_addc(b, ',');
            write_string(b, ms[j].key, ms[j].key_len);
            dynbuf_addc(b, ':');
            ok = write_value(b, ms[j].value, depth + 1);
        }
        dynbuf_addc(b, '}');
    }
    mem_free(ms);
    return ok;
}

static bool write_value(struct dynbuf *b, json_object *v, int depth)
{
    char num[40];
    switch (json_object_get_type(v)) {
    case json_type_null:
        dynbuf_adds(b, "null");
        return true;
    case json_type_boolean:
        dynbuf_adds(b, json_object_get_boolean(v) ? "true" : "false");
        return true;
    case json_type_int: {
        /* json-c keeps int64 and uint64 apart; get_int64 saturates at
         * INT64_MAX for the latter, which is how we tell them apart. */
        int64_t i = json_object_get_int64(v);
        double d = i == INT64_MAX ? (double)json_object_get_uint64(v) : (double)i;
        es_number(d, num);
        dynbuf_adds(b, num);
        return true;
    }
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d))
            return false;
        es_number(d, num);
        dynbuf_adds(b, num);
        return true;
    }
    case json_type_string: {
        const char *s = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        if (!utf8_valid(s, n))
            return false;
        write_string(b, s, n);
        return true;
    }
    case json_type_array: {
        if (depth >= ING_JSON_MAX_DEPTH)
            return false;
        size_t n = json_object_array_length(v);
        dynbuf_addc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                dynbuf_addc(b, ',');
            if (!write_value(b, json_object_array_get_idx(v, i), depth + 1))
                return false;
        }
        dynbuf_addc(b, ']');
        return true;
    }
    case json_type_object:
        if (depth >= ING_JSON_MAX_DEPTH)
            return false;
        return write_object(b, v, depth);
    }
    return false;
}

char *jcs_serialize(json_object *value, size_t *len)
{
    /* no ceiling of its own: the value it renders is already bounded */
    struct dynbuf b = DYNBUF_INIT(DYNBUF_UNBOUNDED);
    if (!write_value(&b, value, 0) || !dynbuf_ok(&b)) {
        dynbuf_free(&b);
        return NULL;
    }
    return dynbuf_take(&b, len);
}

char *jcs_canonicalize(const char *text, size_t text_len, size_t *len)
{
    json_object *root = NULL;
    char *out = json_strict_parse(text, text_len, false, &root) ? jcs_serialize(root, len) : NULL;
    json_object_put(root);
    return out;
}
