/*
 * function_table_sync_json.c — the "functions" array of the register (sync)
 * payload (PROTOCOL.md §6.2, FunctionConfig), from the app's table.
 *
 * It emits only the fields that are set, so the server's defaults apply to
 * everything else, and passes user strings (durations, CEL) through
 * verbatim: the server parses them (function_table_validate.c has checked
 * that it can).  A function with on_failure becomes two: the parent and
 * "<id>-failure", triggered by inngest/function.failed for the parent.
 */
#include "protocol/function_table.h"

#include <string.h>

#include "base/json_take.h"
#include "base/mem_alloc.h"
#include "base/url_encode.h"

static bool add_str(json_object *obj, const char *key, const char *val)
{
    return json_take_set(obj, key, json_object_new_string(val));
}

/* Adds key only when the string is set. */
static bool add_opt(json_object *obj, const char *key, const char *val)
{
    return !fn_set(val) || add_str(obj, key, val);
}

static bool add_int(json_object *obj, const char *key, int val)
{
    return json_take_set(obj, key, json_object_new_int(val));
}

/* Adds a freshly built object under key, or frees it if building it failed. */
static bool attach(json_object *parent, const char *key, json_object *obj, bool built)
{
    if (!built) {
        json_object_put(obj);
        return false;
    }
    return json_take_set(parent, key, obj);
}

/* Pushes a freshly built object onto *arr (made on first use), or frees it
 * if building it failed.  On false the caller releases *arr. */
static bool push_built(json_object **arr, json_object *obj, bool built)
{
    if (!built || (!*arr && !(*arr = json_object_new_array()))) {
        json_object_put(obj);
        return false;
    }
    return json_take_push(*arr, obj);
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
        ok = json_take_set(step, "runtime", runtime);
        runtime = NULL;
    }
    if (ok && retries_set) {
        json_object *r = json_object_new_object();
        ok = attach(step, "retries", r, r && add_int(r, "attempts", retries));
    }
    if (ok) {
        ok = json_take_set(steps, "step", step);
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
        bool ok = o && (t->event ? add_str(o, "event", t->event) && add_opt(o, "expression", t->expression)
                                 : add_str(o, "cron", t->cron) && add_opt(o, "jitter", t->jitter));
        if (!push_built(&arr, o, ok)) {
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
        json_object *o = json_object_new_object();
        if (!push_built(&arr, o, o && add_int(o, "limit", c->limit) && add_opt(o, "key", c->key) &&
                                     add_opt(o, "scope", c->scope))) {
            json_object_put(arr);
            return false;
        }
    }
    return !arr || json_take_set(fo, "concurrency", arr);
}

/* fo[key] = an object that fill() completes, when `wanted`. */
static bool add_object(json_object *fo, const char *key, bool wanted,
                       bool (*fill)(json_object *o, const struct ing_function *f),
                       const struct ing_function *f)
{
    if (!wanted)
        return true;
    json_object *o = json_object_new_object();
    return attach(fo, key, o, o && fill(o, f));
}

static bool fill_throttle(json_object *o, const struct ing_function *f)
{
    const struct ing_throttle *th = &f->throttle;
    return add_int(o, "limit", th->limit) && add_opt(o, "period", th->period) &&
           (th->burst <= 0 || add_int(o, "burst", th->burst)) && add_opt(o, "key", th->key);
}

static bool fill_rate_limit(json_object *o, const struct ing_function *f)
{
    return add_int(o, "limit", f->rate_limit.limit) && add_opt(o, "period", f->rate_limit.period) &&
           add_opt(o, "key", f->rate_limit.key);
}

static bool fill_debounce(json_object *o, const struct ing_function *f)
{
    return add_opt(o, "period", f->debounce.period) && add_opt(o, "key", f->debounce.key) &&
           add_opt(o, "timeout", f->debounce.timeout);
}

static bool fill_batch(json_object *o, const struct ing_function *f)
{
    const struct ing_batch *b = &f->batch_events;
    return add_int(o, "maxSize", b->max_size) && add_opt(o, "timeout", b->timeout) &&
           add_opt(o, "key", b->key) && add_opt(o, "if", b->if_expr);
}

