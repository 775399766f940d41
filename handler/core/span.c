/*
 * span.c — filling a span's text block, UTF-8 safe and bounded.
 */
#include "core/span.h"

#include <string.h>
#include <time.h>

#include "base/utf8.h"

void span_clear(struct span *s)
{
    s->nattrs = 0;
    s->text_used = 0;
    s->name_len = s->msg_len = 0;
    s->status = SPAN_STATUS_UNSET;
}

uint64_t span_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copies up to n bytes of v into the text block; returns the copied length
 * (its offset in *off).  Stops before a sequence that would not fit whole;
 * bytes that are not UTF-8 become '?'. */
static uint16_t put_text(struct span *s, const char *v, size_t n, uint16_t *off)
{
    *off = s->text_used;
    size_t room = SPAN_TEXT - s->text_used;
    const unsigned char *p = (const unsigned char *)v;
    size_t i = 0, w = 0;
    while (i < n && w < room) {
        uint32_t cp;
        size_t k = utf8_decode(p + i, n - i, &cp);
        if (k == 0) {
            s->text[s->text_used + w++] = '?';
            i++;
            continue;
        }
        if (w + k > room)
            break;
        memcpy(s->text + s->text_used + w, p + i, k);
        w += k;
        i += k;
    }
    s->text_used = (uint16_t)(s->text_used + w);
    return (uint16_t)w;
}

void span_set_name(struct span *s, const char *a, const char *b)
{
    uint16_t off, len = put_text(s, a, strlen(a), &off);
    if (b) {
        uint16_t o2;
        len = (uint16_t)(len + put_text(s, " ", 1, &o2));
        len = (uint16_t)(len + put_text(s, b, strlen(b), &o2));
    }
    s->name_off = off;
    s->name_len = len;
}

void span_set_status(struct span *s, enum span_status st, const char *message)
{
    s->status = (uint8_t)st;
    if (message)
        s->msg_len = put_text(s, message, strlen(message) > 512 ? 512 : strlen(message), &s->msg_off);
}

static struct span_attr *new_attr(struct span *s, const char *key, enum span_attr_type t)
{
    if (s->nattrs >= SPAN_MAX_ATTRS)
        return NULL;
    struct span_attr *a = &s->attrs[s->nattrs++];
    memset(a, 0, sizeof(*a));
    a->key = key;
    a->type = (uint8_t)t;
    return a;
}

void span_attr_str_n(struct span *s, const char *key, const char *value, size_t n)
{
    if (!value)
        return;
    struct span_attr *a = new_attr(s, key, SPAN_ATTR_STR);
    if (a)
        a->len = put_text(s, value, n, &a->off);
}

void span_attr_str(struct span *s, const char *key, const char *value)
{
    if (value)
        span_attr_str_n(s, key, value, strlen(value));
}

void span_attr_inngest(struct span *s, const char *key, const char *value)
{
    span_attr_str(s, key, value);
    if (value && s->nattrs && s->attrs[s->nattrs - 1].key == key)
        s->attrs[s->nattrs - 1].inngest_only = true;
}

void span_attr_int(struct span *s, const char *key, int64_t value)
{
    struct span_attr *a = new_attr(s, key, SPAN_ATTR_INT);
    if (a)
        a->num = value;
}

void span_attr_bool(struct span *s, const char *key, bool value)
{
    struct span_attr *a = new_attr(s, key, SPAN_ATTR_BOOL);
    if (a)
        a->num = value;
}
