/*
 * store_redis.c — the store for several hosts: one Redis (standalone, not
 * Cluster) reached through hiredis, keys namespaced "inngest-fcgi:<prefix>:…"
 * so that environments (one app id each) can share a server.
 *
 * Every write that touches more than one key is one Lua script, so it is
 * atomic and a retried step repeats it safely (a key per counted view,
 * HSETNX a milestone, EXISTS a payment).  Scripts may derive keys from the
 * prefix and from index members (customers' subscriptions, days of views),
 * which a standalone server allows and Cluster would not.
 *
 * A lost connection (server down, timeout) is freed at once and re-opened by
 * the next call, which answers STORE_RETRY until the server is back.  The URL
 * may carry a password: it is sent in AUTH and appears in no message.  The
 * process must ignore SIGPIPE (the SDK's workers do), since hiredis writes to
 * a socket the server may have closed.
 *
 * Keys (P = "inngest-fcgi:<prefix>:"):
 *   P schema-version                      "2"
 *   P view-event:<event id>               "total:<n>" (the total it reached), STORE_VIEW_DEDUP_SECONDS expiry
 *   P views:total, P posts:title          hashes slug → total / title
 *   P views:day:<day>, P views:days       hash slug → views; zset of days (score YYYYMMDD)
 *   P milestones, P milestones:at, P milestones:post:<slug>
 *                                         hash "<milestone, 20 digits>:<slug>" → JSON record;
 *                                         zsets of those fields by reachedAt
 *   P doc:<kind>:<key>                    hash body, stamp (trending, summaries, GitHub)
 *   P stripe-subscription:<subscription id>
 *                                         hash customer_id, user_id, status, status_at,
 *                                         status_rank, event_id, updated_at
 *   P stripe-customer:<customer>, P stripe-customer:<customer>:subs
 *                                         the customer's user; set of its subscription ids
 *   P user:<user>:subs                    set of the user's subscription ids
 *   (P subscription:<user> hashes of version 1 are migrated: see SCHEMA_VERSION)
 *   P payment:<payment intent id>
 *   P sessions, P sessions:expiry         hash id → user; zset id by expiry
 *   P readwise:tokens, P readwise:books:<user>
 *   P rate:<key>:<window start>           hits of a rate-limit window, expiring at its end
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "product/store/store_backend.h"

/* 1  the first layout
 * 2  Stripe subscriptions by Stripe's id (stripe-subscription:<id>, with the
 *    customer's and the user's sets); the subscription:<user> hashes of 1 are
 *    carried over on first connection and removed, as are customer:<c>:users.
 *    (view-event keys of 1 hold "1" and answer the current total.) */
#define SCHEMA_VERSION 2

struct store_conn {
    redisContext *ctx; /* NULL after a lost connection: the next call reconnects */
    char *host;
    int port;
    int db;
    char *user;     /* NULL: AUTH <password> */
    char *password; /* NULL: no AUTH */
    char *prefix;   /* "inngest-fcgi:<prefix>:" */
    struct timeval timeout;
    char where[300]; /* "Redis at host:port/db", for messages */
};

/* ------------------------------------------------------------------------ */
/* REDIS_URL                                                                  */
/* ------------------------------------------------------------------------ */

