/*
 * test_sync_gate.c — one out-of-band sync at a time (issue 13, finding 2):
 * taken, refused with a retry time, released; a hold that outlived its bound
 * (a worker killed mid-sync) is taken over, and its late release does not
 * free the new holder's gate; shared across fork.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocol/sync_gate.h"

static void test_one_at_a_time(void **s)
{
    (void)s;
    struct sync_gate *g = sync_gate_create();
    assert_non_null(g);
    unsigned retry = 0;
    long long mine = 0, other = 0;
    assert_true(sync_gate_enter(g, 5000, &retry, &mine));
    assert_false(sync_gate_enter(g, 5000, &retry, &other));
    assert_in_range(retry, 4, 5); /* the holder's bound, rounded up */
    sync_gate_leave(g, mine);
    assert_true(sync_gate_enter(g, 5000, &retry, &other));
    sync_gate_leave(g, other);
}

static void test_stale_hold_is_taken_over(void **s)
{
    (void)s;
    struct sync_gate *g = sync_gate_create();
    assert_non_null(g);
    unsigned retry = 0;
    long long dead = 0, next = 0, third = 0;
    assert_true(sync_gate_enter(g, 50, &retry, &dead)); /* a holder that never leaves */
    assert_false(sync_gate_enter(g, 5000, &retry, &next));
    assert_int_equal(retry, 1);
    struct timespec pause = {0, 80 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_true(sync_gate_enter(g, 5000, &retry, &next));
    sync_gate_leave(g, dead); /* the old holder's late release changes nothing */
    assert_false(sync_gate_enter(g, 5000, &retry, &third));
    sync_gate_leave(g, next);
    assert_true(sync_gate_enter(g, 5000, &retry, &third));
}

static void test_shared_across_fork(void **s)
{
    (void)s;
    struct sync_gate *g = sync_gate_create();
    assert_non_null(g);
    unsigned retry = 0;
    long long mine = 0;
    assert_true(sync_gate_enter(g, 5000, &retry, &mine));
    pid_t pid = fork();
    if (pid == 0) {
        long long t = 0;
        unsigned r = 0;
        _exit(sync_gate_enter(g, 5000, &r, &t) ? 1 : 0); /* a worker must be refused */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    sync_gate_leave(g, mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_at_a_time),
        cmocka_unit_test(test_stale_hold_is_taken_over),
        cmocka_unit_test(test_shared_across_fork),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
