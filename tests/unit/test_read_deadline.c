/*
 * test_read_deadline.c — the per-connection read deadline (issue 13): a
 * stalled read ends at the deadline and not before, a disarmed connection is
 * left alone, and the watcher, which is no longer woken by each arm and
 * disarm (the throughput fix), still keeps every deadline: after sleeping
 * without one, after a disarm while it waited for a later one, and when a new
 * deadline is earlier than the one it sleeps towards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/read_deadline.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Blocks in read() on fd (nothing is ever written); returns the ms it took
 * to see end-of-file, or -1 if the read did not end within `limit_ms`. */
static double ms_until_eof(int fd, int limit_ms)
{
    double start = now_ms();
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, limit_ms) <= 0)
        return -1;
    char c;
    ssize_t n = read(fd, &c, 1);
    assert_int_equal(n, 0); /* end-of-file, not data */
    return now_ms() - start;
}

static void pair(int sv[2]) { assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0); }

static void close_pair(int sv[2])
{
    close(sv[0]);
    close(sv[1]);
}

/* A new connection (sv[0] its reading end) armed to be cut after `ms`. */
static void armed_pair(struct read_deadline *d, int sv[2], int ms)
{
    pair(sv);
    read_deadline_arm(d, sv[0], ms);
}

/* A connection armed for `ms` is cut no sooner than `min_ms` (and well
 * before 2 s); its deadline is then the one that fired. */
static void expect_cut(struct read_deadline *d, int ms, double min_ms)
{
    int sv[2];
    armed_pair(d, sv, ms);
    double took = ms_until_eof(sv[0], 3000);
    if (!(took >= min_ms && took < 2000))
        fail_msg("armed for %d ms, cut after %.0f ms", ms, took);
    assert_true(read_deadline_disarm(d));
    close_pair(sv);
}

/* Each test but the last gets a started watcher, stopped after it. */
static int watcher_start(void **state)
{
    struct read_deadline *d = malloc(sizeof(*d));
    if (!d || !read_deadline_start(d)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static int watcher_stop(void **state)
{
    read_deadline_stop(*state);
    free(*state);
    return 0;
}

static void test_stalled_read_ends_at_the_deadline(void **state)
{
    struct read_deadline *d = *state;
    int sv[2];
    armed_pair(d, sv, 150);
    double took = ms_until_eof(sv[0], 3000);
    assert_true(took >= 100 && took < 2000);
    assert_true(read_deadline_expired(d));
    assert_true(read_deadline_disarm(d));
    /* the answer's way out stays open */
    assert_int_equal(write(sv[0], "x", 1), 1);
    close_pair(sv);
}

static void test_disarmed_connection_is_left_alone(void **state)
{
    struct read_deadline *d = *state;
    int sv[2];
    armed_pair(d, sv, 100);
    assert_false(read_deadline_disarm(d));
    assert_true(ms_until_eof(sv[0], 400) < 0); /* still open after the time */
    assert_false(read_deadline_expired(d));
    close_pair(sv);
}

/* Many connections armed and disarmed in a row (what the front does under
 * load, with no wake-up of the watcher), then one that stalls: it is still
 * cut at its own deadline, once the watcher's earlier wait has ended. */
static void test_deadline_kept_after_many_quick_connections(void **state)
{
    struct read_deadline *d = *state;
    int sv[2];
    for (int i = 0; i < 1000; i++) {
        armed_pair(d, sv, 200);
        assert_false(read_deadline_expired(d));
        assert_false(read_deadline_disarm(d));
        close_pair(sv);
    }
    expect_cut(d, 200, 150);
    /* and after the watcher has slept with nothing armed */
    usleep(300 * 1000);
    expect_cut(d, 100, 50);
}

/* The watcher sleeps towards a 10 s deadline; a connection armed for 100 ms
 * must not wait for that sleep to end. */
static void test_earlier_deadline_wakes_the_watcher(void **state)
{
    struct read_deadline *d = *state;
    int sv[2];
    armed_pair(d, sv, 10000);
    usleep(50 * 1000); /* the watcher is in its long wait now */
    assert_false(read_deadline_disarm(d));
    close_pair(sv);
    expect_cut(d, 100, 50);
}

/* Stopping with a connection still armed and the watcher in a long wait. */
static void test_stop_while_armed(void **s)
{
    (void)s;
    struct read_deadline d;
    assert_true(read_deadline_start(&d));
    int sv[2];
    armed_pair(&d, sv, 60000);
    usleep(20 * 1000);
    double start = now_ms();
    read_deadline_stop(&d);
    assert_true(now_ms() - start < 1000);
    close_pair(sv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stalled_read_ends_at_the_deadline, watcher_start, watcher_stop),
        cmocka_unit_test_setup_teardown(test_disarmed_connection_is_left_alone, watcher_start, watcher_stop),
        cmocka_unit_test_setup_teardown(test_deadline_kept_after_many_quick_connections, watcher_start, watcher_stop),
        cmocka_unit_test_setup_teardown(test_earlier_deadline_wakes_the_watcher, watcher_start, watcher_stop),
        cmocka_unit_test(test_stop_while_armed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
