/*
 * test_http_fetch.c — the outbound layer as apps see it (ing_http_fetch,
 * ing_http_transient, ing_http_retry_after) and the pieces under it: the
 * bounded buffer (base/dynbuf.h), the retry rule and loop (outbound/retry.h)
 * and the transport seam (outbound_set_transport); and ing_url_parse, the
 * URL parser apps use instead of including libcurl.
 *
 * Requests go to the scripted server of fake_http.h on 127.0.0.1 through the
 * real libcurl transport, or to a transport installed for one test; the
 * server records what arrived, so each test says how many tries were made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/dynbuf.h"
#include "core/context.h"
#include "core/server.h"
#include "dev_env.h"
#include "fake_http.h"
#include "inngest.h"
#include "outbound/http_client.h"
#include "outbound/retry.h"
#include "transport/server_setup.h"

static json_object *noop(struct ing_ctx *c)
{
    (void)c;
    return NULL;
}

static const struct ing_function fns[] = {
    {.id = "noop", .name = "noop", .triggers = {ING_EVENT("t/noop")}, .handler = noop},
};
static const struct ing_app app = {.default_app_id = "fetch-test", .functions = fns,
                                   .function_count = ING_COUNT(fns)};

struct fixture {
    struct server srv;
    struct ing_ctx *c;
    struct fake_http *api;
    char base[64];
};

static void start(struct fixture *x, const struct fake_reply *replies, int n)
{
    memset(x, 0, sizeof(*x));
    char err[256];
    if (!server_init(&x->srv, &app, dev_env, err, sizeof(err)))
        fail_msg("server_init: %s", err);
    assert_true(server_init_worker(&x->srv));
    x->c = ctx_new(&x->srv);
    assert_non_null(x->c);
    if (replies) {
        x->api = fake_http_start(replies, n);
        assert_non_null(x->api);
        snprintf(x->base, sizeof(x->base), "http://127.0.0.1:%d", fake_http_port(x->api));
    }
}

/* Stops the server (so that its records can be read) and returns its count. */
static int tries(struct fixture *x)
{
    fake_http_stop(x->api);
    return fake_http_count(x->api);
}

static void finish(struct fixture *x)
{
    ctx_release(x->c);
    server_close_worker(&x->srv);
    if (x->api)
        fake_http_free(x->api);
}

static const char *url(struct fixture *x, const char *path)
{
    return ing_sprintf(x->c, "%s%s", x->base, path);
}

/* Fetches rq, which must get an answer, of `status`. */
static void expect_fetched(struct fixture *x, const struct ing_fetch_request *rq,
                           struct ing_fetch_response *res, int status)
{
    assert_true(ing_http_fetch(x->c, rq, res));
    assert_int_equal(res->status, status);
}

/* ---- answers ---------------------------------------------------------------- */

static void test_get_answer_and_headers(void **s)
{
    (void)s;
    static const struct fake_reply r[] = {
        {.status = 200, .body = "{\"ok\":true}", .headers = "X-Thing: one\r\nX-Thing: two\r\nETag: \"v1\"\r\n"}};
    struct fixture x;
    start(&x, r, 1);
    struct ing_fetch_request rq = {.url = url(&x, "/items?page=2"), .headers = {"Accept: application/json"}};
    struct ing_fetch_response res;
    expect_fetched(&x, &rq, &res, 200);
    assert_string_equal(res.body, "{\"ok\":true}");
    assert_int_equal(res.body_len, 11);
    assert_string_equal(ing_json_get_string(res.headers, "content-type"), "application/json");
    assert_string_equal(ing_json_get_string(res.headers, "x-thing"), "one, two");
    assert_string_equal(ing_json_get_string(res.headers, "etag"), "\"v1\"");
    assert_int_equal(tries(&x), 1);
    const struct fake_request *got = fake_http_request(x.api, 0);
    assert_string_equal(got->method, "GET");
    assert_string_equal(got->target, "/items?page=2");
    char v[128];
    assert_string_equal(fake_http_header(got, "accept", v, sizeof v), "application/json");
    assert_string_equal(fake_http_header(got, "user-agent", v, sizeof v), "inngest-fcgi:v" ING_SDK_VERSION);
    assert_int_equal(got->body_len, 0);
    finish(&x);
}

