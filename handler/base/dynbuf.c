/*
 * dynbuf.c — see dynbuf.h.  Grows by doubling from 4 KiB, never past max + 1
 * (the terminator), so a body that stops just under the ceiling does not
 * cost twice its size.
 */
#include "base/dynbuf.h"

#include <stdint.h>
#include <string.h>

#include "base/mem_alloc.h"

#define DYNBUF_FIRST 4096u

void dynbuf_init(struct dynbuf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void dynbuf_free(struct dynbuf *b)
{
    mem_free(b->data);
    dynbuf_init(b, b->max);
}

enum dynbuf_status dynbuf_add(struct dynbuf *b, const void *p, size_t n)
{
    if (n > b->max - b->len) {
        dynbuf_free(b);
        return DYNBUF_TOO_LARGE;
    }
    size_t need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : DYNBUF_FIRST;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        char *grown = mem_realloc(b->data, cap);
        if (!grown) {
            dynbuf_free(b);
            return DYNBUF_NO_MEMORY;
        }
        b->data = grown;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DYNBUF_OK;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
    char *out = b->data;
    if (len)
        *len = b->len;
    dynbuf_init(b, b->max);
    return out;
}
