/*
 * vectors.h — loading the protocol vectors (tests/vectors/) in unit tests.
 *
 * Files are read from $VECTORS_DIR, or "tests/vectors" relative to the
 * repository root (the directory tests run in).  Helpers only read; they
 * never change a loaded tree.
 */
#ifndef TEST_VECTORS_H
#define TEST_VECTORS_H

#include <json-c/json.h>

/* Parses `file_name` (e.g. "signatures.json"); NULL (with a note on stderr)
 * when it cannot be read or is not JSON.  The caller json_object_put()s it. */
json_object *vectors_load(const char *file_name);

/* Member `key` of `obj` as a string, or NULL when absent / not a string. */
const char *vectors_str(json_object *obj, const char *key);

/* Value of header `name` in a vector's headers object, matched
 * case-insensitively (vectors keep the sender's spelling); NULL if absent. */
const char *vectors_header(json_object *headers, const char *name);

/* The element of array `entries` whose "name" is `name`, or NULL. */
json_object *vectors_find(json_object *entries, const char *name);

#endif
