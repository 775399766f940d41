/*
 * settings.h — the settings of one process, read once from the environment at
 * start-up (PROTOCOL.md §1 and functions/README.md §3) and read-only afterwards.
 *
 * Owns mode resolution (dev vs cloud), the API and Event API origins and the
 * boolean switches.  Must never print a key: server_report_settings()
 * (transport/server_setup.c) says only whether each secret is set.
 */
#ifndef ING_SETTINGS_H
#define ING_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/encryption.h"
#include "inngest.h"
#include "base/ip_list.h"

struct settings {
    const char *app_id;
    bool dev;                          /* dev mode: no signatures */
    const char *signing_key;           /* NULL when unset */
    const char *signing_key_fallback;
    const char *event_key;
    const char *api_origin;            /* no trailing slash */
    const char *event_api_origin;      /* no trailing slash */
    const char *env;                   /* INNGEST_ENV (branch), NULL when unset */
    const char *serve_origin;          /* INNGEST_SERVE_ORIGIN, no trailing slash */
    const char *serve_path;            /* INNGEST_SERVE_PATH, NULL when unset */
    const char *endpoint_path;         /* serve_path or "/api/inngest": the one path
                                        * the Inngest endpoint answers at */
    bool allow_in_band_sync;
    bool enable_unauthed_sync;         /* INNGEST_ALLOW_UNSIGNED_SYNC: an out-of-band
                                        * PUT needs no signature */
    bool trust_forwarded;              /* X-Forwarded-* from a trusted proxy count */
    struct ip_list trusted_proxies;    /* INNGEST_TRUSTED_PROXIES, default loopback */
    struct ip_list web_server_addrs;   /* FCGI_WEB_SERVER_ADDRS, default loopback:
                                        * who may connect to a TCP listener */
    unsigned read_timeout_ms;          /* INNGEST_REQUEST_READ_TIMEOUT (s): accept →
                                        * whole request read */
    bool streaming;
    bool checkpointing;
    enum ing_log_level log_level;
    bool log_json;
    struct enc_keys encryption;        /* INNGEST_ENCRYPTION_KEY (+ _FALLBACKS), derived;
                                        * count 0 when off */
};

/* Reads the environment through `getenv_fn` (getenv in production, a table in
 * tests).  false + message on a setting that cannot be used (a malformed
 * boolean, a base URL that is not http(s), a non-hex signing key). */
typedef const char *(*settings_getenv_fn)(const char *name);
bool settings_load(struct settings *s, const char *default_app_id, settings_getenv_fn get,
                   char *err, size_t err_size);

/* True in cloud mode with INNGEST_ENV unset or "production". */
bool settings_is_production(const struct settings *s);

/* Parses "1/true/0/false" (trimmed, any case); -1 when it is not a boolean. */
int settings_parse_bool(const char *v);

#endif
