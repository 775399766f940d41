/*
 * third_party.c — tp_call and the failure messages every service shares (see
 * third_party.h for the rules); the request itself is ing_http_fetch's.
 *
 * Must never put a header value (keys, tokens) or a request body in a log
 * line or a message.
 */
#include "product/services/third_party.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest excerpt of a service's own error message we repeat. */
#define TP_MAX_DETAIL 200
/* Executors clamp Retry-After to a day; asking for more is pointless. */
#define TP_MAX_RETRY_AFTER 86400L

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

void tp_fail(struct ing_ctx *c, const char *service, long status, long retry_after_s,
             const char *detail)
{
    const char *sep = detail && *detail ? ": " : "";
    detail = detail ? detail : "";
    if (!ing_http_transient((int)status))
        ing_fail_nonretriable(c, "%s answered %ld%s%s", service, status, sep, detail);
    if (status == 429) {
        long seconds = retry_after_s >= 0 ? retry_after_s : TP_DEFAULT_RETRY_AFTER;
        if (seconds < 1)
            seconds = 1;
        if (seconds > TP_MAX_RETRY_AFTER)
            seconds = TP_MAX_RETRY_AFTER;
        ing_fail_retry_after(c, seconds, "%s is rate limiting us (429); retrying in %ld s", service,
                             seconds);
    }
    if (status == 0)
        ing_fail(c, "%s could not be reached%s%s", service, sep, detail);
    ing_fail(c, "%s answered %ld%s%s", service, status, sep, detail);
}

/* Resend's 409 for a request whose Idempotency-Key is still being processed
 * (its documentation on idempotency keys): the first request may well
 * succeed, and a later retry with the same key answers its result.  Its
 * other 409, invalid_idempotent_request (the key was used with a different
 * payload), stays non-retriable. */
static bool is_request_in_flight(json_object *answer)
{
    const char *name = ing_json_get_string(answer, "name");
    return name && strcmp(name, "concurrent_idempotent_requests") == 0;
}

void tp_call(struct ing_ctx *c, const struct tp_request *rq, struct tp_response *out)
{
    memset(out, 0, sizeof(*out));
    struct ing_fetch_request fr = {.method = rq->method, .url = rq->url, .body = rq->body,
                                   .timeout_ms = TP_TIMEOUT_MS};
    int n = 0;
    for (const char *const *h = rq->headers; h && *h && n < ING_FETCH_MAX_HEADERS - 1; h++)
        fr.headers[n++] = *h;
    fr.headers[n] = "User-Agent: inngest-fcgi-product/" ING_SDK_VERSION;
    struct ing_fetch_response res;
    if (!ing_http_fetch(c, &fr, &res))
        tp_fail(c, rq->service, 0, -1, res.body);
    out->status = res.status;
    out->body = res.body;
    out->body_len = res.body_len;
    out->json = out->body_len ? ing_json_parse(c, out->body) : NULL;
    if (out->status == 409 && is_request_in_flight(out->json))
        ing_fail(c, "%s is still processing an earlier request with the same Idempotency-Key "
                    "(409 concurrent_idempotent_requests); retrying",
                 rq->service);
    if (out->status < 200 || out->status > 299)
        tp_fail(c, rq->service, out->status, ing_http_retry_after(&res), service_detail(c, out->json));
}

void tp_post_json(struct ing_ctx *c, const char *service, const char *url, const char *token,
                  const char *extra, json_object *body, struct tp_response *out)
{
    const char *headers[] = {ing_sprintf(c, "Authorization: Bearer %s", token),
                             "Content-Type: application/json", extra, NULL};
    struct tp_request rq = {.service = service, .method = "POST", .url = url, .headers = headers,
                            .body = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN)};
    tp_call(c, &rq, out);
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
