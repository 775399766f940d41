/*
 * arena.h — the request arena: all of a request's memory, released in one place.
 *
 * Owns a list of chunks and a stack of cleanups (json-c trees, curl lists,
 * anything foreign).  arena_release() runs the cleanups in reverse order and
 * frees the chunks; it is the only place request memory is freed, so a
 * longjmp out of user code cannot leak.  Must never be shared across requests
 * or processes.  Allocation goes through mem_alloc.h so tests can fail the Nth
 * allocation.
 */
#ifndef ING_ARENA_H
#define ING_ARENA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

struct arena;

struct arena *arena_new(void);                   /* NULL on allocation failure */
void arena_release(struct arena *a);             /* runs cleanups, frees everything */

/* Zeroed memory; NULL on allocation failure. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Registers fn(arg) to run at release; false on allocation failure (fn is
 * then run at once, so the resource is never leaked). */
bool arena_defer(struct arena *a, void (*fn)(void *), void *arg);
/* Registers json_object_put(v); returns v (NULL stays NULL). */
json_object *arena_keep_json(struct arena *a, json_object *v);

/* Bytes handed out so far (for tests and debug logging). */
size_t arena_used(const struct arena *a);

#endif
