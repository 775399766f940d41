/*
 * otlp_encode.h — a batch of spans as an OTLP ExportTraceServiceRequest, in
 * the protobuf wire format (OTLP/HTTP's default) or in OTLP/JSON.
 *
 * Hand-written for the few messages a trace export needs (resource, scope,
 * span, attribute, status): no protobuf library.  Field numbers are those of
 * opentelemetry-proto's trace/v1, common/v1 and resource/v1 files; the unit
 * test checks the bytes with `protoc --decode_raw`.
 */
#ifndef ING_OTLP_ENCODE_H
#define ING_OTLP_ENCODE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/dynbuf.h"
#include "core/span.h"

/* One resource attribute ("service.name" and the like); key and value borrowed. */
struct otlp_kv {
    const char *key, *value;
};

struct otlp_batch {
    const struct otlp_kv *resource;
    size_t resource_count;
    const char *scope_name, *scope_version;
    const struct span *spans;
    size_t count;
    bool with_inngest_attrs;  /* include attributes marked inngest_only */
};

/* Appends the whole request to out; false when an append failed (out then
 * holds nothing; dynbuf_free() releases it either way). */
bool otlp_encode_protobuf(const struct otlp_batch *b, struct dynbuf *out);
bool otlp_encode_json(const struct otlp_batch *b, struct dynbuf *out);

#endif
