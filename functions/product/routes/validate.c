/*
 * validate.c — the field checks of validate.h.
 *
 * Pure functions over bytes: no I/O, no logging, no state, so the routes and
 * their tests share one definition of "valid".  Request memory is used only
 * for the trimmed copy and the reason text.
 */
#include "product/routes/validate.h"

#include <ctype.h>
#include <string.h>

static bool is_trim_space(unsigned char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* One code point of valid UTF-8 starting at s[i] (shortest form, no
 * surrogates, at most U+10FFFF); its length, or 0 when invalid. */
static size_t utf8_next(const unsigned char *s, size_t len, size_t i, unsigned long *cp)
{
    unsigned char b = s[i];
    size_t n;
    unsigned long v, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        n = 2, v = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        n = 3, v = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        n = 4, v = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > len)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

int validate_hex_digit(char ch)
{
    if (!isxdigit((unsigned char)ch))
        return -1;
    return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; /* 0x20: 'A'..'F' → 'a'..'f' */
}

bool validate_utf8_text(const char *s, size_t len, bool multiline, size_t *chars)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t count = 0;
    for (size_t i = 0; i < len;) {
        unsigned long cp;
        size_t n = utf8_next(u, len, i, &cp);
        if (n == 0)
            return false;
        bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
        if (control && !(multiline && (cp == '\t' || cp == '\n' || cp == '\r')))
            return false;
        i += n;
        count++;
    }
    *chars = count;
    return true;
}

const char *validate_text(struct ing_ctx *c, json_object *obj, const char *key,
                          const struct text_rule *rule, const char **out)
{
    *out = NULL;
    json_object *v = ing_json_get(obj, key);
    if (!v)
        return rule->optional ? NULL : "is required";
    if (!json_object_is_type(v, json_type_string))
        return "must be a string";
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    size_t start = 0, end = len;
    while (start < end && is_trim_space((unsigned char)s[start]))
        start++;
    while (end > start && is_trim_space((unsigned char)s[end - 1]))
        end--;
    if (start == end)
        return rule->optional ? NULL : "must not be empty";
    size_t chars = 0;
    if (rule->ascii_token) {
        for (size_t i = start; i < end; i++)
            if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7F)
                return "must be printable ASCII without spaces";
        chars = end - start;
    } else if (!validate_utf8_text(s + start, end - start, rule->multiline, &chars)) {
        return validate_utf8_text(s + start, end - start, true, &chars)
                   ? "must be on one line (no line breaks or tabs)"
                   : "must be valid UTF-8 without control characters";
    }
    if (chars > rule->max_chars)
        return ing_sprintf(c, "must be at most %zu characters", rule->max_chars);
    char *copy = ing_alloc(c, end - start + 1);
    memcpy(copy, s + start, end - start);
    const char *why = rule->check ? rule->check(copy) : NULL;
    if (!why)
        *out = copy;
    return why;
}

bool validate_field(struct ing_ctx *c, json_object *obj, const char *key, const struct text_rule *rule,
                    const char **out, json_object *errors)
{
    const char *why = validate_text(c, obj, key, rule, out);
    if (why)
        ing_json_set(errors, key, ing_json_string(c, why));
    return why == NULL;
}

const char *validate_email(const char *s)
{
    size_t len = strlen(s);
    if (len > 254)
        return "must be at most 254 characters";
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@'))
        return "must contain exactly one @";
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7F || strchr("\"(),:;<>[\\]", *p))
            return "must not contain spaces, control characters or any of \" ( ) , : ; < > [ \\ ]";
    size_t local = (size_t)(at - s);
    if (local == 0 || local > 64)
        return "must have 1 to 64 characters before the @";
    const char *domain = at + 1;
    if (!strchr(domain, '.'))
        return "must have a domain with a dot after the @";
    if (domain[0] == '.' || domain[strlen(domain) - 1] == '.' || strstr(domain, ".."))
        return "must have a domain without empty parts (like a..b or a trailing dot)";
    return NULL;
}

const char *validate_label(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned long cp;
        size_t n = utf8_next(u, len, i, &cp);
        if (n == 0)
            return "must be valid UTF-8 without control characters";
        if (cp == '<' || cp == '>')
            return "must not contain < or > (it is shown as text, never as markup)";
        if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
            (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF)
            return "must not contain invisible or text-direction control characters";
        i += n;
    }
    return NULL;
}

const char *validate_slug(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VALIDATE_MAX_SLUG)
        return "must be 1 to 200 characters long";
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return "may contain only lowercase letters a-z, digits and '-'";
    return NULL;
}

const struct text_rule validate_slug_rule = {.max_chars = VALIDATE_MAX_SLUG, .check = validate_slug};
const struct text_rule validate_title_rule = {.max_chars = VALIDATE_MAX_TITLE, .check = validate_label};
