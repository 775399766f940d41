/*
 * json_strict.c — the strict scanner and the tree reader on it (see
 * json_strict.h for why they exist).
 *
 * The scanner is on the call request's hot path (a body with 1,000 memoized
 * steps is ~100 KB of strings), so strings are scanned 16 bytes at a time
 * where SSE2 is there.  The tree reader favours exactness over speed: JCS
 * must reproduce the signers' bytes, and ing_json_parse_strict must never
 * change a value silently.
 */
#include "base/json_strict.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/dynbuf.h"
#include "base/limits.h"
#include "base/mem_alloc.h"
#include "base/utf8.h"

/* ---- the scanner -------------------------------------------------------- */

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool json_scan_string(struct json_scan *s, bool *escaped)
{
    const char *p = s->p + 1, *end = s->end;
    bool esc = false;
    for (;;) {
#ifdef __SSE2__
        /* 16 bytes at a time to the next quote, backslash or control byte */
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                      control = _mm_set1_epi8(0x1f);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                    _mm_cmpeq_epi8(v, backslash)),
                                       _mm_cmpeq_epi8(_mm_min_epu8(v, control), v));
            int mask = _mm_movemask_epi8(hit);
            if (mask) {
                p += __builtin_ctz((unsigned)mask);
                break;
            }
            p += 16;
        }
#endif
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            p++;
        if (p >= end || (unsigned char)*p < 0x20)
            return false;
        if (*p == '"')
            break;
        esc = true;
        if (++p >= end)
            return false;
        if (*p == 'u') {
            if (end - p < 5 || !is_hex(p[1]) || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]))
                return false;
            p += 5;
        } else if (*p && strchr("\"\\/bfnrt", *p)) {
            p++;
        } else {
            return false;
        }
    }
    s->p = p + 1;
    if (escaped)
        *escaped = esc;
    return true;
}

static bool digits(struct json_scan *s)
{
    const char *start = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > start;
}

bool json_scan_number(struct json_scan *s)
{
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p >= s->end)
        return false;
    if (*s->p == '0')
        s->p++;
    else if (!digits(s))
        return false;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!digits(s))
            return false;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!digits(s))
            return false;
    }
    return true;
}

static bool word(struct json_scan *s, const char *w, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
        return false;
    s->p += n;
    return true;
}

bool json_scan_open(struct json_scan *s, bool *empty)
{
    if (s->depth >= s->max_depth)
        return false;
    char close = *s->p == '{' ? '}' : ']';
    s->depth++;
    s->p++;
    json_scan_ws(s);
    *empty = s->p < s->end && *s->p == close;
    if (*empty) {
        s->p++;
        s->depth--;
    }
    return true;
}

bool json_scan_key(struct json_scan *s, struct json_span *key, bool *escaped)
{
    json_scan_ws(s);
    const char *start = s->p;
    if (s->p >= s->end || *s->p != '"' || !json_scan_string(s, escaped))
        return false;
    key->p = start + 1;
    key->n = (size_t)(s->p - start) - 2;
    json_scan_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return false;
    s->p++;
    return true;
}

static bool scan_container(struct json_scan *s)
{
    char close = *s->p == '{' ? '}' : ']';
    bool empty, more = true;
    if (!json_scan_open(s, &empty))
        return false;
    if (empty)
        return true;
    while (more) {
        struct json_span key;
        if (close == '}' && !json_scan_key(s, &key, NULL))
            return false;
        if (!json_scan_value(s, NULL) || !json_scan_next(s, close, &more))
            return false;
    }
    return true;
}

bool json_scan_value(struct json_scan *s, struct json_span *out)
{
    json_scan_ws(s);
    if (s->p >= s->end)
        return false;
    const char *start = s->p;
    bool ok;
    switch (*s->p) {
    case '{':
    case '[': ok = scan_container(s); break;
    case '"': ok = json_scan_string(s, NULL); break;
    case 't': ok = word(s, "true", 4); break;
    case 'f': ok = word(s, "false", 5); break;
    case 'n': ok = word(s, "null", 4); break;
    default: ok = (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) && json_scan_number(s); break;
    }
    if (out) {
        out->p = start;
        out->n = (size_t)(s->p - start);
    }
    return ok;
}

bool json_text_valid(const char *text, size_t n, int max_depth)
{
    if (!text || max_depth < 1)
        return false;
    if (max_depth > ING_JSON_MAX_DEPTH)
        max_depth = ING_JSON_MAX_DEPTH;
    struct json_scan s = {.p = text, .end = text + n, .max_depth = max_depth};
    if (!json_scan_value(&s, NULL))
        return false;
    json_scan_ws(&s);
    return s.p == s.end;
}

/* ---- the tree reader ---------------------------------------------------- */

struct reader {
    struct json_scan s;
    bool exact_integers;
    struct dynbuf scratch; /* the string being decoded */
};

