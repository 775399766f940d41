/*
 * test_sha1.c — our SHA-1 (the portable form and the fastest form this
 * processor runs, SHA-NI where it has it) against OpenSSL's on every length
 * around the block boundaries and on random inputs, and against the FIPS 180
 * examples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "base/sha1.h"
#include "core/signature.h"

static void test_fips_examples(void **s)
{
    (void)s;
    char out[41];
    sha1_hex_fn fast = sha1_fastest();
    fast("abc", 3, out);
    assert_string_equal(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sha1_hex("abc", 3, out);
    assert_string_equal(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha1_hex(two, strlen(two), out);
    assert_string_equal(out, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    sha1_hex("", 0, out);
    assert_string_equal(out, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_matches_openssl(void **s)
{
    (void)s;
    unsigned char buf[1024];
    char ours[41], fastest[41], theirs[41];
    sha1_hex_fn fast = sha1_fastest();
    for (size_t len = 0; len <= 300; len++) {
        RAND_bytes(buf, (int)len + 1);
        sha1_hex(buf, len, ours);
        fast(buf, len, fastest);
        sig_sha1_hex(buf, len, theirs);
        assert_string_equal(ours, theirs);
        assert_string_equal(fastest, theirs);
    }
    for (int i = 0; i < 200; i++) {
        unsigned short len;
        RAND_bytes((unsigned char *)&len, sizeof(len));
        len %= sizeof(buf);
        RAND_bytes(buf, (int)sizeof(buf));
        sha1_hex(buf, len, ours);
        fast(buf, len, fastest);
        sig_sha1_hex(buf, len, theirs);
        assert_string_equal(ours, theirs);
        assert_string_equal(fastest, theirs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_examples),
        cmocka_unit_test(test_matches_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
