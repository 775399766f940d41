/*
 * otlp_export.c — the export thread.
 *
 * Inngest target: OTLP/JSON, as the official TypeScript SDK's exporter sends
 * it, with the hashed signing key as bearer token.  The server reads JSON ids
 * through Go's protojson (base64), and only then keeps the parent links
 * between an SDK's own spans (pkg/api/apiv1/traces.go checks a 12-byte
 * parent id: 16 hex digits read as base64); protobuf would flatten every span
 * under the step.  Only spans carrying the run linkage go there.  A 404 (no
 * such endpoint) or a 401/403 (traces not enabled for the account, or the key
 * refused) switches the target off for this worker.
 *
 * Collector target: OTLP/HTTP protobuf (or JSON when asked), every span,
 * without the Inngest-only linkage attributes.
 */
#include "outbound/otlp_export.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base/dynbuf.h"
#include "base/mem_alloc.h"
#include "base/thread_wait.h"
#include "core/log.h"
#include "core/otlp_encode.h"
#include "core/trace.h"
#include "inngest.h"

#define MAX_RESOURCE 24

struct otlp_exporter {
    struct tracer *tracer;
    const struct trace_config *cfg;
    pthread_t thread;
    CURL *curl;
    struct curl_slist *inngest_headers, *otlp_headers;
    bool inngest_off;          /* the server answered 404 */
    struct span *batch;
    size_t batch_cap;
    struct otlp_kv resource[MAX_RESOURCE];
    size_t resource_count;
    char resource_text[1024 + 256];
    char header_text[1024 + 64];
};

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

/* Percent-decoding in place (OTEL_* lists are URL-encoded, W3C baggage style). */
static void pct_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '%' && r[1] && r[2]) {
            char hex[3] = {r[1], r[2], 0};
            char *end;
            long v = strtol(hex, &end, 16);
            if (!*end && v > 0) {
                *w++ = (char)v;
                r += 2;
                continue;
            }
        }
        *w++ = *r;
    }
    *w = '\0';
}

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static void add_resource(struct otlp_exporter *e, const char *k, const char *v)
{
    for (size_t i = 0; i < e->resource_count; i++)
        if (strcmp(e->resource[i].key, k) == 0) {
            e->resource[i].value = v;
            return;
        }
    if (e->resource_count < MAX_RESOURCE)
        e->resource[e->resource_count++] = (struct otlp_kv){k, v};
}

