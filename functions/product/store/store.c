/*
 * store.c — the front of the product app's store (store.h): chooses the
 * backend from the options, checks every argument before a backend sees it,
 * re-opens a store whose first connection failed, and builds the JSON of
 * trending lists and summaries from the rows a backend reads, so that SQLite
 * and Redis answer the same.  It never logs or keeps a password or a token,
 * and never lets a backend see an unchecked argument.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "product/store/store.h"
#include "product/store/store_backend.h"

struct store {
    const struct store_backend *be;
    struct store_conn *conn; /* NULL while the store cannot be reached */
    struct store_options opts;
    char *redis_url, *database_path, *key_prefix; /* the copies opts points to */
    char error[STORE_ERR_SIZE];
};

static const char no_store_message[] =
    "the store could not be opened (the reason is in the program's start-up log)";

/* ------------------------------------------------------------------------ */
/* Shared helpers                                                             */
/* ------------------------------------------------------------------------ */

void store_msg(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, STORE_ERR_SIZE, fmt, ap);
    va_end(ap);
}

json_object *store_json_from_text(const char *text)
{
    if (!text)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok)
        return NULL;
    size_t len = strlen(text);
    json_object *v = json_tokener_parse_ex(tok, text, (int)len);
    if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
        json_object_put(v);
        v = NULL;
    }
    json_tokener_free(tok);
    return v;
}

static json_object *json_time(int64_t t)
{
    char buf[32];
    store_format_time(t, buf);
    return json_object_new_string(buf);
}

/* Replaces the integer field `key` of obj by its ISO-8601 rendering. */
static void render_time_field(json_object *obj, const char *key)
{
    json_object *v;
    if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_int))
        json_object_object_add(obj, key, json_time(json_object_get_int64(v)));
}

static void render_time_fields(json_object *array, const char *key)
{
    size_t n = json_object_array_length(array);
    for (size_t i = 0; i < n; i++)
        render_time_field(json_object_array_get_idx(array, i), key);
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                    */
/* ------------------------------------------------------------------------ */

void store_options_from_env(struct store_options *o)
{
    memset(o, 0, sizeof *o);
    o->redis_url = getenv("REDIS_URL");
    o->database_path = getenv("DATABASE_PATH");
    const char *app_id = getenv("INNGEST_APP_ID");
    o->key_prefix = app_id && *app_id ? app_id : ing_app_definition.default_app_id;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void free_store(struct store *s)
{
    free(s->redis_url);
    free(s->database_path);
    free(s->key_prefix);
    free(s);
}

struct store *store_open_with(const struct store_options *o, char *err, size_t err_size)
{
    if (err_size)
        err[0] = '\0';
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_size, "out of memory opening the store");
        return NULL;
    }
    s->opts = *o;
    bool redis = o->redis_url && *o->redis_url;
    s->be = redis ? &store_redis_backend : &store_sqlite_backend;
    s->redis_url = dup_or_null(redis ? o->redis_url : NULL);
    s->database_path = strdup(o->database_path && *o->database_path ? o->database_path
                                                                    : STORE_DEFAULT_DATABASE_PATH);
    s->key_prefix = strdup(o->key_prefix && *o->key_prefix ? o->key_prefix : "inngest-fcgi");
    if ((redis && !s->redis_url) || !s->database_path || !s->key_prefix) {
        snprintf(err, err_size, "out of memory opening the store");
        free_store(s);
        return NULL;
    }
    s->opts.redis_url = s->redis_url;
    s->opts.database_path = s->database_path;
    s->opts.key_prefix = s->key_prefix;
    if (s->opts.busy_timeout_ms <= 0)
        s->opts.busy_timeout_ms = 5000;
    if (s->opts.redis_timeout_ms <= 0)
        s->opts.redis_timeout_ms = 2000;

    enum store_result r = s->be->open(&s->opts, &s->conn, s->error);
    if (r == STORE_OK)
        return s;
    snprintf(err, err_size, "%s", s->error);
    if (r == STORE_RETRY && o->tolerate_unavailable)
        return s;
    free_store(s);
    return NULL;
}

