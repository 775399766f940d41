/*
 * store_sqlite.c — the embedded store: one SQLite file (WAL, so readers never
 * wait for the writer), created with its directory on first use (0700/0600:
 * it holds Readwise tokens) and migrated with PRAGMA user_version.
 *
 * It stores store_backend.h's records in one table and knows nothing of the
 * app's domain (only the migrations below name the tables of earlier
 * versions).  A batch is one transaction (BEGIN IMMEDIATE: the write lock is
 * taken up front, so it is never upgraded half-way, and the conditions are
 * checked under it), built from prepared statements with bound parameters,
 * never text pasted into SQL.  A lock held longer than the busy timeout, a
 * full disk or an I/O error is STORE_RETRY; a corrupt file or a constraint
 * failure is STORE_FAILED.  Error lines name the file and SQLite's reason,
 * never a stored value.
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
 *   5  one generic table, records (kind, key, text, num, stamp, version,
 *      expires_at): the backend offers store_backend.h's primitives and the
 *      domain files above it decide what each kind holds; every row of 4 is
 *      carried over into its kind (store_views.c, store_billing.c, … list
 *      them) and the tables of 4 are dropped.  A view event id remembered
 *      without its total gets num -1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
    /* 5 — one generic table: every row of 4 carried over, then the old tables dropped */
    "CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, text TEXT, num INTEGER NOT NULL DEFAULT 0,"
    "  stamp INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1, expires_at INTEGER,"
    "  PRIMARY KEY (kind, key)) WITHOUT ROWID;"
    "CREATE INDEX records_stamp ON records (kind, stamp);"
    "CREATE INDEX records_expires_at ON records (kind, expires_at);"
    "INSERT INTO records (kind, key, text, num) SELECT 'views-total', slug, title, total_views FROM posts;"
    "INSERT INTO records (kind, key, num) SELECT 'views-day', day || char(31) || slug, views FROM daily_views;"
    "INSERT INTO records (kind, key, num, stamp, expires_at) SELECT 'view-event', event_id, COALESCE(total, -1),"
    "  recorded_at, recorded_at + 2592000 FROM view_events;"
    "INSERT INTO records (kind, key, text, stamp) SELECT 'milestone', slug || char(31) || printf('%020d', milestone),"
    "  json_object('slug', slug, 'title', title, 'milestone', milestone, 'totalViews', total_views,"
    "  'reachedAt', reached_at), reached_at FROM milestones;"
    "INSERT INTO records (kind, key, text, stamp) SELECT kind, key, body, stamp FROM documents;"
    "INSERT INTO records (kind, key, text) SELECT 'subscription', subscription_id, json_object('customerId',"
    "  customer_id, 'userId', user_id, 'status', status, 'statusAt', status_at, 'statusRank', status_rank,"
    "  'eventId', event_id, 'updatedAt', updated_at) FROM stripe_subscriptions;"
    "INSERT INTO records (kind, key, text) SELECT 'customer-sub', customer_id || char(31) || subscription_id,"
    "  subscription_id FROM stripe_subscriptions WHERE customer_id IS NOT NULL;"
    "INSERT INTO records (kind, key, text) SELECT 'user-sub', user_id || char(31) || subscription_id,"
    "  subscription_id FROM stripe_subscriptions WHERE user_id IS NOT NULL;"
    "INSERT INTO records (kind, key, text) SELECT 'customer', customer_id, user_id FROM stripe_customers;"
    "INSERT INTO records (kind, key, text) SELECT 'payment', payment_intent_id, json_object('amount', amount,"
    "  'currency', currency, 'customer', customer, 'status', status, 'recordedAt', recorded_at) FROM payments;"
    "INSERT INTO records (kind, key, text, num, stamp) SELECT 'session', session_id, user_id, expires_at,"
    "  expires_at FROM sessions;"
    "INSERT INTO records (kind, key, text) SELECT 'readwise-account', user_id, token FROM readwise_accounts;"
    "INSERT INTO records (kind, key, num, stamp) SELECT 'readwise-books', user_id, count, counted_at"
    "  FROM book_counts;"
    "INSERT INTO records (kind, key, num, stamp, expires_at) SELECT 'rate', key || char(31) || window_start,"
    "  hits, window_start, expires_at FROM rate_limits;"
    "DROP TABLE posts; DROP TABLE daily_views; DROP TABLE view_events; DROP TABLE milestones;"
    "DROP TABLE documents; DROP TABLE stripe_subscriptions; DROP TABLE stripe_customers; DROP TABLE payments;"
    "DROP TABLE sessions; DROP TABLE readwise_accounts; DROP TABLE book_counts; DROP TABLE rate_limits;",
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
    if (r == STORE_OK)
        *out = c;
    else
        sqlite_close(c);
    return r;
}


