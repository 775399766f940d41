/*
 * otlp_encode.c — ExportTraceServiceRequest writers.
 *
 * Protobuf: each nested message is written in place after a one-byte length
 * slot; when it is closed the body moves right by the extra bytes its length
 * needs.  Messages here are small (a span is at most a few kilobytes), so
 * the move is cheap and the code stays one pass.
 *
 * JSON: the OTLP/JSON mapping — camelCase names, ids as lowercase hex, 64-bit
 * integers as decimal strings, enums as numbers.
 */
#include "core/otlp_encode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"

/* wire types */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* field numbers, opentelemetry-proto v1 */
enum {
    F_REQ_RESOURCE_SPANS = 1,
    F_RS_RESOURCE = 1, F_RS_SCOPE_SPANS = 2,
    F_RES_ATTRIBUTES = 1,
    F_SS_SCOPE = 1, F_SS_SPANS = 2,
    F_SCOPE_NAME = 1, F_SCOPE_VERSION = 2,
    F_SPAN_TRACE_ID = 1, F_SPAN_SPAN_ID = 2, F_SPAN_PARENT = 4, F_SPAN_NAME = 5, F_SPAN_KIND = 6,
    F_SPAN_START = 7, F_SPAN_END = 8, F_SPAN_ATTRIBUTES = 9, F_SPAN_STATUS = 15,
    F_STATUS_MESSAGE = 2, F_STATUS_CODE = 3,
    F_KV_KEY = 1, F_KV_VALUE = 2,
    F_ANY_STRING = 1, F_ANY_BOOL = 2, F_ANY_INT = 3,
};

void otlp_buf_free(struct otlp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static bool reserve(struct otlp_buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

static void put(struct otlp_buf *b, const void *p, size_t n)
{
    if (n && reserve(b, n)) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
}

/* ---- protobuf ------------------------------------------------------------------ */

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void varint(struct otlp_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    put(b, tmp, n);
}

static void tag(struct otlp_buf *b, unsigned field, unsigned wt) { varint(b, (uint64_t)field << 3 | wt); }

static void pb_bytes(struct otlp_buf *b, unsigned field, const void *p, size_t n)
{
    tag(b, field, WT_LEN);
    varint(b, n);
    put(b, p, n);
}

static void pb_str(struct otlp_buf *b, unsigned field, const char *s)
{
    if (s && *s)
        pb_bytes(b, field, s, strlen(s));
}

static void pb_fixed64(struct otlp_buf *b, unsigned field, uint64_t v)
{
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    tag(b, field, WT_I64);
    put(b, le, 8);
}

/* Opens a nested message: returns where its body starts. */
static size_t open_msg(struct otlp_buf *b, unsigned field)
{
    tag(b, field, WT_LEN);
    put(b, "", 1); /* the length slot, one byte for now */
    return b->len;
}

static void close_msg(struct otlp_buf *b, size_t body)
{
    if (b->failed)
        return;
    size_t n = b->len - body, need = varint_size(n);
    if (need > 1) {
        if (!reserve(b, need - 1))
            return;
        memmove(b->data + body + need - 1, b->data + body, n);
        b->len += need - 1;
    }
    size_t at = body - 1;
    uint64_t v = n;
    while (v >= 0x80) {
        b->data[at++] = (char)(unsigned char)(v | 0x80);
        v >>= 7;
    }
    b->data[at] = (char)(unsigned char)v;
}

static void pb_kv_str(struct otlp_buf *b, unsigned field, const char *key, const char *v, size_t n)
{
    size_t kv = open_msg(b, field);
    pb_str(b, F_KV_KEY, key);
    size_t any = open_msg(b, F_KV_VALUE);
    pb_bytes(b, F_ANY_STRING, v, n);
    close_msg(b, any);
    close_msg(b, kv);
}

static void pb_attr(struct otlp_buf *b, const struct span *s, const struct span_attr *a)
{
    if (a->type == SPAN_ATTR_STR) {
        pb_kv_str(b, F_SPAN_ATTRIBUTES, a->key, s->text + a->off, a->len);
        return;
    }
    size_t kv = open_msg(b, F_SPAN_ATTRIBUTES);
    pb_str(b, F_KV_KEY, a->key);
    size_t any = open_msg(b, F_KV_VALUE);
    tag(b, a->type == SPAN_ATTR_BOOL ? F_ANY_BOOL : F_ANY_INT, WT_VARINT);
    varint(b, (uint64_t)a->num); /* int64 negatives take ten bytes, as protobuf says */
    close_msg(b, any);
    close_msg(b, kv);
}

static void pb_span(struct otlp_buf *b, const struct span *s, bool inngest)
{
    size_t m = open_msg(b, F_SS_SPANS);
    pb_bytes(b, F_SPAN_TRACE_ID, s->trace_id, 16);
    pb_bytes(b, F_SPAN_SPAN_ID, s->span_id, 8);
    if (s->has_parent)
        pb_bytes(b, F_SPAN_PARENT, s->parent_id, 8);
    pb_bytes(b, F_SPAN_NAME, s->text + s->name_off, s->name_len);
    tag(b, F_SPAN_KIND, WT_VARINT);
    varint(b, s->kind);
    pb_fixed64(b, F_SPAN_START, s->start_ns);
    pb_fixed64(b, F_SPAN_END, s->end_ns);
    for (unsigned i = 0; i < s->nattrs; i++)
        if (inngest || !s->attrs[i].inngest_only)
            pb_attr(b, s, &s->attrs[i]);
    if (s->status != SPAN_STATUS_UNSET) {
        size_t st = open_msg(b, F_SPAN_STATUS);
        if (s->msg_len)
            pb_bytes(b, F_STATUS_MESSAGE, s->text + s->msg_off, s->msg_len);
        tag(b, F_STATUS_CODE, WT_VARINT);
        varint(b, s->status);
        close_msg(b, st);
    }
    close_msg(b, m);
}

bool otlp_encode_protobuf(const struct otlp_batch *bt, struct otlp_buf *b)
{
    size_t rs = open_msg(b, F_REQ_RESOURCE_SPANS);
    size_t res = open_msg(b, F_RS_RESOURCE);
    for (size_t i = 0; i < bt->resource_count; i++)
        pb_kv_str(b, F_RES_ATTRIBUTES, bt->resource[i].key, bt->resource[i].value,
                  strlen(bt->resource[i].value));
    close_msg(b, res);
    size_t ss = open_msg(b, F_RS_SCOPE_SPANS);
    size_t scope = open_msg(b, F_SS_SCOPE);
    pb_str(b, F_SCOPE_NAME, bt->scope_name);
    pb_str(b, F_SCOPE_VERSION, bt->scope_version);
    close_msg(b, scope);
    for (size_t i = 0; i < bt->count; i++)
        pb_span(b, &bt->spans[i], bt->with_inngest_attrs);
    close_msg(b, ss);
    close_msg(b, rs);
    return !b->failed;
}

/* ---- JSON ------------------------------------------------------------------------ */

static void puts_(struct otlp_buf *b, const char *s) { put(b, s, strlen(s)); }

static void json_str(struct otlp_buf *b, const char *s, size_t n)
{
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(b, e, 2);
        } else if (c < 0x20) {
            char e[7];
            snprintf(e, sizeof(e), "\\u%04x", c);
            put(b, e, 6);
        } else {
            put(b, &s[i], 1);
        }
    }
    put(b, "\"", 1);
}