static void test_post_body_once_even_on_503(void **s)
{
    (void)s;
    static const struct fake_reply r[] = {{.status = 503, .body = "{\"message\":\"down\"}"},
                                          {.status = 201, .body = "{}"}};
    struct fixture x;
    start(&x, r, 2);
    struct ing_fetch_request rq = {.method = "POST", .url = url(&x, "/send"),
                                   .headers = {"Content-Type: application/json", NULL,
                                               "User-Agent: mine/1"},
                                   .body = "{\"to\":\"a\"}"};
    struct ing_fetch_response res;
    expect_fetched(&x, &rq, &res, 503); /* an answer: the caller decides */
    assert_string_equal(res.body, "{\"message\":\"down\"}");
    assert_int_equal(tries(&x), 1);               /* a POST goes once */
    const struct fake_request *got = fake_http_request(x.api, 0);
    assert_string_equal(got->method, "POST");
    assert_string_equal(got->body, "{\"to\":\"a\"}");
    char v[64];
    assert_string_equal(fake_http_header(got, "user-agent", v, sizeof v), "mine/1");
    finish(&x);
}

static void test_get_retried_on_transient(void **s)
{
    (void)s;
    static const struct fake_reply r[] = {{.status = 503, .body = "a"}, {.status = 408, .body = "b"},
                                          {.status = 200, .body = "c"}};
    struct fixture x;
    start(&x, r, 3);
    struct ing_fetch_request rq = {.url = url(&x, "/")};
    struct ing_fetch_response res;
    expect_fetched(&x, &rq, &res, 200);
    assert_string_equal(res.body, "c");
    assert_int_equal(tries(&x), 3);
    finish(&x);

    /* every try transient: ING_FETCH_ATTEMPTS tries, then the last answer */
    static const struct fake_reply down[] = {{.status = 502, .body = "gateway"}};
    start(&x, down, 1);
    rq.url = url(&x, "/");
    expect_fetched(&x, &rq, &res, 502);
    assert_int_equal(tries(&x), ING_FETCH_ATTEMPTS);
    finish(&x);

    /* a permanent answer is not repeated */
    static const struct fake_reply gone[] = {{.status = 404, .body = "{}"}};
    start(&x, gone, 1);
    rq.url = url(&x, "/");
    rq.method = "DELETE";
    expect_fetched(&x, &rq, &res, 404);
    assert_int_equal(tries(&x), 1);
    finish(&x);
}

static void test_retry_after(void **s)
{
    (void)s;
    /* a long Retry-After is the caller's to wait: one try, the answer back */
    static const struct fake_reply slow[] = {{.status = 429, .body = "{}", .headers = "Retry-After: 120\r\n"}};
    struct fixture x;
    start(&x, slow, 1);
    struct ing_fetch_request rq = {.url = url(&x, "/")};
    struct ing_fetch_response res;
    expect_fetched(&x, &rq, &res, 429);
    assert_int_equal(ing_http_retry_after(&res), 120);
    assert_int_equal(tries(&x), 1);
    finish(&x);

    /* Retry-After: 0 is a retry now */
    static const struct fake_reply now[] = {{.status = 429, .body = "{}", .headers = "Retry-After: 0\r\n"},
                                            {.status = 200, .body = "ok"}};
    start(&x, now, 2);
    rq.url = url(&x, "/");
    expect_fetched(&x, &rq, &res, 200);
    assert_int_equal(ing_http_retry_after(&res), -1); /* the last answer has none */
    assert_int_equal(tries(&x), 2);
    finish(&x);
}

/* ---- refusals and failures -------------------------------------------------- */

static void expect_refused(struct fixture *x, const struct ing_fetch_request *rq, const char *why)
{
    struct ing_fetch_response res;
    assert_false(ing_http_fetch(x->c, rq, &res));
    assert_int_equal(res.status, 0);
    assert_null(res.headers);
    assert_non_null(res.body);
    assert_int_equal(res.body_len, strlen(res.body));
    if (!strstr(res.body, why))
        fail_msg("want \"%s\" in \"%s\"", why, res.body);
}