struct store *store_open(char *err, size_t err_size)
{
    struct store_options o;
    store_options_from_env(&o);
    return store_open_with(&o, err, err_size);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->conn)
        s->be->close(s->conn);
    free_store(s);
}

const char *store_error(const struct store *s)
{
    return s ? s->error : no_store_message;
}

const char *store_backend_name(const struct store *s)
{
    return s ? s->be->name : "none";
}

/* ------------------------------------------------------------------------ */
/* The product app's hooks                                                    */
/* ------------------------------------------------------------------------ */

void *product_store_start(void)
{
    struct store_options o;
    store_options_from_env(&o);
    o.tolerate_unavailable = true;
    char err[STORE_ERR_SIZE];
    struct store *s = store_open_with(&o, err, sizeof err);
    if (!s)
        ing_log(ING_LOG_ERROR, "store: %s; store steps fail with a retriable error until this is fixed "
                "and the program restarted", err);
    else if (err[0])
        ing_log(ING_LOG_WARN, "store: %s; store steps fail with a retriable error until it can be opened",
                err);
    else
        ing_log(ING_LOG_DEBUG, "store: %s opened", store_backend_name(s));
    return s;
}

void product_store_stop(void *state)
{
    store_close(state);
}

/* Each use is product_store(c) then the operation then store_check(c, …):
 * the two ends of the operation's trace span. */
struct store *product_store(struct ing_ctx *c)
{
    ing_trace_op_begin(c);
    return ing_app_state(c);
}

void store_check(struct ing_ctx *c, const struct store *s, enum store_result r, const char *what)
{
    ing_trace_op_end(c, store_backend_name(s), what,
                     r == STORE_OK ? NULL : r == STORE_FAILED ? "store_failed" : "store_unavailable");
    if (r == STORE_OK)
        return;
    if (r == STORE_FAILED)
        ing_fail_nonretriable(c, "%s: %s", what, store_error(s));
    ing_fail(c, "%s: %s", what, store_error(s));
}

/* ------------------------------------------------------------------------ */
/* Checks shared by every operation                                           */
/* ------------------------------------------------------------------------ */

__attribute__((format(printf, 2, 3))) static enum store_result bad(struct store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
    return STORE_FAILED;
}

/* A required identifier: non-empty, at most STORE_MAX_ID bytes. */
static enum store_result need_id(struct store *s, const char *what, const char *v)
{
    if (!v || !*v)
        return bad(s, "%s is missing", what);
    if (strlen(v) > STORE_MAX_ID)
        return bad(s, "%s is too long", what);
    return STORE_OK;
}

/* Optional text (NULL allowed): at most `max` bytes. */
static enum store_result max_len(struct store *s, const char *what, const char *v, size_t max)
{
    if (v && strlen(v) > max)
        return bad(s, "%s is too long", what);
    return STORE_OK;
}

static enum store_result need_day(struct store *s, const char *what, const char *day)
{
    if (store_day_number(day) < 0)
        return bad(s, "%s must be a date YYYY-MM-DD", what);
    return STORE_OK;
}

static enum store_result need_period(struct store *s, const char *period)
{
    if (!period || (strcmp(period, "daily") && strcmp(period, "weekly") && strcmp(period, "monthly")))
        return bad(s, "%s must be daily, weekly or monthly", "period");
    return STORE_OK;
}

/* JSON to text for storage; NULL → "null". *text is json-c's, valid while v lives. */
static enum store_result json_text(struct store *s, const char *what, json_object *v, const char **text)
{
    *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (!*text) {
        store_msg(s->error, "%s could not be serialized", what);
        return STORE_RETRY; /* only an allocation fails here */
    }
    if (strlen(*text) > STORE_MAX_JSON)
        return bad(s, "%s is too large", what);
    return STORE_OK;
}

/* Connects when the first attempt failed; NULL store → STORE_RETRY. */
static enum store_result ready(struct store *s)
{
    if (!s)
        return STORE_RETRY;
    if (s->conn)
        return STORE_OK;
    return s->be->open(&s->opts, &s->conn, s->error);
}

/* Every operation: its checks (each an enum store_result, OK to go on), then
 * the connection. */
