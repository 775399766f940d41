/*
 * step_id.c — hashed step ids with per-request repeat counting (reference §8.1).
 *
 * Owns two arena hash tables for one request: the set of hashed ids already
 * handed out, and for each user id that collided, the next repeat index to
 * try.  Everything lives in the request arena and is never freed on its own;
 * it must never outlive the request or be shared between requests, because
 * repeat counting restarts on every call request.
 *
 * Cost: each call hashes once, plus once per skipped index.  A final id
 * "<id>:<n>" names exactly one (id, n) pair and each pair's counter only moves
 * forward, so every taken hash causes at most one skip over the whole request:
 * amortised O(1) per call, also for 10,000 repeats of one id.
 */
#include "step_id.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "sha1.h"

#define HASH_HEX 40

struct repeat {
    const char *id;
    size_t id_len;
    uint64_t hash;
    unsigned long next; /* next repeat index to try */
};

struct step_id_table {
    struct arena *arena;
    const char **taken;     /* open addressing; entries are 40-hex arena strings */
    size_t taken_cap, taken_count;
    struct repeat **repeats;
    size_t repeats_cap, repeats_count;
};

#define INITIAL_CAP 64

struct step_id_table *step_id_table_new(struct arena *a)
{
    struct step_id_table *t = arena_alloc(a, sizeof(*t));
    if (!t)
        return NULL;
    t->arena = a;
    t->taken = arena_alloc(a, INITIAL_CAP * sizeof(*t->taken));
    t->repeats = arena_alloc(a, INITIAL_CAP * sizeof(*t->repeats));
    if (!t->taken || !t->repeats)
        return NULL;
    t->taken_cap = t->repeats_cap = INITIAL_CAP;
    return t;
}

/* SHA-1 is uniform, so its leading 64 bits are as good a table hash as any. */
static uint64_t hex_prefix64(const char *hex)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char c = hex[i];
        v = (v << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return v;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Slot holding `hex`, or the empty slot where it would go. */
static size_t taken_slot(const char **slots, size_t cap, const char *hex)
{
    size_t i = (size_t)hex_prefix64(hex) & (cap - 1);
    while (slots[i] && memcmp(slots[i], hex, HASH_HEX) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static bool is_taken(const struct step_id_table *t, const char *hex)
{
    return t->taken[taken_slot(t->taken, t->taken_cap, hex)] != NULL;
}

/* Growth happens before an insertion is decided, so a failed allocation
 * leaves the table exactly as it was. */
static bool taken_reserve(struct step_id_table *t)
{
    if ((t->taken_count + 1) * 4 < t->taken_cap * 3)
        return true;
    size_t cap = t->taken_cap * 2;
    const char **slots = arena_alloc(t->arena, cap * sizeof(*slots));
    if (!slots)
        return false;
    for (size_t i = 0; i < t->taken_cap; i++)
        if (t->taken[i])
            slots[taken_slot(slots, cap, t->taken[i])] = t->taken[i];
    t->taken = slots;
    t->taken_cap = cap;
    return true;
}

static size_t repeat_slot(struct repeat **slots, size_t cap, const char *id, size_t n, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i] && !(slots[i]->hash == h && slots[i]->id_len == n && memcmp(slots[i]->id, id, n) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

static bool repeats_reserve(struct step_id_table *t)
{
    if ((t->repeats_count + 1) * 4 < t->repeats_cap * 3)
        return true;
    size_t cap = t->repeats_cap * 2;
    struct repeat **slots = arena_alloc(t->arena, cap * sizeof(*slots));
    if (!slots)
        return false;
    for (size_t i = 0; i < t->repeats_cap; i++) {
        struct repeat *r = t->repeats[i];
        if (r)
            slots[repeat_slot(slots, cap, r->id, r->id_len, r->hash)] = r;
    }
    t->repeats = slots;
    t->repeats_cap = cap;
    return true;
}

static struct repeat *repeat_for(struct step_id_table *t, const char *id, size_t n)
{
    if (!repeats_reserve(t))
        return NULL;
    uint64_t h = fnv1a(id, n);
    size_t i = repeat_slot(t->repeats, t->repeats_cap, id, n, h);
    if (t->repeats[i])
        return t->repeats[i];
    struct repeat *r = arena_alloc(t->arena, sizeof(*r));
    char *copy = arena_strndup(t->arena, id, n);
    if (!r || !copy)
        return NULL;
    r->id = copy;
    r->id_len = n;
    r->hash = h;
    r->next = 1;
    t->repeats[i] = r;
    t->repeats_count++;
    return r;
}

const char *step_id_next(struct step_id_table *t, const char *id, const char **display)
{
    char hex[HASH_HEX + 1];
    const char *unused;
    if (!display)
        display = &unused;
    *display = NULL;
    if (!t || !id || !taken_reserve(t))
        return NULL;

    size_t n = strlen(id);
    const char *shown = id;
    struct repeat *r = NULL;
    unsigned long k = 0;
    sha1_hex(id, n, hex);
    if (hex[0] == '\0')
        return NULL;
    if (is_taken(t, hex)) {
        r = repeat_for(t, id, n);
        /* room for ":" and the largest unsigned long */
        char *name = r ? arena_alloc(t->arena, n + 2 + 20 + 1) : NULL;
        if (!name)
            return NULL;
        memcpy(name, id, n);
        for (k = r->next;; k++) {
            int w = snprintf(name + n, 2 + 20 + 1, ":%lu", k);
            sha1_hex(name, n + (size_t)w, hex);
            if (hex[0] == '\0')
                return NULL;
            if (!is_taken(t, hex))
                break;
        }
        shown = name;
    }
    char *copy = arena_strndup(t->arena, hex, HASH_HEX);
    if (!copy)
        return NULL;
    if (r)
        r->next = k + 1;
    t->taken[taken_slot(t->taken, t->taken_cap, copy)] = copy;
    t->taken_count++;
    *display = shown;
    return copy;
}
