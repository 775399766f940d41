/*
 * call_body.h — the call request body, read in one pass with the memoized
 * steps left as text until a step asks for its own (PROTOCOL.md §7, §8.2).
 *
 * A run with 1,000 memoized steps sends ~100 KB: building a json-c tree of
 * all of it (and of ctx.stack, which nobody reads) cost more than the rest
 * of the request.  call_body_read() checks the whole body, builds json-c
 * values for the small members (ctx without its stack, event, events, …),
 * and indexes `steps` by key; call_body_memo() turns one entry into a value
 * when its step runs.  It accepts only plain RFC 8259 JSON within the depth
 * bound; for anything else it declines and the caller parses the body with
 * json-c as before, so every error message and every edge case of json-c's
 * reading stays exactly what it was.  Everything lives in the request arena
 * or is released by it.
 */
#ifndef ING_CALL_BODY_H
#define ING_CALL_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

struct arena;
struct call_body;

/* What a memoized entry means (PROTOCOL.md §8.2). */
enum memo_kind {
    MEMO_NONE,   /* not memoized (absent, or an {"input": …} placeholder) */
    MEMO_DATA,   /* a result: the value */
    MEMO_ERROR,  /* a failure: the error object */
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

/* Looks up the memoized entry `hash` and classifies it.  *value is borrowed
 * from the request (NULL for JSON null).  false only when memory ran out. */
bool call_body_memo(struct call_body *b, const char *hash, enum memo_kind *kind,
                    json_object **value);

/* The same rules on an entry that is already a json-c value (steps loaded
 * through the API). */
enum memo_kind memo_classify(json_object *entry, json_object **value);

#endif
