/*
 * third_party.c — one libcurl handle per third-party call, and the classifier
 * every service shares (see third_party.h for the rules).
 *
 * The handle, the header list and the growing response buffer hang off one
 * record allocated in request memory and registered with ing_defer before
 * anything is created, so whichever way the step ends (a value, a classified
 * failure, an SDK error) they are released with the request.  Must never put
 * a header value (keys, tokens) or a request body in a log line or a message.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "third_party.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* The longest excerpt of a service's own error message we repeat. */
#define TP_MAX_DETAIL 200
/* Executors clamp Retry-After to a day; asking for more is pointless. */
#define TP_MAX_RETRY_AFTER 86400L

struct tp_call_state {
    CURL *curl;
    struct curl_slist *headers;
    char *buf;
    size_t len, cap, max;
    bool too_large;
    char retry_after[64];
};

static void tp_release(void *p)
{
    struct tp_call_state *s = p;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->headers);
    free(s->buf);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct tp_call_state *s = userdata;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->too_large = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *grown = realloc(s->buf, cap);
        if (!grown)
            return 0;
        s->buf = grown;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct tp_call_state *s = userdata;
    size_t n = size * nitems;
    static const char name[] = "retry-after:";
    if (n > sizeof(name) - 1 && strncasecmp(line, name, sizeof(name) - 1) == 0) {
        const char *v = line + sizeof(name) - 1;
        size_t vn = n - (sizeof(name) - 1);
        while (vn && (*v == ' ' || *v == '\t')) {
            v++;
            vn--;
        }
        while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
            vn--;
        if (vn >= sizeof(s->retry_after))
            vn = sizeof(s->retry_after) - 1;
        memcpy(s->retry_after, v, vn);
        s->retry_after[vn] = '\0';
    }
    return n;
}

enum tp_class tp_classify(long status)
{
    if (status >= 200 && status < 300)
        return TP_OK;
    if (status == 429)
        return TP_RETRY_AFTER;
    if (status == 408 || status == 0 || status >= 500)
        return TP_RETRIABLE;
    if (status >= 400)
        return TP_NON_RETRIABLE;
    /* 1xx/3xx: we follow no redirects, and a service that sends one has moved */
    return TP_NON_RETRIABLE;
}

bool tp_parse_retry_after(const char *value, time_t now, time_t *when)
{
    if (!value || !*value)
        return false;
    bool digits = true;
    for (const char *p = value; *p; p++)
        digits = digits && isdigit((unsigned char)*p);
    if (digits) {
        if (strlen(value) > 9)
            return false;
        *when = now + strtol(value, NULL, 10);
        return true;
    }
    /* IMF-fixdate, the form RFC 9110 requires senders to use */
    struct tm tm = {0};
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return false;
    *when = timegm(&tm);
    return true;
}

/* A short, printable excerpt of the service's own error text, or "". */
static const char *service_detail(struct ing_ctx *c, json_object *answer)
{
    static const char *const keys[] = {"message", "detail", "error", NULL};
    const char *msg = NULL;
    for (const char *const *k = keys; *k && !msg; k++)
        msg = ing_json_get_string(answer, *k);
    if (!msg) {
        /* GraphQL puts its errors in a list */
        json_object *errors = ing_json_get(answer, "errors");
        if (errors && json_object_is_type(errors, json_type_array))
            msg = ing_json_get_string(json_object_array_get_idx(errors, 0), "message");
    }
    if (!msg)
        return "";
    size_t n = strlen(msg) < TP_MAX_DETAIL ? strlen(msg) : TP_MAX_DETAIL;
    char *out = ing_alloc(c, n + 1);
    for (size_t i = 0; i < n; i++)
        out[i] = isprint((unsigned char)msg[i]) ? msg[i] : ' ';
    return out;
}

void tp_fail(struct ing_ctx *c, const char *service, long status, const char *retry_after,
             const char *detail)
{
    const char *sep = detail && *detail ? ": " : "";
    detail = detail ? detail : "";
    switch (tp_classify(status)) {
    case TP_NON_RETRIABLE:
        ing_fail_nonretriable(c, "%s answered %ld%s%s", service, status, sep, detail);
    case TP_RETRY_AFTER: {
        time_t now = time(NULL), when;
        long seconds = tp_parse_retry_after(retry_after, now, &when) ? (long)(when - now)
                                                                     : TP_DEFAULT_RETRY_AFTER;
        if (seconds < 1)
            seconds = 1;
        if (seconds > TP_MAX_RETRY_AFTER)
            seconds = TP_MAX_RETRY_AFTER;
        ing_fail_retry_after(c, seconds, "%s is rate limiting us (429); retrying in %ld s", service,
                             seconds);
    }
    case TP_RETRIABLE:
        if (status == 0)
            ing_fail(c, "%s could not be reached%s%s", service, sep, detail);
        ing_fail(c, "%s answered %ld%s%s", service, status, sep, detail);
    case TP_OK:
        break;
    }
    ing_fail(c, "%s: unexpected outcome", service);
}

void tp_call(struct ing_ctx *c, const struct tp_request *rq, struct tp_response *out)
{
    memset(out, 0, sizeof(*out));
    struct tp_call_state *s = ing_alloc(c, sizeof(*s));
    ing_defer(c, tp_release, s);
    s->max = rq->max_response ? rq->max_response : TP_MAX_RESPONSE;
    s->curl = curl_easy_init();
    if (!s->curl)
        ing_fail(c, "%s: could not create an HTTP handle", rq->service);
    for (const char *const *h = rq->headers; h && *h; h++) {
        struct curl_slist *next = curl_slist_append(s->headers, *h);
        if (!next)
            ing_fail(c, "%s: out of memory", rq->service);
        s->headers = next;
    }
    /* curl would add "Expect: 100-continue", costing a round trip */
    struct curl_slist *next = curl_slist_append(s->headers, "Expect:");
    if (!next)
        ing_fail(c, "%s: out of memory", rq->service);
    s->headers = next;

    CURL *h = s->curl;
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TP_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, TP_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "inngest-fcgi-product/" ING_SDK_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
    if (strcmp(rq->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        const char *body = rq->body ? rq->body : "";
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }

    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        if (s->too_large)
            ing_fail_nonretriable(c, "%s sent an answer larger than %zu bytes", rq->service, s->max);
        tp_fail(c, rq->service, 0, NULL, curl_easy_strerror(rc));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = s->buf ? s->buf : "";
    out->body_len = s->len;
    out->json = out->body_len ? ing_json_parse(c, out->body) : NULL;
    if (tp_classify(out->status) != TP_OK)
        tp_fail(c, rq->service, out->status, s->retry_after, service_detail(c, out->json));
}

const char *tp_base_url(struct ing_ctx *c, const char *env_name, const char *dflt)
{
    const char *v = ing_env(c, env_name);
    if (!v)
        return dflt;
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == '/')
        n--;
    char *out = ing_alloc(c, n + 1);
    memcpy(out, v, n);
    return out;
}
