/*
 * function_table.c — the app's function table as the server sees it:
 * validation at start-up, lookup by composite id, and the "functions" array of
 * the register payload.
 *
 * The table is the app's static data: this module only reads it, never keeps
 * a pointer into it beyond a call, and never writes global state.  Validation
 * mirrors what the server refuses at sync (its pkg/inngest and pkg/sdk) so
 * that a bad table fails at start with a message naming the function and
 * field, instead of failing the whole sync later with a 400 that names
 * neither.  The
 * JSON builder emits only fields that are set, so the server's defaults apply
 * to everything else, and passes user strings (durations, CEL) through
 * verbatim: the server parses them, we only check that it will be able to.
 * Lookup must not allocate: it runs on every call request.
 */
#include "protocol/function_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/cron.h"
#include "base/duration.h"
#include "base/mem_alloc.h"
#include "base/url_encode.h"

/* Bounds the server checks at sync (consts.go, trigger.go, function.go). */
#define MAX_RETRIES 20
#define MAX_EVENT_NAME 255
#define JITTER_MIN ((struct bound){1, "1s"})
#define JITTER_MAX ((struct bound){5 * 60, "5m"})
#define DEBOUNCE_MIN ((struct bound){1, "1s"})
#define DEBOUNCE_MAX ((struct bound){7 * 86400, "7d"})
#define RATE_LIMIT_MAX ((struct bound){86400, "24h"}) /* FunctionIdempotencyPeriod */
#define BATCH_TIMEOUT_MIN ((struct bound){1, "1s"})
#define BATCH_MIN_SIZE 2
/* The server only checks >= 2; 100 is its default batch size limit and the
 * maximum the reference documents, so a larger batch would be cut anyway. */
#define BATCH_MAX_SIZE 100
/* Not checked by the server at sync; the documented range for throttling. */
#define THROTTLE_MIN ((struct bound){1, "1s"})
#define THROTTLE_MAX ((struct bound){7 * 86400, "7d"})

#define FAILURE_SUFFIX "-failure"
#define FAILURE_EVENT "inngest/function.failed"

/* An optional string counts as set only when non-empty: "" in a table is a
 * placeholder, and the server treats several empty keys as absent anyway. */
static bool set(const char *s)
{
    return s && *s;
}

/* ---- validation --------------------------------------------------------- */

struct vctx {
    char *err;
    size_t err_size;
    const struct ing_function *fn;
    size_t index;
};

/* Writes `function "<id>": <message>` (or `function #<n>` while the id itself
 * is what is wrong) and returns false. */
__attribute__((format(printf, 2, 3))) static bool vfail(const struct vctx *v, const char *fmt, ...)
{
    if (!v->err || !v->err_size)
        return false;
    int w;
    if (v->fn && set(v->fn->id))
        w = snprintf(v->err, v->err_size, "function \"%s\": ", v->fn->id);
    else
        w = snprintf(v->err, v->err_size, "function #%zu: ", v->index + 1);
    if (w < 0 || (size_t)w >= v->err_size)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err + w, v->err_size - (size_t)w, fmt, ap);
    va_end(ap);
    return false;
}

/* A bound on a duration, in seconds and as the message spells it. */
struct bound {
    double seconds;
    const char *text;
};
#define NO_BOUND ((struct bound){-1, NULL})

/* Parses a duration field and checks it against [min, max].  Zero is always
 * refused: every duration in a function's config is a period or a deadline. */
static bool check_duration(const struct vctx *v, const char *field, const char *text,
                           struct bound min, struct bound max)
{
    double secs;
    if (!duration_parse(text, &secs))
        return vfail(v, "%s: \"%s\" is not a duration like \"30s\", \"5m\" or \"1h30m\"", field,
                     text);
    if (secs <= 0.0)
        return vfail(v, "%s: \"%s\" must be longer than zero", field, text);
    if (min.text && secs < min.seconds)
        return vfail(v, "%s: \"%s\" is shorter than the minimum %s", field, text, min.text);
    if (max.text && secs > max.seconds)
        return vfail(v, "%s: \"%s\" is longer than the maximum %s", field, text, max.text);
    return true;
}

