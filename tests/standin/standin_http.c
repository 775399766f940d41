/*
 * standin_http.c — a scripted stand-in for third-party HTTP services (Resend,
 * GitHub, Readwise, the Inngest Event API's failures) in end-to-end tests.
 *
 *   standin --port PORT --script FILE --log FILE [--pid-file FILE]
 *
 * It listens on 127.0.0.1:PORT, serves one connection at a time (HTTP/1.1,
 * one request per connection, "Connection: close"), and answers each request
 * from the script FILE, which it reads again for every request so that a test
 * changes the behaviour by rewriting it.  Every request is recorded as ONE
 * JSON line in the log FILE:
 *   {"seq":N,"time_ms":…,"method":"POST","path":"/emails?x=1",
 *    "headers":{"lower-case-name":"value",…},"body":"…","status":200,"rule":3}
 * ("rule" is the script's line number, null when no rule matched: 404).
 *
 * Script lines (blank lines and lines starting with '#' are skipped):
 *   METHOD PREFIX STATUSES [match=TEXT] [header=Name:Value]… [BODY]
 *   METHOD    GET, POST, … or * for any
 *   PREFIX    the request target (path and query) must start with it
 *   STATUSES  "200" or "500,500,200": the n-th request this rule answers gets
 *             the n-th status, the last one repeating
 *   match=    the rule applies only when TEXT occurs in the request's header
 *             block or body (a submitter's address, a token)
 *   header=   an extra response header (no spaces: Retry-After:2)
 *   BODY      the rest of the line, or @PATH to send a file (relative to the
 *             script's directory); "{n}" becomes the rule's request count and
 *             "{base}" http://127.0.0.1:PORT (paging "next" links).
 * The first rule that matches answers.  A rule's count is kept per line text:
 * a rewritten line starts from 1 again, an unchanged one keeps counting.
 *
 * Bounded: request heads up to 64 KiB, bodies up to 8 MiB (Content-Length
 * only; chunked bodies get 411), 5-second socket timeouts, at most 512 rules
 * counted.  It must never follow anything a request says outside the script,
 * nor exit on a bad request: a malformed one gets 400 and is logged.
 * SIGTERM or SIGINT ends it with status 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* the SDK's one UTF-8 decoder (a header of its base layer, no Inngest in it) */
#include "../../handler/base/utf8.h"

#define MAX_HEAD (64 * 1024)
#define MAX_BODY (8 * 1024 * 1024)
#define MAX_SCRIPT (1024 * 1024)
#define MAX_RESPONSE_FILE (16 * 1024 * 1024)
#define MAX_RULES_COUNTED 512
#define MAX_EXTRA_HEADERS 8
#define IO_TIMEOUT_SECONDS 5

/* Set by the signal handler only: the accept loop checks it. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* ---- growable buffer ----------------------------------------------------- */

struct buf {
    char *data;
    size_t len, cap;
};

static void die(const char *what)
{
    fprintf(stderr, "standin: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            die("out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string; bytes that are not UTF-8 become \u00XX so the line stays
 * valid JSON whatever the client sent. */
static void buf_json_string(struct buf *b, const char *s, size_t n)
{
    buf_str(b, "\"");
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            buf_add(b, esc, 2);
            i++;
        } else if (ch == '\n') {
            buf_str(b, "\\n");
            i++;
        } else if (ch == '\r') {
            buf_str(b, "\\r");
            i++;
        } else if (ch == '\t') {
            buf_str(b, "\\t");
            i++;
        } else if (ch < 0x20 || ch == 0x7F) {
            buf_fmt(b, "\\u%04x", ch);
            i++;
        } else {
            uint32_t cp;
            size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
            if (len == 0) {
                buf_fmt(b, "\\u%04x", ch);
                i++;
            } else {
                buf_add(b, s + i, len);
                i += len;
            }
        }
    }
    buf_str(b, "\"");
}

/* ---- the server's state ---------------------------------------------------- */

struct counter {
    char *line;
    unsigned long count;
};