#define CHECK(expr)                          \
    do {                                     \
        enum store_result check_ = (expr);   \
        if (check_ != STORE_OK)              \
            return check_;                   \
    } while (0)

static const char *or_null(const char *v)
{
    return v && *v ? v : NULL;
}

/* ------------------------------------------------------------------------ */
/* Views and milestones                                                       */
/* ------------------------------------------------------------------------ */

enum store_result store_record_view(struct store *s, const char *slug, const char *title,
                                    const char *event_id, const char *day, int64_t *total, bool *counted_now)
{
    int64_t t = 0;
    bool counted = false;
    if (total)
        *total = 0;
    if (counted_now)
        *counted_now = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "slug", slug));
    CHECK(max_len(s, "title", title, STORE_MAX_TEXT));
    CHECK(need_id(s, "event id", event_id));
    CHECK(need_day(s, "day", day));
    CHECK(ready(s));
    CHECK(s->be->record_view(s->conn, s->error, slug, title ? title : "", event_id, day, (int64_t)time(NULL),
                             &t, &counted));
    if (total)
        *total = t;
    if (counted_now)
        *counted_now = counted;
    return STORE_OK;
}

enum store_result store_views_total(struct store *s, const char *slug, int64_t *total)
{
    *total = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "slug", slug));
    CHECK(ready(s));
    return s->be->views_total(s->conn, s->error, slug, total);
}

enum store_result store_record_milestone(struct store *s, const char *slug, const char *title, int64_t milestone,
                                         int64_t total_views, int64_t reached_at, bool *is_new)
{
    bool fresh = false;
    if (is_new)
        *is_new = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "slug", slug));
    CHECK(max_len(s, "title", title, STORE_MAX_TEXT));
    if (milestone <= 0 || total_views < 0)
        return bad(s, "%s must be positive", "the milestone and its total views");
    CHECK(ready(s));
    CHECK(s->be->record_milestone(s->conn, s->error, slug, title ? title : "", milestone, total_views,
                                  reached_at, &fresh));
    if (is_new)
        *is_new = fresh;
    return STORE_OK;
}

enum store_result store_list_milestones(struct store *s, const char *slug, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "slug", slug));
    CHECK(ready(s));
    CHECK(s->be->milestone_rows(s->conn, s->error, slug, INT64_MIN, INT64_MAX, out));
    render_time_fields(*out, "reachedAt");
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Tallies of view rows: trending lists and summaries                         */
/* ------------------------------------------------------------------------ */

struct tally {
    json_object *posts; /* slug → {slug, title, views} */
    json_object *days;  /* day → views, in day order */
    int64_t total;
};

static void tally_rows(json_object *rows, struct tally *t)
{
    t->posts = json_object_new_object();
    t->days = json_object_new_object();
    t->total = 0;
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i), *v;
        const char *slug = json_object_object_get_ex(row, "slug", &v) ? json_object_get_string(v) : "";
        const char *day = json_object_object_get_ex(row, "day", &v) ? json_object_get_string(v) : "";
        int64_t views = json_object_object_get_ex(row, "views", &v) ? json_object_get_int64(v) : 0;
        json_object *post;
        if (!json_object_object_get_ex(t->posts, slug, &post)) {
            post = json_object_new_object();
            json_object_object_add(post, "slug", json_object_new_string(slug));
            json_object_object_add(post, "title", json_object_object_get_ex(row, "title", &v)
                                                      ? json_object_get(v) : json_object_new_string(""));
            json_object_object_add(post, "views", json_object_new_int64(0));
            json_object_object_add(t->posts, slug, post);
        }
        json_object *count;
        json_object_object_get_ex(post, "views", &count);
        json_object_int_inc(count, views);
        if (json_object_object_get_ex(t->days, day, &count))
            json_object_int_inc(count, views);
        else
            json_object_object_add(t->days, day, json_object_new_int64(views));
        t->total += views;
    }
}

static void tally_free(struct tally *t)
{
    json_object_put(t->posts);
    json_object_put(t->days);
}

static int64_t views_of(json_object *post)
{
    json_object *v;
    return json_object_object_get_ex(post, "views", &v) ? json_object_get_int64(v) : 0;
}

