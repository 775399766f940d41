/*
 * trace.h — OpenTelemetry spans for call requests, the steps they run, the
 * HTTP requests made through the outbound client and the app's own
 * operations (the product store), and the bounded per-worker queue an export
 * thread (outbound/otlp_export.c) drains.
 *
 * A call request continues the `traceparent` the Inngest server sends; its
 * `tracestate` members inngest@traceref / inngest@fn / inngest@app are the run
 * linkage the server's /v1/traces/userland endpoint needs on every span.  The
 * request path only ever copies a finished span into the queue: a full queue
 * drops the span and counts it (metrics.h), and nothing here waits on the
 * network.  Off entirely (every hook returns at once) when no target is set.
 */
#ifndef ING_TRACE_H
#define ING_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/settings.h"
#include "core/span.h"

struct ing_ctx;
struct metrics;
struct request;
struct tracer;

enum trace_target { TRACE_TARGET_INNGEST, TRACE_TARGET_OTLP, TRACE_TARGETS };

/* What the environment asks for; read once at start-up, no allocation. */
struct trace_config {
    bool inngest;              /* export to the Inngest server (INNGEST_TRACES, default on) */
    char inngest_url[512];     /* <api origin>/v1/traces/userland */
    char inngest_auth[192];    /* "Authorization: Bearer <hashed key>", "" in dev without key */
    char inngest_env[192];     /* "X-Inngest-Env: <branch>", "" when none */
    bool otlp;                 /* export to the user's collector */
    char otlp_url[512];
    bool otlp_json;            /* http/json instead of http/protobuf */
    char otlp_headers[1024];   /* OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, raw "k=v,k=v" */
    char service_name[128];
    char resource[1024];       /* OTEL_RESOURCE_ATTRIBUTES, raw "k=v,k=v" */
    long timeout_ms;           /* per export request */
    long delay_ms;             /* the longest a span waits in the queue */
    size_t queue_size, batch_size;
};

/* Reads INNGEST_TRACES and the OTEL_* variables; false with err on a value
 * that cannot be used (an unknown protocol, a bad URL). */
bool trace_config_load(struct trace_config *tc, const struct settings *st,
                       settings_getenv_fn get, char *err, size_t err_size);
bool trace_config_enabled(const struct trace_config *tc);

/* Per worker: NULL when tracing is off (every hook below accepts NULL). */
struct tracer *tracer_new(const struct trace_config *tc, struct metrics *m);
void tracer_free(struct tracer *t);
const struct trace_config *tracer_config(const struct tracer *t);

/* ---- the request thread's hooks ---- */
void trace_call_begin(struct ing_ctx *c, const struct request *req);
void trace_call_end(struct ing_ctx *c, int status, const char *outcome);
void trace_step_begin(struct ing_ctx *c, const char *id, const char *hash, int index);
void trace_step_end(struct ing_ctx *c, bool ok);

/* An outbound HTTP request: begin returns its start (0 when not traced). */
uint64_t trace_outbound_begin(struct tracer *t);
void trace_outbound_end(struct tracer *t, uint64_t started, const char *method, const char *url,
                        long status, bool answered);

/* ---- the export thread's side ---- */
/* Waits up to the configured delay for a batch (or for stop), then moves up
 * to max spans into out; returns how many.  *stopping turns true once
 * tracer_stop was called (the caller then drains and exits). */
size_t tracer_take(struct tracer *t, struct span *out, size_t max, bool *stopping);
void tracer_stop(struct tracer *t);
void tracer_count(struct tracer *t, enum trace_target target, size_t exported, size_t failed);

/* Exposed for the unit tests: traceparent and tracestate reading. */
bool trace_parse_traceparent(const char *v, uint8_t trace_id[16], uint8_t span_id[8]);
/* The value of `key` in a tracestate list into out; false when absent, too
 * long or not printable ASCII. */
bool trace_state_member(const char *ts, const char *key, char *out, size_t out_size);
/* Host and port of a URL, without user info, path or query. */
bool trace_url_host(const char *url, char *host, size_t host_size, char *scheme,
                    size_t scheme_size, long *port);

#endif
