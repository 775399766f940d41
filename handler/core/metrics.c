/*
 * metrics.c — the shared counters segment and its Prometheus rendering.
 *
 * Owns the layout of the segment: a header, one block of counters per
 * function slot, then one busy flag per worker slot.  Writers only ever add
 * (or set a flag) with relaxed atomics: a scrape may see one request's
 * counter before its histogram bucket, which Prometheus tolerates, and in
 * exchange a request never waits for a lock another process might hold when
 * it dies.  Must never be resized after the fork.
 */
#include "core/metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/server.h"

/* Atomics in a shared mapping are only safe across processes when lock-free. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free");

typedef _Atomic unsigned long long counter;

/* Upper bounds in seconds.  Most answers take milliseconds; the long tail is a
 * step calling a slow API, up to nginx's 300 s read timeout. */
static const double bucket_le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                   2.5,   5,    10,    30,   60,  120, 300};
#define BUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]) + 1) /* + the +Inf bucket */

struct fn_counters {
    counter calls[METRICS_OUTCOMES];
    counter buckets[BUCKETS]; /* per bucket, not cumulative: one add per call */
    counter sum_us;
};

struct metrics {
    size_t mapped;
    size_t fn_slots;
    int workers;
    time_t started;
    counter requests[METRICS_EP_COUNT][5]; /* by status class 1xx..5xx */
    counter syncs[2];                      /* failed, ok */
    counter restarts[2];                   /* max-requests, crash */
    counter spans[2][METRICS_SPAN_FATES];  /* by trace target, by fate */
    size_t busy_offset;                    /* _Atomic int[workers] from the segment start */
    struct fn_counters fns[];
};

static _Atomic int *busy_flags(const struct metrics *m)
{
    return (_Atomic int *)(void *)((char *)(uintptr_t)m + m->busy_offset);
}

struct metrics *metrics_create(const struct server *srv, int workers)
{
    if (workers < 1)
        workers = 1;
    size_t fn_slots = srv->app->function_count * 2;
    size_t busy_offset = sizeof(struct metrics) + fn_slots * sizeof(struct fn_counters);
    busy_offset = (busy_offset + 63) & ~(size_t)63;
    size_t size = busy_offset + (size_t)workers * sizeof(_Atomic int);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* an anonymous mapping is zero-filled: every counter starts at 0 */
    struct metrics *m = p;
    m->mapped = size;
    m->fn_slots = fn_slots;
    m->workers = workers;
    m->started = time(NULL);
    m->busy_offset = busy_offset;
    return m;
}

void metrics_destroy(struct metrics *m)
{
    if (m)
        munmap(m, m->mapped);
}

long metrics_function_slot(const struct server *srv, const struct ing_function *fn,
                           bool failure_handler)
{
    const struct ing_function *table = srv->app->functions;
    if (!fn || fn < table || fn >= table + srv->app->function_count)
        return -1;
    return (long)(fn - table) * 2 + (failure_handler ? 1 : 0);
}