static bool parse_number(const char *p, const char *end, long max, long *out)
{
    long v = 0;
    if (p == end || end - p > 9)
        return false;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* Reads redis://[[user]:password@]host[:port][/db] with the SDK's URL parser
 * (ing_url_parse).  Messages never quote the URL: it may hold a password. */
static enum store_result parse_url(const char *url, struct store_conn *c, char *err)
{
    if (strncmp(url, "rediss://", 9) == 0) {
        store_msg(err, "REDIS_URL: TLS (rediss://) is not supported; use redis:// on a private network");
        return STORE_FAILED;
    }
    if (strncmp(url, "redis://", 8) != 0) {
        store_msg(err, "REDIS_URL must start with redis://");
        return STORE_FAILED;
    }
    if (strpbrk(url, "?#")) {
        store_msg(err, "REDIS_URL: query parameters are not supported");
        return STORE_FAILED;
    }
    struct ing_url u;
    char why[160];
    if (!ing_url_parse(url, &u, why, sizeof why)) {
        store_msg(err, "REDIS_URL: %s", why);
        return STORE_FAILED;
    }
    enum store_result r = STORE_FAILED;
    if (u.user && !u.password) {
        store_msg(err, "REDIS_URL: write the password as redis://:password@host");
        goto done;
    }
    long port = 6379, db = 0;
    if (u.port && (!parse_number(u.port, u.port + strlen(u.port), 65535, &port) || port == 0)) {
        store_msg(err, "REDIS_URL: the port must be a number from 1 to 65535");
        goto done;
    }
    if (u.path && u.path[0] == '/' && u.path[1] &&
        !parse_number(u.path + 1, u.path + strlen(u.path), 100000, &db)) {
        store_msg(err, "REDIS_URL: the database after / must be a number");
        goto done;
    }
    /* the parts are malloc'd: the connection takes them over */
    c->host = u.host;
    u.host = NULL;
    if (u.user && *u.user) { /* redis://:password@host (no user): AUTH <password> */
        c->user = u.user;
        u.user = NULL;
    }
    c->password = u.password;
    u.password = NULL;
    c->port = (int)port;
    c->db = (int)db;
    snprintf(c->where, sizeof c->where, "Redis at %s:%d/%d", c->host, c->port, c->db);
    r = STORE_OK;
done:
    ing_url_free(&u);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                   */
/* ------------------------------------------------------------------------ */

#define MAX_ARGS 24

/* One command's arguments; the strings it formats are its own. */
struct args {
    int n;
    const char *v[MAX_ARGS];
    size_t len[MAX_ARGS];
    char *owned[MAX_ARGS];
    int n_owned;
    bool broken; /* out of memory or too many arguments */
};

static void arg(struct args *a, const char *s)
{
    if (a->n >= MAX_ARGS || !s) {
        a->broken = true;
        return;
    }
    a->v[a->n] = s;
    a->len[a->n] = strlen(s);
    a->n++;
}

__attribute__((format(printf, 2, 3))) static void argf(struct args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 && a->n_owned < MAX_ARGS ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
        a->owned[a->n_owned++] = s;
    }
    arg(a, s);
}

static void arg_int(struct args *a, int64_t v)
{
    argf(a, "%lld", (long long)v);
}

static void args_free(struct args *a)
{
    for (int i = 0; i < a->n_owned; i++)
        free(a->owned[i]);
}

/* Whether a Redis error may pass by itself (loading, busy, out of memory, a
 * replica, refused credentials the operator can fix). */
static enum store_result classify_error(const char *msg)
{
    static const char *const passing[] = {"LOADING", "BUSY", "OOM", "MASTERDOWN", "READONLY", "TRYAGAIN",
                                          "CLUSTERDOWN", "NOAUTH", "WRONGPASS", "NOPERM", "MISCONF"};
    for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++)
        if (strncmp(msg, passing[i], strlen(passing[i])) == 0)
            return STORE_RETRY;
    return STORE_FAILED;
}

static void drop_connection(struct store_conn *c)
{
    if (c->ctx)
        redisFree(c->ctx);
    c->ctx = NULL;
}

/* Checks a reply: NULL (connection lost) and error replies become a result
 * and a message; the reply is freed then. */
static enum store_result check_reply(struct store_conn *c, char *err, redisReply *reply, const char *what)
{
    if (!reply) {
        store_msg(err, "lost the connection to %s (%s): %s", c->where, what,
                  c->ctx && c->ctx->errstr[0] ? c->ctx->errstr : "no reply");
        drop_connection(c);
        return STORE_RETRY;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        store_msg(err, "%s refused %s: %.200s", c->where, what, reply->str);
        enum store_result r = classify_error(reply->str);
        freeReplyObject(reply);
        return r;
    }
    return STORE_OK;
}

/* Runs one command; *reply is NULL unless STORE_OK (the caller frees it). */
static enum store_result command(struct store_conn *c, char *err, struct args *a, const char *what,
                                 redisReply **reply)
{
    *reply = NULL;
    if (a->broken) {
        args_free(a);
        store_msg(err, "out of memory building a Redis command (%s)", what);
        return STORE_RETRY;
    }
    redisReply *r = redisCommandArgv(c->ctx, a->n, a->v, a->len);
    args_free(a);
    enum store_result res = check_reply(c, err, r, what);
    if (res == STORE_OK)
        *reply = r;
    return res;
}

/* A command whose reply does not matter beyond success. */
static enum store_result command_ok(struct store_conn *c, char *err, struct args *a, const char *what)
{
    redisReply *reply;
    enum store_result r = command(c, err, a, what, &reply);
    freeReplyObject(reply);
    return r;
}

/* A command answering an integer. */
static enum store_result command_int(struct store_conn *c, char *err, struct args *a, const char *what,
                                     int64_t *out)
{
    redisReply *reply;
    enum store_result r = command(c, err, a, what, &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type != REDIS_REPLY_INTEGER) {
        store_msg(err, "%s answered %s with something other than a number", c->where, what);
        r = STORE_FAILED;
    } else {
        *out = reply->integer;
    }
    freeReplyObject(reply);
    return r;
}

/* A key of this store: the namespace, then the formatted rest. */
__attribute__((format(printf, 3, 4))) static void key_arg(struct args *a, const struct store_conn *c,
                                                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t plen = strlen(c->prefix);
    char *s = n >= 0 && a->n_owned < MAX_ARGS ? malloc(plen + (size_t)n + 1) : NULL;
    if (s) {
        memcpy(s, c->prefix, plen);
        va_start(ap, fmt);
        vsnprintf(s + plen, (size_t)n + 1, fmt, ap);
        va_end(ap);
        a->owned[a->n_owned++] = s;
    }
    arg(a, s);
}

static void eval_args(struct args *a, const char *script, int numkeys)
{
    arg(a, "EVAL");
    arg(a, script);
    arg_int(a, numkeys);
}

