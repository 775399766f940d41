/*
 * jcs.h — RFC 8785 JSON canonicalization (JCS), the byte form Inngest signs.
 *
 * Objects sorted by key in UTF-16 code-unit order, no whitespace, ECMAScript
 * number formatting, minimal string escaping.  Used only as the second chance
 * of signature verification (PROTOCOL.md §4.3), so it favours exactness over
 * speed and refuses what it cannot render exactly.
 */
#ifndef ING_JCS_H
#define ING_JCS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/* Canonical form of a JSON value; malloc'd, NUL-terminated, *len set.  NULL on
 * allocation failure or for a value that has no exact canonical form
 * (a non-finite number). */
char *jcs_serialize(json_object *value, size_t *len);

/* Parses `text` (depth-bounded) and canonicalizes it; NULL if it is not JSON. */
char *jcs_canonicalize(const char *text, size_t text_len, size_t *len);

/* The same strict reader for values that are used, not signed: integer
 * tokens become exact int64 values (one outside int64's range is refused),
 * other numbers doubles (a non-finite one, like 1e999, refused).  true with
 * *out the new value (NULL for JSON null); false, *out NULL, when text is not
 * one RFC 8259 value within the depth bound (NaN, Infinity, comments, trailing
 * bytes, invalid UTF-8, lone surrogates, a NUL in a key). */
bool jcs_parse_exact(const char *text, size_t text_len, json_object **out);

#endif
