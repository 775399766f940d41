/*
 * test_jcs.c — RFC 8785 canonical form: key order in UTF-16 code units,
 * ECMAScript number text, minimal escaping, strict reading, the depth bound,
 * and that every executor-shaped body in the vectors is already canonical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jcs.h"
#include "base/json_strict.h"
#include "base/limits.h"
#include "base/mem_alloc.h"
#include "vectors.h"

/* Canonicalizes `in` (length given, so embedded NULs count) and compares. */
static void expect_n(const char *in, size_t in_len, const char *want)
{
    size_t len = 12345;
    char *got = jcs_canonicalize(in, in_len, &len);
    if (!got)
        fail_msg("refused %.*s, want %s", (int)in_len, in, want);
    if (len != strlen(want) || memcmp(got, want, len) != 0)
        fail_msg("%.*s\n  got  %.*s\n  want %s", (int)in_len, in, (int)len, got, want);
    assert_int_equal(got[len], '\0');
    free(got);
}

static void expect(const char *in, const char *want) { expect_n(in, strlen(in), want); }

static void expect_refused_n(const char *in, size_t in_len)
{
    size_t len = 0;
    char *got = jcs_canonicalize(in, in_len, &len);
    if (got) {
        fail_msg("accepted %.*s as %.*s", (int)in_len, in, (int)len, got);
        free(got);
    }
}

static void expect_refused(const char *in) { expect_refused_n(in, strlen(in)); }

static void test_key_order(void **state)
{
    (void)state;
    expect("{\"b\":1,\"a\":2,\"c\":3}", "{\"a\":2,\"b\":1,\"c\":3}");
    expect("{\"ab\":1,\"a\":2,\"\":3}", "{\"\":3,\"a\":2,\"ab\":1}");
    expect("{\"B\":1,\"a\":2,\"_\":3}", "{\"B\":1,\"_\":3,\"a\":2}");
    /* nested objects are sorted too; arrays keep their order */
    expect("{\"z\":{\"y\":1,\"x\":[3,1,2]},\"a\":[{\"d\":0,\"c\":0}]}",
           "{\"a\":[{\"c\":0,\"d\":0}],\"z\":{\"x\":[3,1,2],\"y\":1}}");
}

/* U+E000..U+FFFF sort after supplementary characters in UTF-16 (whose lead
 * surrogate is 0xD800..0xDBFF), though their UTF-8 bytes sort before. */
