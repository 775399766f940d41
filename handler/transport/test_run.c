/*
 * test_run.c — ing_test_run(): a whole run in-process, with this file playing
 * the executor around ing_test_call (testing.c): memoize what each answer
 * reports, call again, until the function ends.  inngest.h says what each op
 * turns into; this file is that table and the loop, written once for users'
 * tests and ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_parse.h"
#include "core/response.h"
#include "inngest.h"

#define DEFAULT_MAX_CALLS 200
#define DEFAULT_MAX_ATTEMPTS 5 /* the server's default: 4 retries */

/* The run's state between calls. */
struct player {
    const struct ing_app *app;
    const char *fn_id;
    const struct ing_test_run_options *opts;
    struct ing_test_run_result *out;
    json_object *planned;     /* hashes of StepPlanned ops still to run, in order */
    int max_attempts;
};

/* Whether `text` is one JSON value (null included) and nothing after it but
 * white space: true with *out (the caller's reference; NULL for null or a
 * NULL text), or false with the reason on stderr. */
static bool parses(const char *what, const char *text, json_object **out)
{
    *out = NULL;
    if (!text)
        return true;
    size_t len = strlen(text);
    struct json_parse_outcome how;
    json_object *v = json_parse_bounded(text, len, &how);
    size_t end = how.end;
    while (end < len && strchr(" \t\r\n", text[end]))
        end++;
    if (how.no_tokener || how.error != json_tokener_success || end != len) {
        json_object_put(v);
        fprintf(stderr, "ing_test_run: %s is not valid JSON: %.80s\n", what, text);
        return false;
    }
    *out = v;
    return true;
}

/* Attempts the executor gives the function: its .retries + 1, or for the
 * "<id>-failure" handler of an on_failure, two (it retries once). */
static int attempts_of(const struct ing_app *app, const char *fn_id)
{
    size_t id_len = strlen(fn_id);
    for (size_t i = 0; i < app->function_count; i++) {
        const struct ing_function *f = &app->functions[i];
        if (!f->id)
            continue;
        if (strcmp(f->id, fn_id) == 0)
            return f->retries.set ? f->retries.count + 1 : DEFAULT_MAX_ATTEMPTS;
        size_t n = strlen(f->id);
        if (f->on_failure && id_len == n + strlen("-failure") && strncmp(fn_id, f->id, n) == 0 &&
            strcmp(fn_id + n, "-failure") == 0)
            return 2;
    }
    return DEFAULT_MAX_ATTEMPTS;
}

static json_object *wrapped(const char *key, json_object *value)
{
    json_object *o = json_object_new_object();
    if (o)
        json_object_object_add(o, key, value);
    else
        json_object_put(value);
    return o;
}

/* Memoizes entry (taken) under the step hash id. */
static void memoize(struct player *p, const char *id, json_object *entry)
{
    json_object_object_add(p->out->steps, id, entry);
}

static bool is_planned(const struct player *p, const char *id)
{
    for (size_t i = 0; i < json_object_array_length(p->planned); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(p->planned, i)), id) == 0)
            return true;
    return false;
}

/* What the executor does with one op.  Sets *retry for a StepError; false
 * (reason on stderr) when the op has no result to give. */
static bool play_op(struct player *p, json_object *op, const char *target, bool *retry)
{
    const struct ing_test_run_options *o = p->opts;
    const char *code = ing_json_get_string(op, "op");
    const char *id = ing_json_get_string(op, "id");
    if (!code || !id) {
        fprintf(stderr, "ing_test_run: %s: an op without \"op\" or \"id\"\n", p->fn_id);
        return false;
    }
    if (o && o->supply) {
        const char *given = o->supply(o->supply_arg, op);
        if (given) {
            json_object *entry;
            if (!parses("a result supply() gave", given, &entry))
                return false;
            memoize(p, id, entry);
            return true;
        }
    }
    if (strcmp(code, "StepRun") == 0) {
        memoize(p, id, wrapped("data", json_object_get(ing_json_get(op, "data"))));
    } else if (strcmp(code, "StepFailed") == 0) {
        memoize(p, id, wrapped("error", json_object_get(ing_json_get(op, "error"))));
    } else if (strcmp(code, "StepError") == 0) {
        *retry = true;
    } else if (strcmp(code, "StepPlanned") == 0) {
        if ((!target || strcmp(target, id) != 0) && !is_planned(p, id))
            json_object_array_add(p->planned, json_object_new_string(id));
    } else if (strcmp(code, "Sleep") == 0) {
        memoize(p, id, wrapped("data", NULL));
    } else if (strcmp(code, "WaitForEvent") == 0 || strcmp(code, "WaitForSignal") == 0 ||
               strcmp(code, "InvokeFunction") == 0) {
        bool wait = code[0] == 'W';
        const char *text = !o ? NULL : wait ? o->wait_result : o->invoke_result;
        json_object *value;
        if (!parses(wait ? "wait_result" : "invoke_result", text, &value))
            return false;
        memoize(p, id, wrapped("data", value));
    } else {
        fprintf(stderr, "ing_test_run: %s: op %s (step \"%s\") has no default result: "
                "give it one with opts->supply\n", p->fn_id, code,
                ing_json_get_string(op, "displayName") ? ing_json_get_string(op, "displayName") : id);
        return false;
    }
    return true;
}

