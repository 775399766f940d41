/*
 * duration.h — Inngest time strings ("1s", "2h45m", "1.5h", "7d", "1w"):
 * decimal numbers each followed by a unit ns us µs ms s m h d w.
 */
#ifndef ING_DURATION_H
#define ING_DURATION_H

#include <stdbool.h>

/* Total length in seconds; false if the text is not a time string. */
bool duration_parse(const char *text, double *seconds);

#endif