static void build_resource(struct otlp_exporter *e)
{
    /* OTEL_RESOURCE_ATTRIBUTES first, then the SDK's own and service.name win */
    snprintf(e->resource_text, sizeof(e->resource_text), "%s", e->cfg->resource);
    for (char *save = NULL, *item = strtok_r(e->resource_text, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *k = trim(item), *v = trim(eq + 1);
        pct_decode(v);
        if (*k)
            add_resource(e, k, v);
    }
    add_resource(e, "service.name", e->cfg->service_name);
    add_resource(e, "telemetry.sdk.name", ING_SDK_NAME);
    add_resource(e, "telemetry.sdk.language", "c");
    add_resource(e, "telemetry.sdk.version", ING_SDK_VERSION);
}

static struct curl_slist *append(struct curl_slist *l, const char *h)
{
    struct curl_slist *n = curl_slist_append(l, h);
    return n ? n : l;
}

static void build_headers(struct otlp_exporter *e)
{
    const struct trace_config *c = e->cfg;
    e->inngest_headers = append(NULL, "Content-Type: application/json");
    e->inngest_headers = append(e->inngest_headers, "Expect:");
    if (c->inngest_auth[0])
        e->inngest_headers = append(e->inngest_headers, c->inngest_auth);
    if (c->inngest_env[0])
        e->inngest_headers = append(e->inngest_headers, c->inngest_env);
    e->otlp_headers = append(NULL, c->otlp_json ? "Content-Type: application/json"
                                                : "Content-Type: application/x-protobuf");
    e->otlp_headers = append(e->otlp_headers, "Expect:");
    char raw[sizeof(c->otlp_headers)];
    snprintf(raw, sizeof(raw), "%s", c->otlp_headers);
    for (char *save = NULL, *item = strtok_r(raw, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *k = trim(item), *v = trim(eq + 1);
        pct_decode(v);
        if (!*k || strpbrk(k, ": \r\n") || strpbrk(v, "\r\n"))
            continue;
        snprintf(e->header_text, sizeof(e->header_text), "%s: %s", k, v);
        e->otlp_headers = append(e->otlp_headers, e->header_text); /* curl copies it */
    }
}

/* POSTs one body; the HTTP status, or 0 when no answer came. */
static long post(struct otlp_exporter *e, const char *url, struct curl_slist *headers,
                 const struct dynbuf *body)
{
    CURL *c = e->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, e->cfg->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, e->cfg->timeout_ms < 3000 ? e->cfg->timeout_ms : 3000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static void export_inngest(struct otlp_exporter *e, size_t n)
{
    /* the spans with run linkage, moved to the front of the batch */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (e->batch[i].for_inngest) {
            if (i != m) {
                struct span tmp;
                memcpy(&tmp, &e->batch[m], sizeof(tmp));
                memcpy(&e->batch[m], &e->batch[i], sizeof(tmp));
                memcpy(&e->batch[i], &tmp, sizeof(tmp));
            }
            m++;
        }
    if (!m)
        return;
    if (e->inngest_off) {
        tracer_count(e->tracer, TRACE_TARGET_INNGEST, 0, m);
        return;
    }
    struct otlp_batch b = {.resource = e->resource, .resource_count = e->resource_count,
                           .scope_name = "inngest", .scope_version = ING_SDK_VERSION,
                           .spans = e->batch, .count = m, .with_inngest_attrs = true};
    struct dynbuf body = DYNBUF_INIT(DYNBUF_UNBOUNDED); /* a batch is bounded by batch_size spans */
    long status = otlp_encode_json(&b, &body) ? post(e, e->cfg->inngest_url, e->inngest_headers, &body) : -1;
    dynbuf_free(&body);
    if (status == 200) {
        tracer_count(e->tracer, TRACE_TARGET_INNGEST, m, 0);
        return;
    }
    tracer_count(e->tracer, TRACE_TARGET_INNGEST, 0, m);
    if (status == 404 || status == 401 || status == 403) {
        /* no such endpoint, or traces not enabled for the account (or the
         * key refused): asking again would only cost; a new worker tries again */
        e->inngest_off = true;
        ing_log(ING_LOG_INFO, "traces: the Inngest server answered %ld to %zu span(s) (%s); this "
                              "worker sends it no more spans",
                status, m, status == 404 ? "no userland traces endpoint" : "not accepted for this key");
    } else {
        ing_log(ING_LOG_DEBUG, "traces: the Inngest server answered %ld; %zu span(s) dropped", status, m);
    }
}

static void export_otlp(struct otlp_exporter *e, size_t n)
{
    struct otlp_batch b = {.resource = e->resource, .resource_count = e->resource_count,
                           .scope_name = "inngest", .scope_version = ING_SDK_VERSION,
                           .spans = e->batch, .count = n, .with_inngest_attrs = false};
    struct dynbuf body = DYNBUF_INIT(DYNBUF_UNBOUNDED);
    bool ok = e->cfg->otlp_json ? otlp_encode_json(&b, &body) : otlp_encode_protobuf(&b, &body);
    long status = ok ? post(e, e->cfg->otlp_url, e->otlp_headers, &body) : -1;
    dynbuf_free(&body);
    if (status >= 200 && status < 300) {
        tracer_count(e->tracer, TRACE_TARGET_OTLP, n, 0);
    } else {
        tracer_count(e->tracer, TRACE_TARGET_OTLP, 0, n);
        ing_log(ING_LOG_DEBUG, "traces: the collector answered %ld; %zu span(s) dropped", status, n);
    }
}

static void *run(void *arg)
{
    struct otlp_exporter *e = arg;
    bool stopping = false;
    for (;;) {
        size_t n = tracer_take(e->tracer, e->batch, e->batch_cap, &stopping);
        if (n && e->cfg->otlp)
            export_otlp(e, n);
        if (n && e->cfg->inngest)
            export_inngest(e, n);
        if (stopping && n == 0)
            break;
    }
    return NULL;
}

struct otlp_exporter *otlp_export_start(struct tracer *t)
{
    if (!t)
        return NULL;
    struct otlp_exporter *e = mem_calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->tracer = t;
    e->cfg = tracer_config(t);
    e->batch_cap = e->cfg->batch_size;
    e->batch = mem_calloc(e->batch_cap, sizeof(struct span));
    e->curl = curl_easy_init();
    if (!e->batch || !e->curl)
        goto fail;
    build_resource(e);
    build_headers(e);
    if (thread_start_quiet(&e->thread, run, e))
        return e;
fail:
    ing_log(ING_LOG_WARN, "traces: the export thread cannot start; spans are not exported");
    curl_slist_free_all(e->inngest_headers);
    curl_slist_free_all(e->otlp_headers);
    if (e->curl)
        curl_easy_cleanup(e->curl);
    mem_free(e->batch);
    mem_free(e);
    return NULL;
}

void otlp_export_stop(struct otlp_exporter *e)
{
    if (!e)
        return;
    tracer_stop(e->tracer);
    pthread_join(e->thread, NULL);
    curl_slist_free_all(e->inngest_headers);
    curl_slist_free_all(e->otlp_headers);
    curl_easy_cleanup(e->curl);
    mem_free(e->batch);
    mem_free(e);
}
