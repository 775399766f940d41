/*
 * iso_time.c — ISO 8601 UTC times with milliseconds (iso_time.h).
 *
 * By hand, not strftime + printf: every request's log line starts with one,
 * and those two cost more than the rest of the line.
 */
#include "base/iso_time.h"

#include <stdio.h>

static void two_digits(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

size_t iso_time_format(time_t sec, int ms, char out[ISO_TIME_SIZE])
{
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        out[0] = '\0';
        return 0;
    }
    if (ms < 0 || ms > 999)
        ms = 0;
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999) {
        int n = snprintf(out, ISO_TIME_SIZE, "%d-%02d-%02dT%02d:%02d:%02d.%03dZ", year,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
        return n < 0 ? 0 : (size_t)n < ISO_TIME_SIZE ? (size_t)n : ISO_TIME_SIZE - 1;
    }
    two_digits(out, year / 100);
    two_digits(out + 2, year % 100);
    out[4] = '-';
    two_digits(out + 5, tm.tm_mon + 1);
    out[7] = '-';
    two_digits(out + 8, tm.tm_mday);
    out[10] = 'T';
    two_digits(out + 11, tm.tm_hour);
    out[13] = ':';
    two_digits(out + 14, tm.tm_min);
    out[16] = ':';
    two_digits(out + 17, tm.tm_sec);
    out[19] = '.';
    out[20] = (char)('0' + ms / 100);
    two_digits(out + 21, ms % 100);
    out[23] = 'Z';
    out[24] = '\0';
    return 24;
}
