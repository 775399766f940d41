/*
 * alloc_fail.h — makes one chosen heap allocation of the calling thread fail,
 * wherever it is made: in the SDK, json-c, libcurl, OpenSSL or libc.
 *
 * alloc_fail.c defines malloc, calloc, realloc, free, strdup and strndup in
 * the test program itself.  The dynamic linker binds every library's call to
 * these names to the program's definition first, so the count covers shared
 * libraries too (-Wl,--wrap would only see our own objects).  Only
 * test_bad_input links it.
 */
#ifndef TEST_ALLOC_FAIL_H
#define TEST_ALLOC_FAIL_H

#include <stdbool.h>

/* Read from the environment at each arm:
 *   ALLOC_FAIL_TRACE=1      each failed allocation prints its call stack to
 *                           stderr (to find the code behind a reported point);
 *   ALLOC_FAIL_DROP_FREE=n  the n-th free() after arming is not done, so one
 *                           block leaks: the leak check must then fail (a
 *                           demonstration that it can). */

/* From now on, on this thread, allocation number n (1-based) returns NULL;
 * every other one succeeds.  n = 0 counts without failing. */
void alloc_fail_arm(unsigned long n);
/* Stops counting; returns how many allocations were made since arming. */
unsigned long alloc_fail_disarm(void);
/* Whether the chosen allocation was reached (and so failed) since arming. */
bool alloc_fail_fired(void);
/* Whether the chosen allocation was reached but made to succeed, because
 * json-c 0.16's parser would crash or leak on it (see alloc_fail.c). */
bool alloc_fail_spared(void);

#endif
