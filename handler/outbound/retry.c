/*
 * retry.c — the transient-failure rule and the retry loop (see retry.h).
 *
 * The pauses happen inside the request that waits for the call, which is why
 * they are short and few: a failing service costs a run a fraction of a
 * second before the caller's own retry (the executor's) takes over.
 */
#include "outbound/retry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

bool outbound_transient(long status)
{
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

bool outbound_result_transient(bool answered, const struct http_result *r)
{
    if (!answered)
        return !r->too_large;
    return outbound_transient(r->status);
}

long outbound_retry_after_s(const char *value, time_t now)
{
    if (!value || !*value)
        return -1;
    bool digits = true;
    for (const char *p = value; *p; p++)
        digits = digits && isdigit((unsigned char)*p);
    if (digits)
        return strlen(value) > 9 ? -1 : strtol(value, NULL, 10);
    /* A date in GMT, as RFC 9110 requires senders to write it, read by
     * libcurl's HTTP date parser (no locale, no strptime).  That parser
     * skips words it does not know, so the text must end in "GMT". */
    size_t n = strlen(value);
    if (n < 5 || strcmp(value + n - 4, " GMT") != 0)
        return -1;
    time_t t = curl_getdate(value, NULL);
    if (t == -1)
        return -1;
    return t > now ? (long)(t - now) : 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

bool outbound_send(struct http_client *h, struct arena *a, const struct http_call *call,
                   const struct outbound_policy *policy, struct http_result *out)
{
    struct http_call try = *call;
    long long deadline = policy->budget_ms > 0 ? now_ms() + policy->budget_ms : 0;
    long pause = policy->first_pause_ms;
    int attempts = policy->attempts > 0 ? policy->attempts : 1;
    bool answered = false;
    for (int i = 0;; i++) {
        answered = http_perform(h, a, &try, out);
        if (i + 1 >= attempts || !outbound_result_transient(answered, out))
            return answered;
        long wait = pause;
        long after = answered ? outbound_retry_after_s(out->retry_after, time(NULL)) : -1;
        if (after > OUTBOUND_MAX_PAUSE_MS / 1000)
            return answered; /* a long wait is the caller's to take */
        if (after >= 0)
            wait = after * 1000;
        if (deadline) {
            long long left = deadline - now_ms() - wait;
            if (left < 100) /* too little for another try to mean anything */
                return answered;
            try.timeout_ms = left < call->timeout_ms ? (long)left : call->timeout_ms;
        }
        if (wait > 0)
            pause_ms(wait);
        pause *= 2;
    }
}
