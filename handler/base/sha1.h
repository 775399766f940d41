/*
 * sha1.h — SHA-1 (FIPS 180-4) for step ids.
 *
 * Step ids are hashed once per step per request (10,000 steps in a large
 * run), and OpenSSL 3's EVP_Digest looks the algorithm up under a lock on
 * every call, which cost half of a 1,000-step request.  SHA-1 here names
 * steps; it protects nothing, so no security property depends on this code.
 */
#ifndef ING_SHA1_H
#define ING_SHA1_H

#include <stdbool.h>
#include <stddef.h>

/* Lowercase hex SHA-1 of len bytes (portable C). */
void sha1_hex(const void *data, size_t len, char out[41]);

/* The fastest form this processor runs (SHA-NI on x86-64 when present, else
 * sha1_hex); same results.  Cheap: no cpuid at call time. */
typedef void (*sha1_hex_fn)(const void *data, size_t len, char out[41]);
sha1_hex_fn sha1_fastest(void);

#endif
