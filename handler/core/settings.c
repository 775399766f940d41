/*
 * settings.c — environment → struct settings.
 *
 * Follows the JS SDK's resolution order (PROTOCOL.md §1): an INNGEST_DEV boolean
 * decides the mode, a URL in INNGEST_DEV means dev mode at that origin, else
 * cloud.  Strings point into the environment, which outlives every request.
 */
#include "core/settings.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/signature.h"

#define CLOUD_API "https://api.inngest.com"
#define CLOUD_EVENTS "https://inn.gs"
#define DEV_ORIGIN "http://localhost:8288"
#define DEFAULT_ENDPOINT_PATH "/api/inngest"
/* nginx hands a request over in one go (it buffers the body first), so a
 * connection that has not delivered its whole request after 10 s is not
 * nginx; a front that streams bodies (fastcgi_request_buffering off) may
 * need more. */
#define DEFAULT_READ_TIMEOUT_S 10

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

/* INNGEST_ALLOW_UNSIGNED_SYNC, or its older name INNGEST_ENABLE_UNAUTHED_SYNC
 * (the JS SDK's); both set to different values is a mistake worth stopping for. */
static bool read_unsigned_sync(settings_getenv_fn get, bool *out, char *err, size_t err_size)
{
    bool allow = true, legacy = true;
    if (!read_bool(get, "INNGEST_ALLOW_UNSIGNED_SYNC", true, &allow, err, err_size) ||
        !read_bool(get, "INNGEST_ENABLE_UNAUTHED_SYNC", true, &legacy, err, err_size))
        return false;
    if (nonempty(get, "INNGEST_ALLOW_UNSIGNED_SYNC") && nonempty(get, "INNGEST_ENABLE_UNAUTHED_SYNC") &&
        allow != legacy) {
        snprintf(err, err_size, "INNGEST_ALLOW_UNSIGNED_SYNC and INNGEST_ENABLE_UNAUTHED_SYNC disagree: "
                                "set only INNGEST_ALLOW_UNSIGNED_SYNC");
        return false;
    }
    *out = nonempty(get, "INNGEST_ALLOW_UNSIGNED_SYNC") ? allow : legacy;
    return true;
}

/* A list of addresses; unset means loopback only. */
static bool read_ip_list(settings_getenv_fn get, const char *name, struct ip_list *out, char *err,
                         size_t err_size)
{
    const char *v = nonempty(get, name);
    if (!v) {
        ip_list_loopback(out);
        return true;
    }
    if (!ip_list_parse(v, name, out, err, err_size))
        return false;
    if (out->count == 0) {
        snprintf(err, err_size, "%s lists no address", name);
        return false;
    }
    return true;
}

/* Values that end up in a URL we register: printable ASCII without spaces. */
static bool plain_url_text(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F)
            return false;
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

bool settings_load(struct settings *s, const char *default_app_id, settings_getenv_fn get,
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
    if (!enc_keys_load(&s->encryption, nonempty(get, "INNGEST_ENCRYPTION_KEY"),
                       nonempty(get, "INNGEST_ENCRYPTION_KEY_FALLBACKS"), err, err_size))
        return false;
    s->event_key = nonempty(get, "INNGEST_EVENT_KEY");
    s->env = nonempty(get, "INNGEST_ENV");

    const char *origin = nonempty(get, "INNGEST_SERVE_ORIGIN");
    if (origin && !is_http_url(origin)) {
        snprintf(err, err_size, "INNGEST_SERVE_ORIGIN must be a http:// or https:// origin");
        return false;
    }
    s->serve_origin = origin ? origin_of(origin) : NULL;
    if (origin && !plain_url_text(origin)) {
        snprintf(err, err_size, "INNGEST_SERVE_ORIGIN may not contain spaces or control characters");
        return false;
    }
    s->serve_path = nonempty(get, "INNGEST_SERVE_PATH");
    if (s->serve_path && (s->serve_path[0] != '/' || !plain_url_text(s->serve_path) ||
                          strpbrk(s->serve_path, "?#"))) {
        snprintf(err, err_size, "INNGEST_SERVE_PATH must be a path starting with / (no query, "
                                "no spaces or control characters)");
        return false;
    }
    s->endpoint_path = s->serve_path ? s->serve_path : DEFAULT_ENDPOINT_PATH;

    if (!read_bool(get, "INNGEST_ALLOW_IN_BAND_SYNC", true, &s->allow_in_band_sync, err, err_size) ||
        !read_unsigned_sync(get, &s->enable_unauthed_sync, err, err_size) ||
        !read_bool(get, "INNGEST_TRUST_FORWARDED", false, &s->trust_forwarded, err, err_size) ||
        !read_bool(get, "INNGEST_STREAMING", false, &s->streaming, err, err_size) ||
        !read_bool(get, "INNGEST_CHECKPOINTING", false, &s->checkpointing, err, err_size))
        return false;

    if (!read_ip_list(get, "INNGEST_TRUSTED_PROXIES", &s->trusted_proxies, err, err_size) ||
        !read_ip_list(get, "FCGI_WEB_SERVER_ADDRS", &s->web_server_addrs, err, err_size))
        return false;
    const char *timeout = nonempty(get, "INNGEST_REQUEST_READ_TIMEOUT");
    s->read_timeout_ms = DEFAULT_READ_TIMEOUT_S * 1000u;
    if (timeout) {
        char *end;
        long v = strtol(timeout, &end, 10);
        if (*end || v < 1 || v > 600) {
            snprintf(err, err_size, "INNGEST_REQUEST_READ_TIMEOUT must be a number of seconds, 1..600");
            return false;
        }
        s->read_timeout_ms = (unsigned)v * 1000u;
    }

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

bool settings_is_production(const struct settings *s)
{
    return !s->dev && (!s->env || strcmp(s->env, "production") == 0);
}
