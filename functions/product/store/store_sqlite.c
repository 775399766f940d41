/*
 * store_sqlite.c — the embedded store: one SQLite file (WAL, so readers never
 * wait for the writer), created with its directory on first use (0700/0600:
 * it holds Readwise tokens) and migrated with PRAGMA user_version.
 *
 * Every operation is one transaction (writes take the write lock up front with
 * BEGIN IMMEDIATE, so a lock is never upgraded half-way) built from prepared
 * statements with bound parameters, never text pasted into SQL.  A lock held
 * longer than the busy timeout, a full disk or an I/O error is STORE_RETRY;
 * a corrupt file or a constraint failure is STORE_FAILED.  Error lines name the
 * file and SQLite's reason, never a stored value.
 *
 * Schema history (append only; a released migration never changes):
 *   1  the first tables
 *   2  view_events.recorded_at, so that a view's event id is forgotten after
 *      STORE_VIEW_DEDUP_SECONDS instead of kept for ever; indexes for the
 *      queries by day, customer and expiry
 *   3  rate_limits: the counters of the routes' rate limits (rate_limit.c)
 *   4  view_events.total: the post's total that each counted event brought it
 *      to, so a repeated event id (a retried step whose answer was lost)
 *      answers the same total as the first try (NULL for ids counted before);
 *      Stripe subscriptions keyed by Stripe's subscription id with the time
 *      of their status (stripe_subscriptions, stripe_customers), replacing
 *      the one-row-per-user subscriptions table (its rows are carried over)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "product/store/store_backend.h"

struct store_conn {
    sqlite3 *db;
    char *path;
};

static const char *const migrations[] = {
    /* 1 */
    "CREATE TABLE posts (slug TEXT PRIMARY KEY, title TEXT NOT NULL, total_views INTEGER NOT NULL);"
    "CREATE TABLE daily_views (slug TEXT NOT NULL, day TEXT NOT NULL, views INTEGER NOT NULL,"
    "  PRIMARY KEY (slug, day)) WITHOUT ROWID;"
    "CREATE TABLE view_events (event_id TEXT PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE milestones (slug TEXT NOT NULL, milestone INTEGER NOT NULL, title TEXT NOT NULL,"
    "  total_views INTEGER NOT NULL, reached_at INTEGER NOT NULL, PRIMARY KEY (slug, milestone));"
    "CREATE TABLE documents (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,"
    "  stamp INTEGER NOT NULL, PRIMARY KEY (kind, key));"
    "CREATE TABLE subscriptions (user_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, customer_id TEXT,"
    "  subscription_id TEXT, status TEXT NOT NULL, session TEXT, updated_at INTEGER NOT NULL);"
    "CREATE TABLE payments (payment_intent_id TEXT PRIMARY KEY, amount INTEGER NOT NULL,"
    "  currency TEXT NOT NULL, customer TEXT, status TEXT NOT NULL, recorded_at INTEGER NOT NULL);"
    "CREATE TABLE sessions (session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE TABLE readwise_accounts (user_id TEXT PRIMARY KEY, token TEXT NOT NULL);"
    "CREATE TABLE book_counts (user_id TEXT PRIMARY KEY, count INTEGER NOT NULL,"
    "  counted_at INTEGER NOT NULL);",
    /* 2 — ids already recorded count from the migration on */
    "ALTER TABLE view_events ADD COLUMN recorded_at INTEGER NOT NULL DEFAULT 0;"
    "UPDATE view_events SET recorded_at = CAST(strftime('%s', 'now') AS INTEGER);"
    "CREATE INDEX view_events_recorded_at ON view_events (recorded_at);"
    "CREATE INDEX daily_views_day ON daily_views (day);"
    "CREATE INDEX subscriptions_customer ON subscriptions (customer_id);"
    "CREATE INDEX sessions_expires_at ON sessions (expires_at);",
    /* 3 */
    "CREATE TABLE rate_limits (key TEXT PRIMARY KEY, window_start INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL, hits INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);",
    /* 4 */
    "ALTER TABLE view_events ADD COLUMN total INTEGER;"
    "CREATE TABLE stripe_subscriptions (subscription_id TEXT PRIMARY KEY, customer_id TEXT, user_id TEXT,"
    "  status TEXT, status_at INTEGER NOT NULL DEFAULT 0, status_rank INTEGER NOT NULL DEFAULT 0,"
    "  event_id TEXT, updated_at INTEGER NOT NULL);"
    "CREATE INDEX stripe_subscriptions_user ON stripe_subscriptions (user_id);"
    "CREATE INDEX stripe_subscriptions_customer ON stripe_subscriptions (customer_id);"
    "CREATE TABLE stripe_customers (customer_id TEXT PRIMARY KEY, user_id TEXT NOT NULL);"
    "INSERT OR IGNORE INTO stripe_subscriptions (subscription_id, customer_id, user_id, status, status_at,"
    "  updated_at) SELECT subscription_id, customer_id, user_id, status, updated_at, updated_at"
    "  FROM subscriptions WHERE subscription_id IS NOT NULL;"
    "INSERT OR IGNORE INTO stripe_customers (customer_id, user_id) SELECT customer_id, user_id"
    "  FROM subscriptions WHERE customer_id IS NOT NULL;"
    "DROP TABLE subscriptions;",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ------------------------------------------------------------------------ */
