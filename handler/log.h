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

#endif
