/*
 * step_id.h — the hashed ids of steps (PROTOCOL.md §8.1).
 *
 * A step's op id is hex SHA-1 of its user id; the n-th repeat of an id within
 * one request hashes "<id>:<n>", skipping any index whose hash is already taken.
 * The table lives in the request arena and dies with it.
 */
#ifndef ING_STEP_ID_H
#define ING_STEP_ID_H

#include <stddef.h>

struct arena;
struct step_id_table;

struct step_id_table *step_id_table_new(struct arena *a);
/* Assigns the hash for the next use of `id`; returns the arena copy of the
 * hashed id (40 hex chars).  *display gets the user-facing id with its repeat
 * suffix ("item:2") when one was added, else id itself. */
const char *step_id_next(struct step_id_table *t, const char *id, const char **display);
/* The same, and *index gets the repeat index (0 for the plain id). */
const char *step_id_assign(struct step_id_table *t, const char *id, const char **display,
                           unsigned long *index);

#endif
