/*
 * crash_note.c — the shared slots of crash_note.h.
 *
 * A slot is written only by its worker and read by the master only once that
 * worker is dead, so the text needs no lock; the `active` flag is stored last
 * (release) and read first (acquire) so that the master never takes a slot
 * cleared or half-written for the text of a live one.  A worker that died in
 * the middle of a write leaves at worst a truncated, still NUL-terminated
 * field: every copy writes its terminator first.
 */
#include "core/crash_note.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free across processes");

struct crash_note {
    _Atomic int active;
    char function[160];
    char run_id[80];
    char step[160];
};

struct crash_notes {
    size_t mapped;
    int workers;
    struct crash_note slots[];
};

struct crash_notes *crash_notes_create(int workers)
{
    if (workers < 1)
        workers = 1;
    size_t size = sizeof(struct crash_notes) + (size_t)workers * sizeof(struct crash_note);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    struct crash_notes *n = p; /* zero-filled: every slot inactive */
    n->mapped = size;
    n->workers = workers;
    return n;
}

void crash_notes_destroy(struct crash_notes *n)
{
    if (n)
        munmap(n, n->mapped);
}

struct crash_note *crash_notes_slot(struct crash_notes *n, int slot)
{
    return n && slot >= 0 && slot < n->workers ? &n->slots[slot] : NULL;
}

/* Printable ASCII only, bounded: the text ends up in the master's log. */
static void copy_field(char *dst, size_t size, const char *src)
{
    dst[0] = '\0';
    if (!src)
        return;
    for (size_t i = 0; src[i] && i + 1 < size; i++) {
        dst[i + 1] = '\0'; /* terminated before each character lands */
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"' ? src[i] : '?';
    }
}

void crash_note_enter(struct crash_note *note, const char *function, const char *run_id,
                      const char *step)
{
    if (!note)
        return;
    atomic_store_explicit(&note->active, 0, memory_order_relaxed);
    copy_field(note->function, sizeof(note->function), function);
    copy_field(note->run_id, sizeof(note->run_id), run_id);
    copy_field(note->step, sizeof(note->step), step);
    atomic_store_explicit(&note->active, 1, memory_order_release);
}

void crash_note_step(struct crash_note *note, const char *step)
{
    if (note)
        copy_field(note->step, sizeof(note->step), step);
}

void crash_note_clear(struct crash_note *note)
{
    if (note)
        atomic_store_explicit(&note->active, 0, memory_order_release);
}

bool crash_note_describe(struct crash_notes *n, int slot, char *out, size_t size)
{
    struct crash_note *note = crash_notes_slot(n, slot);
    if (!note || !atomic_load_explicit(&note->active, memory_order_acquire))
        return false;
    snprintf(out, size, "function \"%s\", run %s, %s%s%s", note->function,
             note->run_id[0] ? note->run_id : "(none)", note->step[0] ? "step \"" : "outside any step",
             note->step, note->step[0] ? "\"" : "");
    atomic_store_explicit(&note->active, 0, memory_order_relaxed); /* the next worker starts clean */
    return true;
}