/* Errors and statements                                                      */
/* ------------------------------------------------------------------------ */

/* Whether an SQLite error may pass by itself (a lock, a full disk, an I/O hiccup). */
static enum store_result classify(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_INTERRUPT:
        return STORE_RETRY;
    default:
        return STORE_FAILED;
    }
}

static enum store_result fail(struct store_conn *c, char *err, const char *what, int rc)
{
    const char *why = c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        store_msg(err, "SQLite database %s is locked by another connection (%s): %s", c->path, what, why);
    else
        store_msg(err, "SQLite database %s: %s: %s", c->path, what, why);
    return classify(rc);
}

/* Prepares sql and binds its parameters, described by `types`: 's' text,
 * 'n' text or NULL, 'i' int64. */
static enum store_result prepare(struct store_conn *c, char *err, sqlite3_stmt **st, const char *sql,
                                 const char *types, ...)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        return fail(c, err, "prepare", rc);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
        if (types[i] == 'i') {
            rc = sqlite3_bind_int64(*st, i + 1, va_arg(ap, int64_t));
        } else {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(*st, i + 1, v, -1, SQLITE_STATIC) : sqlite3_bind_null(*st, i + 1);
        }
    }
    va_end(ap);
    if (rc != SQLITE_OK) {
        enum store_result r = fail(c, err, "bind", rc);
        sqlite3_finalize(*st);
        *st = NULL;
        return r;
    }
    return STORE_OK;
}

/* Runs a prepared statement to its end; *changes (may be NULL) = rows changed. */
static enum store_result run(struct store_conn *c, char *err, sqlite3_stmt *st, int64_t *changes)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(c, err, "write", rc);
    if (changes)
        *changes = sqlite3_changes(c->db);
    return STORE_OK;
}

/* One statement without parameters (transactions, pragmas, migrations). */
static enum store_result exec(struct store_conn *c, char *err, const char *sql, const char *what)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? STORE_OK : fail(c, err, what, rc);
}

static enum store_result begin_write(struct store_conn *c, char *err)
{
    return exec(c, err, "BEGIN IMMEDIATE", "begin");
}

/* Commits when r is STORE_OK, otherwise rolls back; returns the outcome. */
static enum store_result finish(struct store_conn *c, char *err, enum store_result r)
{
    if (r == STORE_OK)
        r = exec(c, err, "COMMIT", "commit");
    if (r != STORE_OK && !sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

/* Steps st once: *has_row tells a row from the end.  On failure st is
 * finalized; on success the caller reads the row and finalizes st. */
static enum store_result first_row(struct store_conn *c, char *err, sqlite3_stmt *st, bool *has_row)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_finalize(st);
        return fail(c, err, "read", rc);
    }
    *has_row = rc == SQLITE_ROW;
    return STORE_OK;
}

