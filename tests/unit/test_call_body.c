/*
 * test_call_body.c — the one-pass call body reader against json-c, the
 * reader it stands in for: whatever it accepts, json-c must accept with the
 * same meaning (the same top-level members, ctx without its stack, and every
 * memoized entry classified as the shape rules of handler/PROTOCOL.md §8.2 say on the
 * json-c value), and what json-c reads differently or not at all (comments,
 * NaN, escaped keys, excess depth, trailing data) it must decline, so that
 * the caller falls back to json-c.  Hand-written edge cases, then a few
 * thousand random mutations of a real body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "steps/call_body.h"
#include "steps/memo.h"
#include "base/limits.h"
#include "base/mem_alloc.h"
#include "core/response.h"

static json_object *jsonc(const char *text, size_t len)
{
    json_tokener *tok = json_tokener_new_ex(ING_JSON_MAX_DEPTH);
    json_object *v = json_tokener_parse_ex(tok, text, (int)len);
    bool ok = json_tokener_get_error(tok) == json_tokener_success;
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (ok && end < len && strchr(" \t\r\n", text[end]))
        end++;
    if (!ok || end != len) {
        json_object_put(v);
        return NULL;
    }
    return v;
}

static const char *text(json_object *v) { return json_object_to_json_string_ext(v, ING_JSON_FLAGS); }

/* Checks that an accepted body means what json-c says it means. */
static void expect_same_as_jsonc(const char *body, size_t len, struct call_body *b)
{
    json_object *ref = jsonc(body, len);
    if (!ref || !json_object_is_type(ref, json_type_object))
        fail_msg("accepted a body json-c rejects: %.200s", body);
    /* the root: every member but steps, ctx without stack */
    json_object *want = json_object_new_object();
    json_object_object_foreach(ref, k, v)
    {
        if (strcmp(k, "steps") == 0)
            continue;
        json_object *copy = NULL;
        json_object_deep_copy(v, &copy, NULL);
        if (strcmp(k, "ctx") == 0 && json_object_is_type(copy, json_type_object))
            json_object_object_del(copy, "stack");
        json_object_object_add(want, k, copy);
    }
    if (strcmp(text(want), text(call_body_root(b))) != 0)
        fail_msg("root differs:\n  json-c: %s\n  reader: %s", text(want), text(call_body_root(b)));
    json_object_put(want);
    /* steps: presence, and every key's classification and value */
    json_object *steps = NULL;
    bool has = json_object_object_get_ex(ref, "steps", &steps) &&
               json_object_is_type(steps, json_type_object);
    assert_int_equal(call_body_has_steps(b), has);
    if (has) {
        json_object_object_foreach(steps, key, entry)
        {
            json_object *want_value, *got_value;
            enum memo_kind want_kind = memo_classify(entry, &want_value), got_kind;
            assert_true(memo_from_body(b, key, &got_kind, &got_value));
            assert_int_equal(got_kind, want_kind);
            const char *w = want_value ? text(want_value) : "null";
            char *wcopy = strdup(w);
            const char *g = got_value ? text(got_value) : "null";
            if (strcmp(wcopy, g) != 0)
                fail_msg("step %s: json-c %s, reader %s", key, wcopy, g);
            free(wcopy);
            /* a second lookup gives the same value */
            json_object *again;
            assert_true(memo_from_body(b, key, &got_kind, &again));
            assert_ptr_equal(again, got_value);
        }
        enum memo_kind kind;
        json_object *value;
        assert_true(memo_from_body(b, "0000000000000000000000000000000000000000", &kind, &value));
        assert_int_equal(kind, MEMO_NONE);
    }
    json_object_put(ref);
}

/* Reads body; checks it against json-c when accepted.  Returns acceptance. */
static bool check(const char *body, size_t len)
{
    struct arena *a = arena_new();
    assert_non_null(a);
    struct call_body *b = call_body_read(a, body, len);
    if (b)
        expect_same_as_jsonc(body, len, b);
    arena_release(a);
    return b != NULL;
}

static bool check_str(const char *body) { return check(body, strlen(body)); }