/* Most views first, then by slug, so that equal counts list the same way everywhere. */
static int by_views_then_slug(const void *a, const void *b)
{
    json_object *pa = *(json_object *const *)a, *pb = *(json_object *const *)b;
    int64_t va = views_of(pa), vb = views_of(pb);
    if (va != vb)
        return va > vb ? -1 : 1;
    json_object *sa, *sb;
    json_object_object_get_ex(pa, "slug", &sa);
    json_object_object_get_ex(pb, "slug", &sb);
    return strcmp(json_object_get_string(sa), json_object_get_string(sb));
}

/* The `limit` first posts of a tally, as a new array. */
static json_object *top_of(const struct tally *t, int limit)
{
    json_object *all = json_object_new_array();
    json_object_object_foreach(t->posts, slug, post) {
        (void)slug;
        json_object_array_add(all, json_object_get(post));
    }
    json_object_array_sort(all, by_views_then_slug);
    json_object *top = json_object_new_array();
    size_t n = json_object_array_length(all);
    for (size_t i = 0; i < n && (int)i < limit; i++)
        json_object_array_add(top, json_object_get(json_object_array_get_idx(all, i)));
    json_object_put(all);
    return top;
}

enum store_result store_top_posts(struct store *s, const char *since_day, int limit, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_day(s, "since day", since_day));
    if (limit < 1 || limit > 1000)
        return bad(s, "%s must be between 1 and 1000", "limit");
    CHECK(ready(s));
    json_object *rows = NULL;
    CHECK(s->be->view_rows(s->conn, s->error, since_day, NULL, &rows));
    struct tally t;
    tally_rows(rows, &t);
    *out = top_of(&t, limit);
    tally_free(&t);
    json_object_put(rows);
    return STORE_OK;
}

enum store_result store_compute_summary(struct store *s, const char *period, const char *start_date,
                                        const char *end_date, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_period(s, period));
    CHECK(need_day(s, "start date", start_date));
    CHECK(need_day(s, "end date", end_date));
    if (strcmp(start_date, end_date) > 0)
        return bad(s, "%s must not be after the end date", "the start date");
    int64_t from, to;
    store_parse_time(start_date, &from);
    store_parse_time(end_date, &to);
    to += 86400 - 1;
    CHECK(ready(s));

    json_object *rows = NULL, *milestones = NULL;
    CHECK(s->be->view_rows(s->conn, s->error, start_date, end_date, &rows));
    enum store_result r = s->be->milestone_rows(s->conn, s->error, NULL, from, to, &milestones);
    if (r != STORE_OK) {
        json_object_put(rows);
        return r;
    }
    render_time_fields(milestones, "reachedAt");
    struct tally t;
    tally_rows(rows, &t);
    json_object *sum = json_object_new_object();
    json_object_object_add(sum, "period", json_object_new_string(period));
    json_object_object_add(sum, "startDate", json_object_new_string(start_date));
    json_object_object_add(sum, "endDate", json_object_new_string(end_date));
    json_object_object_add(sum, "totalViews", json_object_new_int64(t.total));
    json_object_object_add(sum, "uniquePosts", json_object_new_int64(json_object_object_length(t.posts)));
    json_object_object_add(sum, "topPosts", top_of(&t, 10));
    json_object_object_add(sum, "viewsByDay", json_object_get(t.days));
    json_object_object_add(sum, "milestones", milestones);
    tally_free(&t);
    json_object_put(rows);
    *out = sum;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Documents: trending, summaries, GitHub cache                               */
/* ------------------------------------------------------------------------ */

/* Reads a document and parses it; *value = NULL when absent. */
static enum store_result get_json_doc(struct store *s, const char *kind, const char *key, json_object **value,
                                      int64_t *stamp)
{
    char *text = NULL;
    int64_t at = 0;
    CHECK(s->be->get_doc(s->conn, s->error, kind, key, &text, &at));
    if (!text)
        return STORE_OK;
    *value = store_json_from_text(text);
    free(text);
    if (!*value) {
        store_msg(s->error, "the stored %s is not JSON (corrupt store)", kind);
        return STORE_FAILED;
    }
    if (stamp)
        *stamp = at;
    return STORE_OK;
}