static json_object *column_string(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? json_object_new_string((const char *)v) : NULL;
}

/* Reads every row of st into a new array, one object per row, with the
 * columns named by `names` (types: 's' text, 'i' int64). */
static enum store_result read_rows(struct store_conn *c, char *err, sqlite3_stmt *st, const char *const *names,
                                   const char *types, json_object **out)
{
    json_object *rows = json_object_new_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_object *row = json_object_new_object();
        for (int i = 0; types[i]; i++)
            json_object_object_add(row, names[i], types[i] == 'i'
                                                      ? json_object_new_int64(sqlite3_column_int64(st, i))
                                                      : column_string(st, i));
        json_object_array_add(rows, row);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_object_put(rows);
        return fail(c, err, "read", rc);
    }
    *out = rows;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Opening and migrating                                                      */
/* ------------------------------------------------------------------------ */

/* mkdir -p of the directory part of path (0700: the file holds tokens). */
static enum store_result make_parent_dirs(const char *path, char *err)
{
    char *dir = strdup(path);
    if (!dir) {
        store_msg(err, "out of memory opening the SQLite database");
        return STORE_RETRY;
    }
    enum store_result r = STORE_OK;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        free(dir);
        return STORE_OK;
    }
    *slash = '\0';
    for (char *p = dir + 1; r == STORE_OK; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                int e = errno;
                store_msg(err, "cannot create the directory %s for the SQLite database %s: %s", dir, path,
                          strerror(e));
                r = e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP ? STORE_FAILED : STORE_RETRY;
                break;
            }
            struct stat st;
            if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
                store_msg(err, "cannot create the SQLite database %s: %s is not a directory", path, dir);
                r = STORE_FAILED;
                break;
            }
            if (end)
                break;
            *p = '/';
        }
    }
    free(dir);
    return r;
}

/* Creates the file with mode 0600 before SQLite does (SQLite would use 0644
 * and give its -wal/-shm files the same mode). */
static enum store_result create_file(const char *path, char *err)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            store_msg(err, "DATABASE_PATH %s is a directory, not a file", path);
            return STORE_FAILED;
        }
        return STORE_OK;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        store_msg(err, "cannot create the SQLite database %s: %s", path, strerror(errno));
        return errno == EISDIR || errno == ENOTDIR ? STORE_FAILED : STORE_RETRY;
    }
    close(fd);
    return STORE_OK;
}

static enum store_result user_version(struct store_conn *c, char *err, int *version)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st, "PRAGMA user_version", "");
    if (r != STORE_OK)
        return r;
    if ((r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    *version = row ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return STORE_OK;
}

/* Brings the schema to SCHEMA_VERSION in one transaction; another worker
 * migrating at the same time waits on the write lock and then finds nothing
 * to do. */
static enum store_result migrate(struct store_conn *c, char *err)
{
    int version;
    enum store_result r = user_version(c, err, &version);
    if (r != STORE_OK || version == SCHEMA_VERSION)
        return r;
    if ((r = begin_write(c, err)) != STORE_OK)
        return r;
    r = user_version(c, err, &version);
    if (r == STORE_OK && version > SCHEMA_VERSION) {
        store_msg(err, "SQLite database %s has schema version %d, newer than this program's %d", c->path,
                  version, SCHEMA_VERSION);
        r = STORE_FAILED;
    }
    for (int v = version + 1; r == STORE_OK && v <= SCHEMA_VERSION; v++) {
        char what[64];
        snprintf(what, sizeof what, "migration to schema version %d", v);
        r = exec(c, err, migrations[v - 1], what);
    }
    if (r == STORE_OK && version < SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
        r = exec(c, err, sql, "set the schema version");
    }
    return finish(c, err, r);
}

static void sqlite_close(struct store_conn *c)
{
    if (!c)
        return;
    sqlite3_close_v2(c->db);
    free(c->path);
    free(c);
}

static enum store_result sqlite_open(const struct store_options *o, struct store_conn **out, char *err)
{
    *out = NULL;
    const char *path = o->database_path;
    enum store_result r = make_parent_dirs(path, err);
    if (r == STORE_OK)
        r = create_file(path, err);
    if (r != STORE_OK)
        return r;
    struct store_conn *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        free(c);
        store_msg(err, "out of memory opening the SQLite database");
        return STORE_RETRY;
    }
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        r = fail(c, err, "open", rc);
        sqlite_close(c);
        return r;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, o->busy_timeout_ms);
    /* WAL: readers never wait for the writer; NORMAL is durable enough with WAL
     * (a power cut may lose the last commits, never corrupt the file). */
    r = exec(c, err, "PRAGMA journal_mode = WAL", "enable WAL");
    if (r == STORE_OK)
        r = exec(c, err, "PRAGMA synchronous = NORMAL", "set synchronous");
    if (r == STORE_OK)
        r = migrate(c, err);
    if (r != STORE_OK) {
        sqlite_close(c);
        return r;
    }
    *out = c;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Views and milestones                                                       */