/* A string or integer reply element as a number (0 for anything else). */
static int64_t reply_number(const redisReply *r)
{
    if (!r)
        return 0;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_STRING) {
        char *end;
        long long v = strtoll(r->str, &end, 10);
        /* a sorted-set score may come back as "1e+17" */
        return *end == '.' || *end == 'e' || *end == 'E' ? (int64_t)strtod(r->str, NULL) : v;
    }
    return 0;
}

/* Element i of an array reply as a JSON string ("" unless a string). */
static json_object *element_string(const redisReply *r, size_t i)
{
    const redisReply *e = r->element[i];
    return e->type == REDIS_REPLY_STRING ? json_object_new_string_len(e->str, (int)e->len)
                                         : json_object_new_string("");
}

/* The value of `field` in an HGETALL reply, NULL when absent. */
static const redisReply *hash_field(const redisReply *all, const char *field)
{
    if (!all || all->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < all->elements; i += 2)
        if (all->element[i]->type == REDIS_REPLY_STRING && strcmp(all->element[i]->str, field) == 0)
            return all->element[i + 1];
    return NULL;
}

static json_object *hash_string(const redisReply *all, const char *field)
{
    const redisReply *v = hash_field(all, field);
    return v && v->type == REDIS_REPLY_STRING ? json_object_new_string_len(v->str, (int)v->len) : NULL;
}

static json_object *hash_number(const redisReply *all, const char *field)
{
    return json_object_new_int64(reply_number(hash_field(all, field)));
}

/* ------------------------------------------------------------------------ */
/* Connecting                                                                 */
/* ------------------------------------------------------------------------ */

static enum store_result connect_now(struct store_conn *c, char *err)
{
    c->ctx = redisConnectWithTimeout(c->host, c->port, c->timeout);
    if (!c->ctx || c->ctx->err) {
        store_msg(err, "cannot connect to %s: %s", c->where, c->ctx ? c->ctx->errstr : "out of memory");
        drop_connection(c);
        return STORE_RETRY;
    }
    redisSetTimeout(c->ctx, c->timeout);
    struct args a = {0};
    enum store_result r = STORE_OK;
    if (c->password) {
        arg(&a, "AUTH");
        if (c->user)
            arg(&a, c->user);
        arg(&a, c->password);
        r = command_ok(c, err, &a, "the credentials in REDIS_URL (AUTH)");
    }
    if (r == STORE_OK && c->db) {
        struct args s = {0};
        arg(&s, "SELECT");
        arg_int(&s, c->db);
        r = command_ok(c, err, &s, "SELECT of the database in REDIS_URL");
    }
    int64_t version = 0;
    if (r == STORE_OK) {
        /* Whoever creates the namespace writes its version; a namespace of
         * version 1 is migrated in the same script (atomic: a second worker
         * connecting at the same time finds version 2). */
        static const char script[] =
            "local p = ARGV[2] "
            "redis.call('SET', KEYS[1], ARGV[1], 'NX') "
            "local v = tonumber(redis.call('GET', KEYS[1])) or -1 "
            "if v == 1 then "
            "  local from = string.len(p .. 'subscription:') + 1 "
            "  for _, k in ipairs(redis.call('KEYS', p .. 'subscription:*')) do "
            "    local user = string.sub(k, from) "
            "    local sub = redis.call('HGET', k, 'subscription_id') "
            "    local nk = sub and (p .. 'stripe-subscription:' .. sub) "
            "    if nk and redis.call('EXISTS', nk) == 0 then "
            "      local at = redis.call('HGET', k, 'updated_at') or '0' "
            "      redis.call('HSET', nk, 'user_id', user, 'status', redis.call('HGET', k, 'status') or 'active', "
            "                 'status_at', at, 'status_rank', '0', 'updated_at', at) "
            "      redis.call('SADD', p .. 'user:' .. user .. ':subs', sub) "
            "      local cust = redis.call('HGET', k, 'customer_id') "
            "      if cust then "
            "        redis.call('HSET', nk, 'customer_id', cust) "
            "        redis.call('SADD', p .. 'stripe-customer:' .. cust .. ':subs', sub) "
            "        redis.call('SET', p .. 'stripe-customer:' .. cust, user, 'NX') "
            "      end "
            "    end "
            "    redis.call('DEL', k) "
            "  end "
            "  for _, k in ipairs(redis.call('KEYS', p .. 'customer:*:users')) do redis.call('DEL', k) end "
            "  redis.call('SET', KEYS[1], '2') "
            "  v = 2 "
            "end "
            "return v";
        struct args v = {0};
        eval_args(&v, script, 1);
        key_arg(&v, c, "schema-version");
        arg_int(&v, SCHEMA_VERSION);
        arg(&v, c->prefix);
        r = command_int(c, err, &v, "the schema version", &version);
    }
    if (r == STORE_OK && version != SCHEMA_VERSION) {
        store_msg(err, "%s holds store schema version %lld, which this program (version %d) cannot use",
                  c->where, (long long)version, SCHEMA_VERSION);
        r = STORE_FAILED;
    }
    if (r != STORE_OK)
        drop_connection(c);
    return r;
}

