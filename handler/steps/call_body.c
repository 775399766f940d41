/*
 * call_body.c — one pass over the call body; memoized steps stay text until
 * asked for (see call_body.h for why).
 *
 * The scanner is base/json_strict.h's: strict RFC 8259 only (no comments,
 * NaN, single quotes or other json-c leniencies).  On top of it this file
 * nests a few levels below json-c's bound, wants keys without escapes where
 * it reads them, and declines everything else.  So whatever it accepts,
 * json-c accepts with the same meaning, and each value it hands to json-c
 * later is a span it has already checked.  Duplicate keys keep json-c's
 * rule: the last one wins.  What a memoized entry means is the step
 * engine's business (steps/memo.c); this file only finds it.  Must never
 * read past the body or hand out a value that outlives the request.
 */
#include "steps/call_body.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/dynbuf.h"
#include "base/json_take.h"
#include "base/limits.h"

/* json-c allows ING_JSON_MAX_DEPTH levels; staying below it means every body
 * accepted here is one json-c accepts too. */
#define SCAN_MAX_DEPTH (ING_JSON_MAX_DEPTH - 6)
/* Top-level and ctx members we keep track of; a body with more is not one
 * the executor sends, so it takes the json-c path. */
#define MAX_MEMBERS 32

struct member {
    struct json_span key, value;
};

/* One member of `steps`, indexed by its key. */
struct entry {
    struct json_span key;
    uint64_t hash;
    struct call_body_step step;
};

struct call_body {
    struct arena *arena;
    const char *end;          /* end of the body: values are parsed up to it */
    json_object *root;
    json_object *owner;       /* holds every value parsed on demand */
    json_tokener *tok;
    bool has_steps;
    struct json_span stack;       /* ctx.stack's text, left unparsed */
    struct dynbuf entries;    /* struct entry after struct entry; freed by the arena */
    size_t count;
    uint32_t *slots;          /* open addressing over entries, index + 1 */
    size_t slot_cap;
};

/* Keys are hashed 8 bytes at a time: a 40-hex step id takes five rounds. */
static uint64_t key_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* A key without escapes (we compare keys byte for byte, so an escaped one
 * goes the json-c way). */
static bool plain_key(struct json_scan *s, struct json_span *key)
{
    bool escaped;
    return json_scan_key(s, key, &escaped) && !escaped;
}

static bool key_is(struct json_span key, const char *name)
{
    size_t n = strlen(name);
    return key.n == n && memcmp(key.p, name, n) == 0;
}

/* The members of an object whose keys we read (the body, ctx).  `steps`
 * goes to on_steps when it is given. */
static bool scan_members(struct json_scan *s, struct member *out, int *count,
                         bool (*on_steps)(struct json_scan *, struct call_body *),
                         struct call_body *b)
{
    bool empty, more = true;
    *count = 0;
    if (s->p >= s->end || *s->p != '{' || !json_scan_open(s, &empty))
        return false;
    while (!empty && more) {
        if (*count >= MAX_MEMBERS)
            return false;
        struct member *m = &out[(*count)++];
        if (!plain_key(s, &m->key))
            return false;
        json_scan_ws(s);
        if (on_steps && key_is(m->key, "steps") && s->p < s->end) {
            m->value.p = s->p;
            if (!on_steps(s, b))
                return false;
            m->value.n = (size_t)(s->p - m->value.p);
        } else if (!json_scan_value(s, &m->value)) {
            return false;
        }
        if (!json_scan_next(s, '}', &more))
            return false;
    }
    return true;
}

static struct entry *entry_at(const struct call_body *b, size_t i)
{
    return (struct entry *)(void *)b->entries.data + i;
}

static void free_entries(void *entries) { dynbuf_free(entries); }

static bool add_entry(struct call_body *b, struct json_span key, const struct call_body_step *step)
{
    /* the first entry's growth allocates: from then on the arena frees it */
    if (!b->entries.data && !arena_defer(b->arena, free_entries, &b->entries))
        return false;
    struct entry *e = (struct entry *)(void *)dynbuf_room(&b->entries, sizeof(*e));
    if (!e)
        return false;
    *e = (struct entry){.key = key, .hash = key_hash(key.p, key.n), .step = *step};
    dynbuf_commit(&b->entries, sizeof(*e));
    b->count++;
    return true;
}

/* One entry's value; for an object, its first member and how many it has
 * (what the memo rules of PROTOCOL.md §8.2 look at). */
