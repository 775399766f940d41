/*
 * store_redis.c — the store for several hosts: one Redis (standalone, not
 * Cluster) reached through hiredis, keys namespaced "inngest-fcgi:<prefix>:…"
 * so that environments (one app id each) can share a server.
 *
 * It keeps store_backend.h's records and knows nothing of the app's domain
 * (only the layout migrations below name the keys of earlier layouts).  A
 * batch is one generic Lua script that checks every condition and then
 * writes, so it is atomic; scripts derive keys from the prefix, which a
 * standalone server allows and Cluster would not.
 *
 * A lost connection (server down, timeout) is freed at once and re-opened by
 * the next call, which answers STORE_RETRY until the server is back.  The URL
 * may carry a password: it is sent in AUTH and appears in no message.  The
 * process must ignore SIGPIPE (the SDK's workers do), since hiredis writes to
 * a socket the server may have closed.
 *
 * Keys (P = "inngest-fcgi:<prefix>:"):
 *   P schema-version        "3" (the layout; see SCHEMA_VERSION)
 *   P r:<kind>:<key>        hash t (text, absent when none), n, s (stamp), v (version)
 *   P k:<kind>              zset of the kind's keys, score 0 (listed by ZRANGEBYLEX)
 *   P s:<kind>              zset of the kind's keys by stamp (deleted by ZRANGEBYSCORE)
 * A record with an expiry has an EXPIREAT and is in neither zset.
 */
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
 *    (view-event keys of 1 hold "1" and answer the current total.)
 * 3  records (the keys above): every key of 2 carried over into its kind and
 *    removed, on first connection, in the same script (V2_TO_V3).  Layout 2
 *    was: view-event:<id> "total:<n>"; views:total, posts:title (hashes by
 *    slug); views:day:<day> hashes and the views:days zset; milestones (hash
 *    "<milestone, 20 digits>:<slug>" → JSON) with milestones:at and
 *    milestones:post:<slug> zsets; doc:<kind>:<key> hashes body, stamp;
 *    stripe-subscription:<id> hashes, stripe-customer:<c> (its user) and
 *    stripe-customer:<c>:subs, user:<u>:subs sets; payment:<id> hashes;
 *    sessions hash with the sessions:expiry zset; readwise:tokens hash,
 *    readwise:books:<user> hashes; rate:<key>:<window start> counters. */
#define SCHEMA_VERSION 3

/* Layout 2 → 3, inside the connection's version script (ARGV[2] the prefix p,
 * ARGV[3] how long a view event id is remembered): every key of 2 becomes
 * the record of its kind (the domain files' comments say what each holds)
 * and is deleted; keys that expire keep their time to live.  Written once
 * for this history and never changed. */
