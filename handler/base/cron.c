/*
 * cron.c — validates cron triggers the way the server does at sync.
 *
 * The judge is the server's trigger validator (pkg/inngest/trigger.go): the
 * robfig/cron v3 parser with the five standard fields and NO descriptors, plus
 * a 255-character limit.  So "@daily" and "@every 1h" are refused here with a
 * hint, because the server refuses them at sync and fails the whole app.  The
 * optional "TZ=<zone> " / "CRON_TZ=<zone> " prefix is checked for shape and,
 * when /usr/share/zoneinfo exists, for a TZif file of that name (the server
 * bundles Go's tzdata, which holds the same IANA names); without that directory
 * only the shape is checked.
 *
 * Where robfig is lenient in ways that only hide typos ("1,,2", "*-5", "+5",
 * an empty zone), we refuse.  This module only reads the spec: it never
 * allocates and never keeps state; the only side effect is opening zone files.
 */
#include "base/cron.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CRON_LENGTH 255 /* the server's MaxCronLength */
#define ZONEINFO_DIR "/usr/share/zoneinfo"

struct field_spec {
    const char *label;
    unsigned min, max;
    const char *const *names; /* index = value - names_base; NULL if none */
    unsigned names_base;
    size_t name_count;
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* robfig's bounds: note day-of-week is 0-6, so 7 (Sunday elsewhere) is refused. */
static const struct field_spec fields[5] = {
    {"minute", 0, 59, NULL, 0, 0},
    {"hour", 0, 23, NULL, 0, 0},
    {"day-of-month", 1, 31, NULL, 0, 0},
    {"month", 1, 12, month_names, 1, 12},
    {"day-of-week", 0, 6, dow_names, 0, 7},
};

__attribute__((format(printf, 3, 4))) static bool fail(char *err, size_t err_size,
                                                        const char *fmt, ...)
{
    if (err && err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- time zone ---------------------------------------------------------- */

/* ASCII only, whatever the process locale: zone names are ASCII. */
static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool zone_char_ok(char c)
{
    return is_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+';
}

/* IANA names are '/'-separated components that start with a letter: this
 * also rules out "..", absolute paths and hidden files before we touch the
 * file system. */
static bool zone_shape_ok(const char *zone, size_t len)
{
    if (len == 0 || len > 128)
        return false;
    size_t i = 0;
    while (i < len) {
        if (!is_letter(zone[i]))
            return false;
        while (i < len && zone[i] != '/') {
            if (!zone_char_ok(zone[i]))
                return false;
            i++;
        }
        if (i < len) {
            i++; /* the '/' */
            if (i == len)
                return false;
        }
    }
    return true;
}

/* 1: a TZif file exists; 0: it does not; -1: no zoneinfo directory to ask. */
static int zone_file_exists(const char *zone, size_t len)
{
    struct stat st;
    if (stat(ZONEINFO_DIR, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;

    char path[sizeof(ZONEINFO_DIR) + 1 + 128 + 1];
    int w = snprintf(path, sizeof(path), "%s/%.*s", ZONEINFO_DIR, (int)len, zone);
    if (w < 0 || (size_t)w >= sizeof(path))
        return 0;

    /* zone.tab, tzdata.zi and friends live in the same directory: only a
     * compiled zone (magic "TZif") is something Go's LoadLocation accepts. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char magic[4];
    ssize_t n;
    do {
        n = read(fd, magic, sizeof(magic));
    } while (n < 0 && errno == EINTR);
    close(fd);
    return n == (ssize_t)sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

static bool check_zone(const char *zone, size_t len, char *err, size_t err_size)
{
    if (len == 0)
        return fail(err, err_size, "time zone is empty (write TZ=UTC for UTC)");
    /* Go resolves "UTC" without any file. */
    if (len == 3 && memcmp(zone, "UTC", 3) == 0)
        return true;
    if (!zone_shape_ok(zone, len))
        return fail(err, err_size, "time zone \"%.*s\" is not an IANA zone name like Europe/Paris",
                    (int)(len > 64 ? 64 : len), zone);
    if (zone_file_exists(zone, len) == 0)
        return fail(err, err_size, "unknown time zone \"%.*s\" (not in " ZONEINFO_DIR ")", (int)len,
                    zone);
    return true;
}

/* ---- fields ------------------------------------------------------------- */

/* Parses digits only (no sign: robfig's Atoi would take "+5", nobody means it).
 * Values too large to matter are clamped so the range check names them. */
static bool parse_number(const char *s, size_t len, unsigned *out)
{
    if (len == 0)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v < 1000000UL)
            v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *out = v > 1000000UL ? 1000000U : (unsigned)v;
    return true;
}

static bool parse_value(const struct field_spec *f, const char *s, size_t len, unsigned *out)
{
    if (parse_number(s, len, out))
        return true;
    for (size_t i = 0; f->names && i < f->name_count; i++) {
        if (len == 3 && strncasecmp(s, f->names[i], 3) == 0) {
            *out = f->names_base + (unsigned)i;
            return true;
        }
    }
    return false;
}

static bool bad_value(const struct field_spec *f, const char *s, size_t len, char *err,
                      size_t err_size)
{
    if (f->names)
        return fail(err, err_size, "%s \"%.*s\" is not a number or a name (%s-%s)", f->label,
                    (int)len, s, f->names[0], f->names[f->name_count - 1]);
    return fail(err, err_size, "%s \"%.*s\" is not a number", f->label, (int)len, s);
}

/* One list element: "*", "?", "N", "N-M", "NAME", any of these with "/STEP". */
static bool check_element(const struct field_spec *f, const char *s, size_t len, char *err,
                          size_t err_size)
{
    if (len == 0)
        return fail(err, err_size, "%s has an empty list element", f->label);

    const char *slash = memchr(s, '/', len);
    size_t range_len = slash ? (size_t)(slash - s) : len;
    if (slash) {
        const char *step = slash + 1;
        size_t step_len = len - range_len - 1;
        if (memchr(step, '/', step_len))
            return fail(err, err_size, "%s \"%.*s\" has more than one '/'", f->label, (int)len, s);
        unsigned step_value;
        if (!parse_number(step, step_len, &step_value) || step_value == 0)
            return fail(err, err_size, "%s step in \"%.*s\" must be a positive number", f->label,
                        (int)len, s);
    }

    if (range_len == 1 && (s[0] == '*' || s[0] == '?'))
        return true;
    if (range_len == 0)
        return fail(err, err_size, "%s \"%.*s\" has no value before '/'", f->label, (int)len, s);
    if (memchr(s, '*', range_len) || memchr(s, '?', range_len))
        return fail(err, err_size, "%s \"%.*s\": '*' and '?' stand alone (optionally with /step)",
                    f->label, (int)len, s);

    const char *dash = memchr(s, '-', range_len);
    const char *hi_text = dash ? dash + 1 : s;
    size_t lo_len = dash ? (size_t)(dash - s) : range_len;
    size_t hi_len = dash ? range_len - lo_len - 1 : lo_len;
    if (dash && (lo_len == 0 || hi_len == 0))
        return fail(err, err_size, "%s range \"%.*s\" is incomplete", f->label, (int)range_len, s);
    if (dash && memchr(hi_text, '-', hi_len))
        return fail(err, err_size, "%s \"%.*s\" has more than one '-'", f->label, (int)len, s);
    unsigned lo, hi;
    if (!parse_value(f, s, lo_len, &lo))
        return bad_value(f, s, lo_len, err, err_size);
    if (!parse_value(f, hi_text, hi_len, &hi))
        return bad_value(f, hi_text, hi_len, err, err_size);
    if (lo < f->min || lo > f->max)
        return fail(err, err_size, "%s %.*s out of range %u-%u", f->label, (int)lo_len, s, f->min,
                    f->max);
    if (hi < f->min || hi > f->max)
        return fail(err, err_size, "%s %.*s out of range %u-%u", f->label, (int)hi_len, hi_text,
                    f->min, f->max);
    if (lo > hi)
        return fail(err, err_size, "%s range \"%.*s\" starts after it ends", f->label,
                    (int)range_len, s);
    return true;
}

static bool check_field(const struct field_spec *f, const char *s, size_t len, char *err,
                        size_t err_size)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == ',') {
            if (!check_element(f, s + start, i - start, err, err_size))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* What to write instead of a descriptor the server refuses. */
static const char *descriptor_equivalent(const char *d, size_t len)
{
    static const struct {
        const char *name, *spec;
    } table[] = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strlen(table[i].name) == len && memcmp(table[i].name, d, len) == 0)
            return table[i].spec;
    }
    return NULL;
}

bool cron_validate(const char *spec, char *err, size_t err_size)
{
    if (!spec || !*spec)
        return fail(err, err_size, "cron schedule is empty");
    size_t total = strlen(spec);
    if (total > MAX_CRON_LENGTH)
        return fail(err, err_size, "cron schedule is %zu characters long; the server allows %d",
                    total, MAX_CRON_LENGTH);

    const char *p = spec;
    /* Like robfig: the prefix must come first, and the zone runs to the first
     * space (a tab would end up inside the zone name and fail there too). */
    size_t prefix = strncmp(p, "TZ=", 3) == 0 ? 3 : strncmp(p, "CRON_TZ=", 8) == 0 ? 8 : 0;
    if (prefix) {
        const char *zone = p + prefix;
        const char *sp = strchr(zone, ' ');
        if (!sp)
            return fail(err, err_size,
                        "time zone prefix must be followed by a space and the schedule");
        if (!check_zone(zone, (size_t)(sp - zone), err, err_size))
            return false;
        p = sp + 1;
    }

    while (is_space(*p))
        p++;
    if (*p == '@') {
        size_t len = strcspn(p, " \t\n\r\v\f");
        const char *eq = descriptor_equivalent(p, len);
        if (eq)
            return fail(err, err_size,
                        "descriptor \"%.*s\" is refused by the server at sync; write \"%s\"",
                        (int)len, p, eq);
        return fail(err, err_size,
                    "descriptor \"%.*s\" is refused by the server at sync; use five fields",
                    (int)len, p);
    }

    const char *starts[6];
    size_t lens[6];
    size_t count = 0;
    while (*p) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && !is_space(*p))
            p++;
        if (count < 6) {
            starts[count] = s;
            lens[count] = (size_t)(p - s);
        }
        count++;
    }
    if (count != 5)
        return fail(err, err_size,
                    "expected 5 fields (minute hour day-of-month month day-of-week), found %zu",
                    count);

    for (size_t i = 0; i < 5; i++) {
        if (!check_field(&fields[i], starts[i], lens[i], err, err_size))
            return false;
    }
    return true;
}
