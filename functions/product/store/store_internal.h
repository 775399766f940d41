/*
 * store_internal.h — private to the store's domain files: the store itself,
 * the argument checks every operation shares, and the record helpers the
 * domain rules are written with (store.c, store_records.c).
 *
 * Writing a domain operation: check every argument (need_id, max_len, …),
 * then store_ready(s), then read the records it depends on, decide, and write
 * with store_rec_apply() conditioned on the versions read (STORE_IF_VERSION /
 * STORE_IF_ABSENT).  When another worker wrote one of them meanwhile nothing
 * is written and the operation reads again (at most STORE_CAS_ATTEMPTS
 * times), so two workers never lose or double an update and a retried step
 * finds what its first try wrote.
 */
#ifndef PRODUCT_STORE_INTERNAL_H
#define PRODUCT_STORE_INTERNAL_H

#include "product/store/store_backend.h"

struct store {
    const struct store_backend *be;
    struct store_conn *conn; /* NULL while the store cannot be reached */
    struct store_options opts;
    char *redis_url, *database_path, *key_prefix; /* the copies opts points to */
    char error[STORE_ERR_SIZE];
};

/* How often a read-decide-write loop reads again after another writer won. */
#define STORE_CAS_ATTEMPTS 100

/* Every operation: its checks (each an enum store_result, OK to go on). */
#define CHECK(expr)                        \
    do {                                   \
        enum store_result check_ = (expr); \
        if (check_ != STORE_OK)            \
            return check_;                 \
    } while (0)

/* Checks (store.c): each returns STORE_OK or sets s->error. */
enum store_result store_bad(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A required identifier: non-empty, at most STORE_MAX_ID bytes. */
enum store_result store_need_id(struct store *s, const char *what, const char *v);
/* Optional text (NULL allowed): at most `max` bytes. */
enum store_result store_max_len(struct store *s, const char *what, const char *v, size_t max);
enum store_result store_need_day(struct store *s, const char *what, const char *day);
/* JSON to text for storage; *text is json-c's, valid while v lives. */
enum store_result store_json_text(struct store *s, const char *what, json_object *v, const char **text);
/* NULL store → STORE_RETRY; connects when the first attempt failed. */
enum store_result store_ready(struct store *s);
/* v, or NULL when v is NULL or empty. */
const char *store_or_null(const char *v);
/* Replaces the integer member `key` of obj (of each object of array) by its ISO-8601 text. */
void store_render_time_field(json_object *obj, const char *key);
void store_render_time_fields(json_object *array, const char *key);
/* Message of a read-decide-write loop that lost STORE_CAS_ATTEMPTS times. */
enum store_result store_too_busy(struct store *s, const char *what);

/* Records (store_records.c): the backend's primitives with the store's error. */
enum store_result store_rec_get(struct store *s, const char *kind, const char *key, struct store_record *out);
enum store_result store_rec_list(struct store *s, const char *kind, const char *from, const char *to,
                                 struct store_record **out, size_t *n);
/* The records of kind whose key starts with prefix STORE_KEY_SEP. */
enum store_result store_rec_list_under(struct store *s, const char *kind, const char *prefix,
                                       struct store_record **out, size_t *n);
enum store_result store_rec_apply(struct store *s, struct store_op *ops, size_t n, bool *applied);
/* One unconditional PUT. */
enum store_result store_rec_put(struct store *s, const char *kind, const char *key, const char *text,
                                int64_t num, int64_t stamp);
/* A record's text as JSON: *value NULL when absent; STORE_FAILED when it is not JSON. */
enum store_result store_rec_get_json(struct store *s, const char *kind, const char *key, json_object **value,
                                     struct store_record *meta);
json_object *store_rec_json(struct store *s, const struct store_record *r, const char *what);
/* A JSON document (trending list, summary, GitHub cache, invoice): its text
 * under (kind, key) with a time stamp; store_doc_get's *value is NULL when
 * none was stored.  Both connect first. */
enum store_result store_doc_put(struct store *s, const char *kind, const char *key, const char *what,
                                json_object *value, int64_t stamp);
enum store_result store_doc_get(struct store *s, const char *kind, const char *key, json_object **value,
                                int64_t *stamp);
/* The condition that the record read as r is still what it was. */
void store_op_unchanged(struct store_op *op, const struct store_record *r);
/* A member of a stored JSON object: its string (NULL when absent or not a
 * string), its integer (0 when absent). */
const char *store_member_string(json_object *o, const char *key);
int64_t store_member_int(json_object *o, const char *key);
/* "a SEP b" into buf (STORE_KEY_MAX bytes: two ids and a separator fit). */
#define STORE_KEY_MAX (2 * STORE_MAX_ID + 32)
const char *store_key2(char *buf, const char *a, const char *b);

#endif
