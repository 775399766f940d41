/*
 * store.c — the front of the product app's store (store.h): chooses the
 * backend from the options, opens it (and re-opens a store whose first
 * connection failed), the worker hooks, and the argument checks every domain
 * file (store_views.c, store_billing.c, …) runs before a backend sees an
 * argument.  It never logs or keeps a password or a token.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "product/store/store.h"
#include "product/store/store_internal.h"

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
void store_render_time_field(json_object *obj, const char *key)
{
    json_object *v;
    if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_int))
        json_object_object_add(obj, key, json_time(json_object_get_int64(v)));
}

void store_render_time_fields(json_object *array, const char *key)
{
    size_t n = json_object_array_length(array);
    for (size_t i = 0; i < n; i++)
        store_render_time_field(json_object_array_get_idx(array, i), key);
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

enum store_result store_bad(struct store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
    return STORE_FAILED;
}

enum store_result store_need_id(struct store *s, const char *what, const char *v)
{
    if (!v || !*v)
        return store_bad(s, "%s is missing", what);
    if (strlen(v) > STORE_MAX_ID)
        return store_bad(s, "%s is too long", what);
    return STORE_OK;
}

enum store_result store_max_len(struct store *s, const char *what, const char *v, size_t max)
{
    if (v && strlen(v) > max)
        return store_bad(s, "%s is too long", what);
    return STORE_OK;
}

enum store_result store_need_day(struct store *s, const char *what, const char *day)
{
    if (store_day_number(day) < 0)
        return store_bad(s, "%s must be a date YYYY-MM-DD", what);
    return STORE_OK;
}

/* NULL → "null". */
enum store_result store_json_text(struct store *s, const char *what, json_object *v, const char **text)
{
    *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (!*text) {
        store_msg(s->error, "%s could not be serialized", what);
        return STORE_RETRY; /* only an allocation fails here */
    }
    if (strlen(*text) > STORE_MAX_JSON)
        return store_bad(s, "%s is too large", what);
    return STORE_OK;
}

enum store_result store_ready(struct store *s)
{
    if (!s)
        return STORE_RETRY;
    if (s->conn)
        return STORE_OK;
    return s->be->open(&s->opts, &s->conn, s->error);
}

const char *store_or_null(const char *v)
{
    return v && *v ? v : NULL;
}


enum store_result store_too_busy(struct store *s, const char *what)
{
    store_msg(s->error, "%s: other workers changed the same records %d times in a row; try again",
              what, STORE_CAS_ATTEMPTS);
    return STORE_RETRY;
}

void store_record_clear(struct store_record *r)
{
    if (!r)
        return;
    if (r->text)
        explicit_bzero(r->text, strlen(r->text));
    free(r->text);
    free(r->key);
    memset(r, 0, sizeof *r);
}

void store_records_free(struct store_record *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++)
        store_record_clear(&r[i]);
    free(r);
}
