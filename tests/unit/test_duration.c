/*
 * test_duration.c — time strings as the server reads them, minus the forms
 * that only hide mistakes (signs, bare numbers, empty strings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/duration.h"

static void expect_seconds(const char *text, double want)
{
    double got = -1;
    if (!duration_parse(text, &got))
        fail_msg("\"%s\" was refused", text);
    if (got < want - 1e-9 * (want > 1 ? want : 1) || got > want + 1e-9 * (want > 1 ? want : 1))
        fail_msg("\"%s\" gave %.12g s, want %.12g s", text, got, want);
}

static void expect_refused(const char *text)
{
    double got = 12345;
    if (duration_parse(text, &got))
        fail_msg("\"%s\" was accepted (%.12g s)", text ? text : "(null)", got);
    assert_true(got == 12345); /* untouched on failure */
}

static void test_single_units(void **state)
{
    (void)state;
    expect_seconds("1s", 1);
    expect_seconds("30s", 30);
    expect_seconds("5m", 300);
    expect_seconds("2h", 7200);
    expect_seconds("1d", 86400);
    expect_seconds("7d", 604800);
    expect_seconds("1w", 604800);
    expect_seconds("250ms", 0.25);
    expect_seconds("10us", 1e-5);
    expect_seconds("10\xc2\xb5s", 1e-5); /* micro sign */
    expect_seconds("10\xce\xbcs", 1e-5); /* Greek mu */
    expect_seconds("1500ns", 1.5e-6);
    expect_seconds("0s", 0);
}

static void test_decimals_and_segments(void **state)
{
    (void)state;
    expect_seconds("1.5h", 5400);
    expect_seconds(".5s", 0.5);
    expect_seconds("1.s", 1);
    expect_seconds("2h45m", 9900);
    expect_seconds("1h30m15s", 5415);
    expect_seconds("1d12h", 129600);
    expect_seconds("1m1ms", 60.001);
    expect_seconds("1w1d1h1m1s", 604800 + 86400 + 3600 + 60 + 1);
    expect_seconds("0.25m30s", 45);
    expect_seconds("000010s", 10);
}

static void test_null_seconds_pointer(void **state)
{
    (void)state;
    assert_true(duration_parse("1s", NULL));
    assert_false(duration_parse("x", NULL));
}

static void test_refused(void **state)
{
    (void)state;
    expect_refused(NULL);
    expect_refused("");
    expect_refused("0");       /* bare number, even the server's special case */
    expect_refused("10");
    expect_refused("1.5");
    expect_refused("-1s");     /* no sign */
    expect_refused("+1s");
    expect_refused("s");
    expect_refused(".s");
    expect_refused("1");
    expect_refused("1 s");     /* no spaces */
    expect_refused(" 1s");
    expect_refused("1s ");
    expect_refused("1x");      /* unknown unit */
    expect_refused("1mss");
    expect_refused("1S");      /* units are lower case */
    expect_refused("1H");
    expect_refused("1sec");
    expect_refused("1y");
    expect_refused("1h30");    /* trailing number without unit */
    expect_refused("1..5s");
    expect_refused("1e3s");    /* no exponents */
    expect_refused("0x10s");
    expect_refused("1,5s");
}

static void test_range_limit(void **state)
{
    (void)state;
    /* The server stores int64 nanoseconds: about 292 years. */
    expect_seconds("2562047h", 2562047.0 * 3600);
    expect_refused("2562048h");
    expect_refused("15251w");
    expect_refused("99999999999999999999999999999999999999999s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_units),
        cmocka_unit_test(test_decimals_and_segments),
        cmocka_unit_test(test_null_seconds_pointer),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_range_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
