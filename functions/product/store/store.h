/*
 * store.h — the product app's storage (functions/README.md §2.3): analytics
 * counters, milestones, trending lists, summaries, Stripe subscriptions and
 * payments, the GitHub cache, sessions, Readwise accounts and book counts.
 *
 * One `struct store` per worker process, opened by the app's worker_start hook
 * (product_store_start) and reached in a step with product_store(c).  Two
 * backends behind this one interface, chosen from the environment:
 *   REDIS_URL      redis://[[user]:password@]host[:port][/db]  → Redis (several hosts)
 *   DATABASE_PATH  SQLite file → the embedded default.  Default
 *                  run/inngest-fcgi.db, relative to the working directory (the
 *                  checkout under `make run`): it outlives each run, whose
 *                  nginx prefix is deleted, and stays out of /tmp.
 *   INNGEST_APP_ID Redis key prefix, so environments can share one server
 * Redis must be a standalone server (scripts derive keys, which Cluster
 * refuses); the process must ignore SIGPIPE, as the SDK's workers do.
 * The SQLite file and its directory are created on first use and the schema is
 * migrated (PRAGMA user_version) when the program is newer than the file.
 *
 * Results.  Every operation returns an enum store_result; when it is not
 * STORE_OK, store_error(s) says why in one line (never a password, a token or
 * a stored value) until the next call on the same store:
 *   STORE_RETRY   the store cannot answer now (Redis unreachable, SQLite busy or
 *                 locked past the busy timeout, disk full, no store opened):
 *                 fail the step with a retriable error; the next call reconnects.
 *   STORE_FAILED  bad input (empty id, malformed day, oversized value) or a
 *                 corrupt store: retrying cannot help (non-retriable).
 * store_check(c, s, r, what) does exactly that mapping inside a step.
 * "Not found" is not an error: getters return STORE_OK with *out = NULL or
 * *found = false.
 *
 * Idempotency.  Every write may be repeated by a retried step with the same
 * arguments and leaves the store as one call would: views are de-duplicated by
 * event id (for STORE_VIEW_DEDUP_SECONDS), milestones by (slug, milestone),
 * payments by payment intent id, subscription statuses by their Stripe time;
 * everything else is an upsert.
 *
 * Ownership.
 *   - Every const char * and json_object * argument is BORROWED: the store
 *     copies or serializes what it keeps and never takes a reference.
 *   - Every json_object ** result is a NEW reference the caller owns: the
 *     store is the app's one place outside a request that owns json-c values
 *     (inngest.h's ownership rule), so a caller in a request hands it to the
 *     request with ing_keep(c, …) where it receives it, and from then on
 *     treats it like any request value (tests/e2e/test_json_ownership.sh
 *     checks that nothing else in functions/ calls json-c's reference calls).
 *     On any result other than STORE_OK, *out is set to NULL.
 *   - Result pointers: json_object ** results, bool *found and
 *     store_views_total()'s *total are required; every other result pointer
 *     (total, counted_now, is_new, updated, deleted, the time stamps) may be
 *     NULL.  Results are zeroed first, so a failed call leaves no stale value.
 *   - store_error()'s string belongs to the store.
 *   - store_get_readwise_token() writes the token into the caller's buffer: use
 *     it only for the Authorization header, never log it, and clear the buffer
 *     (explicit_bzero) when done.
 *
 * Times are Unix seconds (UTC) as int64_t; returned JSON renders them as
 * ISO-8601 strings ("2024-05-01T12:00:00Z").  Days are "YYYY-MM-DD" (UTC).
 * store_parse_time() turns an event's ISO-8601 string into seconds.
 *
 * Not thread-safe: one store per worker process, one call at a time.
 */
#ifndef PRODUCT_STORE_H
#define PRODUCT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "inngest.h"

struct store;

enum store_result {
    STORE_OK = 0,
    STORE_RETRY,  /* unreachable, busy, locked, disk full: try later */
    STORE_FAILED, /* bad input or corrupt: do not retry */
};

/* Bounds on what the store accepts (longer → STORE_FAILED). */
#define STORE_MAX_ID 256          /* slugs, user ids, event/session/payment ids, usernames */
#define STORE_MAX_TEXT 2048       /* titles, statuses, currencies, tokens */
#define STORE_MAX_JSON (1 << 20)  /* serialized JSON values */
#define STORE_VIEW_DEDUP_SECONDS (30 * 24 * 3600) /* how long a view's event id is remembered */

