/*
 * worker_pool.h — a master process that keeps N FastCGI workers running.
 *
 * Forks the workers, restarts one that dies (with a pause if they keep dying
 * at once), replaces one that reached --max-requests, and on SIGTERM/SIGINT
 * stops them all (SIGTERM, then SIGKILL after a grace period) before
 * returning.  With zero workers the calling process serves by itself.
 * Worker i owns busy flag i of the shared counters; the master clears it
 * when the worker dies and counts the restart.  Worker i also owns crash note
 * i (crash_note.h): when it dies of a signal, the master's log line names the
 * function, run and step it was running.
 */
#ifndef ING_WORKER_POOL_H
#define ING_WORKER_POOL_H

struct server;
struct metrics;

struct worker_pool_options {
    int listen_fd;
    int workers;                 /* 0 → serve in this process */
    unsigned long max_requests;  /* per worker; 0 → unlimited */
    int grace_seconds;           /* how long stopping workers may take */
    struct metrics *metrics;     /* shared counters, mapped before the fork (may be NULL) */
};

/* Returns the process exit status. */
int worker_pool_run(struct server *srv, const struct worker_pool_options *opts);

#endif