static size_t utf8_encode(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Decodes a scanned string's text (without its quotes) into r->scratch,
 * emptied first; *len its length.  The scanner has checked the escapes'
 * syntax; this checks the UTF-8 and the surrogate pairs.  Decoding never
 * lengthens the text (an escape of 2 to 12 bytes becomes at most 4), so room
 * for n bytes is enough. */
static bool decode_string(struct reader *r, struct json_span t, size_t *len)
{
    dynbuf_reset(&r->scratch);
    char *const start = dynbuf_room(&r->scratch, t.n);
    if (!start)
        return false;
    const char *p = t.p, *end = t.p + t.n;
    char *o = start;
    while (p < end) {
        if (*p != '\\') {
            uint32_t cp;
            size_t k = utf8_decode((const unsigned char *)p, (size_t)(end - p), &cp);
            if (k == 0)
                return false;
            memcpy(o, p, k);
            o += k;
            p += k;
            continue;
        }
        char e = p[1];
        p += 2;
        switch (e) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            uint32_t cp = hex4(p);
            p += 4;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return false; /* lone low surrogate */
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                    return false; /* lone high surrogate */
                uint32_t lo = hex4(p + 2);
                if (lo < 0xdc00 || lo > 0xdfff)
                    return false;
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            o += utf8_encode(o, cp);
            break;
        }
        default: *o++ = e; break; /* '"', '\\', '/' */
        }
    }
    dynbuf_commit(&r->scratch, (size_t)(o - start));
    *len = r->scratch.len;
    return true;
}

/* A string at r->s.p, decoded into r->scratch. */
static bool read_string(struct reader *r, size_t *len)
{
    struct json_span t = {r->s.p + 1, 0};
    if (!json_scan_string(&r->s, NULL))
        return false;
    t.n = (size_t)(r->s.p - t.p) - 1;
    return decode_string(r, t, len);
}

static bool read_number(struct reader *r, json_object **out)
{
    const char *s = r->s.p;
    if (!json_scan_number(&r->s))
        return false;
    size_t n = (size_t)(r->s.p - s);
    bool integer = !memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n);
    char small[64];
    char *text = n < sizeof(small) ? small : mem_malloc(n + 1);
    if (!text)
        return false;
    memcpy(text, s, n);
    text[n] = '\0';
    if (r->exact_integers && integer) {
        errno = 0;
        long long i = strtoll(text, NULL, 10);
        bool in_range = errno == 0;
        if (text != small)
            mem_free(text);
        if (!in_range)
            return false; /* json-c would clamp it: refuse rather than change it */
        *out = json_object_new_int64((int64_t)i);
        return *out != NULL;
    }
    double d = strtod(text, NULL);
    if (text != small)
        mem_free(text);
    if (!isfinite(d))
        return false; /* the signers could not have rendered it either */
    *out = json_object_new_double(d);
    return *out != NULL;
}

static bool read_value(struct reader *r, json_object **out);

/* One element into arr (a JSON null is stored as json-c's NULL). */
static bool read_element(struct reader *r, json_object *arr)
{
    json_object *item = NULL;
    if (!read_value(r, &item))
        return false;
    if (json_object_array_add(arr, item) != 0) {
        json_object_put(item);
        return false;
    }
    return true;
}

/* One member into obj; a repeated key keeps the last value, as JSON.parse
 * does. */
static bool read_member(struct reader *r, json_object *obj)
{
    struct json_span key;
    size_t key_len;
    if (!json_scan_key(&r->s, &key, NULL) || !decode_string(r, key, &key_len) ||
        /* json-c keys are C strings: a NUL would silently shorten the key */
        memchr(r->scratch.data, '\0', key_len))
        return false;
    char *k = mem_malloc(key_len + 1);
    if (!k)
        return false;
    memcpy(k, r->scratch.data, key_len + 1);
    json_object *val = NULL;
    bool ok = read_value(r, &val);
    if (ok && json_object_object_add(obj, k, val) != 0) {
        json_object_put(val);
        ok = false;
    }
    mem_free(k);
    return ok;
}

/* An object or an array, at its opening bracket. */
static bool read_container(struct reader *r, json_object **out)
{
    bool object = *r->s.p == '{', empty, more = true;
    json_object *c = object ? json_object_new_object() : json_object_new_array();
    if (!c || !json_scan_open(&r->s, &empty)) {
        json_object_put(c);
        return false;
    }
    while (!empty && more) {
        if (!(object ? read_member(r, c) : read_element(r, c)) ||
            !json_scan_next(&r->s, object ? '}' : ']', &more)) {
            json_object_put(c);
            return false;
        }
    }
    *out = c;
    return true;
}

static bool read_value(struct reader *r, json_object **out)
{
    *out = NULL;
    json_scan_ws(&r->s);
    if (r->s.p >= r->s.end)
        return false;
    size_t len;
    switch (*r->s.p) {
    case '{':
    case '[': return read_container(r, out);
    case '"':
        if (!read_string(r, &len))
            return false;
        *out = json_object_new_string_len(r->scratch.data, (int)len);
        return *out != NULL;
    case 't':
    case 'f': {
        bool yes = *r->s.p == 't';
        if (!json_scan_value(&r->s, NULL))
            return false;
        *out = json_object_new_boolean(yes);
        return *out != NULL;
    }
    case 'n':
        return json_scan_value(&r->s, NULL); /* json-c's null is NULL */
    default:
        return read_number(r, out);
    }
}

bool json_strict_parse(const char *text, size_t text_len, bool exact_integers, json_object **out)
{
    *out = NULL;
    /* json-c string lengths are int */
    if (!text || text_len > (size_t)INT32_MAX)
        return false;
    struct reader r = {.s = {.p = text, .end = text + text_len, .max_depth = ING_JSON_MAX_DEPTH},
                       .exact_integers = exact_integers};
    dynbuf_init(&r.scratch, DYNBUF_UNBOUNDED); /* no longer than the text */
    bool ok = read_value(&r, out);
    dynbuf_free(&r.scratch);
    if (ok) {
        json_scan_ws(&r.s);
        ok = r.s.p == r.s.end;
    }
    if (!ok) {
        json_object_put(*out);
        *out = NULL;
    }
    return ok;
}
