/*
 * sync.c — out-of-band and in-band sync.
 */
#include "protocol/sync.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "core/context.h"
#include "protocol/function_table.h"
#include "outbound/inngest_api.h"
#include "protocol/introspection.h"
#include "base/json_parse.h"
#include "base/json_take.h"
#include "base/json_strict.h"
#include "base/ip_list.h"
#include "core/log.h"
#include "base/limits.h"
#include "core/request.h"
#include "core/response.h"
#include "core/server.h"
#include "protocol/sync_gate.h"

static bool isalnum_ascii(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool plausible_host(const char *h)
{
    if (!h || !*h || strlen(h) > 255)
        return false;
    for (const char *p = h; *p; p++)
        if (!(isalnum_ascii(*p) || strchr(".-:[]_", *p)))
            return false;
    return true;
}

/* "localhost", 127.x.x.x or [::1], with or without a port. */
static bool loopback_host(const char *host)
{
    char name[128];
    const char *end;
    if (host[0] == '[') {
        end = strchr(host, ']');
        if (!end || (end[1] && end[1] != ':'))
            return false;
        host++;
    } else {
        end = strchr(host, ':');
        if (end && strchr(end + 1, ':'))
            return false; /* an IPv6 address without brackets is no Host */
        if (!end)
            end = host + strlen(host);
    }
    size_t n = (size_t)(end - host);
    if (n == 0 || n >= sizeof(name))
        return false;
    memcpy(name, host, n);
    name[n] = '\0';
    if (strcasecmp(name, "localhost") == 0)
        return true;
    struct ip_list loopback;
    ip_list_loopback(&loopback);
    return ip_list_contains_text(&loopback, name);
}

const char *sync_serve_url(struct ing_ctx *c, const struct request *req, const char **why)
{
    const struct settings *s = &c->server->settings;
    const char *path = s->endpoint_path;
    *why = NULL;
    if (s->serve_origin)
        return arena_printf(c->arena, "%s%s", s->serve_origin, path);
    /* Cloud mode: a URL from the request would let anyone who can send a PUT
     * have Inngest send our signed calls, with event data, to their host. */
    if (!s->dev) {
        *why = "INNGEST_SERVE_ORIGIN is not set: in cloud mode the app registers only "
               "INNGEST_SERVE_ORIGIN + INNGEST_SERVE_PATH, never the host of the request; "
               "set it to the public origin, e.g. https://app.example";
        return NULL;
    }

    const char *scheme = NULL, *host = NULL;
    if (s->trust_forwarded &&
        ip_list_contains_text(&s->trusted_proxies, request_param(req, "REMOTE_ADDR"))) {
        scheme = request_param(req, "HTTP_X_FORWARDED_PROTO");
        host = request_param(req, "HTTP_X_FORWARDED_HOST");
        if (scheme && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
            scheme = NULL;
        if (host && !plausible_host(host))
            host = NULL;
    }
    if (!scheme) {
        const char *https = request_param(req, "HTTPS");
        const char *req_scheme = request_param(req, "REQUEST_SCHEME");
        scheme = (https && *https && strcasecmp(https, "off") != 0) ? "https"
                 : (req_scheme && strcmp(req_scheme, "https") == 0) ? "https"
                                                                      : "http";
    }
    if (!host) {
        host = request_param(req, "HTTP_HOST");
        if (!plausible_host(host)) {
            const char *name = request_param(req, "SERVER_NAME");
            const char *port = request_param(req, "SERVER_PORT");
            host = name && port && plausible_host(name) && plausible_host(port)
                       ? arena_printf(c->arena, "%s:%s", name, port)
                       : "localhost";
        }
    }
    /* Dev mode trusts the request's host only where nobody else can be. */
    if (!loopback_host(host)) {
        *why = "INNGEST_SERVE_ORIGIN is not set and the request's host is not a loopback "
               "address: set INNGEST_SERVE_ORIGIN to the origin the Inngest server reaches "
               "this app at";
        return NULL;
    }
    return arena_printf(c->arena, "%s://%s%s", scheme, host, path);
}

static json_object *payload_common(struct ing_ctx *c, const char *url)
{
    const struct server *srv = c->server;
    json_object *fns = fn_table_sync_json(srv->app->functions, srv->app->function_count,
                                          srv->settings.app_id, url,
                                          settings_is_production(&srv->settings));
    if (!fns)
        return NULL;
    json_object *o = arena_keep_json(c->arena, json_object_new_object());
    if (!o) {
        json_object_put(fns);
        return NULL;
    }
    if (!json_take_set(o, "url", json_object_new_string(url))) {
        json_object_put(fns);
        return NULL;
    }
    if (!json_take_set(o, "functions", fns))
        return NULL;
    return o;
}

static void answer(struct ing_ctx *c, struct response *res, int status, const char *kind,
                   const char *message, bool modified)
{
    if (!message)
        message = "out of memory"; /* the message itself could not be written */
    json_object *o = arena_keep_json(c->arena, json_object_new_object());
    if (json_take_set(o, "message", json_object_new_string(message)) &&
        json_take_set(o, "modified", json_object_new_boolean(modified)))
        response_json(res, status, o);
    else
        response_message(res, c->arena, 500, "out of memory");
    response_header(res, "X-Inngest-Sync-Kind", kind);
    res->log_outcome = arena_printf(c->arena, "sync %s: %s", kind, message);
}

static void sync_in_band(struct ing_ctx *c, const struct request *req,
                         struct response *res, enum sig_outcome auth)
{
    const struct server *srv = c->server;
    struct json_parse_outcome how;
    json_object *parsed = json_parse_bounded(req->body, req->body_len, &how);
    json_object *body = arena_keep_json(c->arena, parsed); /* NULL if it could not be kept */
    /* json-c says "not JSON" when it runs out of memory too: a body that is a
     * JSON object (or one we could not keep) is not the sender's fault */
    const char *t = req->body;
    size_t n = req->body_len, i = 0;
    while (i < n && strchr(" \t\r\n", t[i]))
        i++;
    if (!body && (parsed || how.no_tokener ||
                  (i < n && t[i] == '{' && json_text_valid(t, n, ING_JSON_MAX_DEPTH)))) {
        response_message(res, c->arena, 500, "out of memory");
        response_header(res, "X-Inngest-Sync-Kind", "in_band");
        return;
    }
    const char *url = ing_json_get_string(body, "url");
    if (!body || !json_object_is_type(body, json_type_object) || !url ||
        json_object_object_length(body) != 1 ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        json_object *err = arena_keep_json(c->arena, json_object_new_object());
        if (json_take_set(err, "code", json_object_new_string("invalid_request")) &&
            json_take_set(err, "message",
                          json_object_new_string("an in-band sync body must be exactly {\"url\":\"http(s)://…\"}")))
            response_json(res, 400, err);
        else
            response_message(res, c->arena, 500, "out of memory");
        response_header(res, "X-Inngest-Sync-Kind", "in_band");
        return;
    }
    json_object *o = payload_common(c, url);
    if (!o) {
        response_message(res, c->arena, 500, "out of memory");
        return;
    }
    json_object *caps = json_object_new_object();
    if (!json_take_set(caps, "trust_probe", json_object_new_string("v1"))) {
        json_object_put(caps);
        caps = NULL;
    }
    /* each json_take_set takes its value even when it fails */
    bool ok = json_take_set(o, "app_id", json_object_new_string(srv->settings.app_id));
    if (!ok)
        json_object_put(caps);
    ok = ok && json_take_set(o, "capabilities", caps) &&
         (srv->settings.env ? json_take_set(o, "env", json_object_new_string(srv->settings.env))
                            : json_take_set_null(o, "env")) &&
         json_take_set(o, "framework", json_object_new_string("fastcgi")) &&
         json_take_set(o, "inspection", introspection_body(srv, auth)) &&
         json_take_set(o, "sdk_author", json_object_new_string("inngest-fcgi")) &&
         json_take_set(o, "sdk_language", json_object_new_string("c")) &&
         json_take_set(o, "sdk_version", json_object_new_string(ING_SDK_VERSION)) &&
         json_take_set(o, "sdk", json_object_new_string(ING_SDK_NAME ":v" ING_SDK_VERSION));
    if (!ok) {
        response_message(res, c->arena, 500, "out of memory");
        return;
    }
    response_json(res, 200, o);
    response_header(res, "X-Inngest-Sync-Kind", "in_band");
    res->log_outcome = "sync in_band";
}

json_object *sync_register_payload(const struct server *srv, const char *url)
{
    json_object *fns = fn_table_sync_json(srv->app->functions, srv->app->function_count,
                                          srv->settings.app_id, url,
                                          settings_is_production(&srv->settings));
    json_object *o = fns ? json_object_new_object() : NULL;
    if (!o) {
        json_object_put(fns);
        return NULL;
    }
    json_object *caps = json_object_new_object();
    if (!json_take_set(caps, "trust_probe", json_object_new_string("v1"))) {
        json_object_put(caps);
        caps = NULL;
    }
    /* each json_take_set takes its value even when it fails */
    bool ok = json_take_set(o, "url", json_object_new_string(url));
    if (!ok)
        json_object_put(fns);
    ok = ok && json_take_set(o, "functions", fns);
    ok = ok && json_take_set(o, "deployType", json_object_new_string("ping")) &&
         json_take_set(o, "appName", json_object_new_string(srv->settings.app_id)) &&
         json_take_set(o, "sdk", json_object_new_string(ING_SDK_NAME ":v" ING_SDK_VERSION)) &&
         json_take_set(o, "v", json_object_new_string("0.1")) &&
         json_take_set(o, "framework", json_object_new_string("fastcgi"));
    /* the server shows it with each sync (struct ing_app.version; omitted when unset) */
    if (ok && srv->app->version && *srv->app->version)
        ok = json_take_set(o, "appVersion", json_object_new_string(srv->app->version));
    if (!ok)
        json_object_put(caps);
    ok = ok && json_take_set(o, "capabilities", caps);
    if (!ok) {
        /* a partial payload would register the wrong app: none at all */
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* The Expected-Server-Kind we pass on: exactly "dev" or "cloud", never
 * another request value in an outbound header. */
static bool server_kind_ok(const char *kind)
{
    return !kind || strcmp(kind, "dev") == 0 || strcmp(kind, "cloud") == 0;
}

/* Two attempts (the fallback key after a 401) bound how long a sync can hold
 * the gate; a little slack for building the payload. */
#define SYNC_HOLD_MS (2u * ING_REGISTER_TIMEOUT_MS + 1000u)

static void sync_out_of_band(struct ing_ctx *c, const struct request *req,
                             struct response *res, bool verified)
{
    const struct server *srv = c->server;
    const char *why = NULL;
    const char *url = sync_serve_url(c, req, &why);
    if (!url) {
        ing_log(ING_LOG_WARN, "sync refused: %s", why);
        answer(c, res, 500, "out_of_band", why, false);
        return;
    }
    const char *kind = request_param(req, "HTTP_X_INNGEST_SERVER_KIND");
    if (!server_kind_ok(kind)) {
        answer(c, res, 400, "out_of_band", "X-Inngest-Server-Kind must be dev or cloud", false);
        return;
    }
    json_object *o = arena_keep_json(c->arena, sync_register_payload(srv, url));
    if (!o) {
        answer(c, res, 500, "out_of_band", "out of memory", false);
        return;
    }

    unsigned retry_after = 1;
    long long ticket = 0;
    if (srv->sync_gate && !sync_gate_enter(srv->sync_gate, SYNC_HOLD_MS, &retry_after, &ticket)) {
        answer(c, res, 429, "out_of_band", "another sync is in progress; try again shortly", false);
        response_header(res, "Retry-After", arena_printf(c->arena, "%u", retry_after));
        return;
    }
    char deploy_id[256];
    const char *deploy = request_query(req, "deployId", deploy_id, sizeof(deploy_id));
    size_t len = 0;
    const char *payload = json_object_to_json_string_length(o, ING_JSON_FLAGS, &len);
    struct register_result r;
    bool ok = api_register(c, payload, len, deploy, kind, &r);
    if (srv->sync_gate)
        sync_gate_leave(srv->sync_gate, ticket);
    if (!ok) {
        /* The detail names the API's address: the log and a signed caller
         * may see it, anyone else gets the kind of failure only. */
        ing_log(ING_LOG_WARN, "sync of %s failed: %s", url, r.error ? r.error : "out of memory");
        const char *told = verified ? (r.error ? r.error : "out of memory")
                           : r.http_status
                               ? arena_printf(c->arena, "Failed to register: the Inngest API "
                                                        "answered HTTP %d (details in the app's log)",
                                              r.http_status)
                               : "Failed to register: the Inngest API could not be reached "
                                 "(details in the app's log)";
        answer(c, res, 500, "out_of_band", told, false);
        return;
    }
    ing_log(ING_LOG_INFO, "synced %s with %s (modified: %s)", url, srv->settings.api_origin,
            r.modified ? "yes" : "no");
    answer(c, res, 200, "out_of_band", "Successfully registered", r.modified);
}

void sync_handle(struct ing_ctx *c, const struct request *req, struct response *res,
                 enum sig_outcome auth)
{
    const struct settings *s = &c->server->settings;
    const char *kind = request_param(req, "HTTP_X_INNGEST_SYNC_KIND");
    bool verified = auth == SIG_VALID_PRIMARY || auth == SIG_VALID_FALLBACK;
    res->log_target = "sync";
    if (kind && strcmp(kind, "in_band") == 0 && s->allow_in_band_sync) {
        if (!s->dev && !verified) {
            response_message(res, c->arena, 401,
                             "Unauthorized: an in-band sync must carry a valid X-Inngest-Signature");
            return;
        }
        sync_in_band(c, req, res, auth);
        return;
    }
    if (!s->dev && !s->enable_unauthed_sync && !verified) {
        response_message(res, c->arena, 401,
                         "Unauthorized: INNGEST_ALLOW_UNSIGNED_SYNC=0 requires a signed PUT");
        return;
    }
    sync_out_of_band(c, req, res, verified);
}
