/*
 * test_ulid_base64.c — the two building blocks durable endpoints add to base/:
 * base64 (RFC 4648 §10's vectors, and bytes that are not text) and ULIDs
 * (the time part of the ULID specification's example, the 80-bit random part
 * at its extremes, and fresh ids: 26 Crockford characters, all different).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/base64.h"
#include "base/ulid.h"

static void test_base64_rfc4648(void **s)
{
    (void)s;
    static const struct { const char *in, *out; } v[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
        {"{\"name\":\"unit\"}", "eyJuYW1lIjoidW5pdCJ9"},
    };
    struct arena *a = arena_new();
    assert_non_null(a);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_string_equal(base64_encode_arena(a, v[i].in, strlen(v[i].in)), v[i].out);
    const unsigned char bin[] = {0x00, 0xff, 0xfe, 0x80, 0x3f};
    assert_string_equal(base64_encode_arena(a, bin, sizeof(bin)), "AP/+gD8=");
    arena_release(a);
}

static void test_ulid_format(void **s)
{
    (void)s;
    char out[ULID_SIZE];
    const unsigned char zero[10] = {0}, ones[10] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                                     0xff, 0xff, 0xff, 0xff, 0xff};
    ulid_format(0, zero, out);
    assert_string_equal(out, "00000000000000000000000000");
    /* the specification's example time */
    ulid_format(1469918176385ULL, ones, out);
    assert_string_equal(out, "01ARYZ6S41ZZZZZZZZZZZZZZZZ");
    const unsigned char first_bit[10] = {0x80};
    ulid_format(1, first_bit, out);
    assert_string_equal(out, "0000000001G000000000000000");
}

static void test_ulid_new(void **s)
{
    (void)s;
    char a[ULID_SIZE], b[ULID_SIZE];
    assert_true(ulid_new(a));
    assert_true(ulid_new(b));
    assert_int_equal(strlen(a), 26);
    assert_int_equal(strspn(a, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), 26);
    assert_string_not_equal(a, b);
    /* both made in the same second or two: the time parts agree on the top digits */
    assert_memory_equal(a, b, 7);
    assert_true(strcmp(a, "01M0000000") > 0); /* after 2025 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_ulid_format),
        cmocka_unit_test(test_ulid_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