/* ------------------------------------------------------------------------ */

static enum store_result read_total(struct store_conn *c, char *err, const char *slug, int64_t *total)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st, "SELECT total_views FROM posts WHERE slug = ?", "s", slug);
    if (r == STORE_OK && (r = first_row(c, err, st, &row)) == STORE_OK) {
        *total = row ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
    }
    return r;
}

/* The total the post reached when event_id was counted; the current total
 * for an id counted before schema 3 (which did not keep it). */
static enum store_result remembered_total(struct store_conn *c, char *err, const char *event_id,
                                          const char *slug, int64_t *total)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st, "SELECT total FROM view_events WHERE event_id = ?", "s", event_id);
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    bool known = row && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (known)
        *total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return known ? STORE_OK : read_total(c, err, slug, total);
}

static enum store_result sqlite_record_view(struct store_conn *c, char *err, const char *slug, const char *title,
                                            const char *event_id, const char *day, int64_t now, int64_t *total,
                                            bool *counted_now)
{
    sqlite3_stmt *st;
    int64_t inserted = 0;
    enum store_result r = begin_write(c, err);
    if (r != STORE_OK)
        return r;
    if ((r = prepare(c, err, &st, "DELETE FROM view_events WHERE recorded_at < ?", "i",
                     now - STORE_VIEW_DEDUP_SECONDS)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st, "INSERT OR IGNORE INTO view_events (event_id, recorded_at) VALUES (?, ?)",
                     "si", event_id, now)) == STORE_OK)
        r = run(c, err, st, &inserted);
    if (r == STORE_OK && !inserted) {
        r = remembered_total(c, err, event_id, slug, total);
        *counted_now = false;
        return finish(c, err, r);
    }
    if (r == STORE_OK &&
        (r = prepare(c, err, &st,
                     "INSERT INTO posts (slug, title, total_views) VALUES (?1, ?2, 1) ON CONFLICT (slug) "
                     "DO UPDATE SET total_views = total_views + 1", /* the first title stays */
                     "ss", slug, title)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st,
                     "INSERT INTO daily_views (slug, day, views) VALUES (?, ?, 1) ON CONFLICT (slug, day) "
                     "DO UPDATE SET views = views + 1",
                     "ss", slug, day)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r == STORE_OK)
        r = read_total(c, err, slug, total);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st, "UPDATE view_events SET total = ? WHERE event_id = ?", "is", *total,
                     event_id)) == STORE_OK)
        r = run(c, err, st, NULL);
    *counted_now = r == STORE_OK;
    return finish(c, err, r);
}

static enum store_result sqlite_views_total(struct store_conn *c, char *err, const char *slug, int64_t *total)
{
    return read_total(c, err, slug, total);
}

