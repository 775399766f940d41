/*
 * calls.h — the benchmark's requests, built as Inngest's executor builds them.
 *
 * One place decides what each scenario sends (method, URL, body, signature)
 * and what a correct answer looks like, so that wrk (through make_request)
 * and the in-process driver replay byte-identical requests.  Signs with
 * OpenSSL directly, not with the SDK's own code, so the SDK is checked
 * rather than trusted.  Never used by the SDK itself.
 */
#ifndef BENCH_CALLS_H
#define BENCH_CALLS_H

#include <stdbool.h>
#include <stddef.h>

/* The secret the encrypted scenarios (S3e, S5e) seal memoized values with;
 * the program must run with INNGEST_ENCRYPTION_KEY set to it. */
#define BENCH_ENCRYPTION_KEY "bench-encryption-secret-0123456789abcdef0123"

struct bench_call {
    const char *scenario;     /* "S1" … "S5", "S3e", "S5e" */
    const char *what;         /* one line for the table */
    const char *method;       /* GET or POST */
    char path[256];           /* path and query */
    char signature[192];      /* X-Inngest-Signature value */
    char *body;               /* malloc'd, NUL-terminated ("" for GET) */
    size_t body_len;
    int expect_status;
    char expect[64];          /* a substring every correct answer contains */
};

/* Builds scenario S1…S5 (S3e, S5e: S3 and S5 with encrypted memos) for `app_id`, signed with `signing_key` at unix time
 * `now`.  false (with a message on stderr) for an unknown scenario or no memory. */
bool bench_call_build(struct bench_call *out, const char *scenario, const char *app_id,
                      const char *signing_key, long long now);
void bench_call_free(struct bench_call *c);

#endif
