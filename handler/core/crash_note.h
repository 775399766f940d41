/*
 * crash_note.h — what each worker is running, kept where the master can read
 * it after the worker dies.
 *
 * The master maps one shared slot per worker before it forks.  A worker
 * writes the function, run id and step into its slot before it runs user
 * code and clears it after; when a worker dies of a signal, the master reads
 * the slot and names them in its log line, so "worker died (signal 11)"
 * says which function crashed, in which run, in which step.
 */
#ifndef ING_CRASH_NOTE_H
#define ING_CRASH_NOTE_H

#include <stdbool.h>
#include <stddef.h>

struct crash_notes;  /* the master's mapping, all slots */
struct crash_note;   /* one worker's slot */

/* NULL when the mapping fails (crashes are then logged without a note). */
struct crash_notes *crash_notes_create(int workers);
void crash_notes_destroy(struct crash_notes *n);
/* The slot of worker `slot` (NULL for NULL notes or a slot out of range). */
struct crash_note *crash_notes_slot(struct crash_notes *n, int slot);

/* Before user code runs: the function's composite id, the run id and the
 * step (NULL: outside any step).  Values are copied, bounded, printable ASCII
 * only (they may come from a request).  All accept a NULL note. */
void crash_note_enter(struct crash_note *note, const char *function, const char *run_id,
                      const char *step);
/* Inside the same run: the step whose body is about to run (NULL: none). */
void crash_note_step(struct crash_note *note, const char *step);
void crash_note_clear(struct crash_note *note);

/* The master, after the worker of `slot` died: "function X, run Y, step Z"
 * into out, or false when that worker was not running user code. */
bool crash_note_describe(struct crash_notes *n, int slot, char *out, size_t size);

#endif
