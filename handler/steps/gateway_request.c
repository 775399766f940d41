/*
 * gateway_request.c — the checks and shapes of step.fetch and step.ai.infer
 * (PROTOCOL.md §8.5).
 *
 * These requests leave from the Inngest server, not from us, but what goes
 * into the op is still ours to check: a URL the server would refuse, or a
 * header line with CR/LF, must fail the step here with a message that names
 * it, not later in the server's log.  The wire shapes are the executor's
 * (pkg/util/gateway, pkg/util/aigateway in inngest/inngest v1.44): headers
 * are a map of one value per name, the body of a fetch is a string.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/json_take.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "steps/gateway_request.h"

#define MAX_URL 8192
#define MAX_METHOD 32

/* An RFC 9110 token (method names and header names). */
static bool is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(isalnum(ch) || strchr("!#$%&'*+-.^_`|~", ch)))
            return false;
    }
    return true;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* A header value may hold tabs (RFC 9110 field-content), no other control. */
static bool bad_value(const char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
            return true;
    return false;
}

/* http:// or https:// followed by a host, no spaces or control bytes. */
static const char *check_url(struct arena *a, const char *url)
{
    if (!url || !*url)
        return "the request needs a url";
    size_t n = strlen(url);
    if (n > MAX_URL)
        return arena_printf(a, "the url is %zu bytes long; at most %d", n, MAX_URL);
    size_t skip = 0;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return "the url must start with http:// or https://";
    if (!url[skip] || strchr("/?#", url[skip]))
        return "the url has no host";
    if (has_control(url) || strchr(url, ' '))
        return "the url contains a space or a control character";
    return NULL;
}

static bool valid_utf8(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (len == 0 || cp == 0)
            return false;
        i += len;
    }
    return true;
}

/* Whether {name: value} has `name` already, in any case. */
static bool has_header(json_object *headers, const char *name)
{
    json_object_object_foreach(headers, key, v)
    {
        (void)v;
        if (strcasecmp(key, name) == 0)
            return true;
    }
    return false;
}

/* Header lines into {name: value}; the executor keeps one value per name,
 * so a repeated name is refused rather than silently dropped. */
static const char *add_headers(struct arena *a, json_object *out, const char *const *lines)
{
    for (int i = 0; i < ING_FETCH_MAX_HEADERS; i++) {
        const char *line = lines[i];
        if (!line)
            continue;
        if (strchr(line, '\r') || strchr(line, '\n'))
            return arena_printf(a, "header line %d contains CR or LF", i + 1);
        const char *colon = strchr(line, ':');
        if (!colon || !is_token(line, (size_t)(colon - line)))
            return arena_printf(a, "header line %d is not \"Name: value\"", i + 1);
        const char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        if (bad_value(value))
            return arena_printf(a, "header line %d has a control character in its value", i + 1);
        if (strlen(value) > ING_MAX_HEADER_VALUE)
            return arena_printf(a, "header line %d is longer than %d bytes", i + 1,
                                ING_MAX_HEADER_VALUE);
        char *name = arena_strndup(a, line, (size_t)(colon - line));
        if (!name)
            return NULL;
        if (has_header(out, name))
            return arena_printf(a, "header \"%s\" is given twice", name);
        if (!json_take_set(out, name, json_object_new_string(value)))
            return NULL;
    }
    return "";
}

/* The op's "headers": the lines as {name: value}, with `name: value` added
 * when the lines do not set that name (name NULL: nothing added).  NULL
 * after *why = the reason, or *why = NULL when out of memory. */
static json_object *header_map(struct arena *a, const char *const *lines, const char *name,
                               const char *value, const char **why)
{
    json_object *headers = json_object_new_object();
    const char *bad = headers ? add_headers(a, headers, lines) : NULL;
    if (bad && !*bad && name && !has_header(headers, name) &&
        !json_take_set(headers, name, json_object_new_string(value)))
        bad = NULL;
    if (bad && !*bad)
        return headers;
    *why = bad;
    json_object_put(headers);
    return NULL;
}

/* The op's options: opts itself when every member was stored, else NULL
 * (and opts is released). */
static json_object *built(json_object *opts, bool ok)
{
    if (ok)
        return opts;
    json_object_put(opts);
    return NULL;
}

json_object *gateway_fetch_opts(struct arena *a, const struct ing_fetch_request *req,
                                const char **why)
{
    *why = NULL;
    if (!req) {
        *why = "the step needs a request";
        return NULL;
    }
    const char *method = req->method ? req->method : "GET";
    if (strlen(method) > MAX_METHOD || !is_token(method, strlen(method))) {
        *why = "the method is not an HTTP token (GET, POST, …)";
        return NULL;
    }
    if ((*why = check_url(a, req->url)))
        return NULL;
    size_t body_len = req->body ? (req->body_len ? req->body_len : strlen(req->body)) : 0;
    if (body_len > ING_MAX_STEP_OUTPUT) {
        *why = arena_printf(a, "the body is %zu bytes; a step's op carries at most %u", body_len,
                            ING_MAX_STEP_OUTPUT);
        return NULL;
    }
    if (req->body && !valid_utf8(req->body, body_len)) {
        *why = "the body is not UTF-8 text without NUL bytes (the op carries it as a JSON string)";
        return NULL;
    }
    json_object *opts = json_object_new_object();
    json_object *headers = opts ? header_map(a, req->headers, NULL, NULL, why) : NULL;
    if (!headers)
        return built(opts, false);
    /* method always written: the executor's default is POST, ours GET */
    bool ok = json_take_set(opts, "url", json_object_new_string(req->url)) &&
              json_take_set(opts, "method", json_object_new_string(method));
    /* headers is taken either way: stored, or released with no opts to go in */
    ok = json_take_set(ok ? opts : NULL, "headers", headers) &&
         (!req->body || json_take_set(opts, "body", json_object_new_string_len(req->body, (int)body_len)));
    return built(opts, ok);
}

