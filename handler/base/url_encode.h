/*
 * url_encode.h — percent-encoding for a URL's path segment or query value:
 * only RFC 3986's unreserved characters pass, every other byte is %XX.  The
 * one copy the SDK uses (run ids, deploy ids and event keys in API paths,
 * the function id in a step's URL).
 */
#ifndef ING_URL_ENCODE_H
#define ING_URL_ENCODE_H

#include <stddef.h>

struct arena;

/* Writes the encoding of `in` to out (no NUL) and returns its length; with
 * out NULL, only the length (to size the buffer first). */
size_t url_encode(char *out, const char *in);

/* The encoding of s, NUL-terminated, in arena memory; NULL when it could not
 * be allocated. */
char *url_encode_arena(struct arena *a, const char *s);

#endif