static bool fill_priority(json_object *o, const struct ing_function *f)
{
    return add_str(o, "run", f->priority_run);
}

static bool fill_timeouts(json_object *o, const struct ing_function *f)
{
    return add_opt(o, "start", f->timeouts.start) && add_opt(o, "finish", f->timeouts.finish);
}

static bool fill_singleton(json_object *o, const struct ing_function *f)
{
    return add_opt(o, "key", f->singleton.key) && add_opt(o, "mode", f->singleton.mode);
}

static bool add_cancel(json_object *fo, const struct ing_function *f)
{
    json_object *cancel = NULL;
    for (size_t i = 0; i < ING_MAX_CANCEL; i++) {
        const struct ing_cancel *c = &f->cancel_on[i];
        if (!fn_set(c->event))
            continue;
        json_object *o = json_object_new_object();
        if (!push_built(&cancel, o, o && add_str(o, "event", c->event) && add_opt(o, "if", c->if_expr) &&
                                        add_opt(o, "timeout", c->timeout))) {
            json_object_put(cancel);
            return false;
        }
    }
    return !cancel || json_take_set(fo, "cancel", cancel);
}

/* The flow-control options, each only when the table sets it. */
static bool add_options(json_object *fo, const struct ing_function *f)
{
    const struct ing_throttle *th = &f->throttle;
    const struct ing_rate_limit *rl = &f->rate_limit;
    const struct ing_debounce *db = &f->debounce;
    const struct ing_batch *b = &f->batch_events;
    return add_concurrency(fo, f) &&
           add_object(fo, "throttle", th->limit || th->period || th->burst || th->key, fill_throttle, f) &&
           add_object(fo, "rateLimit", rl->limit || rl->period || rl->key, fill_rate_limit, f) &&
           add_object(fo, "debounce", db->period || db->key || db->timeout, fill_debounce, f) &&
           add_object(fo, "batchEvents", b->max_size || b->timeout || b->key || b->if_expr, fill_batch, f) &&
           add_object(fo, "priority", fn_set(f->priority_run), fill_priority, f) && add_cancel(fo, f) &&
           add_object(fo, "timeouts", fn_set(f->timeouts.start) || fn_set(f->timeouts.finish),
                      fill_timeouts, f) &&
           add_opt(fo, "idempotency", f->idempotency) &&
           add_object(fo, "singleton", fn_set(f->singleton.key) || fn_set(f->singleton.mode),
                      fill_singleton, f);
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
        !json_take_set(fo, "triggers", triggers_json(f, production)) ||
        !json_take_set(fo, "steps", steps_json(serve_url, composite, f->retries.set, f->retries.count)) ||
        !add_options(fo, f))
        goto out;
    if (!json_take_push(arr, fo)) {
        fo = NULL;
        goto out;
    }
    fo = NULL;

    if (f->on_failure) {
        /* Nothing but the trigger and one retry: the parent's flow control
         * must not delay or drop the handler that reports its failure. */
        failure_id = concat3(composite, FN_FAILURE_SUFFIX, "");
        failure_name = concat3(f->name, " (failure)", "");
        char *quoted = concat3("'", composite, "'");
        failure_expr = quoted ? concat3("event.data.function_id == ", quoted, "") : NULL;
        mem_free(quoted);
        if (!failure_id || !failure_name || !failure_expr)
            goto out;
        ff = json_object_new_object();
        if (!ff || !add_str(ff, "id", failure_id) || !add_str(ff, "name", failure_name))
            goto out;
        json_object *triggers = NULL;
        json_object *trigger = json_object_new_object();
        if (!push_built(&triggers, trigger, trigger && add_str(trigger, "event", FN_FAILURE_EVENT) &&
                                                add_str(trigger, "expression", failure_expr))) {
            json_object_put(triggers);
            goto out;
        }
        if (!json_take_set(ff, "triggers", triggers) ||
            !json_take_set(ff, "steps", steps_json(serve_url, failure_id, true, 1)))
            goto out;
        if (!json_take_push(arr, ff)) {
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