static void test_refused_before_sending(void **s)
{
    (void)s;
    static const struct fake_reply r[] = {{.status = 200, .body = "{}"}};
    struct fixture x;
    start(&x, r, 1);
    const char *ok = url(&x, "/");
    expect_refused(&x, &(struct ing_fetch_request){.url = NULL}, "no URL");
    expect_refused(&x, &(struct ing_fetch_request){.url = "ftp://127.0.0.1/x"}, "http:// or https://");
    expect_refused(&x, &(struct ing_fetch_request){.url = "file:///etc/passwd"}, "http:// or https://");
    expect_refused(&x, &(struct ing_fetch_request){.url = "http://"}, "with a host");
    expect_refused(&x, &(struct ing_fetch_request){.url = ing_sprintf(x.c, "%s/a b", x.base)}, "space");
    expect_refused(&x, &(struct ing_fetch_request){.url = ing_sprintf(x.c, "%s/a\r\nX: y", x.base)},
                   "control");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .method = "TRACE"}, "the method");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .method = "get"}, "the method");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .headers = {"X-A: 1\r\nX-B: 2"}}, "CR or LF");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .headers = {"no colon"}}, "Name: value");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .headers = {": empty"}}, "Name: value");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .headers = {"Bad Name: v"}}, "header name");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .headers = {"content-length: 5"}}, "SDK's to set");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .body = "x"}, "has no body");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .method = "HEAD", .body = "x"}, "has no body");
    expect_refused(&x, &(struct ing_fetch_request){.url = ok, .timeout_ms = -1}, "negative");
    expect_refused(&x, NULL, "no request");
    assert_false(ing_http_fetch(x.c, &(struct ing_fetch_request){.url = ok}, NULL));
    assert_int_equal(tries(&x), 0); /* nothing was sent */
    finish(&x);
}

static void test_unreachable_names_no_secret(void **s)
{
    (void)s;
    static const struct fake_reply r[] = {{.status = 200, .body = "{}"}};
    struct fixture x;
    start(&x, r, 1);
    fake_http_stop(x.api); /* a port nobody listens on now */
    struct ing_fetch_request rq = {
        .url = ing_sprintf(x.c, "http://user:pw-secret@127.0.0.1:%d/path-secret?token=q-secret",
                           fake_http_port(x.api)),
        .headers = {"Authorization: Bearer h-secret"}};
    struct ing_fetch_response res;
    assert_false(ing_http_fetch(x.c, &rq, &res));
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.body, ing_sprintf(x.c, "GET http://127.0.0.1:%d", fake_http_port(x.api))));
    assert_null(strstr(res.body, "secret"));
    finish(&x);
}