static bool scan_entry(struct json_scan *s, struct call_body_step *step)
{
    step->members = -1;
    step->value.p = s->p;
    if (*s->p != '{')
        return json_scan_value(s, &step->value);
    bool empty, more = true;
    if (!json_scan_open(s, &empty))
        return false;
    step->members = 0;
    while (!empty && more) {
        struct json_span key, value;
        bool escaped;
        if (!json_scan_key(s, &key, &escaped) || !json_scan_value(s, &value))
            return false;
        if (step->members++ == 0) {
            step->first_key = key;
            step->first_key_escaped = escaped;
            step->first_value = value;
        }
        if (!json_scan_next(s, '}', &more))
            return false;
    }
    step->value.n = (size_t)(s->p - step->value.p);
    return true;
}

/* The `steps` member: every entry indexed, its value left as text.  A later
 * `steps` replaces an earlier one, as in json-c. */
static bool scan_steps(struct json_scan *s, struct call_body *b)
{
    b->count = 0;
    dynbuf_reset(&b->entries);
    b->has_steps = false;
    if (*s->p != '{')
        return json_scan_value(s, NULL);
    bool empty, more = true;
    if (!json_scan_open(s, &empty))
        return false;
    while (!empty && more) {
        struct json_span key;
        struct call_body_step step = {0};
        if (!plain_key(s, &key))
            return false;
        json_scan_ws(s);
        if (s->p >= s->end || !scan_entry(s, &step) || !add_entry(b, key, &step))
            return false;
        if (!json_scan_next(s, '}', &more))
            return false;
    }
    b->has_steps = true;
    return true;
}

static bool build_index(struct call_body *b)
{
    size_t cap = 16;
    while (cap < b->count * 2)
        cap *= 2;
    b->slots = arena_alloc(b->arena, cap * sizeof(*b->slots));
    if (!b->slots)
        return false;
    b->slot_cap = cap;
    for (size_t i = 0; i < b->count; i++) {
        const struct entry *e = entry_at(b, i);
        size_t j = (size_t)e->hash & (cap - 1);
        for (;; j = (j + 1) & (cap - 1)) {
            uint32_t at = b->slots[j];
            if (!at)
                break;
            const struct entry *o = entry_at(b, at - 1);
            if (o->hash == e->hash && o->key.n == e->key.n && memcmp(o->key.p, e->key.p, e->key.n) == 0)
                break; /* a duplicate key: the later entry wins */
        }
        b->slots[j] = (uint32_t)i + 1;
    }
    return true;
}

static void free_tokener(void *tok) { json_tokener_free(tok); }

/* A checked value's span as a json-c value.  Plain integers, strings without
 * escapes and the literals are made directly (json-c's parser would make the
 * same values); the rest go through json-c, which gets the byte after the
 * span too so that a number ends where the scanner said.  *ok is false only
 * when memory ran out. */
static json_object *value_of(struct call_body *b, struct json_span v, bool *ok)
{
    *ok = true;
    const char *p = v.p;
    size_t n = v.n;
    if (n == 4 && memcmp(p, "null", 4) == 0)
        return NULL;
    json_object *out = NULL;
    if (n == 4 && memcmp(p, "true", 4) == 0) {
        out = json_object_new_boolean(1);
    } else if (n == 5 && memcmp(p, "false", 5) == 0) {
        out = json_object_new_boolean(0);
    } else if (*p == '"' && !memchr(p, '\\', n)) {
        out = json_object_new_string_len(p + 1, (int)n - 2);
    } else {
        size_t i = *p == '-';
        bool plain_int = n - i >= 1 && n - i <= 18 && !(i && n == 2 && p[1] == '0');
        for (size_t k = i; plain_int && k < n; k++)
            plain_int = p[k] >= '0' && p[k] <= '9';
        if (plain_int) {
            int64_t x = 0;
            for (size_t k = i; k < n; k++)
                x = x * 10 + (p[k] - '0');
            out = json_object_new_int64(i ? -x : x);
        } else {
            if (!b->tok) {
                b->tok = json_tokener_new_ex(ING_JSON_MAX_DEPTH);
                if (!b->tok || !arena_defer(b->arena, free_tokener, b->tok)) {
                    b->tok = NULL;
                    *ok = false;
                    return NULL;
                }
            }
            json_tokener_reset(b->tok);
            size_t with_next = p + n < b->end ? n + 1 : n;
            out = json_tokener_parse_ex(b->tok, p, (int)with_next);
        }
    }
    if (!out) {
        *ok = false;
        return NULL;
    }
    return out;
}

