/*
 * capture_stderr.c — fd 2 sent to a temporary file and read back (see
 * capture_stderr.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "capture_stderr.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void stderr_capture_begin(struct stderr_capture *cap)
{
    char path[] = "/tmp/inngest-test-stderr.XXXXXX";
    cap->fd = mkstemp(path);
    assert_true(cap->fd >= 0);
    unlink(path);
    fflush(stderr);
    cap->saved = dup(2);
    assert_true(cap->saved >= 0);
    assert_int_equal(dup2(cap->fd, 2), 2);
}

char *stderr_capture_end(struct stderr_capture *cap)
{
    fflush(stderr);
    dup2(cap->saved, 2);
    close(cap->saved);
    off_t len = lseek(cap->fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(pread(cap->fd, text, (size_t)len, 0), len);
    close(cap->fd);
    return text;
}
