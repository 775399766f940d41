/*
 * step_id.c — hashed step ids with per-request repeat counting (PROTOCOL.md §8.1).
 *
 * Owns two arena hash tables for one request: the set of hashed ids already
 * handed out, and for each user id used more than once, the next repeat index
 * to try.  Everything lives in the request arena and is never freed on its
 * own; it must never outlive the request or be shared between requests,
 * because repeat counting restarts on every call request.
 *
 * Cost: a first use hashes its id once.  A repeat of an id that already has a
 * repeat entry skips the plain hash (the entry only exists because that hash
 * is taken, and taken hashes stay taken) and hashes "<id>:<n>" once, plus
 * once per skipped index.  A final id "<id>:<n>" names exactly one (id, n)
 * pair and each pair's counter only moves forward, so every taken hash causes
 * at most one skip over the whole request: amortised one SHA-1 per call, also
 * for 10,000 repeats of one id.  The SHA-1 form (SHA-NI or portable) is
 * chosen once per table.
 */
#include "steps/step_id.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/sha1.h"

#define HASH_HEX 40

struct repeat {
    const char *id;
    size_t id_len;
    uint64_t hash;
    unsigned long next; /* next repeat index to try */
};

/* A taken hash: its leading 64 bits (compared first) and its arena hex copy. */
struct taken {
    uint64_t tag;
    const char *hex;        /* NULL: empty slot */
};

struct step_id_table {
    struct arena *arena;
    sha1_hex_fn sha1;
    struct taken *taken;    /* open addressing, load at most 1/2 */
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
    t->sha1 = sha1_fastest();
    t->taken = arena_alloc(a, INITIAL_CAP * sizeof(*t->taken));
    t->repeats = arena_alloc(a, INITIAL_CAP * sizeof(*t->repeats));
    if (!t->taken || !t->repeats)
        return NULL;
    t->taken_cap = t->repeats_cap = INITIAL_CAP;
    return t;
}

/* SHA-1 is uniform, so its first 16 hex digits (64 bits) are as good a table
 * hash as any; they are mixed as raw bytes rather than decoded. */
static uint64_t hex_prefix64(const char *hex)
{
    uint64_t a, b;
    memcpy(&a, hex, 8);
    memcpy(&b, hex + 8, 8);
    uint64_t h = (a ^ (b << 29 | b >> 35)) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 31);
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

/* Slot holding `hex` (whose tag is `tag`), or the empty slot where it would go. */
static size_t taken_slot(const struct taken *slots, size_t cap, uint64_t tag, const char *hex)
{
    size_t i = (size_t)tag & (cap - 1);
    while (slots[i].hex && !(slots[i].tag == tag && memcmp(slots[i].hex, hex, HASH_HEX) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

/* The slot of hex in the taken set: taken when .hex is set, else where it goes. */
static struct taken *taken_find(const struct step_id_table *t, const char *hex, uint64_t *tag)
{
    *tag = hex_prefix64(hex);
    return &t->taken[taken_slot(t->taken, t->taken_cap, *tag, hex)];
}

/* Growth happens before an insertion is decided, so a failed allocation
 * leaves the table exactly as it was.  Half full at most: a probe for a
 * hash that is not there (every new step) then looks at ~2.5 slots. */
static bool taken_reserve(struct step_id_table *t)
{
    if ((t->taken_count + 1) * 2 <= t->taken_cap)
        return true;
    size_t cap = t->taken_cap * 2;
    struct taken *slots = arena_alloc(t->arena, cap * sizeof(*slots));
    if (!slots)
        return false;
    for (size_t i = 0; i < t->taken_cap; i++)
        if (t->taken[i].hex)
            slots[taken_slot(slots, cap, t->taken[i].tag, t->taken[i].hex)] = t->taken[i];
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

/* The repeat entry of id, NULL when it has none. */
static struct repeat *repeat_find(const struct step_id_table *t, const char *id, size_t n,
                                  uint64_t h)
{
    return t->repeats[repeat_slot(t->repeats, t->repeats_cap, id, n, h)];
}

static struct repeat *repeat_add(struct step_id_table *t, const char *id, size_t n, uint64_t h)
{
    if (!repeats_reserve(t))
        return NULL;
    size_t i = repeat_slot(t->repeats, t->repeats_cap, id, n, h);
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

/* Writes ":<k>" after the n bytes of id already in name; returns the length. */
static size_t with_index(char *name, size_t n, unsigned long k)
{
    char digits[24];
    int d = 0;
    do {
        digits[d++] = (char)('0' + k % 10);
        k /= 10;
    } while (k);
    name[n++] = ':';
    while (d)
        name[n++] = digits[--d];
    name[n] = '\0';
    return n;
}

/* Marks hex taken in the empty slot found for it (taken_reserve ran first,
 * so the slot is still the right one). */
static bool insert_taken(struct step_id_table *t, struct taken *slot, uint64_t tag,
                         const char *hex, const char **out)
{
    char *copy = arena_strndup(t->arena, hex, HASH_HEX);
    if (!copy)
        return false;
    *slot = (struct taken){tag, copy};
    t->taken_count++;
    *out = copy;
    return true;
}

const char *step_id_next(struct step_id_table *t, const char *id, const char **display)
{
    unsigned long index;
    return step_id_assign(t, id, display, &index);
}

const char *step_id_assign(struct step_id_table *t, const char *id, const char **display,
                           unsigned long *index)
{
    char hex[HASH_HEX + 1];
    const char *unused, *out;
    if (!display)
        display = &unused;
    *display = NULL;
    *index = 0;
    if (!t || !id || !taken_reserve(t))
        return NULL;

    size_t n = strlen(id);
    uint64_t h = fnv1a(id, n);
    struct repeat *r = repeat_find(t, id, n, h);
    uint64_t tag;
    struct taken *slot;
    if (!r) {
        t->sha1(id, n, hex);
        slot = taken_find(t, hex, &tag);
        if (!slot->hex) {
            if (!insert_taken(t, slot, tag, hex, &out))
                return NULL;
            *display = id;
            return out;
        }
        r = repeat_add(t, id, n, h);
        if (!r)
            return NULL;
    }
    /* room for ":" and the largest unsigned long */
    char *name = arena_alloc(t->arena, n + 2 + 20 + 1);
    if (!name)
        return NULL;
    memcpy(name, id, n);
    unsigned long k;
    for (k = r->next;; k++) {
        t->sha1(name, with_index(name, n, k), hex);
        slot = taken_find(t, hex, &tag);
        if (!slot->hex)
            break;
    }
    if (!insert_taken(t, slot, tag, hex, &out))
        return NULL;
    r->next = k + 1;
    *display = name;
    *index = k;
    return out;
}
