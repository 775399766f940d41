/*
 * ulid.h — a new ULID (26 characters of Crockford base32: 48 bits of Unix
 * time in milliseconds, then 80 random bits), the form Inngest gives run ids.
 * A durable endpoint names its own run before the server has seen it.
 */
#ifndef ING_ULID_H
#define ING_ULID_H

#include <stdbool.h>
#include <stdint.h>

#define ULID_SIZE 27 /* 26 characters and the NUL */

/* Writes a ULID for `ms` (Unix ms) and 10 bytes of `entropy`. */
void ulid_format(uint64_t ms, const unsigned char entropy[10], char out[ULID_SIZE]);

/* A ULID for now, with entropy from the kernel; false when none could be had. */
bool ulid_new(char out[ULID_SIZE]);

#endif
