/*
 * test_metrics.c — the shared counters segment: counts added by several
 * forked processes add up in one scrape, outcomes and histogram buckets land
 * where the exposition says, failure handlers get their own series, and
 * /metrics is for loopback clients only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev_env.h"
#include "inngest.h"
#include "core/metrics.h"
#include "core/server.h"
#include "transport/server_setup.h"

static json_object *noop(struct ing_ctx *c)
{
    (void)c;
    return NULL;
}

static const struct ing_function fns[] = {
    {.id = "plain", .name = "plain", .triggers = {ING_EVENT("t/plain")}, .handler = noop},
    {.id = "guarded", .name = "guarded", .triggers = {ING_EVENT("t/guarded")}, .handler = noop,
     .on_failure = noop},
};
static const struct ing_app app = {.default_app_id = "mx", .functions = fns,
                                   .function_count = ING_COUNT(fns)};

struct fixture {
    struct server srv;
    struct metrics *m;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    if (!f || !server_init(&f->srv, &app, dev_env, err, sizeof(err)))
        return -1;
    f->m = metrics_create(&f->srv, 3);
    *state = f;
    return f->m ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    metrics_destroy(f->m);
    free(f);
    return 0;
}

/* The value of one exposition line ("name{labels} value"), -1 when absent. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    }
    return -1;
}

static char *render(struct fixture *f)
{
    size_t len = 0;
    char *text = metrics_render(f->m, &f->srv, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static void test_counts_from_several_processes_add_up(void **state)
{
    struct fixture *f = *state;
    long slot = metrics_function_slot(&f->srv, &fns[0], false);
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            /* each worker: 10 results at 3 ms, 5 step answers at 0.2 s, 1 error at 20 s */
            for (int i = 0; i < 10; i++)
                metrics_record_call(f->m, slot, 200, 0.003);
            for (int i = 0; i < 5; i++)
                metrics_record_call(f->m, slot, 206, 0.2);
            metrics_record_call(f->m, slot, 500, 20.0);
            _exit(0);
        }
    }
    for (int k = 0; k < 3; k++) {
        int status = 0;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char *t = render(f);
    assert_true(sample(t, "inngest_fcgi_function_calls_total{function=\"mx-plain\",outcome=\"result\"}") == 30);
    assert_true(sample(t, "inngest_fcgi_function_calls_total{function=\"mx-plain\",outcome=\"ops\"}") == 15);
    assert_true(sample(t, "inngest_fcgi_function_calls_total{function=\"mx-plain\",outcome=\"error\"}") == 3);
    /* cumulative buckets: 3 ms lands in le=0.005, 0.2 s in le=0.25, 20 s in le=30 */
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_bucket{function=\"mx-plain\",le=\"0.001\"}") == -1);
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_bucket{function=\"mx-plain\",le=\"0.005\"}") == 30);
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_bucket{function=\"mx-plain\",le=\"0.1\"}") == 30);
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_bucket{function=\"mx-plain\",le=\"0.25\"}") == 45);
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_bucket{function=\"mx-plain\",le=\"10\"}") == 45);
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_bucket{function=\"mx-plain\",le=\"30\"}") == 48);
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_bucket{function=\"mx-plain\",le=\"+Inf\"}") == 48);
    assert_true(sample(t, "inngest_fcgi_function_call_duration_seconds_count{function=\"mx-plain\"}") == 48);
    double sum = sample(t, "inngest_fcgi_function_call_duration_seconds_sum{function=\"mx-plain\"}");
    assert_true(sum > 63.08 && sum < 63.10); /* 3 × (10×0.003 + 5×0.2 + 20) */
    /* the other function was not called, and is listed at zero */
    assert_true(sample(t, "inngest_fcgi_function_calls_total{function=\"mx-guarded\",outcome=\"result\"}") == 0);
    free(t);
}

