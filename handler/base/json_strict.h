/*
 * json_strict.h — the one strict RFC 8259 scanner, and the tree reader built
 * on it.
 *
 * json-c's reader is laxer than the texts we must agree with byte for byte
 * (it takes comments, NaN, Infinity, "01", single quotes; it clamps big
 * integers, turns lone surrogates into U+FFFD, cuts keys at an escaped NUL).
 * Three readers need exactly RFC 8259 instead: the call body's one-pass
 * reader (steps/call_body.c, which keeps memoized steps as text), JCS's
 * reader (the canonical form Inngest signs, base/jcs.c) and the check that
 * tells "not JSON" from "no memory" after json-c fails (json_text_valid).
 * They share the grammar below, so a text one of them accepts, the others
 * read the same way, and whatever it accepts json-c accepts too.
 *
 * The scanner checks syntax and hands out spans of the text; it allocates
 * nothing and never reads past `end`.  Strings are checked for their escapes
 * and control bytes, not for UTF-8: the tree reader checks that while it
 * decodes.
 */
#ifndef ING_JSON_STRICT_H
#define ING_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* A piece of the scanned text. */
struct json_span {
    const char *p;
    size_t n;
};

struct json_scan {
    const char *p, *end;
    int depth;     /* containers open now */
    int max_depth; /* containers that may be open at once */
};

static inline void json_scan_ws(struct json_scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* At '"': a string, leaving p after its closing quote.  *escaped (optional)
 * says whether it had a backslash escape. */
bool json_scan_string(struct json_scan *s, bool *escaped);

/* At the first byte of a number (RFC 8259's grammar: no '+', no leading
 * zeros, digits on both sides of '.'). */
bool json_scan_number(struct json_scan *s);

/* One value after optional whitespace; *out (optional) is its exact text. */
bool json_scan_value(struct json_scan *s, struct json_span *out);

/* At '{' or '[': enters the container (false when max_depth containers are
 * open already).  *empty: it closed at once and has been left again. */
bool json_scan_open(struct json_scan *s, bool *empty);

/* In an object, before a member: optional whitespace, the key, optional
 * whitespace and the colon.  *key is the key's text without its quotes;
 * *escaped (optional) says whether it had an escape. */
bool json_scan_key(struct json_scan *s, struct json_span *key, bool *escaped);

/* After a member or an element: optional whitespace, then ',' (*more true)
 * or the closing bracket `close` (*more false, the container left). */
static inline bool json_scan_next(struct json_scan *s, char close, bool *more)
{
    json_scan_ws(s);
    if (s->p >= s->end)
        return false;
    if (*s->p == ',') {
        s->p++;
        *more = true;
        return true;
    }
    if (*s->p != close)
        return false;
    s->p++;
    s->depth--;
    *more = false;
    return true;
}

/* Whether text is one value, optionally surrounded by whitespace, nesting at
 * most max_depth containers.  Allocates nothing: a caller that must answer
 * 400 for "not JSON" and 500 for "no memory" asks this after json-c failed. */
bool json_text_valid(const char *text, size_t n, int max_depth);

/* The tree reader: the whole of text as one value (ING_JSON_MAX_DEPTH
 * containers at most), with strings checked as UTF-8 without lone
 * surrogates and without NUL in keys.  Numbers: with exact_integers, an
 * integer token becomes an exact int64 (one outside int64's range is
 * refused) and other numbers doubles; without it, every number is a double,
 * as JavaScript signers read it.  A non-finite double (1e999) is refused.
 * true with *out the new value (NULL for JSON null); false, *out NULL, when
 * text is not that or memory ran out. */
bool json_strict_parse(const char *text, size_t text_len, bool exact_integers, json_object **out);

#endif