static enum store_result connected(struct store_conn *c, char *err)
{
    return c->ctx ? STORE_OK : connect_now(c, err);
}

static void redis_close(struct store_conn *c)
{
    if (!c)
        return;
    drop_connection(c);
    free(c->host);
    free(c->user);
    if (c->password) {
        memset(c->password, 0, strlen(c->password));
        free(c->password);
    }
    free(c->prefix);
    free(c);
}

static enum store_result redis_open(const struct store_options *o, struct store_conn **out, char *err)
{
    *out = NULL;
    struct store_conn *c = calloc(1, sizeof *c);
    if (!c) {
        store_msg(err, "out of memory opening the Redis store");
        return STORE_RETRY;
    }
    size_t plen = strlen("inngest-fcgi:") + strlen(o->key_prefix) + 2;
    c->prefix = malloc(plen);
    if (c->prefix)
        snprintf(c->prefix, plen, "inngest-fcgi:%s:", o->key_prefix);
    c->timeout.tv_sec = o->redis_timeout_ms / 1000;
    c->timeout.tv_usec = (o->redis_timeout_ms % 1000) * 1000;
    enum store_result r = c->prefix ? parse_url(o->redis_url, c, err) : STORE_RETRY;
    if (!c->prefix)
        store_msg(err, "out of memory opening the Redis store");
    if (r == STORE_OK)
        r = connect_now(c, err);
    if (r != STORE_OK) {
        redis_close(c);
        return r;
    }
    *out = c;
    return STORE_OK;
}

/* Every operation starts here: a lost connection is re-opened first. */
#define CONNECTED(c, err)                                   \
    do {                                                    \
        enum store_result connected_ = connected(c, err);   \
        if (connected_ != STORE_OK)                         \
            return connected_;                              \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Views and milestones                                                       */
/* ------------------------------------------------------------------------ */

/* The event id's key holds "total:<n>", the total that event brought the
 * post to, so a repeat (a retried step whose answer was lost) answers the
 * same total as the first try; a key written before that holds "1" and
 * answers the current total. */
static const char record_view_script[] =
    "local seen = redis.call('GET', KEYS[1]) "
    "if seen then "
    "  local t = string.match(seen, '^total:(%d+)$') "
    "  if t then return {tonumber(t), 0} end "
    "  return {tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0'), 0} "
    "end "
    "local total = redis.call('HINCRBY', KEYS[2], ARGV[1], 1) "
    "redis.call('SET', KEYS[1], 'total:' .. total, 'EX', ARGV[3]) "
    "redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) "
    "redis.call('HINCRBY', KEYS[4], ARGV[1], 1) "
    "redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5]) "
    "return {total, 1}";

static enum store_result redis_record_view(struct store_conn *c, char *err, const char *slug, const char *title,
                                           const char *event_id, const char *day, int64_t now, int64_t *total,
                                           bool *counted_now)
{
    (void)now; /* Redis forgets the event id by itself (EX) */
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, record_view_script, 5);
    key_arg(&a, c, "view-event:%s", event_id);
    key_arg(&a, c, "views:total");
    key_arg(&a, c, "posts:title");
    key_arg(&a, c, "views:day:%s", day);
    key_arg(&a, c, "views:days");
    arg(&a, slug);
    arg(&a, title);
    arg_int(&a, STORE_VIEW_DEDUP_SECONDS);
    arg_int(&a, store_day_number(day));
    arg(&a, day);
    redisReply *reply;
    enum store_result r = command(c, err, &a, "counting a view", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        store_msg(err, "%s answered the view count in an unexpected shape", c->where);
        r = STORE_FAILED;
    } else {
        *total = reply_number(reply->element[0]);
        *counted_now = reply_number(reply->element[1]) == 1;
    }
    freeReplyObject(reply);
    return r;
}

static enum store_result redis_views_total(struct store_conn *c, char *err, const char *slug, int64_t *total)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HGET");
    key_arg(&a, c, "views:total");
    arg(&a, slug);
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading a view total", &reply);
    if (r == STORE_OK) {
        *total = reply_number(reply);
        freeReplyObject(reply);
    }
    return r;
}

static const char view_rows_script[] =
    "local out = {} "
    "for _, day in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[3])) do "
    "  local counts = redis.call('HGETALL', ARGV[1] .. day) "
    "  for i = 1, #counts, 2 do "
    "    out[#out + 1] = day "
    "    out[#out + 1] = counts[i] "
    "    out[#out + 1] = redis.call('HGET', KEYS[2], counts[i]) or '' "
    "    out[#out + 1] = counts[i + 1] "
    "  end "
    "end "
    "return out";

static enum store_result redis_view_rows(struct store_conn *c, char *err, const char *from_day,
                                         const char *to_day, json_object **out)
{
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, view_rows_script, 2);
    key_arg(&a, c, "views:days");
    key_arg(&a, c, "posts:title");
    key_arg(&a, c, "views:day:");
    arg_int(&a, store_day_number(from_day));
    if (to_day)
        arg_int(&a, store_day_number(to_day));
    else
        arg(&a, "+inf");
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading views by day", &reply);
    if (r != STORE_OK)
        return r;
    json_object *rows = json_object_new_array();
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i + 3 < reply->elements; i += 4) {
        json_object *row = json_object_new_object();
        json_object_object_add(row, "day", element_string(reply, i));
        json_object_object_add(row, "slug", element_string(reply, i + 1));
        json_object_object_add(row, "title", element_string(reply, i + 2));
        json_object_object_add(row, "views", json_object_new_int64(reply_number(reply->element[i + 3])));
        json_object_array_add(rows, row);
    }
    freeReplyObject(reply);
    *out = rows;
    return STORE_OK;
}

