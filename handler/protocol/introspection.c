/*
 * introspection.c — building the GET body.
 */
#include "protocol/introspection.h"

#include <stdio.h>
#include <string.h>

#include "protocol/function_table.h"
#include "base/json_take.h"
#include "core/response.h"
#include "core/server.h"

/* o[k] = s as a string, or null when s is NULL. */
static bool set_string(json_object *o, const char *k, const char *s)
{
    return s ? json_take_set(o, k, json_object_new_string(s)) : json_take_set_null(o, k);
}

static bool set_bool(json_object *o, const char *k, bool b)
{
    return json_take_set(o, k, json_object_new_boolean(b));
}

/* NULL when out of memory: a body with members missing would misreport the app. */
json_object *introspection_body(const struct server *srv, enum sig_outcome auth)
{
    const struct settings *s = &srv->settings;
    bool authed = auth == SIG_VALID_PRIMARY || auth == SIG_VALID_FALLBACK;
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object *caps = json_object_new_object();
    bool ok = (auth == SIG_MISSING || s->dev ? json_take_set_null(o, "authentication_succeeded")
                                             : set_bool(o, "authentication_succeeded", authed)) &&
              json_take_set(o, "extra", json_object_new_object()) &&
              json_take_set(o, "function_count",
                            json_object_new_int((int)fn_table_server_count(
                                srv->app->functions, srv->app->function_count))) &&
              set_bool(o, "has_event_key", s->event_key != NULL) &&
              set_bool(o, "has_signing_key", s->signing_key != NULL) &&
              set_bool(o, "has_signing_key_fallback", s->signing_key_fallback != NULL) &&
              set_string(o, "mode", s->dev ? "dev" : "cloud") &&
              set_string(o, "schema_version", "2024-05-24");
    if (!ok)
        json_object_put(caps);
    /* caps stays reachable through o: it is filled below when authenticated */
    ok = ok && json_take_set(o, "capabilities", caps);
    if (ok && authed && !s->dev) {
        ok = set_string(caps, "trust_probe", "v1") && set_string(o, "api_origin", s->api_origin) &&
             set_string(o, "app_id", s->app_id) && set_string(o, "env", s->env) &&
             set_string(o, "event_api_origin", s->event_api_origin) &&
             set_string(o, "event_key_hash", srv->event_key_hash[0] ? srv->event_key_hash : NULL) &&
             set_string(o, "framework", "fastcgi") && set_string(o, "sdk_language", "c") &&
             set_string(o, "sdk_version", ING_SDK_VERSION) &&
             set_string(o, "serve_origin", s->serve_origin) &&
             set_string(o, "serve_path", s->serve_path) &&
             set_string(o, "signing_key_hash",
                        srv->signing_key_hash[0] ? srv->signing_key_hash : NULL) &&
             set_string(o, "signing_key_fallback_hash",
                        srv->signing_key_fallback_hash[0] ? srv->signing_key_fallback_hash : NULL);
    }
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static enum introspection_kind kind_of(const struct server *srv, enum sig_outcome auth)
{
    if (auth == SIG_MISSING || srv->settings.dev)
        return INTRO_UNSIGNED;
    return auth == SIG_VALID_PRIMARY || auth == SIG_VALID_FALLBACK ? INTRO_AUTHENTICATED
                                                                   : INTRO_REJECTED;
}

void introspection_render(struct server *srv)
{
    /* one outcome of each kind */
    static const enum sig_outcome sample[INTRO_KINDS] = {SIG_MISSING, SIG_MISMATCH,
                                                         SIG_VALID_PRIMARY};
    for (int k = 0; k < INTRO_KINDS; k++) {
        srv->introspection[k][0] = '\0';
        json_object *o = introspection_body(srv, sample[k]);
        size_t len = 0;
        const char *text = o ? json_object_to_json_string_length(o, ING_JSON_FLAGS, &len) : NULL;
        if (text && len < sizeof(srv->introspection[k]))
            memcpy(srv->introspection[k], text, len + 1);
        json_object_put(o);
    }
}

const char *introspection_text(const struct server *srv, enum sig_outcome auth, size_t *len)
{
    const char *text = srv->introspection[kind_of(srv, auth)];
    *len = strlen(text);
    return *len ? text : NULL;
}
