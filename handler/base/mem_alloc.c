/*
 * mem_alloc.c — malloc with a test hook.  The counter is process state written
 * only by tests; production code never arms it.
 */
#include "base/mem_alloc.h"

#include <stdlib.h>

static unsigned long fail_at;    /* 0 = never */
static unsigned long allocations;

static int should_fail(void)
{
    if (fail_at == 0)
        return 0;
    return ++allocations >= fail_at;
}

void *mem_malloc(size_t size) { return should_fail() ? NULL : malloc(size); }
void *mem_calloc(size_t n, size_t size) { return should_fail() ? NULL : calloc(n, size); }
void *mem_realloc(void *p, size_t size) { return should_fail() ? NULL : realloc(p, size); }
void mem_free(void *p) { free(p); }

void mem_fail_after(unsigned long n)
{
    fail_at = n;
    allocations = 0;
}

void mem_fail_reset(void) { mem_fail_after(0); }