static const char real_body[] =
    "{\"ctx\":{\"attempt\":0,\"disable_immediate_execution\":false,\"env\":\"\","
    "\"fn_id\":\"6f1c2b9e-4d3a-4c8b-9e2f-0a1b2c3d4e5f\",\"max_attempts\":4,\"qi_id\":\"eyJxaSI6ImIifQ\","
    "\"request_id\":\"01KREQ\",\"run_id\":\"01KRUN\",\"stack\":{\"current\":2,\"stack\":["
    "\"86f7e437faa5a7fce15d1ddcb9eaeaea377667b8\",\"e9d71f5ee7c92d6dc9e92ffdad17b8bd49418f98\"]},"
    "\"step_id\":\"step\",\"use_api\":false},\"defers\":{},\"event\":{\"data\":{\"n\":2,\"s\":\"x\\u00e9\\n\"},"
    "\"id\":\"01KEVT\",\"name\":\"conf/loop\",\"ts\":1795392000000,\"user\":{}},\"events\":[{\"data\":{\"n\":2},"
    "\"id\":\"01KEVT\",\"name\":\"conf/loop\",\"ts\":1795392000000,\"user\":{}}],\"steps\":{"
    "\"86f7e437faa5a7fce15d1ddcb9eaeaea377667b8\":{\"data\":\"A\"},"
    "\"e9d71f5ee7c92d6dc9e92ffdad17b8bd49418f98\":{\"data\":{\"deep\":[1,2.50,-3e2,true,null]}},"
    "\"84a516841ba77a5b4648de2cd0dfcb30ea46dbb4\":{\"error\":{\"name\":\"Error\",\"message\":\"boom\"}},"
    "\"a1\":{\"input\":[1]},\"a2\":null,\"a3\":{\"data\":1,\"extra\":2},\"a4\":{\"data\":1,\"data\":2},"
    "\"a5\":[1,2],\"a6\":\"plain\",\"a7\":-12,\"a8\":{\"d\\u0061ta\":5},\"a9\":{},\"a10\":{\"data\":null},"
    "\"a11\":123456789012345678901,\"a12\":-0,\"a13\":{\"data\":\"esc\\\"aped\\\\\"},\"a14\":false},"
    "\"use_api\":false,\"version\":2}";

static void test_real_body(void **s)
{
    (void)s;
    assert_true(check_str(real_body));
}

