/*
 * http_client.h — outbound HTTP (libcurl) for the Inngest API, the Event API
 * and third-party services.
 *
 * One client per worker process, reused so that connections stay open.  Every
 * call has a timeout and a ceiling on the response size; the response lives in
 * the request arena.  Never logs headers (they carry keys).
 */
#ifndef ING_HTTP_CLIENT_H
#define ING_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct http_client;

struct http_result {
    long status;              /* 0 when no answer arrived */
    char *body;               /* NUL-terminated, in the arena ("" when empty) */
    size_t body_len;
    char retry_after[64];     /* Retry-After header, "" when absent */
    char content_type[128];
    char error[256];          /* why no answer arrived (network, timeout, too large) */
};

struct http_call {
    const char *method;       /* "GET", "POST", "PUT" */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" lines, may be NULL */
    const char *body;         /* may be NULL */
    size_t body_len;
    long timeout_ms;
    size_t max_response;
};

/* Once per process, before any worker forks (libcurl's global state). */
bool http_client_global_init(void);
void http_client_global_cleanup(void);
struct http_client *http_client_new(void);
/* Spans for the requests this client makes (core/trace.h); NULL: none. */
struct tracer;
void http_client_set_tracer(struct http_client *h, struct tracer *t);
void http_client_free(struct http_client *h);

/* true when an HTTP answer arrived (any status); false with out->error otherwise. */
bool http_perform(struct http_client *h, struct arena *a, const struct http_call *call,
                  struct http_result *out);

#endif
