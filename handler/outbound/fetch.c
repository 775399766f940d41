/*
 * fetch.c — ing_http_fetch: the apps' own HTTP calls through the SDK's one
 * client, with the same limits, the same retry rule and loop (retry.h) and
 * the same response handling as the SDK's calls to Inngest.
 *
 * Everything the request names is checked before anything is sent (the
 * method, the URL, each header line), so that no value an app took from an
 * event can smuggle a second header or reach another scheme.  A refusal or a
 * failure is reported in the response (status 0, the reason in body) and
 * never logged here: the reason may name a host the app considers private,
 * and the caller decides what to do with it.  The reason never holds the
 * URL's path or query, nor a header value.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "base/arena.h"
#include "core/context.h"
#include "core/server.h"
#include "outbound/http_client.h"
#include "outbound/retry.h"

#define FETCH_MAX_URL 8192u
#define FETCH_MAX_HEADER_LINE 8192u

static const char *const idempotent[] = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", NULL};
static const char *const others[] = {"POST", "PATCH", NULL};

static bool listed(const char *const *list, const char *m)
{
    for (; *list; list++)
        if (strcmp(*list, m) == 0)
            return true;
    return false;
}

static bool fail_with(struct ing_ctx *c, struct ing_fetch_response *res, const char *why)
{
    const char *text = c && why ? arena_printf(c->arena, "ing_http_fetch: %s", why) : NULL;
    res->status = 0;
    res->body = text ? text : "ing_http_fetch: out of memory";
    res->body_len = strlen(res->body);
    res->headers = NULL;
    return false;
}

/* scheme://host[:port] of a URL that passed check_url, for messages: no
 * credentials, path or query (they may hold secrets). */
static const char *origin_of(struct ing_ctx *c, const char *url)
{
    const char *host = strstr(url, "://") + 3;
    int scheme = (int)(host - url);
    size_t n = strcspn(host, "/?#");
    const char *at = memchr(host, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    return arena_printf(c->arena, "%.*s%.*s", scheme, url, (int)n, host);
}

static const char *check_url(const char *url)
{
    if (!url || !*url)
        return "no URL";
    size_t n = strlen(url);
    if (n > FETCH_MAX_URL)
        return "the URL is longer than 8192 bytes";
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return "the URL must start with http:// or https://";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
            return "the URL contains a space or a control character";
    CURLU *u = curl_url();
    if (!u)
        return "out of memory";
    char *host = NULL;
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
    bool has_host = rc == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
                    host && *host;
    curl_free(host);
    curl_url_cleanup(u);
    if (rc == CURLUE_OUT_OF_MEMORY)
        return "out of memory";
    return has_host ? NULL : "the URL is not a valid http(s) URL with a host";
}

static bool token_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* NULL when the line is a header we may send; else why not. */
static const char *check_header(const char *line, bool *user_agent)
{
    size_t n = strlen(line);
    if (n > FETCH_MAX_HEADER_LINE)
        return "a header line is longer than 8192 bytes";
    if (strpbrk(line, "\r\n"))
        return "a header line contains CR or LF";
    const char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return "a header line is not \"Name: value\"";
    for (const char *p = line; p < colon; p++)
        if (!token_char(*p))
            return "a header name contains a character names may not have";
    size_t name = (size_t)(colon - line);
    if ((name == 14 && strncasecmp(line, "content-length", 14) == 0) ||
        (name == 17 && strncasecmp(line, "transfer-encoding", 17) == 0))
        return "Content-Length and Transfer-Encoding are the SDK's to set";
    if (name == 10 && strncasecmp(line, "user-agent", 10) == 0)
        *user_agent = true;
    return NULL;
}

bool ing_http_transient(int status) { return outbound_transient(status); }

long ing_http_retry_after(const struct ing_fetch_response *res)
{
    const char *v = res ? ing_json_get_string(res->headers, "retry-after") : NULL;
    return outbound_retry_after_s(v, time(NULL));
}

static void free_client(void *h) { http_client_free(h); }

bool ing_http_fetch(struct ing_ctx *c, const struct ing_fetch_request *req, struct ing_fetch_response *res)
{
    if (!res)
        return false;
    memset(res, 0, sizeof(*res));
    res->body = "";
    if (!c || !req)
        return fail_with(c, res, "no request");
    const char *method = req->method ? req->method : "GET";
    if (!listed(idempotent, method) && !listed(others, method))
        return fail_with(c, res, "the method must be GET, HEAD, OPTIONS, PUT, DELETE, POST or PATCH");
    const char *why = check_url(req->url);
    if (why)
        return fail_with(c, res, why);
    if (req->body && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
        return fail_with(c, res, "a GET or HEAD request has no body");
    if (req->timeout_ms < 0)
        return fail_with(c, res, "timeout_ms is negative");

    const char **lines = arena_alloc(c->arena, (ING_FETCH_MAX_HEADERS + 2) * sizeof(*lines));
    if (!lines)
        return fail_with(c, res, "out of memory");
    int n = 0;
    bool user_agent = false;
    for (int i = 0; i < ING_FETCH_MAX_HEADERS; i++) {
        if (!req->headers[i])
            continue;
        if ((why = check_header(req->headers[i], &user_agent)))
            return fail_with(c, res, why);
        lines[n++] = req->headers[i];
    }
    if (!user_agent)
        lines[n++] = "User-Agent: " ING_SDK_NAME ":v" ING_SDK_VERSION;
    lines[n] = NULL;

    struct http_client *h = c->server->http;
    if (!h) { /* ing_test_call without an Event API: a client for this call */
        h = http_client_new();
        if (!h || !arena_defer(c->arena, free_client, h))
            return fail_with(c, res, "out of memory");
    }
    long timeout = req->timeout_ms ? req->timeout_ms : ING_FETCH_DEFAULT_TIMEOUT_MS;
    struct http_call call = {.method = method, .url = req->url, .headers = lines, .body = req->body,
                             .body_len = req->body && !req->body_len ? strlen(req->body) : req->body_len,
                             .timeout_ms = timeout, .max_response = ING_FETCH_MAX_RESPONSE};
    /* a request that may be repeated is, while the rule says so and the
     * timeout leaves room; any other goes once */
    struct outbound_policy policy = {.attempts = 1};
    if (listed(idempotent, method))
        policy = (struct outbound_policy){.attempts = ING_FETCH_ATTEMPTS, .first_pause_ms = 100,
                                          .budget_ms = timeout};
    struct http_result r;
    if (!outbound_send(h, c->arena, &call, &policy, &r))
        return fail_with(c, res, arena_printf(c->arena, "%s %s: %s", method, origin_of(c, req->url),
                                              r.too_large ? "the answer is larger than "
                                                                        "ING_FETCH_MAX_RESPONSE"
                                                          : r.error));
    json_object *headers = http_headers_json(c->arena, &r);
    if (!headers)
        return fail_with(c, res, "out of memory");
    res->status = (int)r.status;
    res->body = r.body;
    res->body_len = r.body_len;
    res->headers = headers;
    return true;
}