static void test_too_large_is_not_retried(void **s)
{
    (void)s;
    size_t n = ING_FETCH_MAX_RESPONSE + 1;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    struct fake_reply r[] = {{.status = 200, .body = big, .content_type = "text/plain"}};
    struct fixture x;
    start(&x, r, 1);
    struct ing_fetch_request rq = {.url = url(&x, "/big")};
    struct ing_fetch_response res;
    assert_false(ing_http_fetch(x.c, &rq, &res));
    assert_non_null(strstr(res.body, "larger than"));
    assert_int_equal(tries(&x), 1);
    finish(&x);
    free(big);

    /* exactly the limit is an answer */
    n = ING_FETCH_MAX_RESPONSE;
    big = malloc(n + 1);
    memset(big, 'b', n);
    big[n] = '\0';
    r[0].body = big;
    start(&x, r, 1);
    rq.url = url(&x, "/big");
    assert_true(ing_http_fetch(x.c, &rq, &res));
    assert_int_equal(res.body_len, n);
    finish(&x);
    free(big);
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A server that accepts connections (the kernel's backlog) and never answers. */
static void test_timeout_bounds_the_whole_call(void **s)
{
    (void)s;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    struct fixture x;
    start(&x, NULL, 0);
    struct ing_fetch_request rq = {.url = ing_sprintf(x.c, "http://127.0.0.1:%d/", ntohs(sa.sin_port)),
                                   .timeout_ms = 400};
    struct ing_fetch_response res;
    long long t0 = mono_ms();
    assert_false(ing_http_fetch(x.c, &rq, &res)); /* a GET: retried only inside the 400 ms */
    long long took = mono_ms() - t0;
    if (took < 350 || took > 1500)
        fail_msg("the call took %lld ms for a 400 ms timeout", took);
    assert_non_null(strstr(res.body, "imeout"));
    finish(&x);
    close(fd);
}

/* ---- the seam ------------------------------------------------------------------ */

static int seam_calls;

static bool scripted(struct http_client *h, struct arena *a, const struct http_call *call,
                     struct http_result *out)
{
    (void)h;
    seam_calls++;
    static const char head[] = "HTTP/1.1 503 X\r\nRetry-After: 1\r\nX-Seen: yes\r\n\r\n";
    out->headers = arena_strndup(a, head, sizeof(head) - 1);
    out->headers_len = sizeof(head) - 1;
    out->status = seam_calls < 2 ? 503 : 200;
    out->body = arena_strdup(a, call->method);
    out->body_len = strlen(call->method);
    return true;
}

static void test_transport_seam(void **s)
{
    (void)s;
    struct fixture x;
    start(&x, NULL, 0);
    outbound_set_transport(scripted);
    seam_calls = 0;
    struct ing_fetch_request rq = {.method = "PUT", .url = "http://service.invalid/x", .body = "{}"};
    struct ing_fetch_response res;
    long long t0 = mono_ms();
    assert_true(ing_http_fetch(x.c, &rq, &res));
    long long took = mono_ms() - t0;
    outbound_set_transport(NULL);
    assert_int_equal(seam_calls, 2);   /* a PUT may be repeated */
    assert_true(took >= 900);          /* after the Retry-After of 1 s */
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body, "PUT");
    assert_string_equal(ing_json_get_string(res.headers, "x-seen"), "yes");
    finish(&x);
}

/* ---- the rule, Retry-After, the buffer -------------------------------------- */

static void test_transient_rule(void **s)
{
    (void)s;
    static const int transient[] = {0, 408, 429, 500, 502, 503, 504, 599};
    static const int permanent[] = {200, 204, 301, 302, 400, 401, 403, 404, 409, 422};
    for (size_t i = 0; i < ING_COUNT(transient); i++)
        assert_true(ing_http_transient(transient[i]));
    for (size_t i = 0; i < ING_COUNT(permanent); i++)
        assert_false(ing_http_transient(permanent[i]));
    struct http_result r = {.too_large = true};
    assert_false(outbound_result_transient(false, &r)); /* it will be as large next time */
    r.too_large = false;
    assert_true(outbound_result_transient(false, &r));

    assert_int_equal(outbound_retry_after_s("120", 1000), 120);
    /* Sun, 06 Nov 1994 08:49:37 GMT is 784111777 */
    assert_int_equal(outbound_retry_after_s("Sun, 06 Nov 1994 08:49:37 GMT", 784111700), 77);
    assert_int_equal(outbound_retry_after_s("Sun, 06 Nov 1994 08:49:37 GMT", 784111800), 0);
    /* the obsolete form RFC 9110 asks recipients to read; GMT only */
    assert_int_equal(outbound_retry_after_s("Sunday, 06-Nov-94 08:49:37 GMT", 784111777), 0);
    assert_int_equal(outbound_retry_after_s("Sunday, 06-Nov-94 08:49:37 GMT", 784111770), 7);
    static const char *const unusable[] = {"", "30s", "-5", "99999999999",
                                           "Sun, 06 Nov 1994 08:49:37 GMT trailing",
                                           "Sun, 06 Nov 1994 08:49:37 +0100", "Sun, 06 Nov 1994 08:49:37",
                                           "GMT"};
    for (size_t i = 0; i < ING_COUNT(unusable); i++)
        assert_int_equal(outbound_retry_after_s(unusable[i], 0), -1);
    assert_int_equal(outbound_retry_after_s(NULL, 0), -1);
    assert_int_equal(ing_http_retry_after(NULL), -1);
}

static void test_dynbuf(void **s)
{
    (void)s;
    struct dynbuf b;
    dynbuf_init(&b, 10);
    assert_int_equal(dynbuf_add(&b, "hello", 5), DYNBUF_OK);
    assert_int_equal(dynbuf_add(&b, "", 0), DYNBUF_OK);
    assert_int_equal(dynbuf_add(&b, "world", 5), DYNBUF_OK); /* exactly max */
    assert_string_equal(b.data, "helloworld");
    assert_int_equal(dynbuf_add(&b, "!", 1), DYNBUF_TOO_LARGE);
    assert_null(b.data); /* emptied: never half a body */
    assert_int_equal(b.len, 0);
    assert_int_equal(dynbuf_add(&b, "again", 5), DYNBUF_OK);
    size_t n = 0;
    char *taken = dynbuf_take(&b, &n);
    assert_int_equal(n, 5);
    assert_string_equal(taken, "again");
    assert_null(b.data);
    free(taken); /* mem_free is free outside the allocation tests */
    dynbuf_free(&b);

    /* growth past the first block, bounded by max + 1 */
    dynbuf_init(&b, 10000);
    char block[3000];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < 3; i++)
        assert_int_equal(dynbuf_add(&b, block, sizeof block), DYNBUF_OK);
    assert_int_equal(b.len, 9000);
    assert_true(b.cap <= 10001);
    assert_int_equal(dynbuf_add(&b, block, sizeof block), DYNBUF_TOO_LARGE);
    dynbuf_free(&b);
}

