/*
 * fcgi_front.c — libfcgi's classic accept loop, one request at a time.
 *
 * The order inside one request: /metrics is answered here (it must not
 * depend on the app's tables or settings); any other request is bounded,
 * read and routed, with the keep-alive watcher running around the router
 * for call requests when INNGEST_STREAMING is on; then the answer is written,
 * logged and counted.
 */
#define _GNU_SOURCE /* accept4 */
#include "transport/fcgi_front.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/arena.h"
#include "core/context.h"
#include "core/log.h"
#include "base/ip_list.h"
#include "core/metrics.h"
#include "base/read_deadline.h"
#include "core/request.h"
#include "core/response.h"
#include "protocol/router.h"
#include "core/server.h"
#include "transport/stream.h"

#define METRICS_PATH "/metrics"

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* CONTENT_LENGTH as a size; -1 when absent or not a number. */
static long long content_length(const struct request *req)
{
    const char *v = request_param(req, "CONTENT_LENGTH");
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < 0)
        return -1;
    return n;
}

/* Reads exactly len bytes; false if the stream ended early. */
static bool read_body(struct ing_ctx *c, FCGX_Stream *in, struct request *req, size_t len)
{
    char *buf = arena_alloc(c->arena, len + 1);
    if (!buf)
        return false;
    size_t got = 0;
    while (got < len) {
        int chunk = len - got > (1u << 30) ? (1 << 30) : (int)(len - got);
        int n = FCGX_GetStr(buf + got, chunk, in);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    req->body = buf;
    req->body_len = got;
    return got == len;
}

/* The head (response_head) is built on the stack, or in the request's arena
 * when a route's many header lines make it longer. */
static void write_response(FCGX_Stream *out, const struct request *req,
                           const struct response *res)
{
    char small[4096];
    char *head = small;
    size_t cap = sizeof(small);
    size_t n = response_head(res, head, cap);
    if (n >= cap) { /* only a route's many header lines get here: measure, then build it in the arena */
        cap = response_head_size(res);
        head = res->arena ? arena_alloc(res->arena, cap) : NULL;
        n = head ? response_head(res, head, cap) : cap;
    }
    if (n >= cap || n > INT_MAX) {
        static const char fallback[] = "Status: 500 Internal Server Error\r\n\r\n";
        FCGX_PutStr(fallback, (int)sizeof(fallback) - 1, out);
        return;
    }
    FCGX_PutStr(head, (int)n, out);
    if (res->body_len && strcmp(req->method, "HEAD") != 0)
        FCGX_PutStr(res->body, (int)res->body_len, out);
}

static bool is_app_route(const struct server *srv, const char *path)
{
    return router_find_route(srv, path) != NULL;
}

/* Only call requests are streamed (PROTOCOL.md §13): a POST to the Inngest
 * endpoint that is not a probe. */
static bool wants_stream(const struct server *srv, const struct request *req)
{
    char probe[64];
    return srv->settings.streaming && strcmp(req->method, "POST") == 0 &&
           !is_app_route(srv, req->path) && !request_query(req, "probe", probe, sizeof(probe));
}

static void free_text(void *p) { free(p); }

/* GET /metrics: the Prometheus exposition, to loopback clients only (nginx
 * exposes it on a loopback-only server; this is the second lock). */
static void serve_metrics(const struct server *srv, const struct front_options *o,
                          struct ing_ctx *c, const struct request *req,
                          struct response *res)
{
    res->log_target = METRICS_PATH;
    if (!o->metrics) {
        response_message(res, c->arena, 404, "metrics are not kept by this process");
        return;
    }
    if (!metrics_client_allowed(request_param(req, "REMOTE_ADDR"))) {
        response_message(res, c->arena, 403, "/metrics is answered to loopback clients only");
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        response_message(res, c->arena, 405, "Method not allowed");
        response_header(res, "Allow", "GET");
        return;
    }
    size_t len = 0;
    char *text = metrics_render(o->metrics, srv, &len);
    if (!text || !arena_defer(c->arena, free_text, text)) {
        response_message(res, c->arena, 500, "out of memory");
        return;
    }
    res->status = 200;
    res->body = text;
    res->body_len = len;
    response_header(res, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response_header(res, "Cache-Control", "no-store");
}

static void count(const struct server *srv, const struct front_options *o,
                  const struct ing_ctx *c, const struct request *req,
                  const struct response *res, double seconds)
{
    if (!o->metrics)
        return;
    enum metrics_endpoint ep = strcmp(req->path, METRICS_PATH) == 0 ? METRICS_EP_METRICS
                               : is_app_route(srv, req->path)   ? METRICS_EP_ROUTE
                                                                : METRICS_EP_INNGEST;
    metrics_record_request(o->metrics, ep, res->status);
    if (ep != METRICS_EP_INNGEST)
        return;
    if (c->fn)
        metrics_record_call(o->metrics, metrics_function_slot(srv, c->fn, c->is_failure_handler),
                            res->status, seconds);
    else if (res->log_target && strcmp(res->log_target, "sync") == 0)
        metrics_record_sync(o->metrics, res->status == 200);
}

/* True when the request's input is at its end (the empty FCGI_STDIN record
 * came).  Reads one byte: called once the body was read, while the read
 * deadline still runs, so that a peer that never ends its input cannot hold
 * the worker afterwards. */
static bool input_at_end(FCGX_Request *fr)
{
    char c;
    return fr->in && FCGX_GetStr(&c, 1, fr->in) == 0 && FCGX_HasSeenEOF(fr->in) == EOF;
}

/* Returns whether the request's input was read to its end. */
static bool handle(struct server *srv, const struct front_options *o, FCGX_Request *fr,
                   struct read_deadline *deadline)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct request req = {0};
    request_init(&req, fr->envp);
    struct response res = {0};
    struct ing_ctx *c = ctx_new(srv);
    if (!c) {
        static const char oom[] = "Status: 500 Internal Server Error\r\nContent-Type: "
                                  "application/json\r\n\r\n{\"message\":\"out of memory\"}";
        FCGX_PutStr(oom, (int)sizeof(oom) - 1, fr->out);
        return false;
    }
    res.arena = c->arena;
    bool streamed = false, input_done = false;
    if (strcmp(req.path, METRICS_PATH) == 0) {
        req.body = ""; /* a scrape has no body; it is never read */
        input_done = input_at_end(fr);
        if (input_done)
            read_deadline_disarm(deadline);
        serve_metrics(srv, o, c, &req, &res);
    } else {
        size_t limit = router_max_body(srv, &req);
        long long len = content_length(&req);
        req.body = "";
        bool body_ok = len <= (long long)limit && (len <= 0 || read_body(c, fr->in, &req, (size_t)len));
        if (body_ok)
            input_done = input_at_end(fr);
        bool timed_out = read_deadline_expired(deadline);
        /* Input that has not ended (a body not read: 413; bytes after it)
         * stays under the deadline until the connection is closed: libfcgi's
         * lingering close reads what is left, and must not wait on the peer
         * for ever either.  Cutting the read side does not touch the answer. */
        if (input_done)
            read_deadline_disarm(deadline);
        if (len > (long long)limit) {
            router_too_large(c, &req, &res, limit);
        } else if (!body_ok && timed_out) {
            response_message(&res, c->arena, 408,
                             arena_printf(c->arena, "the request was not received within %u s",
                                          srv->settings.read_timeout_ms / 1000));
        } else if (!body_ok) {
            response_message(&res, c->arena, 400, "the request body ended before CONTENT_LENGTH bytes");
        } else {
            struct stream_keepalive keepalive;
            bool watching = wants_stream(srv, &req) && stream_begin(&keepalive, fr->out);
            router_serve(c, &req, &res);
            streamed = watching && stream_end(&keepalive);
        }
    }
    if (streamed) {
        stream_write_envelope(fr->out, &res);
        res.log_outcome = arena_printf(c->arena, "%s (streamed)", res.log_outcome ? res.log_outcome : "-");
    } else {
        write_response(fr->out, &req, &res);
    }
    double ms = elapsed_ms(&start);
    log_request_line(&(struct log_request){.method = req.method,
                                           .target = res.log_target ? res.log_target : req.path,
                                           .run_id = res.log_run_id, .step = res.log_step,
                                           .status = res.status,
                                           .duration_ms = ms,
                                           .outcome = res.log_outcome});
    count(srv, o, c, &req, &res, ms / 1e3);
    ctx_release(c);
    return input_done;
}

/* libfcgi closes each connection with shutdown() and then waits for nginx
 * to close its side (a "lingering close", so that unread input cannot turn
 * the close into a reset that loses the answer).  When the request's input
 * has been read to its end there is nothing left to reset: detaching the
 * request makes libfcgi close at once, and the worker takes the next request
 * without waiting for nginx to be scheduled (measured: 1.5-2x the requests/s
 * of one worker on small calls, make bench).  A request whose body was not
 * read (413) keeps the lingering close, under the read deadline. */
static void skip_lingering_close(FCGX_Request *fr, bool input_done)
{
    if (input_done)
        FCGX_Detach(fr);
}

/* accept(2) errors after which the next connection may well succeed. */
static bool transient_accept_error(int e)
{
    return e == ECONNABORTED || e == EPROTO || e == ECONNRESET || e == ETIMEDOUT ||
           e == EHOSTUNREACH || e == ENETUNREACH;
}

/* Accepts the next connection ourselves instead of inside libfcgi, which
 * checks FCGI_WEB_SERVER_ADDRS for IPv4 only, lets everyone in when it is
 * unset, and sets no deadline.  A TCP peer must be in FCGI_WEB_SERVER_ADDRS
 * (default loopback: nginx on this host); a Unix socket's peers are decided
 * by the socket file's group and mode.  Returns the connection, or -1 when
 * the loop should look at its stop flag (a signal) or give up (errno). */
static int accept_connection(const struct server *srv, int listen_fd)
{
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        /* close-on-exec from the start (no step's child process inherits
         * it) without a second system call */
        int fd = accept4(listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (transient_accept_error(errno))
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                /* an inherited socket in non-blocking mode: wait for the next
                 * connection (a signal interrupts the wait) */
                struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};
                if (poll(&pfd, 1, -1) >= 0 || errno != EINTR)
                    continue;
            }
            return -1;
        }
        if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)
            return fd;
        if (!ip_list_contains_sockaddr(&srv->settings.web_server_addrs, (struct sockaddr *)&peer)) {
            char text[64] = "?";
            struct ip_net a = {0};
            if (peer.ss_family == AF_INET) {
                a.family = AF_INET;
                memcpy(a.addr, &((struct sockaddr_in *)(void *)&peer)->sin_addr, 4);
            } else {
                a.family = AF_INET6;
                memcpy(a.addr, &((struct sockaddr_in6 *)(void *)&peer)->sin6_addr, 16);
            }
            ip_format(&a, text, sizeof(text));
            ing_log(ING_LOG_WARN, "refused a FastCGI connection from %s: not in FCGI_WEB_SERVER_ADDRS "
                                  "(default: loopback only)", text);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* as libfcgi does */
        return fd;
    }
}