/* ------------------------------------------------------------------------ */
/* Records                                                                    */
/* ------------------------------------------------------------------------ */

/* A copy of a text column (NULL stays NULL); false when out of memory. */
static bool copy_text(sqlite3_stmt *st, int i, char **out)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    *out = v ? strdup(v) : NULL;
    return !v || *out;
}

static enum store_result out_of_memory(char *err)
{
    store_msg(err, "out of memory reading the SQLite database");
    return STORE_RETRY;
}

/* A live record: no expiry, or one still ahead. */
#define LIVE "(expires_at IS NULL OR expires_at > ?3)"

static enum store_result sqlite_get(struct store_conn *c, char *err, const char *kind, const char *key,
                                   struct store_record *out)
{
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT text, num, stamp, version FROM records WHERE kind = ?1 AND key = ?2 "
                                  "AND " LIVE,
                                  "ssi", kind, key, (int64_t)time(NULL));
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    if (row) {
        out->num = sqlite3_column_int64(st, 1);
        out->stamp = sqlite3_column_int64(st, 2);
        out->version = sqlite3_column_int64(st, 3);
        if (!copy_text(st, 0, &out->text))
            r = out_of_memory(err);
    }
    sqlite3_finalize(st);
    return r;
}

static enum store_result sqlite_list(struct store_conn *c, char *err, const char *kind, const char *from,
                                    const char *to, struct store_record **out, size_t *n)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT key, text, num, stamp, version FROM records WHERE kind = ?1 AND "
                                  "key >= ?2 AND (?3 IS NULL OR key < ?3) AND expires_at IS NULL ORDER BY key",
                                  "ssn", kind, from, to);
    if (r != STORE_OK)
        return r;
    struct store_record *recs = NULL;
    size_t count = 0, cap = 0;
    int rc = SQLITE_DONE;
    while (r == STORE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t more = cap ? 2 * cap : 16;
            struct store_record *grown = realloc(recs, more * sizeof *recs);
            if (!grown) {
                r = out_of_memory(err);
                break;
            }
            recs = grown;
            cap = more;
        }
        struct store_record *rec = &recs[count++];
        memset(rec, 0, sizeof *rec);
        rec->num = sqlite3_column_int64(st, 2);
        rec->stamp = sqlite3_column_int64(st, 3);
        rec->version = sqlite3_column_int64(st, 4);
        if (!copy_text(st, 0, &rec->key) || !rec->key || !copy_text(st, 1, &rec->text))
            r = out_of_memory(err);
    }
    sqlite3_finalize(st);
    if (r == STORE_OK && rc != SQLITE_DONE)
        r = fail(c, err, "read", rc);
    if (r != STORE_OK) {
        store_records_free(recs, count);
        return r;
    }
    *out = recs;
    *n = count;
    return STORE_OK;
}

/* Whether op's condition holds (inside the batch's transaction). */
static enum store_result condition_holds(struct store_conn *c, char *err, const struct store_op *op, int64_t now,
                                         bool *holds)
{
    if (op->cond == STORE_ALWAYS) {
        *holds = true;
        return STORE_OK;
    }
    sqlite3_stmt *st;
    bool row = false;
    enum store_result r = prepare(c, err, &st,
                                  "SELECT version FROM records WHERE kind = ?1 AND key = ?2 AND " LIVE, "ssi",
                                  op->kind, op->key, now);
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    int64_t version = row ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    *holds = op->cond == STORE_IF_ABSENT ? version == 0 : version == op->version;
    return STORE_OK;
}