static void test_edge_cases_accepted(void **s)
{
    (void)s;
    const char *ok[] = {
        "{}",
        " \t\r\n{ \"steps\" : { \"k\" : { \"data\" : 1 } } } \n",
        "{\"steps\":{}}",
        "{\"steps\":[1,2]}",                          /* not an object: no memo */
        "{\"steps\":{\"k\":1},\"steps\":{\"j\":2}}",   /* the last one wins */
        "{\"steps\":{\"k\":1},\"steps\":null}",
        "{\"steps\":{\"k\":{\"data\":1}},\"steps\":{\"k\":{\"data\":2},\"k\":{\"error\":3}}}",
        "{\"ctx\":{\"stack\":[1],\"a\":1},\"ctx\":{\"b\":2,\"stack\":{}}}",
        "{\"ctx\":[1,2]}",
        "{\"ctx\":{\"attempt\":3},\"ctx\":5}",
        "{\"event\":{\"name\":\"x\",\"data\":{\"s\":\"\\ud83d\\ude00 \\u0000 tab\\t\"}}}",
        "{\"n\":[0,-0,1e5,1E-5,-1.5e+3,0.000,123456789012345678,1234567890123456789]}",
        "{\"steps\":{\"k\":{\"data\":\"caf\xc3\xa9\"}}}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
        if (!check_str(ok[i]))
            fail_msg("declined %s", ok[i]);
}

/* What json-c reads leniently, differently or not at all goes its way. */
static void test_declines(void **s)
{
    (void)s;
    const char *no[] = {
        "",
        "[]",
        "\"x\"",
        "{\"a\":1} x",
        "{\"a\":1}{}",
        "{\"a\":1,}",
        "{\"a\":[1,]}",
        "{'a':1}",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "{\"a\":TRUE}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":+1}",
        "{\"a\":1e}",
        "{\"a\":/* c */1}",
        "{\"a\":1 // c\n}",
        "{\"\\u0073teps\":{}}",        /* an escaped key where we read keys */
        "{\"ctx\":{\"\\u0061\":1}}",
        "{\"steps\":{\"\\u0061\":1}}",
        "{\"a\":\"tab\there\"}",       /* a raw control byte in a string */
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"open}",
        "{\"a\"1}",
        "{\"a\":1",
        "{\"a\":tru}",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
        if (check_str(no[i]))
            fail_msg("accepted %s", no[i]);
    /* a NUL byte inside the body */
    static const char nul[] = "{\"a\":\"x\0y\"}";
    assert_false(check(nul, sizeof(nul) - 1));
}

/* Nesting: declined a few levels before json-c's bound, accepted below it. */
static void test_depth(void **s)
{
    (void)s;
    for (int depth = 240; depth <= 260; depth += 20) {
        size_t n = (size_t)depth * 2 + 64;
        char *b = malloc(n);
        size_t len = (size_t)sprintf(b, "{\"event\":");
        for (int i = 0; i < depth - 1; i++)
            b[len++] = '[';
        for (int i = 0; i < depth - 1; i++)
            b[len++] = ']';
        b[len++] = '}';
        b[len] = '\0';
        bool accepted = check(b, len);
        assert_int_equal(accepted, depth == 240);
        free(b);
    }
}

/* Random byte edits of a real body: every body the reader accepts must be
 * one json-c reads the same way. */
static void test_mutations(void **s)
{
    (void)s;
    size_t len = strlen(real_body);
    char *b = malloc(len + 8);
    static const char alphabet[] = "{}[]\",:\\ 0123456789-+.eEtrufalsn\x01\xc3" "ax";
    srand(20261123);
    int accepted = 0;
    for (int i = 0; i < 4000; i++) {
        memcpy(b, real_body, len + 1);
        int edits = 1 + rand() % 3;
        size_t blen = len;
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)rand() % blen;
            int kind = rand() % 3;
            if (kind == 0) {
                b[at] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
            } else if (kind == 1 && blen > 1) {
                memmove(b + at, b + at + 1, blen - at);
                blen--;
            } else {
                memmove(b + at + 1, b + at, blen - at + 1);
                b[at] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
                blen++;
            }
        }
        accepted += check(b, blen);
    }
    /* most single edits inside strings keep the body valid */
    assert_true(accepted > 100);
    free(b);
}

/* Enough memoized steps that the index of steps grows several times, and a
 * later `steps` that empties it and fills it again (the last one wins, as in
 * json-c); then every allocation failing in turn: a clean decline (ASan
 * checks the index is freed with the arena) or the same reading. */
static void test_many_steps(void **s)
{
    (void)s;
    size_t cap = 1600 * 32 + 64;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t n = (size_t)snprintf(body, cap, "{\"steps\":{");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(body + n, cap - n, "%s\"k%d\":{\"data\":%d}", i ? "," : "", i, i);
    n += (size_t)snprintf(body + n, cap - n, "},\"version\":2}");
    assert_true(check(body, n));
    n = (size_t)snprintf(body, cap, "{\"steps\":{");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(body + n, cap - n, "%s\"k%d\":{\"data\":%d}", i ? "," : "", i, i);
    n += (size_t)snprintf(body + n, cap - n, "},\"steps\":{");
    for (int i = 0; i < 600; i++)
        n += (size_t)snprintf(body + n, cap - n, "%s\"j%d\":{\"data\":%d}", i ? "," : "", i, -i);
    n += (size_t)snprintf(body + n, cap - n, "}}");
    assert_true(n < cap);
    assert_true(check(body, n));

    int declined = 0;
    for (unsigned long k = 1; k <= 40; k++) {
        struct arena *a = arena_new();
        assert_non_null(a);
        mem_fail_after(k);
        struct call_body *b = call_body_read(a, body, n);
        mem_fail_reset();
        if (b)
            expect_same_as_jsonc(body, n, b);
        else
            declined++;
        arena_release(a);
    }
    assert_true(declined > 0);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_body),
        cmocka_unit_test(test_edge_cases_accepted),
        cmocka_unit_test(test_declines),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_many_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
