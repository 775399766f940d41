/*
 * fuzz_http.h — the fuzz targets' stand-in for http_perform(): answers every
 * outbound call (register, use_api, Event API, third parties) from a script
 * the target sets from its input, without a network.
 *
 * The fuzz build compiles handler/outbound/http_client.c with http_perform renamed, so
 * everything else (client creation, URL escaping) is the real code; only the
 * transfer is replaced.  The product app's third-party calls (Resend, GitHub,
 * Readwise) are answered from the same script by fuzz_third_party.c, which
 * stands in for tp_transfer the same way.  The answer honours the call's max_response exactly as
 * the real client does (false + error past it), so the parsers see what they
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

#endif
