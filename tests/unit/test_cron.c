/*
 * test_cron.c — cron triggers as the server's sync-time validator sees them
 * (robfig/cron v3, five fields, no descriptors), with the TZ= prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/cron.h"

static void expect_ok(const char *spec)
{
    char err[256] = "";
    if (!cron_validate(spec, err, sizeof(err)))
        fail_msg("\"%s\" refused: %s", spec, err);
}

/* Refused, with a message containing `want`. */
static void expect_bad(const char *spec, const char *want)
{
    char err[256] = "";
    if (cron_validate(spec, err, sizeof(err)))
        fail_msg("\"%s\" accepted", spec ? spec : "(null)");
    if (!strstr(err, want))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", spec ? spec : "(null)", err, want);
}

static bool have_zoneinfo(void)
{
    struct stat st;
    return stat("/usr/share/zoneinfo", &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_plain_fields(void **state)
{
    (void)state;
    expect_ok("* * * * *");
    expect_ok("0 * * * *");
    expect_ok("0 0 * * *");
    expect_ok("*/5 * * * *");
    expect_ok("59 23 31 12 6");
    expect_ok("0 0 1 1 0");
    expect_ok("? ? ? ? ?");
    expect_ok("  0   3  *  *  *  "); /* any run of blanks separates fields */
    expect_ok("0\t3\t*\t*\t*");
    expect_ok("00 03 01 01 00");
}

static void test_lists_ranges_steps(void **state)
{
    (void)state;
    expect_ok("0,15,30,45 * * * *");
    expect_ok("0 9-17 * * 1-5");
    expect_ok("0 9 * * 1-5");
    expect_ok("0-30/10 * * * *");
    expect_ok("5/15 * * * *");   /* N/step means N-max/step */
    expect_ok("*/90 * * * *");   /* a step beyond the range is legal (fires at 0) */
    expect_ok("?/5 * * * *");
    expect_ok("1,2-4,*/20 * * * *");
    expect_ok("0 0 1-31/2 * *");
}

static void test_names(void **state)
{
    (void)state;
    expect_ok("0 0 * jan *");
    expect_ok("0 0 * JAN-Mar *");
    expect_ok("0 0 * * mon-fri");
    expect_ok("0 0 * * SUN,sat");
    expect_ok("0 0 * dec sun");
    expect_ok("0 0 1 feb-nov/3 *");
    expect_bad("0 0 * * monday", "day-of-week \"monday\" is not a number or a name (sun-sat)");
    expect_bad("0 0 * janu *", "month \"janu\" is not a number or a name (jan-dec)");
    expect_bad("0 0 mon * *", "day-of-month \"mon\" is not a number");
    expect_bad("jan 0 * * *", "minute \"jan\" is not a number");
    expect_bad("0 0 * * fri-mon", "day-of-week range \"fri-mon\" starts after it ends");
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_bad("61 * * * *", "minute 61 out of range 0-59");
    expect_bad("60 * * * *", "minute 60 out of range 0-59");
    expect_bad("0 24 * * *", "hour 24 out of range 0-23");
    expect_bad("0 0 0 * *", "day-of-month 0 out of range 1-31");
    expect_bad("0 0 32 * *", "day-of-month 32 out of range 1-31");
    expect_bad("0 0 * 0 *", "month 0 out of range 1-12");
    expect_bad("0 0 * 13 *", "month 13 out of range 1-12");
    /* robfig's day-of-week is 0-6: 7 as Sunday is refused by the server. */
    expect_bad("0 0 * * 7", "day-of-week 7 out of range 0-6");
    expect_bad("0 0 * * 1-7", "day-of-week 7 out of range 0-6");
    expect_bad("0-60 * * * *", "minute 60 out of range 0-59");
    expect_bad("99999999999999999999 * * * *", "minute 99999999999999999999 out of range 0-59");
}

static void test_malformed_elements(void **state)
{
    (void)state;
    expect_bad("30-10 * * * *", "minute range \"30-10\" starts after it ends");
    expect_bad("*/0 * * * *", "minute step in \"*/0\" must be a positive number");
    expect_bad("*/x * * * *", "minute step in \"*/x\" must be a positive number");
    expect_bad("*/ * * * *", "minute step in \"*/\" must be a positive number");
    expect_bad("1/2/3 * * * *", "minute \"1/2/3\" has more than one '/'");
    expect_bad("1-2-3 * * * *", "minute \"1-2-3\" has more than one '-'");
    expect_bad("5- * * * *", "minute range \"5-\" is incomplete");
    expect_bad("-5 * * * *", "minute range \"-5\" is incomplete");
    expect_bad("/5 * * * *", "minute \"/5\" has no value before '/'");
    expect_bad("1,,2 * * * *", "minute has an empty list element");
    expect_bad(",1 * * * *", "minute has an empty list element");
    expect_bad("1, * * * *", "minute has an empty list element");
    expect_bad("*-5 * * * *", "minute \"*-5\": '*' and '?' stand alone");
    expect_bad("** * * * *", "minute \"**\": '*' and '?' stand alone");
    expect_bad("+5 * * * *", "minute \"+5\" is not a number");
    expect_bad("0 L * * *", "hour \"L\" is not a number");
    expect_bad("0 0 * * 5#3", "day-of-week \"5#3\" is not a number");
    expect_bad("0 0 15W * *", "day-of-month \"15W\" is not a number");
}

static void test_field_count(void **state)
{
    (void)state;
    expect_bad(NULL, "empty");
    expect_bad("", "empty");
    expect_bad("   ", "found 0");
    expect_bad("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4");
    expect_bad("0 * * * * *", "found 6"); /* no seconds field */
    expect_bad("0 0 * * * 2024", "found 6");
    char long_spec[300];
    memset(long_spec, ' ', sizeof(long_spec));
    memcpy(long_spec, "0 0 * * *", 9);
    long_spec[sizeof(long_spec) - 1] = '\0';
    expect_bad(long_spec, "the server allows 255");
}

static void test_descriptors_refused(void **state)
{
    (void)state;
    /* The scheduler knows descriptors, but the sync validator does not: the
     * server would refuse the whole app, so the hint names the equivalent. */
    expect_bad("@daily", "descriptor \"@daily\" is refused by the server at sync; write \"0 0 * * *\"");
    expect_bad("@midnight", "write \"0 0 * * *\"");
    expect_bad("@hourly", "write \"0 * * * *\"");
    expect_bad("@weekly", "write \"0 0 * * 0\"");
    expect_bad("@monthly", "write \"0 0 1 * *\"");
    expect_bad("@yearly", "write \"0 0 1 1 *\"");
    expect_bad("@annually", "write \"0 0 1 1 *\"");
    expect_bad("@every 1h", "descriptor \"@every\" is refused by the server at sync; use five fields");
    expect_bad("TZ=UTC @daily", "descriptor \"@daily\"");
    expect_bad("@reboot", "descriptor \"@reboot\"");
}

static void test_timezone_prefix(void **state)
{
    (void)state;
    expect_ok("TZ=UTC 0 3 * * *");
    expect_ok("CRON_TZ=UTC 0 3 * * *");
    expect_ok("TZ=Europe/Paris 0 9 * * 1-5");
    expect_ok("CRON_TZ=America/New_York 30 8 * * mon");
    expect_ok("TZ=America/Argentina/Buenos_Aires 0 0 * * *");
    expect_ok("TZ=Etc/GMT+5 0 0 * * *");
    expect_ok("TZ=UTC   0 3 * * *");
    expect_bad("TZ=UTC", "must be followed by a space and the schedule");
    expect_bad("TZ= 0 3 * * *", "time zone is empty");
    expect_bad("TZ=../../etc/passwd 0 3 * * *", "is not an IANA zone name");
    expect_bad("TZ=/etc/localtime 0 3 * * *", "is not an IANA zone name");
    expect_bad("TZ=Europe//Paris 0 3 * * *", "is not an IANA zone name");
    expect_bad("TZ=Europe/ 0 3 * * *", "is not an IANA zone name");
    expect_bad("TZ=Europe/.Paris 0 3 * * *", "is not an IANA zone name");
    expect_bad("TZ=UTC\t0 3 * * *", "is not an IANA zone name"); /* the zone runs to a space */
    expect_bad("TZ=UTC 0 3 * *", "found 4");
    expect_bad("TZ=UTC 61 3 * * *", "minute 61 out of range 0-59");
    expect_bad("tz=UTC 0 3 * * *", "found 6"); /* the prefix is case-sensitive */
    expect_bad(" TZ=UTC 0 3 * * *", "found 6"); /* and must come first, as in robfig */
}

static void test_timezone_lookup(void **state)
{
    (void)state;
    if (!have_zoneinfo()) {
        /* Shape-only mode: well-formed names are accepted. */
        expect_ok("TZ=Mars/Olympus_Mons 0 0 * * *");
        skip();
    }
    expect_bad("TZ=Mars/Olympus_Mons 0 0 * * *",
               "unknown time zone \"Mars/Olympus_Mons\" (not in /usr/share/zoneinfo)");
    expect_bad("TZ=Europe 0 0 * * *", "unknown time zone \"Europe\"");     /* a directory */
    expect_bad("TZ=zone.tab 0 0 * * *", "is not an IANA zone name");      /* not a zone shape */
    expect_bad("TZ=Local 0 0 * * *", "unknown time zone \"Local\"");      /* server's own zone */
    expect_bad("TZ=europe/paris 0 0 * * *", "unknown time zone");         /* case matters */
}

static void test_message_truncation(void **state)
{
    (void)state;
    char err[8];
    assert_false(cron_validate("61 * * * *", err, sizeof(err)));
    assert_int_equal(strlen(err), sizeof(err) - 1);
    assert_false(cron_validate("61 * * * *", NULL, 0));
    assert_true(cron_validate("0 * * * *", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_fields),
        cmocka_unit_test(test_lists_ranges_steps),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_malformed_elements),
        cmocka_unit_test(test_field_count),
        cmocka_unit_test(test_descriptors_refused),
        cmocka_unit_test(test_timezone_prefix),
        cmocka_unit_test(test_timezone_lookup),
        cmocka_unit_test(test_message_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
