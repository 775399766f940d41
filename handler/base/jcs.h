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

#include <stddef.h>
#include <json-c/json.h>

/* Canonical form of a JSON value; malloc'd, NUL-terminated, *len set.  NULL on
 * allocation failure or for a value that has no exact canonical form
 * (a non-finite number). */
char *jcs_serialize(json_object *value, size_t *len);

/* Reads `text` with the strict reader (json_strict.h) and canonicalizes it;
 * NULL if it is not one RFC 8259 value within the depth bound. */
char *jcs_canonicalize(const char *text, size_t text_len, size_t *len);

#endif
