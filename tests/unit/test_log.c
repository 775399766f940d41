/*
 * test_log.c — log lines cannot be forged or turned into terminal commands
 * by request data (issue 13, finding 6): the escape itself, then whole lines
 * in both formats, read back from the file stderr was pointed at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "capture_stderr.h"
#include "core/log.h"

static void expect_escaped(const char *in, const char *want)
{
    char out[256];
    size_t n = log_escape(in, out, sizeof(out));
    if (strcmp(out, want) != 0)
        fail_msg("escape of \"%s\": got \"%s\", want \"%s\"", in, out, want);
    assert_int_equal(n, strlen(want));
}

static void test_controls_are_escaped(void **s)
{
    (void)s;
    expect_escaped("plain /api/inngest?x=1", "plain /api/inngest?x=1");
    expect_escaped("a\nb", "a\\x0ab");
    expect_escaped("a\r\nfake line", "a\\x0d\\x0afake line");
    expect_escaped("\x1b[31mred", "\\x1b[31mred");
    expect_escaped("tab\there", "tab\\x09here");
    expect_escaped("\x01\x1f", "\\x01\\x1f");
    expect_escaped("del\x7f", "del\\x7f");
    /* an escape in the input cannot pass for ours */
    expect_escaped("a\\x0ab", "a\\\\x0ab");
}

static void test_utf8_kept_and_bad_bytes_escaped(void **s)
{
    (void)s;
    expect_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_escaped("\xff\xfe", "\\xff\\xfe");
    expect_escaped("\xc3", "\\xc3");                  /* cut short at the end */
    expect_escaped("\xe2\x82x", "\\xe2\\x82x");       /* cut short in the middle */
    expect_escaped("\xc0\xaf", "\\xc0\\xaf");         /* overlong "/" */
    expect_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* a surrogate */
    expect_escaped("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* beyond U+10FFFF */
    expect_escaped("\x80", "\\x80");                  /* a lone continuation byte */
    /* C1 controls: U+009B is CSI on terminals that obey 8-bit controls */
    expect_escaped("\xc2\x9b" "31m", "\\xc2\\x9b" "31m");
    expect_escaped("\xc2\xa0", "\xc2\xa0"); /* U+00A0 is no control */
}

static void test_truncation_never_splits(void **s)
{
    (void)s;
    char out[6];
    /* "ab" + an escape of 4 would need 7 bytes with the NUL: it is left out whole */
    assert_int_equal(log_escape("ab\ncd", out, sizeof(out)), 2);
    assert_string_equal(out, "ab");
    char small[4];
    assert_int_equal(log_escape("\xe2\x82\xac\xe2\x82\xac", small, sizeof(small)), 3);
    assert_string_equal(small, "\xe2\x82\xac");
    assert_int_equal(log_escape("x", small, 0), 0);
}

/* Runs `write_line` with stderr pointed at a temporary file; returns what it wrote. */
static char *captured(void (*write_line)(void))
{
    struct stderr_capture cap;
    stderr_capture_begin(&cap);
    write_line();
    return stderr_capture_end(&cap);
}

/* The reproducer: a request path with %0A and %1b as nginx decodes them. */
#define FORGED_PATH "/api/x\n2026-01-01T00:00:00.000Z info [1] POST fake status=200\x1b[31m\xff"

static void request_line(void)
{
    log_request_line(&(struct log_request){.method = "GET", .target = FORGED_PATH,
                                           .run_id = "run\r\n", .status = 404, .duration_ms = 1.5,
                                           .outcome = "x\x7f"});
}

static void message_line(void) { ing_log(ING_LOG_WARN, "route %s: failed", FORGED_PATH); }

static void expect_one_clean_line(const char *text)
{
    size_t n = strlen(text);
    assert_true(n > 0 && text[n - 1] == '\n');
    assert_null(memchr(text, '\n', n - 1)); /* exactly one line */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7F || *p == 0xFF)
            fail_msg("a raw byte 0x%02x reached the log line: %s", *p, text);
}

static void test_text_lines(void **s)
{
    (void)s;
    log_configure(ING_LOG_INFO, false);
    char *line = captured(request_line);
    expect_one_clean_line(line);
    assert_non_null(strstr(line, "GET /api/x\\x0a2026-01-01T00:00:00.000Z info [1] POST fake status=200\\x1b[31m\\xff run=run\\x0d\\x0a "));
    assert_non_null(strstr(line, " x\\x7f\n"));
    free(line);
    line = captured(message_line);
    expect_one_clean_line(line);
    assert_non_null(strstr(line, " warn ["));
    assert_non_null(strstr(line, "route /api/x\\x0a2026"));
    free(line);
}

static void test_json_lines(void **s)
{
    (void)s;
    log_configure(ING_LOG_INFO, true);
    char *line = captured(request_line);
    expect_one_clean_line(line);
    json_object *o = json_tokener_parse(line);
    assert_non_null(o);
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(o, "target", &v));
    /* the decoded value carries the escape as text, never the raw bytes */
    assert_string_equal(json_object_get_string(v),
                        "/api/x\\x0a2026-01-01T00:00:00.000Z info [1] POST fake status=200\\x1b[31m\\xff");
    assert_true(json_object_object_get_ex(o, "run_id", &v));
    assert_string_equal(json_object_get_string(v), "run\\x0d\\x0a");
    assert_true(json_object_object_get_ex(o, "outcome", &v));
    assert_string_equal(json_object_get_string(v), "x\\x7f");
    json_object_put(o);
    free(line);
    line = captured(message_line);
    expect_one_clean_line(line);
    o = json_tokener_parse(line);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "msg", &v));
    assert_non_null(strstr(json_object_get_string(v), "route /api/x\\x0a2026"));
    json_object_put(o);
    free(line);
    log_configure(ING_LOG_INFO, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls_are_escaped),
        cmocka_unit_test(test_utf8_kept_and_bad_bytes_escaped),
        cmocka_unit_test(test_truncation_never_splits),
        cmocka_unit_test(test_text_lines),
        cmocka_unit_test(test_json_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
