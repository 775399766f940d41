/*
 * read_deadline.c — the watcher thread behind read_deadline.h.
 */
#include "base/read_deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Woken by a passing deadline (its own wait's), an arm with an earlier one,
 * or stop: each time it looks at what is armed now. */
static void *watch(void *arg)
{
    struct read_deadline *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->quit) {
        if (d->fd < 0 || d->expired) { /* nothing (more) to watch until armed again */
            d->idle = true;
            pthread_cond_wait(&d->wake, &d->lock);
            d->idle = false;
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!before(&now, &d->until)) {
            /* d->fd is our own duplicate, closed only by disarm: even when
             * libfcgi has closed the connection meanwhile, the number
             * cannot have been reused for another file. */
            shutdown(d->fd, SHUT_RD);
            d->expired = true;
            continue;
        }
        d->sleeping_until = d->until;
        pthread_cond_timedwait(&d->wake, &d->lock, &d->sleeping_until);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

bool read_deadline_start(struct read_deadline *d)
{
    memset(d, 0, sizeof(*d));
    d->fd = -1;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return false;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    bool ok = pthread_cond_init(&d->wake, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok)
        return false;
    if (pthread_mutex_init(&d->lock, NULL) != 0) {
        pthread_cond_destroy(&d->wake);
        return false;
    }
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    ok = pthread_create(&d->thread, NULL, watch, d) == 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (!ok) {
        pthread_mutex_destroy(&d->lock);
        pthread_cond_destroy(&d->wake);
    }
    return ok;
}

void read_deadline_arm(struct read_deadline *d, int fd, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    pthread_mutex_lock(&d->lock);
    if (d->fd >= 0)
        close(d->fd);
    d->fd = own; /* -1 if dup failed: then this connection goes unwatched */
    d->until = until;
    d->expired = false;
    /* else the watcher wakes by itself at or before the new deadline */
    if (d->idle || before(&until, &d->sleeping_until))
        pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

bool read_deadline_disarm(struct read_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    bool expired = d->expired;
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    d->expired = false;
    /* no wake-up: the watcher finds nothing armed when its wait ends */
    pthread_mutex_unlock(&d->lock);
    return expired;
}

bool read_deadline_expired(struct read_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    bool expired = d->expired;
    pthread_mutex_unlock(&d->lock);
    return expired;
}

void read_deadline_stop(struct read_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    d->quit = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    if (d->fd >= 0)
        close(d->fd);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
}