static bool id_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool trigger_present(const struct ing_trigger *t)
{
    return t->event || t->cron || t->expression || t->jitter || t->production_only;
}

static bool same_string(const char *a, const char *b)
{
    if (!set(a) || !set(b))
        return set(a) == set(b);
    return strcmp(a, b) == 0;
}

static bool check_triggers(const struct vctx *v)
{
    const struct ing_trigger *ts = v->fn->triggers;
    size_t present = 0, everywhere = 0;
    for (size_t i = 0; i < ING_MAX_TRIGGERS; i++) {
        const struct ing_trigger *t = &ts[i];
        if (!trigger_present(t))
            continue;
        present++;
        size_t no = i + 1;
        if (t->event && t->cron)
            return vfail(v, "trigger %zu: set either event or cron, not both", no);
        if (!t->event && !t->cron)
            return vfail(v, "trigger %zu: needs an event name or a cron schedule", no);
        if (t->event) {
            if (!*t->event)
                return vfail(v, "trigger %zu: event name is empty", no);
            if (strlen(t->event) > MAX_EVENT_NAME)
                return vfail(v, "trigger %zu: event name is longer than %d characters", no,
                             MAX_EVENT_NAME);
            if (set(t->jitter))
                return vfail(v, "trigger %zu: jitter applies only to cron triggers", no);
        } else {
            char cerr[200];
            if (!cron_validate(t->cron, cerr, sizeof(cerr)))
                return vfail(v, "trigger %zu: cron \"%s\": %s", no, t->cron, cerr);
            if (set(t->expression))
                return vfail(v, "trigger %zu: expression applies only to event triggers", no);
            if (set(t->jitter)) {
                char field[40];
                snprintf(field, sizeof(field), "trigger %zu: jitter", no);
                if (!check_duration(v, field, t->jitter, JITTER_MIN, JITTER_MAX))
                    return false;
            }
        }
        /* The server refuses identical triggers and repeated cron schedules
         * (even with different jitter). */
        for (size_t j = 0; j < i; j++) {
            const struct ing_trigger *o = &ts[j];
            if (!trigger_present(o))
                continue;
            bool dup = t->event ? (o->event && strcmp(o->event, t->event) == 0 &&
                                   same_string(o->expression, t->expression))
                                : (o->cron && strcmp(o->cron, t->cron) == 0);
            if (dup)
                return vfail(v, "trigger %zu: duplicates trigger %zu", no, j + 1);
        }
        if (!t->production_only)
            everywhere++;
    }
    if (present == 0)
        return vfail(v, "triggers: at least one trigger is required");
    /* Outside production the production_only triggers are not synced; keeping
     * one other trigger means the function (and fn_table_server_count) is the
     * same in every environment. */
    if (everywhere == 0)
        return vfail(v, "triggers: needs at least one trigger that is not production_only");
    return true;
}

static bool check_concurrency(const struct vctx *v)
{
    for (size_t i = 0; i < ING_MAX_CONCURRENCY; i++) {
        const struct ing_concurrency *c = &v->fn->concurrency[i];
        if (!c->limit && !c->key && !c->scope)
            continue;
        size_t no = i + 1;
        if (c->limit < 1)
            return vfail(v, "concurrency %zu: limit must be at least 1", no);
        if (c->scope && strcmp(c->scope, "fn") != 0 && strcmp(c->scope, "env") != 0 &&
            strcmp(c->scope, "account") != 0)
            return vfail(v, "concurrency %zu: scope \"%s\" must be fn, env or account", no,
                         c->scope);
        if (c->scope && strcmp(c->scope, "fn") != 0 && !set(c->key))
            return vfail(v, "concurrency %zu: scope \"%s\" requires a key", no, c->scope);
    }
    return true;
}