static bool empty_answer(struct arena *a, struct ing_fetch_response *res)
{
    res->status = 0;
    res->body = "";
    res->body_len = 0;
    res->headers = arena_keep_json(a, json_object_new_object());
    return res->headers != NULL;
}

bool gateway_fetch_answer(struct arena *a, json_object *stored, struct ing_fetch_response *res)
{
    if (!empty_answer(a, res))
        return false;
    json_object *v;
    if (json_object_object_get_ex(stored, "status_code", &v))
        res->status = json_object_get_int(v);
    if (json_object_object_get_ex(stored, "body", &v) && json_object_is_type(v, json_type_string)) {
        res->body = json_object_get_string(v);
        res->body_len = (size_t)json_object_get_string_len(v);
    }
    json_object *headers = NULL;
    if (!json_object_object_get_ex(stored, "headers", &headers) ||
        !json_object_is_type(headers, json_type_object))
        return true;
    json_object_object_foreach(headers, key, value)
    {
        char *lower = arena_strdup(a, key);
        if (!lower)
            return false;
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (!json_take_set(res->headers, lower, json_object_get(value)))
            return false;
    }
    return true;
}

bool gateway_fetch_failure(struct arena *a, json_object *error, struct ing_fetch_response *res)
{
    if (!empty_answer(a, res))
        return false;
    json_object *m;
    if (json_object_object_get_ex(error, "message", &m) && json_object_is_type(m, json_type_string)) {
        res->body = json_object_get_string(m);
        res->body_len = (size_t)json_object_get_string_len(m);
    } else {
        res->body = "the Inngest server could not make the request";
        res->body_len = strlen(res->body);
    }
    return true;
}

const char *gateway_ai_format_name(enum ing_ai_format format)
{
    switch (format) {
    case ING_AI_OPENAI_CHAT:
        return "openai-chat";
    case ING_AI_ANTHROPIC:
        return "anthropic";
    case ING_AI_GEMINI:
        return "gemini";
    case ING_AI_BEDROCK:
        return "bedrock";
    }
    return NULL;
}

static const char *default_url(enum ing_ai_format format)
{
    switch (format) {
    case ING_AI_OPENAI_CHAT:
        return "https://api.openai.com/v1/chat/completions";
    case ING_AI_ANTHROPIC:
        return "https://api.anthropic.com/v1/messages";
    default:
        return NULL;
    }
}

json_object *gateway_ai_opts(struct arena *a, const struct ing_ai_model *model, json_object *body,
                             const char **why)
{
    *why = NULL;
    if (!model) {
        *why = "the step needs a model";
        return NULL;
    }
    const char *format = gateway_ai_format_name(model->format);
    if (!format) {
        *why = arena_printf(a, "unknown model format %d", (int)model->format);
        return NULL;
    }
    const char *url = model->url ? model->url : default_url(model->format);
    if (!url) {
        *why = arena_printf(a, "a %s model needs a url (its endpoint names the model)", format);
        return NULL;
    }
    if ((*why = check_url(a, url)))
        return NULL;
    if (!body || !json_object_is_type(body, json_type_object)) {
        *why = "the body must be a JSON object (the provider's request)";
        return NULL;
    }
    if (model->auth_key && (has_control(model->auth_key) || strlen(model->auth_key) > ING_MAX_HEADER_VALUE)) {
        *why = "the auth key contains a control character or is too long";
        return NULL;
    }
    json_object *opts = json_object_new_object();
    /* the Messages API refuses a request without anthropic-version */
    const char *required = model->format == ING_AI_ANTHROPIC ? "anthropic-version" : NULL;
    json_object *headers = opts ? header_map(a, model->headers, required, "2023-06-01", why) : NULL;
    if (!headers)
        return built(opts, false);
    bool ok = json_take_set(opts, "type", json_object_new_string("step.ai.infer")) &&
              json_take_set(opts, "url", json_object_new_string(url)) &&
              json_take_set(opts, "format", json_object_new_string(format));
    /* headers is taken either way, as in gateway_fetch_opts */
    ok = json_take_set(ok ? opts : NULL, "headers", headers) &&
         (!model->auth_key || json_take_set(opts, "auth_key", json_object_new_string(model->auth_key))) &&
         json_take_set(opts, "body", json_object_get(body));
    return built(opts, ok);
}