static enum store_result sqlite_view_rows(struct store_conn *c, char *err, const char *from_day,
                                          const char *to_day, json_object **out)
{
    static const char *const names[] = {"day", "slug", "title", "views"};
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT d.day, d.slug, p.title, d.views FROM daily_views d "
                                  "JOIN posts p ON p.slug = d.slug "
                                  "WHERE d.day >= ?1 AND (?2 IS NULL OR d.day <= ?2) ORDER BY d.day, d.slug",
                                  "sn", from_day, to_day);
    return r == STORE_OK ? read_rows(c, err, st, names, "sssi", out) : r;
}

static enum store_result sqlite_record_milestone(struct store_conn *c, char *err, const char *slug,
                                                 const char *title, int64_t milestone, int64_t total_views,
                                                 int64_t reached_at, bool *is_new)
{
    sqlite3_stmt *st;
    int64_t inserted = 0;
    enum store_result r = prepare(c, err, &st,
                                  "INSERT OR IGNORE INTO milestones (slug, milestone, title, total_views, "
                                  "reached_at) VALUES (?, ?, ?, ?, ?)",
                                  "sisii", slug, milestone, title, total_views, reached_at);
    if (r == STORE_OK)
        r = run(c, err, st, &inserted);
    *is_new = inserted > 0;
    return r;
}

static enum store_result sqlite_milestone_rows(struct store_conn *c, char *err, const char *slug, int64_t from,
                                               int64_t to, json_object **out)
{
    static const char *const names[] = {"slug", "title", "milestone", "totalViews", "reachedAt"};
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT slug, title, milestone, total_views, reached_at FROM milestones "
                                  "WHERE (?1 IS NULL OR slug = ?1) AND reached_at BETWEEN ?2 AND ?3 "
                                  "ORDER BY reached_at, milestone, slug",
                                  "nii", slug, from, to);
    return r == STORE_OK ? read_rows(c, err, st, names, "ssiii", out) : r;
}

/* ------------------------------------------------------------------------ */
/* Documents                                                                  */
/* ------------------------------------------------------------------------ */

static enum store_result sqlite_put_doc(struct store_conn *c, char *err, const char *kind, const char *key,
                                        const char *text, int64_t stamp)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "INSERT OR REPLACE INTO documents (kind, key, body, stamp) VALUES (?, ?, ?, ?)",
                                  "sssi", kind, key, text, stamp);
    return r == STORE_OK ? run(c, err, st, NULL) : r;
}

