/*
 * test_building_blocks.c — the small helpers the SDK keeps one copy of:
 * hex digits (hex.h), UTF-8 decoding (utf8.h), ISO 8601 times (iso_time.c),
 * URL encoding (url_encode.c) and the bounded JSON parse (json_parse.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/hex.h"
#include "base/iso_time.h"
#include "base/json_parse.h"
#include "base/limits.h"
#include "base/url_encode.h"
#include "base/utf8.h"
#include "nesting.h"

static void hex_both_ways(void **state)
{
    (void)state;
    assert_int_equal(hex_value('0'), 0);
    assert_int_equal(hex_value('9'), 9);
    assert_int_equal(hex_value('a'), 10);
    assert_int_equal(hex_value('F'), 15);
    assert_int_equal(hex_value('g'), -1);
    assert_int_equal(hex_value('\0'), -1);
    assert_int_equal(hex_digit_upper(10), 'A');
    assert_int_equal(hex_digit_lower(10), 'a');

    const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char text[2 * sizeof bytes + 1];
    memset(text, 'x', sizeof text);
    hex_encode(bytes, sizeof bytes, text);
    assert_string_equal(text, "00017f80abff");

    unsigned char back[sizeof bytes];
    assert_true(hex_decode("00017F80abFF", 12, back));
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_true(hex_decode("", 0, back));
    assert_false(hex_decode("abc", 3, back));  /* odd */
    assert_false(hex_decode("0g", 2, back));   /* not a digit */
    assert_false(hex_decode("0 ", 2, back));
}

static size_t decode(const char *s, size_t n, uint32_t *cp) { return utf8_decode((const unsigned char *)s, n, cp); }

static void utf8_accepts_only_well_formed(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(decode("\xc3\xa9", 2, &cp), 2); /* é */
    assert_int_equal(cp, 0xe9);
    assert_int_equal(decode("\xe2\x82\xac", 3, &cp), 3); /* € */
    assert_int_equal(cp, 0x20ac);
    assert_int_equal(decode("\xf0\x9f\x98\x80", 4, &cp), 4); /* U+1F600 */
    assert_int_equal(cp, 0x1f600);
    assert_int_equal(decode("\xf4\x8f\xbf\xbf", 4, &cp), 4); /* U+10FFFF */

    assert_int_equal(decode("", 0, &cp), 0);
    assert_int_equal(decode("\xc3", 1, &cp), 0);             /* cut short */
    assert_int_equal(decode("\xe2\x82", 2, &cp), 0);
    assert_int_equal(decode("\x80", 1, &cp), 0);             /* a lone continuation */
    assert_int_equal(decode("\xc0\xaf", 2, &cp), 0);         /* overlong '/' */
    assert_int_equal(decode("\xe0\x80\xaf", 3, &cp), 0);     /* overlong */
    assert_int_equal(decode("\xed\xa0\x80", 3, &cp), 0);     /* surrogate U+D800 */
    assert_int_equal(decode("\xf4\x90\x80\x80", 4, &cp), 0); /* beyond U+10FFFF */
    assert_int_equal(decode("\xf5\x80\x80\x80", 4, &cp), 0);
    assert_int_equal(decode("\xc3(", 2, &cp), 0);            /* not a continuation */
    /* a NUL-terminated text may pass 4: it stops at the NUL */
    assert_int_equal(decode("\xe2\x82", 4, &cp), 0);
}

static void iso_times(void **state)
{
    (void)state;
    char out[ISO_TIME_SIZE];
    assert_int_equal(iso_time_format(0, 0, out), 24);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    assert_int_equal(iso_time_format(1893456000, 0, out), 24);
    assert_string_equal(out, "2030-01-01T00:00:00.000Z");
    iso_time_format(784111777, 123, out);
    assert_string_equal(out, "1994-11-06T08:49:37.123Z");
    iso_time_format(951782400 - 1, 999, out); /* the day before 2000-02-29 ends */
    assert_string_equal(out, "2000-02-28T23:59:59.999Z");
    iso_time_format(951782400, 7, out);
    assert_string_equal(out, "2000-02-29T00:00:00.007Z");
    iso_time_format(0, 1000, out); /* out of range: no milliseconds */
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    iso_time_format((time_t)253402300800LL, 0, out); /* year 10000: five digits */
    assert_string_equal(out, "10000-01-01T00:00:00.000Z");
}

static void url_encoding(void **state)
{
    (void)state;
    char out[64];
    size_t n = url_encode(NULL, "a-b_c.d~e");
    assert_int_equal(n, 9);
    assert_int_equal(url_encode(out, "a-b_c.d~e"), 9);
    assert_memory_equal(out, "a-b_c.d~e", 9);
    assert_int_equal(url_encode(NULL, "a b/c?d=é"), strlen("a%20b%2Fc%3Fd%3D%C3%A9"));
    struct arena *a = arena_new();
    assert_non_null(a);
    assert_string_equal(url_encode_arena(a, "a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
    assert_string_equal(url_encode_arena(a, ""), "");
    assert_string_equal(url_encode_arena(a, "01J:run+id%"), "01J%3Arun%2Bid%25");
    arena_release(a);
}

static void bounded_json_parse(void **state)
{
    (void)state;
    struct json_parse_outcome how;
    json_object *v = json_parse_bounded("{\"a\":1} tail", 12, &how);
    assert_non_null(v);
    assert_int_equal(how.error, json_tokener_success);
    assert_int_equal(how.end, 8); /* after the value and a space: the caller decides about the rest */
    assert_false(how.no_tokener);
    json_object_put(v);

    assert_null(json_parse_bounded("{\"a\":", 5, &how));
    assert_int_not_equal(how.error, json_tokener_success);
    assert_null(json_parse_bounded("nope", 4, NULL));

    /* the depth bound: ING_JSON_MAX_DEPTH levels pass, one more does not */
    for (size_t depth = ING_JSON_MAX_DEPTH; depth <= ING_JSON_MAX_DEPTH + 1; depth++) {
        char *deep = nested_arrays(depth);
        v = json_parse_bounded(deep, 2 * depth, &how);
        free(deep);
        if (depth == ING_JSON_MAX_DEPTH) {
            assert_non_null(v);
            json_object_put(v);
        } else {
            assert_null(v);
            assert_int_equal(how.error, json_tokener_error_depth);
        }
    }

    /* the length is the given one, not strlen */
    v = json_parse_bounded("[1,2]garbage", 5, &how);
    assert_non_null(v);
    assert_int_equal(json_object_array_length(v), 2);
    json_object_put(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hex_both_ways),
        cmocka_unit_test(utf8_accepts_only_well_formed),
        cmocka_unit_test(iso_times),
        cmocka_unit_test(url_encoding),
        cmocka_unit_test(bounded_json_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