static bool check_flow_control(const struct vctx *v)
{
    const struct ing_function *f = v->fn;

    const struct ing_throttle *th = &f->throttle;
    if (th->limit || th->period || th->burst || th->key) {
        if (th->limit < 1)
            return vfail(v, "throttle.limit must be at least 1");
        if (th->burst < 0)
            return vfail(v, "throttle.burst must not be negative");
        if (!set(th->period))
            return vfail(v, "throttle.period is required");
        if (!check_duration(v, "throttle.period", th->period, THROTTLE_MIN, THROTTLE_MAX))
            return false;
    }

    const struct ing_rate_limit *rl = &f->rate_limit;
    if (rl->limit || rl->period || rl->key) {
        if (rl->limit < 1)
            return vfail(v, "rate_limit.limit must be at least 1");
        if (!set(rl->period))
            return vfail(v, "rate_limit.period is required");
        if (!check_duration(v, "rate_limit.period", rl->period, NO_BOUND, RATE_LIMIT_MAX))
            return false;
    }

    const struct ing_debounce *db = &f->debounce;
    if (db->period || db->key || db->timeout) {
        if (!set(db->period))
            return vfail(v, "debounce.period is required");
        if (!check_duration(v, "debounce.period", db->period, DEBOUNCE_MIN, DEBOUNCE_MAX))
            return false;
        if (set(db->timeout) &&
            !check_duration(v, "debounce.timeout", db->timeout, NO_BOUND, NO_BOUND))
            return false;
    }

    const struct ing_batch *b = &f->batch_events;
    if (b->max_size || b->timeout || b->key || b->if_expr) {
        if (b->max_size < BATCH_MIN_SIZE || b->max_size > BATCH_MAX_SIZE)
            return vfail(v, "batch_events.max_size %d out of range %d-%d", b->max_size,
                         BATCH_MIN_SIZE, BATCH_MAX_SIZE);
        if (!set(b->timeout))
            return vfail(v, "batch_events.timeout is required");
        if (!check_duration(v, "batch_events.timeout", b->timeout, BATCH_TIMEOUT_MIN, NO_BOUND))
            return false;
        /* The batch timeout alone is read with Go's time.ParseDuration, which
         * has no day or week unit. */
        if (strpbrk(b->timeout, "dw"))
            return vfail(v, "batch_events.timeout: \"%s\": days and weeks are not accepted here; "
                            "use h, m or s",
                         b->timeout);
        for (size_t i = 0; i < ING_MAX_CANCEL; i++) {
            const struct ing_cancel *c = &f->cancel_on[i];
            if (c->event || c->if_expr || c->timeout)
                return vfail(v, "batch_events cannot be combined with cancel_on");
        }
        if (db->period || db->key || db->timeout)
            return vfail(v, "batch_events cannot be combined with debounce");
        if (f->singleton.key || f->singleton.mode)
            return vfail(v, "batch_events cannot be combined with singleton");
        if (set(f->priority_run))
            return vfail(v, "batch_events cannot be combined with priority_run");
    }
    return true;
}