/* One call, recorded in out->answers.  -1 when it could not be made. */
static int call_once(struct player *p, const char *target, int attempt, struct ing_test_result *r)
{
    const char *steps = json_object_to_json_string_ext(p->out->steps, ING_JSON_FLAGS);
    struct ing_test_options o = {.event = p->opts ? p->opts->event : NULL, .steps = steps,
                                 .step_id = target, .attempt = attempt,
                                 .disable_immediate_execution = target != NULL};
    if (ing_test_call(p->app, p->fn_id, &o, r) != 0)
        return -1;
    p->out->calls++;
    json_object *answer = json_object_new_object();
    json_object_object_add(answer, "status", json_object_new_int(r->status));
    json_object_object_add(answer, "step_id", target ? json_object_new_string(target) : NULL);
    json_object_object_add(answer, "attempt", json_object_new_int(attempt));
    json_object_object_add(answer, "body", r->json ? json_object_get(r->json) : json_object_new_string(r->body));
    json_object_object_add(answer, "no_retry", json_object_new_boolean(r->no_retry));
    json_object_object_add(answer, "retry_after", json_object_new_string(r->retry_after));
    json_object_array_add(p->out->answers, answer);
    return 0;
}

static void finish(struct player *p, const struct ing_test_result *r)
{
    struct ing_test_run_result *out = p->out;
    out->status = r->status;
    json_object_put(out->output);
    out->output = json_object_get(r->json);
    out->no_retry = r->no_retry;
    snprintf(out->retry_after, sizeof(out->retry_after), "%s", r->retry_after);
}

int ing_test_run(const struct ing_app *app, const char *fn_id, const struct ing_test_run_options *opts,
                 struct ing_test_run_result *out)
{
    memset(out, 0, sizeof(*out));
    out->answers = json_object_new_array();
    out->ops = json_object_new_array();
    out->steps = json_object_new_object();
    struct player p = {.app = app, .fn_id = fn_id, .opts = opts, .out = out,
                       .planned = json_object_new_array()};
    if (!app || !fn_id || !out->answers || !out->ops || !out->steps || !p.planned) {
        fprintf(stderr, "ing_test_run: %s\n", !app || !fn_id ? "no app or function id" : "out of memory");
        json_object_put(p.planned);
        return -1;
    }
    p.max_attempts = attempts_of(app, fn_id);
    int max_calls = opts && opts->max_calls > 0 ? opts->max_calls : DEFAULT_MAX_CALLS;
    int attempt = 0, rc = -1;
    while (out->calls < max_calls) {
        /* planned parallel steps run one by one before the next discovery call */
        const char *target = json_object_array_length(p.planned)
                                 ? json_object_get_string(json_object_array_get_idx(p.planned, 0))
                                 : NULL;
        struct ing_test_result r;
        if (call_once(&p, target, attempt, &r) != 0)
            goto done;
        finish(&p, &r);
        if (r.status != 206) {
            ing_test_result_free(&r);
            if (out->status >= 500 && !out->no_retry && attempt + 1 < p.max_attempts) {
                attempt++;
                continue;
            }
            rc = 0;
            goto done;
        }
        bool retry = false, ok = true;
        for (size_t i = 0; ok && i < json_object_array_length(r.json); i++) {
            json_object *op = json_object_array_get_idx(r.json, i);
            json_object_array_add(out->ops, json_object_get(op));
            ok = play_op(&p, op, target, &retry);
        }
        ing_test_result_free(&r);
        if (!ok)
            goto done;
        if (target && !retry) /* the planned step has its result (or failed for good) */
            json_object_array_del_idx(p.planned, 0, 1);
        attempt = retry ? attempt + 1 : 0;
    }
    fprintf(stderr, "ing_test_run: %s did not end within %d calls\n", fn_id, max_calls);
done:
    json_object_put(p.planned);
    return rc;
}

void ing_test_run_free(struct ing_test_run_result *r)
{
    json_object_put(r->output);
    json_object_put(r->answers);
    json_object_put(r->ops);
    json_object_put(r->steps);
    memset(r, 0, sizeof(*r));
}
