/*
 * http_client.c — libcurl easy handle reuse with bounded, arena-backed answers.
 *
 * The handle is reset between calls (curl_easy_reset keeps the connection
 * cache) so that no option leaks from one call into the next.  The response
 * grows in a malloc'd buffer registered on the arena, capped at max_response.
 */
#include "outbound/http_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/arena.h"
#include "base/mem_alloc.h"
#include "core/trace.h"

struct http_client {
    CURL *curl;
    struct tracer *tracer;
};

void http_client_set_tracer(struct http_client *h, struct tracer *t)
{
    if (h)
        h->tracer = t;
}

struct sink {
    char *data;
    size_t len, cap, max;
    bool too_large;
    struct http_result *out;
};

bool http_client_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == 0; }
void http_client_global_cleanup(void) { curl_global_cleanup(); }

struct http_client *http_client_new(void)
{
    struct http_client *h = mem_calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->curl = curl_easy_init();
    if (!h->curl) {
        mem_free(h);
        return NULL;
    }
    return h;
}

void http_client_free(struct http_client *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    mem_free(h);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;
    if (s->len + n > s->max) {
        s->too_large = true;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *grown = mem_realloc(s->data, cap);
        if (!grown)
            return 0;
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, ptr, n);
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

static void copy_header_value(char *dst, size_t dst_size, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    if (n >= dst_size)
        n = dst_size - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nitems;
    static const char ra[] = "retry-after:", ct[] = "content-type:";
    if (n > sizeof(ra) - 1 && strncasecmp(line, ra, sizeof(ra) - 1) == 0)
        copy_header_value(s->out->retry_after, sizeof(s->out->retry_after), line + sizeof(ra) - 1,
                          n - (sizeof(ra) - 1));
    else if (n > sizeof(ct) - 1 && strncasecmp(line, ct, sizeof(ct) - 1) == 0)
        copy_header_value(s->out->content_type, sizeof(s->out->content_type),
                          line + sizeof(ct) - 1, n - (sizeof(ct) - 1));
    return n;
}

static void free_buffer(void *p) { mem_free(p); }
static void free_slist(void *p) { curl_slist_free_all(p); }

bool http_perform(struct http_client *h, struct arena *a, const struct http_call *call,
                  struct http_result *out)
{
    memset(out, 0, sizeof(*out));
    out->body = "";
    struct sink sink = {.max = call->max_response, .out = out};
    struct curl_slist *list = NULL;
    for (const char *const *hd = call->headers; hd && *hd; hd++) {
        struct curl_slist *next = curl_slist_append(list, *hd);
        if (!next) {
            curl_slist_free_all(list);
            snprintf(out->error, sizeof(out->error), "out of memory");
            return false;
        }
        list = next;
    }
    /* curl adds "Expect: 100-continue" to large POSTs, which costs a round trip */
    struct curl_slist *next = curl_slist_append(list, "Expect:");
    if (next)
        list = next;
    /* a failed arena_defer frees the list at once: it must not reach curl */
    if (list && !arena_defer(a, free_slist, list)) {
        snprintf(out->error, sizeof(out->error), "out of memory");
        return false;
    }

    CURL *c = h->curl;
    curl_easy_reset(c);
    /* curl copies these strings; a copy that fails leaves the option unset,
     * and curl would then send a request other than the one asked for */
    if (curl_easy_setopt(c, CURLOPT_URL, call->url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call->method) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
        curl_easy_reset(c);
        snprintf(out->error, sizeof(out->error), "out of memory");
        return false;
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, call->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, call->timeout_ms < 3000 ? call->timeout_ms : 3000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (strcmp(call->method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (call->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }

    uint64_t traced = trace_outbound_begin(h->tracer);
    CURLcode rc = curl_easy_perform(c);
    if (traced) { /* method and host only: never the query string or a header */
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        trace_outbound_end(h->tracer, traced, call->method, call->url, code, rc == CURLE_OK);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    /* a failed arena_defer frees the body at once */
    if (sink.data && !arena_defer(a, free_buffer, sink.data)) {
        snprintf(out->error, sizeof(out->error), "out of memory");
        return false;
    }
    if (rc != CURLE_OK) {
        if (sink.too_large)
            snprintf(out->error, sizeof(out->error), "response larger than %zu bytes",
                     call->max_response);
        else
            snprintf(out->error, sizeof(out->error), "%s", curl_easy_strerror(rc));
        out->status = 0;
        return false;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (sink.data) {
        out->body = sink.data;
        out->body_len = sink.len;
    }
    return true;
}