/* ------------------------------------------------------------------------ */
/* Opening                                                                    */
/* ------------------------------------------------------------------------ */

struct store_options {
    const char *redis_url;     /* non-NULL and non-empty → Redis, else SQLite */
    const char *database_path; /* NULL/"" → STORE_DEFAULT_DATABASE_PATH */
    const char *key_prefix;    /* Redis keys are "inngest-fcgi:<key_prefix>:…"; NULL → "inngest-fcgi" */
    int busy_timeout_ms;       /* SQLite: wait this long for a lock; 0 → 5000 */
    int redis_timeout_ms;      /* Redis: connect and command timeout; 0 → 2000 */
    /* false: store_open_with() fails when the first connection fails.
     * true: when the first connection fails for a reason that may pass
     * (unreachable, locked, a directory not writable yet) it returns the store
     * anyway, the reason in err, and every call retries the connection,
     * returning STORE_RETRY until it succeeds.  Invalid options and unusable
     * stores (not a database, a schema newer than this program) still fail. */
    bool tolerate_unavailable;
};

#define STORE_DEFAULT_DATABASE_PATH "run/inngest-fcgi.db"

/* Fills *o from REDIS_URL, DATABASE_PATH and INNGEST_APP_ID (the key prefix).
 * The strings point into the environment. */
void store_options_from_env(struct store_options *o);

/* Opens a store; NULL with a one-line reason in err (never a password) when
 * the options are invalid or (unless tolerate_unavailable) it cannot connect. */
struct store *store_open_with(const struct store_options *o, char *err, size_t err_size);
/* store_open_with(store_options_from_env(), strict). */
struct store *store_open(char *err, size_t err_size);
void store_close(struct store *s); /* NULL is fine */

/* The reason of the last call that did not return STORE_OK (s may be NULL). */
const char *store_error(const struct store *s);
/* "sqlite" or "redis" (for log lines; NULL store → "none"). */
const char *store_backend_name(const struct store *s);

/* ------------------------------------------------------------------------ */
/* The product app's hooks and the step helpers                               */
/* ------------------------------------------------------------------------ */

/* worker_start / worker_stop of the product app (ing_app_definition).  Opens
 * the store from the environment (tolerate_unavailable); when it cannot be
 * opened it logs why (never a password) and the store's calls return
 * STORE_RETRY, reconnecting each time, instead of crashing.  Returns NULL when
 * the store is unusable (a malformed REDIS_URL, a file that is not a database):
 * every call with the NULL store returns STORE_RETRY, so runs wait for a fix
 * and a restart rather than fail for good. */
void *product_store_start(void);
void product_store_stop(void *state);

/* The calling worker's store (ing_app_state); may be NULL, which the store
 * calls accept (STORE_RETRY). */
struct store *product_store(struct ing_ctx *c);

/* Inside a step: returns when r is STORE_OK; otherwise ends the step with
 * ing_fail (STORE_RETRY) or ing_fail_nonretriable (STORE_FAILED), the message
 * being "<what>: <store_error(s)>". */
void store_check(struct ing_ctx *c, const struct store *s, enum store_result r, const char *what);

/* ISO-8601 ("2024-05-01T12:00:00Z", "…T12:00:00.123+02:00", "2024-05-01")
 * → Unix seconds; false when it is not one. */
bool store_parse_time(const char *iso, int64_t *out);
/* Unix seconds → "2024-05-01T12:00:00Z" (out has room for 32 bytes).  The
 * app's one ISO-8601 writer: the SDK's is internal to it. */
void store_format_time(int64_t t, char out[32]);
/* The same with milliseconds (0..999): "2024-05-01T12:00:00.123Z". */
void store_format_time_ms(int64_t t, int ms, char out[32]);

/* ------------------------------------------------------------------------ */
/* Post views                                                                 */
/* ------------------------------------------------------------------------ */

/* Counts one view of `slug` on `day` (its total and that day's bucket) unless
 * `event_id` was already counted: then nothing changes and *counted_now is
 * false.  *total is the total this event brought the post to: on a repeat,
 * the total remembered for the event id, so a step retried after its answer
 * was lost computes the same milestone crossing as the first try (an id
 * counted before the store remembered totals answers the current total).
 * The title is
 * remembered for trending lists and summaries: the first one a post was
 * counted with stays (a later view cannot rename the post). */
