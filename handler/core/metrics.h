/*
 * metrics.h — per-function counters and latency histograms, summed over all
 * workers, rendered in the Prometheus text format for GET /metrics.
 *
 * The master creates one shared anonymous mapping before it forks, so every
 * worker adds to the same counters (C11 atomics, lock-free on every platform
 * Debian ships, hence safe across processes) and any worker can answer a
 * scrape.  The segment holds only numbers: never a label value taken from a
 * request (function labels come from the compiled-in table, so the series
 * count is fixed at start-up and a caller cannot inflate it).
 */
#ifndef ING_METRICS_H
#define ING_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct ing_function;
struct server;

struct metrics;

/* How a call request for a known function ended. */
enum metrics_outcome {
    METRICS_RESULT, /* 200: the function returned */
    METRICS_OPS,    /* 206: steps reported (ran or planned) */
    METRICS_ERROR,  /* any other status */
    METRICS_OUTCOMES
};

/* Which part of the program answered a request. */
enum metrics_endpoint { METRICS_EP_INNGEST, METRICS_EP_ROUTE, METRICS_EP_METRICS, METRICS_EP_COUNT };

/* Maps a shared segment sized for the server's function table and `workers`
 * worker slots (at least one).  NULL (with errno) when mmap fails. */
struct metrics *metrics_create(const struct server *srv, int workers);
void metrics_destroy(struct metrics *m);

/* The counter slot of a function: index in the table, doubled, plus one for
 * its failure handler.  -1 when fn is not in the table. */
long metrics_function_slot(const struct server *srv, const struct ing_function *fn,
                           bool failure_handler);

void metrics_record_call(struct metrics *m, long slot, int status, double seconds);
void metrics_record_request(struct metrics *m, enum metrics_endpoint ep, int status);
void metrics_record_sync(struct metrics *m, bool ok);
/* A worker slot is busy while it serves a request; the master clears the
 * slot of a worker that died in the middle of one. */
void metrics_set_busy(struct metrics *m, int worker_slot, bool busy);
void metrics_record_restart(struct metrics *m, bool crashed);
/* Trace spans (core/trace.h) by target (0 Inngest, 1 the OTLP collector):
 * exported, dropped because the queue was full, dropped because the export
 * request failed. */
enum metrics_span_fate { METRICS_SPAN_EXPORTED, METRICS_SPAN_QUEUE_FULL, METRICS_SPAN_EXPORT_FAILED,
                         METRICS_SPAN_FATES };
void metrics_record_spans(struct metrics *m, int target, enum metrics_span_fate fate, size_t n);

/* The exposition text, malloc'd (the caller frees it); NULL on allocation
 * failure. */
char *metrics_render(const struct metrics *m, const struct server *srv, size_t *len);

/* True for the loopback addresses /metrics is answered to. */
bool metrics_client_allowed(const char *remote_addr);

#endif
