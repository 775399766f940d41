/*
 * worker_pool.c — master and workers.
 *
 * The master never serves; it sleeps in sigsuspend and reacts to SIGCHLD and
 * SIGTERM.  The two flags below are written by signal handlers only, which is
 * why they are file-scope: a handler has nowhere else to put them.
 */
#include "transport/worker_pool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "core/crash_note.h"
#include "transport/fcgi_front.h"
#include "inngest.h"
#include "core/metrics.h"
#include "core/server.h"
#include "transport/server_setup.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t child_exited;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
    FCGX_ShutdownPending(); /* makes libfcgi's accept give up instead of retrying */
}

static void on_child(int sig)
{
    (void)sig;
    child_exited = 1;
}

static void install(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: accept() must return on SIGTERM */
    sigaction(sig, &sa, NULL);
}

static int worker_main(struct server *srv, const struct worker_pool_options *o, int slot,
                       struct crash_notes *notes)
{
    srv->crash_note = crash_notes_slot(notes, slot); /* this process's copy of srv */
    install(SIGTERM, on_stop);
    install(SIGINT, on_stop);
    signal(SIGPIPE, SIG_IGN);
    FCGX_Init();
    if (!server_init_worker(srv)) {
        ing_log(ING_LOG_ERROR, "worker: cannot create the HTTP client");
        return 1;
    }
    struct front_options front = {.max_requests = o->max_requests, .metrics = o->metrics,
                                  .worker_slot = slot};
    unsigned long served = fcgi_serve(srv, o->listen_fd, &stop_requested, &front);
    server_close_worker(srv);
    ing_log(ING_LOG_DEBUG, "worker exits after %lu request(s)", served);
    return 0;
}

static pid_t spawn(struct server *srv, const struct worker_pool_options *o, const sigset_t *orig,
                   int slot, struct crash_notes *notes)
{
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, orig, NULL);
        exit(worker_main(srv, o, slot, notes));
    }
    if (pid < 0)
        ing_log(ING_LOG_ERROR, "fork failed: %s", strerror(errno));
    return pid;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void stop_workers(pid_t *pids, int n, int grace)
{
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
    double deadline = now_seconds() + grace;
    int alive = 0;
    do {
        alive = 0;
        for (int i = 0; i < n; i++) {
            if (pids[i] <= 0)
                continue;
            if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
                pids[i] = 0;
            else
                alive++;
        }
        if (alive) {
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    } while (alive && now_seconds() < deadline);
    for (int i = 0; i < n; i++) {
        if (pids[i] > 0) {
            /* a worker blocked in accept() when the signal came before it */
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
        }
    }
}

int worker_pool_run(struct server *srv, const struct worker_pool_options *o)
{
    if (o->workers <= 0)
        return worker_main(srv, o, 0, NULL);

    pid_t *pids = calloc((size_t)o->workers, sizeof(*pids));
    if (!pids)
        return 1;
    struct crash_notes *notes = crash_notes_create(o->workers);
    if (!notes)
        ing_log(ING_LOG_WARN, "cannot map the crash notes: a worker's crash will not name its function");
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    install(SIGTERM, on_stop);
    install(SIGINT, on_stop);
    install(SIGCHLD, on_child);
    signal(SIGPIPE, SIG_IGN);

    for (int i = 0; i < o->workers; i++)
        pids[i] = spawn(srv, o, &orig, i, notes);
    ing_log(ING_LOG_INFO, "master %d: %d worker(s) serving", (int)getpid(), o->workers);

    double last_crash = 0;
    int quick_crashes = 0;
    while (!stop_requested) {
        sigsuspend(&orig);
        if (!child_exited)
            continue;
        child_exited = 0;
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (int i = 0; i < o->workers; i++) {
                if (pids[i] != pid)
                    continue;
                pids[i] = 0;
                bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
                metrics_set_busy(o->metrics, i, false); /* it may have died mid-request */
                if (!stop_requested)
                    metrics_record_restart(o->metrics, !clean);
                char running[512];
                bool noted = crash_note_describe(notes, i, running, sizeof(running));
                if (!clean) {
                    if (WIFSIGNALED(status) && noted)
                        ing_log(ING_LOG_ERROR,
                                "worker %d died (signal %d, %s) while running %s; starting another",
                                (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)), running);
                    else if (WIFSIGNALED(status))
                        ing_log(ING_LOG_WARN, "worker %d died (signal %d, %s); starting another",
                                (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
                    else if (noted)
                        ing_log(ING_LOG_ERROR, "worker %d exited with status %d while running %s; "
                                               "starting another",
                                (int)pid, WEXITSTATUS(status), running);
                    else
                        ing_log(ING_LOG_WARN, "worker %d exited with status %d; starting another",
                                (int)pid, WEXITSTATUS(status));
                    double t = now_seconds();
                    quick_crashes = t - last_crash < 1.0 ? quick_crashes + 1 : 0;
                    last_crash = t;
                    if (quick_crashes > 5) {
                        /* a worker that dies at once would otherwise spin the CPU */
                        struct timespec pause = {1, 0};
                        nanosleep(&pause, NULL);
                    }
                }
                if (!stop_requested)
                    pids[i] = spawn(srv, o, &orig, i, notes);
            }
        }
    }
    ing_log(ING_LOG_INFO, "master %d: stopping", (int)getpid());
    stop_workers(pids, o->workers, o->grace_seconds);
    free(pids);
    crash_notes_destroy(notes);
    return 0;
}
