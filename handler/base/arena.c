/*
 * arena.c — bump allocation in chunks plus a cleanup stack.
 *
 * Chunks are ING_ARENA_CHUNK bytes; an allocation larger than a quarter chunk
 * gets a chunk of its own so that big bodies do not waste the current one.
 * Cleanups run newest first, before any chunk is freed, because a cleanup may
 * read memory from the arena.
 */
#include "base/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "base/mem_alloc.h"

struct chunk {
    struct chunk *next;
    size_t size, used;
    max_align_t data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct arena {
    struct chunk *chunks;
    struct cleanup *cleanups;
    size_t handed_out;
};

#define ALIGN (sizeof(max_align_t))

static struct chunk *chunk_new(size_t payload)
{
    struct chunk *c = mem_malloc(sizeof(*c) + payload);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = payload;
    c->used = 0;
    return c;
}

struct arena *arena_new(void)
{
    struct arena *a = mem_calloc(1, sizeof(*a));
    return a;
}

void arena_release(struct arena *a)
{
    if (!a)
        return;
    while (a->cleanups) {
        struct cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->arg);
    }
    while (a->chunks) {
        struct chunk *c = a->chunks;
        a->chunks = c->next;
        mem_free(c);
    }
    mem_free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - ALIGN)
        return NULL;
    size_t rounded = (size + ALIGN - 1) & ~(ALIGN - 1);
    struct chunk *c = a->chunks;
    if (!c || c->size - c->used < rounded) {
        if (rounded > ING_ARENA_CHUNK / 4) {
            struct chunk *big = chunk_new(rounded);
            if (!big)
                return NULL;
            /* keep the current chunk first: it still has room for small allocations */
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                a->chunks = big;
            }
            big->used = rounded;
            a->handed_out += rounded;
            return memset(big->data, 0, rounded);
        }
        c = chunk_new(ING_ARENA_CHUNK);
        if (!c)
            return NULL;
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += rounded;
    a->handed_out += rounded;
    return memset(p, 0, rounded);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *d = arena_alloc(a, (size_t)n + 1);
    if (d)
        vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

bool arena_defer(struct arena *a, void (*fn)(void *), void *arg)
{
    struct cleanup *c = arena_alloc(a, sizeof(*c));
    if (!c) {
        fn(arg);
        return false;
    }
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
    return true;
}

static void put_json(void *v) { json_object_put(v); }

json_object *arena_keep_json(struct arena *a, json_object *v)
{
    if (v && !arena_defer(a, put_json, v))
        return NULL;
    return v;
}

size_t arena_used(const struct arena *a) { return a->handed_out; }
