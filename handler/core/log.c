/*
 * log.c — stderr logging.  The two settings are written once at start-up,
 * before any worker forks, and only read afterwards; the process id is kept
 * too (a system call per line otherwise) and set again in every child.
 */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/hex.h"
#include "base/iso_time.h"
#include "base/utf8.h"

static enum ing_log_level min_level = ING_LOG_INFO;
static bool as_json;
static pid_t own_pid;

static void remember_pid(void) { own_pid = getpid(); }

void log_configure(enum ing_log_level level, bool json)
{
    min_level = level;
    as_json = json;
    if (!own_pid)
        pthread_atfork(NULL, NULL, remember_pid);
    remember_pid();
}

static int log_pid(void) { return (int)(own_pid ? own_pid : getpid()); }

bool log_enabled(enum ing_log_level level) { return level >= min_level; }

static const char *level_name(enum ing_log_level l)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    return names[l < 4 ? l : 3];
}

/* The line's time: iso_time_format, milliseconds from the clock. */
static void timestamp(char out[ISO_TIME_SIZE])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    iso_time_format(ts.tv_sec, (int)(ts.tv_nsec / 1000000), out);
}

/* A printable ASCII byte other than the backslash: copied as it is.  Log
 * lines are nearly all such bytes, so the loops below copy runs of them
 * before looking at anything else (the escape costs a request line ~40
 * instructions instead of ~2000). */
static inline bool plain_ascii(unsigned char c) { return c >= 0x20 && c < 0x7F && c != '\\'; }

/* Length of the valid, printable UTF-8 character at p (1–4), or 0 when the
 * byte there must be escaped (a control, DEL, a C1 control, not UTF-8). */
static size_t plain_char_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return plain_ascii(c) ? 1 : 0;
    uint32_t cp;
    size_t n = utf8_decode(p, 4, &cp); /* stops at the NUL: never a continuation */
    if (n == 0)
        return 0;
    if (cp >= 0x80 && cp <= 0x9F)
        return 0; /* C1 controls: CSI (U+009B) starts a terminal sequence */
    return n;
}

size_t log_escape(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        while (plain_ascii(*p) && o + 1 < cap)
            out[o++] = (char)*p++;
        if (!*p || o + 1 >= cap)
            break;
        size_t n = plain_char_len(p);
        if (n) {
            if (o + n >= cap)
                break;
            memcpy(out + o, p, n);
            o += n;
            p += n;
        } else if (*p == '\\') {
            if (o + 2 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = '\\';
            p++;
        } else {
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex_digit_lower(*p >> 4);
            out[o++] = hex_digit_lower(*p);
            p++;
        }
    }
    out[o] = '\0';
    return o;
}

static bool needs_escape(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (plain_ascii(*p)) {
            p++;
            continue;
        }
        size_t n = plain_char_len(p);
        if (!n)
            return true;
        p += n;
    }
    return false;
}

/* JSON lines: json-c writes a control byte as \u00XX, which a log viewer
 * decodes back into the byte, and passes bytes that are not UTF-8 through,
 * which makes the line invalid for a shipper; every string field is escaped
 * as the text format is instead. */
static void escape_fields(json_object *o)
{
    const char *keys[16];
    int n = 0;
    json_object_object_foreach(o, k, v)
    {
        if (n < 16 && json_object_is_type(v, json_type_string) &&
            needs_escape(json_object_get_string(v)))
            keys[n++] = k;
    }
    for (int i = 0; i < n; i++) {
        json_object *value = NULL;
        json_object_object_get_ex(o, keys[i], &value);
        char buf[1600];
        log_escape(json_object_get_string(value), buf, sizeof(buf));
        json_object_object_add(o, keys[i], json_object_new_string(buf));
    }
}

