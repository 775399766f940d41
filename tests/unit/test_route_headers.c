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

static const struct ing_route routes[] = {
    {.path = "/many", .handler = many_lines},
    {.path = "/bad", .handler = bad_lines},
    {.path = "/repeated", .handler = repeated_lines},
    {.path = "/bytes", .handler = too_many_bytes},
    {.path = "/gated", .handler = gate, .durable = never_runs},
};
/* routes only: no function is needed to serve them */
static const struct ing_app app = {.default_app_id = "route-headers", .routes = routes,
                                   .route_count = ING_COUNT(routes)};

static const char *env(const char *name)
{
    if (strcmp(name, "INNGEST_DEV") == 0)
        return "1";
    if (strcmp(name, "INNGEST_BASE_URL") == 0)
        return "http://127.0.0.1:9"; /* nothing is sent: the gate answers */
    return NULL;
}

/* One server for the whole group; each test serves one request, whose
 * context the next request (or the group's end) releases. */
static struct server srv;
static struct ing_ctx *ctx;
static struct response res;
static json_object *answer;
static char *head; /* the head the front would write for res */

static void release_request(void)
{
    ctx_release(ctx);
    json_object_put(answer);
    free(head);
    ctx = NULL;
    answer = NULL;
    head = NULL;
}

static int start(void **s)
{
    (void)s;
    char err[256];
    if (!server_init(&srv, &app, env, err, sizeof(err)) || !server_init_worker(&srv)) {
        fprintf(stderr, "server_init: %s\n", err);
        return -1;
    }
    return 0;
}

static int stop(void **s)
{
    (void)s;
    release_request();
    server_close_worker(&srv);
    return 0;
}

/* Serves METHOD PATH and checks what its route's ing_http_add_header calls returned. */
static void serve_expecting(const char *method, const char *path, int want_added, int want_refused)
{
    release_request();
    added = refused = 0;
    char m[32], uri[64];
    snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
    snprintf(uri, sizeof(uri), "DOCUMENT_URI=%s", path);
    char *params[] = {m, uri, "QUERY_STRING=", "HTTP_HOST=127.0.0.1:3939", "REMOTE_ADDR=127.0.0.1", NULL};
    ctx = serve_one(&srv, params, "", NULL, &res, &answer);
    assert_non_null(ctx);
    assert_int_equal(added, want_added);
    assert_int_equal(refused, want_refused);
    size_t cap = response_head_size(&res);
    head = malloc(cap);
    assert_non_null(head);
    assert_true(response_head(&res, head, cap) < cap);
}

/* How many of res's headers have a name starting with prefix (any case). */
static int count_named(const char *prefix)
{
    int n = 0;
    for (int i = 0; i < res.header_count; i++)
        n += strncasecmp(res.headers[i].name, prefix, strlen(prefix)) == 0;
    return n;
}

static void hundred_lines_all_written_in_order(void **s)
{
    (void)s;
    serve_expecting("GET", "/many", MANY, 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(count_named("X-Line-"), MANY);
    /* the front's head: every line once, in order, then Content-Length */
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
}

static void bad_line_refused_the_rest_written(void **s)
{
    (void)s;
    serve_expecting("GET", "/bad", 2, 9);
    assert_true(!strstr(head, "Evil") && !strstr(head, "evil"));
    assert_int_equal(count_named("Set-Cookie") + count_named("Status") + count_named("Content-Length"), 0);
    assert_non_null(strstr(head, "\r\nX-Before: 1\r\nX-After: 2\r\n"));
}

static void repeated_names_stay_repeated(void **s)
{
    (void)s;
    serve_expecting("GET", "/repeated", 4, 0);
    assert_int_equal(count_named("Set-Cookie"), 2);
    assert_int_equal(count_named("Content-Type"), 1);
    assert_string_equal(response_get_header(&res, "Content-Type"), "text/plain");
    assert_non_null(strstr(head, "\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n"));
}

/* 16 lines of 1,002 bytes fit in 16,384; the 17th would not; a short one does. */
static void byte_limit_refuses_the_line_past_it(void **s)
{
    (void)s;
    serve_expecting("GET", "/bytes", ING_HTTP_MAX_HEADER_BYTES / 1002 + 1, 1);
    assert_int_equal(count_named("X-Big"), ING_HTTP_MAX_HEADER_BYTES / 1002);
    assert_string_equal(response_get_header(&res, "X-Small"), "1");
    assert_true(strlen(head) > ING_HTTP_MAX_HEADER_BYTES - 1002);
}

static void durable_gate_answers_with_its_lines(void **s)
{
    (void)s;
    serve_expecting("POST", "/gated", 20, 0);
    assert_int_equal(res.status, 429);
    assert_int_equal(count_named("X-Gate-"), 20);
    assert_string_equal(response_get_header(&res, "X-Gate-19"), "19");
}

/* A response the SDK did not hand to a route has no request memory. */
static void add_header_needs_the_routes_response(void **s)
{
    (void)s;
    struct ing_http_response mine = {0};
    assert_false(ing_http_add_header(&mine, "X-Fine: 1"));
    assert_int_equal(mine.header_count, 0);
    assert_null(mine.headers);
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
    return cmocka_run_group_tests(tests, start, stop);
}
