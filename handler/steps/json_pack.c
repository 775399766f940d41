/*
 * json_pack.c — ing_json_pack(): a JSON value from a short format and its
 * arguments in one call (in the manner of jansson's json_pack), and the
 * event builders on top of it.  inngest.h documents the format.
 *
 * The format is read strictly (a ':' after each key, ',' between members) so
 * that a format typo fails at once rather than shifting every argument after
 * it; a mistake fails the run as a NonRetriableError (no retry can fix the
 * code), after a log line that names the format and where it went wrong.
 * Values are built with json-c and kept by the request only once the whole
 * value is built, so a failure halfway leaves nothing behind.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "core/context.h"
#include "inngest.h"

#define PACK_MAX_DEPTH 32 /* nesting of {} and []: far more than a literal format needs */

struct packer {
    const char *fmt;  /* the whole format, for messages */
    const char *p;    /* the next character to read */
    va_list ap;
    int depth;
    int arg;          /* arguments taken so far (1-based in messages) */
    char why[160];    /* the first problem, "" while there is none */
};

static bool problem(struct packer *k, const char *fmt, ...) ING_PRINTF(2, 3);
static bool problem(struct packer *k, const char *fmt, ...)
{
    if (!k->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(k->why, sizeof(k->why), fmt, ap);
        va_end(ap);
    }
    return false;
}

static void skip_space(struct packer *k)
{
    while (*k->p == ' ' || *k->p == '\t' || *k->p == '\n')
        k->p++;
}

static size_t at(const struct packer *k) { return (size_t)(k->p - k->fmt); }

static bool pack_value(struct packer *k, json_object **out);

/* json-c's constructors fail only without memory. */
static bool made(struct packer *k, json_object *v, json_object **out)
{
    *out = v;
    return v ? true : problem(k, "out of memory");
}

/* One member of an object: `s` (the key's argument), ':', a value; *key
 * names it for the caller.  false (the reason in k) on a mistake. */
static bool pack_member(struct packer *k, const char **key, json_object **v)
{
    *v = NULL;
    skip_space(k);
    if (*k->p != 's')
        return problem(k, "a key must be 's' at offset %zu, not '%.1s'", at(k), *k->p ? k->p : "end");
    k->p++;
    k->arg++;
    *key = va_arg(k->ap, const char *);
    if (!*key)
        return problem(k, "argument %d, a key, is NULL", k->arg);
    skip_space(k);
    if (*k->p != ':')
        return problem(k, "':' expected after the key \"%.40s\" at offset %zu", *key, at(k));
    k->p++;
    if (pack_value(k, v))
        return true;
    if (strstr(k->why, "is NULL") && !strstr(k->why, "(key"))
        snprintf(k->why + strlen(k->why), sizeof(k->why) - strlen(k->why), " (key \"%.40s\")", *key);
    return false;
}

/* An object ('{' read, up to its '}') or an array ('[', up to ']'). */
static bool pack_container(struct packer *k, bool object, json_object **out)
{
    const char close = object ? '}' : ']';
    json_object *c = object ? json_object_new_object() : json_object_new_array();
    if (!c)
        return problem(k, "out of memory");
    skip_space(k);
    bool more = *k->p != close;
    if (!more)
        k->p++;
    while (more) {
        const char *key = NULL;
        json_object *v = NULL;
        if (!(object ? pack_member(k, &key, &v) : pack_value(k, &v))) {
            json_object_put(c);
            return false;
        }
        if ((object ? json_object_object_add(c, key, v) : json_object_array_add(c, v)) != 0) {
            json_object_put(v);
            json_object_put(c);
            return problem(k, "out of memory");
        }
        skip_space(k);
        if (*k->p != ',' && *k->p != close) {
            json_object_put(c);
            return problem(k, "',' or '%c' expected at offset %zu", close, at(k));
        }
        more = *k->p++ == ',';
    }
    *out = c;
    return true;
}

