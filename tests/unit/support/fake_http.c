#define _GNU_SOURCE /* strcasestr, strndup */
/*
 * fake_http.c — the scripted server.  Blocking accept loop on its own thread;
 * fake_http_stop() shuts the listening socket down to end it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fake_http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct fake_http {
    int fd;
    int port;
    pthread_t thread;
    const struct fake_reply *replies;
    int reply_count;
    struct fake_request requests[FAKE_HTTP_MAX];
    int count;
};

static void serve_one(struct fake_http *f, int conn)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    char *end = NULL;
    size_t body_len = 0;
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t n = read(conn, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        if (!end && (end = strstr(buf, "\r\n\r\n"))) {
            char *cl = strcasestr(buf, "\r\ncontent-length:");
            body_len = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
        }
        if (end && len >= (size_t)(end - buf) + 4 + body_len)
            break;
    }
    if (end && f->count < FAKE_HTTP_MAX) {
        struct fake_request *r = &f->requests[f->count++];
        sscanf(buf, "%15s %1023s", r->method, r->target);
        size_t hlen = (size_t)(end - buf);
        r->headers = strndup(buf, hlen);
        for (char *p = r->headers; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        r->body = strndup(end + 4, body_len);
        r->body_len = body_len;
    }
    int i = f->count - 1 < f->reply_count ? f->count - 1 : f->reply_count - 1;
    const struct fake_reply *rep = &f->replies[i < 0 ? 0 : i];
    char head[512];
    int hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
                      rep->status, rep->content_type ? rep->content_type : "application/json",
                      strlen(rep->body), rep->headers ? rep->headers : "");
    if (write(conn, head, (size_t)hn) < 0 || write(conn, rep->body, strlen(rep->body)) < 0)
        perror("fake_http write");
    free(buf);
}

static void *loop(void *arg)
{
    struct fake_http *f = arg;
    for (;;) {
        int conn = accept(f->fd, NULL, NULL);
        if (conn < 0)
            return NULL;
        serve_one(f, conn);
        close(conn);
    }
}

struct fake_http *fake_http_start(const struct fake_reply *replies, int count)
{
    struct fake_http *f = calloc(1, sizeof(*f));
    f->replies = replies;
    f->reply_count = count;
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(f->fd, 16) < 0 ||
        getsockname(f->fd, (struct sockaddr *)&sa, &len) < 0) {
        free(f);
        return NULL;
    }
    f->port = ntohs(sa.sin_port);
    pthread_create(&f->thread, NULL, loop, f);
    return f;
}

int fake_http_port(const struct fake_http *f) { return f->port; }

void fake_http_point(const char *var, const struct fake_http *f)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", f->port);
    setenv(var, url, 1);
}

struct fake_http *fake_http_serve(const char *var, const struct fake_reply *replies, int count)
{
    struct fake_http *f = fake_http_start(replies, count);
    assert_non_null(f);
    if (var)
        fake_http_point(var, f);
    return f;
}

void fake_http_stop(struct fake_http *f)
{
    shutdown(f->fd, SHUT_RDWR);
    close(f->fd);
    pthread_join(f->thread, NULL);
}

int fake_http_count(const struct fake_http *f) { return f->count; }

const struct fake_request *fake_http_request(const struct fake_http *f, int i)
{
    return i >= 0 && i < f->count ? &f->requests[i] : NULL;
}

const char *fake_http_header(const struct fake_request *r, const char *name, char *out, size_t size)
{
    char key[128];
    snprintf(key, sizeof(key), "\n%s:", name);
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *h = strstr(r->headers, key);
    if (!h)
        return NULL;
    h += strlen(key);
    while (*h == ' ')
        h++;
    size_t n = strcspn(h, "\r\n");
    if (n >= size)
        n = size - 1;
    memcpy(out, h, n);
    out[n] = '\0';
    return out;
}

void fake_http_free(struct fake_http *f)
{
    for (int i = 0; i < f->count; i++) {
        free(f->requests[i].headers);
        free(f->requests[i].body);
    }
    free(f);
}
