/*
 * mem_alloc.h — the one indirection every SDK allocation goes through, so that
 * tests can make the Nth allocation fail and check that the error is clean.
 */
#ifndef ING_MEM_ALLOC_H
#define ING_MEM_ALLOC_H

#include <stddef.h>

void *mem_malloc(size_t size);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t size);
void mem_free(void *p);

/* Tests only: allocation number `n` (1-based, counted from now) and every one
 * after it fail until mem_fail_reset(); n = 0 disables. */
void mem_fail_after(unsigned long n);
void mem_fail_reset(void);

#endif
