/*
 * program.c — ing_main(): the program's command line, start-up checks, then
 * the worker pool, for one app's tables.
 *
 * Settings come only from the environment; the command line says where to
 * listen and how many workers to run.  It is part of the SDK (and exported)
 * so that main.c, the one-line main() installed as libinngest-fcgi-main.a,
 * can link against the shared library, whose internal symbols are hidden.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "inngest.h"
#include "outbound/http_client.h"
#include "transport/listen_socket.h"
#include "core/metrics.h"
#include "transport/preflight.h"
#include "transport/stream.h"
#include "core/server.h"
#include "transport/server_setup.h"
#include "transport/worker_pool.h"

static const char *env_lookup(const char *name) { return getenv(name); }

static void usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [--listen 127.0.0.1:PORT | --listen unix:PATH] [--workers N] "
            "[--max-requests N]\n"
            "       %s --check | --help | --version\n"
            "\n"
            "Serves the Inngest endpoint (and the app's routes) over FastCGI, behind nginx.\n"
            "Without --listen it serves an inherited socket: systemd socket activation\n"
            "(LISTEN_FDS) or spawn-fcgi (fd 0).\n"
            "\n"
            "  --listen ADDR     127.0.0.1:PORT, [::1]:PORT or unix:PATH (mode 0660)\n"
            "  --workers N       worker processes under a master (default 1; 0 = no master)\n"
            "  --max-requests N  replace a worker after N requests (default 0 = never)\n"
            "  --check           validate the environment and the function table, print the\n"
            "                    sync payload (stdout) and findings (stderr); exit 1 on any\n"
            "                    problem. Opens no socket, calls no server.\n"
            "  --version         print the app's id and version, and the SDK's\n"
            "\n"
            "Settings come from the environment only: INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY,\n"
            "INNGEST_SERVE_ORIGIN, INNGEST_APP_ID, INNGEST_ENV, INNGEST_DEV, INNGEST_BASE_URL,\n"
            "INNGEST_STREAMING, INNGEST_TRUST_FORWARDED, INNGEST_LOG_LEVEL, INNGEST_LOG_FORMAT, ...\n"
            "(see the README). GET /metrics (loopback clients only) gives Prometheus metrics.\n"
            "SIGTERM or SIGINT stops the workers and exits 0.\n",
            argv0, argv0);
}

/* "<app id> <app version> (inngest-fcgi <sdk version>)": the app first, since
 * that is what an operator asks about; the SDK's own programs print one pair. */
static void print_version(const struct ing_app *app)
{
    const char *id = app->default_app_id && *app->default_app_id ? app->default_app_id : "app";
    const char *version = app->version && *app->version ? app->version : NULL;
    if (version && strcmp(id, ING_SDK_NAME) == 0 && strcmp(version, ING_SDK_VERSION) == 0)
        printf("%s %s\n", id, version);
    else if (version)
        printf("%s %s (%s %s)\n", id, version, ING_SDK_NAME, ING_SDK_VERSION);
    else
        printf("%s (%s %s)\n", id, ING_SDK_NAME, ING_SDK_VERSION);
}

int ing_main(const struct ing_app *app, int argc, char **argv)
{
    const char *listen_spec = NULL;
    bool check = false;
    struct worker_pool_options opts = {.listen_fd = -1, .workers = 1, .grace_seconds = 10};
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'},
        {"max-requests", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"check", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "l:w:m:hVc", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (ch) {
        case 'l':
            listen_spec = optarg;
            break;
        case 'w':
            opts.workers = (int)strtol(optarg, &end, 10);
            if (*end || !*optarg || opts.workers < 0 || opts.workers > 256) {
                fprintf(stderr, "--workers must be 0..256\n");
                return 2;
            }
            break;
        case 'm':
            opts.max_requests = strtoul(optarg, &end, 10);
            if (*end || *optarg == '-' || !*optarg) {
                fprintf(stderr, "--max-requests must be a number\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout, argv[0]);
            return 0;
        case 'V':
            print_version(app);
            return 0;
        case 'c':
            check = true;
            break;
        default:
            usage(stderr, argv[0]);
            return 2;
        }
    }

    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\"\n", argv[0], argv[optind]);
        usage(stderr, argv[0]);
        return 2;
    }
    if (check)
        return preflight_run(app, env_lookup, stdout, stderr);

    /* Each request frees everything it allocated; without these glibc hands
     * the heap back to the kernel after every large request and faults it in
     * again on the next (measured: a 1,000-step call took 1.5x as long). */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 16 << 20);

    struct server srv;
    char err[768];
    if (!server_init(&srv, app, env_lookup, err, sizeof(err))) {
        fprintf(stderr, "%s: %s\n", argv[0], err);
        return 1;
    }
    if (listen_spec) {
        opts.listen_fd = listen_socket_open(listen_spec, err, sizeof(err));
    } else {
        opts.listen_fd = listen_socket_inherited(err, sizeof(err));
    }
    if (opts.listen_fd < 0) {
        fprintf(stderr, "%s: %s\n", argv[0], err);
        return 1;
    }
    if (!http_client_global_init()) {
        fprintf(stderr, "%s: cannot initialise libcurl\n", argv[0]);
        return 1;
    }
    server_report_settings(&srv);
    if (listen_spec)
        ing_log(ING_LOG_INFO, "listening on %s", listen_spec);
    else
        ing_log(ING_LOG_INFO, "serving the inherited socket (fd %d)", opts.listen_fd);
    if (srv.settings.streaming)
        ing_log(ING_LOG_INFO, "INNGEST_STREAMING: calls still running after %d ms are kept alive "
                              "(201 + a space every %d ms)",
                STREAM_KEEPALIVE_MS, STREAM_KEEPALIVE_MS);
    /* Before the fork, so that every worker adds to the same counters. */
    opts.metrics = metrics_create(&srv, opts.workers);
    srv.metrics = opts.metrics;
    if (!opts.metrics)
        ing_log(ING_LOG_WARN, "cannot map the shared metrics segment: /metrics answers 404");
    int rc = worker_pool_run(&srv, &opts);
    metrics_destroy(opts.metrics);
    http_client_global_cleanup();
    return rc;
}
