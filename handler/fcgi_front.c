/*
 * fcgi_front.c — libfcgi's classic accept loop, one request at a time.
 */
#include "fcgi_front.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#include "arena.h"
#include "context.h"
#include "log.h"
#include "request.h"
#include "response.h"
#include "router.h"
#include "server.h"

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* CONTENT_LENGTH as a size; -1 when absent or not a number. */
static long long content_length(const struct ing_request *req)
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
static bool read_body(struct ing_ctx *c, FCGX_Stream *in, struct ing_request *req, size_t len)
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

/* Headers are formatted with snprintf: libfcgi's own printf knows no %zu. */
static void write_response(FCGX_Stream *out, const struct ing_request *req,
                           const struct ing_response *res)
{
    char head[4096];
    size_t n = (size_t)snprintf(head, sizeof(head), "Status: %d %s\r\n", res->status,
                                response_reason(res->status));
    for (int i = 0; i < res->header_count && n < sizeof(head); i++)
        n += (size_t)snprintf(head + n, sizeof(head) - n, "%s: %s\r\n", res->headers[i].name,
                              res->headers[i].value);
    if (n < sizeof(head))
        n += (size_t)snprintf(head + n, sizeof(head) - n, "Content-Length: %zu\r\n\r\n",
                              res->body_len);
    if (n >= sizeof(head)) {
        static const char fallback[] = "Status: 500 Internal Server Error\r\n\r\n";
        FCGX_PutStr(fallback, (int)sizeof(fallback) - 1, out);
        return;
    }
    FCGX_PutStr(head, (int)n, out);
    if (res->body_len && strcmp(req->method, "HEAD") != 0)
        FCGX_PutStr(res->body, (int)res->body_len, out);
}

static void handle(struct ing_server *srv, FCGX_Request *fr)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct ing_request req = {0};
    request_init(&req, fr->envp);
    struct ing_response res = {0};
    struct ing_ctx *c = ctx_new(srv);
    if (!c) {
        static const char oom[] = "Status: 500 Internal Server Error\r\nContent-Type: "
                                  "application/json\r\n\r\n{\"message\":\"out of memory\"}";
        FCGX_PutStr(oom, (int)sizeof(oom) - 1, fr->out);
        return;
    }
    size_t limit = router_max_body(srv, &req);
    long long len = content_length(&req);
    req.body = "";
    if (len > (long long)limit) {
        router_too_large(c, &req, &res, limit);
    } else if (len > 0 && !read_body(c, fr->in, &req, (size_t)len)) {
        response_message(&res, c->arena, 400, "the request body ended before CONTENT_LENGTH bytes");
    } else {
        router_serve(c, &req, &res);
    }
    write_response(fr->out, &req, &res);
    log_request_line(&(struct log_request){.method = req.method,
                                           .target = res.log_target ? res.log_target : req.path,
                                           .run_id = res.log_run_id, .step = res.log_step,
                                           .status = res.status,
                                           .duration_ms = elapsed_ms(&start),
                                           .outcome = res.log_outcome});
    ctx_release(c);
}

unsigned long fcgi_serve(struct ing_server *srv, int listen_fd, volatile sig_atomic_t *stop,
                         unsigned long max_requests)
{
    FCGX_Request fr;
    if (FCGX_InitRequest(&fr, listen_fd, 0) != 0) {
        ing_log(ING_LOG_ERROR, "FCGX_InitRequest failed");
        return 0;
    }
    sigset_t guarded, previous;
    sigemptyset(&guarded);
    sigaddset(&guarded, SIGTERM);
    sigaddset(&guarded, SIGINT);
    sigaddset(&guarded, SIGHUP);
    sigaddset(&guarded, SIGQUIT);
    unsigned long served = 0;
    while (!*stop && (max_requests == 0 || served < max_requests)) {
        if (FCGX_Accept_r(&fr) < 0) {
            if (*stop)
                break;
            if (errno == EINTR)
                continue;
            ing_log(ING_LOG_ERROR, "accept failed: %s", strerror(errno));
            break;
        }
        sigprocmask(SIG_BLOCK, &guarded, &previous);
        handle(srv, &fr);
        FCGX_Finish_r(&fr);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        served++;
    }
    FCGX_Free(&fr, 0);
    return served;
}
