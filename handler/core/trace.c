/*
 * trace.c — span bookkeeping on the request path and the queue between the
 * request thread and the export thread.
 *
 * One request at a time per worker, so the open spans (the call, the step
 * running now, the app operation being timed) live in the tracer itself; the
 * queue is the only state the export thread shares, behind one mutex that
 * is held for a copy and never across I/O.
 *
 * Attribute names: OpenTelemetry's semantic conventions where one exists
 * (http.request.method, server.address, http.response.status_code,
 * error.type, db.system.name, db.operation.name); inngest.* for ours; and the
 * names the Inngest server reads to tie a span to its run and step (sdk.run.id,
 * sys.function.id, sys.app.id, inngest.traceref, inngest.step.id /
 * .hash / .index / .attempt — pkg/api/apiv1/traces.go of the server).
 */
#include "core/trace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "base/hex.h"
#include "base/mem_alloc.h"
#include "base/thread_wait.h"
#include "core/context.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "core/server.h"
#include "core/signature.h"

#define LINK_MAX 1024 /* inngest@traceref: URL-escaped JSON of a traceparent and tracestate */

struct link {
    bool inngest;                 /* every member below is present and valid */
    char traceref[LINK_MAX];
    char fn[40], app[40];         /* UUIDs */
    char run_id[32];              /* a ULID */
    char traceparent[64];
};

struct tracer {
    const struct trace_config *cfg;
    struct metrics *metrics;
    uint64_t rng;

    /* request thread only */
    bool active, in_step;
    uint8_t trace_id[16];
    struct link link;
    struct span call, step;
    char step_id[128], step_hash[48];
    int step_index, attempt;
    uint64_t op_start;