struct server {
    int port;
    const char *script_path;
    char script_dir[PATH_MAX];
    int log_fd;
    unsigned long seq;
    struct counter counters[MAX_RULES_COUNTED];
    size_t ncounters;
};

/* The number of this request for the rule `line` (1 for its first). */
static unsigned long count_for(struct server *srv, const char *line)
{
    for (size_t i = 0; i < srv->ncounters; i++)
        if (strcmp(srv->counters[i].line, line) == 0)
            return ++srv->counters[i].count;
    if (srv->ncounters == MAX_RULES_COUNTED)
        return 1; /* bounded: later new rules all count as first requests */
    char *copy = strdup(line);
    if (!copy)
        die("out of memory");
    srv->counters[srv->ncounters++] = (struct counter){.line = copy, .count = 1};
    return 1;
}

/* ---- the request ------------------------------------------------------------ */

struct request {
    char method[16];
    char *target;
    char *head;      /* the header block (after the request line), NUL-terminated */
    size_t head_len;
    char *body;      /* NUL-terminated */
    size_t body_len;
    const char *error; /* why it is malformed, or NULL */
    int error_status;
};

static bool read_some(int fd, struct buf *b, size_t want)
{
    char tmp[16384];
    size_t n = want < sizeof tmp ? want : sizeof tmp;
    ssize_t got;
    do {
        got = read(fd, tmp, n);
    } while (got < 0 && errno == EINTR && !stop_requested);
    if (got <= 0)
        return false;
    buf_add(b, tmp, (size_t)got);
    return true;
}

/* The value of header `name` in the head (case-insensitive), copied into out. */
static bool header_value(const char *head, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);
    for (const char *line = head; line && *line;) {
        const char *eol = strstr(line, "\r\n");
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
            const char *v = line + nlen + 1;
            const char *end = line + len;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            size_t vn = (size_t)(end - v) < size - 1 ? (size_t)(end - v) : size - 1;
            memcpy(out, v, vn);
            out[vn] = '\0';
            return true;
        }
        line = eol ? eol + 2 : NULL;
    }
    return false;
}

static void read_request(int fd, struct buf *raw, struct request *rq)
{
    memset(rq, 0, sizeof(*rq));
    char *end = NULL;
    while (!(end = strstr(raw->data ? raw->data : "", "\r\n\r\n"))) {
        if (raw->len >= MAX_HEAD) {
            rq->error = "request head larger than 64 KiB", rq->error_status = 431;
            return;
        }
        if (!read_some(fd, raw, MAX_HEAD - raw->len)) {
            rq->error = "connection closed or timed out before the end of the head", rq->error_status = 400;
            return;
        }
    }
    size_t head_end = (size_t)(end - raw->data) + 4;
    char *line_end = strstr(raw->data, "\r\n");
    *line_end = '\0';
    char *sp1 = strchr(raw->data, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || (size_t)(sp1 - raw->data) >= sizeof rq->method || sp1 == raw->data) {
        rq->error = "malformed request line", rq->error_status = 400;
        return;
    }
    memcpy(rq->method, raw->data, (size_t)(sp1 - raw->data));
    *sp2 = '\0';
    rq->target = sp1 + 1;
    rq->head = line_end + 2;
    end[2] = '\0'; /* keep the last header's CRLF, cut the blank line */
    rq->head_len = strlen(rq->head);

    char value[64];
    if (header_value(rq->head, "Transfer-Encoding", value, sizeof value)) {
        rq->error = "chunked bodies are not supported: send Content-Length", rq->error_status = 411;
        return;
    }
    size_t body_len = 0;
    if (header_value(rq->head, "Content-Length", value, sizeof value)) {
        char *e;
        errno = 0;
        unsigned long long v = strtoull(value, &e, 10);
        if (errno || *e || !isdigit((unsigned char)value[0])) {
            rq->error = "malformed Content-Length", rq->error_status = 400;
            return;
        }
        if (v > MAX_BODY) {
            rq->error = "body larger than 8 MiB", rq->error_status = 413;
            return;
        }
        body_len = (size_t)v;
    }
    /* the body follows the head in raw; the head's pointers stay valid only
     * if raw does not move, so read the body into its own buffer */
    struct buf body = {0};
    buf_add(&body, "", 0);
    if (raw->len > head_end)
        buf_add(&body, raw->data + head_end, raw->len - head_end < body_len ? raw->len - head_end : body_len);
    while (body.len < body_len) {
        if (!read_some(fd, &body, body_len - body.len)) {
            free(body.data);
            rq->error = "connection closed or timed out in the body", rq->error_status = 400;
            return;
        }
    }
    rq->body = body.data;
    rq->body_len = body.len;
}

