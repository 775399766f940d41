/*
 * fcgi_front.h — the FastCGI accept loop of one worker.
 *
 * Reads each request's parameters and body (bounded before reading), hands
 * them to the router, writes the answer, releases the request's arena.
 * Signals are blocked while a request is in progress, because libfcgi does
 * not retry a read or write interrupted by one.
 */
#ifndef ING_FCGI_FRONT_H
#define ING_FCGI_FRONT_H

#include <signal.h>

struct ing_server;

/* Serves until *stop is set or max_requests were served (0 = no limit).
 * Returns the number of requests served. */
unsigned long fcgi_serve(struct ing_server *srv, int listen_fd, volatile sig_atomic_t *stop,
                         unsigned long max_requests);

#endif
