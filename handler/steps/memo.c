/*
 * memo.c — the rules for memoized step results (PROTOCOL.md §8.2), in one
 * place for both ways they arrive.
 *
 * An entry is a one-member object {"data": v} (a result), {"error": e} (a
 * failure) or {"input": …} (a step with inputs that has not finished: not
 * memoized); anything else (null, a matched event, an object with `data`
 * beside other keys) is the value itself.  From the body's text the
 * one-member shapes are recognised on the spans the reader kept, so only
 * the value is parsed; every other shape (duplicate keys included) is
 * parsed whole and judged like a json-c value, so the two ways agree.
 */
#include "steps/memo.h"

#include <string.h>

#include "core/context.h"
#include "steps/call_body.h"
#include "steps/step_crypto.h"

enum memo_kind memo_classify(json_object *entry, json_object **value)
{
    *value = entry;
    if (entry && json_object_is_type(entry, json_type_object) &&
        json_object_object_length(entry) == 1) {
        json_object *inner;
        if (json_object_object_get_ex(entry, "data", &inner)) {
            *value = inner;
            return MEMO_DATA;
        }
        if (json_object_object_get_ex(entry, "error", &inner)) {
            *value = inner;
            return MEMO_ERROR;
        }
        if (json_object_object_get_ex(entry, "input", &inner)) {
            *value = NULL;
            return MEMO_NONE;
        }
    }
    return MEMO_DATA;
}

/* Whether a one-member object's key is name (an escaped key never is: the
 * whole entry then goes to memo_classify). */
static bool only_key_is(const struct call_body_step *e, const char *name)
{
    size_t n = strlen(name);
    return e->members == 1 && !e->first_key_escaped && e->first_key.n == n &&
           memcmp(e->first_key.p, name, n) == 0;
}

bool memo_from_body(struct call_body *b, const char *hash, enum memo_kind *kind,
                    json_object **value)
{
    struct call_body_step *e = call_body_step(b, hash);
    *value = NULL;
    *kind = MEMO_NONE;
    if (!e)
        return true;
    if (!e->memo.done) {
        bool ok = true;
        enum memo_kind k;
        if (only_key_is(e, "data")) {
            k = MEMO_DATA;
            e->memo.value = call_body_value(b, e->first_value, &ok);
        } else if (only_key_is(e, "error")) {
            k = MEMO_ERROR;
            e->memo.value = call_body_value(b, e->first_value, &ok);
        } else if (only_key_is(e, "input")) {
            k = MEMO_NONE;
        } else {
            json_object *whole = call_body_value(b, e->value, &ok);
            k = memo_classify(whole, &e->memo.value);
        }
        if (!ok)
            return false;
        e->memo.kind = (int)k;
        e->memo.done = true;
    }
    *kind = (enum memo_kind)e->memo.kind;
    *value = e->memo.value;
    return true;
}

enum memo_kind memo_lookup(struct ing_ctx *c, const char *hash, json_object **value)
{
    *value = NULL;
    enum memo_kind kind = MEMO_NONE;
    if (c->memo) {
        if (!memo_from_body(c->memo, hash, &kind, value))
            ctx_sdk_error(c, "out of memory");
    } else {
        json_object *v = NULL;
        if (!c->steps || !json_object_object_get_ex(c->steps, hash, &v))
            return MEMO_NONE;
        kind = memo_classify(v, value);
    }
    /* user code sees plain values, whichever way the data came */
    if (kind == MEMO_DATA)
        *value = step_crypto_incoming(c, *value);
    return kind;
}
