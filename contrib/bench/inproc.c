/*
 * inproc.c — the benchmark's in-process figures: CPU time per request of
 * each scenario through router_serve() (the SDK without nginx, FastCGI or
 * the log line), and the floor a call request cannot go below: verifying
 * its signature and parsing its body.
 *
 *   inproc [SECONDS_PER_FIGURE [SCENARIO …]] > inproc.json
 *   inproc --count N SCENARIO     serves it N times, no timing (for callgrind)
 *
 * S3e and S5e are S3 and S5 with end-to-end encryption on: every memoized
 * value arrives sealed and the result leaves sealed (the cost per step of
 * INNGEST_ENCRYPTION_KEY).
 *
 * Two floors: with json-c (a tree of the whole body, as any SDK builds one)
 * and with the SDK's own one-pass reader (call_body.c: the body checked and
 * indexed, the memoized steps left as text).
 *
 * Linked with the SDK and the conformance app, in cloud mode with a test
 * key, so the signature is checked exactly as in production.  Each figure is
 * the median of 5 batches; each batch runs for about SECONDS/5.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "steps/call_body.h"
#include "calls.h"
#include "core/context.h"
#include "base/limits.h"
#include "core/request.h"
#include "core/response.h"
#include "protocol/router.h"
#include "core/server.h"
#include "transport/server_setup.h"
#include "core/signature.h"

#define BATCHES 5
static const char bench_key[] =
    "signkey-test-8b3c1f9e2d4a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e";

static const char *bench_env(const char *name);

/* The same settings with end-to-end encryption on (scenarios S3e, S5e). */
static const char *bench_env_encrypted(const char *name)
{
    if (strcmp(name, "INNGEST_ENCRYPTION_KEY") == 0)
        return BENCH_ENCRYPTION_KEY;
    return bench_env(name);
}

