/*
 * base64.h — standard base64 with padding (RFC 4648 §4), the form Go's
 * encoding/json expects for a []byte field.
 */
#ifndef ING_BASE64_H
#define ING_BASE64_H

#include <stddef.h>

struct arena;

/* The encoding of `len` bytes, NUL-terminated, on the arena; NULL when out of memory. */
char *base64_encode_arena(struct arena *a, const void *data, size_t len);

#endif
