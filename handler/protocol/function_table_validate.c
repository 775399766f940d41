/*
 * function_table_validate.c — checking the app's function table at start-up.
 *
 * The checks mirror what the server refuses at sync (its pkg/inngest and
 * pkg/sdk), so that a bad table fails at start with a message naming the
 * function and the field, instead of failing the whole sync later with a
 * 400 that names neither.  User strings (durations, CEL) are not rewritten:
 * we only check that the server will be able to parse them.
 */
#include "protocol/function_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/cron.h"
#include "base/duration.h"

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
    if (v->fn && fn_set(v->fn->id))
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

/* A duration the option cannot do without: "<field> is required" when unset. */
static bool check_required_duration(const struct vctx *v, const char *field, const char *text,
                                    struct bound min, struct bound max)
{
    if (!fn_set(text))
        return vfail(v, "%s is required", field);
    return check_duration(v, field, text, min, max);
}

/* A duration that may be left unset. */
static bool check_optional_duration(const struct vctx *v, const char *field, const char *text,
                                    struct bound min, struct bound max)
{
    return !fn_set(text) || check_duration(v, field, text, min, max);
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
    if (!fn_set(a) || !fn_set(b))
        return fn_set(a) == fn_set(b);
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
            if (fn_set(t->jitter))
                return vfail(v, "trigger %zu: jitter applies only to cron triggers", no);
        } else {
            char cerr[200];
            if (!cron_validate(t->cron, cerr, sizeof(cerr)))
                return vfail(v, "trigger %zu: cron \"%s\": %s", no, t->cron, cerr);
            if (fn_set(t->expression))
                return vfail(v, "trigger %zu: expression applies only to event triggers", no);
            char field[40];
            snprintf(field, sizeof(field), "trigger %zu: jitter", no);
            if (!check_optional_duration(v, field, t->jitter, JITTER_MIN, JITTER_MAX))
                return false;
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
        if (c->scope && strcmp(c->scope, "fn") != 0 && !fn_set(c->key))
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
        if (!check_required_duration(v, "throttle.period", th->period, THROTTLE_MIN, THROTTLE_MAX))
            return false;
    }

    const struct ing_rate_limit *rl = &f->rate_limit;
    if (rl->limit || rl->period || rl->key) {
        if (rl->limit < 1)
            return vfail(v, "rate_limit.limit must be at least 1");
        if (!check_required_duration(v, "rate_limit.period", rl->period, NO_BOUND, RATE_LIMIT_MAX))
            return false;
    }

    const struct ing_debounce *db = &f->debounce;
    if (db->period || db->key || db->timeout) {
        if (!check_required_duration(v, "debounce.period", db->period, DEBOUNCE_MIN, DEBOUNCE_MAX) ||
            !check_optional_duration(v, "debounce.timeout", db->timeout, NO_BOUND, NO_BOUND))
            return false;
    }

    const struct ing_batch *b = &f->batch_events;
    if (b->max_size || b->timeout || b->key || b->if_expr) {
        if (b->max_size < BATCH_MIN_SIZE || b->max_size > BATCH_MAX_SIZE)
            return vfail(v, "batch_events.max_size %d out of range %d-%d", b->max_size,
                         BATCH_MIN_SIZE, BATCH_MAX_SIZE);
        if (!check_required_duration(v, "batch_events.timeout", b->timeout, BATCH_TIMEOUT_MIN, NO_BOUND))
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
        if (fn_set(f->priority_run))
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
        if (!fn_set(c->event))
            return vfail(v, "cancel_on %zu: event is required", i + 1);
        if (strlen(c->event) > MAX_EVENT_NAME)
            return vfail(v, "cancel_on %zu: event name is longer than %d characters", i + 1,
                         MAX_EVENT_NAME);
        char field[40];
        snprintf(field, sizeof(field), "cancel_on %zu: timeout", i + 1);
        if (!check_optional_duration(v, field, c->timeout, NO_BOUND, NO_BOUND))
            return false;
    }

    if (!check_optional_duration(v, "timeouts.start", f->timeouts.start, NO_BOUND, NO_BOUND) ||
        !check_optional_duration(v, "timeouts.finish", f->timeouts.finish, NO_BOUND, NO_BOUND))
        return false;

    const struct ing_singleton *s = &f->singleton;
    if (s->key || s->mode) {
        if (!fn_set(s->mode))
            return vfail(v, "singleton.mode is required (skip or cancel)");
        if (strcmp(s->mode, "skip") != 0 && strcmp(s->mode, "cancel") != 0)
            return vfail(v, "singleton.mode \"%s\" must be skip or cancel", s->mode);
    }
    return true;
}

static bool check_function(const struct vctx *v)
{
    const struct ing_function *f = v->fn;
    if (!fn_set(f->id))
        return vfail(v, "id is required");
    for (const char *p = f->id; *p; p++) {
        if (id_char_ok(*p))
            continue;
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f)
            return vfail(v, "id: byte 0x%02x is not allowed (use a-z, 0-9, '-' and '_')", c);
        return vfail(v, "id: character '%c' is not allowed (use a-z, 0-9, '-' and '_')", c);
    }
    if (!fn_set(f->name))
        return vfail(v, "name is required");
    if (!f->handler)
        return vfail(v, "handler is required");
    return check_triggers(v) && check_concurrency(v) && check_flow_control(v) && check_other(v);
}

/* Is `id` exactly "<base>-failure"? */
static bool is_failure_id_of(const char *id, const char *base)
{
    size_t bl = strlen(base), sl = strlen(FN_FAILURE_SUFFIX);
    return strlen(id) == bl + sl && strncmp(id, base, bl) == 0 &&
           strcmp(id + bl, FN_FAILURE_SUFFIX) == 0;
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

