/*
 * span.h — one finished (or open) trace span, self-contained: every string it
 * carries is copied into its own text block, so it outlives the request arena
 * and can cross to the export thread by plain copy.
 *
 * Attribute keys are string literals (never request data).  Values are cut to
 * fit the text block on a UTF-8 boundary and invalid bytes become '?': the
 * Inngest server decodes with Go's protobuf, which refuses a whole batch for
 * one bad string.
 */
#ifndef ING_SPAN_H
#define ING_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPAN_MAX_ATTRS 24
#define SPAN_TEXT 2048

enum span_kind { SPAN_KIND_INTERNAL = 1, SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3 };
enum span_status { SPAN_STATUS_UNSET = 0, SPAN_STATUS_OK = 1, SPAN_STATUS_ERROR = 2 };
enum span_attr_type { SPAN_ATTR_STR, SPAN_ATTR_INT, SPAN_ATTR_BOOL };

struct span_attr {
    const char *key;          /* a literal */
    uint8_t type;             /* enum span_attr_type */
    bool inngest_only;        /* sent to the Inngest server only (run linkage) */
    uint16_t off, len;        /* string value in span.text */
    int64_t num;              /* int or bool value */
};

struct span {
    uint8_t trace_id[16], span_id[8], parent_id[8];
    bool has_parent;
    bool for_inngest;         /* carries the run linkage the Inngest server needs */
    uint8_t kind, status;
    uint64_t start_ns, end_ns; /* Unix epoch nanoseconds */
    uint16_t name_off, name_len, msg_off, msg_len, text_used;
    uint8_t nattrs;
    struct span_attr attrs[SPAN_MAX_ATTRS];
    char text[SPAN_TEXT];
};

/* Empties s (ids and times stay for the caller to set). */
void span_clear(struct span *s);
void span_set_name(struct span *s, const char *a, const char *b); /* a, or "a b" */
void span_set_status(struct span *s, enum span_status st, const char *message);
void span_attr_str(struct span *s, const char *key, const char *value);
void span_attr_str_n(struct span *s, const char *key, const char *value, size_t n);
void span_attr_int(struct span *s, const char *key, int64_t value);
void span_attr_bool(struct span *s, const char *key, bool value);
/* For the Inngest server only (not the user's collector). */
void span_attr_inngest(struct span *s, const char *key, const char *value);

/* Wall clock in Unix nanoseconds. */
uint64_t span_now_ns(void);

#endif