enum store_result store_put_trending(struct store *s, json_object *list, int64_t computed_at)
{
    const char *text;
    CHECK(s ? STORE_OK : STORE_RETRY);
    if (!json_object_is_type(list, json_type_array))
        return bad(s, "%s must be a JSON array", "the trending list");
    CHECK(json_text(s, "the trending list", list, &text));
    CHECK(ready(s));
    return s->be->put_doc(s->conn, s->error, "trending", "latest", text, computed_at);
}

enum store_result store_get_trending(struct store *s, json_object **list, int64_t *computed_at)
{
    *list = NULL;
    if (computed_at)
        *computed_at = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(ready(s));
    return get_json_doc(s, "trending", "latest", list, computed_at);
}

enum store_result store_put_summary(struct store *s, const char *period, const char *start_date,
                                    json_object *summary)
{
    const char *text;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_period(s, period));
    CHECK(need_day(s, "start date", start_date));
    if (!json_object_is_type(summary, json_type_object))
        return bad(s, "%s must be a JSON object", "the summary");
    CHECK(json_text(s, "the summary", summary, &text));
    char key[64];
    snprintf(key, sizeof key, "%s:%s", period, start_date);
    CHECK(ready(s));
    return s->be->put_doc(s->conn, s->error, "summary", key, text, (int64_t)time(NULL));
}

enum store_result store_get_summary(struct store *s, const char *period, const char *start_date,
                                    json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_period(s, period));
    CHECK(need_day(s, "start date", start_date));
    char key[64];
    snprintf(key, sizeof key, "%s:%s", period, start_date);
    CHECK(ready(s));
    return get_json_doc(s, "summary", key, out, NULL);
}

enum store_result store_put_github_cache(struct store *s, const char *username, json_object *data,
                                         int64_t fetched_at)
{
    const char *text;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "the GitHub username", username));
    if (!data)
        return bad(s, "%s is missing", "the GitHub data");
    CHECK(json_text(s, "the GitHub data", data, &text));
    CHECK(ready(s));
    return s->be->put_doc(s->conn, s->error, "github", username, text, fetched_at);
}

enum store_result store_get_github_cache(struct store *s, const char *username, json_object **data,
                                         int64_t *fetched_at)
{
    *data = NULL;
    if (fetched_at)
        *fetched_at = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "the GitHub username", username));
    CHECK(ready(s));
    return get_json_doc(s, "github", username, data, fetched_at);
}

/* ------------------------------------------------------------------------ */
/* Stripe                                                                     */
/* ------------------------------------------------------------------------ */

int store_status_rank(const char *status)
{
    static const struct {
        const char *status;
        int rank;
    } ranks[] = {
        {"incomplete", 1}, {"past_due", 2}, {"unpaid", 2}, {"trialing", 3}, {"active", 3},
        {"paused", 3}, {"canceled", 4}, {"incomplete_expired", 4},
    };
    for (size_t i = 0; status && i < sizeof ranks / sizeof ranks[0]; i++)
        if (strcmp(status, ranks[i].status) == 0)
            return ranks[i].rank;
    return 0;
}

enum store_result store_update_subscription(struct store *s, const struct store_subscription_update *u,
                                            bool *applied)
{
    bool done = false;
    if (applied)
        *applied = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    if (!u)
        return bad(s, "%s is missing", "the subscription update");
    CHECK(need_id(s, "subscription id", u->subscription_id));
    CHECK(max_len(s, "customer id", u->customer_id, STORE_MAX_ID));
    CHECK(max_len(s, "user id", u->user_id, STORE_MAX_ID));
    CHECK(max_len(s, "status", u->status, STORE_MAX_ID));
    CHECK(max_len(s, "event id", u->event_id, STORE_MAX_ID));
    if (u->at < 0)
        return bad(s, "%s must not be negative", "the event time");
    struct store_subscription_update clean = *u;
    clean.customer_id = or_null(u->customer_id);
    clean.user_id = or_null(u->user_id);
    clean.status = or_null(u->status);
    clean.event_id = or_null(u->event_id);
    CHECK(ready(s));
    /* at the same second: the later stage, and at the same stage Stripe's
     * own status over one inferred from an invoice or a checkout */
    int rank = store_status_rank(clean.status) * 2 + (clean.derived ? 0 : 1);
    CHECK(s->be->update_subscription(s->conn, s->error, &clean, rank, (int64_t)time(NULL), &done));
    if (applied)
        *applied = done;
    return STORE_OK;
}