static void json_hex(struct otlp_buf *b, const uint8_t *p, size_t n)
{
    char h[33];
    hex_encode(p, n, h);
    put(b, "\"", 1);
    put(b, h, 2 * n);
    put(b, "\"", 1);
}

static void json_kv_str(struct otlp_buf *b, const char *key, const char *v, size_t n)
{
    puts_(b, "{\"key\":");
    json_str(b, key, strlen(key));
    puts_(b, ",\"value\":{\"stringValue\":");
    json_str(b, v, n);
    puts_(b, "}}");
}

static void json_span(struct otlp_buf *b, const struct span *s, bool inngest)
{
    char num[64];
    puts_(b, "{\"traceId\":");
    json_hex(b, s->trace_id, 16);
    puts_(b, ",\"spanId\":");
    json_hex(b, s->span_id, 8);
    if (s->has_parent) {
        puts_(b, ",\"parentSpanId\":");
        json_hex(b, s->parent_id, 8);
    }
    puts_(b, ",\"name\":");
    json_str(b, s->text + s->name_off, s->name_len);
    snprintf(num, sizeof(num), ",\"kind\":%u", s->kind);
    puts_(b, num);
    snprintf(num, sizeof(num), ",\"startTimeUnixNano\":\"%" PRIu64 "\"", s->start_ns);
    puts_(b, num);
    snprintf(num, sizeof(num), ",\"endTimeUnixNano\":\"%" PRIu64 "\"", s->end_ns);
    puts_(b, num);
    puts_(b, ",\"attributes\":[");
    bool first = true;
    for (unsigned i = 0; i < s->nattrs; i++) {
        const struct span_attr *a = &s->attrs[i];
        if (a->inngest_only && !inngest)
            continue;
        if (!first)
            put(b, ",", 1);
        first = false;
        if (a->type == SPAN_ATTR_STR) {
            json_kv_str(b, a->key, s->text + a->off, a->len);
            continue;
        }
        puts_(b, "{\"key\":");
        json_str(b, a->key, strlen(a->key));
        if (a->type == SPAN_ATTR_BOOL)
            snprintf(num, sizeof(num), ",\"value\":{\"boolValue\":%s}}", a->num ? "true" : "false");
        else
            snprintf(num, sizeof(num), ",\"value\":{\"intValue\":\"%" PRId64 "\"}}", a->num);
        puts_(b, num);
    }
    put(b, "]", 1);
    if (s->status != SPAN_STATUS_UNSET) {
        snprintf(num, sizeof(num), ",\"status\":{\"code\":%u", s->status);
        puts_(b, num);
        if (s->msg_len) {
            puts_(b, ",\"message\":");
            json_str(b, s->text + s->msg_off, s->msg_len);
        }
        put(b, "}", 1);
    }
    put(b, "}", 1);
}

bool otlp_encode_json(const struct otlp_batch *bt, struct otlp_buf *b)
{
    puts_(b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
    for (size_t i = 0; i < bt->resource_count; i++) {
        if (i)
            put(b, ",", 1);
        json_kv_str(b, bt->resource[i].key, bt->resource[i].value, strlen(bt->resource[i].value));
    }
    puts_(b, "]},\"scopeSpans\":[{\"scope\":{\"name\":");
    json_str(b, bt->scope_name, strlen(bt->scope_name));
    puts_(b, ",\"version\":");
    json_str(b, bt->scope_version, strlen(bt->scope_version));
    puts_(b, "},\"spans\":[");
    for (size_t i = 0; i < bt->count; i++) {
        if (i)
            put(b, ",", 1);
        json_span(b, &bt->spans[i], bt->with_inngest_attrs);
    }
    puts_(b, "]}]}]}");
    return !b->failed;
}
