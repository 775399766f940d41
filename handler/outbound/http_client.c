/*
 * http_client.c — the client, the one perform, and libcurl's transport.
 *
 * The easy handle is reset between calls (curl_easy_reset keeps the
 * connection cache) so that no option leaks from one call into the next.
 * Body and header block grow in bounded buffers (base/dynbuf.h) and are
 * handed to the arena once the transfer ends.
 */
#include "outbound/http_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/arena.h"
#include "base/dynbuf.h"
#include "base/json_take.h"
#include "base/mem_alloc.h"
#include "core/trace.h"

struct http_client {
    CURL *curl;
    struct tracer *tracer;
};

/* Set at start-up only (outbound_set_transport), read by every request. */
static http_transport_fn transport = http_transport_curl;

void outbound_set_transport(http_transport_fn fn) { transport = fn ? fn : http_transport_curl; }

void http_client_set_tracer(struct http_client *h, struct tracer *t)
{
    if (h)
        h->tracer = t;
}

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

/* ---- the one perform ------------------------------------------------------ */

static void copy_value(char *dst, size_t dst_size, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n >= dst_size)
        n = dst_size - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* Calls fn for each "Name: value" line of the block (the status line and
 * anything without a colon are skipped), at most HTTP_MAX_HEADER_LINES. */
static bool each_header(const char *block, size_t len,
                        bool (*fn)(const char *name, size_t name_len, const char *value,
                                   size_t value_len, void *arg),
                        void *arg)
{
    const char *p = block, *end = block + len;
    for (int lines = 0; p < end && lines < HTTP_MAX_HEADER_LINES; lines++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon && colon > p && strncmp(p, "HTTP/", 5) != 0 &&
            !fn(p, (size_t)(colon - p), colon + 1, (size_t)(line_end - colon - 1), arg))
            return false;
        p = eol ? eol + 1 : end;
    }
    return true;
}

static bool note_header(const char *name, size_t name_len, const char *value, size_t value_len,
                        void *arg)
{
    struct http_result *out = arg;
    if (name_len == 11 && strncasecmp(name, "retry-after", 11) == 0)
        copy_value(out->retry_after, sizeof(out->retry_after), value, value_len);
    else if (name_len == 12 && strncasecmp(name, "content-type", 12) == 0)
        copy_value(out->content_type, sizeof(out->content_type), value, value_len);
    return true;
}

bool http_perform(struct http_client *h, struct arena *a, const struct http_call *call,
                  struct http_result *out)
{
    memset(out, 0, sizeof(*out));
    out->body = "";
    out->headers = "";
    /* one span per request that leaves, whichever transport carries it */
    uint64_t traced = h ? trace_outbound_begin(h->tracer) : 0;
    bool answered = transport(h, a, call, out);
    if (traced) /* method and host only: never the query string or a header */
        trace_outbound_end(h->tracer, traced, call->method, call->url,
                           answered ? out->status : 0, answered);
    if (!answered) {
        out->status = 0;
        if (!out->error[0])
            snprintf(out->error, sizeof(out->error), "no answer");
        return false;
    }
    if (!out->body)
        out->body = "", out->body_len = 0;
    if (!out->headers)
        out->headers = "", out->headers_len = 0;
    each_header(out->headers, out->headers_len, note_header, out);
    return true;
}

struct headers_json {
    struct arena *a;
    json_object *obj;
};

static bool add_header(const char *name, size_t name_len, const char *value, size_t value_len,
                       void *arg)
{
    struct headers_json *hj = arg;
    char *key = arena_strndup(hj->a, name, name_len);
    char *val = arena_alloc(hj->a, value_len + 1);
    if (!key || !val)
        return false;
    for (char *k = key; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            *k = (char)(*k - 'A' + 'a');
    copy_value(val, value_len + 1, value, value_len);
    json_object *before = json_object_object_get(hj->obj, key);
    const char *joined = before ? arena_printf(hj->a, "%s, %s", json_object_get_string(before), val)
                                : val;
    return joined && json_take_set(hj->obj, key, json_object_new_string(joined));
}

json_object *http_headers_json(struct arena *a, const struct http_result *r)
{
    struct headers_json hj = {.a = a, .obj = arena_keep_json(a, json_object_new_object())};
    if (!hj.obj || !each_header(r->headers, r->headers_len, add_header, &hj))
        return NULL;
    return hj.obj;
}

/* ---- libcurl's transport ---------------------------------------------------- */

struct sink {
    struct dynbuf body, headers;
    bool too_large;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;
    enum dynbuf_status st = dynbuf_add(&s->body, ptr, n);
    if (st == DYNBUF_TOO_LARGE)
        s->too_large = true;
    return st == DYNBUF_OK ? n : 0; /* 0 makes curl stop with CURLE_WRITE_ERROR */
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nitems;
    /* a status line starts the block of another response (after a 1xx) */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0)
        dynbuf_free(&s->headers);
    /* past the bound the rest is dropped: headers are read, never needed
     * whole; but one lost for want of memory stops the transfer, as in
     * on_body, rather than answer without it (a failed buffer stays failed) */
    if (n <= s->headers.max - s->headers.len && dynbuf_add(&s->headers, line, n) != DYNBUF_OK)
        return 0;
    return n;
}

static void free_buffer(void *p) { mem_free(p); }
static void free_slist(void *p) { curl_slist_free_all(p); }

/* Moves a buffer's bytes onto the arena; false on allocation failure. */
static bool hand_over(struct arena *a, struct dynbuf *b, char **data, size_t *len)
{
    char *bytes = dynbuf_take(b, len);
    if (!bytes)
        return true;
    /* a failed arena_defer frees the bytes at once */
    if (!arena_defer(a, free_buffer, bytes))
        return false;
    *data = bytes;
    return true;
}

static bool has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
}

bool http_transport_curl(struct http_client *h, struct arena *a, const struct http_call *call,
                         struct http_result *out)
{
    if (!h) { /* a process without a client (ing_test_call names no server) */
        snprintf(out->error, sizeof(out->error), "no HTTP client in this process");
        return false;
    }
    struct sink sink = {.too_large = false};
    dynbuf_init(&sink.body, call->max_response);
    dynbuf_init(&sink.headers, HTTP_MAX_HEADER_BYTES);
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
    } else if (strcmp(call->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (call->body || has_body(call->method)) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body ? call->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(call->body ? call->body_len : 0));
    }

    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    bool kept = hand_over(a, &sink.body, &out->body, &out->body_len) &&
                hand_over(a, &sink.headers, &out->headers, &out->headers_len);
    dynbuf_free(&sink.body);
    dynbuf_free(&sink.headers);
    if (!kept) {
        snprintf(out->error, sizeof(out->error), "out of memory");
        return false;
    }
    if (rc != CURLE_OK) {
        out->too_large = sink.too_large;
        if (sink.too_large)
            snprintf(out->error, sizeof(out->error), "response larger than %zu bytes",
                     call->max_response);
        else
            snprintf(out->error, sizeof(out->error), "%s", curl_easy_strerror(rc));
        return false;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    return true;
}
