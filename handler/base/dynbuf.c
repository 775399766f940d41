/*
 * dynbuf.c — see dynbuf.h.  Grows by doubling from 4 KiB, never past max + 1
 * (the terminator), so a body that stops just under the ceiling does not
 * cost twice its size.
 */
#include "base/dynbuf.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/mem_alloc.h"

#define DYNBUF_FIRST 4096u

void dynbuf_init(struct dynbuf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->status = DYNBUF_OK;
}

void dynbuf_free(struct dynbuf *b)
{
    mem_free(b->data);
    dynbuf_init(b, b->max);
}

void dynbuf_reset(struct dynbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    b->status = DYNBUF_OK;
}

static enum dynbuf_status fail(struct dynbuf *b, enum dynbuf_status why)
{
    dynbuf_free(b);
    b->status = why;
    return why;
}

/* Makes room for n more bytes and the terminator. */
static enum dynbuf_status grow(struct dynbuf *b, size_t n)
{
    if (b->status != DYNBUF_OK)
        return b->status;
    if (n > b->max - b->len)
        return fail(b, DYNBUF_TOO_LARGE);
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return DYNBUF_OK;
    size_t cap = b->cap ? b->cap : DYNBUF_FIRST;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *grown = mem_realloc(b->data, cap);
    if (!grown)
        return fail(b, DYNBUF_NO_MEMORY);
    b->data = grown;
    b->cap = cap;
    return DYNBUF_OK;
}

enum dynbuf_status dynbuf_add_grow(struct dynbuf *b, const void *p, size_t n)
{
    enum dynbuf_status st = grow(b, n);
    if (st != DYNBUF_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DYNBUF_OK;
}

char *dynbuf_room_grow(struct dynbuf *b, size_t n)
{
    return grow(b, n) == DYNBUF_OK ? b->data + b->len : NULL;
}

enum dynbuf_status dynbuf_addf(struct dynbuf *b, const char *fmt, ...)
{
    if (b->status != DYNBUF_OK)
        return b->status;
    /* the first try writes into the room already held; only when that is
     * too small is the output made again, into room of its measured size */
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    size_t spare = b->cap - b->len;
    int n = vsnprintf(spare ? b->data + b->len : NULL, spare, fmt, ap);
    enum dynbuf_status st = DYNBUF_OK;
    if (n < 0) {
        st = fail(b, DYNBUF_TOO_LARGE);
    } else if ((size_t)n >= spare) {
        char *room = dynbuf_room(b, (size_t)n);
        if (room)
            vsnprintf(room, (size_t)n + 1, fmt, again);
        else
            st = b->status;
    }
    va_end(again);
    va_end(ap);
    if (st == DYNBUF_OK)
        b->len += (size_t)n;
    return st;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
    char *out = b->data;
    if (len)
        *len = b->len;
    dynbuf_init(b, b->max);
    return out;
}
