/*
 * test_public_api.c — the conveniences of inngest.h's edge, called as user
 * code calls them: ing_json_pack (every specifier, and each kind of bad
 * format failing the run with a message instead of crashing), the event
 * builders, ing_decrypt/ing_encrypting without a key, and
 * ing_http_add_header's refusals (CR/LF, not a header line, full).  Functions run in-process through ing_test_call, as a user's test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "inngest.h"
#include "run_answers.h"

/* ---- the functions under test ------------------------------------------ */

static json_object *pack_everything(struct ing_ctx *c)
{
    json_object *kept = ing_json_pack(c, "{s:s}", "k", "v");
    return ing_json_pack(c, " { s:s, s:i, s:I, s:f, s:b, s:b, s:n, s:[s, i, {}, []], s:o, s:s?, s:o, s:{s:{s:s?}} } ",
                         "s", "text \"quoted\"", "i", -42, "I", (int64_t)1 << 40, "f", 1.5, "yes", 1, "no", false,
                         "nothing", "list", "a", 7, "kept", kept, "maybe", (const char *)NULL,
                         "none", (json_object *)NULL, "deep", "er", "est", "x");
}

static json_object *pack_scalars(struct ing_ctx *c)
{
    json_object *arr = ing_json_array(c);
    ing_json_push(arr, ing_json_pack(c, "s", "alone"));
    ing_json_push(arr, ing_json_pack(c, "i", 3));
    ing_json_push(arr, ing_json_pack(c, "n"));
    ing_json_push(arr, ing_json_pack(c, "[]"));
    return arr;
}

/* The bad formats: each consumes only string arguments before it fails, so
 * the arguments given are always enough. */
static const char *const bad_formats[] = {
    "{s:s",        /* unbalanced */
    "{s:s,}",      /* a comma with no member after it */
    "{s s}",       /* no ':' */
    "{s:x}",       /* unknown specifier */
    "{s:s} {}",    /* text after the value */
    "{i:s}",       /* a key that is not a string */
    "[s s]",       /* no ',' */
    "",            /* no value */
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", /* too deep */
};

static json_object *pack_bad(struct ing_ctx *c)
{
    int64_t n = -1;
    ing_json_get_int(ing_event_data(c), "case", &n);
    const char *fmt = n >= 0 && (size_t)n < ING_COUNT(bad_formats) ? bad_formats[n] : NULL;
    return ing_json_pack(c, fmt, "k", "v", "k2", "v2");
}

static json_object *pack_null_string(struct ing_ctx *c)
{
    return ing_json_pack(c, "{s:s, s:s}", "name", "Ada", "email", ing_json_get_string(ing_event_data(c), "email"));
}

static json_object *pack_not_finite(struct ing_ctx *c)
{
    return ing_json_pack(c, "[f, f]", 1.0, HUGE_VAL);
}

static json_object *pack_null_key(struct ing_ctx *c)
{
    return ing_json_pack(c, "{s:i}", (const char *)NULL, 1);
}

static json_object *pack_in_step_body(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_json_pack(c, "{s:q}", "k");
}

static json_object *pack_in_step(struct ing_ctx *c)
{
    return ing_step_run(c, "packing", pack_in_step_body, NULL);
}

static json_object *events(struct ing_ctx *c)
{
    json_object *data = ing_json_pack(c, "{s:s}", "email", "a@example.com");
    return ing_json_pack(c, "[o, o, o]", ing_event_new(c, "shop/plain", NULL), ing_event_new(c, "shop/data", data),
                         ing_event_new_id(c, "shop/with-id", data, "%s-%d", "order", 7));
}

static json_object *event_without_name(struct ing_ctx *c)
{
    return ing_event_new(c, "", NULL);
}

static json_object *event_with_array_data(struct ing_ctx *c)
{
    return ing_event_new(c, "shop/x", ing_json_array(c));
}