enum store_result store_link_customer(struct store *s, const char *customer_id, const char *user_id)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "customer id", customer_id));
    CHECK(need_id(s, "user id", user_id));
    CHECK(ready(s));
    return s->be->link_customer(s->conn, s->error, customer_id, user_id);
}

enum store_result store_put_invoice(struct store *s, const char *invoice_id, json_object *what)
{
    const char *text;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "invoice id", invoice_id));
    if (!json_object_is_type(what, json_type_object))
        return bad(s, "%s must be a JSON object", "the invoice record");
    CHECK(json_text(s, "the invoice record", what, &text));
    CHECK(ready(s));
    return s->be->put_doc(s->conn, s->error, "invoice", invoice_id, text, (int64_t)time(NULL));
}

enum store_result store_get_invoice(struct store *s, const char *invoice_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "invoice id", invoice_id));
    CHECK(ready(s));
    return get_json_doc(s, "invoice", invoice_id, out, NULL);
}

static void render_subscription(json_object *sub)
{
    render_time_field(sub, "statusAt");
    render_time_field(sub, "updatedAt");
}

enum store_result store_get_subscription(struct store *s, const char *subscription_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "subscription id", subscription_id));
    CHECK(ready(s));
    CHECK(s->be->get_subscription(s->conn, s->error, subscription_id, out));
    if (*out)
        render_subscription(*out);
    return STORE_OK;
}

static int by_subscription_id(const void *a, const void *b)
{
    json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
    json_object *xi = NULL, *yi = NULL;
    json_object_object_get_ex(x, "subscriptionId", &xi);
    json_object_object_get_ex(y, "subscriptionId", &yi);
    return strcmp(json_object_get_string(xi), json_object_get_string(yi));
}

enum store_result store_list_subscriptions(struct store *s, const char *user_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "user id", user_id));
    CHECK(ready(s));
    CHECK(s->be->list_subscriptions(s->conn, s->error, user_id, out));
    json_object_array_sort(*out, by_subscription_id);
    for (size_t i = 0; i < json_object_array_length(*out); i++)
        render_subscription(json_object_array_get_idx(*out, i));
    return STORE_OK;
}

enum store_result store_record_payment(struct store *s, const char *payment_intent_id, int64_t amount,
                                       const char *currency, const char *customer, const char *status,
                                       bool *is_new)
{
    bool fresh = false;
    if (is_new)
        *is_new = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "payment intent id", payment_intent_id));
    if (amount < 0)
        return bad(s, "%s must not be negative", "the amount");
    CHECK(need_id(s, "currency", currency));
    CHECK(max_len(s, "customer", customer, STORE_MAX_ID));
    CHECK(need_id(s, "status", status));
    CHECK(ready(s));
    CHECK(s->be->record_payment(s->conn, s->error, payment_intent_id, amount, currency, or_null(customer),
                                status, (int64_t)time(NULL), &fresh));
    if (is_new)
        *is_new = fresh;
    return STORE_OK;
}

enum store_result store_get_payment(struct store *s, const char *payment_intent_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "payment intent id", payment_intent_id));
    CHECK(ready(s));
    CHECK(s->be->get_payment(s->conn, s->error, payment_intent_id, out));
    render_time_field(*out, "recordedAt");
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                   */
/* ------------------------------------------------------------------------ */

enum store_result store_put_session(struct store *s, const char *session_id, const char *user_id,
                                    int64_t expires_at)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "session id", session_id));
    CHECK(need_id(s, "user id", user_id));
    CHECK(ready(s));
    return s->be->put_session(s->conn, s->error, session_id, user_id, expires_at);
}