static void test_key_order_utf16(void **state)
{
    (void)state;
    /* U+E000 (EE 80 80) vs U+1F600 (F0 9F 98 80): the emoji comes first */
    expect("{\"\xee\x80\x80\":1,\"\xf0\x9f\x98\x80\":2}", "{\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}");
    expect("{\"\\ue000\":1,\"\\ud83d\\ude00\":2}", "{\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}");
    /* U+FFFF also sorts after U+10000 */
    expect("{\"\xef\xbf\xbf\":1,\"\xf0\x90\x80\x80\":2}", "{\"\xf0\x90\x80\x80\":2,\"\xef\xbf\xbf\":1}");
    /* below U+D800 the two orders agree: U+D7FF before U+10000 */
    expect("{\"\xf0\x90\x80\x80\":2,\"\xed\x9f\xbf\":1}", "{\"\xed\x9f\xbf\":1,\"\xf0\x90\x80\x80\":2}");
    /* RFC 8785's own sorting example */
    expect("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
           "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
           "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
           "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
           "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
           "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

static void test_numbers(void **state)
{
    (void)state;
    expect("1.0", "1");
    expect("1e21", "1e+21");
    expect("1e20", "100000000000000000000");
    expect("1e-7", "1e-7");
    expect("0.000001", "0.000001");
    expect("1e-6", "0.000001");
    expect("123456789012345680000", "123456789012345680000");
    expect("1.2345678901234568e+20", "123456789012345680000");
    expect("-0", "0");
    expect("-0.0", "0");
    expect("0", "0");
    expect("5e-324", "5e-324");
    expect("1.7976931348623157e308", "1.7976931348623157e+308");
    expect("-1.7976931348623157e308", "-1.7976931348623157e+308");
    expect("0.30000000000000004", "0.30000000000000004");
    expect("0.1", "0.1");
    expect("-1.5", "-1.5");
    expect("100", "100");
    expect("1E2", "100");
    expect("12.50E-1", "1.25");
    expect("1e-400", "0"); /* underflows to 0 when read as a double, as in JS */
    /* RFC 8785's number examples */
    expect("[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]",
           "[333333333.3333333,1e+30,4.5,0.002,1e-27]");
    /* at a power of two the rounding interval is lopsided: the correctly
     * rounded 16-digit candidate misses, its neighbour is the shortest */
    expect("5.9604644775390625e-08", "5.960464477539063e-8"); /* 2^-24 */
    expect("6.1897001964269014e+26", "6.189700196426902e+26"); /* 2^89 */
    expect("7.1202363472230444e-307", "7.120236347223045e-307"); /* 2^-1017 */
    /* integers beyond 2^53 are doubles to the signers (JS and Go) */
    expect("9007199254740993", "9007199254740992");
    expect("9223372036854775807", "9223372036854776000");
    expect("18446744073709551616", "18446744073709552000");
    expect("-9223372036854775809", "-9223372036854776000");
    expect("1700000000000", "1700000000000");
    /* not finite: no canonical form */
    expect_refused("1e400");
    expect_refused("-1e400");
    expect_refused("[1,1e999]");
}

static void test_strings(void **state)
{
    (void)state;
    expect("\"\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\\\/\"", "\"\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\"");
    expect("\"\\u000B\\u001F\"", "\"\\u000b\\u001f\"");
    /* escapes of printable characters come out raw, and DEL / U+2028 stay raw */
    expect("\"\\u0041\\u00e9\\u20AC\\u007f\\u2028\"", "\"A\xc3\xa9\xe2\x82\xac\x7f\xe2\x80\xa8\"");
    expect("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
    expect("\"h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac\"",
           "\"h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac\"");
    expect("\"<&>'\"", "\"<&>'\"");
    expect("\"\\u003c\\u0026\\u003e\"", "\"<&>\"");
    /* a NUL inside a value survives */
    expect("[\"a\\u0000b\"]", "[\"a\\u0000b\"]");

    /* what cannot be reproduced exactly is refused */
    expect_refused("\"\\ud800\"");        /* lone high surrogate */
    expect_refused("\"\\ud800x\"");
    expect_refused("\"\\udc00\"");        /* lone low surrogate */
    expect_refused("\"\\ud83d\\u0041\""); /* high surrogate then a non-surrogate */
    expect_refused("\"\xff\"");           /* invalid UTF-8 */
    expect_refused("\"\xc3\"");           /* truncated sequence */
    expect_refused("\"\xc0\xaf\"");       /* overlong */
    expect_refused("\"\xed\xa0\x80\"");   /* surrogate encoded in UTF-8 */
    expect_refused("\"\xf4\x90\x80\x80\""); /* beyond U+10FFFF */
    expect_refused("\"a\tb\"");           /* raw control character */
    expect_refused("\"a\nb\"");
    expect_refused("{\"a\\u0000b\":1}");  /* NUL in a key */
    expect_refused("\"\\x\"");
    expect_refused("\"\\u12\"");
    expect_refused("\"\\u12g4\"");
    expect_refused("\"abc");
}

static void test_literals_and_structure(void **state)
{
    (void)state;
    expect("true", "true");
    expect("false", "false");
    expect("null", "null");
    expect("\"x\"", "\"x\"");
    expect("42", "42");
    expect("[]", "[]");
    expect("{}", "{}");
    expect(" \t\r\n{ \"a\" : [ 1 , true , null , { } ] }\n ", "{\"a\":[1,true,null,{}]}");
    /* a repeated key keeps the last value, as JSON.parse does */
    expect("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}");
    /* only text_len bytes are read */
    expect_n("[1]garbage", 3, "[1]");
}

static void test_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        "", " ", "{", "}", "[", "[1,]", "{\"a\":1,}", "[,1]", "{,}", "01", "-01", "00", "1.", ".5", "+1",
        "-", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "'a'", "/*c*/1", "tru", "True",
        "nul", "[1 2]", "{\"a\" 1}", "{a:1}", "{\"a\":}", "{\"a\"}", "{1:1}", "[1]]", "\xef\xbb\xbf[1]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_refused(bad[i]);
    expect_refused_n(NULL, 0);
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    expect_refused("[1] x");
    expect_refused("{}{}");
    expect_refused("1 2");
    expect_refused("\"a\"\"b\"");
    expect_refused("true false");
    expect_refused("[1],");
    expect_refused_n("[1]\0", 4);  /* an embedded NUL is not whitespace */
    expect_refused_n("[1] \0 ", 6);
    expect("[1] \t\r\n", "[1]");
}

static char *nested(int depth, const char *open, const char *inner, const char *close)
{
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    char *s = malloc((size_t)depth * (lo + lc) + li + 1), *p = s;
    assert_non_null(s);
    for (int i = 0; i < depth; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, inner, li);
    p += li;
    for (int i = 0; i < depth; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

/* The bound counts nested containers: ING_JSON_MAX_DEPTH of them are read and
 * written back, one more is refused, whatever sits inside. */
static void test_depth_limit(void **state)
{
    (void)state;
    const char *inners[] = { "", "1", "\"x\"", "{}" };
    for (size_t i = 0; i < 4; i++) {
        int d = ING_JSON_MAX_DEPTH - (strcmp(inners[i], "{}") == 0 ? 1 : 0);
        char *ok = nested(d, "[", inners[i], "]");
        expect(ok, ok);
        free(ok);
        char *deep = nested(d + 1, "[", inners[i], "]");
        expect_refused(deep);
        free(deep);
    }
    char *ok = nested(ING_JSON_MAX_DEPTH - 1, "{\"a\":", "{}", "}");
    expect(ok, ok);
    free(ok);
    char *deep = nested(ING_JSON_MAX_DEPTH, "{\"a\":", "{}", "}");
    expect_refused(deep);
    free(deep);
    /* far beyond the bound: refused, not a stack overflow */
    char *huge = nested(100000, "[", "", "]");
    expect_refused(huge);
    free(huge);
}

/* Trees built with json-c's API (not read from text). */
static void expect_tree(json_object *v, const char *want)
{
    size_t len = 0;
    char *got = jcs_serialize(v, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(want));
    assert_string_equal(got, want);
    free(got);
    json_object_put(v);
}

static void expect_tree_refused(json_object *v)
{
    size_t len = 0;
    char *got = jcs_serialize(v, &len);
    assert_null(got);
    json_object_put(v);
}

static void test_serialize_trees(void **state)
{
    (void)state;
    expect_tree(NULL, "null");
    expect_tree(json_object_new_int64(-42), "-42");
    expect_tree(json_object_new_int64(INT64_MAX), "9223372036854776000");
    expect_tree(json_object_new_int64(INT64_MIN), "-9223372036854776000");
    expect_tree(json_object_new_uint64(UINT64_MAX), "18446744073709552000");
    expect_tree(json_object_new_int64(9007199254740992), "9007199254740992");
    expect_tree(json_object_new_double(-0.0), "0");
    expect_tree(json_object_new_double(0.1 + 0.2), "0.30000000000000004");
    expect_tree(json_object_new_double(1e21), "1e+21");
    expect_tree(json_object_new_string_len("a\0b", 3), "\"a\\u0000b\"");

    json_object *o = json_object_new_object();
    json_object_object_add(o, "z", json_object_new_boolean(1));
    json_object_object_add(o, "a", NULL);
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, json_object_new_string("x"));
    json_object_array_add(arr, NULL);
    json_object_object_add(o, "m", arr);
    expect_tree(o, "{\"a\":null,\"m\":[\"x\",null],\"z\":true}");

    expect_tree_refused(json_object_new_double(NAN));
    expect_tree_refused(json_object_new_double(INFINITY));
    expect_tree_refused(json_object_new_double(-INFINITY));
    expect_tree_refused(json_object_new_string("\xff"));
    json_object *bad_key = json_object_new_object();
    json_object_object_add(bad_key, "\xc3", json_object_new_int(1));
    expect_tree_refused(bad_key);
    /* a NaN deep inside spoils the whole value */
    json_object *outer = json_object_new_array();
    json_object *inner = json_object_new_object();
    json_object_object_add(inner, "n", json_object_new_double(NAN));
    json_object_array_add(outer, inner);
    expect_tree_refused(outer);

    /* the writer has the reader's depth bound */
    json_object *root = json_object_new_array(), *cur = root;
    for (int i = 1; i < ING_JSON_MAX_DEPTH; i++) {
        json_object *next = json_object_new_array();
        json_object_array_add(cur, next);
        cur = next;
    }
    char *s = jcs_serialize(root, NULL);
    assert_non_null(s);
    assert_int_equal(strlen(s), 2 * ING_JSON_MAX_DEPTH);
    free(s);
    json_object_array_add(cur, json_object_new_array());
    assert_null(jcs_serialize(root, NULL));
    json_object_put(root);
}

/* Every allocation failure gives NULL and leaks nothing (ASan checks). */
static void test_allocation_failures(void **state)
{
    (void)state;
    char text[16384];
    int n = 0;
    n += snprintf(text + n, sizeof(text) - (size_t)n, "{\"list\":[");
    for (int i = 0; i < 200; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "%s{\"k%03d\":\"v\\u00e9 %d\",\"n\":%d.5}", i ? "," : "", 199 - i, i, i);
    n += snprintf(text + n, sizeof(text) - (size_t)n, "],\"s\":\"%s\"}", "x");
    size_t len = 0;
    char *whole = jcs_canonicalize(text, (size_t)n, &len);
    assert_non_null(whole);
    int failures = 0;
    for (unsigned long k = 1; k < 10000; k++) {
        mem_fail_after(k);
        size_t l2 = 0;
        char *got = jcs_canonicalize(text, (size_t)n, &l2);
        mem_fail_reset();
        if (!got) {
            failures++;
            continue;
        }
        assert_int_equal(l2, len);
        assert_memory_equal(got, whole, len);
        free(got);
        break;
    }
    assert_true(failures > 0);
    free(whole);
}

/* The executor's call bodies are JCS already: canonicalizing changes nothing. */
static bool check_body_is_canonical(json_object *e, void *ctx)
{
    (void)ctx;
    json_object *body = vectors_need(vectors_need(e, "request"), "body");
    if (!json_object_is_type(body, json_type_string))
        fail_msg("%s: the request body is not a string", vectors_str(e, "name"));
    const char *b = json_object_get_string(body);
    size_t blen = (size_t)json_object_get_string_len(body), clen = 0;
    char *c = jcs_canonicalize(b, blen, &clen);
    if (!c)
        fail_msg("%s: body refused", vectors_str(e, "name"));
    if (clen != blen || memcmp(c, b, blen) != 0)
        fail_msg("%s: body is not canonical:\n  sent %s\n  jcs  %s", vectors_str(e, "name"), b, c);
    free(c);
    return true;
}

/* json_strict_parse with exact integers (ing_json_parse_strict): the same
 * strictness, integers kept exact within int64 and refused beyond it (json-c
 * clamps them). */
static void test_parse_exact(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999", "123456789012345678901234567890",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616", "01", "1.", ".5", "+1",
        "{\"a\":1,}", "[1,]", "{\"a\":1} x", "/* c */ 1", "'a'", "\"\\ud800\"", "\"\xff\"", "",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        json_object *v = (json_object *)1;
        if (json_strict_parse(refused[i], strlen(refused[i]), true, &v))
            fail_msg("accepted %s", refused[i]);
        assert_null(v);
    }
    json_object *v = NULL;
    const char *text = "{\"big\":9007199254740993,\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                       "\"d\":1.5,\"e\":1e3,\"z\":-0,\"s\":\"\\u00e9\",\"n\":null,\"a\":[true,false]}";
    assert_true(json_strict_parse(text, strlen(text), true, &v));
    json_object *m;
    assert_true(json_object_object_get_ex(v, "big", &m) && json_object_is_type(m, json_type_int));
    assert_true(json_object_get_int64(m) == 9007199254740993LL);
    assert_true(json_object_object_get_ex(v, "max", &m) && json_object_get_int64(m) == INT64_MAX);
    assert_true(json_object_object_get_ex(v, "min", &m) && json_object_get_int64(m) == INT64_MIN);
    assert_true(json_object_object_get_ex(v, "d", &m) && json_object_is_type(m, json_type_double));
    assert_true(json_object_object_get_ex(v, "e", &m) && json_object_is_type(m, json_type_double));
    assert_true(json_object_get_double(m) == 1000.0);
    assert_true(json_object_object_get_ex(v, "z", &m) && json_object_is_type(m, json_type_int));
    assert_true(json_object_object_get_ex(v, "s", &m) && strcmp(json_object_get_string(m), "\xc3\xa9") == 0);
    json_object_put(v);
    /* null is a value, not a failure */
    v = (json_object *)1;
    assert_true(json_strict_parse(" null ", 6, true, &v));
    assert_null(v);
    /* canonicalization still reads integers as doubles, as the signers do */
    expect("9007199254740993", "9007199254740992");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_key_order_utf16),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_literals_and_structure),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_serialize_trees),
        cmocka_unit_test(test_allocation_failures),
        vectors_unit_test(test_call_bodies_are_canonical, "calls_basic.json", "entries", 20,
                          check_body_is_canonical),
        cmocka_unit_test(test_parse_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
