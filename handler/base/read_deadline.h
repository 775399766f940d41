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
 *
 * Arming and disarming cost no wake-up of the watcher: it sleeps until the
 * deadline it last saw, and only then looks at what is armed now (a later
 * deadline: it sleeps again).  An arm wakes it only when it sleeps without a
 * deadline (nothing was armed when it last woke) or until a later time than
 * the new deadline.  Under load that is one wake-up per timeout period
 * instead of three per connection (measured: 3-6 context switches and 6
 * futex calls per request, a third of one worker's throughput).
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
    bool idle;             /* the watcher waits without a deadline: an arm wakes it */
    struct timespec sleeping_until; /* else the time its wait ends */
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