enum store_result store_get_session(struct store *s, const char *session_id, char *user_id,
                                    size_t user_id_size, int64_t *expires_at, bool *found)
{
    int64_t at = 0;
    *found = false;
    if (expires_at)
        *expires_at = 0;
    if (user_id && user_id_size)
        user_id[0] = '\0';
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "session id", session_id));
    CHECK(ready(s));
    CHECK(s->be->get_session(s->conn, s->error, session_id, user_id, user_id ? user_id_size : 0, &at, found));
    if (expires_at)
        *expires_at = at;
    return STORE_OK;
}

enum store_result store_delete_expired_sessions(struct store *s, int64_t now, int64_t *deleted)
{
    int64_t n = 0;
    if (deleted)
        *deleted = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(ready(s));
    CHECK(s->be->delete_expired_sessions(s->conn, s->error, now, &n));
    if (deleted)
        *deleted = n;
    return STORE_OK;
}

enum store_result store_delete_all_sessions(struct store *s, int64_t *deleted)
{
    int64_t n = 0;
    if (deleted)
        *deleted = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(ready(s));
    CHECK(s->be->delete_all_sessions(s->conn, s->error, &n));
    if (deleted)
        *deleted = n;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Readwise                                                                   */
/* ------------------------------------------------------------------------ */

enum store_result store_put_readwise_account(struct store *s, const char *user_id, const char *token)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "user id", user_id));
    if (!token || !*token)
        return bad(s, "%s is missing", "the Readwise token");
    CHECK(max_len(s, "the Readwise token", token, STORE_MAX_TEXT));
    CHECK(ready(s));
    return s->be->put_readwise_account(s->conn, s->error, user_id, token);
}

enum store_result store_get_readwise_token(struct store *s, const char *user_id, char *out, size_t out_size,
                                           bool *found)
{
    *found = false;
    if (out_size)
        out[0] = '\0';
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "user id", user_id));
    if (!out || !out_size)
        return bad(s, "%s is missing", "the token buffer");
    CHECK(ready(s));
    return s->be->get_readwise_token(s->conn, s->error, user_id, out, out_size, found);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(json_object_get_string(*(json_object *const *)a),
                  json_object_get_string(*(json_object *const *)b));
}

enum store_result store_list_readwise_accounts(struct store *s, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(ready(s));
    CHECK(s->be->list_readwise_accounts(s->conn, s->error, out));
    json_object_array_sort(*out, by_string);
    return STORE_OK;
}

enum store_result store_put_book_count(struct store *s, const char *user_id, int64_t count, int64_t counted_at)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "user id", user_id));
    if (count < 0)
        return bad(s, "%s must not be negative", "the book count");
    CHECK(ready(s));
    return s->be->put_book_count(s->conn, s->error, user_id, count, counted_at);
}

enum store_result store_get_book_count(struct store *s, const char *user_id, int64_t *count,
                                       int64_t *counted_at, bool *found)
{
    int64_t n = 0, at = 0;
    *found = false;
    if (count)
        *count = 0;
    if (counted_at)
        *counted_at = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "user id", user_id));
    CHECK(ready(s));
    CHECK(s->be->get_book_count(s->conn, s->error, user_id, &n, &at, found));
    if (count)
        *count = n;
    if (counted_at)
        *counted_at = at;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Rate limits                                                                */
/* ------------------------------------------------------------------------ */

enum store_result store_rate_hit(struct store *s, const char *key, int64_t window_seconds, int64_t *hits,
                                 int64_t *retry_after)
{
    *hits = 0;
    if (retry_after)
        *retry_after = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_id(s, "rate-limit key", key));
    if (window_seconds < 1 || window_seconds > STORE_MAX_RATE_WINDOW)
        return bad(s, "the rate-limit window must be 1 s to 366 days");
    CHECK(ready(s));
    int64_t now = (int64_t)time(NULL);
    int64_t start = now - now % window_seconds;
    CHECK(s->be->rate_hit(s->conn, s->error, key, start, start + window_seconds, now, hits));
    if (retry_after)
        *retry_after = start + window_seconds - now;
    return STORE_OK;
}