static void test_url_parse(void **s)
{
    (void)s;
    struct ing_url u;
    char err[160];
    assert_true(ing_url_parse("redis://us%40er:p%3Aw@[::1]:6380/2?x=1#f", &u, err, sizeof err));
    assert_string_equal(u.scheme, "redis");
    assert_string_equal(u.user, "us@er");
    assert_string_equal(u.password, "p:w");
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.port, "6380");
    assert_string_equal(u.path, "/2");
    assert_string_equal(u.query, "x=1");
    assert_string_equal(u.fragment, "f");
    ing_url_free(&u);
    assert_null(u.host);
    assert_true(ing_url_parse("https://example.com", &u, err, sizeof err));
    assert_null(u.user);
    assert_null(u.password);
    assert_null(u.port);
    assert_string_equal(u.path, "/");
    ing_url_free(&u);
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"redis://:pw-secret@", "no host"},
        {"redis://:pw-secret@h:99999", "port"},
        {"redis://:pw-secret@[::1:6379", "closing ]"},
        {"redis://:pw%zzsecret@h", "password is malformed"},
        {"redis://:pw%00secret@h", "password is malformed"},
        {"redis://us%0aer-secret:pw@h", "user name is malformed"},
        {"", "empty"},
    };
    for (size_t i = 0; i < ING_COUNT(bad); i++) {
        err[0] = '\0';
        assert_false(ing_url_parse(bad[i].url, &u, err, sizeof err));
        if (!strstr(err, bad[i].why) || strstr(err, "secret"))
            fail_msg("%s: \"%s\" (want \"%s\", no secret)", bad[i].url, err, bad[i].why);
        assert_null(u.host);
    }
    assert_false(ing_url_parse(NULL, &u, NULL, 0));
    ing_url_free(NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* the stand-in writes past a client that stopped reading */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_answer_and_headers),
        cmocka_unit_test(test_post_body_once_even_on_503),
        cmocka_unit_test(test_get_retried_on_transient),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_refused_before_sending),
        cmocka_unit_test(test_unreachable_names_no_secret),
        cmocka_unit_test(test_too_large_is_not_retried),
        cmocka_unit_test(test_timeout_bounds_the_whole_call),
        cmocka_unit_test(test_transport_seam),
        cmocka_unit_test(test_transient_rule),
        cmocka_unit_test(test_dynbuf),
        cmocka_unit_test(test_url_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