/* ---- the script ----------------------------------------------------------- */

struct rule {
    int line_no;
    char *line;       /* the whole line, the counter's key */
    char *work;       /* the split copy every field below points into */
    char method[16];
    char *prefix;
    char *statuses;
    char *match;      /* NULL: any */
    char *headers[MAX_EXTRA_HEADERS];
    size_t nheaders;
    char *body;       /* "" for none; "@path" for a file */
};

/* Splits the next space-separated token off *p (modifies the line). */
static char *token(char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
    if (!**p)
        return NULL;
    char *start = *p;
    while (**p && **p != ' ' && **p != '\t')
        (*p)++;
    if (**p)
        *(*p)++ = '\0';
    return start;
}

static bool statuses_valid(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != ',')
            return false;
    return true;
}

/* Parses one script line into r (r->line and r->work are its own copies,
 * released by free_rule); false if the line is not a rule. */
static bool parse_rule(const char *script_path, char *text, int line_no, struct rule *r)
{
    memset(r, 0, sizeof(*r));
    r->line_no = line_no;
    r->line = strdup(text);
    char *work = strdup(text);
    if (!r->line || !work)
        die("out of memory");
    char *p = work;
    char *method = token(&p), *prefix = token(&p), *statuses = token(&p);
    if (!method || !prefix || !statuses || strlen(method) >= sizeof r->method || !statuses_valid(statuses)) {
        fprintf(stderr, "standin: %s:%d: not a rule (METHOD PREFIX STATUSES …): %s\n", script_path, line_no,
                text);
        free(work);
        free(r->line);
        return false;
    }
    strcpy(r->method, method);
    r->prefix = prefix;
    r->statuses = statuses;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "match=", 6) == 0) {
            char *t = token(&p);
            r->match = t + 6;
        } else if (strncmp(p, "header=", 7) == 0) {
            char *t = token(&p);
            if (r->nheaders < MAX_EXTRA_HEADERS && strchr(t + 7, ':'))
                r->headers[r->nheaders++] = t + 7;
        } else {
            break;
        }
    }
    r->body = p;
    r->work = work;
    return true;
}

static void free_rule(struct rule *r)
{
    free(r->line);
    free(r->work);
}

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0)
        return true;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static bool rule_matches(const struct rule *r, const struct request *rq)
{
    if (strcmp(r->method, "*") != 0 && strcmp(r->method, rq->method) != 0)
        return false;
    if (strncmp(rq->target, r->prefix, strlen(r->prefix)) != 0)
        return false;
    if (r->match && !contains(rq->head, rq->head_len, r->match) && !contains(rq->body, rq->body_len, r->match))
        return false;
    return true;
}