static bool check_other(const struct vctx *v)
{
    const struct ing_function *f = v->fn;

    if (f->retries.set && (f->retries.count < 0 || f->retries.count > MAX_RETRIES))
        return vfail(v, "retries %d out of range 0-%d", f->retries.count, MAX_RETRIES);

    for (size_t i = 0; i < ING_MAX_CANCEL; i++) {
        const struct ing_cancel *c = &f->cancel_on[i];
        if (!c->event && !c->if_expr && !c->timeout)
            continue;
        if (!set(c->event))
            return vfail(v, "cancel_on %zu: event is required", i + 1);
        if (strlen(c->event) > MAX_EVENT_NAME)
            return vfail(v, "cancel_on %zu: event name is longer than %d characters", i + 1,
                         MAX_EVENT_NAME);
        if (set(c->timeout)) {
            char field[40];
            snprintf(field, sizeof(field), "cancel_on %zu: timeout", i + 1);
            if (!check_duration(v, field, c->timeout, NO_BOUND, NO_BOUND))
                return false;
        }
    }

    if (set(f->timeouts.start) &&
        !check_duration(v, "timeouts.start", f->timeouts.start, NO_BOUND, NO_BOUND))
        return false;
    if (set(f->timeouts.finish) &&
        !check_duration(v, "timeouts.finish", f->timeouts.finish, NO_BOUND, NO_BOUND))
        return false;

    const struct ing_singleton *s = &f->singleton;
    if (s->key || s->mode) {
        if (!set(s->mode))
            return vfail(v, "singleton.mode is required (skip or cancel)");
        if (strcmp(s->mode, "skip") != 0 && strcmp(s->mode, "cancel") != 0)
            return vfail(v, "singleton.mode \"%s\" must be skip or cancel", s->mode);
    }
    return true;
}

static bool check_function(const struct vctx *v)
{
    const struct ing_function *f = v->fn;
    if (!set(f->id))
        return vfail(v, "id is required");
    for (const char *p = f->id; *p; p++) {
        if (id_char_ok(*p))
            continue;
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f)
            return vfail(v, "id: byte 0x%02x is not allowed (use a-z, 0-9, '-' and '_')", c);
        return vfail(v, "id: character '%c' is not allowed (use a-z, 0-9, '-' and '_')", c);
    }
    if (!set(f->name))
        return vfail(v, "name is required");
    if (!f->handler)
        return vfail(v, "handler is required");
    return check_triggers(v) && check_concurrency(v) && check_flow_control(v) && check_other(v);
}

/* Is `id` exactly "<base>-failure"? */
static bool is_failure_id_of(const char *id, const char *base)
{
    size_t bl = strlen(base), sl = strlen(FAILURE_SUFFIX);
    return strlen(id) == bl + sl && strncmp(id, base, bl) == 0 &&
           strcmp(id + bl, FAILURE_SUFFIX) == 0;
}

bool fn_table_validate(const struct ing_function *fns, size_t n, char *err, size_t err_size)
{
    if (err && err_size)
        err[0] = '\0';
    if (n && !fns) {
        if (err && err_size)
            snprintf(err, err_size, "function table is missing");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct vctx v = {err, err_size, &fns[i], i};
        if (!check_function(&v))
            return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct vctx v = {err, err_size, &fns[i], i};
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            if (j < i && strcmp(fns[i].id, fns[j].id) == 0)
                return vfail(&v, "id is also used by function #%zu", j + 1);
            if (fns[j].on_failure && is_failure_id_of(fns[i].id, fns[j].id))
                return vfail(&v, "id clashes with the failure handler of function \"%s\"",
                             fns[j].id);
        }
    }
    return true;
}

/* ---- lookup ------------------------------------------------------------- */

size_t fn_table_server_count(const struct ing_function *fns, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; fns && i < n; i++)
        count += fns[i].on_failure ? 2 : 1;
    return count;
}

static const struct ing_function *find_by_id(const struct ing_function *fns, size_t n,
                                             const char *id, size_t id_len)
{
    for (size_t i = 0; i < n; i++) {
        if (fns[i].id && strlen(fns[i].id) == id_len && memcmp(fns[i].id, id, id_len) == 0)
            return &fns[i];
    }
    return NULL;
}