json_object *call_body_value(struct call_body *b, struct json_span v, bool *ok)
{
    json_object *out = value_of(b, v, ok);
    if (out && json_object_array_add(b->owner, out) != 0) {
        json_object_put(out);
        *ok = false;
        return NULL;
    }
    return out;
}

static bool add_member(json_object *obj, struct arena *a, struct json_span key, json_object *value)
{
    /* the key lives in the arena, as long as the tree (released by the
     * arena's cleanups, before its chunks) */
    char *k = arena_strndup(a, key.p, key.n);
    if (!k) {
        json_object_put(value);
        return false;
    }
    if (!value)
        return json_take_set_null(obj, k);
    return json_take_set(obj, k, value);
}

/* ctx without `stack` (the completed hashes, which only a replaying SDK
 * needs: 42 bytes per step, most of a large body). */
static json_object *build_ctx(struct call_body *b, const struct member *m, int count, bool *ok)
{
    json_object *ctx = json_object_new_object();
    if (!ctx) {
        *ok = false;
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        if (key_is(m[i].key, "stack")) {
            b->stack = m[i].value;
            continue;
        }
        json_object *v = value_of(b, m[i].value, ok);
        if (!*ok || !add_member(ctx, b->arena, m[i].key, v)) {
            json_object_put(ctx);
            *ok = false;
            return NULL;
        }
    }
    return ctx;
}

struct call_body *call_body_read(struct arena *a, const char *body, size_t len)
{
    struct call_body *b = arena_alloc(a, sizeof(*b));
    struct member *top = arena_alloc(a, 2 * MAX_MEMBERS * sizeof(*top));
    if (!b || !top || !body)
        return NULL;
    struct member *ctx_members = top + MAX_MEMBERS;
    b->arena = a;
    b->end = body + len;
    /* bounded by the body: an entry takes at least 6 of its bytes */
    dynbuf_init(&b->entries, DYNBUF_UNBOUNDED);
    struct json_scan s = {.p = body, .end = body + len, .max_depth = SCAN_MAX_DEPTH};
    int count = 0, ctx_count = -1;
    json_scan_ws(&s);
    if (!scan_members(&s, top, &count, scan_steps, b))
        return NULL;
    json_scan_ws(&s);
    if (s.p != s.end)
        return NULL;
    /* the last ctx is the one json-c would keep: read its members */
    for (int i = count - 1; i >= 0; i--) {
        if (!key_is(top[i].key, "ctx"))
            continue;
        if (*top[i].value.p == '{') {
            struct json_scan cs = {.p = top[i].value.p, .end = top[i].value.p + top[i].value.n,
                                   .depth = 1, .max_depth = SCAN_MAX_DEPTH};
            if (!scan_members(&cs, ctx_members, &ctx_count, NULL, NULL))
                return NULL;
        }
        break;
    }
    if (!build_index(b))
        return NULL;
    b->root = arena_keep_json(a, json_object_new_object());
    b->owner = arena_keep_json(a, json_object_new_array());
    if (!b->root || !b->owner)
        return NULL;
    for (int i = 0; i < count; i++) {
        if (key_is(top[i].key, "steps"))
            continue;
        bool ok = true;
        json_object *v;
        bool last_ctx = ctx_count >= 0 && key_is(top[i].key, "ctx");
        for (int j = i + 1; last_ctx && j < count; j++)
            last_ctx = !key_is(top[j].key, "ctx");
        v = last_ctx ? build_ctx(b, ctx_members, ctx_count, &ok) : value_of(b, top[i].value, &ok);
        if (!ok || !add_member(b->root, a, top[i].key, v))
            return NULL;
    }
    return b;
}

json_object *call_body_root(const struct call_body *b) { return b->root; }

bool call_body_has_steps(const struct call_body *b) { return b->has_steps; }

static struct entry *find(const struct call_body *b, const char *key)
{
    if (!b->has_steps || !b->count)
        return NULL;
    size_t n = strlen(key);
    uint64_t h = key_hash(key, n);
    for (size_t j = (size_t)h & (b->slot_cap - 1);; j = (j + 1) & (b->slot_cap - 1)) {
        uint32_t at = b->slots[j];
        if (!at)
            return NULL;
        struct entry *e = entry_at(b, at - 1);
        if (e->hash == h && e->key.n == n && memcmp(e->key.p, key, n) == 0)
            return e;
    }
}

struct call_body_step *call_body_step(struct call_body *b, const char *key)
{
    struct entry *e = find(b, key);
    return e ? &e->step : NULL;
}

const char *call_body_stack_text(const struct call_body *b, size_t *len)
{
    *len = b->stack.n;
    return b->stack.p;
}
