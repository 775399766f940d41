/*
 * server.h — what one process knows while it serves: the app's tables, the
 * settings and the handles it reuses between requests.
 *
 * Built once at start-up (server_init) and after fork in each worker
 * (server_init_worker creates the HTTP client, which must not cross a fork).
 * Requests only read it, except through the HTTP client, which reuses its
 * connections.
 */
#ifndef ING_SERVER_H
#define ING_SERVER_H

#include <stdbool.h>
#include <time.h>

#include "core/settings.h"
#include "core/trace.h"
#include "inngest.h"

struct crash_note;
struct http_client;
struct metrics;
struct otlp_exporter;
struct sync_gate;

struct server {
    const struct ing_app *app;
    struct settings settings;
    struct http_client *http;     /* per worker; NULL until server_init_worker */
    void *app_state;              /* per worker: what app->worker_start returned */
    struct crash_note *crash_note; /* per worker: its shared slot (crash_note.h), may be NULL */
    time_t (*now)(void);          /* the clock; tests replace it */
    struct sync_gate *sync_gate;  /* shared by the workers: one out-of-band sync at a time */
    struct metrics *metrics;      /* the shared counters (may be NULL) */
    struct trace_config trace;    /* where spans go (core/trace.h) */
    struct tracer *tracer;        /* per worker; NULL when tracing is off */
    struct otlp_exporter *exporter; /* per worker: the thread that sends the spans */
    char event_key_hash[65];      /* for introspection, "" when no key */
    char signing_key_hash[13];
    char signing_key_fallback_hash[13];
    /* The GET answers, one per introspection_kind, rendered by server_init
     * (introspection.c); "" when one did not fit: it is then built per request. */
    char introspection[3][4096];
};

#endif