static const char *json_text(json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Cuts a string field to LOG_JSON_FIELD_MAX bytes, on a UTF-8 boundary. */
#define LOG_JSON_FIELD_MAX 400
static void shorten(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return;
    const char *s = json_object_get_string(v);
    size_t n = strlen(s);
    if (n <= LOG_JSON_FIELD_MAX)
        return;
    n = LOG_JSON_FIELD_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    char cut[LOG_JSON_FIELD_MAX + 8];
    memcpy(cut, s, n);
    memcpy(cut + n, "\xE2\x80\xA6", 4); /* "…" and the terminator */
    json_object_object_add(o, key, json_object_new_string(cut));
}

/* The escaped text of a text-format line is cut to this many bytes (with
 * its terminator), as before the escape went straight into the line. */
#define LOG_TEXT_MAX 1600

/* One write per line so lines from several workers never interleave. */
static void emit(enum ing_log_level level, json_object *fields, const char *text)
{
    char ts[ISO_TIME_SIZE];
    timestamp(ts);
    char line[2048];
    int n;
    if (as_json) {
        json_object *o = fields ? fields : json_object_new_object();
        json_object_object_add(o, "ts", json_object_new_string(ts));
        json_object_object_add(o, "level", json_object_new_string(level_name(level)));
        json_object_object_add(o, "pid", json_object_new_int(log_pid()));
        if (text)
            json_object_object_add(o, "msg", json_object_new_string(text));
        escape_fields(o);
        n = snprintf(line, sizeof(line), "%s\n", json_text(o));
        if (n > 0 && (size_t)n >= sizeof(line)) {
            /* A cut JSON line is no JSON at all for a log shipper: shorten
             * the free-text fields instead and serialize again. */
            shorten(o, "msg");
            shorten(o, "outcome");
            shorten(o, "target");
            shorten(o, "run_id");
            shorten(o, "step");
            n = snprintf(line, sizeof(line), "%s\n", json_text(o));
        }
        json_object_put(o);
    } else {
        /* the text escaped straight into the line, after its prefix */
        n = snprintf(line, sizeof(line), "%s %s [%d] ", ts, level_name(level), log_pid());
        if (n > 0 && (size_t)n < sizeof(line) - 1) {
            size_t room = sizeof(line) - 1 - (size_t)n; /* keeps a byte for the newline */
            n += (int)log_escape(text ? text : "", line + n, room < LOG_TEXT_MAX ? room : LOG_TEXT_MAX);
            line[n++] = '\n';
        }
        if (fields)
            json_object_put(fields);
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    ssize_t ignored = write(STDERR_FILENO, line, (size_t)n);
    (void)ignored;
}

void ing_log(enum ing_log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    emit(level, NULL, msg);
}

void log_request_line(const struct log_request *r)
{
    if (!log_enabled(ING_LOG_INFO))
        return;
    if (as_json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "method", json_object_new_string(r->method ? r->method : "-"));
        json_object_object_add(o, "target", json_object_new_string(r->target ? r->target : "-"));
        if (r->run_id)
            json_object_object_add(o, "run_id", json_object_new_string(r->run_id));
        if (r->step)
            json_object_object_add(o, "step", json_object_new_string(r->step));
        json_object_object_add(o, "status", json_object_new_int(r->status));
        json_object_object_add(o, "duration_ms", json_object_new_double(r->duration_ms));
        if (r->outcome)
            json_object_object_add(o, "outcome", json_object_new_string(r->outcome));
        emit(ING_LOG_INFO, o, NULL);
        return;
    }
    char msg[1536];
    /* the duration in hundredths of a millisecond: %f costs a microsecond */
    long long cs = r->duration_ms > 0 ? (long long)(r->duration_ms * 100.0 + 0.5) : 0;
    snprintf(msg, sizeof(msg), "%s %s run=%s step=%s status=%d %lld.%02lldms%s%s",
             r->method ? r->method : "-", r->target ? r->target : "-",
             r->run_id ? r->run_id : "-", r->step ? r->step : "-", r->status, cs / 100, cs % 100,
             r->outcome ? " " : "", r->outcome ? r->outcome : "");
    emit(ING_LOG_INFO, NULL, msg);
}
