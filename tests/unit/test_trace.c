/*
 * test_trace.c — spans and their OTLP encodings: the protobuf bytes as an
 * independent decoder reads them (`protoc --decode_raw`, Debian's
 * protobuf-compiler), the OTLP/JSON form read back with json-c, the W3C
 * traceparent / tracestate readers, the URL host reader (never user info or a
 * query), UTF-8 repair, and the per-worker queue: parent links, run linkage
 * and a full queue counted as dropped on /metrics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "inngest.h"
#include "core/context.h"
#include "core/metrics.h"
#include "core/otlp_encode.h"
#include "core/request.h"
#include "core/server.h"
#include "core/span.h"
#include "core/trace.h"
#include "transport/server_setup.h"

static const uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                     0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
static const uint8_t span_id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
static const uint8_t parent_id[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

static void sample_span(struct span *s, const char *long_value)
{
    memset(s, 0, sizeof(*s));
    span_clear(s);
    memcpy(s->trace_id, trace_id, 16);
    memcpy(s->span_id, span_id, 8);
    memcpy(s->parent_id, parent_id, 8);
    s->has_parent = true;
    s->kind = SPAN_KIND_CLIENT;
    s->start_ns = 1700000000123456789ull;
    s->end_ns = 1700000000223456789ull;
    span_set_name(s, "step", "send-email");
    span_attr_str(s, "server.address", long_value ? long_value : "api.resend.com");
    span_attr_int(s, "http.response.status_code", 503);
    span_attr_int(s, "negative", -2);
    span_attr_bool(s, "flag", true);
    span_attr_inngest(s, "inngest.traceref", "ref%7B%7D");
    span_set_status(s, SPAN_STATUS_ERROR, "no answer");
}

static const struct otlp_kv resource[] = {{"service.name", "shop"}, {"deployment.environment", "test"}};

static char *decode_raw(const struct otlp_buf *b)
{
    char path[] = "/tmp/test_trace_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "protoc --decode_raw < %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = calloc(1, 65536);
    size_t n = fread(out, 1, 65535, p);
    out[n] = '\0';
    int rc = pclose(p);
    unlink(path);
    if (rc != 0)
        fail_msg("protoc --decode_raw failed (%d): %s", rc, out);
    return out;
}

static void test_protobuf_as_protoc_reads_it(void **state)
{
    (void)state;
    struct span s;
    sample_span(&s, NULL);
    struct otlp_batch b = {.resource = resource, .resource_count = 2, .scope_name = "inngest",
                           .scope_version = "0.1.0", .spans = &s, .count = 1,
                           .with_inngest_attrs = false};
    struct otlp_buf buf = {0};
    assert_true(otlp_encode_protobuf(&b, &buf));
    char *text = decode_raw(&buf);
    /* ExportTraceServiceRequest.resource_spans(1) { resource(1) { attributes(1) … }
     * scope_spans(2) { scope(1) { name(1) version(2) } spans(2) { … } } } */
    static const char expected[] =
        "1 {\n"
        "  1 {\n"
        "    1 {\n      1: \"service.name\"\n      2 {\n        1: \"shop\"\n      }\n    }\n"
        "    1 {\n      1: \"deployment.environment\"\n      2 {\n        1: \"test\"\n      }\n    }\n"
        "  }\n"
        "  2 {\n"
        "    1 {\n      1: \"inngest\"\n      2: \"0.1.0\"\n    }\n"
        "    2 {\n"
        "      1: \"K\\371/5w\\263M\\246\\243\\316\\222\\235\\016\\016G6\"\n"
        "      2: \"\\000\\360g\\252\\013\\251\\002\\267\"\n"
        "      4: \"\\021\\\"3DUfw\\210\"\n"
        "      5: \"step send-email\"\n"
        "      6: 3\n"
        "      7: 0x17979cfe3d85cd15\n"
        "      8: 0x17979cfe437bae15\n"
        "      9 {\n        1: \"server.address\"\n        2 {\n          1: \"api.resend.com\"\n        }\n      }\n"
        "      9 {\n        1: \"http.response.status_code\"\n        2 {\n          3: 503\n        }\n      }\n"
        "      9 {\n        1: \"negative\"\n        2 {\n          3: 18446744073709551614\n        }\n      }\n"
        "      9 {\n        1: \"flag\"\n        2 {\n          2: 1\n        }\n      }\n"
        "      15 {\n        2: \"no answer\"\n        3: 2\n      }\n"
        "    }\n"
        "  }\n"
        "}\n";
    assert_string_equal(text, expected);
    free(text);
    otlp_buf_free(&buf);

    /* the Inngest target keeps the linkage attribute */
    b.with_inngest_attrs = true;
    assert_true(otlp_encode_protobuf(&b, &buf));
    text = decode_raw(&buf);
    assert_non_null(strstr(text, "1: \"inngest.traceref\"\n        2 {\n          1: \"ref%7B%7D\""));
    free(text);
    otlp_buf_free(&buf);
}

