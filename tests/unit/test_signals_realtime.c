/*
 * test_signals_realtime.c — step.waitForSignal, sending signals and realtime
 * publishing (handler/PROTOCOL.md §19, §20) through ing_test_call, with a
 * scripted local API (fake_http) standing in for the Inngest API:
 *   - the WaitForSignal op and its options for each conflict mode; what the
 *     step returns for a resumed wait (the data; {} for none), a timed-out
 *     one (NULL) and sealed data (opened); options no retry can fix;
 *   - the request ing_step_send_signal makes (POST /v1/signals), its answers
 *     (200 → the run, 404 → none, 4xx → failed for good, 5xx → tried three
 *     times, then retried), and the data sealed as a whole with a key;
 *   - the publish request (channel, topic and run id in the query, the
 *     message as the body, its member "encrypted" sealed with a key), names
 *     refused before sending, and the subscription token request and answer.
 */
#define _GNU_SOURCE /* setenv */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/encryption.h"
#include "fake_http.h"
#include "run_answers.h"
#include "inngest.h"

#define SECRET "unit-test-signals-secret-0123456789abcdef"

/* ---- the functions under test --------------------------------------------- */

static json_object *wait_fail_mode(struct ing_ctx *c)
{
    json_object *got = ing_step_wait_for_signal(c, "approval", "order-42", "2h",
                                                ING_SIGNAL_CONFLICT_FAIL);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "timed_out", ing_json_bool(c, got == NULL));
    ing_json_set(out, "got", got);
    return out;
}

static json_object *wait_replace_mode(struct ing_ctx *c)
{
    ing_step_wait_for_signal(c, "approval", "order-42", "30s", ING_SIGNAL_CONFLICT_REPLACE);
    return NULL;
}

static json_object *wait_no_signal(struct ing_ctx *c)
{
    ing_step_wait_for_signal(c, "approval", "", "30s", ING_SIGNAL_CONFLICT_FAIL);
    return NULL;
}

static json_object *wait_no_timeout(struct ing_ctx *c)
{
    ing_step_wait_for_signal(c, "approval", "order-42", NULL, ING_SIGNAL_CONFLICT_FAIL);
    return NULL;
}

static json_object *wait_bad_timeout(struct ing_ctx *c)
{
    ing_step_wait_for_signal(c, "approval", "order-42", "a while", ING_SIGNAL_CONFLICT_FAIL);
    return NULL;
}

static json_object *wait_bad_mode(struct ing_ctx *c)
{
    ing_step_wait_for_signal(c, "approval", "order-42", "30s", (enum ing_signal_conflict)7);
    return NULL;
}

static json_object *send_signal_step(struct ing_ctx *c)
{
    json_object *data = ing_json_object(c);
    ing_json_set(data, "approved", ing_json_bool(c, true));
    const char *run = ing_step_send_signal(c, "notify", "order-42", data);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "run", ing_json_string(c, run));
    return out;
}

static json_object *send_signal_bad_name(struct ing_ctx *c)
{
    ing_step_send_signal(c, "notify", "line\nbreak", NULL);
    return NULL;
}

static json_object *publish_step(struct ing_ctx *c)
{
    json_object *msg = ing_json_object(c);
    json_object *secret = ing_json_object(c);
    ing_json_set(secret, "email", ing_json_string(c, "ada@example.com"));
    ing_json_set(msg, "status", ing_json_string(c, "emailed"));
    ing_json_set(msg, "encrypted", secret);
    ing_step_realtime_publish(c, "progress", "contact form/7", "status", msg);
    return NULL;
}

static json_object *publish_empty_topic(struct ing_ctx *c)
{
    ing_step_realtime_publish(c, "progress", "contact", "", NULL);
    return NULL;
}

/* a token asked for from a function (ing_test_call runs functions only;
 * a route calls the same with req->ctx) */
static json_object *token_fn(struct ing_ctx *c)
{
    static const char *const topics[] = {"status", "log"};
    struct ing_error err = {0};
    int status = 0;
    const char *jwt = ing_realtime_token(c, "contact-7", topics, 2, &err, &status);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "jwt", ing_json_string(c, jwt));
    ing_json_set(out, "error", ing_json_string(c, err.message));
    ing_json_set(out, "status", ing_json_int(c, status));
    return out;
}

