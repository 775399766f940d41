/*
 * memo.h — what a memoized step result means (PROTOCOL.md §8.2), wherever it
 * came from: the call body's steps left as text (call_body.h), or a steps
 * object (loaded through the API, or a body json-c read).
 */
#ifndef ING_MEMO_H
#define ING_MEMO_H

#include <stdbool.h>

#include <json-c/json.h>

struct call_body;
struct ing_ctx;

/* What a memoized entry means. */
enum memo_kind {
    MEMO_NONE,   /* not memoized (absent, or an {"input": …} placeholder) */
    MEMO_DATA,   /* a result: the value */
    MEMO_ERROR,  /* a failure: the error object */
};

/* The memoized entry of the step `hash` in the request: its kind, and in
 * *value its data (decrypted, as user code sees it) or its error object,
 * borrowed from the request (NULL for JSON null).  Unwinds the request when
 * memory runs out. */
enum memo_kind memo_lookup(struct ing_ctx *c, const char *hash, json_object **value);

/* The same on the body's steps left as text: the entry `hash`, read once
 * (a second lookup returns what the first found).  *value is borrowed from
 * the request, as is not decrypted.  false only when memory ran out. */
bool memo_from_body(struct call_body *b, const char *hash, enum memo_kind *kind,
                    json_object **value);

/* The rule on an entry that is already a json-c value: {"data": v} and
 * {"error": e} with no other member, {"input": …} (not memoized), and
 * anything else is data as it stands. */
enum memo_kind memo_classify(json_object *entry, json_object **value);

#endif
