/*
 * cron.h — validation of cron triggers as the server parses them: five
 * fields (minute hour day-of-month month day-of-week), optional "TZ=" or
 * "CRON_TZ=" prefix with an IANA zone name, lists, ranges, steps, names
 * (JAN-DEC, SUN-SAT), "*" and "?".  The @daily-style macros are refused:
 * the server's sync check does not accept them, so they would fail the sync.
 */
#ifndef ING_CRON_H
#define ING_CRON_H

#include <stdbool.h>
#include <stddef.h>

bool cron_validate(const char *spec, char *err, size_t err_size);

#endif
