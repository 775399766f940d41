/*
 * json_valid.c — see json_valid.h.  A single pass with a depth counter:
 * the kind of each open container is kept in a bit per level.
 */
#include "base/json_valid.h"

#include <string.h>

#include "base/limits.h"

struct scan {
    const char *p, *end;
};

static void ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool literal(struct scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool number(struct scan *s)
{
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p >= s->end || !is_digit(*s->p))
        return false;
    if (*s->p == '0')
        s->p++;
    else
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (s->p >= s->end || !is_digit(*s->p))
            return false;
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || !is_digit(*s->p))
            return false;
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    }
    return true;
}

static bool string(struct scan *s)
{
    if (s->p >= s->end || *s->p != '"')
        return false;
    s->p++;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p++;
        if (c == '"')
            return true;
        if (c < 0x20)
            return false;
        if (c != '\\')
            continue;
        if (s->p >= s->end)
            return false;
        char e = *s->p++;
        if (e == 'u') {
            for (int i = 0; i < 4; i++)
                if (s->p >= s->end || !is_hex(*s->p++))
                    return false;
        } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
            return false;
        }
    }
    return false;
}

static bool scalar(struct scan *s)
{
    if (s->p >= s->end)
        return false;
    switch (*s->p) {
    case '"': return string(s);
    case 't': return literal(s, "true");
    case 'f': return literal(s, "false");
    case 'n': return literal(s, "null");
    default: return number(s);
    }
}

bool json_text_valid(const char *text, size_t n, int max_depth)
{
    if (!text || max_depth < 1)
        return false;
    if (max_depth > ING_JSON_MAX_DEPTH)
        max_depth = ING_JSON_MAX_DEPTH;
    unsigned char is_object[(ING_JSON_MAX_DEPTH + 7) / 8] = {0};
    int depth = 0;
    struct scan s = {text, text + n};
    ws(&s);
    for (;;) {
        /* a value is expected here */
        ws(&s);
        if (s.p < s.end && (*s.p == '{' || *s.p == '[')) {
            bool obj = *s.p == '{';
            if (depth == max_depth)
                return false;
            if (obj)
                is_object[depth / 8] |= (unsigned char)(1u << (depth % 8));
            else
                is_object[depth / 8] &= (unsigned char)~(1u << (depth % 8));
            depth++;
            s.p++;
            ws(&s);
            if (s.p < s.end && *s.p == (obj ? '}' : ']')) {
                s.p++;
                depth--;
                goto after_value;
            }
            if (obj) {
                if (!string(&s))
                    return false;
                ws(&s);
                if (s.p >= s.end || *s.p++ != ':')
                    return false;
            }
            continue;
        }
        if (!scalar(&s))
            return false;
    after_value:
        /* after a value: a separator, a closing bracket, or the end */
        for (;;) {
            ws(&s);
            if (depth == 0)
                return s.p == s.end;
            bool obj = is_object[(depth - 1) / 8] & (1u << ((depth - 1) % 8));
            if (s.p >= s.end)
                return false;
            char c = *s.p++;
            if (c == ',') {
                if (obj) {
                    ws(&s);
                    if (!string(&s))
                        return false;
                    ws(&s);
                    if (s.p >= s.end || *s.p++ != ':')
                        return false;
                }
                break; /* the next value */
            }
            if (c != (obj ? '}' : ']'))
                return false;
            depth--;
        }
    }
}
