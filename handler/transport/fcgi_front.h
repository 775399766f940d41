/*
 * fcgi_front.h — the FastCGI accept loop of one worker.
 *
 * Accepts each connection itself: a TCP peer must be in FCGI_WEB_SERVER_ADDRS
 * (default loopback), and every connection has INNGEST_REQUEST_READ_TIMEOUT
 * from its accept to the end of its request's input (read_deadline.h); then
 * libfcgi reads the request on that connection.
 * Reads each request's parameters and body (bounded before reading), hands
 * them to the router, writes the answer, releases the request's arena.
 * Signals are blocked while a request is in progress, because libfcgi does
 * not retry a read or write interrupted by one.  Also owns the two things
 * that sit outside the router: GET /metrics (loopback clients only) and the
 * keep-alive streaming of long call requests (stream.h), and it adds every
 * answer to the shared counters.
 */
#ifndef ING_FCGI_FRONT_H
#define ING_FCGI_FRONT_H

#include <signal.h>

struct server;
struct metrics;

struct front_options {
    unsigned long max_requests; /* 0 = no limit */
    struct metrics *metrics;    /* the shared counters; NULL → none kept, /metrics answers 404 */
    int worker_slot;            /* this worker's busy flag in the counters */
};

/* Serves until *stop is set or max_requests were served.  Returns the number
 * of requests served. */
unsigned long fcgi_serve(struct server *srv, int listen_fd, volatile sig_atomic_t *stop,
                         const struct front_options *opts);

#endif