static enum store_result sqlite_get_doc(struct store_conn *c, char *err, const char *kind, const char *key,
                                        char **text, int64_t *stamp)
{
    sqlite3_stmt *st;
    bool row = false;
    *text = NULL;
    enum store_result r = prepare(c, err, &st, "SELECT body, stamp FROM documents WHERE kind = ? AND key = ?",
                                  "ss", kind, key);
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    if (row) {
        const char *body = (const char *)sqlite3_column_text(st, 0);
        *stamp = sqlite3_column_int64(st, 1);
        if (!(*text = strdup(body ? body : "null"))) {
            store_msg(err, "out of memory reading the SQLite database");
            r = STORE_RETRY;
        }
    }
    sqlite3_finalize(st);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Stripe                                                                     */
/* ------------------------------------------------------------------------ */

/* The single row st selects, as an object with `names`/`types` (see read_rows); NULL if none. */
static enum store_result read_one(struct store_conn *c, char *err, sqlite3_stmt *st, const char *const *names,
                                  const char *types, json_object **out)
{
    json_object *rows = NULL;
    enum store_result r = read_rows(c, err, st, names, types, &rows);
    if (r == STORE_OK && json_object_array_length(rows) > 0)
        *out = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return r;
}

static enum store_result sqlite_update_subscription(struct store_conn *c, char *err,
                                                    const struct store_subscription_update *u, int rank,
                                                    int64_t now, bool *applied)
{
    sqlite3_stmt *st;
    int64_t changed = 0, status_changed = 0;
    enum store_result r = begin_write(c, err);
    if (r != STORE_OK)
        return r;
    if ((r = prepare(c, err, &st,
                     "INSERT OR IGNORE INTO stripe_subscriptions (subscription_id, updated_at) VALUES (?, ?)",
                     "si", u->subscription_id, now)) == STORE_OK)
        r = run(c, err, st, &changed);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st,
                     "UPDATE stripe_subscriptions SET customer_id = COALESCE(?2, customer_id) "
                     "WHERE subscription_id = ?1 AND ?2 IS NOT NULL AND customer_id IS NOT ?2",
                     "sn", u->subscription_id, u->customer_id)) == STORE_OK) {
        int64_t n = 0;
        r = run(c, err, st, &n);
        changed += n;
    }
    if (r == STORE_OK &&
        (r = prepare(c, err, &st,
                     "UPDATE stripe_subscriptions SET user_id = COALESCE(?2, (SELECT k.user_id FROM "
                     "stripe_customers k WHERE k.customer_id = stripe_subscriptions.customer_id)) "
                     "WHERE subscription_id = ?1 AND (?2 IS NOT NULL AND user_id IS NOT ?2 OR "
                     "?2 IS NULL AND user_id IS NULL AND customer_id IN (SELECT customer_id FROM stripe_customers))",
                     "sn", u->subscription_id, u->user_id)) == STORE_OK) {
        int64_t n = 0;
        r = run(c, err, st, &n);
        changed += n;
    }
    if (r == STORE_OK && u->status &&
        (r = prepare(c, err, &st,
                     "UPDATE stripe_subscriptions SET status = ?2, status_at = ?3, status_rank = ?4, "
                     "event_id = ?5 WHERE subscription_id = ?1 AND (status IS NULL OR ?3 > status_at OR "
                     "(?3 = status_at AND ?4 > status_rank)) AND NOT (?6 AND COALESCE(status, '') IN "
                     "('canceled', 'incomplete_expired'))",
                     "ssiini", u->subscription_id, u->status, u->at, (int64_t)rank, u->event_id,
                     (int64_t)(u->derived ? 1 : 0))) == STORE_OK)
        r = run(c, err, st, &status_changed);
    if (r == STORE_OK && (changed || status_changed) &&
        (r = prepare(c, err, &st, "UPDATE stripe_subscriptions SET updated_at = ? WHERE subscription_id = ?",
                     "is", now, u->subscription_id)) == STORE_OK)
        r = run(c, err, st, NULL);
    *applied = r == STORE_OK && status_changed > 0;
    return finish(c, err, r);
}

static enum store_result sqlite_link_customer(struct store_conn *c, char *err, const char *customer_id,
                                              const char *user_id)
{
    sqlite3_stmt *st;
    enum store_result r = begin_write(c, err);
    if (r != STORE_OK)
        return r;
    if ((r = prepare(c, err, &st,
                     "INSERT INTO stripe_customers (customer_id, user_id) VALUES (?1, ?2) "
                     "ON CONFLICT (customer_id) DO UPDATE SET user_id = excluded.user_id",
                     "ss", customer_id, user_id)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st,
                     "UPDATE stripe_subscriptions SET user_id = ?2 WHERE customer_id = ?1 AND user_id IS NULL",
                     "ss", customer_id, user_id)) == STORE_OK)
        r = run(c, err, st, NULL);
    return finish(c, err, r);
}

static const char *const subscription_names[] = {"subscriptionId", "customerId", "userId", "status",
                                                 "statusAt", "eventId", "updatedAt"};
#define SUBSCRIPTION_COLUMNS "subscription_id, customer_id, user_id, status, status_at, event_id, updated_at"
#define SUBSCRIPTION_TYPES "ssssisi"

static enum store_result sqlite_get_subscription(struct store_conn *c, char *err, const char *subscription_id,
                                                 json_object **out)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT " SUBSCRIPTION_COLUMNS " FROM stripe_subscriptions "
                                  "WHERE subscription_id = ?",
                                  "s", subscription_id);
    return r == STORE_OK ? read_one(c, err, st, subscription_names, SUBSCRIPTION_TYPES, out) : r;
}

