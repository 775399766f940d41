/*
 * read_deadline.c — the watcher thread behind read_deadline.h.
 */
#include "base/read_deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/thread_wait.h"

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
    if (!wait_init(&d->lock, &d->wake))
        return false;
    if (thread_start_quiet(&d->thread, watch, d))
        return true;
    wait_destroy(&d->lock, &d->wake);
    return false;
}

void read_deadline_arm(struct read_deadline *d, int fd, unsigned ms)
{
    struct timespec until = wait_deadline((long)ms);
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
    wait_raise(&d->lock, &d->wake, &d->quit);
    pthread_join(d->thread, NULL);
    if (d->fd >= 0)
        close(d->fd);
    wait_destroy(&d->lock, &d->wake);
}