unsigned long fcgi_serve(struct server *srv, int listen_fd, volatile sig_atomic_t *stop,
                         const struct front_options *o)
{
    /* libfcgi gets no listening socket: we accept (accept_connection) and
     * hand it the connection.  When it gives a connection up before the
     * request's parameters are complete (a deadline, a protocol error) it
     * would accept the next one itself, unchecked; with -1 that attempt fails
     * at once and comes back to this loop. */
    FCGX_Request fr;
    if (FCGX_InitRequest(&fr, -1, 0) != 0) {
        ing_log(ING_LOG_ERROR, "FCGX_InitRequest failed");
        return 0;
    }
    struct read_deadline deadline;
    if (!read_deadline_start(&deadline)) {
        ing_log(ING_LOG_ERROR, "cannot start the read-deadline thread");
        return 0;
    }
    unsigned timeout_ms = srv->settings.read_timeout_ms;
    sigset_t guarded, previous;
    sigemptyset(&guarded);
    sigaddset(&guarded, SIGTERM);
    sigaddset(&guarded, SIGINT);
    sigaddset(&guarded, SIGHUP);
    sigaddset(&guarded, SIGQUIT);
    unsigned long served = 0;
    while (!*stop && (o->max_requests == 0 || served < o->max_requests)) {
        if (fr.ipcFd < 0) { /* else a kept connection (FCGI_KEEP_CONN) brings the next request */
            int fd = accept_connection(srv, listen_fd);
            if (fd < 0) {
                if (*stop)
                    break;
                if (errno == EINTR)
                    continue;
                ing_log(ING_LOG_ERROR, "accept failed: %s", strerror(errno));
                break;
            }
            fr.ipcFd = fd;
        }
        read_deadline_arm(&deadline, fr.ipcFd, timeout_ms);
        fr.keepConnection = 1; /* so that FCGX_Accept_r keeps the connection we give it */
        if (FCGX_Accept_r(&fr) < 0) {
            /* libfcgi closed it: the peer sent no complete request in time,
             * hung up, or broke the protocol */
            if (read_deadline_disarm(&deadline))
                ing_log(ING_LOG_WARN, "dropped a FastCGI connection: no complete request within %u s",
                        timeout_ms / 1000);
            fr.ipcFd = -1;
            if (*stop)
                break;
            continue;
        }
        sigprocmask(SIG_BLOCK, &guarded, &previous);
        metrics_set_busy(o->metrics, o->worker_slot, true);
        bool input_done = handle(srv, o, &fr, &deadline);
        skip_lingering_close(&fr, input_done);
        FCGX_Finish_r(&fr);
        read_deadline_disarm(&deadline);
        metrics_set_busy(o->metrics, o->worker_slot, false);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        served++;
    }
    read_deadline_stop(&deadline);
    FCGX_Free(&fr, 1);
    return served;
}
