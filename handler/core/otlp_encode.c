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

static void varint(struct dynbuf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    dynbuf_add(b, tmp, n);
}

static void tag(struct dynbuf *b, unsigned field, unsigned wt) { varint(b, (uint64_t)field << 3 | wt); }

static void pb_bytes(struct dynbuf *b, unsigned field, const void *p, size_t n)
{
    tag(b, field, WT_LEN);
    varint(b, n);
    dynbuf_add(b, p, n);
}

static void pb_str(struct dynbuf *b, unsigned field, const char *s)
{
    if (s && *s)
        pb_bytes(b, field, s, strlen(s));
}

static void pb_fixed64(struct dynbuf *b, unsigned field, uint64_t v)
{
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    tag(b, field, WT_I64);
    dynbuf_add(b, le, 8);
}

/* Opens a nested message: returns where its body starts. */
static size_t open_msg(struct dynbuf *b, unsigned field)
{
    tag(b, field, WT_LEN);
    dynbuf_addc(b, 0); /* the length slot, one byte for now */
    return b->len;
}

static void close_msg(struct dynbuf *b, size_t body)
{
    if (!dynbuf_ok(b))
        return;
    size_t n = b->len - body, need = varint_size(n);
    if (need > 1) {
        if (!dynbuf_room(b, need - 1))
            return;
        memmove(b->data + body + need - 1, b->data + body, n);
        dynbuf_commit(b, need - 1);
    }
    size_t at = body - 1;
    uint64_t v = n;
    while (v >= 0x80) {
        b->data[at++] = (char)(unsigned char)(v | 0x80);
        v >>= 7;
    }
    b->data[at] = (char)(unsigned char)v;
}

static void pb_kv_str(struct dynbuf *b, unsigned field, const char *key, const char *v, size_t n)
{
    size_t kv = open_msg(b, field);
    pb_str(b, F_KV_KEY, key);
    size_t any = open_msg(b, F_KV_VALUE);
    pb_bytes(b, F_ANY_STRING, v, n);
    close_msg(b, any);
    close_msg(b, kv);
}

static void pb_attr(struct dynbuf *b, const struct span *s, const struct span_attr *a)
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

static void pb_span(struct dynbuf *b, const struct span *s, bool inngest)
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

bool otlp_encode_protobuf(const struct otlp_batch *bt, struct dynbuf *b)
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
    return dynbuf_ok(b);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_str(struct dynbuf *b, const char *s, size_t n)
{
    dynbuf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            dynbuf_add(b, e, 2);
        } else if (c < 0x20) {
            char e[7];
            snprintf(e, sizeof(e), "\\u%04x", c);
            dynbuf_add(b, e, 6);
        } else {
            dynbuf_addc(b, s[i]);
        }
    }
    dynbuf_addc(b, '"');
}

static void json_hex(struct dynbuf *b, const uint8_t *p, size_t n)
{
    char h[33];
    hex_encode(p, n, h);
    dynbuf_addc(b, '"');
    dynbuf_add(b, h, 2 * n);
    dynbuf_addc(b, '"');
}

static void json_kv_str(struct dynbuf *b, const char *key, const char *v, size_t n)
{
    dynbuf_adds(b, "{\"key\":");
    json_str(b, key, strlen(key));
    dynbuf_adds(b, ",\"value\":{\"stringValue\":");
    json_str(b, v, n);
    dynbuf_adds(b, "}}");
}

static void json_span(struct dynbuf *b, const struct span *s, bool inngest)
{
    char num[64];
    dynbuf_adds(b, "{\"traceId\":");
    json_hex(b, s->trace_id, 16);
    dynbuf_adds(b, ",\"spanId\":");
    json_hex(b, s->span_id, 8);
    if (s->has_parent) {
        dynbuf_adds(b, ",\"parentSpanId\":");
        json_hex(b, s->parent_id, 8);
    }
    dynbuf_adds(b, ",\"name\":");
    json_str(b, s->text + s->name_off, s->name_len);
    snprintf(num, sizeof(num), ",\"kind\":%u", s->kind);
    dynbuf_adds(b, num);
    snprintf(num, sizeof(num), ",\"startTimeUnixNano\":\"%" PRIu64 "\"", s->start_ns);
    dynbuf_adds(b, num);
    snprintf(num, sizeof(num), ",\"endTimeUnixNano\":\"%" PRIu64 "\"", s->end_ns);
    dynbuf_adds(b, num);
    dynbuf_adds(b, ",\"attributes\":[");
    bool first = true;
    for (unsigned i = 0; i < s->nattrs; i++) {
        const struct span_attr *a = &s->attrs[i];
        if (a->inngest_only && !inngest)
            continue;
        if (!first)
            dynbuf_addc(b, ',');
        first = false;
        if (a->type == SPAN_ATTR_STR) {
            json_kv_str(b, a->key, s->text + a->off, a->len);
            continue;
        }
        dynbuf_adds(b, "{\"key\":");
        json_str(b, a->key, strlen(a->key));
        if (a->type == SPAN_ATTR_BOOL)
            snprintf(num, sizeof(num), ",\"value\":{\"boolValue\":%s}}", a->num ? "true" : "false");
        else
            snprintf(num, sizeof(num), ",\"value\":{\"intValue\":\"%" PRId64 "\"}}", a->num);
        dynbuf_adds(b, num);
    }
    dynbuf_addc(b, ']');
    if (s->status != SPAN_STATUS_UNSET) {
        snprintf(num, sizeof(num), ",\"status\":{\"code\":%u", s->status);
        dynbuf_adds(b, num);
        if (s->msg_len) {
            dynbuf_adds(b, ",\"message\":");
            json_str(b, s->text + s->msg_off, s->msg_len);
        }
        dynbuf_addc(b, '}');
    }
    dynbuf_addc(b, '}');
}

bool otlp_encode_json(const struct otlp_batch *bt, struct dynbuf *b)
{
    dynbuf_adds(b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
    for (size_t i = 0; i < bt->resource_count; i++) {
        if (i)
            dynbuf_addc(b, ',');
        json_kv_str(b, bt->resource[i].key, bt->resource[i].value, strlen(bt->resource[i].value));
    }
    dynbuf_adds(b, "]},\"scopeSpans\":[{\"scope\":{\"name\":");
    json_str(b, bt->scope_name, strlen(bt->scope_name));
    dynbuf_adds(b, ",\"version\":");
    json_str(b, bt->scope_version, strlen(bt->scope_version));
    dynbuf_adds(b, "},\"spans\":[");
    for (size_t i = 0; i < bt->count; i++) {
        if (i)
            dynbuf_addc(b, ',');
        json_span(b, &bt->spans[i], bt->with_inngest_attrs);
    }
    dynbuf_adds(b, "]}]}]}");
    return dynbuf_ok(b);
}