static void test_failure_handlers_have_their_own_series(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(metrics_function_slot(&f->srv, &fns[0], false), 0);
    assert_int_equal(metrics_function_slot(&f->srv, &fns[1], false), 2);
    assert_int_equal(metrics_function_slot(&f->srv, &fns[1], true), 3);
    assert_int_equal(metrics_function_slot(&f->srv, NULL, false), -1);
    static const struct ing_function stranger = {.id = "x"};
    assert_int_equal(metrics_function_slot(&f->srv, &stranger, false), -1);
    metrics_record_call(f->m, 3, 200, 0.01);
    metrics_record_call(f->m, -1, 200, 0.01);  /* ignored */
    metrics_record_call(f->m, 99, 200, 0.01);  /* ignored */
    char *t = render(f);
    assert_true(sample(t, "inngest_fcgi_function_calls_total{function=\"mx-guarded-failure\",outcome=\"result\"}") == 1);
    /* no series for a failure handler that does not exist */
    assert_null(strstr(t, "mx-plain-failure"));
    free(t);
}

static void test_requests_syncs_workers(void **state)
{
    struct fixture *f = *state;
    metrics_record_request(f->m, METRICS_EP_INNGEST, 206);
    metrics_record_request(f->m, METRICS_EP_INNGEST, 401);
    metrics_record_request(f->m, METRICS_EP_ROUTE, 202);
    metrics_record_request(f->m, METRICS_EP_ROUTE, 99);   /* not a status: ignored */
    metrics_record_request(f->m, METRICS_EP_ROUTE, 600);  /* ignored */
    metrics_record_sync(f->m, true);
    metrics_record_sync(f->m, false);
    metrics_record_sync(f->m, false);
    metrics_record_restart(f->m, false);
    metrics_set_busy(f->m, 1, true);
    metrics_set_busy(f->m, 2, true);
    metrics_set_busy(f->m, 2, false);
    metrics_set_busy(f->m, 7, true); /* no such worker: ignored */
    char *t = render(f);
    assert_true(sample(t, "inngest_fcgi_requests_total{endpoint=\"inngest\",code=\"2xx\"}") == 1);
    assert_true(sample(t, "inngest_fcgi_requests_total{endpoint=\"inngest\",code=\"4xx\"}") == 1);
    assert_true(sample(t, "inngest_fcgi_requests_total{endpoint=\"route\",code=\"2xx\"}") == 1);
    assert_true(sample(t, "inngest_fcgi_requests_total{endpoint=\"route\",code=\"1xx\"}") == 0);
    assert_true(sample(t, "inngest_fcgi_syncs_total{result=\"ok\"}") == 1);
    assert_true(sample(t, "inngest_fcgi_syncs_total{result=\"failed\"}") == 2);
    assert_true(sample(t, "inngest_fcgi_worker_restarts_total{reason=\"max_requests\"}") == 1);
    assert_true(sample(t, "inngest_fcgi_worker_restarts_total{reason=\"crash\"}") == 0);
    assert_true(sample(t, "inngest_fcgi_workers") == 3);
    assert_true(sample(t, "inngest_fcgi_workers_busy") == 1);
    assert_true(sample(t, "inngest_fcgi_info{app=\"mx\",version=\"" ING_SDK_VERSION "\",mode=\"dev\"}") == 1);
    /* every sample line belongs to a family announced with # TYPE */
    assert_non_null(strstr(t, "# TYPE inngest_fcgi_function_call_duration_seconds histogram\n"));
    assert_non_null(strstr(t, "# TYPE inngest_fcgi_requests_total counter\n"));
    free(t);
}

static void test_loopback_only(void **state)
{
    (void)state;
    assert_true(metrics_client_allowed("127.0.0.1"));
    assert_true(metrics_client_allowed("::1"));
    assert_true(metrics_client_allowed("::ffff:127.0.0.1"));
    assert_false(metrics_client_allowed("127.0.0.2"));
    assert_false(metrics_client_allowed("10.0.0.1"));
    assert_false(metrics_client_allowed("127.0.0.1 "));
    assert_false(metrics_client_allowed(""));
    assert_false(metrics_client_allowed(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts_from_several_processes_add_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_handlers_have_their_own_series, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_syncs_workers, setup, teardown),
        cmocka_unit_test(test_loopback_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
