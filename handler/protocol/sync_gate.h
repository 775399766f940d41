/*
 * sync_gate.h — at most one out-of-band sync in flight for the whole program.
 *
 * An unauthenticated PUT makes us call the Inngest API, which can take
 * seconds; without a gate a handful of PUTs ties up every worker.  The gate
 * is one word in a shared anonymous mapping made at start-up, before the
 * workers fork, so it holds across the master's workers (not across hosts,
 * or across copies started by an outside supervisor such as multiwatch:
 * there it is one per process).  A holder stamps the time until which it may
 * hold the gate; a worker killed mid-sync therefore frees it when that time
 * passes.
 */
#ifndef ING_SYNC_GATE_H
#define ING_SYNC_GATE_H

#include <stdbool.h>

struct sync_gate;

/* NULL when no memory could be mapped (the caller then has no gate). */
struct sync_gate *sync_gate_create(void);

/* Takes the gate for at most `hold_ms`; *ticket says which hold is ours.
 * false when another sync holds it: *retry_after_s is then how long until it
 * is free at the latest (≥ 1). */
bool sync_gate_enter(struct sync_gate *g, unsigned hold_ms, unsigned *retry_after_s,
                     long long *ticket);
/* Frees the gate if our hold is still the current one (a hold that outlived
 * its bound may have been taken over since). */
void sync_gate_leave(struct sync_gate *g, long long ticket);

#endif
