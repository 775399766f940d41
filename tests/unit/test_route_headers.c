/*
 * test_route_headers.c — a route's answer carries as many header lines as
 * it adds (ing_http_add_header grows the list in the request's memory):
 * 100 lines through the real router come out all, in order, in the head the
 * front writes (past the 4 KiB it builds on the stack); repeated names stay
 * repeated (Set-Cookie), the same line twice is written once and
 * Content-Type stays one; a line that could split
 * the header block is refused and the rest still written; the byte limit
 * (ING_HTTP_MAX_HEADER_BYTES) refuses the line that would pass it; a durable
 * route's gate answers with its lines too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/context.h"
#include "core/response.h"
#include "inngest.h"
#include "serve_one.h"
#include "transport/server_setup.h"

#define MANY 100

static int added, refused;

static void many_lines(const struct ing_http_request *req, struct ing_http_response *res)
{
    res->status = 200;
    for (int i = 0; i < MANY; i++)
        added += ing_http_add_header(res, ing_sprintf(req->ctx, "X-Line-%03d: value %d", i, i));
}

static void bad_lines(const struct ing_http_request *req, struct ing_http_response *res)
{
    (void)req;
    res->status = 200;
    static const char *const bad[] = {
        NULL, "X-Evil: 1\r\nSet-Cookie: evil=1", "X-Evil: 1\nX-B: 2", "X-Evil: a\x01",
        "no colon here", ": no name", "Bad Name: x", "Content-Length: 0", "status: 200 OK"};
    added += ing_http_add_header(res, "X-Before: 1");
    for (size_t i = 0; i < ING_COUNT(bad); i++)
        refused += !ing_http_add_header(res, bad[i]);
    added += ing_http_add_header(res, "X-After: 2");
}

static void repeated_lines(const struct ing_http_request *req, struct ing_http_response *res)
{
    (void)req;
    res->status = 200;
    res->content_type = "application/json";
    res->body = ing_json_object(req->ctx);
    added += ing_http_add_header(res, "Set-Cookie: a=1; Path=/");
    added += ing_http_add_header(res, "Set-Cookie: b=2; Path=/");
    added += ing_http_add_header(res, "Set-Cookie: a=1; Path=/"); /* the same line: written once */
    added += ing_http_add_header(res, "content-type: text/plain");
}

/* Lines of 1,000 bytes (1,002 with CR LF) until one is refused. */
static void too_many_bytes(const struct ing_http_request *req, struct ing_http_response *res)
{
    res->status = 200;
    for (int i = 0;; i++) {
        char *line = ing_sprintf(req->ctx, "X-Big: %0993d", i); /* each its own */
        assert_int_equal(strlen(line), 1000);
        if (!ing_http_add_header(res, line))
            break;
        added++;
    }
    refused++;
    /* a short line still fits in what is left */
    added += ing_http_add_header(res, "X-Small: 1");
}

static void gate(const struct ing_http_request *req, struct ing_http_response *res)
{
    res->status = 429;
    for (int i = 0; i < 20; i++)
        added += ing_http_add_header(res, ing_sprintf(req->ctx, "X-Gate-%02d: %d", i, i));
}

static json_object *never_runs(struct ing_ctx *c, const struct ing_http_request *req)
{
    (void)req;
    fail_msg("the gate answered: the durable route must not run");
    return ing_json_object(c);
}

static json_object *noop(struct ing_ctx *c) { return ing_json_object(c); }

static const struct ing_function fns[] = {
    {.id = "noop", .name = "noop", .triggers = {ING_EVENT("t/noop")}, .handler = noop},
};
static const struct ing_route routes[] = {
    {.path = "/many", .handler = many_lines},
    {.path = "/bad", .handler = bad_lines},
    {.path = "/repeated", .handler = repeated_lines},
    {.path = "/bytes", .handler = too_many_bytes},
    {.path = "/gated", .handler = gate, .durable = never_runs},
};
static const struct ing_app app = {.default_app_id = "route-headers", .functions = fns,
                                   .function_count = ING_COUNT(fns), .routes = routes,
                                   .route_count = ING_COUNT(routes)};

static const char *env(const char *name)
{
    if (strcmp(name, "INNGEST_DEV") == 0)
        return "1";
    if (strcmp(name, "INNGEST_BASE_URL") == 0)
        return "http://127.0.0.1:9"; /* nothing is sent: the gate answers */
    return NULL;
}

struct served {
    struct server srv;
    struct ing_ctx *ctx;
    struct response res;
    json_object *answer;
};

static void serve_path(struct served *x, const char *method, const char *path)
{
    memset(x, 0, sizeof(*x));
    added = refused = 0;
    char err[256];
    if (!server_init(&x->srv, &app, env, err, sizeof(err)))
        fail_msg("server_init: %s", err);
    assert_true(server_init_worker(&x->srv));
    char m[32], uri[64];
    snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
    snprintf(uri, sizeof(uri), "DOCUMENT_URI=%s", path);
    char *params[] = {m, uri, "QUERY_STRING=", "HTTP_HOST=127.0.0.1:3939", "REMOTE_ADDR=127.0.0.1", NULL};
    x->ctx = serve_one(&x->srv, params, "", NULL, &x->res, &x->answer);
    assert_non_null(x->ctx);
}

static void served_free(struct served *x)
{
    ctx_release(x->ctx);
    server_close_worker(&x->srv);
    json_object_put(x->answer);
}

