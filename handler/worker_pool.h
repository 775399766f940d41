/*
 * worker_pool.h — a master process that keeps N FastCGI workers running.
 *
 * Forks the workers, restarts one that dies (with a pause if they keep dying
 * at once), replaces one that reached --max-requests, and on SIGTERM/SIGINT
 * stops them all (SIGTERM, then SIGKILL after a grace period) before
 * returning.  With zero workers the calling process serves by itself.
 */
#ifndef ING_WORKER_POOL_H
#define ING_WORKER_POOL_H

struct ing_server;

struct pool_options {
    int listen_fd;
    int workers;                 /* 0 → serve in this process */
    unsigned long max_requests;  /* per worker; 0 → unlimited */
    int grace_seconds;           /* how long stopping workers may take */
};

/* Returns the process exit status. */
int pool_run(struct ing_server *srv, const struct pool_options *opts);

#endif
