/*
 * introspection.c — building the GET body.
 */
#include "introspection.h"

#include <stdio.h>
#include <string.h>

#include "function_table.h"
#include "response.h"
#include "server.h"

static json_object *string_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

json_object *introspection_body(const struct ing_server *srv, enum sig_outcome auth)
{
    const struct ing_settings *s = &srv->settings;
    bool authed = auth == SIG_VALID_PRIMARY || auth == SIG_VALID_FALLBACK;
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "authentication_succeeded",
                           auth == SIG_MISSING || s->dev ? NULL : json_object_new_boolean(authed));
    json_object_object_add(o, "extra", json_object_new_object());
    json_object_object_add(o, "function_count",
                           json_object_new_int((int)fn_table_server_count(srv->app->functions,
                                                                          srv->app->function_count)));
    json_object_object_add(o, "has_event_key", json_object_new_boolean(s->event_key != NULL));
    json_object_object_add(o, "has_signing_key", json_object_new_boolean(s->signing_key != NULL));
    json_object_object_add(o, "has_signing_key_fallback",
                           json_object_new_boolean(s->signing_key_fallback != NULL));
    json_object_object_add(o, "mode", json_object_new_string(s->dev ? "dev" : "cloud"));
    json_object_object_add(o, "schema_version", json_object_new_string("2024-05-24"));
    json_object *caps = json_object_new_object();
    json_object_object_add(o, "capabilities", caps);
    if (!authed || s->dev)
        return o;

    json_object_object_add(caps, "trust_probe", json_object_new_string("v1"));
    json_object_object_add(o, "api_origin", json_object_new_string(s->api_origin));
    json_object_object_add(o, "app_id", json_object_new_string(s->app_id));
    json_object_object_add(o, "env", string_or_null(s->env));
    json_object_object_add(o, "event_api_origin", json_object_new_string(s->event_api_origin));
    json_object_object_add(o, "event_key_hash",
                           string_or_null(srv->event_key_hash[0] ? srv->event_key_hash : NULL));
    json_object_object_add(o, "framework", json_object_new_string("fastcgi"));
    json_object_object_add(o, "sdk_language", json_object_new_string("c"));
    json_object_object_add(o, "sdk_version", json_object_new_string(ING_SDK_VERSION));
    json_object_object_add(o, "serve_origin", string_or_null(s->serve_origin));
    json_object_object_add(o, "serve_path", string_or_null(s->serve_path));
    json_object_object_add(o, "signing_key_hash",
                           string_or_null(srv->signing_key_hash[0] ? srv->signing_key_hash : NULL));
    json_object_object_add(o, "signing_key_fallback_hash",
                           string_or_null(srv->signing_key_fallback_hash[0]
                                              ? srv->signing_key_fallback_hash
                                              : NULL));
    return o;
}

static enum introspection_kind kind_of(const struct ing_server *srv, enum sig_outcome auth)
{
    if (auth == SIG_MISSING || srv->settings.dev)
        return INTRO_UNSIGNED;
    return auth == SIG_VALID_PRIMARY || auth == SIG_VALID_FALLBACK ? INTRO_AUTHENTICATED
                                                                   : INTRO_REJECTED;
}

void introspection_render(struct ing_server *srv)
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

const char *introspection_text(const struct ing_server *srv, enum sig_outcome auth, size_t *len)
{
    const char *text = srv->introspection[kind_of(srv, auth)];
    *len = strlen(text);
    return *len ? text : NULL;
}