/* data.plain comes back as it is; data.sealed is opened (or fails the run). */
static json_object *decrypting(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    json_object *plain = ing_decrypt(c, ing_json_get(data, "plain"));
    return ing_json_pack(c, "{s:b, s:o, s:o}", "on", ing_encrypting(c), "plain", plain, "sealed",
                         ing_decrypt(c, ing_json_get(data, "sealed")));
}

static const struct ing_function fns[] = {
    {.id = "pack-everything", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = pack_everything},
    {.id = "pack-scalars", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = pack_scalars},
    {.id = "pack-bad", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = pack_bad},
    {.id = "pack-null-string", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = pack_null_string},
    {.id = "pack-null-key", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = pack_null_key},
    {.id = "pack-not-finite", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = pack_not_finite},
    {.id = "pack-in-step", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = pack_in_step},
    {.id = "decrypting", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = decrypting},
    {.id = "events", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = events},
    {.id = "event-without-name", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = event_without_name},
    {.id = "event-array-data", .name = "p", .triggers = {ING_EVENT("t/p")}, .handler = event_with_array_data},
};

static const struct ing_app app = {.default_app_id = "api-test", .functions = fns,
                                   .function_count = ING_COUNT(fns)};

/* ---- helpers -------------------------------------------------------------- */

static void expect_output(const char *fn, const char *event, const char *want)
{
    struct ing_test_result r;
    run_call(&app, fn, event, &r);
    json_object *w = json_tokener_parse(want);
    assert_non_null(w);
    if (r.status != 200 || !json_object_equal(w, r.json))
        fail_msg("%s: want 200 %s, got %d %s", fn, want, r.status, r.body);
    json_object_put(w);
    ing_test_result_free(&r);
}

/* The run fails for good (400, no retry) with a message containing `part`. */
static void expect_nonretriable(const char *fn, const char *event, const char *part)
{
    struct ing_test_result r;
    run_call(&app, fn, event, &r);
    expect_final_error(&r, fn, part);
    ing_test_result_free(&r);
}

/* ---- tests ---------------------------------------------------------------- */

static void pack_builds_every_specifier(void **s)
{
    (void)s;
    expect_output("pack-everything", NULL,
                  "{\"s\":\"text \\\"quoted\\\"\",\"i\":-42,\"I\":1099511627776,\"f\":1.5,\"yes\":true,"
                  "\"no\":false,\"nothing\":null,\"list\":[\"a\",7,{},[]],\"kept\":{\"k\":\"v\"},"
                  "\"maybe\":null,\"none\":null,\"deep\":{\"er\":{\"est\":\"x\"}}}");
    expect_output("pack-scalars", NULL, "[\"alone\",3,null,[]]");
}

static void pack_refuses_bad_formats(void **s)
{
    (void)s;
    static const char *const why[] = {
        "',' or '}' expected", "a key must be 's'", "':' expected", "unknown specifier 'x'",
        "unexpected '{'", "a key must be 's'", "',' or ']' expected", "a value expected", "nested deeper than",
    };
    _Static_assert(sizeof(why) / sizeof(why[0]) == sizeof(bad_formats) / sizeof(bad_formats[0]), "one reason per format");
    for (size_t i = 0; i < ING_COUNT(bad_formats); i++) {
        char event[64];
        snprintf(event, sizeof(event), "{\"name\":\"t/p\",\"data\":{\"case\":%zu}}", i);
        expect_nonretriable("pack-bad", event, why[i]);
    }
    expect_nonretriable("pack-bad", "{\"name\":\"t/p\",\"data\":{\"case\":-1}}", "the format is NULL");
    expect_nonretriable("pack-null-string", NULL, "argument 4, a string ('s'), is NULL");
    expect_nonretriable("pack-null-string", NULL, "(key \"email\")");
    expect_output("pack-null-string", "{\"name\":\"t/p\",\"data\":{\"email\":\"a@example.com\"}}",
                  "{\"name\":\"Ada\",\"email\":\"a@example.com\"}");
    expect_nonretriable("pack-null-key", NULL, "argument 1, a key, is NULL");
    expect_nonretriable("pack-not-finite", NULL, "argument 2, a number ('f'), is not finite");
}

