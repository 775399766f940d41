/*
 * store_backend.h — private to store*.c: what a storage backend implements.
 *
 * A backend knows nothing of views, subscriptions or sessions: it keeps
 * RECORDS and offers five primitives over them.  Every domain rule (what a
 * view counts, which subscription status wins, when a session is expired) is
 * written once, above these, in the domain files (store_views.c,
 * store_billing.c, store_sessions.c, store_readwise.c, store_docs.c,
 * store_rate.c), so that SQLite and Redis cannot disagree and a new entity
 * touches only its domain file.
 *
 * A record is addressed by (kind, key): kind is a short fixed name
 * ("view-event", "subscription", …) without ':'; key is any text without NUL
 * (the domain files join ids with STORE_KEY_SEP).  It holds
 *   text     a string or nothing (JSON for structured records),
 *   num      an integer (a counter, a time),
 *   stamp    an integer the records of a kind can be deleted by (≤ a bound),
 *   version  > 0 while it exists; every write increments it (0: absent),
 *   an optional expiry (Unix seconds): from then on the record is absent.
 *   A record with an expiry is never listed nor deleted by stamp or kind
 *   (Redis keeps such records outside the kind's indexes and drops them by
 *   itself; SQLite purges a kind's expired rows whenever it writes one).
 *
 * The primitives:
 *   get          one record (version 0 when absent).
 *   list         the records of a kind whose key is in [from, to) (to NULL: no
 *                end), in key order (bytes, as memcmp).
 *   apply        a batch of operations, all or nothing: every operation's
 *                condition is checked against the state before the batch
 *                (always / the record is absent / its version is v); when one
 *                does not hold nothing is written and *applied is false.
 *                Operations: PUT (replace text, num, stamp, expiry), ADD
 *                (num += delta, creating the record with num = delta; text,
 *                stamp and expiry of an existing record stay; op->result is
 *                the new num), DELETE, CHECK (a condition only).  This is
 *                the compare-and-set the domain files build their
 *                read-decide-write loops on (store_internal.h).
 *   delete_older the records of a kind with stamp <= bound; *deleted = how many.
 *   delete_kind  every record of a kind; *deleted = how many.
 *
 * A backend receives arguments already checked, writes a one-line reason into
 * err (STORE_ERR_SIZE bytes) when it does not return STORE_OK, and never puts
 * a password, a token or a stored value in it.  STORE_RETRY: it cannot answer
 * now; STORE_FAILED: the options or the store are unusable.
 */
#ifndef PRODUCT_STORE_BACKEND_H
#define PRODUCT_STORE_BACKEND_H

#include "product/store/store.h"

#define STORE_ERR_SIZE 512

struct store_conn; /* a backend's open connection */

struct store_record {
    char *key;  /* list results only; malloc'd */
    char *text; /* malloc'd; NULL when the record has none */
    int64_t num;
    int64_t stamp;
    int64_t version; /* 0: absent */
};

enum store_cond {
    STORE_ALWAYS = 0,
    STORE_IF_ABSENT,
    STORE_IF_VERSION, /* op->version == the record's version */
};

enum store_op_kind {
    STORE_OP_PUT = 0,
    STORE_OP_ADD,
    STORE_OP_DELETE,
    STORE_OP_CHECK,
};

struct store_op {
    enum store_op_kind op;
    const char *kind, *key;
    enum store_cond cond;
    int64_t version;    /* STORE_IF_VERSION */
    const char *text;   /* PUT: NULL = none */
    int64_t num;        /* PUT: the number; ADD: the delta */
    int64_t stamp;      /* PUT; ADD when it creates the record */
    int64_t expires_at; /* PUT; ADD when it creates the record; 0 = never */
    int64_t result;     /* out: ADD's new number */
};

struct store_backend {
    const char *name;
    enum store_result (*open)(const struct store_options *o, struct store_conn **out, char *err);
    void (*close)(struct store_conn *c);

    enum store_result (*get)(struct store_conn *c, char *err, const char *kind, const char *key,
                             struct store_record *out);
    enum store_result (*list)(struct store_conn *c, char *err, const char *kind, const char *from,
                              const char *to, struct store_record **out, size_t *n);
    enum store_result (*apply)(struct store_conn *c, char *err, struct store_op *ops, size_t n, bool *applied);
    enum store_result (*delete_older)(struct store_conn *c, char *err, const char *kind, int64_t stamp,
                                      int64_t *deleted);
    enum store_result (*delete_kind)(struct store_conn *c, char *err, const char *kind, int64_t *deleted);
};

/* A backend's table, from functions named <prefix>_open, <prefix>_get, …:
 * every backend names its primitives the same way and fills every slot. */
#define STORE_BACKEND(label, prefix)                                                                   \
    {                                                                                                  \
        .name = label, .open = prefix##_open, .close = prefix##_close, .get = prefix##_get,             \
        .list = prefix##_list, .apply = prefix##_apply, .delete_older = prefix##_delete_older,         \
        .delete_kind = prefix##_delete_kind,                                                           \
    }

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_redis_backend;

/* Joins the parts of a composite key ("<day>\x1f<slug>"): below every
 * printable character, so a prefix's range is [p SEP, p SEP_END). */
#define STORE_KEY_SEP "\x1f"
#define STORE_KEY_SEP_END "\x20"

/* Shared helpers (store.c). */
void store_msg(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses stored JSON text with a bounded depth; NULL when it is not JSON (or
 * has anything after the value).  The app's own: ing_json_parse needs a
 * request's context, and rows are read outside one too. */
json_object *store_json_from_text(const char *text);
/* "YYYY-MM-DD" → YYYYMMDD; -1 when malformed. */
long store_day_number(const char *day);
/* Frees what a record owns (the text cleared first: it may be a token) and
 * zeroes it; store_records_free does that for a list and frees the array. */
void store_record_clear(struct store_record *r);
void store_records_free(struct store_record *r, size_t n);

#endif
