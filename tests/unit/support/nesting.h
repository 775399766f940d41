/*
 * nesting.h — JSON text nested as deep as a test asks, for the depth bounds
 * of every JSON reader (ING_JSON_MAX_DEPTH).
 */
#ifndef TEST_NESTING_H
#define TEST_NESTING_H

#include <stddef.h>

/* "[[…]]": depth arrays, each inside the one before, 2 * depth bytes and a
 * NUL (malloc'd, the caller frees; a failed allocation fails the test). */
char *nested_arrays(size_t depth);

#endif
