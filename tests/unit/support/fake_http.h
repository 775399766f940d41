/*
 * fake_http.h — a scripted HTTP/1.1 server on 127.0.0.1 for unit tests.
 *
 * Stands in for the Inngest API in tests of our outbound calls: it answers
 * each request with the next scripted reply (or the last one, repeated) and
 * records what it received.  One connection per request (we send
 * Connection: close), one background thread.
 */
#ifndef TEST_FAKE_HTTP_H
#define TEST_FAKE_HTTP_H

#include <stddef.h>

#define FAKE_HTTP_MAX 16

struct fake_reply {
    int status;
    const char *content_type; /* NULL → application/json */
    const char *body;
    const char *headers;      /* extra "Name: value\r\n" lines, or NULL */
};

struct fake_request {
    char method[16];
    char target[1024];        /* path and query */
    char *headers;            /* raw header block, lower-cased names */
    char *body;
    size_t body_len;
};

struct fake_http;

/* Starts a server with the replies to give, in order; NULL on failure. */
struct fake_http *fake_http_start(const struct fake_reply *replies, int count);
int fake_http_port(const struct fake_http *f);
/* Sets the environment variable `var` to f's base URL, "http://127.0.0.1:<port>":
 * where the code under test reads the server it calls. */
void fake_http_point(const char *var, const struct fake_http *f);
/* fake_http_start that fails the running cmocka test when the server cannot
 * start, and points `var` (unless NULL) at it. */
struct fake_http *fake_http_serve(const char *var, const struct fake_reply *replies, int count);
/* Stops the server; the recorded requests stay readable until fake_http_free. */
void fake_http_stop(struct fake_http *f);
int fake_http_count(const struct fake_http *f);
const struct fake_request *fake_http_request(const struct fake_http *f, int i);
/* The value of a header of a recorded request (case-insensitive), or NULL. */
const char *fake_http_header(const struct fake_request *r, const char *name, char *out, size_t size);
void fake_http_free(struct fake_http *f);

#endif
