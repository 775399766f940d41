/*
 * test_json_valid.c — json_text_valid() accepts RFC 8259 texts and nothing
 * else, and json-c parses every text it accepts (the 500-or-400 decision
 * after a failed parse relies on that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/json_strict.h"
#include "base/limits.h"
#include "nesting.h"

static bool valid(const char *s) { return json_text_valid(s, strlen(s), ING_JSON_MAX_DEPTH); }

static void test_accepts_json(void **state)
{
    (void)state;
    const char *texts[] = {
        "0", "-0", "1.5e10", "-12.25E-3", "true", "false", "null", "\"\"",
        "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\"", " {} ", "[]", "[1,[2,[3]],{\"a\":{}}]",
        "{\"url\":\"http://127.0.0.1:3000/api/inngest\"}", "\t{ \"a\" : [ 1 , 2 ] , \"b\" : null }\r\n",
        "\"caf\xc3\xa9\"",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (!valid(texts[i]))
            fail_msg("refused: %s", texts[i]);
        json_tokener *tok = json_tokener_new_ex(ING_JSON_MAX_DEPTH);
        /* with the terminator: json-c waits for more digits after a number */
        json_object *v = json_tokener_parse_ex(tok, texts[i], (int)strlen(texts[i]) + 1);
        bool parsed = json_tokener_get_error(tok) == json_tokener_success;
        json_object_put(v);
        json_tokener_free(tok);
        if (!parsed)
            fail_msg("json-c does not take what we accept: %s", texts[i]);
    }
}

static void test_refuses_the_rest(void **state)
{
    (void)state;
    const char *texts[] = {
        "", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
        "{'a':1}", "01", "1.", ".5", "1e", "+1", "-", "NaN", "Infinity", "tru", "nul", "\"abc",
        "\"\\x\"", "\"\\u12g4\"", "\"a\nb\"", "1 2", "[] []", "{}x", "/* c */ 1", "[1]]", "{\"a\":1}}",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (valid(texts[i]))
            fail_msg("accepted: \"%s\"", texts[i]);
}

static void test_depth_bound(void **state)
{
    (void)state;
    for (size_t d = 1; d <= 257; d += 256) {
        char *deep = nested_arrays(d);
        assert_true(json_text_valid(deep, 2 * d, 300) == (d <= ING_JSON_MAX_DEPTH));
        free(deep);
    }
    assert_true(json_text_valid("[[1]]", 5, 2));
    assert_false(json_text_valid("[[1]]", 5, 1));
    assert_true(json_text_valid("{\"a\":[{\"b\":[]}]}", 16, 4));
    assert_false(json_text_valid("{\"a\":[{\"b\":[]}]}", 16, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_json),
        cmocka_unit_test(test_refuses_the_rest),
        cmocka_unit_test(test_depth_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