static const char record_milestone_script[] =
    "if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then "
    "  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) "
    "  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) "
    "  return 1 "
    "end "
    "return 0";

static enum store_result redis_record_milestone(struct store_conn *c, char *err, const char *slug,
                                                const char *title, int64_t milestone, int64_t total_views,
                                                int64_t reached_at, bool *is_new)
{
    CONNECTED(c, err);
    json_object *rec = json_object_new_object();
    json_object_object_add(rec, "slug", json_object_new_string(slug));
    json_object_object_add(rec, "title", json_object_new_string(title));
    json_object_object_add(rec, "milestone", json_object_new_int64(milestone));
    json_object_object_add(rec, "totalViews", json_object_new_int64(total_views));
    json_object_object_add(rec, "reachedAt", json_object_new_int64(reached_at));
    struct args a = {0};
    eval_args(&a, record_milestone_script, 3);
    key_arg(&a, c, "milestones");
    key_arg(&a, c, "milestones:at");
    key_arg(&a, c, "milestones:post:%s", slug);
    /* zero-padded so that equal times order by milestone, then slug, as SQLite does */
    argf(&a, "%020lld:%s", (long long)milestone, slug);
    arg(&a, json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN));
    arg_int(&a, reached_at);
    int64_t added = 0;
    enum store_result r = command_int(c, err, &a, "recording a milestone", &added);
    json_object_put(rec);
    *is_new = added == 1;
    return r;
}

static const char milestone_rows_script[] =
    "local fields = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2]) "
    "if #fields == 0 then return {} end "
    "local out = {} "
    "for _, f in ipairs(fields) do out[#out + 1] = redis.call('HGET', KEYS[2], f) or 'null' end "
    "return out";

static enum store_result redis_milestone_rows(struct store_conn *c, char *err, const char *slug, int64_t from,
                                              int64_t to, json_object **out)
{
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, milestone_rows_script, 2);
    if (slug)
        key_arg(&a, c, "milestones:post:%s", slug);
    else
        key_arg(&a, c, "milestones:at");
    key_arg(&a, c, "milestones");
    if (from == INT64_MIN)
        arg(&a, "-inf");
    else
        arg_int(&a, from);
    if (to == INT64_MAX)
        arg(&a, "+inf");
    else
        arg_int(&a, to);
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading milestones", &reply);
    if (r != STORE_OK)
        return r;
    json_object *rows = json_object_new_array();
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        json_object *rec = reply->element[i]->type == REDIS_REPLY_STRING
                               ? store_json_from_text(reply->element[i]->str) : NULL;
        if (!json_object_is_type(rec, json_type_object)) {
            json_object_put(rec);
            store_msg(err, "%s holds a milestone that is not a JSON object (corrupt store)", c->where);
            r = STORE_FAILED;
            break;
        }
        json_object_array_add(rows, rec);
    }
    freeReplyObject(reply);
    if (r != STORE_OK) {
        json_object_put(rows);
        return r;
    }
    *out = rows;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Documents                                                                  */
/* ------------------------------------------------------------------------ */

static enum store_result redis_put_doc(struct store_conn *c, char *err, const char *kind, const char *key,
                                       const char *text, int64_t stamp)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HSET");
    key_arg(&a, c, "doc:%s:%s", kind, key);
    arg(&a, "body");
    arg(&a, text);
    arg(&a, "stamp");
    arg_int(&a, stamp);
    return command_ok(c, err, &a, "storing a document");
}

static enum store_result redis_get_doc(struct store_conn *c, char *err, const char *kind, const char *key,
                                       char **text, int64_t *stamp)
{
    *text = NULL;
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HMGET");
    key_arg(&a, c, "doc:%s:%s", kind, key);
    arg(&a, "body");
    arg(&a, "stamp");
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading a document", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 && reply->element[0]->type == REDIS_REPLY_STRING) {
        *stamp = reply_number(reply->element[1]);
        if (!(*text = strdup(reply->element[0]->str))) {
            store_msg(err, "out of memory reading from %s", c->where);
            r = STORE_RETRY;
        }
    }
    freeReplyObject(reply);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Stripe                                                                     */
/* ------------------------------------------------------------------------ */

/* store.h's rule for subscriptions (store_backend.h), atomically.
 * KEYS[1] the subscription's hash; ARGV: 1 id, 2 customer, 3 user, 4 status
 * ('' = none), 5 at, 6 rank, 7 derived ('1'), 8 event id, 9 now, 10 the
 * key prefix (for the customer's and the user's sets). */