#define V2_TO_V3                                                                                          \
    "local dedup = tonumber(ARGV[3]) "                                                                    \
    "local function put(kind, key, t, n, st, ttl) "                                                       \
    "  local k = p .. 'r:' .. kind .. ':' .. key "                                                        \
    "  redis.call('DEL', k) "                                                                             \
    "  redis.call('HSET', k, 'n', n or 0, 's', st or 0, 'v', 1) "                                         \
    "  if t then redis.call('HSET', k, 't', t) end "                                                      \
    "  if ttl then redis.call('EXPIRE', k, ttl) else "                                                    \
    "    redis.call('ZADD', p .. 'k:' .. kind, 0, key) "                                                  \
    "    redis.call('ZADD', p .. 's:' .. kind, st or 0, key) end "                                        \
    "end "                                                                                                \
    "local function each(pattern, f) "                                                                    \
    "  for _, k in ipairs(redis.call('KEYS', p .. pattern)) do f(k, string.sub(k, string.len(p) + 1)) "   \
    "  redis.call('DEL', k) end "                                                                         \
    "end "                                                                                                \
    "local function num(x) return tonumber(x or '0') or 0 end "                                           \
    "local function opt(x) if x then return x end return cjson.null end "                                 \
    "each('view-event:*', function(k, rest) "                                                             \
    "  local seen = redis.call('GET', k) or '' "                                                          \
    "  local ttl = redis.call('TTL', k) "                                                                 \
    "  if ttl <= 0 then ttl = dedup end "                                                                 \
    "  put('view-event', string.sub(rest, 12), false, tonumber(string.match(seen, '^total:(%d+)$')) or -1, " \
    "      0, ttl) end) "                                                                                 \
    "local totals = redis.call('HGETALL', p .. 'views:total') "                                           \
    "for i = 1, #totals, 2 do "                                                                           \
    "  put('views-total', totals[i], redis.call('HGET', p .. 'posts:title', totals[i]) or '', "          \
    "      num(totals[i + 1])) end "                                                                      \
    "for _, day in ipairs(redis.call('ZRANGE', p .. 'views:days', 0, -1)) do "                            \
    "  local counts = redis.call('HGETALL', p .. 'views:day:' .. day) "                                   \
    "  for i = 1, #counts, 2 do put('views-day', day .. '\\31' .. counts[i], false, num(counts[i + 1])) end " \
    "  redis.call('DEL', p .. 'views:day:' .. day) "                                                      \
    "end "                                                                                                \
    "local ms = redis.call('HGETALL', p .. 'milestones') "                                                \
    "for i = 1, #ms, 2 do "                                                                               \
    "  local m, slug = string.match(ms[i], '^(%d+):(.*)$') "                                              \
    "  if m then put('milestone', slug .. '\\31' .. m, ms[i + 1], 0, "                                    \
    "    num(redis.call('ZSCORE', p .. 'milestones:at', ms[i]))) end "                                    \
    "end "                                                                                                \
    "redis.call('DEL', p .. 'views:total', p .. 'posts:title', p .. 'views:days', p .. 'milestones', "    \
    "  p .. 'milestones:at') "                                                                            \
    "each('milestones:post:*', function() end) "                                                          \
    "each('doc:*', function(k, rest) "                                                                    \
    "  local kind, key = string.match(rest, '^doc:([^:]*):(.*)$') "                                       \
    "  local d = redis.call('HMGET', k, 'body', 'stamp') "                                                \
    "  if kind and d[1] then put(kind, key, d[1], 0, num(d[2])) end end) "                                \
    "each('stripe-subscription:*', function(k, rest) "                                                    \
    "  local id = string.sub(rest, 21) "                                                                  \
    "  local h = redis.call('HMGET', k, 'customer_id', 'user_id', 'status', 'status_at', 'status_rank', " \
    "    'event_id', 'updated_at') "                                                                      \
    "  put('subscription', id, cjson.encode({customerId = opt(h[1]), userId = opt(h[2]), "               \
    "    status = opt(h[3]), statusAt = num(h[4]), statusRank = num(h[5]), eventId = opt(h[6]), "         \
    "    updatedAt = num(h[7])})) "                                                                       \
    "  if h[1] then put('customer-sub', h[1] .. '\\31' .. id, id) end "                                   \
    "  if h[2] then put('user-sub', h[2] .. '\\31' .. id, id) end end) "                                  \
    "each('stripe-customer:*', function(k, rest) "                                                        \
    "  if redis.call('TYPE', k).ok == 'string' then "                                                     \
    "    put('customer', string.sub(rest, 17), redis.call('GET', k)) end end) "                           \
    "each('user:*:subs', function() end) "                                                                \
    "each('payment:*', function(k, rest) "                                                                \
    "  local h = redis.call('HMGET', k, 'amount', 'currency', 'customer', 'status', 'recorded_at') "      \
    "  put('payment', string.sub(rest, 9), cjson.encode({amount = num(h[1]), currency = h[2] or '', "     \
    "    customer = opt(h[3]), status = h[4] or '', recordedAt = num(h[5])})) end) "                     \
    "local ss = redis.call('HGETALL', p .. 'sessions') "                                                  \
    "for i = 1, #ss, 2 do "                                                                               \
    "  local exp = num(redis.call('ZSCORE', p .. 'sessions:expiry', ss[i])) "                             \
    "  put('session', ss[i], ss[i + 1], exp, exp) end "                                                   \
    "local tokens = redis.call('HGETALL', p .. 'readwise:tokens') "                                       \
    "for i = 1, #tokens, 2 do put('readwise-account', tokens[i], tokens[i + 1]) end "                     \
    "redis.call('DEL', p .. 'sessions', p .. 'sessions:expiry', p .. 'readwise:tokens') "                 \
    "each('readwise:books:*', function(k, rest) "                                                         \
    "  local h = redis.call('HMGET', k, 'count', 'counted_at') "                                          \
    "  put('readwise-books', string.sub(rest, 16), false, num(h[1]), num(h[2])) end) "                    \
    "each('rate:*', function(k, rest) "                                                                   \
    "  local key, w = string.match(string.sub(rest, 6), '^(.*):(%d+)$') "                                 \
    "  local ttl = redis.call('TTL', k) "                                                                 \
    "  if key and ttl > 0 then put('rate', key .. '\\31' .. w, false, num(redis.call('GET', k)), num(w), ttl) end end) "

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

