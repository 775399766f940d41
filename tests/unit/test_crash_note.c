/*
 * test_crash_note.c — the shared crash notes (handler/core/crash_note.c) as the
 * master reads them: what a worker noted, bounded and printable whatever the
 * request carried, and nothing once the worker cleared its note.  (The whole
 * path, a real SIGSEGV under a real master, is tests/e2e/test_crash_report.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/crash_note.h"

static void test_a_note_names_function_run_and_step(void **s)
{
    (void)s;
    struct crash_notes *n = crash_notes_create(2);
    assert_non_null(n);
    char out[512];
    assert_false(crash_note_describe(n, 1, out, sizeof(out))); /* nothing noted yet */
    crash_note_enter(crash_notes_slot(n, 1), "app-fn", "01JRUN", NULL);
    assert_true(crash_note_describe(n, 1, out, sizeof(out)));
    assert_string_equal(out, "function \"app-fn\", run 01JRUN, outside any step");
    crash_note_enter(crash_notes_slot(n, 1), "app-fn", "01JRUN", NULL);
    crash_note_step(crash_notes_slot(n, 1), "charge");
    assert_true(crash_note_describe(n, 1, out, sizeof(out)));
    assert_string_equal(out, "function \"app-fn\", run 01JRUN, step \"charge\"");
    assert_false(crash_note_describe(n, 0, out, sizeof(out))); /* the other worker's slot */
    crash_notes_destroy(n);
}

static void test_a_cleared_note_names_nothing(void **s)
{
    (void)s;
    struct crash_notes *n = crash_notes_create(1);
    char out[512];
    crash_note_enter(crash_notes_slot(n, 0), "app-fn", "01JRUN", "step");
    crash_note_clear(crash_notes_slot(n, 0));
    assert_false(crash_note_describe(n, 0, out, sizeof(out)));
    crash_notes_destroy(n);
}

static void test_request_text_is_printable_and_bounded(void **s)
{
    (void)s;
    struct crash_notes *n = crash_notes_create(1);
    char long_run[1000];
    memset(long_run, 'R', sizeof(long_run) - 1);
    long_run[sizeof(long_run) - 1] = '\0';
    crash_note_enter(crash_notes_slot(n, 0), "app-\"fn\"\n\x1b[31m", long_run, "s\xc3\xa9p");
    char out[1024];
    assert_true(crash_note_describe(n, 0, out, sizeof(out)));
    for (const char *p = out; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
    assert_non_null(strstr(out, "function \"app-?fn??"));
    assert_true(strlen(out) < 500); /* the run id was cut to its field */
    assert_non_null(strstr(out, "step \"s??p\""));
    crash_notes_destroy(n);
}

static void test_null_notes_are_accepted(void **s)
{
    (void)s;
    char out[64];
    assert_null(crash_notes_slot(NULL, 0));
    crash_note_enter(NULL, "f", "r", "s");
    crash_note_step(NULL, "s");
    crash_note_clear(NULL);
    assert_false(crash_note_describe(NULL, 0, out, sizeof(out)));
    struct crash_notes *n = crash_notes_create(1);
    assert_null(crash_notes_slot(n, 1));
    assert_null(crash_notes_slot(n, -1));
    crash_notes_destroy(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_note_names_function_run_and_step),
        cmocka_unit_test(test_a_cleared_note_names_nothing),
        cmocka_unit_test(test_request_text_is_printable_and_bounded),
        cmocka_unit_test(test_null_notes_are_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