static const char update_subscription_script[] =
    "local k, p = KEYS[1], ARGV[10] "
    "local changed = redis.call('EXISTS', k) == 0 "
    "local cust = redis.call('HGET', k, 'customer_id') "
    "if ARGV[2] ~= '' and cust ~= ARGV[2] then "
    "  if cust then redis.call('SREM', p .. 'stripe-customer:' .. cust .. ':subs', ARGV[1]) end "
    "  cust = ARGV[2] "
    "  redis.call('HSET', k, 'customer_id', cust) "
    "  redis.call('SADD', p .. 'stripe-customer:' .. cust .. ':subs', ARGV[1]) "
    "  changed = true "
    "end "
    "local old = redis.call('HGET', k, 'user_id') "
    "local user = ARGV[3] "
    "if user == '' and not old and cust then user = redis.call('GET', p .. 'stripe-customer:' .. cust) or '' end "
    "if user ~= '' and user ~= old then "
    "  if old then redis.call('SREM', p .. 'user:' .. old .. ':subs', ARGV[1]) end "
    "  redis.call('HSET', k, 'user_id', user) "
    "  redis.call('SADD', p .. 'user:' .. user .. ':subs', ARGV[1]) "
    "  changed = true "
    "end "
    "local applied = 0 "
    "if ARGV[4] ~= '' then "
    "  local cur = redis.call('HGET', k, 'status') "
    "  local ok = true "
    "  if cur then "
    "    local at, cat = tonumber(ARGV[5]), tonumber(redis.call('HGET', k, 'status_at') or '0') "
    "    local rank, crank = tonumber(ARGV[6]), tonumber(redis.call('HGET', k, 'status_rank') or '0') "
    "    ok = at > cat or (at == cat and rank > crank) "
    "    if ARGV[7] == '1' and (cur == 'canceled' or cur == 'incomplete_expired') then ok = false end "
    "  end "
    "  if ok then "
    "    redis.call('HSET', k, 'status', ARGV[4], 'status_at', ARGV[5], 'status_rank', ARGV[6]) "
    "    if ARGV[8] ~= '' then redis.call('HSET', k, 'event_id', ARGV[8]) else redis.call('HDEL', k, 'event_id') end "
    "    applied = 1 "
    "    changed = true "
    "  end "
    "end "
    "if changed then redis.call('HSET', k, 'updated_at', ARGV[9]) end "
    "return applied";

static enum store_result redis_update_subscription(struct store_conn *c, char *err,
                                                   const struct store_subscription_update *u, int rank,
                                                   int64_t now, bool *applied)
{
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, update_subscription_script, 1);
    key_arg(&a, c, "stripe-subscription:%s", u->subscription_id);
    arg(&a, u->subscription_id);
    arg(&a, u->customer_id ? u->customer_id : "");
    arg(&a, u->user_id ? u->user_id : "");
    arg(&a, u->status ? u->status : "");
    arg_int(&a, u->at);
    arg_int(&a, rank);
    arg(&a, u->derived ? "1" : "0");
    arg(&a, u->event_id ? u->event_id : "");
    arg_int(&a, now);
    arg(&a, c->prefix);
    int64_t n = 0;
    enum store_result r = command_int(c, err, &a, "storing a subscription", &n);
    *applied = r == STORE_OK && n == 1;
    return r;
}

/* KEYS[1] the customer's user; ARGV: 1 customer, 2 user, 3 prefix. */
static const char link_customer_script[] =
    "redis.call('SET', KEYS[1], ARGV[2]) "
    "local p = ARGV[3] "
    "for _, id in ipairs(redis.call('SMEMBERS', p .. 'stripe-customer:' .. ARGV[1] .. ':subs')) do "
    "  local k = p .. 'stripe-subscription:' .. id "
    "  if not redis.call('HGET', k, 'user_id') then "
    "    redis.call('HSET', k, 'user_id', ARGV[2]) "
    "    redis.call('SADD', p .. 'user:' .. ARGV[2] .. ':subs', id) "
    "  end "
    "end "
    "return 1";

static enum store_result redis_link_customer(struct store_conn *c, char *err, const char *customer_id,
                                             const char *user_id)
{
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, link_customer_script, 1);
    key_arg(&a, c, "stripe-customer:%s", customer_id);
    arg(&a, customer_id);
    arg(&a, user_id);
    arg(&a, c->prefix);
    return command_ok(c, err, &a, "linking a customer");
}

/* One stored hash field and the JSON member it becomes. */
struct hash_member {
    const char *json, *field;
    bool number;
};

/* HGETALL key → {id_member: id, json: field …}; *out stays unset when the
 * hash does not exist. */
static enum store_result read_hash(struct store_conn *c, char *err, const char *what,
                                   const char *prefix, const char *id, const char *id_member,
                                   const struct hash_member *members, json_object **out)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HGETALL");
    key_arg(&a, c, "%s%s", prefix, id);
    redisReply *reply;
    enum store_result r = command(c, err, &a, what, &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, id_member, json_object_new_string(id));
        for (const struct hash_member *m = members; m->json; m++)
            json_object_object_add(o, m->json, m->number ? hash_number(reply, m->field)
                                                         : hash_string(reply, m->field));
        *out = o;
    }
    freeReplyObject(reply);
    return STORE_OK;
}