enum store_result store_record_view(struct store *s, const char *slug, const char *title,
                                    const char *event_id, const char *day,
                                    int64_t *total, bool *counted_now);
/* The total of `slug` (0 for a post never viewed). */
enum store_result store_views_total(struct store *s, const char *slug, int64_t *total);

/* ------------------------------------------------------------------------ */
/* Milestones                                                                 */
/* ------------------------------------------------------------------------ */

/* Records that `slug` reached `milestone` (100, 1000, …) once: *is_new is true
 * for the first record of (slug, milestone), false (nothing changed) after. */
enum store_result store_record_milestone(struct store *s, const char *slug, const char *title,
                                         int64_t milestone, int64_t total_views,
                                         int64_t reached_at, bool *is_new);
/* The milestones of `slug`, oldest first: [{slug,title,milestone,totalViews,reachedAt}]. */
enum store_result store_list_milestones(struct store *s, const char *slug, json_object **out);

/* ------------------------------------------------------------------------ */
/* Trending                                                                   */
/* ------------------------------------------------------------------------ */

/* The `limit` (1..1000) most viewed posts from `since_day` (inclusive) to now:
 * [{slug,title,views}], most views first, ties by slug. */
enum store_result store_top_posts(struct store *s, const char *since_day, int limit,
                                  json_object **out);
/* Replaces the trending list (any JSON array, usually store_top_posts' result). */
enum store_result store_put_trending(struct store *s, json_object *list, int64_t computed_at);
/* The stored list and when it was computed; *list = NULL when none was stored. */
enum store_result store_get_trending(struct store *s, json_object **list, int64_t *computed_at);

/* ------------------------------------------------------------------------ */
/* Analytics summaries                                                        */
/* ------------------------------------------------------------------------ */

/* period: "daily", "weekly" or "monthly"; days inclusive, start <= end.
 * *out = {period, startDate, endDate, totalViews, uniquePosts,
 *         topPosts: [{slug,title,views}] (at most 10),
 *         viewsByDay: {"YYYY-MM-DD": n, …} (days with views),
 *         milestones: [{slug,title,milestone,totalViews,reachedAt}] reached in the period} */
enum store_result store_compute_summary(struct store *s, const char *period, const char *start_date,
                                        const char *end_date, json_object **out);
/* Stores (replaces) the summary of (period, start_date). */
enum store_result store_put_summary(struct store *s, const char *period, const char *start_date,
                                    json_object *summary);
/* *out = NULL when none was stored. */
enum store_result store_get_summary(struct store *s, const char *period, const char *start_date,
                                    json_object **out);

/* ------------------------------------------------------------------------ */
/* Stripe                                                                     */
/* ------------------------------------------------------------------------ */

/* Stripe subscriptions as Stripe models them: one row per subscription,
 * keyed by Stripe's subscription id, linked to a customer and to the user it
 * belongs to.  Stripe does not deliver events in order, so every status
 * carries the time of the fact that set it (the Stripe event's `created`):
 * a status is applied only when it is newer than the stored one, and at the
 * same second the later stage of the lifecycle wins (store_status_rank), and
 * at the same stage Stripe's own subscription status wins over a derived one,
 * so
 * any order and any repetition of the same events ends in the same state.
 * A status inferred from an invoice or a checkout (derived) never takes a
 * subscription out of canceled or incomplete_expired: only Stripe's own
 * subscription status can. */
struct store_subscription_update {
    const char *subscription_id; /* required: Stripe's sub_… */
    const char *customer_id;     /* NULL: this event does not say */
    const char *user_id;         /* NULL: this event does not say (the customer's user is used) */
    const char *status;          /* NULL: the event only links ids */
    int64_t at;                  /* when Stripe created the event (Unix seconds) */
    bool derived;                /* the status is inferred, not Stripe's subscription.status */
    const char *event_id;        /* Stripe's event id (may be NULL), kept with the status */
};
/* *applied: the status was newer and was stored. */
enum store_result store_update_subscription(struct store *s, const struct store_subscription_update *u,
                                            bool *applied);
/* Which status wins at the same second: incomplete 1, past_due/unpaid 2,
 * trialing/active/paused 3, canceled/incomplete_expired 4, anything else 0. */
int store_status_rank(const char *status);
/* Links a Stripe customer to a user (a checkout says which): the customer's
 * subscriptions without a user get it. */
