/*
 * dynbuf.h — a growable byte buffer with a ceiling, in the manner of curl's
 * dynbuf: every append either fits under `max` or fails, and a buffer that
 * failed is emptied, so a caller never goes on with half a body.  It also
 * stays failed: later appends fail the same way until dynbuf_reset() or
 * dynbuf_free(), so a writer may append many pieces and look once at the end
 * (dynbuf_ok).
 *
 * Always NUL-terminated after a successful append (the terminator is not
 * counted in len and not against max).  Memory comes from mem_alloc.h, so the
 * allocation-failure tests reach it.
 *
 * The appends that fit in the memory already held are inline (a compare and
 * a copy); only growth and failure go out of line.  That is what lets the
 * byte-at-a-time writers (JCS, OTLP) and the call body's index of steps use
 * it on the request path.
 */
#ifndef ING_DYNBUF_H
#define ING_DYNBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum dynbuf_status {
    DYNBUF_OK,
    DYNBUF_TOO_LARGE, /* the append would pass max: the buffer was emptied */
    DYNBUF_NO_MEMORY, /* growing failed: the buffer was emptied */
};

struct dynbuf {
    char *data;      /* NULL until the first append */
    size_t len;
    size_t cap;      /* bytes held, terminator included; 0 while data is NULL */
    size_t max;      /* the most bytes it may hold */
    enum dynbuf_status status; /* the first failure, kept until reset or free */
};

/* For a buffer bounded by something else (the input it is made from, memory). */
#define DYNBUF_UNBOUNDED (SIZE_MAX / 4)

void dynbuf_init(struct dynbuf *b, size_t max);
/* The same as an initializer: struct dynbuf b = DYNBUF_INIT(max); */
#define DYNBUF_INIT(ceiling) {.data = NULL, .len = 0, .cap = 0, .max = (ceiling), .status = DYNBUF_OK}
/* Empties the buffer and keeps its ceiling (memory released, failure forgotten). */
void dynbuf_free(struct dynbuf *b);
/* Empties the buffer but keeps its memory, for a buffer used again and again
 * (failure forgotten). */
void dynbuf_reset(struct dynbuf *b);
/* Hands the bytes over (the caller frees them with mem_free), NULL when
 * nothing was appended or the buffer failed; the buffer is left empty. */
char *dynbuf_take(struct dynbuf *b, size_t *len);

/* Appends printf's output (TOO_LARGE also when printf fails). */
enum dynbuf_status dynbuf_addf(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The out-of-line halves of the inline functions below. */
enum dynbuf_status dynbuf_add_grow(struct dynbuf *b, const void *p, size_t n);
char *dynbuf_room_grow(struct dynbuf *b, size_t n);

static inline bool dynbuf_ok(const struct dynbuf *b) { return b->status == DYNBUF_OK; }

/* Appends n bytes. */
static inline enum dynbuf_status dynbuf_add(struct dynbuf *b, const void *p, size_t n)
{
    /* cap <= max + 1, so whatever fits in cap also fits under max; a failed
     * or empty buffer has cap 0 and always takes the slow path */
    if (n < b->cap - b->len) {
        if (n)
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return DYNBUF_OK;
    }
    return dynbuf_add_grow(b, p, n);
}

static inline enum dynbuf_status dynbuf_addc(struct dynbuf *b, char c)
{
    if (1 < b->cap - b->len) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return DYNBUF_OK;
    }
    return dynbuf_add_grow(b, &c, 1);
}

static inline enum dynbuf_status dynbuf_adds(struct dynbuf *b, const char *s)
{
    return dynbuf_add(b, s, strlen(s));
}

/* Room for n more bytes (and the terminator) at the end, for a writer that
 * fills it in place and then calls dynbuf_commit(); NULL when it cannot be
 * had (the buffer then failed as an append would). */
static inline char *dynbuf_room(struct dynbuf *b, size_t n)
{
    if (n < b->cap - b->len)
        return b->data + b->len;
    return dynbuf_room_grow(b, n);
}

/* Counts n bytes written into dynbuf_room()'s space (n no more than asked). */
static inline void dynbuf_commit(struct dynbuf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}

#endif