static void add(counter *c, unsigned long long n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static unsigned long long get(const counter *c)
{
    return atomic_load_explicit((counter *)(uintptr_t)c, memory_order_relaxed);
}

void metrics_record_call(struct metrics *m, long slot, int status, double seconds)
{
    if (!m || slot < 0 || (size_t)slot >= m->fn_slots)
        return;
    struct fn_counters *f = &m->fns[slot];
    enum metrics_outcome o = status == 200 ? METRICS_RESULT : status == 206 ? METRICS_OPS : METRICS_ERROR;
    add(&f->calls[o], 1);
    size_t b = 0;
    while (b < BUCKETS - 1 && seconds > bucket_le[b])
        b++;
    add(&f->buckets[b], 1);
    add(&f->sum_us, seconds > 0 ? (unsigned long long)(seconds * 1e6) : 0);
}

void metrics_record_request(struct metrics *m, enum metrics_endpoint ep, int status)
{
    if (!m || ep >= METRICS_EP_COUNT || status < 100 || status > 599)
        return;
    add(&m->requests[ep][status / 100 - 1], 1);
}

void metrics_record_sync(struct metrics *m, bool ok)
{
    if (m)
        add(&m->syncs[ok ? 1 : 0], 1);
}

void metrics_set_busy(struct metrics *m, int worker_slot, bool busy)
{
    if (m && worker_slot >= 0 && worker_slot < m->workers)
        atomic_store_explicit(&busy_flags(m)[worker_slot], busy ? 1 : 0, memory_order_relaxed);
}

void metrics_record_restart(struct metrics *m, bool crashed)
{
    if (m)
        add(&m->restarts[crashed ? 1 : 0], 1);
}

void metrics_record_spans(struct metrics *m, int target, enum metrics_span_fate fate, size_t n)
{
    if (m && target >= 0 && target < 2 && fate < METRICS_SPAN_FATES && n)
        add(&m->spans[target][fate], n);
}

bool metrics_client_allowed(const char *remote_addr)
{
    return remote_addr && (strcmp(remote_addr, "127.0.0.1") == 0 || strcmp(remote_addr, "::1") == 0 ||
                           strcmp(remote_addr, "::ffff:127.0.0.1") == 0);
}

/* Label values come from the validated table and settings, but escaping keeps
 * the exposition well-formed whatever an app id holds. */
static void label_value(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

/* A metric's # HELP and # TYPE lines, which name it twice. */
static void metric_header(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* `<name>{function="<app>-<fn>[-failure]"`: the start of one function's
 * sample; the caller writes the other labels, the '}' and the value. */
static void function_sample(FILE *f, const char *name, const struct server *srv, size_t slot)
{
    const struct ing_function *fn = &srv->app->functions[slot / 2];
    fprintf(f, "%s{function=\"", name);
    label_value(f, srv->settings.app_id);
    fputc('-', f);
    label_value(f, fn->id);
    if (slot % 2)
        fputs("-failure", f);
    fputc('"', f);
}

static bool slot_exists(const struct server *srv, size_t slot)
{
    return slot % 2 == 0 || srv->app->functions[slot / 2].on_failure != NULL;
}

static void render_functions(FILE *f, const struct metrics *m, const struct server *srv)
{
    static const char *outcome_names[METRICS_OUTCOMES] = {"result", "ops", "error"};
    metric_header(f, "inngest_fcgi_function_calls_total", "counter",
                  "Call requests per function, by outcome (result: 200, the function returned; ops: 206, "
                  "steps reported; error: any other status).");
    for (size_t s = 0; s < m->fn_slots; s++) {
        if (!slot_exists(srv, s))
            continue;
        for (int o = 0; o < METRICS_OUTCOMES; o++) {
            function_sample(f, "inngest_fcgi_function_calls_total", srv, s);
            fprintf(f, ",outcome=\"%s\"} %llu\n", outcome_names[o], get(&m->fns[s].calls[o]));
        }
    }
    metric_header(f, "inngest_fcgi_function_call_duration_seconds", "histogram",
                  "Time to answer one call request, per function.");
    for (size_t s = 0; s < m->fn_slots; s++) {
        if (!slot_exists(srv, s))
            continue;
        const struct fn_counters *fc = &m->fns[s];
        unsigned long long cumulative = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            cumulative += get(&fc->buckets[b]);
            function_sample(f, "inngest_fcgi_function_call_duration_seconds_bucket", srv, s);
            if (b < BUCKETS - 1)
                fprintf(f, ",le=\"%g\"} %llu\n", bucket_le[b], cumulative);
            else
                fprintf(f, ",le=\"+Inf\"} %llu\n", cumulative);
        }
        function_sample(f, "inngest_fcgi_function_call_duration_seconds_sum", srv, s);
        fprintf(f, "} %.6f\n", (double)get(&fc->sum_us) / 1e6);
        function_sample(f, "inngest_fcgi_function_call_duration_seconds_count", srv, s);
        fprintf(f, "} %llu\n", cumulative);
    }
}

static void render_process(FILE *f, const struct metrics *m, const struct server *srv)
{
    static const char *endpoints[METRICS_EP_COUNT] = {"inngest", "route", "metrics"};
    metric_header(f, "inngest_fcgi_requests_total", "counter",
                  "Requests answered, by endpoint (the Inngest endpoint, an app route, /metrics) and status "
                  "class.");
    for (int e = 0; e < METRICS_EP_COUNT; e++)
        for (int c = 0; c < 5; c++)
            fprintf(f, "inngest_fcgi_requests_total{endpoint=\"%s\",code=\"%dxx\"} %llu\n",
                    endpoints[e], c + 1, get(&m->requests[e][c]));
    metric_header(f, "inngest_fcgi_syncs_total", "counter", "Sync requests (PUT) by result.");
    fprintf(f,
            "inngest_fcgi_syncs_total{result=\"ok\"} %llu\n"
            "inngest_fcgi_syncs_total{result=\"failed\"} %llu\n",
            get(&m->syncs[1]), get(&m->syncs[0]));
    metric_header(f, "inngest_fcgi_worker_restarts_total", "counter",
                  "Workers replaced by the master, by reason.");
    fprintf(f,
            "inngest_fcgi_worker_restarts_total{reason=\"max_requests\"} %llu\n"
            "inngest_fcgi_worker_restarts_total{reason=\"crash\"} %llu\n",
            get(&m->restarts[0]), get(&m->restarts[1]));
    static const char *targets[2] = {"inngest", "otlp"};
    metric_header(f, "inngest_fcgi_trace_spans_exported_total", "counter",
                  "Trace spans accepted by an export target (inngest: the Inngest server's userland traces; "
                  "otlp: the OTLP collector).");
    for (int t = 0; t < 2; t++)
        fprintf(f, "inngest_fcgi_trace_spans_exported_total{target=\"%s\"} %llu\n", targets[t],
                get(&m->spans[t][METRICS_SPAN_EXPORTED]));
    metric_header(f, "inngest_fcgi_trace_spans_dropped_total", "counter",
                  "Trace spans not exported, by target and reason (queue_full: the worker's queue was full; "
                  "export_failed: the target was down, slow or refused the batch).");
    for (int t = 0; t < 2; t++) {
        fprintf(f, "inngest_fcgi_trace_spans_dropped_total{target=\"%s\",reason=\"queue_full\"} %llu\n",
                targets[t], get(&m->spans[t][METRICS_SPAN_QUEUE_FULL]));
        fprintf(f,
                "inngest_fcgi_trace_spans_dropped_total{target=\"%s\",reason=\"export_failed\"} %llu\n",
                targets[t], get(&m->spans[t][METRICS_SPAN_EXPORT_FAILED]));
    }
    int busy = 0;
    for (int w = 0; w < m->workers; w++)
        busy += atomic_load_explicit(&busy_flags(m)[w], memory_order_relaxed);
    metric_header(f, "inngest_fcgi_workers", "gauge", "Worker processes configured.");
    fprintf(f, "inngest_fcgi_workers %d\n", m->workers);
    metric_header(f, "inngest_fcgi_workers_busy", "gauge",
                  "Workers serving a request now (this scrape included).");
    fprintf(f, "inngest_fcgi_workers_busy %d\n", busy);
    metric_header(f, "inngest_fcgi_start_time_seconds", "gauge", "When the program started (Unix time).");
    fprintf(f, "inngest_fcgi_start_time_seconds %lld\n", (long long)m->started);
    metric_header(f, "inngest_fcgi_info", "gauge", "The app this program serves.");
    fputs("inngest_fcgi_info{app=\"", f);
    label_value(f, srv->settings.app_id);
    fprintf(f, "\",version=\"%s\",mode=\"%s\"} 1\n", ING_SDK_VERSION, srv->settings.dev ? "dev" : "cloud");
}

char *metrics_render(const struct metrics *m, const struct server *srv, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    render_functions(f, m, srv);
    render_process(f, m, srv);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
}