enum store_result store_link_customer(struct store *s, const char *customer_id, const char *user_id);
/* *out = {subscriptionId, customerId, userId, status, statusAt, eventId,
 * updatedAt} (absent ones null), or NULL when unknown. */
enum store_result store_get_subscription(struct store *s, const char *subscription_id, json_object **out);
/* *out = the user's subscriptions (as above), ordered by subscription id. */
enum store_result store_list_subscriptions(struct store *s, const char *user_id, json_object **out);
/* What an invoice said about its subscription ({subscriptionId,
 * billingReason}), kept for the invoice's payment intents; *out = NULL when
 * unknown. */
enum store_result store_put_invoice(struct store *s, const char *invoice_id, json_object *what);
enum store_result store_get_invoice(struct store *s, const char *invoice_id, json_object **out);
/* Records a payment intent once: *is_new is false (nothing changed) when its id
 * was recorded before.  amount is in the currency's minor unit; customer may
 * be NULL. */
enum store_result store_record_payment(struct store *s, const char *payment_intent_id, int64_t amount,
                                       const char *currency, const char *customer, const char *status,
                                       bool *is_new);
/* *out = {id, amount, currency, customer, status, recordedAt} or NULL. */
enum store_result store_get_payment(struct store *s, const char *payment_intent_id, json_object **out);
/* ------------------------------------------------------------------------ */
/* GitHub cache                                                               */
/* ------------------------------------------------------------------------ */

enum store_result store_put_github_cache(struct store *s, const char *username, json_object *data,
                                         int64_t fetched_at);
/* *data = NULL when nothing is cached for username. */
enum store_result store_get_github_cache(struct store *s, const char *username, json_object **data,
                                         int64_t *fetched_at);

/* ------------------------------------------------------------------------ */
/* Sessions                                                                   */
/* ------------------------------------------------------------------------ */

/* Upserts a session; it is expired once expires_at <= now. */
enum store_result store_put_session(struct store *s, const char *session_id, const char *user_id,
                                    int64_t expires_at);
/* Whether the session exists (expired or not); user_id may be NULL. */
enum store_result store_get_session(struct store *s, const char *session_id, char *user_id,
                                    size_t user_id_size, int64_t *expires_at, bool *found);
/* Deletes every session with expires_at <= now; *deleted = how many. */
enum store_result store_delete_expired_sessions(struct store *s, int64_t now, int64_t *deleted);
/* Deletes every session, live or not (an emergency: everyone signs in
 * again); *deleted = how many. */
enum store_result store_delete_all_sessions(struct store *s, int64_t *deleted);

/* ------------------------------------------------------------------------ */
/* Readwise                                                                   */
/* ------------------------------------------------------------------------ */

/* Inserts or replaces the account (its token) of user_id. */
enum store_result store_put_readwise_account(struct store *s, const char *user_id, const char *token);
/* Copies the token into out (NUL-terminated); *found = false when the user has
 * no account.  A token that does not fit → STORE_FAILED.  See Ownership. */
enum store_result store_get_readwise_token(struct store *s, const char *user_id, char *out,
                                           size_t out_size, bool *found);
/* *out = ["user id", …], sorted. */
enum store_result store_list_readwise_accounts(struct store *s, json_object **out);
enum store_result store_put_book_count(struct store *s, const char *user_id, int64_t count,
                                       int64_t counted_at);
enum store_result store_get_book_count(struct store *s, const char *user_id, int64_t *count,
                                       int64_t *counted_at, bool *found);

/* ------------------------------------------------------------------------ */
/* Rate limits                                                                */
/* ------------------------------------------------------------------------ */

/* Counts one hit of `key` (an id, at most STORE_MAX_ID bytes) in the current
 * fixed window of window_seconds (1..STORE_MAX_RATE_WINDOW).  Windows start at
 * multiples of window_seconds since the epoch, so every worker and host that
 * shares the store counts the same window.  *hits = the window's hits, this
 * one included; *retry_after (may be NULL) = seconds until the window ends
 * (at least 1).  Not idempotent: every call is a hit. */
#define STORE_MAX_RATE_WINDOW (366 * 24 * 3600)
enum store_result store_rate_hit(struct store *s, const char *key, int64_t window_seconds, int64_t *hits,
                                 int64_t *retry_after);

#endif
