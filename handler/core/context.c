/*
 * context.c — creating and releasing a request's context, the memory
 * helpers of the public API and the accessors a function uses.
 *
 * ctx_release() is the single place where a request's memory goes away; the
 * helpers here turn an allocation failure into an SDK error (a retriable 500)
 * instead of handing NULL to user code.
 */
#include "core/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/json_parse.h"
#include "base/json_strict.h"
#include "base/mem_alloc.h"
#include "core/server.h"

struct ing_ctx *ctx_new(const struct server *server)
{
    struct arena *a = arena_new();
    if (!a)
        return NULL;
    struct ing_ctx *c = arena_alloc(a, sizeof(*c));
    if (!c) {
        arena_release(a);
        return NULL;
    }
    c->arena = a;
    c->server = server;
    c->app = server ? server->app : NULL;
    return c;
}

void ctx_release(struct ing_ctx *c)
{
    if (c)
        arena_release(c->arena); /* c itself lives in the arena */
}

_Noreturn void ctx_unwind(struct ing_ctx *c, enum call_outcome outcome)
{
    if (!c->unwind) {
        ing_log(ING_LOG_ERROR, "internal: a step or error was raised outside any request");
        abort();
    }
    c->outcome = outcome;
    longjmp(*c->unwind, 1);
}

_Noreturn void ctx_sdk_error(struct ing_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(c->arena, fmt, ap);
    va_end(ap);
    c->sdk_error = msg ? msg : "out of memory";
    ctx_unwind(c, CALL_SDK_ERROR);
}

void *ing_alloc(struct ing_ctx *c, size_t size)
{
    void *p = arena_alloc(c->arena, size);
    if (!p)
        ctx_sdk_error(c, "out of memory");
    return p;
}

char *ing_strdup(struct ing_ctx *c, const char *s)
{
    if (!s)
        return NULL;
    char *d = arena_strdup(c->arena, s);
    if (!d)
        ctx_sdk_error(c, "out of memory");
    return d;
}

char *ing_sprintf(struct ing_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = arena_vprintf(c->arena, fmt, ap);
    va_end(ap);
    if (!d)
        ctx_sdk_error(c, "out of memory");
    return d;
}

void ing_defer(struct ing_ctx *c, void (*fn)(void *), void *arg)
{
    if (!arena_defer(c->arena, fn, arg))
        ctx_sdk_error(c, "out of memory");
}

json_object *ing_keep(struct ing_ctx *c, json_object *value)
{
    if (!value)
        return NULL;
    if (!arena_keep_json(c->arena, value))
        ctx_sdk_error(c, "out of memory");
    return value;
}

static json_object *kept(struct ing_ctx *c, json_object *v)
{
    if (!v)
        ctx_sdk_error(c, "out of memory");
    return ing_keep(c, v);
}

json_object *ing_json_object(struct ing_ctx *c) { return kept(c, json_object_new_object()); }
json_object *ing_json_array(struct ing_ctx *c) { return kept(c, json_object_new_array()); }
/* NULL is JSON null (json-c's NULL), as everywhere else a value is taken:
 * a "" would hide a missing field behind a value that looks set. */
json_object *ing_json_string(struct ing_ctx *c, const char *s)
{
    return s ? kept(c, json_object_new_string(s)) : NULL;
}
json_object *ing_json_int(struct ing_ctx *c, int64_t v) { return kept(c, json_object_new_int64(v)); }
json_object *ing_json_double(struct ing_ctx *c, double v) { return kept(c, json_object_new_double(v)); }
json_object *ing_json_bool(struct ing_ctx *c, bool v) { return kept(c, json_object_new_boolean(v)); }

json_object *ing_json_parse(struct ing_ctx *c, const char *text)
{
    if (!text)
        return NULL;
    size_t len = strlen(text);
    struct json_parse_outcome how;
    json_object *v = json_parse_bounded(text, len, &how);
    if (how.no_tokener)
        ctx_sdk_error(c, "out of memory");
    if (how.error != json_tokener_success || how.end != len) {
        json_object_put(v);
        return NULL;
    }
    return ing_keep(c, v);
}

bool ing_json_parse_strict(struct ing_ctx *c, const char *text, size_t len, json_object **out)
{
    bool ok = json_strict_parse(text, len, true, out);
    if (*out)
        ing_keep(c, *out);
    return ok;
}

bool ing_json_set(json_object *obj, const char *key, json_object *value)
{
    if (!obj || !key || !json_object_is_type(obj, json_type_object))
        return false;
    /* on failure json-c keeps our reference: give it back, or the value leaks */
    if (json_object_object_add(obj, key, json_object_get(value)) != 0) {
        json_object_put(value);
        return false;
    }
    return true;
}

bool ing_json_push(json_object *array, json_object *value)
{
    if (!array || !json_object_is_type(array, json_type_array))
        return false;
    if (json_object_array_add(array, json_object_get(value)) != 0) {
        json_object_put(value);
        return false;
    }
    return true;
}

json_object *ing_json_get(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (obj && json_object_is_type(obj, json_type_object))
        json_object_object_get_ex(obj, key, &v);
    return v;
}

const char *ing_json_get_string(json_object *obj, const char *key)
{
    json_object *v = ing_json_get(obj, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

bool ing_json_get_int(json_object *obj, const char *key, int64_t *out)
{
    json_object *v = ing_json_get(obj, key);
    if (!v || !json_object_is_type(v, json_type_int))
        return false;
    *out = json_object_get_int64(v);
    return true;
}

json_object *ing_event(struct ing_ctx *c) { return c->event; }

json_object *ing_event_data(struct ing_ctx *c)
{
    json_object *d = ing_json_get(c->event, "data");
    if (d && json_object_is_type(d, json_type_object))
        return d;
    return ing_json_object(c);
}

json_object *ing_events(struct ing_ctx *c)
{
    if (c->events)
        return c->events;
    json_object *a = ing_json_array(c);
    if (c->event)
        ing_json_push(a, c->event);
    return a;
}

int ing_attempt(const struct ing_ctx *c) { return c->attempt; }
int ing_max_attempts(const struct ing_ctx *c) { return c->max_attempts; }
/* "" when the request carried no ctx.run_id (the executor always sends one;
 * a forged or truncated body may not): user code formats and hashes it. */
const char *ing_run_id(const struct ing_ctx *c) { return c->run_id ? c->run_id : ""; }
const char *ing_app_id(const struct ing_ctx *c) { return c->server->settings.app_id; }

const char *ing_env(const struct ing_ctx *c, const char *name)
{
    (void)c;
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

void *ing_app_state(const struct ing_ctx *c) { return c->server ? c->server->app_state : NULL; }

const char *ing_function_ref(struct ing_ctx *c, const char *fn_id)
{
    return ing_sprintf(c, "%s-%s", ing_app_id(c), fn_id);
}
