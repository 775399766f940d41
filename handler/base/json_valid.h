/*
 * json_valid.h — whether a text is one JSON value (RFC 8259), without
 * allocating.
 *
 * json-c reports "not JSON" and "no memory" alike (its parser returns NULL),
 * so a caller that must answer 400 for the first and 500 for the second asks
 * this afterwards: valid text that json-c could not parse ran out of memory.
 * Strict RFC 8259 (no comments, NaN or single quotes, which json-c also
 * takes): a text it accepts, json-c accepts too.
 */
#ifndef ING_JSON_VALID_H
#define ING_JSON_VALID_H

#include <stdbool.h>
#include <stddef.h>

/* One value, optionally surrounded by whitespace, nesting at most max_depth. */
bool json_text_valid(const char *s, size_t n, int max_depth);

#endif
