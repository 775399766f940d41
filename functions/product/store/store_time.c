/*
 * store_time.c — the store's dates and times: "YYYY-MM-DD" days (the view
 * buckets), ISO-8601 instants from events, and their rendering, all in UTC
 * and without the C library's time zone state (no timegm, no TZ).  It knows
 * nothing of storage.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "product/store/store.h"
#include "product/store/store_backend.h"

static bool parse_digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* The date at p ("YYYY-MM-DD", not necessarily the whole string). */
static bool parse_date(const char *p, int *y, int *m, int *d)
{
    return parse_digits(p, 4, y) && p[4] == '-' && parse_digits(p + 5, 2, m) && p[7] == '-' &&
           parse_digits(p + 8, 2, d) && *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

long store_day_number(const char *day)
{
    int y, m, d;
    if (!day || strlen(day) != 10 || !parse_date(day, &y, &m, &d))
        return -1;
    return (long)y * 10000 + m * 100 + d;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (no timegm: it is not C11). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool store_parse_time(const char *iso, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!iso || strlen(iso) < 10 || !parse_date(iso, &y, &mo, &d))
        return false;
    const char *p = iso + 10;
    int64_t offset = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (!parse_digits(p + 1, 2, &h) || p[3] != ':' || !parse_digits(p + 4, 2, &mi) || h > 23 || mi > 59)
            return false;
        p += 6;
        if (*p == ':') {
            if (!parse_digits(p + 1, 2, &sec) || sec > 60)
                return false;
            p += 3;
        }
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9')
                return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            int sign = *p == '-' ? -1 : 1;
            if (!parse_digits(p + 1, 2, &oh))
                return false;
            p += 3;
            if (*p == ':')
                p++;
            if (!parse_digits(p, 2, &om) || oh > 23 || om > 59)
                return false;
            p += 2;
            offset = sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (*p)
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    return true;
}

void store_format_time(int64_t t, char out[32]) { store_format_time_ms(t, -1, out); }

void store_format_time_ms(int64_t t, int ms, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm)) {
        snprintf(out, 32, "%lld", (long long)t);
        return;
    }
    size_t n = strlen(out);
    if (ms >= 0 && ms <= 999)
        snprintf(out + n, 32 - n, ".%03dZ", ms);
    else
        snprintf(out + n, 32 - n, "Z");
}
