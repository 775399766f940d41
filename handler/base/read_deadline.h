/*
 * read_deadline.h — a deadline on reading one FastCGI connection.
 *
 * libfcgi reads a request's records with blocking reads and no timeout, so a
 * peer that connects and sends three bytes holds a worker for ever (and two
 * such peers hold both workers).  nginx sends a whole request at once, so
 * every accepted connection gets a deadline from its accept to the end of its
 * request's input; a watcher thread (one per worker, started once) shuts the
 * connection's read side down when it passes.  libfcgi's blocked read then
 * sees end-of-file and gives the connection up, and our own body read stops
 * short, which the front answers with 408.  Shutting only the read side down
 * leaves the answer's way out open.
 */
#ifndef ING_READ_DEADLINE_H
#define ING_READ_DEADLINE_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

struct read_deadline {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int fd;                /* our duplicate of the watched connection, -1 when none */
    struct timespec until; /* CLOCK_MONOTONIC */
    bool expired;          /* the watched connection's time ran out */
    bool quit;
};

/* Starts the watcher (signals blocked in it, so that SIGTERM still reaches
 * the accept loop).  false when no thread could be made. */
bool read_deadline_start(struct read_deadline *d);
/* Watches `fd` for `ms` from now (replacing what was watched). */
void read_deadline_arm(struct read_deadline *d, int fd, unsigned ms);
/* Stops watching; true when the time had run out (the read side is shut). */
bool read_deadline_disarm(struct read_deadline *d);
/* True when the time of the watched connection has run out. */
bool read_deadline_expired(struct read_deadline *d);
void read_deadline_stop(struct read_deadline *d);

#endif
