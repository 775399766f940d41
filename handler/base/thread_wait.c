/*
 * thread_wait.c — see thread_wait.h.
 */
#include "base/thread_wait.h"

#include <signal.h>

bool wait_init(pthread_mutex_t *lock, pthread_cond_t *wake)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return false;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    bool ok = pthread_cond_init(wake, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok)
        return false;
    if (pthread_mutex_init(lock, NULL) != 0) {
        pthread_cond_destroy(wake);
        return false;
    }
    return true;
}

void wait_destroy(pthread_mutex_t *lock, pthread_cond_t *wake)
{
    pthread_mutex_destroy(lock);
    pthread_cond_destroy(wake);
}

void wait_raise(pthread_mutex_t *lock, pthread_cond_t *wake, bool *flag)
{
    pthread_mutex_lock(lock);
    *flag = true;
    pthread_cond_signal(wake);
    pthread_mutex_unlock(lock);
}

void wait_add_ms(struct timespec *t, long ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

struct timespec wait_deadline(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    wait_add_ms(&t, ms);
    return t;
}

bool thread_start_quiet(pthread_t *thread, void *(*run)(void *), void *arg)
{
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    bool ok = pthread_create(thread, NULL, run, arg) == 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return ok;
}