    /* shared with the export thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct span *ring;
    size_t head, count;
    bool stop;
};

/* ---- configuration ------------------------------------------------------------- */

static bool copy_to(char *dst, size_t size, const char *v)
{
    if (strlen(v) >= size)
        return false;
    memcpy(dst, v, strlen(v) + 1);
    return true;
}

static bool printable(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
            return false;
    return true;
}

static bool http_url(const char *v)
{
    return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

static long env_long(settings_getenv_fn get, const char *name, long dflt, long min, long max)
{
    const char *v = get(name);
    if (!v || !*v)
        return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max)
        return dflt;
    return n;
}

static const char *first_set(settings_getenv_fn get, const char *a, const char *b)
{
    const char *v = get(a);
    if (v && *v)
        return v;
    v = get(b);
    return v && *v ? v : NULL;
}

bool trace_config_load(struct trace_config *tc, const struct settings *st,
                       settings_getenv_fn get, char *err, size_t err_size)
{
    memset(tc, 0, sizeof(*tc));
    const char *off = get("OTEL_SDK_DISABLED");
    bool disabled = off && strcasecmp(off, "true") == 0;
    int inngest = settings_parse_bool(get("INNGEST_TRACES") ? get("INNGEST_TRACES") : "1");
    if (inngest < 0) {
        snprintf(err, err_size, "INNGEST_TRACES must be 0 or 1 (true/false)");
        return false;
    }
    tc->inngest = !disabled && inngest == 1;
    if (tc->inngest) {
        snprintf(tc->inngest_url, sizeof(tc->inngest_url), "%s/v1/traces/userland", st->api_origin);
        char token[160];
        if (st->signing_key && sig_bearer_token(st->signing_key, token, sizeof(token)))
            snprintf(tc->inngest_auth, sizeof(tc->inngest_auth), "Authorization: Bearer %s", token);
        if (st->env && printable(st->env))
            snprintf(tc->inngest_env, sizeof(tc->inngest_env), "X-Inngest-Env: %s", st->env);
    }

    const char *url = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    const char *base = get("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (!disabled && url && *url) {
        if (!http_url(url) || !printable(url) || !copy_to(tc->otlp_url, sizeof(tc->otlp_url), url)) {
            snprintf(err, err_size, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL "
                                    "(under %zu characters)", sizeof(tc->otlp_url));
            return false;
        }
        tc->otlp = true;
    } else if (!disabled && base && *base) {
        size_t n = strlen(base);
        while (n && base[n - 1] == '/')
            n--;
        if (!http_url(base) || !printable(base) || n + 11 >= sizeof(tc->otlp_url)) {
            snprintf(err, err_size, "OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL");
            return false;
        }
        snprintf(tc->otlp_url, sizeof(tc->otlp_url), "%.*s/v1/traces", (int)n, base);
        tc->otlp = true;
    }
    const char *proto = first_set(get, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
    if (proto && strcmp(proto, "http/json") == 0) {
        tc->otlp_json = true;
    } else if (proto && strcmp(proto, "http/protobuf") != 0) {
        snprintf(err, err_size, "OTEL_EXPORTER_OTLP_PROTOCOL \"%s\" is not supported: "
                                "use http/protobuf (the default) or http/json", proto);
        return false;
    }
    const char *headers = first_set(get, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS");
    if (headers && (!printable(headers) ||
                    !copy_to(tc->otlp_headers, sizeof(tc->otlp_headers), headers))) {
        snprintf(err, err_size, "OTEL_EXPORTER_OTLP_HEADERS must be printable and under %zu characters",
                 sizeof(tc->otlp_headers));
        return false;
    }
    const char *svc = get("OTEL_SERVICE_NAME");
    if (!svc || !*svc || !printable(svc) || strlen(svc) >= sizeof(tc->service_name))
        svc = st->app_id;
    copy_to(tc->service_name, sizeof(tc->service_name), svc);
    const char *res = get("OTEL_RESOURCE_ATTRIBUTES");
    if (res && (!printable(res) || !copy_to(tc->resource, sizeof(tc->resource), res))) {
        snprintf(err, err_size, "OTEL_RESOURCE_ATTRIBUTES must be printable and under %zu characters",
                 sizeof(tc->resource));
        return false;
    }
    tc->timeout_ms = env_long(get, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                              env_long(get, "OTEL_EXPORTER_OTLP_TIMEOUT", 10000, 1, 600000), 1, 600000);
    tc->delay_ms = env_long(get, "OTEL_BSP_SCHEDULE_DELAY", 1000, 10, 600000);
    tc->queue_size = (size_t)env_long(get, "OTEL_BSP_MAX_QUEUE_SIZE", 512, 1, 65536);
    tc->batch_size = (size_t)env_long(get, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 128, 1, 65536);
    if (tc->batch_size > tc->queue_size)
        tc->batch_size = tc->queue_size;
    return true;
}

bool trace_config_enabled(const struct trace_config *tc) { return tc->inngest || tc->otlp; }

/* ---- the tracer ---------------------------------------------------------------- */

struct tracer *tracer_new(const struct trace_config *tc, struct metrics *m)
{
    if (!tc || !trace_config_enabled(tc))
        return NULL;
    struct tracer *t = mem_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->ring = mem_calloc(tc->queue_size, sizeof(struct span));
    if (!t->ring || !wait_init(&t->mu, &t->cv)) {
        mem_free(t->ring);
        mem_free(t);
        return NULL;
    }
    t->cfg = tc;
    t->metrics = m;
    if (getrandom(&t->rng, sizeof(t->rng), 0) != (ssize_t)sizeof(t->rng))
        t->rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)t;
    t->rng |= 1;
    return t;
}

void tracer_free(struct tracer *t)
{
    if (!t)
        return;
    wait_destroy(&t->mu, &t->cv);
    mem_free(t->ring);
    mem_free(t);
}

const struct trace_config *tracer_config(const struct tracer *t) { return t ? t->cfg : NULL; }

/* xorshift64*: ids need to be unique, not secret */
static uint64_t next_random(struct tracer *t)
{
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545F4914F6CDD1DULL;
}

static void random_bytes(struct tracer *t, uint8_t *out, size_t n)
{
    while (n) {
        uint64_t r = next_random(t);
        size_t k = n < 8 ? n : 8;
        memcpy(out, &r, k);
        out += k;
        n -= k;
    }
}

static void push(struct tracer *t, const struct span *s)
{
    pthread_mutex_lock(&t->mu);
    bool full = t->count == t->cfg->queue_size;
    if (!full) {
        memcpy(&t->ring[(t->head + t->count) % t->cfg->queue_size], s,
               offsetof(struct span, text) + s->text_used);
        t->count++;
        if (t->count >= t->cfg->batch_size)
            pthread_cond_signal(&t->cv);
    }
    pthread_mutex_unlock(&t->mu);
    if (full) {
        if (t->cfg->otlp)
            metrics_record_spans(t->metrics, TRACE_TARGET_OTLP, METRICS_SPAN_QUEUE_FULL, 1);
        if (t->cfg->inngest && s->for_inngest)
            metrics_record_spans(t->metrics, TRACE_TARGET_INNGEST, METRICS_SPAN_QUEUE_FULL, 1);
    }
}

size_t tracer_take(struct tracer *t, struct span *out, size_t max, bool *stopping)
{
    pthread_mutex_lock(&t->mu);
    if (!t->stop && t->count < t->cfg->batch_size) {
        struct timespec until = wait_deadline(t->cfg->delay_ms);
        while (!t->stop && t->count < t->cfg->batch_size)
            if (pthread_cond_timedwait(&t->cv, &t->mu, &until) != 0)
                break;
    }
    size_t n = 0;
    while (n < max && t->count) {
        const struct span *s = &t->ring[t->head];
        memcpy(&out[n++], s, offsetof(struct span, text) + s->text_used);
        t->head = (t->head + 1) % t->cfg->queue_size;
        t->count--;
    }
    *stopping = t->stop;
    pthread_mutex_unlock(&t->mu);
    return n;
}

void tracer_stop(struct tracer *t)
{
    wait_raise(&t->mu, &t->cv, &t->stop);
}

void tracer_count(struct tracer *t, enum trace_target target, size_t exported, size_t failed)
{
    metrics_record_spans(t->metrics, (int)target, METRICS_SPAN_EXPORTED, exported);
    metrics_record_spans(t->metrics, (int)target, METRICS_SPAN_EXPORT_FAILED, failed);
}

/* ---- reading the incoming context ---------------------------------------------- */

static bool hex_bytes(const char *s, size_t n, uint8_t *out)
{
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        /* W3C: lowercase only */
        if (hi < 0 || lo < 0 || (s[2 * i] >= 'A' && s[2 * i] <= 'F') ||
            (s[2 * i + 1] >= 'A' && s[2 * i + 1] <= 'F'))
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
        nonzero |= out[i] != 0;
    }
    return nonzero;
}

bool trace_parse_traceparent(const char *v, uint8_t trace_id[16], uint8_t span_id[8])
{
    /* version "00": 00-<32 hex>-<16 hex>-<2 hex>; a later version may add fields */
    if (!v || strlen(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-')
        return false;
    if (strncmp(v, "ff", 2) == 0 || hex_value(v[0]) < 0 || hex_value(v[1]) < 0)
        return false;
    if (strncmp(v, "00", 2) == 0 && v[55] != '\0')
        return false;
    uint8_t flags;
    return hex_bytes(v + 3, 16, trace_id) && hex_bytes(v + 36, 8, span_id) &&
           (hex_bytes(v + 53, 1, &flags) || (v[53] == '0' && v[54] == '0'));
}

bool trace_state_member(const char *ts, const char *key, char *out, size_t out_size)
{
    size_t klen = strlen(key);
    const char *p = ts;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t vn = n - klen - 1;
            while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
                vn--;
            if (vn == 0 || vn >= out_size)
                return false;
            for (size_t i = 0; i < vn; i++)
                if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
                    return false;
            memcpy(out, v, vn);
            out[vn] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

static bool is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (hex_value(s[i]) < 0) {
            return false;
        }
    }
    return true;
}

static bool is_ulid(const char *s)
{
    if (!s || strlen(s) != 26 || s[0] > '7')
        return false;
    for (int i = 0; i < 26; i++)
        if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz", s[i]))
            return false;
    return true;
}

bool trace_url_host(const char *url, char *host, size_t host_size, char *scheme,
                    size_t scheme_size, long *port)
{
    const char *sep = strstr(url, "://");
    if (!sep || (size_t)(sep - url) >= scheme_size)
        return false;
    memcpy(scheme, url, (size_t)(sep - url));
    scheme[sep - url] = '\0';
    const char *a = sep + 3;
    size_t n = strcspn(a, "/?#");
    /* user info (which may hold a password) is never kept */
    for (size_t i = n; i > 0; i--)
        if (a[i - 1] == '@') {
            a += i;
            n -= i;
            break;
        }
    *port = strcmp(scheme, "https") == 0 ? 443 : 80;
    size_t hn = n;
    if (n && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close)
            return false;
        hn = (size_t)(close - a) + 1;
    } else {
        const char *colon = memchr(a, ':', n);
        if (colon)
            hn = (size_t)(colon - a);
    }
    if (hn < n && a[hn] == ':')
        *port = strtol(a + hn + 1, NULL, 10);
    if (hn == 0 || hn >= host_size)
        return false;
    memcpy(host, a, hn);
    host[hn] = '\0';
    return true;
}

/* ---- spans on the request path -------------------------------------------------- */

static struct tracer *tracer_of(const struct ing_ctx *c)
{
    return c && c->server ? c->server->tracer : NULL;
}

/* A new span under `parent` (NULL: under the incoming traceparent). */
static void span_start(struct tracer *t, struct span *s, const struct span *parent, enum span_kind kind)
{
    span_clear(s);
    memcpy(s->trace_id, t->trace_id, 16);
    random_bytes(t, s->span_id, 8);
    if (parent) {
        memcpy(s->parent_id, parent->span_id, 8);
        s->has_parent = true;
    }
    s->kind = (uint8_t)kind;
    s->start_ns = span_now_ns();
    s->for_inngest = t->link.inngest;
}

/* The run linkage on every span, and the step's while one runs. */
static void add_linkage(struct tracer *t, struct span *s, bool with_step)
{
    if (t->link.inngest) {
        span_attr_inngest(s, "inngest.traceref", t->link.traceref);
        span_attr_inngest(s, "inngest.traceparent", t->link.traceparent);
        span_attr_inngest(s, "sdk.run.id", t->link.run_id);
        span_attr_inngest(s, "sys.function.id", t->link.fn);
        if (t->link.app[0]) {
            span_attr_inngest(s, "sys.app.id", t->link.app);
            span_attr_inngest(s, "sdk.app.id", t->link.app);
        }
    }
    if (with_step && t->in_step) {
        span_attr_str(s, "inngest.step.id", t->step_id);
        span_attr_str(s, "inngest.step.hash", t->step_hash);
        span_attr_int(s, "inngest.step.index", t->step_index);
        span_attr_int(s, "inngest.step.attempt", t->attempt);
    }
}

void trace_call_begin(struct ing_ctx *c, const struct request *req)
{
    struct tracer *t = tracer_of(c);
    if (!t)
        return;
    t->active = true;
    t->in_step = false;
    t->op_start = 0;
    t->attempt = c->attempt;
    memset(&t->link, 0, sizeof(t->link));
    uint8_t parent[8];
    const char *tp = request_param(req, "HTTP_TRACEPARENT");
    bool continued = trace_parse_traceparent(tp, t->trace_id, parent);
    if (!continued)
        random_bytes(t, t->trace_id, 16);
    const char *ts = request_param(req, "HTTP_TRACESTATE");
    struct link *l = &t->link;
    if (t->cfg->inngest && continued && ts && c->run_id && is_ulid(c->run_id) &&
        trace_state_member(ts, "inngest@traceref", l->traceref, sizeof(l->traceref)) &&
        trace_state_member(ts, "inngest@fn", l->fn, sizeof(l->fn)) && is_uuid(l->fn)) {
        if (!trace_state_member(ts, "inngest@app", l->app, sizeof(l->app)) || !is_uuid(l->app))
            l->app[0] = '\0';
        snprintf(l->run_id, sizeof(l->run_id), "%s", c->run_id);
        snprintf(l->traceparent, sizeof(l->traceparent), "%.55s", tp);
        l->inngest = true;
    }
    if (!t->cfg->otlp && !l->inngest) {
        /* only the Inngest target, and this call cannot be tied to a run:
         * nothing would be sent, so nothing is recorded */
        t->active = false;
        return;
    }
    struct span *s = &t->call;
    span_start(t, s, NULL, SPAN_KIND_SERVER);
    if (continued) {
        memcpy(s->parent_id, parent, 8);
        s->has_parent = true;
    }
    /* the name and scope the Inngest server takes for an SDK's root span */
    span_set_name(s, "inngest.execution", NULL);
    add_linkage(t, s, false);
    span_attr_str(s, "inngest.app.id", c->server->settings.app_id);
    span_attr_str(s, "inngest.function.id", c->fn ? c->fn->id : "");
    if (c->is_failure_handler)
        span_attr_bool(s, "inngest.function.failure_handler", true);
    span_attr_str(s, "inngest.run.id", c->run_id);
    span_attr_int(s, "inngest.attempt", c->attempt);
    span_attr_str(s, "inngest.step.target", c->target_step ? c->target_step : "step");
}

void trace_call_end(struct ing_ctx *c, int status, const char *outcome)
{
    struct tracer *t = tracer_of(c);
    if (!t || !t->active)
        return;
    if (t->in_step) /* an SDK error unwound the step's body past its end */
        trace_step_end(c, false);
    struct span *s = &t->call;
    s->end_ns = span_now_ns();
    span_attr_int(s, "http.response.status_code", status);
    span_attr_str(s, "inngest.call.outcome", outcome ? outcome : "");
    if (status >= 400)
        span_set_status(s, SPAN_STATUS_ERROR, outcome);
    else
        span_set_status(s, SPAN_STATUS_OK, NULL);
    push(t, s);
    t->active = false;
}

void trace_step_begin(struct ing_ctx *c, const char *id, const char *hash, int index)
{
    struct tracer *t = tracer_of(c);
    if (!t || !t->active)
        return;
    snprintf(t->step_id, sizeof(t->step_id), "%s", id);
    snprintf(t->step_hash, sizeof(t->step_hash), "%s", hash);
    t->step_index = index;
    struct span *s = &t->step;
    span_start(t, s, &t->call, SPAN_KIND_INTERNAL);
    span_set_name(s, "step", id);
    t->in_step = true;
    add_linkage(t, s, true);
    span_attr_str(s, "inngest.step.op", "StepRun");
}

void trace_step_end(struct ing_ctx *c, bool ok)
{
    struct tracer *t = tracer_of(c);
    if (!t || !t->active || !t->in_step)
        return;
    struct span *s = &t->step;
    s->end_ns = span_now_ns();
    if (ok) {
        span_set_status(s, SPAN_STATUS_OK, NULL);
    } else {
        const char *name = c->error.name ? c->error.name : "Error";
        span_attr_str(s, "error.type", name);
        span_set_status(s, SPAN_STATUS_ERROR, c->error.message ? c->error.message : name);
    }
    push(t, s);
    t->in_step = false;
}

uint64_t trace_outbound_begin(struct tracer *t)
{
    return t && t->active ? span_now_ns() : 0;
}

void trace_outbound_end(struct tracer *t, uint64_t started, const char *method, const char *url,
                        long status, bool answered)
{
    if (!t || !t->active || !started)
        return;
    struct span s;
    span_start(t, &s, t->in_step ? &t->step : &t->call, SPAN_KIND_CLIENT);
    s.start_ns = started;
    s.end_ns = span_now_ns();
    span_set_name(&s, method, NULL);
    add_linkage(t, &s, true);
    span_attr_str(&s, "http.request.method", method);
    char host[256], scheme[16];
    long port = 0;
    if (trace_url_host(url, host, sizeof(host), scheme, sizeof(scheme), &port)) {
        span_attr_str(&s, "server.address", host);
        span_attr_int(&s, "server.port", port);
        span_attr_str(&s, "url.scheme", scheme);
    }
    if (answered) {
        span_attr_int(&s, "http.response.status_code", status);
        if (status >= 400) {
            char code[24];
            snprintf(code, sizeof(code), "%ld", status);
            span_attr_str(&s, "error.type", code);
            span_set_status(&s, SPAN_STATUS_ERROR, NULL);
        }
    } else {
        span_attr_str(&s, "error.type", "no_response");
        span_set_status(&s, SPAN_STATUS_ERROR, "no HTTP answer (network error or timeout)");
    }
    push(t, &s);
}

/* ---- the public API: an app's own operation ---------------------------------- */

void ing_trace_op_begin(struct ing_ctx *c)
{
    struct tracer *t = tracer_of(c);
    if (t && t->active)
        t->op_start = span_now_ns();
}

void ing_trace_http_end(struct ing_ctx *c, const char *method, const char *url, long status)
{
    struct tracer *t = tracer_of(c);
    if (!t || !t->active || !t->op_start || !method || !url)
        return;
    uint64_t started = t->op_start;
    t->op_start = 0;
    trace_outbound_end(t, started, method, url, status, status > 0);
}

void ing_trace_op_end(struct ing_ctx *c, const char *system, const char *operation, const char *error)
{
    struct tracer *t = tracer_of(c);
    if (!t || !t->active || !t->op_start || !operation)
        return;
    struct span s;
    span_start(t, &s, t->in_step ? &t->step : &t->call, SPAN_KIND_CLIENT);
    s.start_ns = t->op_start;
    s.end_ns = span_now_ns();
    t->op_start = 0;
    span_set_name(&s, operation, NULL);
    add_linkage(t, &s, true);
    if (system)
        span_attr_str(&s, "db.system.name", system);
    span_attr_str(&s, "db.operation.name", operation);
    if (error) {
        span_attr_str(&s, "error.type", error);
        span_set_status(&s, SPAN_STATUS_ERROR, error);
    }
    push(t, &s);
}