/* One command's arguments, growing as needed; the strings it formats are its own. */
struct args {
    int n, cap;
    void *block;  /* v, owned and len in one allocation of cap slots each */
    const char **v;
    char **owned; /* one per argument: NULL unless formatted here */
    size_t *len;
    bool broken;  /* out of memory */
};

static bool args_room(struct args *a)
{
    if (a->broken || a->n < a->cap)
        return !a->broken;
    int cap = a->cap ? 2 * a->cap : 16;
    void *block = calloc((size_t)cap, 2 * sizeof(char *) + sizeof(size_t));
    if (!block) {
        a->broken = true;
        return false;
    }
    const char **v = block;
    char **owned = (char **)(v + cap);
    size_t *len = (size_t *)(owned + cap);
    for (int i = 0; i < a->n; i++) {
        v[i] = a->v[i];
        owned[i] = a->owned[i];
        len[i] = a->len[i];
    }
    free(a->block);
    *a = (struct args){.n = a->n, .cap = cap, .block = block, .v = v, .owned = owned, .len = len};
    return true;
}

/* Adds s (borrowed; or owned, freed with the arguments); NULL breaks the command. */
static void arg_take(struct args *a, const char *s, size_t len, char *owned)
{
    if (!s || !args_room(a)) {
        a->broken = true;
        free(owned);
        return;
    }
    a->v[a->n] = s;
    a->len[a->n] = len;
    a->owned[a->n] = owned;
    a->n++;
}

static void arg(struct args *a, const char *s)
{
    arg_take(a, s, s ? strlen(s) : 0, NULL);
}

__attribute__((format(printf, 2, 3))) static void argf(struct args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    arg_take(a, s, s ? (size_t)n : 0, s);
}

static void arg_int(struct args *a, int64_t v)
{
    argf(a, "%lld", (long long)v);
}

