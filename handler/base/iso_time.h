/*
 * iso_time.h — a moment as the protocol and the logs write it:
 * "2026-11-23T21:55:14.123Z" (UTC, milliseconds).  The one copy the SDK uses
 * (log lines, step.sleepUntil, RetryAfterError's date).
 */
#ifndef ING_ISO_TIME_H
#define ING_ISO_TIME_H

#include <stddef.h>
#include <time.h>

#define ISO_TIME_SIZE 32

/* `sec` (Unix time) plus `ms` (0..999) into out; returns the length.  Years
 * outside 0000..9999 take the digits they need (as strftime's %Y); a time
 * gmtime cannot represent gives "" (0). */
size_t iso_time_format(time_t sec, int ms, char out[ISO_TIME_SIZE]);

#endif
