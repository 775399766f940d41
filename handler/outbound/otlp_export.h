/*
 * otlp_export.h — the per-worker export thread: drains core/trace.h's queue
 * and POSTs each batch, OTLP over HTTP, to the Inngest server's userland
 * traces endpoint and to the user's collector.
 *
 * The thread has its own libcurl handle (never the request path's) and
 * blocks every signal, so the worker's SIGTERM still lands on the serving
 * thread.  A batch that fails is dropped and counted, never retried: a slow
 * or absent collector costs spans, not requests.
 */
#ifndef ING_OTLP_EXPORT_H
#define ING_OTLP_EXPORT_H

#include <stdbool.h>

struct otlp_exporter;
struct tracer;

/* NULL when t is NULL (tracing off) or the thread cannot start. */
struct otlp_exporter *otlp_export_start(struct tracer *t);
/* Sends what is queued (bounded by the export timeout) and joins the thread. */
void otlp_export_stop(struct otlp_exporter *e);

#endif