/* The head as the front writes it. */
static char *head_of(const struct response *res)
{
    size_t cap = response_head_size(res);
    char *head = malloc(cap);
    assert_non_null(head);
    assert_true(response_head(res, head, cap) < cap);
    return head;
}

/* The headers of `res` named `prefix…`, in order, are name<i>: value<i>. */
static int count_named(const struct response *res, const char *prefix)
{
    int n = 0;
    for (int i = 0; i < res->header_count; i++)
        n += strncmp(res->headers[i].name, prefix, strlen(prefix)) == 0;
    return n;
}

static void hundred_lines_all_written_in_order(void **s)
{
    (void)s;
    struct served x;
    serve_path(&x, "GET", "/many");
    assert_int_equal(added, MANY);
    assert_int_equal(x.res.status, 200);
    assert_int_equal(count_named(&x.res, "X-Line-"), MANY);
    int seen = 0;
    for (int i = 0; i < x.res.header_count; i++) {
        if (strncmp(x.res.headers[i].name, "X-Line-", 7) != 0)
            continue;
        char name[32], value[32];
        snprintf(name, sizeof(name), "X-Line-%03d", seen);
        snprintf(value, sizeof(value), "value %d", seen);
        assert_string_equal(x.res.headers[i].name, name);
        assert_string_equal(x.res.headers[i].value, value);
        seen++;
    }
    /* the front's head: every line once, in order, then Content-Length */
    char *head = head_of(&x.res);
    assert_true(strncmp(head, "Status: 200 OK\r\n", 16) == 0);
    const char *at = head;
    for (int i = 0; i < MANY; i++) {
        char line[48];
        snprintf(line, sizeof(line), "\r\nX-Line-%03d: value %d\r\n", i, i);
        const char *next = strstr(at, line);
        if (!next)
            fail_msg("line %d is missing from the head, or out of order", i);
        at = next + 1;
    }
    assert_non_null(strstr(at, "\r\nContent-Length: 0\r\n\r\n"));
    free(head);
    served_free(&x);
}

static void bad_line_refused_the_rest_written(void **s)
{
    (void)s;
    struct served x;
    serve_path(&x, "GET", "/bad");
    assert_int_equal(added, 2);
    assert_int_equal(refused, 9);
    assert_string_equal(response_get_header(&x.res, "X-Before"), "1");
    assert_string_equal(response_get_header(&x.res, "X-After"), "2");
    assert_null(response_get_header(&x.res, "X-Evil"));
    assert_null(response_get_header(&x.res, "Set-Cookie"));
    assert_null(response_get_header(&x.res, "Content-Length"));
    assert_null(response_get_header(&x.res, "Status"));
    char *head = head_of(&x.res);
    assert_null(strstr(head, "evil"));
    assert_non_null(strstr(head, "\r\nX-Before: 1\r\nX-After: 2\r\n"));
    free(head);
    served_free(&x);
}

static void repeated_names_stay_repeated(void **s)
{
    (void)s;
    struct served x;
    serve_path(&x, "GET", "/repeated");
    assert_int_equal(added, 4);
    assert_int_equal(count_named(&x.res, "Set-Cookie"), 2);
    int types = 0;
    for (int i = 0; i < x.res.header_count; i++)
        types += strcasecmp(x.res.headers[i].name, "Content-Type") == 0;
    assert_int_equal(types, 1);
    assert_string_equal(response_get_header(&x.res, "Content-Type"), "text/plain");
    char *head = head_of(&x.res);
    assert_non_null(strstr(head, "\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n"));
    free(head);
    served_free(&x);
}

static void byte_limit_refuses_the_line_past_it(void **s)
{
    (void)s;
    struct served x;
    serve_path(&x, "GET", "/bytes");
    /* 16 lines of 1,002 bytes fit in 16,384; the 17th would not; a short one does */
    assert_int_equal(refused, 1);
    assert_int_equal(added, ING_HTTP_MAX_HEADER_BYTES / 1002 + 1);
    assert_int_equal(count_named(&x.res, "X-Big"), ING_HTTP_MAX_HEADER_BYTES / 1002);
    assert_string_equal(response_get_header(&x.res, "X-Small"), "1");
    char *head = head_of(&x.res);
    assert_true(strlen(head) > ING_HTTP_MAX_HEADER_BYTES - 1002);
    free(head);
    served_free(&x);
}

static void durable_gate_answers_with_its_lines(void **s)
{
    (void)s;
    struct served x;
    serve_path(&x, "POST", "/gated");
    assert_int_equal(added, 20);
    assert_int_equal(x.res.status, 429);
    assert_int_equal(count_named(&x.res, "X-Gate-"), 20);
    assert_string_equal(response_get_header(&x.res, "X-Gate-19"), "19");
    served_free(&x);
}

/* A response the SDK did not hand to a route has no request memory. */
static void add_header_needs_the_routes_response(void **s)
{
    (void)s;
    struct ing_http_response res = {0};
    assert_false(ing_http_add_header(&res, "X-Fine: 1"));
    assert_int_equal(res.header_count, 0);
    assert_null(res.headers);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hundred_lines_all_written_in_order),
        cmocka_unit_test(bad_line_refused_the_rest_written),
        cmocka_unit_test(repeated_names_stay_repeated),
        cmocka_unit_test(byte_limit_refuses_the_line_past_it),
        cmocka_unit_test(durable_gate_answers_with_its_lines),
        cmocka_unit_test(add_header_needs_the_routes_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
