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

/* Member `key` of `root` as an array, or NULL when absent or not an array. */
json_object *vectors_array(json_object *root, const char *key);

/* The count check that ends every data-driven loop, so that an empty,
 * truncated or missing data file fails instead of passing having checked
 * nothing: `ran` cases were checked out of the `held` the data holds for this
 * loop, and the data must hold at least `min`, a floor written in the test
 * (raise it when new cases are recorded).  Needs <cmocka.h> included first. */
#define assert_cases(what, ran, held, min)                                                     \
    do {                                                                                       \
        size_t ran_ = (size_t)(ran), held_ = (size_t)(held), min_ = (size_t)(min);             \
        if (held_ < min_)                                                                      \
            fail_msg("%s: the data holds %zu case(s); this test was written for at least %zu", \
                     (what), held_, min_);                                                     \
        if (ran_ < held_)                                                                      \
            fail_msg("%s: ran %zu of the %zu case(s) the data holds", (what), ran_, held_);    \
    } while (0)

#endif
