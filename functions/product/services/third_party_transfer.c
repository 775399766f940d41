/*
 * third_party_transfer.c — tp_transfer: one libcurl handle per third-party
 * call, created and cleaned up here; it never unwinds, so nothing of curl's
 * outlives the call.  Only the body buffer is handed to the caller.  Must
 * never log a header value (keys, tokens) or a request body.
 */
#include "product/services/third_party.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* What the curl callbacks write into. */
struct tp_sink {
    struct tp_answer *answer;
    size_t cap, max;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct tp_sink *s = userdata;
    struct tp_answer *a = s->answer;
    size_t n = size * nmemb;
    if (n > s->max - a->body_len) {
        a->too_large = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    if (a->body_len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < a->body_len + n + 1)
            cap *= 2;
        char *grown = realloc(a->body, cap);
        if (!grown)
            return 0;
        a->body = grown;
        s->cap = cap;
    }
    memcpy(a->body + a->body_len, ptr, n);
    a->body_len += n;
    a->body[a->body_len] = '\0';
    return n;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct tp_sink *s = userdata;
    char *out = s->answer->retry_after;
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
        if (vn >= sizeof(s->answer->retry_after))
            vn = sizeof(s->answer->retry_after) - 1;
        memcpy(out, v, vn);
        out[vn] = '\0';
    }
    return n;
}

static struct curl_slist *header_list(const struct tp_request *rq)
{
    struct curl_slist *list = NULL;
    for (const char *const *h = rq->headers; h && *h; h++) {
        struct curl_slist *next = curl_slist_append(list, *h);
        if (!next) {
            curl_slist_free_all(list);
            return NULL;
        }
        list = next;
    }
    /* curl would add "Expect: 100-continue", costing a round trip */
    struct curl_slist *next = curl_slist_append(list, "Expect:");
    if (!next)
        curl_slist_free_all(list);
    return next;
}

bool tp_transfer(const struct tp_request *rq, size_t max, struct tp_answer *out)
{
    struct tp_sink sink = {.answer = out, .max = max};
    CURL *h = curl_easy_init();
    struct curl_slist *headers = h ? header_list(rq) : NULL;
    if (!headers) {
        snprintf(out->error, sizeof(out->error), "could not create an HTTP request (out of memory)");
        curl_easy_cleanup(h);
        return false;
    }
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TP_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, TP_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "inngest-fcgi-product/" ING_SDK_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    if (strcmp(rq->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        const char *body = rq->body ? rq->body : "";
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    else
        snprintf(out->error, sizeof(out->error), "%s", curl_easy_strerror(rc));
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    return rc == CURLE_OK;
}