static enum store_result sqlite_list_subscriptions(struct store_conn *c, char *err, const char *user_id,
                                                   json_object **out)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT " SUBSCRIPTION_COLUMNS " FROM stripe_subscriptions WHERE user_id = ?",
                                  "s", user_id);
    return r == STORE_OK ? read_rows(c, err, st, subscription_names, SUBSCRIPTION_TYPES, out) : r;
}

static enum store_result sqlite_record_payment(struct store_conn *c, char *err, const char *id, int64_t amount,
                                               const char *currency, const char *customer, const char *status,
                                               int64_t now, bool *is_new)
{
    sqlite3_stmt *st;
    int64_t inserted = 0;
    enum store_result r = prepare(c, err, &st,
                                  "INSERT OR IGNORE INTO payments (payment_intent_id, amount, currency, customer, "
                                  "status, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                                  "sisnsi", id, amount, currency, customer, status, now);
    if (r == STORE_OK)
        r = run(c, err, st, &inserted);
    *is_new = inserted > 0;
    return r;
}

static enum store_result sqlite_get_payment(struct store_conn *c, char *err, const char *id, json_object **out)
{
    static const char *const names[] = {"id", "amount", "currency", "customer", "status", "recordedAt"};
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT payment_intent_id, amount, currency, customer, status, recorded_at "
                                  "FROM payments WHERE payment_intent_id = ?",
                                  "s", id);
    return r == STORE_OK ? read_one(c, err, st, names, "sisssi", out) : r;
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                   */
/* ------------------------------------------------------------------------ */

static enum store_result sqlite_put_session(struct store_conn *c, char *err, const char *id, const char *user_id,
                                            int64_t expires_at)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "INSERT OR REPLACE INTO sessions (session_id, user_id, expires_at) "
                                  "VALUES (?, ?, ?)",
                                  "ssi", id, user_id, expires_at);
    return r == STORE_OK ? run(c, err, st, NULL) : r;
}

/* Copies a text column into out (truncation is an error: ids are never cut). */
static enum store_result copy_column(char *err, sqlite3_stmt *st, int i, char *out, size_t out_size,
                                     const char *what)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    size_t n = v ? strlen(v) : 0;
    if (n >= out_size) {
        store_msg(err, "the stored %s does not fit the caller's buffer", what);
        return STORE_FAILED;
    }
    memcpy(out, v ? v : "", n + 1);
    return STORE_OK;
}

static enum store_result sqlite_get_session(struct store_conn *c, char *err, const char *id, char *user_id,
                                            size_t user_id_size, int64_t *expires_at, bool *found)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st, "SELECT user_id, expires_at FROM sessions WHERE session_id = ?",
                                  "s", id);
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    if (row) {
        *found = true;
        *expires_at = sqlite3_column_int64(st, 1);
        if (user_id_size)
            r = copy_column(err, st, 0, user_id, user_id_size, "user id");
    }
    sqlite3_finalize(st);
    return r;
}

static enum store_result sqlite_delete_expired_sessions(struct store_conn *c, char *err, int64_t now,
                                                        int64_t *deleted)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st, "DELETE FROM sessions WHERE expires_at <= ?", "i", now);
    return r == STORE_OK ? run(c, err, st, deleted) : r;
}

static enum store_result sqlite_delete_all_sessions(struct store_conn *c, char *err, int64_t *deleted)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st, "DELETE FROM sessions", "");
    return r == STORE_OK ? run(c, err, st, deleted) : r;
}

/* ------------------------------------------------------------------------ */
/* Readwise                                                                   */
/* ------------------------------------------------------------------------ */

static enum store_result sqlite_put_readwise_account(struct store_conn *c, char *err, const char *user_id,
                                                     const char *token)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "INSERT OR REPLACE INTO readwise_accounts (user_id, token) VALUES (?, ?)", "ss",
                                  user_id, token);
    return r == STORE_OK ? run(c, err, st, NULL) : r;
}