const struct ing_function *fn_table_find(const struct ing_function *fns, size_t n,
                                         const char *app_id, const char *composite,
                                         bool *is_failure_handler)
{
    if (is_failure_handler)
        *is_failure_handler = false;
    if (!fns || !app_id || !composite)
        return NULL;
    /* Strip the app id as a whole prefix: the app id may itself contain '-',
     * so splitting the composite at a dash would be ambiguous. */
    size_t al = strlen(app_id);
    if (strncmp(composite, app_id, al) != 0 || composite[al] != '-')
        return NULL;
    const char *id = composite + al + 1;
    size_t len = strlen(id);

    const struct ing_function *f = find_by_id(fns, n, id, len);
    if (f)
        return f;
    size_t sl = strlen(FAILURE_SUFFIX);
    if (len > sl && strcmp(id + len - sl, FAILURE_SUFFIX) == 0) {
        f = find_by_id(fns, n, id, len - sl);
        if (f && f->on_failure) {
            if (is_failure_handler)
                *is_failure_handler = true;
            return f;
        }
    }
    return NULL;
}

/* ---- sync JSON ---------------------------------------------------------- */

/* json-c neither frees `val` when an insertion fails nor refuses a NULL one
 * (it would store JSON null), so every insertion goes through these. */
static bool add(json_object *obj, const char *key, json_object *val)
{
    if (!val)
        return false;
    if (json_object_object_add(obj, key, val) != 0) {
        json_object_put(val);
        return false;
    }
    return true;
}

static bool push(json_object *arr, json_object *val)
{
    if (!val)
        return false;
    if (json_object_array_add(arr, val) != 0) {
        json_object_put(val);
        return false;
    }
    return true;
}

static bool add_str(json_object *obj, const char *key, const char *val)
{
    return add(obj, key, json_object_new_string(val));
}

/* Adds key only when the string is set. */
static bool add_opt(json_object *obj, const char *key, const char *val)
{
    return !set(val) || add_str(obj, key, val);
}

static bool add_int(json_object *obj, const char *key, int val)
{
    return add(obj, key, json_object_new_int(val));
}

/* Adds a freshly built object under key, or frees it if building it failed. */
static bool attach(json_object *parent, const char *key, json_object *obj, bool built)
{
    if (!built) {
        json_object_put(obj);
        return false;
    }
    return add(parent, key, obj);
}

