/*
 * preflight.c — the checks behind --check.
 *
 * A problem is something that makes the deployment fail for sure (the
 * program would not start, every call would be refused, the sync would
 * register a URL nobody chose); a note is worth reading but can be intended.
 * Only problems change the exit status.
 */
#include "transport/preflight.h"

#include <string.h>

#include "protocol/function_table.h"
#include "core/response.h"
#include "core/server.h"
#include "transport/server_setup.h"
#include "protocol/sync.h"

struct findings {
    FILE *diag;
    int problems;
};

static void problem(struct findings *f, const char *text)
{
    fprintf(f->diag, "check: problem: %s\n", text);
    f->problems++;
}

static void note(struct findings *f, const char *text)
{
    fprintf(f->diag, "check: note: %s\n", text);
}

static void describe(const struct server *srv, struct findings *f)
{
    const struct settings *s = &srv->settings;
    fprintf(f->diag, "check: %s v%s, app \"%s\", %zu function(s)\n", ING_SDK_NAME, ING_SDK_VERSION,
            s->app_id, fn_table_server_count(srv->app->functions, srv->app->function_count));
    if (s->dev)
        fprintf(f->diag, "check: dev mode (INNGEST_DEV): signatures are not checked\n");
    else if (settings_is_production(s))
        fprintf(f->diag, "check: cloud mode, production environment (INNGEST_ENV %s): "
                         "production-only triggers are registered\n",
                s->env ? "=production" : "unset");
    else
        fprintf(f->diag, "check: cloud mode, branch environment \"%s\" (INNGEST_ENV): "
                         "production-only triggers are left out\n",
                s->env);
    fprintf(f->diag, "check: API %s, Event API %s\n", s->api_origin, s->event_api_origin);
    if (s->encryption.count)
        fprintf(f->diag, "check: end-to-end encryption on (strategy %s, the current key and %zu "
                         "fallback(s))\n", ENC_STRATEGY, s->encryption.count - 1);
}

static void look_for_problems(const struct server *srv, struct findings *f)
{
    const struct settings *s = &srv->settings;
    if (s->dev) {
        /* A key is a sign of production; dev mode there turns every signature
         * check off without a word. */
        if (s->signing_key)
            problem(f, "INNGEST_SIGNING_KEY is set but INNGEST_DEV puts the program in dev mode, "
                       "where no signature is checked: anyone could run your functions; unset "
                       "INNGEST_DEV in production (or the key, for local development)");
        return;
    }
    if (!s->signing_key)
        problem(f, "INNGEST_SIGNING_KEY is not set: every call request would be refused (cloud "
                   "mode); set it, or INNGEST_DEV=1 for local development");
    if (!s->event_key)
        problem(f, "INNGEST_EVENT_KEY is not set: sending events would fail");
    if (!s->serve_origin)
        problem(f, "INNGEST_SERVE_ORIGIN is not set: in cloud mode every out-of-band sync is "
                   "refused (500) until it is; set it to the public origin, e.g. "
                   "https://app.example");
    else if (strncmp(s->serve_origin, "http://", 7) == 0)
        note(f, "INNGEST_SERVE_ORIGIN is plain http://: Inngest Cloud calls the app over the "
                "internet, so it should be the https:// origin of your TLS proxy");
    if (s->trust_forwarded && s->serve_origin)
        note(f, "INNGEST_TRUST_FORWARDED has no effect on the sync URL while INNGEST_SERVE_ORIGIN "
                "is set (it still decides the client address of the app's routes)");
}

/* The URL a sync would register, or a placeholder that says where it would
 * come from. */
static const char *sync_url(const struct settings *s, char *buf, size_t size)
{
    const char *path = s->endpoint_path;
    if (s->serve_origin)
        snprintf(buf, size, "%s%s", s->serve_origin, path);
    else if (s->dev)
        snprintf(buf, size, "http://<loopback host of the sync PUT>%s", path);
    else
        snprintf(buf, size, "(none: set INNGEST_SERVE_ORIGIN)%s", path);
    return buf;
}

int preflight_run(const struct ing_app *app, settings_getenv_fn get, FILE *out, FILE *diag)
{
    struct server srv;
    char err[768];
    if (!server_init(&srv, app, get, err, sizeof(err))) {
        fprintf(diag, "check: problem: %s\ncheck: FAILED (1 problem)\n", err);
        return 1;
    }
    struct findings f = {.diag = diag};
    describe(&srv, &f);
    look_for_problems(&srv, &f);
    if (app->on_start)
        app->on_start(); /* the app's own notes about optional settings */

    char url[1024];
    fprintf(diag, "check: sync URL %s\n", sync_url(&srv.settings, url, sizeof(url)));
    json_object *payload = sync_register_payload(&srv, url);
    if (!payload) {
        problem(&f, "out of memory building the sync payload");
    } else {
        fprintf(out, "%s\n",
                json_object_to_json_string_ext(payload, ING_JSON_FLAGS | JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_SPACED));
        json_object_put(payload);
    }
    fflush(out);
    if (f.problems) {
        fprintf(diag, "check: FAILED (%d problem%s)\n", f.problems, f.problems == 1 ? "" : "s");
        return 1;
    }
    fprintf(diag, "check: OK\n");
    return 0;
}