static json_object *token_no_topics(struct ing_ctx *c)
{
    struct ing_error err = {0};
    const char *jwt = ing_realtime_token(c, "contact-7", NULL, 0, &err, NULL);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "jwt", ing_json_string(c, jwt));
    ing_json_set(out, "error", ing_json_string(c, err.name));
    return out;
}

static const struct ing_function functions[] = {
    {.id = "wait-fail", .name = "w", .triggers = {ING_EVENT("t/x")}, .handler = wait_fail_mode},
    {.id = "wait-replace", .name = "w", .triggers = {ING_EVENT("t/x")}, .handler = wait_replace_mode},
    {.id = "wait-no-signal", .name = "w", .triggers = {ING_EVENT("t/x")}, .handler = wait_no_signal},
    {.id = "wait-no-timeout", .name = "w", .triggers = {ING_EVENT("t/x")}, .handler = wait_no_timeout},
    {.id = "wait-bad-timeout", .name = "w", .triggers = {ING_EVENT("t/x")}, .handler = wait_bad_timeout},
    {.id = "wait-bad-mode", .name = "w", .triggers = {ING_EVENT("t/x")}, .handler = wait_bad_mode},
    {.id = "send-signal", .name = "s", .triggers = {ING_EVENT("t/x")}, .handler = send_signal_step},
    {.id = "send-bad-name", .name = "s", .triggers = {ING_EVENT("t/x")}, .handler = send_signal_bad_name},
    {.id = "publish", .name = "p", .triggers = {ING_EVENT("t/x")}, .handler = publish_step},
    {.id = "publish-empty-topic", .name = "p", .triggers = {ING_EVENT("t/x")},
     .handler = publish_empty_topic},
    {.id = "token", .name = "t", .triggers = {ING_EVENT("t/x")}, .handler = token_fn},
    {.id = "token-no-topics", .name = "t", .triggers = {ING_EVENT("t/x")}, .handler = token_no_topics},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "signals-test",
    .functions = functions,
    .function_count = ING_COUNT(functions),
};

/* ---- helpers ---------------------------------------------------------------- */

static void call(const char *fn, const char *steps, struct ing_test_result *r)
{
    struct ing_test_options o = {.steps = steps};
    assert_int_equal(ing_test_call(&ing_app_definition, fn, &o, r), 0);
}

