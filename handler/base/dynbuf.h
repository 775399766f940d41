/*
 * dynbuf.h — a growable byte buffer with a ceiling, in the manner of curl's
 * dynbuf: every append either fits under `max` or fails, and a buffer that
 * failed is emptied, so a caller never goes on with half a body.
 *
 * Always NUL-terminated after a successful append (the terminator is not
 * counted in len and not against max).  Memory comes from mem_alloc.h, so the
 * allocation-failure tests reach it.
 */
#ifndef ING_DYNBUF_H
#define ING_DYNBUF_H

#include <stdbool.h>
#include <stddef.h>

struct dynbuf {
    char *data;      /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;      /* the most bytes it may hold */
};

enum dynbuf_status {
    DYNBUF_OK,
    DYNBUF_TOO_LARGE, /* the append would pass max: the buffer was emptied */
    DYNBUF_NO_MEMORY, /* growing failed: the buffer was emptied */
};

void dynbuf_init(struct dynbuf *b, size_t max);
enum dynbuf_status dynbuf_add(struct dynbuf *b, const void *p, size_t n);
/* Empties the buffer and keeps its ceiling (memory released). */
void dynbuf_free(struct dynbuf *b);
/* Hands the bytes over (the caller frees them with mem_free), NULL when
 * empty; the buffer is left empty. */
char *dynbuf_take(struct dynbuf *b, size_t *len);

#endif