/* Nested lengths past 127 and 16383 bytes take two and three varint bytes:
 * the in-place length slot must grow without corrupting the body. */
static void test_protobuf_long_lengths(void **state)
{
    (void)state;
    char value[1500];
    memset(value, 'x', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    struct span *spans = calloc(12, sizeof(struct span));
    for (int i = 0; i < 12; i++)
        sample_span(&spans[i], value);
    struct otlp_batch b = {.resource = resource, .resource_count = 2, .scope_name = "inngest",
                           .scope_version = "0.1.0", .spans = spans, .count = 12};
    struct otlp_buf buf = {0};
    assert_true(otlp_encode_protobuf(&b, &buf));
    assert_true(buf.len > 16384);
    char *text = decode_raw(&buf);
    size_t found = 0;
    for (const char *p = text; (p = strstr(p, value)) != NULL; p += sizeof(value) - 1)
        found++;
    assert_int_equal(found, 12);
    assert_null(strstr(text, "inngest.traceref"));
    free(text);
    otlp_buf_free(&buf);
    free(spans);
}

static json_object *attr_value(json_object *attrs, const char *key)
{
    for (size_t i = 0; i < json_object_array_length(attrs); i++) {
        json_object *kv = json_object_array_get_idx(attrs, i);
        if (strcmp(json_object_get_string(json_object_object_get(kv, "key")), key) == 0)
            return json_object_object_get(kv, "value");
    }
    return NULL;
}

static void test_json_mapping(void **state)
{
    (void)state;
    struct span s;
    sample_span(&s, "quote\" back\\slash \n newline");
    struct otlp_batch b = {.resource = resource, .resource_count = 2, .scope_name = "inngest",
                           .scope_version = "0.1.0", .spans = &s, .count = 1,
                           .with_inngest_attrs = true};
    struct otlp_buf buf = {0};
    assert_true(otlp_encode_json(&b, &buf));
    char *text = strndup(buf.data, buf.len);
    json_object *root = json_tokener_parse(text);
    assert_non_null(root);
    json_object *rs = json_object_array_get_idx(json_object_object_get(root, "resourceSpans"), 0);
    json_object *ss = json_object_array_get_idx(json_object_object_get(rs, "scopeSpans"), 0);
    json_object *sp = json_object_array_get_idx(json_object_object_get(ss, "spans"), 0);
    assert_string_equal(json_object_get_string(json_object_object_get(sp, "traceId")),
                        "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(json_object_get_string(json_object_object_get(sp, "spanId")), "00f067aa0ba902b7");
    assert_string_equal(json_object_get_string(json_object_object_get(sp, "parentSpanId")),
                        "1122334455667788");
    assert_int_equal(json_object_get_int(json_object_object_get(sp, "kind")), 3);
    assert_string_equal(json_object_get_string(json_object_object_get(sp, "startTimeUnixNano")),
                        "1700000000123456789");
    json_object *attrs = json_object_object_get(sp, "attributes");
    assert_string_equal(json_object_get_string(json_object_object_get(attr_value(attrs, "server.address"),
                                                                       "stringValue")),
                        "quote\" back\\slash \n newline");
    assert_string_equal(json_object_get_string(json_object_object_get(
                            attr_value(attrs, "http.response.status_code"), "intValue")),
                        "503");
    assert_true(json_object_get_boolean(json_object_object_get(attr_value(attrs, "flag"), "boolValue")));
    assert_non_null(attr_value(attrs, "inngest.traceref"));
    json_object *status = json_object_object_get(sp, "status");
    assert_int_equal(json_object_get_int(json_object_object_get(status, "code")), 2);
    json_object_put(root);
    free(text);
    otlp_buf_free(&buf);

    b.with_inngest_attrs = false;
    assert_true(otlp_encode_json(&b, &buf));
    text = strndup(buf.data, buf.len);
    assert_null(strstr(text, "inngest.traceref"));
    root = json_tokener_parse(text);
    assert_non_null(root);
    json_object_put(root);
    free(text);
    otlp_buf_free(&buf);
}

static void test_traceparent(void **state)
{
    (void)state;
    uint8_t t[16], s[8];
    assert_true(trace_parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", t, s));
    assert_memory_equal(t, trace_id, 16);
    assert_memory_equal(s, span_id, 8);
    assert_true(trace_parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", t, s));
    /* a later version may carry more fields */
    assert_true(trace_parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", t, s));
    static const char *bad[] = {
        "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", /* no flags */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  /* uppercase */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  /* zero trace id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  /* zero span id */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  /* forbidden version */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", /* 00 has no more fields */
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(trace_parse_traceparent(bad[i], t, s));
    assert_false(trace_parse_traceparent(NULL, t, s));
}

static void test_tracestate(void **state)
{
    (void)state;
    char out[64];
    const char *ts = "inngest@app=2f1a,inngest@fn=abc, inngest@traceref=%7B%22tp%22%7D ,other=1";
    assert_true(trace_state_member(ts, "inngest@fn", out, sizeof(out)));
    assert_string_equal(out, "abc");
    assert_true(trace_state_member(ts, "inngest@traceref", out, sizeof(out)));
    assert_string_equal(out, "%7B%22tp%22%7D");
    assert_true(trace_state_member(ts, "inngest@app", out, sizeof(out)));
    assert_string_equal(out, "2f1a");
    assert_false(trace_state_member(ts, "inngest@missing", out, sizeof(out)));
    assert_false(trace_state_member("inngest@fn=", "inngest@fn", out, sizeof(out)));
    assert_false(trace_state_member("inngest@fn=a\001b", "inngest@fn", out, sizeof(out)));
    assert_false(trace_state_member("inngest@fn=0123456789", "inngest@fn", out, 8)); /* too long */
}

static void test_url_host(void **state)
{
    (void)state;
    char host[64], scheme[16];
    long port = 0;
    assert_true(trace_url_host("https://user:s3cret@api.resend.com/emails?key=s3cret", host, sizeof(host),
                               scheme, sizeof(scheme), &port));
    assert_string_equal(host, "api.resend.com");
    assert_string_equal(scheme, "https");
    assert_int_equal(port, 443);
    assert_true(trace_url_host("http://127.0.0.1:8288/v0/runs", host, sizeof(host), scheme, sizeof(scheme),
                               &port));
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8288);
    assert_true(trace_url_host("http://[::1]:9/x", host, sizeof(host), scheme, sizeof(scheme), &port));
    assert_string_equal(host, "[::1]");
    assert_int_equal(port, 9);
    assert_true(trace_url_host("http://h?token=x@evil", host, sizeof(host), scheme, sizeof(scheme), &port));
    assert_string_equal(host, "h");
    assert_false(trace_url_host("no-scheme", host, sizeof(host), scheme, sizeof(scheme), &port));
}

static void test_span_text_is_utf8_and_bounded(void **state)
{
    (void)state;
    struct span s;
    memset(&s, 0, sizeof(s));
    span_clear(&s);
    span_attr_str(&s, "bad", "a\xff" "b\xc3\xa9");
    assert_int_equal(s.attrs[0].len, 5);
    assert_memory_equal(s.text + s.attrs[0].off, "a?b\xc3\xa9", 5);
    char big[3000];
    memset(big, 'y', sizeof(big) - 3);
    memcpy(big + sizeof(big) - 3, "\xc3\xa9", 3); /* ends with é and the NUL */
    span_attr_str(&s, "big", big);
    assert_true(s.text_used <= SPAN_TEXT);
    for (int i = 0; i < 40; i++)
        span_attr_int(&s, "many", i);
    assert_int_equal(s.nattrs, SPAN_MAX_ATTRS);
}

/* ---- the tracer on a request ---- */

static json_object *noop(struct ing_ctx *c)
{
    (void)c;
    return NULL;
}
static const struct ing_function fns[] = {
    {.id = "plain", .name = "plain", .triggers = {ING_EVENT("t/plain")}, .handler = noop},
};
static const struct ing_app app = {.default_app_id = "tr", .functions = fns, .function_count = 1};

/* The value of `name` in a table of {name, value}, NULL when absent: each
 * environment below is one such table. */
static const char *lookup(const char *const vars[][2], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, vars[i][0]) == 0)
            return vars[i][1];
    return NULL;
}

static const char *env_value(const char *name)
{
    static const char *const vars[][2] = {
        {"INNGEST_DEV", "1"},
        {"INNGEST_BASE_URL", "http://127.0.0.1:9"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9/"},
        {"OTEL_BSP_MAX_QUEUE_SIZE", "3"},
        {"OTEL_SERVICE_NAME", "unit"},
    };
    return lookup(vars, ING_COUNT(vars), name);
}

/* A server from `env`, the Inngest target on and OTLP export as `otlp` says. */
static void start_traced(struct server *srv, const char *(*env)(const char *), bool otlp)
{
    char err[256];
    if (!server_init(srv, &app, env, err, sizeof(err)))
        fail_msg("server_init: %s", err);
    assert_true(srv->trace.inngest);
    assert_int_equal(srv->trace.otlp, otlp);
}

/* A call of the app's function in one run, on srv. */
static struct ing_ctx *run_ctx(struct server *srv)
{
    struct ing_ctx *c = ctx_new(srv);
    assert_non_null(c);
    c->fn = &fns[0];
    c->run_id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
    return c;
}

static void test_tracer_links_and_drops(void **state)
{
    (void)state;
    struct server srv;
    start_traced(&srv, env_value, true);
    assert_string_equal(srv.trace.otlp_url, "http://127.0.0.1:9/v1/traces");
    assert_string_equal(srv.trace.inngest_url, "http://127.0.0.1:9/v1/traces/userland");
    srv.metrics = metrics_create(&srv, 1);
    assert_non_null(srv.metrics);
    srv.tracer = tracer_new(&srv.trace, srv.metrics);
    assert_non_null(srv.tracer);

    struct ing_ctx *c = run_ctx(&srv);
    c->attempt = 2;
    char *params[] = {
        "REQUEST_METHOD=POST",
        "HTTP_TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "HTTP_TRACESTATE=inngest@app=0b7c6d8e-0000-4000-8000-000000000001,"
        "inngest@fn=0b7c6d8e-0000-4000-8000-000000000002,inngest@traceref=%7B%22tp%22%3A%2200%22%7D",
        NULL};
    struct request req;
    request_init(&req, params);
    trace_call_begin(c, &req);
    trace_step_begin(c, "send-email", "abc123", 0);
    uint64_t t0 = trace_outbound_begin(srv.tracer);
    assert_true(t0 > 0);
    trace_outbound_end(srv.tracer, t0, "POST", "https://k:secret@api.resend.com/emails?api_key=secret", 200, true);
    trace_step_end(c, true);
    uint64_t t1 = trace_outbound_begin(srv.tracer);
    trace_outbound_end(srv.tracer, t1, "GET", "http://127.0.0.1:9/x", 0, false); /* queue: 3 of 3 */
    trace_call_end(c, 206, "ops");                                              /* dropped */

    struct span *out = calloc(8, sizeof(struct span));
    bool stopping = false;
    tracer_stop(srv.tracer); /* no waiting in take */
    size_t n = tracer_take(srv.tracer, out, 8, &stopping);
    assert_int_equal(n, 3);
    assert_true(stopping);
    /* the order they ended: the Resend call, its step, the other call */
    const struct span *http = &out[0], *step = &out[1], *other = &out[2];
    assert_memory_equal(http->trace_id, trace_id, 16);
    assert_memory_equal(http->parent_id, step->span_id, 8);
    assert_memory_equal(step->parent_id, other->parent_id, 8); /* both under the call span */
    assert_true(http->for_inngest);
    assert_int_equal(http->kind, SPAN_KIND_CLIENT);
    char *all = NULL;
    struct otlp_batch b = {.resource = resource, .resource_count = 2, .scope_name = "inngest",
                           .scope_version = "0", .spans = out, .count = n, .with_inngest_attrs = true};
    struct otlp_buf buf = {0};
    assert_true(otlp_encode_json(&b, &buf));
    all = strndup(buf.data, buf.len);
    assert_null(strstr(all, "secret"));
    assert_null(strstr(all, "/emails"));
    assert_non_null(strstr(all, "\"sdk.run.id\""));
    assert_non_null(strstr(all, "\"sys.function.id\",\"value\":{\"stringValue\":\"0b7c6d8e-0000-4000-8000-000000000002\""));
    assert_non_null(strstr(all, "\"inngest.step.hash\",\"value\":{\"stringValue\":\"abc123\""));
    assert_non_null(strstr(all, "\"server.address\",\"value\":{\"stringValue\":\"api.resend.com\""));
    assert_non_null(strstr(all, "\"error.type\",\"value\":{\"stringValue\":\"no_response\""));
    free(all);
    otlp_buf_free(&buf);

    size_t len = 0;
    char *text = metrics_render(srv.metrics, &srv, &len);
    assert_non_null(strstr(text, "inngest_fcgi_trace_spans_dropped_total{target=\"otlp\",reason=\"queue_full\"} 1\n"));
    assert_non_null(strstr(text, "inngest_fcgi_trace_spans_dropped_total{target=\"inngest\",reason=\"queue_full\"} 1\n"));
    free(text);
    free(out);
    ctx_release(c);
    tracer_free(srv.tracer);
    metrics_destroy(srv.metrics);
}

static const char *env_inngest_only(const char *name)
{
    static const char *const vars[][2] = {{"INNGEST_DEV", "1"}, {"INNGEST_BASE_URL", "http://127.0.0.1:9"}};
    return lookup(vars, ING_COUNT(vars), name);
}

/* The default (the Inngest target only): a call the server cannot tie to a
 * run records nothing; one with the linkage is traced. */
static void test_inngest_only_records_linked_calls_only(void **state)
{
    (void)state;
    struct server srv;
    start_traced(&srv, env_inngest_only, false);
    srv.tracer = tracer_new(&srv.trace, NULL);
    assert_non_null(srv.tracer);
    struct ing_ctx *c = run_ctx(&srv);
    char *bare[] = {"REQUEST_METHOD=POST", NULL};
    struct request req;
    request_init(&req, bare);
    trace_call_begin(c, &req);
    assert_int_equal(trace_outbound_begin(srv.tracer), 0);
    trace_call_end(c, 200, "result");
    char *linked[] = {
        "REQUEST_METHOD=POST",
        "HTTP_TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "HTTP_TRACESTATE=inngest@fn=0b7c6d8e-0000-4000-8000-000000000002,inngest@traceref=x", NULL};
    request_init(&req, linked);
    trace_call_begin(c, &req);
    assert_true(trace_outbound_begin(srv.tracer) > 0);
    trace_call_end(c, 200, "result");
    struct span *out = calloc(4, sizeof(struct span));
    bool stopping = false;
    tracer_stop(srv.tracer);
    assert_int_equal(tracer_take(srv.tracer, out, 4, &stopping), 1);
    assert_true(out[0].for_inngest);
    free(out);
    ctx_release(c);
    tracer_free(srv.tracer);
}

static const char *env_off(const char *name)
{
    static const char *const vars[][2] = {{"INNGEST_DEV", "1"}, {"INNGEST_TRACES", "0"}};
    return lookup(vars, ING_COUNT(vars), name);
}

static const char *env_grpc(const char *name)
{
    if (strcmp(name, "OTEL_EXPORTER_OTLP_PROTOCOL") == 0)
        return "grpc";
    return env_off(name);
}

static void test_config_off_and_refusals(void **state)
{
    (void)state;
    struct server srv;
    char err[256];
    assert_true(server_init(&srv, &app, env_off, err, sizeof(err)));
    assert_false(trace_config_enabled(&srv.trace));
    assert_null(tracer_new(&srv.trace, NULL)); /* off: every hook is a no-op */
    trace_outbound_end(NULL, 1, "GET", "http://x", 200, true);
    assert_false(server_init(&srv, &app, env_grpc, err, sizeof(err)));
    assert_non_null(strstr(err, "http/protobuf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protobuf_as_protoc_reads_it),
        cmocka_unit_test(test_protobuf_long_lengths),
        cmocka_unit_test(test_json_mapping),
        cmocka_unit_test(test_traceparent),
        cmocka_unit_test(test_tracestate),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_span_text_is_utf8_and_bounded),
        cmocka_unit_test(test_tracer_links_and_drops),
        cmocka_unit_test(test_inngest_only_records_linked_calls_only),
        cmocka_unit_test(test_config_off_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
