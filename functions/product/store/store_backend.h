/*
 * store_backend.h — private to store*.c: what a storage backend implements.
 *
 * store.c owns everything the backends share: reading the options, checking
 * every argument (non-empty ids, bounded lengths, well-formed days), the
 * retry-the-connection rule, and building the JSON the interface returns from
 * the rows a backend reads (so both backends answer byte for byte the same).
 * A backend only stores and reads; it receives arguments already checked,
 * writes a one-line reason into err (STORE_ERR_SIZE bytes) when it does not
 * return STORE_OK, and never puts a password, a token or a stored value in it.
 */
#ifndef PRODUCT_STORE_BACKEND_H
#define PRODUCT_STORE_BACKEND_H

#include "product/store/store.h"

#define STORE_ERR_SIZE 512

struct store_conn; /* a backend's open connection */

struct store_backend {
    const char *name;
    /* STORE_OK: *out is ready.  STORE_RETRY: it cannot be reached now (try
     * again later).  STORE_FAILED: the options or the store are unusable. */
    enum store_result (*open)(const struct store_options *o, struct store_conn **out, char *err);
    void (*close)(struct store_conn *c);

    enum store_result (*record_view)(struct store_conn *c, char *err, const char *slug, const char *title,
                                     const char *event_id, const char *day, int64_t now,
                                     int64_t *total, bool *counted_now);
    enum store_result (*views_total)(struct store_conn *c, char *err, const char *slug, int64_t *total);
    /* Per-day counts from from_day to to_day (inclusive; NULL = no end):
     * [{day, slug, title, views}], ordered by day. */
    enum store_result (*view_rows)(struct store_conn *c, char *err, const char *from_day, const char *to_day,
                                   json_object **out);

    enum store_result (*record_milestone)(struct store_conn *c, char *err, const char *slug, const char *title,
                                          int64_t milestone, int64_t total_views, int64_t reached_at,
                                          bool *is_new);
    /* Milestones of slug (NULL = every post) with from <= reachedAt <= to:
     * [{slug, title, milestone, totalViews, reachedAt (seconds)}], ordered by
     * reachedAt, then milestone, then slug. */
    enum store_result (*milestone_rows)(struct store_conn *c, char *err, const char *slug, int64_t from,
                                        int64_t to, json_object **out);

    /* JSON documents (trending list, summaries, GitHub cache): text kept as
     * given under (kind, key), with a time stamp.  *text is malloc'd (NULL
     * when absent); the caller frees it. */
    enum store_result (*put_doc)(struct store_conn *c, char *err, const char *kind, const char *key,
                                 const char *text, int64_t stamp);
    enum store_result (*get_doc)(struct store_conn *c, char *err, const char *kind, const char *key,
                                 char **text, int64_t *stamp);

    /* rank: store_status_rank * 2, plus 1 for Stripe's own status (not derived).
     * store.h's rule: the ids are linked (the customer's user filled in when
     * user_id is NULL), and the status stored when u->status is set and
     * (no status yet, or u->at > statusAt, or the same time and a higher
     * rank) and not (u->derived and the stored status is canceled or
     * incomplete_expired).  updatedAt changes when anything was stored. */
    enum store_result (*update_subscription)(struct store_conn *c, char *err,
                                             const struct store_subscription_update *u, int rank,
                                             int64_t now, bool *applied);
    enum store_result (*link_customer)(struct store_conn *c, char *err, const char *customer_id,
                                       const char *user_id);
    /* {subscriptionId, customerId, userId, status, statusAt, eventId, updatedAt
     *  (seconds)} or NULL. */
    enum store_result (*get_subscription)(struct store_conn *c, char *err, const char *subscription_id,
                                          json_object **out);
    /* the same objects for every subscription of user_id, any order */
    enum store_result (*list_subscriptions)(struct store_conn *c, char *err, const char *user_id,
                                            json_object **out);
    enum store_result (*record_payment)(struct store_conn *c, char *err, const char *id, int64_t amount,
                                        const char *currency, const char *customer, const char *status,
                                        int64_t now, bool *is_new);
    /* {id, amount, currency, customer, status, recordedAt (seconds)} or NULL. */
    enum store_result (*get_payment)(struct store_conn *c, char *err, const char *id, json_object **out);

    enum store_result (*put_session)(struct store_conn *c, char *err, const char *id, const char *user_id,
                                     int64_t expires_at);
    enum store_result (*get_session)(struct store_conn *c, char *err, const char *id, char *user_id,
                                     size_t user_id_size, int64_t *expires_at, bool *found);
    enum store_result (*delete_expired_sessions)(struct store_conn *c, char *err, int64_t now, int64_t *deleted);
    enum store_result (*delete_all_sessions)(struct store_conn *c, char *err, int64_t *deleted);

    enum store_result (*put_readwise_account)(struct store_conn *c, char *err, const char *user_id,
                                              const char *token);
    enum store_result (*get_readwise_token)(struct store_conn *c, char *err, const char *user_id, char *out,
                                            size_t out_size, bool *found);
    /* user ids in any order */
    enum store_result (*list_readwise_accounts)(struct store_conn *c, char *err, json_object **out);
    enum store_result (*put_book_count)(struct store_conn *c, char *err, const char *user_id, int64_t count,
                                        int64_t counted_at);
    enum store_result (*get_book_count)(struct store_conn *c, char *err, const char *user_id, int64_t *count,
                                        int64_t *counted_at, bool *found);

    /* Counts one hit of key in the window [window_start, window_end) (Unix
     * seconds); *hits = that window's hits, this one included.  A counter is
     * forgotten once now >= window_end. */
    enum store_result (*rate_hit)(struct store_conn *c, char *err, const char *key, int64_t window_start,
                                  int64_t window_end, int64_t now, int64_t *hits);
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_redis_backend;

/* Shared helpers (store.c). */
void store_msg(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses stored JSON text with a bounded depth; NULL when it is not JSON (or
 * has anything after the value).  The app's own: ing_json_parse needs a
 * request's context, and rows are read outside one too. */
json_object *store_json_from_text(const char *text);
/* "YYYY-MM-DD" → YYYYMMDD (a Redis score); -1 when malformed. */
long store_day_number(const char *day);

#endif