static char *read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct buf b = {0};
    buf_add(&b, "", 0);
    char tmp[16384];
    ssize_t n;
    while ((n = read(fd, tmp, sizeof tmp)) > 0) {
        if (b.len + (size_t)n > max) {
            close(fd);
            free(b.data);
            errno = EFBIG;
            return NULL;
        }
        buf_add(&b, tmp, (size_t)n);
    }
    close(fd);
    if (n < 0) {
        free(b.data);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

/* The first matching rule of the script (copied into *out, true), or false. */
static bool find_rule(struct server *srv, const struct request *rq, struct rule *out)
{
    size_t len = 0;
    char *script = read_file(srv->script_path, MAX_SCRIPT, &len);
    if (!script) {
        fprintf(stderr, "standin: cannot read %s: %s\n", srv->script_path, strerror(errno));
        return false;
    }
    bool found = false;
    int line_no = 0;
    for (char *line = script; line && !found;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        line_no++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[n - 1] = '\0';
        char *t = line;
        while (*t == ' ' || *t == '\t')
            t++;
        if (*t && *t != '#') {
            struct rule r;
            if (parse_rule(srv->script_path, t, line_no, &r)) {
                if (rule_matches(&r, rq)) {
                    *out = r;
                    found = true;
                } else {
                    free_rule(&r);
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(script);
    return found;
}

/* The status for the n-th request of a rule: the n-th entry, the last repeating. */
static int status_for(const char *statuses, unsigned long n)
{
    const char *p = statuses;
    int status = 500;
    for (unsigned long i = 1;; i++) {
        status = atoi(p);
        const char *comma = strchr(p, ',');
        if (i == n || !comma || !comma[1])
            break;
        p = comma + 1;
    }
    return status >= 100 && status <= 999 ? status : 500;
}

/* Copies text into out, replacing {n} and {base}. */
static void expand(struct buf *out, const char *text, size_t len, unsigned long n, int port)
{
    for (size_t i = 0; i < len;) {
        if (len - i >= 3 && memcmp(text + i, "{n}", 3) == 0) {
            buf_fmt(out, "%lu", n);
            i += 3;
        } else if (len - i >= 6 && memcmp(text + i, "{base}", 6) == 0) {
            buf_fmt(out, "http://127.0.0.1:%d", port);
            i += 6;
        } else {
            buf_add(out, text + i, 1);
            i++;
        }
    }
}

/* ---- answering and recording -------------------------------------------------- */

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the client went away: nothing to do */
        p += w;
        n -= (size_t)w;
    }
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void respond(int fd, int status, const char *const *headers, size_t nheaders, const char *body,
                    size_t body_len)
{
    struct buf out = {0};
    buf_fmt(&out, "HTTP/1.1 %d %s\r\n", status, reason_of(status));
    buf_str(&out, "Connection: close\r\n");
    if (status != 204 && status != 304) {
        buf_str(&out, "Content-Type: application/json\r\n");
        buf_fmt(&out, "Content-Length: %zu\r\n", body_len);
    }
    for (size_t i = 0; i < nheaders; i++) {
        const char *colon = strchr(headers[i], ':');
        buf_add(&out, headers[i], (size_t)(colon - headers[i]));
        buf_str(&out, ": ");
        buf_str(&out, colon + 1);
        buf_str(&out, "\r\n");
    }
    buf_str(&out, "\r\n");
    if (status != 204 && status != 304)
        buf_add(&out, body, body_len);
    write_all(fd, out.data, out.len);
    free(out.data);
}

static void record(struct server *srv, const struct request *rq, int status, int rule_line)
{
    struct buf line = {0};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    buf_fmt(&line, "{\"seq\":%lu,\"time_ms\":%lld,", ++srv->seq,
            (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    buf_str(&line, "\"method\":");
    buf_json_string(&line, rq->method, strlen(rq->method));
    buf_str(&line, ",\"path\":");
    if (rq->target)
        buf_json_string(&line, rq->target, strlen(rq->target));
    else
        buf_str(&line, "null");
    buf_str(&line, ",\"headers\":{");
    bool first = true;
    for (const char *h = rq->head; h && *h;) {
        const char *eol = strstr(h, "\r\n");
        size_t len = eol ? (size_t)(eol - h) : strlen(h);
        const char *colon = memchr(h, ':', len);
        if (colon) {
            char name[256];
            size_t nn = (size_t)(colon - h) < sizeof name - 1 ? (size_t)(colon - h) : sizeof name - 1;
            for (size_t i = 0; i < nn; i++)
                name[i] = (char)tolower((unsigned char)h[i]);
            name[nn] = '\0';
            const char *v = colon + 1;
            while (v < h + len && (*v == ' ' || *v == '\t'))
                v++;
            if (!first)
                buf_str(&line, ",");
            first = false;
            buf_json_string(&line, name, nn);
            buf_str(&line, ":");
            buf_json_string(&line, v, (size_t)(h + len - v));
        }
        h = eol ? eol + 2 : NULL;
    }
    buf_str(&line, "},\"body\":");
    buf_json_string(&line, rq->body ? rq->body : "", rq->body_len);
    buf_fmt(&line, ",\"status\":%d,\"rule\":", status);
    if (rule_line > 0)
        buf_fmt(&line, "%d", rule_line);
    else
        buf_str(&line, "null");
    if (rq->error) {
        buf_str(&line, ",\"error\":");
        buf_json_string(&line, rq->error, strlen(rq->error));
    }
    buf_str(&line, "}\n");
    /* one write per line on an O_APPEND file: readers never see half a line */
    write_all(srv->log_fd, line.data, line.len);
    free(line.data);
}

static void serve_one(struct server *srv, int fd)
{
    struct timeval tv = {.tv_sec = IO_TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct buf raw = {0};
    struct request rq;
    read_request(fd, &raw, &rq);
    if (rq.error) {
        char body[256];
        int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", rq.error);
        respond(fd, rq.error_status, NULL, 0, body, (size_t)n);
        record(srv, &rq, rq.error_status, 0);
    } else {
        struct rule r;
        if (find_rule(srv, &rq, &r)) {
            unsigned long n = count_for(srv, r.line);
            int status = status_for(r.statuses, n);
            struct buf body = {0};
            buf_add(&body, "", 0);
            if (r.body[0] == '@') {
                struct buf path = {0};
                if (r.body[1] != '/') {
                    buf_str(&path, srv->script_dir);
                    buf_str(&path, "/");
                }
                buf_str(&path, r.body + 1);
                size_t len = 0;
                char *text = read_file(path.data, MAX_RESPONSE_FILE, &len);
                if (text) {
                    expand(&body, text, len, n, srv->port);
                    free(text);
                } else {
                    fprintf(stderr, "standin: rule %d: cannot read %s: %s\n", r.line_no, path.data,
                            strerror(errno));
                    status = 500;
                    buf_str(&body, "{\"error\":\"the stand-in could not read its body file\"}");
                }
                free(path.data);
            } else {
                expand(&body, r.body, strlen(r.body), n, srv->port);
            }
            respond(fd, status, (const char *const *)r.headers, r.nheaders, body.data, body.len);
            record(srv, &rq, status, r.line_no);
            free(body.data);
            free_rule(&r);
        } else {
            static const char none[] = "{\"error\":\"no stand-in rule matches this request\"}";
            respond(fd, 404, NULL, 0, none, sizeof none - 1);
            record(srv, &rq, 404, 0);
        }
    }
    free(rq.body);
    free(raw.data);
}

/* ---- start-up ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: standin --port PORT --script FILE --log FILE [--pid-file FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct server srv = {.log_fd = -1};
    const char *log_path = NULL, *pid_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--port") == 0)
            srv.port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--script") == 0)
            srv.script_path = argv[++i];
        else if (strcmp(argv[i], "--log") == 0)
            log_path = argv[++i];
        else if (strcmp(argv[i], "--pid-file") == 0)
            pid_path = argv[++i];
        else
            usage();
    }
    if (srv.port <= 0 || srv.port > 65535 || !srv.script_path || !log_path)
        usage();
    const char *slash = strrchr(srv.script_path, '/');
    if (slash)
        snprintf(srv.script_dir, sizeof srv.script_dir, "%.*s", (int)(slash - srv.script_path), srv.script_path);
    else
        snprintf(srv.script_dir, sizeof srv.script_dir, ".");

    srv.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (srv.log_fd < 0)
        die(log_path);

    struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: accept() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0)
        die("socket");
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind 127.0.0.1");
    if (listen(ls, 64) < 0)
        die("listen");
    if (pid_path) {
        FILE *f = fopen(pid_path, "w");
        if (!f)
            die(pid_path);
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }

    while (!stop_requested) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        serve_one(&srv, fd);
        close(fd);
    }
    close(ls);
    close(srv.log_fd);
    for (size_t i = 0; i < srv.ncounters; i++)
        free(srv.counters[i].line);
    return 0;
}
