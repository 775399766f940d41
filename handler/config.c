/*
 * config.c — environment → struct ing_settings.
 *
 * Follows the JS SDK's resolution order (PROTOCOL.md §1): an INNGEST_DEV boolean
 * decides the mode, a URL in INNGEST_DEV means dev mode at that origin, else
 * cloud.  Strings point into the environment, which outlives every request.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signature.h"

#define CLOUD_API "https://api.inngest.com"
#define CLOUD_EVENTS "https://inn.gs"
#define DEV_ORIGIN "http://localhost:8288"

static const char *nonempty(settings_getenv_fn get, const char *name)
{
    const char *v = get(name);
    return v && *v ? v : NULL;
}

int settings_parse_bool(const char *v)
{
    if (!v)
        return -1;
    while (isspace((unsigned char)*v))
        v++;
    size_t n = strlen(v);
    while (n && isspace((unsigned char)v[n - 1]))
        n--;
    if ((n == 1 && v[0] == '1') || (n == 4 && strncasecmp(v, "true", 4) == 0))
        return 1;
    if ((n == 1 && v[0] == '0') || (n == 5 && strncasecmp(v, "false", 5) == 0))
        return 0;
    return -1;
}

static bool is_http_url(const char *v)
{
    return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

/* Origins are stored without a trailing slash so paths join with one "/". */
static const char *origin_of(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || v[n - 1] != '/')
        return v;
    char *copy = strdup(v);
    if (!copy)
        return v;
    while (n > 0 && copy[n - 1] == '/')
        copy[--n] = '\0';
    return copy; /* process lifetime: read once at start-up */
}

static bool read_bool(settings_getenv_fn get, const char *name, bool dflt, bool *out, char *err,
                      size_t err_size)
{
    const char *v = nonempty(get, name);
    if (!v) {
        *out = dflt;
        return true;
    }
    int b = settings_parse_bool(v);
    if (b < 0) {
        snprintf(err, err_size, "%s must be 1/true or 0/false", name);
        return false;
    }
    *out = b;
    return true;
}

static bool key_is_usable(const char *key)
{
    const char *hex = sig_key_material(key);
    size_t n = strlen(hex);
    if (n == 0 || n % 2)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)hex[i]))
            return false;
    return true;
}

bool settings_load(struct ing_settings *s, const char *default_app_id, settings_getenv_fn get,
                   char *err, size_t err_size)
{
    memset(s, 0, sizeof(*s));
    s->app_id = nonempty(get, "INNGEST_APP_ID");
    if (!s->app_id)
        s->app_id = default_app_id;

    const char *dev = nonempty(get, "INNGEST_DEV");
    const char *dev_url = NULL;
    int dev_bool = settings_parse_bool(dev);
    if (dev_bool >= 0) {
        s->dev = dev_bool;
    } else if (dev && is_http_url(dev)) {
        s->dev = true;
        dev_url = dev;
    } else if (dev) {
        snprintf(err, err_size, "INNGEST_DEV must be 1/true, 0/false or a http(s) URL");
        return false;
    }

    const char *base = nonempty(get, "INNGEST_BASE_URL");
    const char *api = nonempty(get, "INNGEST_API_BASE_URL");
    const char *events = nonempty(get, "INNGEST_EVENT_API_BASE_URL");
    const char *named[][2] = {{"INNGEST_BASE_URL", base},
                              {"INNGEST_API_BASE_URL", api},
                              {"INNGEST_EVENT_API_BASE_URL", events}};
    for (size_t i = 0; i < 3; i++) {
        if (named[i][1] && !is_http_url(named[i][1])) {
            snprintf(err, err_size, "%s must be a http:// or https:// URL", named[i][0]);
            return false;
        }
    }
    const char *fallback_api = base ? base : dev_url ? dev_url : s->dev ? DEV_ORIGIN : CLOUD_API;
    const char *fallback_events =
        base ? base : dev_url ? dev_url : s->dev ? DEV_ORIGIN : CLOUD_EVENTS;
    s->api_origin = origin_of(api ? api : fallback_api);
    s->event_api_origin = origin_of(events ? events : fallback_events);

    s->signing_key = nonempty(get, "INNGEST_SIGNING_KEY");
    s->signing_key_fallback = nonempty(get, "INNGEST_SIGNING_KEY_FALLBACK");
    if (s->signing_key && !key_is_usable(s->signing_key)) {
        snprintf(err, err_size,
                 "INNGEST_SIGNING_KEY is not a signing key (expected signkey-<env>-<hex> or even-length hex)");
        return false;
    }
    if (s->signing_key_fallback && !key_is_usable(s->signing_key_fallback)) {
        snprintf(err, err_size,
                 "INNGEST_SIGNING_KEY_FALLBACK is not a signing key (expected signkey-<env>-<hex> or even-length hex)");
        return false;
    }
    s->event_key = nonempty(get, "INNGEST_EVENT_KEY");
    s->env = nonempty(get, "INNGEST_ENV");

    const char *origin = nonempty(get, "INNGEST_SERVE_ORIGIN");
    if (origin && !is_http_url(origin)) {
        snprintf(err, err_size, "INNGEST_SERVE_ORIGIN must be a http:// or https:// origin");
        return false;
    }
    s->serve_origin = origin ? origin_of(origin) : NULL;
    s->serve_path = nonempty(get, "INNGEST_SERVE_PATH");
    if (s->serve_path && s->serve_path[0] != '/') {
        snprintf(err, err_size, "INNGEST_SERVE_PATH must start with /");
        return false;
    }

    if (!read_bool(get, "INNGEST_ALLOW_IN_BAND_SYNC", true, &s->allow_in_band_sync, err, err_size) ||
        !read_bool(get, "INNGEST_ENABLE_UNAUTHED_SYNC", true, &s->enable_unauthed_sync, err,
                   err_size) ||
        !read_bool(get, "INNGEST_TRUST_FORWARDED", false, &s->trust_forwarded, err, err_size) ||
        !read_bool(get, "INNGEST_STREAMING", false, &s->streaming, err, err_size) ||
        !read_bool(get, "INNGEST_CHECKPOINTING", false, &s->checkpointing, err, err_size))
        return false;

    const char *level = nonempty(get, "INNGEST_LOG_LEVEL");
    s->log_level = ING_LOG_INFO;
    if (level) {
        static const char *names[] = {"debug", "info", "warn", "error"};
        bool found = false;
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(level, names[i]) == 0) {
                s->log_level = (enum ing_log_level)i;
                found = true;
            }
        }
        if (!found) {
            snprintf(err, err_size, "INNGEST_LOG_LEVEL must be debug, info, warn or error");
            return false;
        }
    }
    const char *format = nonempty(get, "INNGEST_LOG_FORMAT");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "text") != 0) {
        snprintf(err, err_size, "INNGEST_LOG_FORMAT must be text or json");
        return false;
    }
    s->log_json = format && strcmp(format, "json") == 0;
    return true;
}

bool settings_is_production(const struct ing_settings *s)
{
    return !s->dev && (!s->env || strcmp(s->env, "production") == 0);
}
