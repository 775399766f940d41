/*
 * capture_stderr.h — what the code under test writes to stderr (fd 2), for
 * the tests that check a log line or that no secret reaches the log.
 *
 *     struct stderr_capture cap;
 *     stderr_capture_begin(&cap);
 *     ... code that logs ...
 *     char *text = stderr_capture_end(&cap);   // malloc'd, NUL-terminated
 *
 * Between the two calls fd 2 is an unlinked temporary file; end puts the
 * original stderr back.  A failure to set up fails the running cmocka test.
 */
#ifndef TEST_CAPTURE_STDERR_H
#define TEST_CAPTURE_STDERR_H

struct stderr_capture {
    int fd;    /* the temporary file */
    int saved; /* the original fd 2 */
};

void stderr_capture_begin(struct stderr_capture *cap);

/* Everything written since begin (the caller frees it). */
char *stderr_capture_end(struct stderr_capture *cap);

#endif