static const char *bench_env(const char *name)
{
    if (strcmp(name, "INNGEST_SIGNING_KEY") == 0)
        return bench_key;
    if (strcmp(name, "INNGEST_DEV") == 0)
        return "0";
    if (strcmp(name, "INNGEST_LOG_LEVEL") == 0)
        return "warn";
    /* tracing on or off as the caller's environment says (run.sh: with and
     * without an OTLP endpoint, issue 18) */
    if (strncmp(name, "OTEL_", 5) == 0 || strcmp(name, "INNGEST_TRACES") == 0)
        return getenv(name);
    return NULL;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct prepared {
    struct bench_call call;
    char *params[8];
    char storage[8][512];
};

static void prepare(struct prepared *p, const struct bench_call *call)
{
    p->call = *call;
    const char *q = strchr(call->path, '?');
    snprintf(p->storage[0], sizeof(p->storage[0]), "REQUEST_METHOD=%s", call->method);
    snprintf(p->storage[1], sizeof(p->storage[1]), "DOCUMENT_URI=%.*s",
             (int)(q ? (size_t)(q - call->path) : strlen(call->path)), call->path);
    snprintf(p->storage[2], sizeof(p->storage[2]), "QUERY_STRING=%s", q ? q + 1 : "");
    snprintf(p->storage[3], sizeof(p->storage[3]), "HTTP_X_INNGEST_SIGNATURE=%s",
             call->signature);
    snprintf(p->storage[4], sizeof(p->storage[4]), "CONTENT_LENGTH=%zu", call->body_len);
    snprintf(p->storage[5], sizeof(p->storage[5]), "CONTENT_TYPE=application/json");
    snprintf(p->storage[6], sizeof(p->storage[6]), "HTTP_HOST=127.0.0.1:8080");
    for (int i = 0; i < 7; i++)
        p->params[i] = p->storage[i];
    p->params[7] = NULL;
}

/* One request through the router; status, and whether the body has `expect`. */
static int serve_once(struct server *srv, struct prepared *p, bool *matched)
{
    struct request req;
    request_init(&req, p->params);
    req.body = p->call.body;
    req.body_len = p->call.body_len;
    struct response res = {0};
    struct ing_ctx *c = ctx_new(srv);
    if (!c)
        return -1;
    router_serve(c, &req, &res);
    int status = res.status;
    if (matched) {
        char *text = strndup(res.body ? res.body : "", res.body_len);
        *matched = text && strstr(text, p->call.expect) != NULL;
        free(text);
    }
    ctx_release(c);
    return status;
}

/* The first thing every floor does: the request's signature checked. */
static bool verified(struct server *srv, const struct prepared *p)
{
    return sig_verify(p->call.signature, p->call.body, p->call.body_len, srv->settings.signing_key, NULL,
                      srv->now()) == SIG_VALID_PRIMARY;
}

/* A floor whose request did not verify or parse measured nothing: stop. */
static void floor_sane(bool ok, const char *why)
{
    if (ok)
        return;
    fprintf(stderr, "%s\n", why);
    exit(1);
}

/* The floor: what any SDK must do with this request before its code runs. */
static double floor_once(struct server *srv, struct prepared *p, double *free_part)
{
    double t0 = cpu_now();
    bool ok = verified(srv, p);
    json_tokener *tok = json_tokener_new_ex(ING_JSON_MAX_DEPTH);
    json_object *v = json_tokener_parse_ex(tok, p->call.body, (int)p->call.body_len);
    json_tokener_free(tok);
    double t1 = cpu_now();
    json_object_put(v);
    double t2 = cpu_now();
    floor_sane(ok && v, "floor: the request did not verify or parse");
    *free_part = t2 - t1;
    return t1 - t0;
}

/* The floor with our own reader: verify, then check and index the body. */
static double reader_floor_once(struct server *srv, struct prepared *p)
{
    double t0 = cpu_now();
    bool ok = verified(srv, p);
    struct arena *a = arena_new();
    struct call_body *b = a ? call_body_read(a, p->call.body, p->call.body_len) : NULL;
    bool read = b != NULL;
    arena_release(a);
    double t1 = cpu_now();
    floor_sane(ok && read, "reader floor: the request did not verify or read");
    return t1 - t0;
}

struct figure {
    double median_us, min_us, max_us;
    long iterations;
};

typedef double (*measure_fn)(struct server *, struct prepared *, long n, double *extra);

static double measure_reader_floor(struct server *srv, struct prepared *p, long n,
                                   double *extra)
{
    double total = 0;
    for (long i = 0; i < n; i++)
        total += reader_floor_once(srv, p);
    *extra = 0;
    return total;
}

static double measure_serve(struct server *srv, struct prepared *p, long n, double *extra)
{
    (void)extra;
    double t0 = cpu_now();
    for (long i = 0; i < n; i++)
        serve_once(srv, p, NULL);
    return cpu_now() - t0;
}

static double measure_floor(struct server *srv, struct prepared *p, long n, double *extra)
{
    double total = 0, freeing = 0;
    for (long i = 0; i < n; i++) {
        double f;
        total += floor_once(srv, p, &f);
        freeing += f;
    }
    *extra = freeing;
    return total;
}

static struct figure run_batches(struct server *srv, struct prepared *p, double seconds,
                                 measure_fn fn, struct figure *extra_fig)
{
    double dummy;
    /* calibrate: how many fit in one batch */
    long n = 1;
    for (;;) {
        double t = fn(srv, p, n, &dummy);
        if (t > 0.02 || n > (1L << 24))
            break;
        n *= 2;
    }
    double one = fn(srv, p, n, &dummy) / (double)n;
    long per_batch = (long)(seconds / BATCHES / (one > 0 ? one : 1e-6));
    if (per_batch < 3)
        per_batch = 3;
    double us[BATCHES], extra_us[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double extra = 0;
        us[b] = fn(srv, p, per_batch, &extra) / (double)per_batch * 1e6;
        extra_us[b] = extra / (double)per_batch * 1e6;
    }
    qsort(us, BATCHES, sizeof(double), cmp_double);
    qsort(extra_us, BATCHES, sizeof(double), cmp_double);
    if (extra_fig)
        *extra_fig = (struct figure){extra_us[BATCHES / 2], extra_us[0], extra_us[BATCHES - 1],
                                     per_batch * BATCHES};
    return (struct figure){us[BATCHES / 2], us[0], us[BATCHES - 1], per_batch * BATCHES};
}

/* N requests of one scenario and nothing else: instruction counts under
 * callgrind (divide by N) compare builds without the machine's noise. */
static int count_mode(long n, const char *scenario)
{
    struct server srv;
    char err[512];
    bool encrypted = strlen(scenario) == 3 && scenario[2] == 'e';
    if (n <= 0 ||
        !server_init(&srv, &ing_app_definition, encrypted ? bench_env_encrypted : bench_env, err,
                     sizeof(err)) ||
        !server_init_worker(&srv)) {
        fprintf(stderr, "inproc: bad count or %s\n", err);
        return 1;
    }
    struct bench_call call;
    if (!bench_call_build(&call, scenario, srv.settings.app_id, bench_key, (long long)time(NULL)))
        return 1;
    struct prepared p;
    prepare(&p, &call);
    bool matched = false;
    int status = serve_once(&srv, &p, &matched);
    for (long i = 1; i < n; i++)
        serve_once(&srv, &p, NULL);
    printf("%s: %ld requests, answered %d%s\n", scenario, n, status, matched ? "" : " (WRONG)");
    bench_call_free(&call);
    server_close_worker(&srv);
    return matched ? 0 : 1;
}

int main(int argc, char **argv)
{
    /* as the program does (handler/transport/program.c): keep freed heap in the process */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    if (argc == 4 && strcmp(argv[1], "--count") == 0)
        return count_mode(atol(argv[2]), argv[3]);
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    if (seconds <= 0)
        seconds = 2.0;
    struct server plain_srv, sealed_srv;
    char err[512];
    if (!server_init(&plain_srv, &ing_app_definition, bench_env, err, sizeof(err)) ||
        !server_init_worker(&plain_srv) ||
        !server_init(&sealed_srv, &ing_app_definition, bench_env_encrypted, err, sizeof(err)) ||
        !server_init_worker(&sealed_srv)) {
        fprintf(stderr, "inproc: %s\n", err);
        return 1;
    }
    static const char *const scenarios[] = {"S1", "S2", "S3", "S4", "S5", "S3e", "S5e"};
    printf("{\"seconds_per_figure\":%.2f,\"scenarios\":{", seconds);
    bool first = true;
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(*scenarios); i++) {
        bool wanted = argc <= 2;
        for (int a = 2; a < argc; a++)
            wanted |= strcmp(argv[a], scenarios[i]) == 0;
        if (!wanted)
            continue;
        struct server *srv = scenarios[i][2] == 'e' ? &sealed_srv : &plain_srv;
        struct bench_call call;
        if (!bench_call_build(&call, scenarios[i], srv->settings.app_id, bench_key,
                              (long long)time(NULL)))
            return 1;
        struct prepared p;
        prepare(&p, &call);
        bool matched = false;
        int status = serve_once(srv, &p, &matched);
        if (status != call.expect_status || !matched) {
            fprintf(stderr, "inproc: %s answered %d (want %d with %s)\n", call.scenario, status,
                    call.expect_status, call.expect);
            return 1;
        }
        struct figure f = run_batches(srv, &p, seconds, measure_serve, NULL);
        printf("%s\"%s\":{\"what\":\"%s\",\"body_bytes\":%zu,\"cpu_us\":%.2f,\"cpu_us_min\":%.2f,"
               "\"cpu_us_max\":%.2f,\"iterations\":%ld",
               first ? "" : ",", call.scenario, call.what, call.body_len, f.median_us, f.min_us,
               f.max_us, f.iterations);
        if (call.body_len && !getenv("INPROC_NO_FLOOR")) {
            struct figure freeing;
            struct figure fl = run_batches(srv, &p, seconds, measure_floor, &freeing);
            struct figure rf = run_batches(srv, &p, seconds, measure_reader_floor, NULL);
            printf(",\"floor_verify_parse_us\":%.2f,\"floor_free_tree_us\":%.2f,"
                   "\"ratio_to_floor\":%.3f,\"ratio_to_floor_with_free\":%.3f,"
                   "\"floor_verify_own_reader_us\":%.2f,\"ratio_to_own_reader_floor\":%.3f",
                   fl.median_us, freeing.median_us, f.median_us / fl.median_us,
                   f.median_us / (fl.median_us + freeing.median_us), rf.median_us,
                   f.median_us / rf.median_us);
        }
        printf("}");
        first = false;
        fflush(stdout);
        bench_call_free(&call);
    }
    printf("}}\n");
    server_close_worker(&plain_srv);
    server_close_worker(&sealed_srv);
    return 0;
}
