/*
 * third_party.c — tp_call and the classifier every service shares (see
 * third_party.h for the rules); the transfer itself is third_party_transfer.c.
 *
 * The answer the transfer fills hangs off a record in request memory that is
 * registered with ing_defer first, so whichever way the step ends (a value,
 * a classified failure, an SDK error) its body is released with the request.
 * Must never put a header value (keys, tokens) or a request body in a log
 * line or a message.
 */
#include "product/services/third_party.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

/* The longest excerpt of a service's own error message we repeat. */
#define TP_MAX_DETAIL 200
/* Executors clamp Retry-After to a day; asking for more is pointless. */
#define TP_MAX_RETRY_AFTER 86400L

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
    /* A date in GMT, as RFC 9110 requires senders to write it (IMF-fixdate),
     * read by libcurl's HTTP date parser (no locale, no strptime).  That
     * parser skips words it does not know, so the text must end in "GMT". */
    size_t n = strlen(value);
    if (n < 5 || strcmp(value + n - 4, " GMT") != 0)
        return false;
    time_t t = curl_getdate(value, NULL);
    if (t == -1)
        return false;
    *when = t;
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

static void tp_answer_release(void *p)
{
    struct tp_answer *a = p;
    free(a->body);
}

void tp_call(struct ing_ctx *c, const struct tp_request *rq, struct tp_response *out)
{
    memset(out, 0, sizeof(*out));
    /* registered before the transfer, so that every way out of the step
     * (an answer, a classified failure, an SDK error) frees the body */
    struct tp_answer *a = ing_alloc(c, sizeof(*a));
    memset(a, 0, sizeof(*a));
    ing_defer(c, tp_answer_release, a);
    size_t max = rq->max_response ? rq->max_response : TP_MAX_RESPONSE;
    ing_trace_op_begin(c);
    bool answered = tp_transfer(rq, max, a);
    ing_trace_http_end(c, rq->method, rq->url, answered ? a->status : 0);
    if (!answered) {
        if (a->too_large)
            ing_fail_nonretriable(c, "%s sent an answer larger than %zu bytes", rq->service, max);
        tp_fail(c, rq->service, 0, NULL, a->error);
    }
    out->status = a->status;
    out->body = a->body ? a->body : "";
    out->body_len = a->body_len;
    out->json = out->body_len ? ing_json_parse(c, out->body) : NULL;
    if (out->status == 409 && is_request_in_flight(out->json))
        ing_fail(c, "%s is still processing an earlier request with the same Idempotency-Key "
                    "(409 concurrent_idempotent_requests); retrying",
                 rq->service);
    if (tp_classify(out->status) != TP_OK)
        tp_fail(c, rq->service, out->status, a->retry_after, service_detail(c, out->json));
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
