/*
 * call_body.h — the call request body, read in one pass with the memoized
 * steps left as text until a step asks for its own (PROTOCOL.md §7, §8.2).
 *
 * A run with 1,000 memoized steps sends ~100 KB: building a json-c tree of
 * all of it (and of ctx.stack, which nobody reads) cost more than the rest
 * of the request.  call_body_read() checks the whole body, builds json-c
 * values for the small members (ctx without its stack, event, events, …),
 * and indexes `steps` by key; call_body_value() turns one entry into a
 * value when its step runs (steps/memo.c).  It accepts only plain RFC 8259
 * JSON within the depth bound; for anything else it declines and the caller
 * parses the body with json-c as before, so every error message and every edge case of json-c's
 * reading stays exactly what it was.  Everything lives in the request arena
 * or is released by it.
 */
#ifndef ING_CALL_BODY_H
#define ING_CALL_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "base/json_strict.h"

struct arena;
struct call_body;

/* One memoized entry of `steps`, as text.  What it means (data, error, an
 * input placeholder) is decided by the step engine (steps/memo.h). */
struct call_body_step {
    struct json_span value;       /* the whole entry */
    int members;                  /* for an object, how many members; -1 otherwise */
    struct json_span first_key;   /* an object's first member: its key without quotes, */
    bool first_key_escaped;       /* whether that key had an escape, */
    struct json_span first_value; /* and its value */
    /* the step engine's reading of the entry, kept so that a step looked up
     * twice is parsed once (steps/memo.c) */
    struct {
        bool done;
        int kind;
        json_object *value;
    } memo;
};

/* Reads `body` (which must stay valid for the request).  Returns the
 * reader, or NULL when it declines (not plain JSON, not an object, too
 * deep, an escaped key, no memory): then parse the body the usual way. */
struct call_body *call_body_read(struct arena *a, const char *body, size_t len);

/* The top-level object with every member except `steps` (ctx without
 * ctx.stack).  Owned by the arena. */
json_object *call_body_root(const struct call_body *b);

/* ctx.stack as it came (the hashes of finished steps, in the order they
 * finished; race groups read it), NULL with *len 0 when absent. */
const char *call_body_stack_text(const struct call_body *b, size_t *len);

/* Whether the body's `steps` member is an object (the last `steps` wins, as
 * in json-c). */
bool call_body_has_steps(const struct call_body *b);

/* The entry of `steps` under key (the last one when the key repeats), or
 * NULL when there is none. */
struct call_body_step *call_body_step(struct call_body *b, const char *key);

/* A span of the body (one the reader has checked, such as a step's value) as
 * a json-c value owned by the request; NULL for JSON null.  *ok is false only
 * when memory ran out. */
json_object *call_body_value(struct call_body *b, struct json_span v, bool *ok);

#endif
