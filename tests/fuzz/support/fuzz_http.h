/*
 * fuzz_http.h — the fuzz targets' transport: answers every outbound call
 * (register, use_api, Event API, checkpoints, the apps' ing_http_fetch:
 * Resend, GitHub, Readwise) from a script the target sets from its input,
 * without a network.
 *
 * fuzz_server() installs it with outbound_set_transport() at start-up, the
 * seam the SDK offers for this: everything above the transport (http_perform
 * reading the headers, the retry loop, the services' parsers) is the real
 * code.  The answer honours the call's max_response exactly as libcurl's
 * transport does (false + too_large past it), so the parsers see what they
 * would see from a real server.  Never used outside tests/fuzz.
 */
#ifndef FUZZ_HTTP_H
#define FUZZ_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define FUZZ_HTTP_MAX_ANSWERS 8

struct fuzz_answer {
    long status;            /* 0: the server could not be reached */
    const char *body;       /* bytes, may hold NULs */
    size_t body_len;
    const char *retry_after;/* NULL: none */
};

/* The fuzz build compiles the SDK with -Dnanosleep=fuzz_nanosleep: the Event
 * API's retry pauses (100 ms, 200 ms) would otherwise cap a target at a few
 * executions per second.  Returns at once. */
struct timespec;
int fuzz_nanosleep(const struct timespec *req, struct timespec *rem);

/* The answers for the next calls, in order; the last one repeats.  Copies
 * the structs, not the bytes: they must outlive the request. */
void fuzz_http_script(const struct fuzz_answer *answers, int count);
/* Whether any scripted answer (body or Retry-After) contains needle. */
bool fuzz_http_answers_contain(const char *needle);

/* Calls made since the last fuzz_http_script(). */
int fuzz_http_calls(void);

/* Counts one call and returns its answer; NULL when the script says that the
 * server could not be reached (status 0) or there is no script. */
const struct fuzz_answer *fuzz_http_next(void);

/* The transport (an http_transport_fn of outbound/http_client.h). */
struct http_client;
struct arena;
struct http_call;
struct http_result;
bool fuzz_http_transport(struct http_client *h, struct arena *a, const struct http_call *call,
                         struct http_result *out);

#endif
