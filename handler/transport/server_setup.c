/*
 * server_setup.c — start-up of one process: settings, table validation, key hashes,
 * the prepared signing keys and the rendered GET answers.
 */
#include "transport/server_setup.h"

#include <stdio.h>
#include <string.h>

#include "protocol/function_table.h"
#include "outbound/http_client.h"
#include "outbound/otlp_export.h"
#include "protocol/introspection.h"
#include "core/log.h"
#include "core/signature.h"
#include "protocol/sync_gate.h"

static time_t wall_clock(void) { return time(NULL); }

bool server_init(struct server *s, const struct ing_app *app, settings_getenv_fn get,
                 char *err, size_t err_size)
{
    memset(s, 0, sizeof(*s));
    s->app = app;
    s->now = wall_clock;
    if (!settings_load(&s->settings, app->default_app_id, get, err, err_size))
        return false;
    log_configure(s->settings.log_level, s->settings.log_json);
    char why[512];
    if (!fn_table_validate(app->functions, app->function_count, why, sizeof(why))) {
        snprintf(err, err_size, "the function table is invalid: %s", why);
        return false;
    }
    for (const char *p = s->settings.app_id; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.')) {
            snprintf(err, err_size, "INNGEST_APP_ID may contain only letters, digits, '-', '_' and '.'");
            return false;
        }
    }
    if (s->settings.event_key)
        sig_sha256_hex(s->settings.event_key, strlen(s->settings.event_key), s->event_key_hash);
    sig_prepare_key(s->settings.signing_key);
    sig_prepare_key(s->settings.signing_key_fallback);
    if (s->settings.signing_key)
        sig_key_hash12(s->settings.signing_key, s->signing_key_hash);
    if (s->settings.signing_key_fallback)
        sig_key_hash12(s->settings.signing_key_fallback, s->signing_key_fallback_hash);
    if (!trace_config_load(&s->trace, &s->settings, get, err, err_size))
        return false;
    introspection_render(s);
    /* before the workers fork, so that they share it */
    s->sync_gate = sync_gate_create();
    return true;
}

bool server_init_worker(struct server *s)
{
    s->http = http_client_new();
    s->tracer = tracer_new(&s->trace, s->metrics);
    http_client_set_tracer(s->http, s->tracer);
    s->exporter = otlp_export_start(s->tracer);
    if (s->app->worker_start)
        s->app_state = s->app->worker_start();
    return s->http != NULL;
}

void server_close_worker(struct server *s)
{
    if (s->app->worker_stop)
        s->app->worker_stop(s->app_state);
    s->app_state = NULL;
    http_client_free(s->http);
    s->http = NULL;
    otlp_export_stop(s->exporter); /* sends what is queued, within the export timeout */
    s->exporter = NULL;
    tracer_free(s->tracer);
    s->tracer = NULL;
}

void server_report_settings(const struct server *s)
{
    const struct settings *st = &s->settings;
    ing_log(ING_LOG_INFO, "%s v%s: app \"%s\", %zu function(s), %s mode, API %s, Event API %s",
            ING_SDK_NAME, ING_SDK_VERSION, st->app_id,
            fn_table_server_count(s->app->functions, s->app->function_count),
            st->dev ? "dev" : "cloud", st->api_origin, st->event_api_origin);
    if (!st->dev && !st->signing_key)
        ing_log(ING_LOG_WARN, "INNGEST_SIGNING_KEY is not set: every call request will be refused "
                              "(set it, or INNGEST_DEV=1 for local development)");
    if (!st->dev && !st->event_key)
        ing_log(ING_LOG_WARN, "INNGEST_EVENT_KEY is not set: sending events will fail");
    if (!st->dev && !st->serve_origin)
        ing_log(ING_LOG_WARN, "INNGEST_SERVE_ORIGIN is not set: every out-of-band sync (PUT) will be "
                              "refused; set it to the public origin, e.g. https://app.example");
    if (st->dev && st->signing_key)
        ing_log(ING_LOG_WARN, "INNGEST_DEV is set together with INNGEST_SIGNING_KEY: dev mode checks "
                              "no signature, so anyone who reaches the endpoint can run functions; "
                              "unset INNGEST_DEV in production");
    else if (st->dev)
        ing_log(ING_LOG_INFO, "dev mode (INNGEST_DEV): signatures are not checked");
    if (st->trust_forwarded)
        ing_log(ING_LOG_INFO, "INNGEST_TRUST_FORWARDED=1: X-Forwarded-* from a trusted proxy "
                              "(INNGEST_TRUSTED_PROXIES) decide the client address%s",
                st->dev && !st->serve_origin ? " and the sync URL" : "");
    if (st->encryption.count)
        ing_log(ING_LOG_INFO, "end-to-end encryption on (strategy %s, the current key and %zu "
                              "fallback(s) for decryption)", ENC_STRATEGY, st->encryption.count - 1);
    if (!st->enable_unauthed_sync)
        ing_log(ING_LOG_INFO, "INNGEST_ALLOW_UNSIGNED_SYNC=0: an out-of-band sync needs a signed PUT");
    if (s->trace.otlp) {
        /* scheme, host and port only: the URL may carry credentials */
        char host[256] = "?", scheme[16] = "?";
        long port = 0;
        (void)trace_url_host(s->trace.otlp_url, host, sizeof(host), scheme, sizeof(scheme), &port);
        ing_log(ING_LOG_INFO, "traces: every call's spans to the OTLP collector at %s://%s:%ld (%s)%s",
                scheme, host, port, s->trace.otlp_json ? "http/json" : "http/protobuf",
                s->trace.inngest ? ", and the runs' to Inngest (INNGEST_TRACES=0: off)" : "");
    } else if (s->trace.inngest) {
        ing_log(ING_LOG_DEBUG, "traces: the runs' spans to Inngest (INNGEST_TRACES=0: off)");
    }
    if (s->app->on_start)
        s->app->on_start();
}
