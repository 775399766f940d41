/*
 * thread_wait.h — the helper threads of a worker (the read-deadline watcher,
 * the keep-alive of a streamed answer, the trace export thread) and the one
 * way each of them waits: a mutex and a condition variable whose timed waits
 * run on CLOCK_MONOTONIC, so that a change of the wall clock neither cuts a
 * wait short nor stretches it.
 */
#ifndef ING_THREAD_WAIT_H
#define ING_THREAD_WAIT_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

/* Initialises lock and wake (its timed waits by CLOCK_MONOTONIC).  false:
 * neither is left initialised. */
bool wait_init(pthread_mutex_t *lock, pthread_cond_t *wake);
void wait_destroy(pthread_mutex_t *lock, pthread_cond_t *wake);

/* Sets *flag under the lock and wakes the waiter: how a thread is told to
 * stop (or that there is work). */
void wait_raise(pthread_mutex_t *lock, pthread_cond_t *wake, bool *flag);

/* The CLOCK_MONOTONIC time ms from now: a deadline for pthread_cond_timedwait
 * on a condition variable of wait_init. */
struct timespec wait_deadline(long ms);
/* Moves a deadline ms later. */
void wait_add_ms(struct timespec *t, long ms);

/* Starts a thread with every signal blocked in it, so that a signal meant
 * for the process (SIGTERM) reaches the thread that handles it. */
bool thread_start_quiet(pthread_t *thread, void *(*run)(void *), void *arg);

#endif
