/*
 * sync_gate.c — one 64-bit deadline in shared memory, taken and released
 * with compare-and-swap (lock-free on every platform we build for).
 */
#include "protocol/sync_gate.h"

#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

struct sync_gate {
    int64_t busy_until_ms; /* 0: free; else CLOCK_MONOTONIC ms (system-wide) */
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct sync_gate *sync_gate_create(void)
{
    void *p = mmap(NULL, sizeof(struct sync_gate), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p; /* zero-filled: free */
}

bool sync_gate_enter(struct sync_gate *g, unsigned hold_ms, unsigned *retry_after_s,
                     long long *ticket)
{
    int64_t now = now_ms();
    int64_t cur = __atomic_load_n(&g->busy_until_ms, __ATOMIC_ACQUIRE);
    for (;;) {
        if (cur > now) {
            int64_t left = cur - now;
            *retry_after_s = (unsigned)((left + 999) / 1000);
            return false;
        }
        /* free, or held by a sync whose bound has passed (its worker died) */
        int64_t mine = now + (int64_t)hold_ms;
        if (__atomic_compare_exchange_n(&g->busy_until_ms, &cur, mine, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            *ticket = mine;
            return true;
        }
    }
}

void sync_gate_leave(struct sync_gate *g, long long ticket)
{
    int64_t mine = ticket;
    __atomic_compare_exchange_n(&g->busy_until_ms, &mine, 0, false, __ATOMIC_RELEASE,
                                __ATOMIC_RELAXED);
}