/* Inside a step body a bad format fails that step for good (StepFailed),
 * like any ing_fail_nonretriable there. */
static void pack_failure_in_a_step_fails_the_step(void **s)
{
    (void)s;
    struct ing_test_result r;
    run_call(&app, "pack-in-step", NULL, &r);
    expect_step_failed(&r, "unknown specifier 'q'");
    ing_test_result_free(&r);
}

static void events_are_built_in_one_call(void **s)
{
    (void)s;
    expect_output("events", NULL,
                  "[{\"name\":\"shop/plain\",\"data\":{}},"
                  "{\"name\":\"shop/data\",\"data\":{\"email\":\"a@example.com\"}},"
                  "{\"name\":\"shop/with-id\",\"data\":{\"email\":\"a@example.com\"},\"id\":\"order-7\"}]");
    expect_nonretriable("event-without-name", NULL, "an event needs a name");
    expect_nonretriable("event-array-data", NULL, "data must be a JSON object, not array");
}

/* Without INNGEST_ENCRYPTION_KEY: ing_encrypting is false, a plain value
 * passes ing_decrypt unchanged, and an envelope fails the run for good,
 * saying why (never handed on as if it were data). */
static void decrypt_without_a_key(void **s)
{
    (void)s;
    unsetenv("INNGEST_ENCRYPTION_KEY");
    expect_output("decrypting", "{\"name\":\"t/p\",\"data\":{\"plain\":{\"a\":1}}}",
                  "{\"on\":false,\"plain\":{\"a\":1},\"sealed\":null}");
    struct ing_test_result r;
    struct ing_test_options o = {
        .event = "{\"name\":\"t/p\",\"data\":{\"sealed\":{\"__ENCRYPTED__\":true,"
                 "\"__STRATEGY__\":\"inngest/libsodium\",\"data\":\"AAAA\"}}}"};
    assert_int_equal(ing_test_call(&app, "decrypting", &o, &r), 0);
    assert_int_equal(r.status, 400);
    assert_true(r.no_retry);
    assert_string_equal(ing_json_get_string(r.json, "name"), "DecryptionError");
    assert_non_null(strstr(ing_json_get_string(r.json, "message"), "INNGEST_ENCRYPTION_KEY is not set"));
    ing_test_result_free(&r);
}

static void add_header_refuses_bad_lines_and_says_when_full(void **s)
{
    (void)s;
    struct ing_http_response res = {0};
    assert_false(ing_http_add_header(&res, NULL));
    assert_false(ing_http_add_header(&res, "X-A: 1\r\nSet-Cookie: evil=1"));
    assert_false(ing_http_add_header(&res, "X-A: 1\nX-B: 2"));
    assert_false(ing_http_add_header(&res, "X-A: a\x01"));
    assert_false(ing_http_add_header(&res, "no colon here"));
    assert_false(ing_http_add_header(&res, ": no name"));
    assert_false(ing_http_add_header(&res, "Bad Name: x"));
    assert_null(res.headers[0]);
    assert_true(ing_http_add_header(&res, "X-Tab:\ta\tb"));
    for (int i = 1; i < ING_HTTP_MAX_HEADERS; i++)
        assert_true(ing_http_add_header(&res, "Vary: Origin"));
    assert_false(ing_http_add_header(&res, "X-One-Too-Many: 1"));
    assert_string_equal(res.headers[0], "X-Tab:\ta\tb");
    assert_string_equal(res.headers[ING_HTTP_MAX_HEADERS - 1], "Vary: Origin");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pack_builds_every_specifier),
        cmocka_unit_test(pack_refuses_bad_formats),
        cmocka_unit_test(pack_failure_in_a_step_fails_the_step),
        cmocka_unit_test(events_are_built_in_one_call),
        cmocka_unit_test(decrypt_without_a_key),
        cmocka_unit_test(add_header_refuses_bad_lines_and_says_when_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
