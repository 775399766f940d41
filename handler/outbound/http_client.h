/*
 * http_client.h — the one HTTP client (libcurl) for every request the SDK
 * makes: the Inngest API, the Event API, checkpointing and the apps' own
 * calls (ing_http_fetch).
 *
 * One client per worker process, reused so that connections stay open.  Every
 * call has a timeout and a ceiling on the response size; the response lives in
 * the request arena.  Never logs headers (they carry keys).
 *
 * Every request goes through http_perform(), the single place a request
 * leaves the process (hooks such as traces belong there).  It hands the call
 * to the transport, libcurl unless outbound_set_transport() named another at
 * start-up: the tests' and fuzz targets' seam.  Whatever the transport, the
 * response headers are read by the same code here.  Retries and the
 * transient-failure rule are retry.h's; the Inngest headers inngest_auth.h's.
 */
#ifndef ING_HTTP_CLIENT_H
#define ING_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

struct arena;
struct http_client;

/* Bounds on what we keep of an answer's header block (the last response's). */
#define HTTP_MAX_HEADER_BYTES (64u * 1024u)
#define HTTP_MAX_HEADER_LINES 100

struct http_result {
    long status;              /* 0 when no answer arrived */
    char *body;               /* NUL-terminated, in the arena ("" when empty) */
    size_t body_len;
    char *headers;            /* the answer's raw header lines, in the arena ("" when none) */
    size_t headers_len;
    char retry_after[64];     /* Retry-After header, "" when absent */
    char content_type[128];
    bool too_large;           /* no answer because it passed max_response */
    char error[256];          /* why no answer arrived (network, timeout, too large) */
};

struct http_call {
    const char *method;       /* "GET", "HEAD", "POST", "PUT", … */
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

/* The one perform: true when an HTTP answer arrived (any status); false
 * with out->error otherwise.  Fills retry_after and content_type from the
 * header lines the transport returned. */
bool http_perform(struct http_client *h, struct arena *a, const struct http_call *call,
                  struct http_result *out);

/* A transport: sends the call and fills status, body (+ len), headers (+ len,
 * raw "Name: value\r\n" lines of the final answer), too_large and error;
 * memory on the arena.  The same contract as http_perform's return. */
typedef bool (*http_transport_fn)(struct http_client *h, struct arena *a,
                                  const struct http_call *call, struct http_result *out);
/* At start-up only (tests, fuzz targets): NULL restores libcurl. */
void outbound_set_transport(http_transport_fn fn);
/* libcurl's transport, the default. */
bool http_transport_curl(struct http_client *h, struct arena *a, const struct http_call *call,
                         struct http_result *out);

/* The answer's headers as {lower-case name: value} (a repeated name keeps
 * its values joined with ", "), kept on the arena; NULL on allocation failure. */
json_object *http_headers_json(struct arena *a, const struct http_result *r);

#endif
