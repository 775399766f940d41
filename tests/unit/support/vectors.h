/*
 * vectors.h — loading the protocol vectors (tests/vectors/) in unit tests.
 *
 * Files are read from $VECTORS_DIR, or "tests/vectors" relative to the
 * repository root (the directory tests run in).  Helpers only read; they
 * never change a loaded tree.
 */
#ifndef TEST_VECTORS_H
#define TEST_VECTORS_H

#include <stdbool.h>
#include <stddef.h>

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

/* Member `key` of `obj`, or of `obj` as a string: the running cmocka test
 * fails, naming the key, when it is absent (or not a string). */
json_object *vectors_need(json_object *obj, const char *key);
const char *vectors_need_str(json_object *obj, const char *key);

/* The data-driven loop over one array of the vectors: check(entry, ctx) runs
 * on every element of root's array `key` (the test fails when there is no
 * such array); it returns whether the entry is one of this loop's cases
 * (false: not for this loop, not counted).  Ends with assert_cases: at least
 * `min` cases, every one of them checked.  `file` names the data in failure
 * messages.  Returns how many cases ran. */
typedef bool (*vectors_check_fn)(json_object *entry, void *ctx);
size_t vectors_each_in(json_object *root, const char *file, const char *key, size_t min,
                       vectors_check_fn check, void *ctx);

/* The same over vectors_load(file), released afterwards. */
size_t vectors_each(const char *file, const char *key, size_t min, vectors_check_fn check, void *ctx);

/* A cmocka test that is one such loop over a file: the case rides in the
 * test's initial state (cmocka's prestate) and vectors_test runs it.
 *     vectors_unit_test(test_hashes, "step_ids.json", "hashes", 29, check_hash),
 * in the tests[] of main (needs <cmocka.h> included first). */
struct vectors_case {
    const char *file, *key;
    size_t min;
    vectors_check_fn check;
};
void vectors_test(void **state);
#define vectors_unit_test(name, file, key, min, check)                                      \
    {                                                                                       \
        #name, vectors_test, NULL, NULL, &(struct vectors_case) { file, key, min, check }   \
    }

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