static enum store_result sqlite_get_readwise_token(struct store_conn *c, char *err, const char *user_id,
                                                   char *out, size_t out_size, bool *found)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st, "SELECT token FROM readwise_accounts WHERE user_id = ?", "s",
                                  user_id);
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    if (row) {
        r = copy_column(err, st, 0, out, out_size, "Readwise token");
        *found = r == STORE_OK;
    }
    sqlite3_finalize(st);
    return r;
}

static enum store_result sqlite_list_readwise_accounts(struct store_conn *c, char *err, json_object **out)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st, "SELECT user_id FROM readwise_accounts", "");
    if (r != STORE_OK)
        return r;
    json_object *ids = json_object_new_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_object_array_add(ids, column_string(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_object_put(ids);
        return fail(c, err, "read", rc);
    }
    *out = ids;
    return STORE_OK;
}

static enum store_result sqlite_put_book_count(struct store_conn *c, char *err, const char *user_id,
                                               int64_t count, int64_t counted_at)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "INSERT OR REPLACE INTO book_counts (user_id, count, counted_at) VALUES (?, ?, ?)",
                                  "sii", user_id, count, counted_at);
    return r == STORE_OK ? run(c, err, st, NULL) : r;
}

static enum store_result sqlite_get_book_count(struct store_conn *c, char *err, const char *user_id,
                                               int64_t *count, int64_t *counted_at, bool *found)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st, "SELECT count, counted_at FROM book_counts WHERE user_id = ?",
                                  "s", user_id);
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    if (row) {
        *found = true;
        *count = sqlite3_column_int64(st, 0);
        *counted_at = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Rate limits                                                                */
/* ------------------------------------------------------------------------ */

/* One row per key: the window it counts and its hits; a hit in a newer window
 * starts the count again.  Rows whose window has passed are dropped first, so
 * the table holds only the keys seen in their current window. */
static enum store_result sqlite_rate_hit(struct store_conn *c, char *err, const char *key, int64_t window_start,
                                         int64_t window_end, int64_t now, int64_t *hits)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = begin_write(c, err);
    if (r != STORE_OK)
        return r;
    if ((r = prepare(c, err, &st, "DELETE FROM rate_limits WHERE expires_at <= ?", "i", now)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st,
                     "INSERT INTO rate_limits (key, window_start, expires_at, hits) VALUES (?1, ?2, ?3, 1) "
                     "ON CONFLICT (key) DO UPDATE SET "
                     "hits = CASE WHEN window_start = excluded.window_start THEN hits + 1 ELSE 1 END, "
                     "window_start = excluded.window_start, expires_at = excluded.expires_at",
                     "sii", key, window_start, window_end)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st, "SELECT hits FROM rate_limits WHERE key = ?", "s", key)) == STORE_OK &&
        (r = first_row(c, err, st, &row)) == STORE_OK) {
        *hits = row ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
    }
    return finish(c, err, r);
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .record_view = sqlite_record_view,
    .views_total = sqlite_views_total,
    .view_rows = sqlite_view_rows,
    .record_milestone = sqlite_record_milestone,
    .milestone_rows = sqlite_milestone_rows,
    .put_doc = sqlite_put_doc,
    .get_doc = sqlite_get_doc,
    .update_subscription = sqlite_update_subscription,
    .link_customer = sqlite_link_customer,
    .get_subscription = sqlite_get_subscription,
    .list_subscriptions = sqlite_list_subscriptions,
    .record_payment = sqlite_record_payment,
    .get_payment = sqlite_get_payment,
    .put_session = sqlite_put_session,
    .get_session = sqlite_get_session,
    .delete_expired_sessions = sqlite_delete_expired_sessions,
    .delete_all_sessions = sqlite_delete_all_sessions,
    .put_readwise_account = sqlite_put_readwise_account,
    .get_readwise_token = sqlite_get_readwise_token,
    .list_readwise_accounts = sqlite_list_readwise_accounts,
    .put_book_count = sqlite_put_book_count,
    .get_book_count = sqlite_get_book_count,
    .rate_hit = sqlite_rate_hit,
};