static const char *js(json_object *v)
{
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static char *memo(const char *step_id, const char *value)
{
    static char buf[2048];
    char hash[41];
    ing_test_step_hash(step_id, 0, hash);
    snprintf(buf, sizeof(buf), "{\"%s\":%s}", hash, value);
    return buf;
}

static struct fake_http *api(const struct fake_reply *replies, int n)
{
    return fake_http_serve("INNGEST_BASE_URL", replies, n);
}

static void api_done(struct fake_http *f)
{
    fake_http_stop(f);
    unsetenv("INNGEST_BASE_URL");
}

/* fn, with `steps` memoized (NULL: none), returns 200 with exactly `want`. */
static void expect_returns(const char *fn, const char *steps, const char *want)
{
    struct ing_test_result r;
    call(fn, steps, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(js(r.json), want);
    ing_test_result_free(&r);
}

/* fn ends the run for good with a message containing `want`. */
static void expect_fails_for_good(const char *fn, const char *want)
{
    struct ing_test_result r;
    call(fn, NULL, &r);
    expect_final_error(&r, fn, want);
    ing_test_result_free(&r);
}

/* ---- waitForSignal ------------------------------------------------------------ */

static void test_new_wait_is_a_wait_for_signal_op(void **s)
{
    (void)s;
    struct ing_test_result r;
    call("wait-fail", NULL, &r);
    json_object *op = expect_one_op(&r, NULL);
    char hash[41];
    ing_test_step_hash("approval", 0, hash);
    assert_string_equal(ing_json_get_string(op, "op"), "WaitForSignal");
    assert_string_equal(ing_json_get_string(op, "id"), hash);
    assert_string_equal(ing_json_get_string(op, "displayName"), "approval");
    assert_string_equal(js(ing_json_get(op, "opts")),
                        "{\"signal\":\"order-42\",\"timeout\":\"2h\",\"conflict\":\"fail\"}");
    ing_test_result_free(&r);
}

static void test_replace_mode_is_sent_as_replace(void **s)
{
    (void)s;
    struct ing_test_result r;
    call("wait-replace", NULL, &r);
    json_object *opts = ing_json_get(expect_one_op(&r, NULL), "opts");
    assert_string_equal(ing_json_get_string(opts, "conflict"), "replace");
    ing_test_result_free(&r);
}

static void test_resumed_wait_returns_the_signal_data(void **s)
{
    (void)s;
    expect_returns("wait-fail", memo("approval", "{\"data\":{\"signal\":\"order-42\",\"data\":{\"ok\":1}}}"),
                   "{\"timed_out\":false,\"got\":{\"ok\":1}}");
}

static void test_signal_without_data_gives_an_empty_object(void **s)
{
    (void)s;
    expect_returns("wait-fail", memo("approval", "{\"data\":{\"signal\":\"order-42\",\"data\":null}}"),
                   "{\"timed_out\":false,\"got\":{}}");
}

static void test_timed_out_wait_returns_null(void **s)
{
    (void)s;
    expect_returns("wait-fail", memo("approval", "null"), "{\"timed_out\":true,\"got\":null}");
    expect_returns("wait-fail", memo("approval", "{\"data\":null}"), "{\"timed_out\":true,\"got\":null}");
}

static void test_sealed_signal_data_is_opened(void **s)
{
    (void)s;
    struct enc_keys k;
    char err[256];
    assert_true(enc_keys_load(&k, SECRET, NULL, err, sizeof(err)));
    json_object *plain = json_tokener_parse("{\"card\":\"4242\"}");
    json_object *env = enc_seal(&k, plain);
    char value[1024];
    snprintf(value, sizeof(value), "{\"data\":{\"signal\":\"order-42\",\"data\":%s}}", js(env));
    setenv("INNGEST_ENCRYPTION_KEY", SECRET, 1);
    struct ing_test_result r;
    call("wait-fail", memo("approval", value), &r);
    unsetenv("INNGEST_ENCRYPTION_KEY");
    assert_int_equal(r.status, 200);
    /* the result is sealed again on its way out: open it to compare */
    json_object *out = NULL;
    assert_true(enc_open(&k, r.json, &out, err, sizeof(err)));
    assert_string_equal(js(out), "{\"timed_out\":false,\"got\":{\"card\":\"4242\"}}");
    json_object_put(out);
    json_object_put(env);
    json_object_put(plain);
    ing_test_result_free(&r);
}

static void test_wait_options_no_retry_can_fix(void **s)
{
    (void)s;
    expect_fails_for_good("wait-no-signal", "step.waitForSignal \"approval\" needs a signal name");
    expect_fails_for_good("wait-no-timeout", "needs a timeout");
    expect_fails_for_good("wait-bad-timeout", "\"a while\" is not an Inngest duration");
    expect_fails_for_good("wait-bad-mode", "on_conflict is 7");
}

/* ---- sending signals ------------------------------------------------------------ */

static void test_send_signal_posts_and_reports_the_run(void **s)
{
    (void)s;
    static const struct fake_reply ok = {.status = 200,
                                         .body = "{\"data\":{\"run_id\":\"01RESUMED\"},\"metadata\":{}}"};
    struct fake_http *f = api(&ok, 1);
    struct ing_test_result r;
    call("send-signal", NULL, &r);
    api_done(f);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(ing_json_get_string(op, "name"), "sendSignal");
    assert_string_equal(js(ing_json_get(op, "opts")), "{\"type\":\"step.sendSignal\"}");
    assert_string_equal(js(ing_json_get(op, "data")), "{\"run_id\":\"01RESUMED\"}");
    assert_int_equal(fake_http_count(f), 1);
    const struct fake_request *q = fake_http_request(f, 0);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->target, "/v1/signals");
    json_object *body = json_tokener_parse(q->body);
    assert_string_equal(ing_json_get_string(body, "signal"), "order-42");
    assert_string_equal(js(ing_json_get(body, "data")), "{\"approved\":true}");
    json_object_put(body);
    char ct[64];
    assert_non_null(fake_http_header(q, "content-type", ct, sizeof(ct)));
    assert_string_equal(ct, "application/json");
    fake_http_free(f);
    ing_test_result_free(&r);
    /* memoized: the step returns the stored run, and nothing is sent */
    expect_returns("send-signal", memo("notify", "{\"data\":{\"run_id\":\"01RESUMED\"}}"),
                   "{\"run\":\"01RESUMED\"}");
}

static void test_signal_nobody_waits_for_is_not_an_error(void **s)
{
    (void)s;
    static const struct fake_reply none = {.status = 404, .body = "{\"error\":\"No signal found\"}"};
    struct fake_http *f = api(&none, 1);
    struct ing_test_result r;
    call("send-signal", NULL, &r);
    api_done(f);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(js(ing_json_get(op, "data")), "{\"run_id\":null}");
    assert_int_equal(fake_http_count(f), 1);
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_signal_refused_fails_for_good(void **s)
{
    (void)s;
    static const struct fake_reply bad = {.status = 400, .body = "{\"error\":\"Invalid signal data\"}"};
    struct fake_http *f = api(&bad, 1);
    struct ing_test_result r;
    call("send-signal", NULL, &r);
    api_done(f);
    expect_step_failed(&r, "HTTP 400: Invalid signal data");
    assert_int_equal(fake_http_count(f), 1);
    fake_http_free(f);
    ing_test_result_free(&r);
    call("send-bad-name", NULL, &r);
    expect_step_failed(&r, "control characters");
    ing_test_result_free(&r);
}

static void test_signal_5xx_is_tried_three_times_then_retried(void **s)
{
    (void)s;
    static const struct fake_reply down = {.status = 503, .body = "{\"error\":\"busy\"}"};
    struct fake_http *f = api(&down, 1);
    struct ing_test_result r;
    call("send-signal", NULL, &r);
    api_done(f);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "op"), "StepError");
    assert_false(r.no_retry);
    assert_int_equal(fake_http_count(f), 3);
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_signal_data_is_sealed_whole_with_a_key(void **s)
{
    (void)s;
    static const struct fake_reply ok = {.status = 200, .body = "{\"data\":{\"run_id\":\"01R\"}}"};
    struct fake_http *f = api(&ok, 1);
    setenv("INNGEST_ENCRYPTION_KEY", SECRET, 1);
    struct ing_test_result r;
    call("send-signal", NULL, &r);
    unsetenv("INNGEST_ENCRYPTION_KEY");
    api_done(f);
    assert_int_equal(fake_http_count(f), 1);
    json_object *body = json_tokener_parse(fake_http_request(f, 0)->body);
    json_object *data = ing_json_get(body, "data");
    assert_true(enc_is_envelope(data));
    assert_null(strstr(fake_http_request(f, 0)->body, "approved"));
    struct enc_keys k;
    char err[256];
    assert_true(enc_keys_load(&k, SECRET, NULL, err, sizeof(err)));
    json_object *plain = NULL;
    assert_true(enc_open(&k, data, &plain, err, sizeof(err)));
    assert_string_equal(js(plain), "{\"approved\":true}");
    json_object_put(plain);
    json_object_put(body);
    fake_http_free(f);
    ing_test_result_free(&r);
}

/* ---- realtime -------------------------------------------------------------------- */

static void test_publish_step_posts_the_message(void **s)
{
    (void)s;
    static const struct fake_reply ok = {.status = 200, .content_type = "text/plain", .body = ""};
    struct fake_http *f = api(&ok, 1);
    struct ing_test_result r;
    call("publish", NULL, &r);
    api_done(f);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(js(ing_json_get(op, "opts")), "{\"type\":\"step.realtime.publish\"}");
    assert_null(ing_json_get(op, "data"));
    assert_int_equal(fake_http_count(f), 1);
    const struct fake_request *q = fake_http_request(f, 0);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->target, "/v1/realtime/publish?channel=contact%20form%2F7&topic=status"
                                   "&run_id=01TESTRUN0000000000000000");
    assert_string_equal(q->body, "{\"status\":\"emailed\",\"encrypted\":{\"email\":\"ada@example.com\"}}");
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_publish_seals_only_the_encrypted_member(void **s)
{
    (void)s;
    static const struct fake_reply ok = {.status = 200, .body = ""};
    struct fake_http *f = api(&ok, 1);
    setenv("INNGEST_ENCRYPTION_KEY", SECRET, 1);
    struct ing_test_result r;
    call("publish", NULL, &r);
    unsetenv("INNGEST_ENCRYPTION_KEY");
    api_done(f);
    assert_int_equal(fake_http_count(f), 1);
    const char *sent = fake_http_request(f, 0)->body;
    assert_null(strstr(sent, "ada@example.com"));
    json_object *body = json_tokener_parse(sent);
    assert_string_equal(ing_json_get_string(body, "status"), "emailed");
    assert_true(enc_is_envelope(ing_json_get(body, "encrypted")));
    json_object_put(body);
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_publish_names_refused_before_sending(void **s)
{
    (void)s;
    static const struct fake_reply ok = {.status = 200, .body = ""};
    struct fake_http *f = api(&ok, 1);
    struct ing_test_result r;
    call("publish-empty-topic", NULL, &r);
    api_done(f);
    expect_step_failed(&r, "a realtime topic needs a non-empty name");
    assert_int_equal(fake_http_count(f), 0);
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_publish_refused_by_the_server_fails_for_good(void **s)
{
    (void)s;
    static const struct fake_reply no = {.status = 401, .content_type = "text/plain",
                                         .body = "Not authenticated for publishing\n"};
    struct fake_http *f = api(&no, 1);
    struct ing_test_result r;
    call("publish", NULL, &r);
    api_done(f);
    expect_step_failed(&r, "HTTP 401");
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_token_request_and_answer(void **s)
{
    (void)s;
    static const struct fake_reply ok = {.status = 201, .body = "{\"jwt\":\"aaa.bbb.ccc\"}\n"};
    struct fake_http *f = api(&ok, 1);
    struct ing_test_result r;
    call("token", NULL, &r);
    api_done(f);
    assert_int_equal(r.status, 200);
    assert_string_equal(js(r.json), "{\"jwt\":\"aaa.bbb.ccc\",\"error\":null,\"status\":201}");
    const struct fake_request *q = fake_http_request(f, 0);
    assert_string_equal(q->target, "/v1/realtime/token");
    assert_string_equal(q->body, "[{\"channel\":\"contact-7\",\"name\":\"status\",\"kind\":\"run\"},"
                                 "{\"channel\":\"contact-7\",\"name\":\"log\",\"kind\":\"run\"}]");
    fake_http_free(f);
    ing_test_result_free(&r);
}

static void test_token_refused_and_invalid(void **s)
{
    (void)s;
    static const struct fake_reply no = {.status = 401, .body = "{\"error\":\"Not authenticated\"}"};
    struct fake_http *f = api(&no, 1);
    struct ing_test_result r;
    call("token", NULL, &r);
    api_done(f);
    assert_int_equal(r.status, 200);
    assert_null(ing_json_get(r.json, "jwt"));
    assert_non_null(strstr(ing_json_get_string(r.json, "error"), "HTTP 401: Not authenticated"));
    fake_http_free(f);
    ing_test_result_free(&r);
    call("token-no-topics", NULL, &r);
    assert_string_equal(js(r.json), "{\"jwt\":null,\"error\":\"InvalidRealtimeError\"}");
    ing_test_result_free(&r);
}

int main(void)
{
    unsetenv("INNGEST_BASE_URL");
    unsetenv("INNGEST_ENCRYPTION_KEY");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_wait_is_a_wait_for_signal_op),
        cmocka_unit_test(test_replace_mode_is_sent_as_replace),
        cmocka_unit_test(test_resumed_wait_returns_the_signal_data),
        cmocka_unit_test(test_signal_without_data_gives_an_empty_object),
        cmocka_unit_test(test_timed_out_wait_returns_null),
        cmocka_unit_test(test_sealed_signal_data_is_opened),
        cmocka_unit_test(test_wait_options_no_retry_can_fix),
        cmocka_unit_test(test_send_signal_posts_and_reports_the_run),
        cmocka_unit_test(test_signal_nobody_waits_for_is_not_an_error),
        cmocka_unit_test(test_signal_refused_fails_for_good),
        cmocka_unit_test(test_signal_5xx_is_tried_three_times_then_retried),
        cmocka_unit_test(test_signal_data_is_sealed_whole_with_a_key),
        cmocka_unit_test(test_publish_step_posts_the_message),
        cmocka_unit_test(test_publish_seals_only_the_encrypted_member),
        cmocka_unit_test(test_publish_names_refused_before_sending),
        cmocka_unit_test(test_publish_refused_by_the_server_fails_for_good),
        cmocka_unit_test(test_token_request_and_answer),
        cmocka_unit_test(test_token_refused_and_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
