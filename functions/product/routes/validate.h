/*
 * validate.h — checks on the text fields the product routes accept.
 *
 * Each check returns NULL when the value is acceptable, or a short reason
 * ("must be at most 100 characters") that a route puts in its 400 answer under
 * the field's name.  Reasons never quote the value (it may be a token).
 * Lengths are counted in characters (Unicode code points) for human text and
 * in bytes where a protocol sets the limit (email addresses).
 */
#ifndef PRODUCT_VALIDATE_H
#define PRODUCT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "inngest.h"

struct text_rule {
    size_t max_chars;   /* code points, after trimming */
    bool optional;      /* absent, null or blank is fine (the value is then NULL) */
    bool multiline;     /* allows tab, CR and LF; other control characters never */
    bool ascii_token;   /* printable ASCII without spaces (ids, tokens) */
};

/* obj[key] as text obeying `rule`, trimmed of surrounding whitespace; *out is
 * the trimmed copy in request memory (NULL when optional and absent).  Refuses
 * non-strings, invalid UTF-8 and control characters (a NUL included). */
const char *validate_text(struct ing_ctx *c, json_object *obj, const char *key,
                          const struct text_rule *rule, const char **out);

/* Counts the code points of valid UTF-8 without control characters (tab, CR
 * and LF allowed when multiline); false otherwise. */
bool validate_utf8_text(const char *s, size_t len, bool multiline, size_t *chars);

/* 0..15 for a hexadecimal digit (either case), -1 otherwise: %XX in a query,
 * Stripe's signatures.  The app's one copy; the SDK's (handler/base/hex.h) is
 * internal, as an app sees only inngest.h. */
int validate_hex_digit(char ch);

/* A plausible address, not an RFC 5322 parser: at most 254 bytes, exactly one
 * '@' with 1..64 bytes before it, a domain with a dot that neither starts nor
 * ends it and no empty label, and none of the characters that would let one
 * field name several recipients or break a header: whitespace, control
 * characters, " ( ) , : ; < > [ \ ]. */
const char *validate_email(const char *s);

/* Text shown as a label (a post's title), already through validate_text: no
 * < or > (it is never markup) and none of the invisible or reordering
 * controls U+200B..U+200F, U+202A..U+202E, U+2060..U+2069, U+FEFF. */
const char *validate_label(const char *s);

#define VALIDATE_MAX_SLUG 200
/* 1..200 characters of a-z, 0-9 and '-'. */
const char *validate_slug(const char *s);

#endif