static void args_free(struct args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->owned[i]);
    free(a->block);
    memset(a, 0, sizeof *a);
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
    char *s = n >= 0 ? malloc(plen + (size_t)n + 1) : NULL;
    if (s) {
        memcpy(s, c->prefix, plen);
        va_start(ap, fmt);
        vsnprintf(s + plen, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    arg_take(a, s, s ? plen + (size_t)n : 0, s);
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
         * an older layout is migrated in the same script, 1 → 2 → 3 (atomic:
         * a second worker connecting at the same time finds version 3). */
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
            "if v == 2 then " V2_TO_V3 " redis.call('SET', KEYS[1], '3') v = 3 end "
            "return v";
        struct args v = {0};
        eval_args(&v, script, 1);
        key_arg(&v, c, "schema-version");
        arg_int(&v, SCHEMA_VERSION);
        arg(&v, c->prefix);
        arg_int(&v, STORE_VIEW_DEDUP_SECONDS);
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
/* Records                                                                    */
/* ------------------------------------------------------------------------ */

/* A reply element as a malloc'd string (NULL for a nil); false when out of memory. */
static bool element_text(const redisReply *e, char **out)
{
    *out = NULL;
    if (!e || e->type != REDIS_REPLY_STRING)
        return true;
    *out = malloc(e->len + 1);
    if (!*out)
        return false;
    memcpy(*out, e->str, e->len);
    (*out)[e->len] = '\0';
    return true;
}

/* Fills rec from the four elements t, n, s, v at e (a nil v: absent). */
static bool read_record(redisReply **e, struct store_record *rec)
{
    if (!e[3] || e[3]->type == REDIS_REPLY_NIL)
        return true;
    rec->num = reply_number(e[1]);
    rec->stamp = reply_number(e[2]);
    rec->version = reply_number(e[3]);
    return element_text(e[0], &rec->text);
}

/* Clears a reply's strings before it is freed: a record may be a token. */
static void free_reply(redisReply *r)
{
    if (!r)
        return;
    if (r->type == REDIS_REPLY_STRING && r->str)
        memset(r->str, 0, r->len);
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        if (r->element[i] && r->element[i]->type == REDIS_REPLY_STRING && r->element[i]->str)
            memset(r->element[i]->str, 0, r->element[i]->len);
    freeReplyObject(r);
}

static enum store_result unexpected(struct store_conn *c, char *err, redisReply *reply, const char *what)
{
    store_msg(err, "%s answered %s in an unexpected shape", c->where, what);
    free_reply(reply);
    return STORE_FAILED;
}

static enum store_result redis_get(struct store_conn *c, char *err, const char *kind, const char *key,
                                   struct store_record *out)
{
    CONNECTED(c, err);
    struct args a = {0};
    arg(&a, "HMGET");
    key_arg(&a, c, "r:%s:%s", kind, key);
    arg(&a, "t");
    arg(&a, "n");
    arg(&a, "s");
    arg(&a, "v");
    redisReply *reply;
    enum store_result r = command(c, err, &a, "reading a record", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 4)
        return unexpected(c, err, reply, "a record");
    if (!read_record(reply->element, out)) {
        store_msg(err, "out of memory reading from %s", c->where);
        r = STORE_RETRY;
    }
    free_reply(reply);
    return r;
}

/* A kind's records by key range: the kind's lexical index, then each hash. */
static const char list_script[] =
    "local p, kind = ARGV[1], ARGV[2] "
    "local out = {} "
    "for _, key in ipairs(redis.call('ZRANGEBYLEX', p .. 'k:' .. kind, ARGV[3], ARGV[4])) do "
    "  local h = redis.call('HMGET', p .. 'r:' .. kind .. ':' .. key, 't', 'n', 's', 'v') "
    "  if h[4] then "
    "    out[#out + 1] = key "
    "    for i = 1, 4 do out[#out + 1] = h[i] or false end "
    "  end "
    "end "
    "return out";

static enum store_result redis_list(struct store_conn *c, char *err, const char *kind, const char *from,
                                    const char *to, struct store_record **out, size_t *n)
{
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, list_script, 0);
    arg(&a, c->prefix);
    arg(&a, kind);
    argf(&a, "[%s", from);
    if (to)
        argf(&a, "(%s", to);
    else
        arg(&a, "+");
    redisReply *reply;
    enum store_result r = command(c, err, &a, "listing records", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 5)
        return unexpected(c, err, reply, "a list of records");
    size_t count = reply->elements / 5;
    struct store_record *recs = calloc(count ? count : 1, sizeof *recs);
    for (size_t i = 0; recs && i < count; i++) {
        redisReply **e = reply->element + 5 * i;
        if (!element_text(e[0], &recs[i].key) || !recs[i].key || !read_record(e + 1, &recs[i])) {
            store_records_free(recs, count);
            recs = NULL;
        }
    }
    free_reply(reply);
    if (!recs) {
        store_msg(err, "out of memory reading from %s", c->where);
        return STORE_RETRY;
    }
    *out = recs;
    *n = count;
    return STORE_OK;
}

/* store_backend.h's batch, all or nothing: the conditions first, then the
 * writes.  ARGV: 1 the prefix, 2 the number of operations, then ten values
 * per operation: op, kind, key, condition, version, has text, text, num,
 * stamp, expires at.  A record with an expiry lives outside the kind's
 * indexes (k: by key, s: by stamp) and Redis drops it by itself.  Answers
 * {0, {ADD results}} or {i, {}} when operation i's condition did not hold. */
static const char apply_script[] =
    "local p, n = ARGV[1], tonumber(ARGV[2]) "
    "local ops = {} "
    "for j = 1, n do "
    "  local b = 2 + (j - 1) * 10 "
    "  ops[j] = {op = ARGV[b + 1], kind = ARGV[b + 2], key = ARGV[b + 3], cond = ARGV[b + 4], "
    "            ver = tonumber(ARGV[b + 5]), hast = ARGV[b + 6], t = ARGV[b + 7], n = ARGV[b + 8], "
    "            s = ARGV[b + 9], exp = tonumber(ARGV[b + 10])} "
    "  ops[j].rk = p .. 'r:' .. ops[j].kind .. ':' .. ops[j].key "
    "end "
    "for j, o in ipairs(ops) do "
    "  if o.cond ~= 'always' then "
    "    local v = tonumber(redis.call('HGET', o.rk, 'v') or '0') "
    "    if (o.cond == 'absent' and v ~= 0) or (o.cond == 'version' and v ~= o.ver) then return {j, {}} end "
    "  end "
    "end "
    "local function place(o) "
    "  if o.exp > 0 then "
    "    redis.call('EXPIREAT', o.rk, o.exp) "
    "    redis.call('ZREM', p .. 'k:' .. o.kind, o.key) "
    "    redis.call('ZREM', p .. 's:' .. o.kind, o.key) "
    "  else "
    "    redis.call('ZADD', p .. 'k:' .. o.kind, 0, o.key) "
    "    redis.call('ZADD', p .. 's:' .. o.kind, o.s, o.key) "
    "  end "
    "end "
    "local out = {} "
    "for j, o in ipairs(ops) do "
    "  out[j] = 0 "
    "  if o.op == 'put' then "
    "    local v = tonumber(redis.call('HGET', o.rk, 'v') or '0') + 1 "
    "    redis.call('DEL', o.rk) "
    "    redis.call('HSET', o.rk, 'n', o.n, 's', o.s, 'v', v) "
    "    if o.hast == '1' then redis.call('HSET', o.rk, 't', o.t) end "
    "    place(o) "
    "  elseif o.op == 'add' then "
    "    if redis.call('EXISTS', o.rk) == 0 then "
    "      redis.call('HSET', o.rk, 'n', 0, 's', o.s, 'v', 0) "
    "      place(o) "
    "    end "
    "    out[j] = redis.call('HINCRBY', o.rk, 'n', o.n) "
    "    redis.call('HINCRBY', o.rk, 'v', 1) "
    "  elseif o.op == 'delete' then "
    "    redis.call('DEL', o.rk) "
    "    redis.call('ZREM', p .. 'k:' .. o.kind, o.key) "
    "    redis.call('ZREM', p .. 's:' .. o.kind, o.key) "
    "  end "
    "end "
    "return {0, out}";

static enum store_result redis_apply(struct store_conn *c, char *err, struct store_op *ops, size_t n,
                                     bool *applied)
{
    static const char *const op_names[] = {"put", "add", "delete", "check"};
    static const char *const cond_names[] = {"always", "absent", "version"};
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, apply_script, 0);
    arg(&a, c->prefix);
    arg_int(&a, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        arg(&a, op_names[ops[i].op]);
        arg(&a, ops[i].kind);
        arg(&a, ops[i].key);
        arg(&a, cond_names[ops[i].cond]);
        arg_int(&a, ops[i].version);
        arg(&a, ops[i].text ? "1" : "0");
        arg(&a, ops[i].text ? ops[i].text : "");
        arg_int(&a, ops[i].num);
        arg_int(&a, ops[i].stamp);
        arg_int(&a, ops[i].expires_at);
    }
    redisReply *reply;
    enum store_result r = command(c, err, &a, "writing records", &reply);
    if (r != STORE_OK)
        return r;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER || reply->element[1]->type != REDIS_REPLY_ARRAY)
        return unexpected(c, err, reply, "a batch of records");
    *applied = reply->element[0]->integer == 0;
    const redisReply *results = reply->element[1];
    for (size_t i = 0; *applied && i < n && i < results->elements; i++)
        ops[i].result = reply_number(results->element[i]);
    free_reply(reply);
    return STORE_OK;
}