static bool pack_value(struct packer *k, json_object **out)
{
    *out = NULL;
    skip_space(k);
    char ch = *k->p;
    if (ch == '\0')
        return problem(k, "a value expected at offset %zu (the format ends)", at(k));
    k->p++;
    switch (ch) {
    case '{':
    case '[': {
        if (++k->depth > PACK_MAX_DEPTH)
            return problem(k, "nested deeper than %d", PACK_MAX_DEPTH);
        bool ok = pack_container(k, ch == '{', out);
        k->depth--;
        return ok;
    }
    case 's': {
        bool or_null = *k->p == '?';
        if (or_null)
            k->p++;
        k->arg++;
        const char *s = va_arg(k->ap, const char *);
        if (!s)
            return or_null ? true : problem(k, "argument %d, a string ('s'), is NULL: "
                                               "use 's?' where NULL means JSON null", k->arg);
        return made(k, json_object_new_string(s), out);
    }
    case 'i':
        k->arg++;
        return made(k, json_object_new_int64(va_arg(k->ap, int)), out);
    case 'I':
        k->arg++;
        return made(k, json_object_new_int64(va_arg(k->ap, int64_t)), out);
    case 'f': {
        k->arg++;
        double d = va_arg(k->ap, double);
        if (!isfinite(d)) /* JSON has no NaN or Infinity: json-c would write text no parser reads */
            return problem(k, "argument %d, a number ('f'), is not finite", k->arg);
        return made(k, json_object_new_double(d), out);
    }
    case 'b':
        k->arg++;
        return made(k, json_object_new_boolean(va_arg(k->ap, int) != 0), out);
    case 'n':
        return true;
    case 'o':
        k->arg++;
        *out = json_object_get(va_arg(k->ap, json_object *)); /* borrowed: our own reference */
        return true;
    default:
        k->p--;
        return problem(k, "unknown specifier '%c' at offset %zu (known: { } [ ] s s? i I f b n o)",
                       ch, at(k));
    }
}

/* Fails the run (or the step) with the reason, after logging it. */
static _Noreturn void pack_failed(struct ing_ctx *c, const char *fmt, const char *why)
{
    ing_log(ING_LOG_ERROR, "ing_json_pack(\"%.60s\"): %s", fmt ? fmt : "(null)", why);
    ing_fail_nonretriable(c, "ing_json_pack(\"%.60s\"): %s", fmt ? fmt : "(null)", why);
}

static json_object *vpack(struct ing_ctx *c, const char *fmt, va_list ap)
{
    if (!fmt)
        pack_failed(c, fmt, "the format is NULL");
    struct packer k = {.fmt = fmt, .p = fmt};
    va_copy(k.ap, ap);
    json_object *v = NULL;
    bool ok = pack_value(&k, &v);
    va_end(k.ap);
    if (ok) {
        skip_space(&k);
        if (*k.p) {
            json_object_put(v);
            ok = problem(&k, "unexpected '%c' at offset %zu after the value", *k.p, at(&k));
        }
    }
    if (!ok)
        pack_failed(c, fmt, k.why);
    return ing_keep(c, v);
}

json_object *ing_json_pack(struct ing_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_object *v = vpack(c, fmt, ap);
    va_end(ap);
    return v;
}

static json_object *event_of(struct ing_ctx *c, const char *name, json_object *data, const char *id)
{
    if (!name || !*name)
        ing_fail_nonretriable(c, "ing_event_new: an event needs a name");
    if (data && !json_object_is_type(data, json_type_object))
        ing_fail_nonretriable(c, "ing_event_new(\"%.80s\"): data must be a JSON object, not %s", name,
                              json_type_to_name(json_object_get_type(data)));
    json_object *event = data ? ing_json_pack(c, "{s:s, s:o}", "name", name, "data", data)
                              : ing_json_pack(c, "{s:s, s:{}}", "name", name, "data");
    if (id)
        ing_json_set(event, "id", ing_json_string(c, id));
    return event;
}

json_object *ing_event_new(struct ing_ctx *c, const char *name, json_object *data)
{
    return event_of(c, name, data, NULL);
}

json_object *ing_event_new_id(struct ing_ctx *c, const char *name, json_object *data, const char *id_fmt, ...)
{
    if (!id_fmt)
        ing_fail_nonretriable(c, "ing_event_new_id(\"%.80s\"): the id format is NULL", name ? name : "");
    va_list ap;
    va_start(ap, id_fmt);
    const char *id = arena_vprintf(c->arena, id_fmt, ap);
    va_end(ap);
    if (!id)
        ctx_sdk_error(c, "out of memory");
    return event_of(c, name, data, id);
}