static const struct hash_member subscription_members[] = {
    {"customerId", "customer_id", false}, {"userId", "user_id", false},
    {"status", "status", false},          {"statusAt", "status_at", true},
    {"eventId", "event_id", false},       {"updatedAt", "updated_at", true},
    {NULL, NULL, false}};

static enum store_result redis_get_subscription(struct store_conn *c, char *err, const char *subscription_id,
                                                json_object **out)
{
    return read_hash(c, err, "reading a subscription", "stripe-subscription:", subscription_id,
                     "subscriptionId", subscription_members, out);
}

static enum store_result redis_list_subscriptions(struct store_conn *c, char *err, const char *user_id,
                                                  json_object **out)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "SMEMBERS");
    key_arg(&a, c, "user:%s:subs", user_id);
    redisReply *reply;
    enum store_result r = command(c, err, &a, "listing a user's subscriptions", &reply);
    if (r != STORE_OK)
        return r;
    json_object *list = json_object_new_array();
    for (size_t i = 0; r == STORE_OK && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type != REDIS_REPLY_STRING || e->len > STORE_MAX_ID)
            continue;
        json_object *sub = NULL;
        r = redis_get_subscription(c, err, e->str, &sub);
        if (sub)
            json_object_array_add(list, sub);
    }
    freeReplyObject(reply);
    if (r != STORE_OK) {
        json_object_put(list);
        return r;
    }
    *out = list;
    return STORE_OK;
}

static const char record_payment_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
    "redis.call('HSET', KEYS[1], 'amount', ARGV[1], 'currency', ARGV[2], 'status', ARGV[4], "
    "  'recorded_at', ARGV[5]) "
    "if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'customer', ARGV[3]) end "
    "return 1";

static enum store_result redis_record_payment(struct store_conn *c, char *err, const char *id, int64_t amount,
                                              const char *currency, const char *customer, const char *status,
                                              int64_t now, bool *is_new)
{
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, record_payment_script, 1);
    key_arg(&a, c, "payment:%s", id);
    arg_int(&a, amount);
    arg(&a, currency);
    arg(&a, customer ? customer : "");
    arg(&a, status);
    arg_int(&a, now);
    int64_t added = 0;
    enum store_result r = command_int(c, err, &a, "recording a payment", &added);
    *is_new = added == 1;
    return r;
}

static enum store_result redis_get_payment(struct store_conn *c, char *err, const char *id, json_object **out)
{
    static const struct hash_member members[] = {
        {"amount", "amount", true},   {"currency", "currency", false},
        {"customer", "customer", false}, {"status", "status", false},
        {"recordedAt", "recorded_at", true}, {NULL, NULL, false}};
    return read_hash(c, err, "reading a payment", "payment:", id, "id", members, out);
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                   */
/* ------------------------------------------------------------------------ */

static enum store_result redis_put_session(struct store_conn *c, char *err, const char *id, const char *user_id,
                                           int64_t expires_at)
{
    static const char script[] = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
                                 "redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) return 1";
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, script, 2);
    key_arg(&a, c, "sessions");
    key_arg(&a, c, "sessions:expiry");
    arg(&a, id);
    arg(&a, user_id);
    arg_int(&a, expires_at);
    return command_ok(c, err, &a, "storing a session");
}

static enum store_result redis_get_session(struct store_conn *c, char *err, const char *id, char *user_id,
                                           size_t user_id_size, int64_t *expires_at, bool *found)
{
    static const char script[] = "local user = redis.call('HGET', KEYS[1], ARGV[1]) "
                                 "if not user then return {} end "
                                 "return {user, redis.call('ZSCORE', KEYS[2], ARGV[1]) or '0'}";
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, script, 2);
    key_arg(&a, c, "sessions");
    key_arg(&a, c, "sessions:expiry");
    arg(&a, id);
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading a session", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 && reply->element[0]->type == REDIS_REPLY_STRING) {
        *found = true;
        *expires_at = reply_number(reply->element[1]);
        if (user_id_size && reply->element[0]->len >= user_id_size) {
            store_msg(err, "the stored user id does not fit the caller's buffer");
            r = STORE_FAILED;
        } else if (user_id_size) {
            memcpy(user_id, reply->element[0]->str, reply->element[0]->len + 1);
        }
    }
    freeReplyObject(reply);
    return r;
}

static enum store_result redis_delete_expired_sessions(struct store_conn *c, char *err, int64_t now,
                                                       int64_t *deleted)
{
    static const char script[] = "local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1]) "
                                 "for _, id in ipairs(ids) do redis.call('HDEL', KEYS[1], id) end "
                                 "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1]) "
                                 "return #ids";
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, script, 2);
    key_arg(&a, c, "sessions");
    key_arg(&a, c, "sessions:expiry");
    arg_int(&a, now);
    return command_int(c, err, &a, "deleting expired sessions", deleted);
}