/* "<a><b><c>" in a fresh buffer (mem_free it); NULL on allocation failure. */
static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = mem_malloc(la + lb + lc + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* The one step every function has; its URL routes the call back to us. */
static json_object *steps_json(const char *serve_url, const char *composite, bool retries_set,
                               int retries)
{
    /* serve_url should carry no query, but if it does we append to it rather
     * than produce a URL with two '?'. */
    const char *sep = strchr(serve_url, '?') ? "&" : "?";
    static const char fn_param[] = "fnId=", tail[] = "&stepId=step";
    size_t su = strlen(serve_url), enc = url_encode(NULL, composite);
    char *url = mem_malloc(su + 1 + sizeof(fn_param) - 1 + enc + sizeof(tail));
    if (!url)
        return NULL;
    size_t pos = 0;
    memcpy(url + pos, serve_url, su);
    pos += su;
    url[pos++] = sep[0];
    memcpy(url + pos, fn_param, sizeof(fn_param) - 1);
    pos += sizeof(fn_param) - 1;
    pos += url_encode(url + pos, composite);
    memcpy(url + pos, tail, sizeof(tail));

    json_object *steps = json_object_new_object();
    json_object *step = json_object_new_object();
    json_object *runtime = json_object_new_object();
    bool ok = steps && step && runtime && add_str(runtime, "type", "http") &&
              add_str(runtime, "url", url) && add_str(step, "id", "step") &&
              add_str(step, "name", "step");
    mem_free(url);
    if (ok) {
        ok = add(step, "runtime", runtime);
        runtime = NULL;
    }
    if (ok && retries_set) {
        json_object *r = json_object_new_object();
        ok = attach(step, "retries", r, r && add_int(r, "attempts", retries));
    }
    if (ok) {
        ok = add(steps, "step", step);
        step = NULL;
    }
    json_object_put(runtime);
    json_object_put(step);
    if (!ok) {
        json_object_put(steps);
        return NULL;
    }
    return steps;
}

static json_object *triggers_json(const struct ing_function *f, bool production)
{
    json_object *arr = json_object_new_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < ING_MAX_TRIGGERS; i++) {
        const struct ing_trigger *t = &f->triggers[i];
        if (!t->event && !t->cron)
            continue;
        if (t->production_only && !production)
            continue;
        json_object *o = json_object_new_object();
        bool ok = o != NULL;
        if (ok && t->event)
            ok = add_str(o, "event", t->event) && add_opt(o, "expression", t->expression);
        else if (ok)
            ok = add_str(o, "cron", t->cron) && add_opt(o, "jitter", t->jitter);
        if (!ok || !push(arr, o)) {
            if (!ok)
                json_object_put(o);
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}

/* Each builder returns false only on allocation failure. */

static bool add_concurrency(json_object *fo, const struct ing_function *f)
{
    json_object *arr = NULL;
    for (size_t i = 0; i < ING_MAX_CONCURRENCY; i++) {
        const struct ing_concurrency *c = &f->concurrency[i];
        if (!c->limit && !c->key && !c->scope)
            continue;
        if (!arr && !(arr = json_object_new_array()))
            return false;
        json_object *o = json_object_new_object();
        bool ok = o && add_int(o, "limit", c->limit) && add_opt(o, "key", c->key) &&
                  add_opt(o, "scope", c->scope);
        if (!ok) {
            json_object_put(o);
            json_object_put(arr);
            return false;
        }
        if (!push(arr, o)) {
            json_object_put(arr);
            return false;
        }
    }
    return !arr || add(fo, "concurrency", arr);
}

static bool add_options(json_object *fo, const struct ing_function *f)
{
    if (!add_concurrency(fo, f))
        return false;

    json_object *o;
    const struct ing_throttle *th = &f->throttle;
    if (th->limit || th->period || th->burst || th->key) {
        o = json_object_new_object();
        if (!attach(fo, "throttle", o,
                    o && add_int(o, "limit", th->limit) && add_opt(o, "period", th->period) &&
                        (th->burst <= 0 || add_int(o, "burst", th->burst)) &&
                        add_opt(o, "key", th->key)))
            return false;
    }

    const struct ing_rate_limit *rl = &f->rate_limit;
    if (rl->limit || rl->period || rl->key) {
        o = json_object_new_object();
        if (!attach(fo, "rateLimit", o,
                    o && add_int(o, "limit", rl->limit) && add_opt(o, "period", rl->period) &&
                        add_opt(o, "key", rl->key)))
            return false;
    }

    const struct ing_debounce *db = &f->debounce;
    if (db->period || db->key || db->timeout) {
        o = json_object_new_object();
        if (!attach(fo, "debounce", o,
                    o && add_opt(o, "period", db->period) && add_opt(o, "key", db->key) &&
                        add_opt(o, "timeout", db->timeout)))
            return false;
    }

    const struct ing_batch *b = &f->batch_events;
    if (b->max_size || b->timeout || b->key || b->if_expr) {
        o = json_object_new_object();
        if (!attach(fo, "batchEvents", o,
                    o && add_int(o, "maxSize", b->max_size) && add_opt(o, "timeout", b->timeout) &&
                        add_opt(o, "key", b->key) && add_opt(o, "if", b->if_expr)))
            return false;
    }

    if (set(f->priority_run)) {
        o = json_object_new_object();
        if (!attach(fo, "priority", o, o && add_str(o, "run", f->priority_run)))
            return false;
    }

    json_object *cancel = NULL;
    for (size_t i = 0; i < ING_MAX_CANCEL; i++) {
        const struct ing_cancel *c = &f->cancel_on[i];
        if (!set(c->event))
            continue;
        if (!cancel && !(cancel = json_object_new_array()))
            return false;
        o = json_object_new_object();
        bool ok = o && add_str(o, "event", c->event) && add_opt(o, "if", c->if_expr) &&
                  add_opt(o, "timeout", c->timeout);
        if (!ok)
            json_object_put(o);
        if (!ok || !push(cancel, o)) {
            json_object_put(cancel);
            return false;
        }
    }
    if (cancel && !add(fo, "cancel", cancel))
        return false;

    if (set(f->timeouts.start) || set(f->timeouts.finish)) {
        o = json_object_new_object();
        if (!attach(fo, "timeouts", o,
                    o && add_opt(o, "start", f->timeouts.start) &&
                        add_opt(o, "finish", f->timeouts.finish)))
            return false;
    }

    if (!add_opt(fo, "idempotency", f->idempotency))
        return false;

    if (set(f->singleton.key) || set(f->singleton.mode)) {
        o = json_object_new_object();
        if (!attach(fo, "singleton", o,
                    o && add_opt(o, "key", f->singleton.key) &&
                        add_opt(o, "mode", f->singleton.mode)))
            return false;
    }
    return true;
}

/* Appends the function's config, and its failure handler's right after it. */
static bool append_function(json_object *arr, const struct ing_function *f, const char *app_id,
                            const char *serve_url, bool production)
{
    bool ok = false;
    char *composite = concat3(app_id, "-", f->id);
    char *failure_id = NULL, *failure_name = NULL, *failure_expr = NULL;
    json_object *fo = NULL, *ff = NULL;
    if (!composite)
        goto out;

    fo = json_object_new_object();
    if (!fo || !add_str(fo, "id", composite) || !add_str(fo, "name", f->name) ||
        !add(fo, "triggers", triggers_json(f, production)) ||
        !add(fo, "steps", steps_json(serve_url, composite, f->retries.set, f->retries.count)) ||
        !add_options(fo, f))
        goto out;
    if (!push(arr, fo)) {
        fo = NULL;
        goto out;
    }
    fo = NULL;

    if (f->on_failure) {
        /* Nothing but the trigger and one retry: the parent's flow control
         * must not delay or drop the handler that reports its failure. */
        failure_id = concat3(composite, FAILURE_SUFFIX, "");
        failure_name = concat3(f->name, " (failure)", "");
        char *quoted = concat3("'", composite, "'");
        failure_expr = quoted ? concat3("event.data.function_id == ", quoted, "") : NULL;
        mem_free(quoted);
        if (!failure_id || !failure_name || !failure_expr)
            goto out;
        ff = json_object_new_object();
        if (!ff || !add_str(ff, "id", failure_id) || !add_str(ff, "name", failure_name))
            goto out;
        json_object *triggers = json_object_new_array();
        json_object *trigger = json_object_new_object();
        bool built = trigger && add_str(trigger, "event", FAILURE_EVENT) &&
                     add_str(trigger, "expression", failure_expr);
        if (!built || !triggers) {
            json_object_put(trigger);
            json_object_put(triggers);
            goto out;
        }
        if (!push(triggers, trigger)) {
            json_object_put(triggers);
            goto out;
        }
        if (!add(ff, "triggers", triggers) ||
            !add(ff, "steps", steps_json(serve_url, failure_id, true, 1)))
            goto out;
        if (!push(arr, ff)) {
            ff = NULL;
            goto out;
        }
        ff = NULL;
    }
    ok = true;
out:
    json_object_put(fo);
    json_object_put(ff);
    mem_free(composite);
    mem_free(failure_id);
    mem_free(failure_name);
    mem_free(failure_expr);
    return ok;
}

json_object *fn_table_sync_json(const struct ing_function *fns, size_t n, const char *app_id,
                                const char *serve_url, bool production)
{
    if ((n && !fns) || !app_id || !serve_url)
        return NULL;
    json_object *arr = json_object_new_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!append_function(arr, &fns[i], app_id, serve_url, production)) {
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}
