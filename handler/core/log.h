/*
 * log.h — one line per event on stderr (journald keeps it under systemd).
 *
 * Text or JSON lines; the level and format are set once at start-up.  Callers
 * must never pass a key, a signature or an event body; this module adds no
 * request data of its own.
 */
#ifndef ING_LOG_H
#define ING_LOG_H

#include <stdbool.h>

#include "inngest.h"

void log_configure(enum ing_log_level min_level, bool json);
bool log_enabled(enum ing_log_level level);

/* The per-request info line: method, target (function or route), run id,
 * step, status, duration. */
struct log_request {
    const char *method;
    const char *target;
    const char *run_id;
    const char *step;
    int status;
    double duration_ms;
    const char *outcome; /* "StepRun", "result", "error: …", … (may be NULL) */
};
void log_request_line(const struct log_request *r);

/* Copies `in` into `out` (at most cap bytes with the NUL) with every byte
 * that a terminal or a line-based reader could take for something else made
 * visible as \xHH: C0 controls (CR, LF, ESC, …), DEL, C1 controls
 * (U+0080–U+009F, which some terminals obey) and bytes that are not UTF-8;
 * a backslash becomes \\ so that an escape in the input cannot pass for
 * ours.  Valid printable UTF-8 is kept.  Never cuts an escape or a character
 * in half.  Returns the length written.  Both log formats pass every value
 * through it: a request path with %0A cannot forge a line, %1b cannot reach
 * a terminal, and a JSON line stays valid UTF-8. */
size_t log_escape(const char *in, char *out, size_t cap);

#endif