/* One operation whose condition held.  An expired record is dropped first,
 * so a write finds it absent; a write with an expiry also drops the kind's
 * other expired records (the only clean-up SQLite gets). */
static enum store_result write_op(struct store_conn *c, char *err, struct store_op *op, int64_t now)
{
    sqlite3_stmt *st;
    enum store_result r = STORE_OK;
    if (op->op == STORE_OP_CHECK)
        return STORE_OK;
    if (op->expires_at &&
        (r = prepare(c, err, &st, "DELETE FROM records WHERE kind = ? AND expires_at <= ?", "si", op->kind,
                     now)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r == STORE_OK &&
        (r = prepare(c, err, &st, "DELETE FROM records WHERE kind = ? AND key = ? AND expires_at <= ?", "ssi",
                     op->kind, op->key, now)) == STORE_OK)
        r = run(c, err, st, NULL);
    if (r != STORE_OK || op->op == STORE_OP_DELETE) {
        if (r == STORE_OK &&
            (r = prepare(c, err, &st, "DELETE FROM records WHERE kind = ? AND key = ?", "ss", op->kind,
                         op->key)) == STORE_OK)
            r = run(c, err, st, NULL);
        return r;
    }
    int64_t expires = op->expires_at;
    if (op->op == STORE_OP_PUT) {
        r = prepare(c, err, &st,
                    "INSERT INTO records (kind, key, text, num, stamp, version, expires_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, 1, NULLIF(?6, 0)) ON CONFLICT (kind, key) DO UPDATE SET "
                    "text = excluded.text, num = excluded.num, stamp = excluded.stamp, "
                    "expires_at = excluded.expires_at, version = version + 1",
                    "ssniii", op->kind, op->key, op->text, op->num, op->stamp, expires);
        return r == STORE_OK ? run(c, err, st, NULL) : r;
    }
    bool row = false;
    r = prepare(c, err, &st,
                "INSERT INTO records (kind, key, num, stamp, version, expires_at) "
                "VALUES (?1, ?2, ?3, ?4, 1, NULLIF(?5, 0)) ON CONFLICT (kind, key) DO UPDATE SET "
                "num = num + excluded.num, version = version + 1 RETURNING num",
                "ssiii", op->kind, op->key, op->num, op->stamp, expires);
    if (r != STORE_OK || (r = first_row(c, err, st, &row)) != STORE_OK)
        return r;
    op->result = row ? sqlite3_column_int64(st, 0) : 0;
    /* finalize runs the statement to its end first (RETURNING) */
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? STORE_OK : fail(c, err, "write", rc);
}

static enum store_result sqlite_apply(struct store_conn *c, char *err, struct store_op *ops, size_t n,
                                      bool *applied)
{
    int64_t now = (int64_t)time(NULL);
    enum store_result r = begin_write(c, err);
    bool holds = true;
    for (size_t i = 0; r == STORE_OK && holds && i < n; i++)
        r = condition_holds(c, err, &ops[i], now, &holds);
    for (size_t i = 0; r == STORE_OK && holds && i < n; i++)
        r = write_op(c, err, &ops[i], now);
    if (r != STORE_OK) {
        finish(c, err, r);
        return r;
    }
    r = finish(c, err, STORE_OK); /* nothing was written when a condition failed */
    *applied = r == STORE_OK && holds;
    return r;
}

static enum store_result sqlite_delete_older(struct store_conn *c, char *err, const char *kind, int64_t stamp,
                                             int64_t *deleted)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st,
                                  "DELETE FROM records WHERE kind = ? AND stamp <= ? AND expires_at IS NULL", "si",
                                  kind, stamp);
    return r == STORE_OK ? run(c, err, st, deleted) : r;
}

static enum store_result sqlite_delete_kind(struct store_conn *c, char *err, const char *kind, int64_t *deleted)
{
    sqlite3_stmt *st;
    enum store_result r = prepare(c, err, &st, "DELETE FROM records WHERE kind = ? AND expires_at IS NULL", "s",
                                  kind);
    return r == STORE_OK ? run(c, err, st, deleted) : r;
}

const struct store_backend store_sqlite_backend = STORE_BACKEND("sqlite", sqlite);