static enum store_result redis_delete_all_sessions(struct store_conn *c, char *err, int64_t *deleted)
{
    static const char script[] = "local n = redis.call('HLEN', KEYS[1]) "
                                 "redis.call('DEL', KEYS[1], KEYS[2]) "
                                 "return n";
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, script, 2);
    key_arg(&a, c, "sessions");
    key_arg(&a, c, "sessions:expiry");
    return command_int(c, err, &a, "deleting every session", deleted);
}

/* ------------------------------------------------------------------------ */
/* Readwise                                                                   */
/* ------------------------------------------------------------------------ */

static enum store_result redis_put_readwise_account(struct store_conn *c, char *err, const char *user_id,
                                                    const char *token)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HSET");
    key_arg(&a, c, "readwise:tokens");
    arg(&a, user_id);
    arg(&a, token);
    return command_ok(c, err, &a, "storing a Readwise account");
}

static enum store_result redis_get_readwise_token(struct store_conn *c, char *err, const char *user_id, char *out,
                                                  size_t out_size, bool *found)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HGET");
    key_arg(&a, c, "readwise:tokens");
    arg(&a, user_id);
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading a Readwise account", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type == REDIS_REPLY_STRING) {
        if (reply->len >= out_size) {
            store_msg(err, "the stored Readwise token does not fit the caller's buffer");
            r = STORE_FAILED;
        } else {
            memcpy(out, reply->str, reply->len + 1);
            *found = true;
        }
        memset(reply->str, 0, reply->len);
    }
    freeReplyObject(reply);
    return r;
}

static enum store_result redis_list_readwise_accounts(struct store_conn *c, char *err, json_object **out)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HKEYS");
    key_arg(&a, c, "readwise:tokens");
    redisReply *reply;
    enum store_result r = command(c, err, &a, "listing Readwise accounts", &reply);
    if (r != STORE_OK)
        return r;
    json_object *ids = json_object_new_array();
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            json_object_array_add(ids, json_object_new_string(reply->element[i]->str));
    freeReplyObject(reply);
    *out = ids;
    return STORE_OK;
}

static enum store_result redis_put_book_count(struct store_conn *c, char *err, const char *user_id, int64_t count,
                                              int64_t counted_at)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HSET");
    key_arg(&a, c, "readwise:books:%s", user_id);
    arg(&a, "count");
    arg_int(&a, count);
    arg(&a, "counted_at");
    arg_int(&a, counted_at);
    return command_ok(c, err, &a, "storing a book count");
}

static enum store_result redis_get_book_count(struct store_conn *c, char *err, const char *user_id,
                                              int64_t *count, int64_t *counted_at, bool *found)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HMGET");
    key_arg(&a, c, "readwise:books:%s", user_id);
    arg(&a, "count");
    arg(&a, "counted_at");
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading a book count", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 && reply->element[0]->type == REDIS_REPLY_STRING) {
        *found = true;
        *count = reply_number(reply->element[0]);
        *counted_at = reply_number(reply->element[1]);
    }
    freeReplyObject(reply);
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Rate limits                                                                */
/* ------------------------------------------------------------------------ */

/* One counter per key and window; the first hit sets its expiry, in the same
 * script, so no counter outlives its window. */
static const char rate_hit_script[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end "
    "return n";

static enum store_result redis_rate_hit(struct store_conn *c, char *err, const char *key, int64_t window_start,
                                        int64_t window_end, int64_t now, int64_t *hits)
{
    (void)now; /* Redis drops a passed window by itself (EXPIREAT) */
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, rate_hit_script, 1);
    key_arg(&a, c, "rate:%s:%lld", key, (long long)window_start);
    arg_int(&a, window_end);
    redisReply *reply;
    enum store_result r = command(c, err, &a, "counting a rate-limit hit", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type != REDIS_REPLY_INTEGER) {
        store_msg(err, "%s answered a rate-limit count in an unexpected shape", c->where);
        r = STORE_FAILED;
    } else {
        *hits = reply->integer;
    }
    freeReplyObject(reply);
    return r;
}

const struct store_backend store_redis_backend = {
    .name = "redis",
    .open = redis_open,
    .close = redis_close,
    .record_view = redis_record_view,
    .views_total = redis_views_total,
    .view_rows = redis_view_rows,
    .record_milestone = redis_record_milestone,
    .milestone_rows = redis_milestone_rows,
    .put_doc = redis_put_doc,
    .get_doc = redis_get_doc,
    .update_subscription = redis_update_subscription,
    .link_customer = redis_link_customer,
    .get_subscription = redis_get_subscription,
    .list_subscriptions = redis_list_subscriptions,
    .record_payment = redis_record_payment,
    .get_payment = redis_get_payment,
    .put_session = redis_put_session,
    .get_session = redis_get_session,
    .delete_expired_sessions = redis_delete_expired_sessions,
    .delete_all_sessions = redis_delete_all_sessions,
    .put_readwise_account = redis_put_readwise_account,
    .get_readwise_token = redis_get_readwise_token,
    .list_readwise_accounts = redis_list_readwise_accounts,
    .put_book_count = redis_put_book_count,
    .get_book_count = redis_get_book_count,
    .rate_hit = redis_rate_hit,
};
