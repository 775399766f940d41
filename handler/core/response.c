/*
 * response.c — filling struct response.  Never allocates outside the arena.
 */
#include "core/response.h"

#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/json_take.h"
#include "inngest.h"

/* Room for the headers of a call's answer (the SDK's three, Content-Type, a
 * signature, No-Retry, Retry-After) in the first allocation; a route with
 * more grows the list. */
#define FIRST_ROOM 8

void response_add_header(struct response *r, const char *name, const char *value)
{
    if (r->header_count == r->header_room) {
        int room = r->header_room ? r->header_room * 2 : FIRST_ROOM;
        struct response_header *grown =
            r->arena && room > r->header_room ? arena_alloc(r->arena, (size_t)room * sizeof(*grown)) : NULL;
        if (!grown) {
            ing_log(ING_LOG_ERROR, "the answer's header %s is dropped: %s", name,
                    r->arena ? "out of memory" : "the answer has no request memory");
            return;
        }
        if (r->header_count)
            memcpy(grown, r->headers, (size_t)r->header_count * sizeof(*grown));
        r->headers = grown;
        r->header_room = room;
    }
    r->headers[r->header_count].name = name;
    r->headers[r->header_count].value = value;
    r->header_count++;
}

void response_header(struct response *r, const char *name, const char *value)
{
    for (int i = 0; i < r->header_count; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            r->headers[i].value = value;
            return;
        }
    }
    response_add_header(r, name, value);
}

const char *response_get_header(const struct response *r, const char *name)
{
    for (int i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* The Status line and the Content-Length line with the blank one after it. */
#define HEAD_FRAME 96

size_t response_head_size(const struct response *r)
{
    size_t n = HEAD_FRAME;
    for (int i = 0; i < r->header_count; i++)
        n += strlen(r->headers[i].name) + strlen(r->headers[i].value) + 4;
    return n;
}

/* Built by appending rather than with snprintf: the formatting cost a tenth
 * of a worker's own instructions per S2 request (callgrind behind nginx), for
 * lines that are copies and two numbers.  A part that does not fit makes the
 * length cap, which the caller takes as "too long". */
struct head {
    char *buf;
    size_t cap, len;
};

static void head_put(struct head *h, const char *s, size_t n)
{
    if (n > h->cap - h->len) {
        h->len = h->cap;
        return;
    }
    memcpy(h->buf + h->len, s, n);
    h->len += n;
}

static void head_str(struct head *h, const char *s) { head_put(h, s, strlen(s)); }

static void head_number(struct head *h, long long v)
{
    char digits[24];
    size_t i = sizeof(digits);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--i] = '-';
    head_put(h, digits + i, sizeof(digits) - i);
}

size_t response_head(const struct response *r, char *buf, size_t cap)
{
    struct head h = {buf, cap, 0};
    head_put(&h, "Status: ", 8);
    head_number(&h, r->status);
    head_put(&h, " ", 1);
    head_str(&h, response_reason(r->status));
    head_put(&h, "\r\n", 2);
    for (int i = 0; i < r->header_count; i++) {
        head_str(&h, r->headers[i].name);
        head_put(&h, ": ", 2);
        head_str(&h, r->headers[i].value);
        head_put(&h, "\r\n", 2);
    }
    head_put(&h, "Content-Length: ", 16);
    head_number(&h, (long long)r->body_len);
    head_put(&h, "\r\n\r\n", 4);
    if (h.len < cap)
        buf[h.len] = '\0'; /* as snprintf left it: tests read the head as a string */
    return h.len;
}

void response_json_text(struct response *r, int status, const char *text, size_t len)
{
    r->status = status;
    response_header(r, "Content-Type", "application/json");
    r->body = text;
    r->body_len = len;
}

static const char oom_body[] = "{\"message\":\"out of memory\"}";

void response_json(struct response *r, int status, json_object *body)
{
    size_t len = 0;
    const char *text = body ? json_object_to_json_string_length(body, ING_JSON_FLAGS, &len) : NULL;
    if (!text && body) {
        /* json-c could not render it: never answer a status with "null" for it */
        response_json_text(r, 500, oom_body, sizeof(oom_body) - 1);
        return;
    }
    if (!text) {
        text = "null";
        len = 4;
    }
    response_json_text(r, status, text, len);
}

void response_message(struct response *r, struct arena *a, int status, const char *text)
{
    json_object *o = text ? arena_keep_json(a, json_object_new_object()) : NULL;
    if (o && json_take_set(o, "message", json_object_new_string(text))) {
        response_json(r, status, o);
        return;
    }
    /* the status stands (a 401 stays a 401); the message says what went wrong */
    response_json_text(r, status, oom_body, sizeof(oom_body) - 1);
}

const char *response_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}