/* ARGV: 1 prefix, 2 kind, 3 the highest stamp to delete ('+inf': every record). */
static const char delete_script[] =
    "local p, kind = ARGV[1], ARGV[2] "
    "local keys = redis.call('ZRANGEBYSCORE', p .. 's:' .. kind, '-inf', ARGV[3]) "
    "for _, key in ipairs(keys) do "
    "  redis.call('DEL', p .. 'r:' .. kind .. ':' .. key) "
    "  redis.call('ZREM', p .. 'k:' .. kind, key) "
    "  redis.call('ZREM', p .. 's:' .. kind, key) "
    "end "
    "return #keys";

static enum store_result delete_up_to(struct store_conn *c, char *err, const char *kind, const char *stamp,
                                      int64_t *deleted)
{
    CONNECTED(c, err);
    struct args a = {0};
    eval_args(&a, delete_script, 0);
    arg(&a, c->prefix);
    arg(&a, kind);
    arg(&a, stamp);
    return command_int(c, err, &a, "deleting records", deleted);
}

static enum store_result redis_delete_older(struct store_conn *c, char *err, const char *kind, int64_t stamp,
                                            int64_t *deleted)
{
    char bound[24];
    snprintf(bound, sizeof bound, "%lld", (long long)stamp);
    return delete_up_to(c, err, kind, bound, deleted);
}

static enum store_result redis_delete_kind(struct store_conn *c, char *err, const char *kind, int64_t *deleted)
{
    return delete_up_to(c, err, kind, "+inf", deleted);
}

const struct store_backend store_redis_backend = STORE_BACKEND("redis", redis);
