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
    /* what the trimmed value must also pass (validate_email, validate_slug,
     * validate_label), or NULL */
    const char *(*check)(const char *value);
};

/* obj[key] as text obeying `rule`, trimmed of surrounding whitespace; *out is
 * the trimmed copy in request memory (NULL when optional and absent, or
 * refused).  Refuses non-strings, invalid UTF-8 and control characters (a NUL
 * included), then whatever rule->check refuses. */
const char *validate_text(struct ing_ctx *c, json_object *obj, const char *key,
                          const struct text_rule *rule, const char **out);

/* validate_text for one field of a form: a reason goes into errors[key] (an
 * object collecting every bad field, so a form can mark them all at once).
 * false when the field was refused. */
bool validate_field(struct ing_ctx *c, json_object *obj, const char *key, const struct text_rule *rule,
                    const char **out, json_object *errors);

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

/* A post as the page-view routes (POST /api/views, /api/durable/views) take
 * it: its slug (validate_slug) and its title, a label (validate_label) of at
 * most VALIDATE_MAX_TITLE characters on one line. */
#define VALIDATE_MAX_TITLE 200
extern const struct text_rule validate_slug_rule;
extern const struct text_rule validate_title_rule;

#endif
