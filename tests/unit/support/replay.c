/*
 * replay.c — one recorded request through router_serve(), as the FastCGI
 * front would pass it: CGI parameters from the vector's headers, the
 * vector's body and clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "outbound/http_client.h"
#include "core/request.h"
#include "transport/server_setup.h"
#include "protocol/router.h"
#include "serve_one.h"
#include "vectors.h"
#include "vectors_app.h"



static bool cloud_mode;
static const char *base_url;
static const char *serve_origin;

void replay_set_serve_origin(const char *origin) { serve_origin = origin; }
static time_t vector_now;

static const char *env_for_vectors(const char *name)
{
    static const struct { const char *k, *v; } cloud[] = {
        {"INNGEST_SIGNING_KEY", K1}, {"INNGEST_SIGNING_KEY_FALLBACK", K2},
        {"INNGEST_EVENT_KEY", "test-event-key-0123"},
        {"INNGEST_DEV", "0"}};
    if (strcmp(name, "INNGEST_BASE_URL") == 0)
        return base_url;
    if (strcmp(name, "INNGEST_SERVE_ORIGIN") == 0)
        return serve_origin;
    if (!cloud_mode)
        return strcmp(name, "INNGEST_DEV") == 0 ? "1" : NULL;
    for (size_t i = 0; i < ING_COUNT(cloud); i++)
        if (strcmp(cloud[i].k, name) == 0)
            return cloud[i].v;
    return NULL;
}

static time_t fixed_clock(void) { return vector_now; }


/* Header name → CGI name: X-Inngest-Signature → HTTP_X_INNGEST_SIGNATURE. */
static int toupper_ascii(char ch) { return ch >= 'a' && ch <= 'z' ? ch - 32 : ch; }

static char *cgi_param(const char *name, const char *value)
{
    size_t n = strlen(name);
    char *p = malloc(5 + n + 1 + strlen(value) + 1);
    strcpy(p, "HTTP_");
    for (size_t i = 0; i < n; i++)
        p[5 + i] = name[i] == '-' ? '_' : (char)toupper_ascii(name[i]);
    p[5 + n] = '=';
    strcpy(p + 6 + n, value);
    return p;
}

void replay_run(struct replay *r, json_object *entry, bool cloud, const char *api_base)
{
    memset(r, 0, sizeof(*r));
    cloud_mode = cloud;
    base_url = api_base ? api_base : "http://127.0.0.1:8299";
    int64_t now = 0;
    if (!ing_json_get_int(entry, "now_unix", &now))
        ing_json_get_int(entry, "generated_at_unix", &now);
    vector_now = (time_t)now;
    char err[512];
    if (!server_init(&r->srv, &vectors_app, env_for_vectors, err, sizeof(err))) {
        fprintf(stderr, "server_init: %s\n", err);
        abort();
    }
    r->srv.now = fixed_clock;
    server_init_worker(&r->srv);

    json_object *req = ing_json_get(entry, "request");
    const char *method = ing_json_get_string(req, "method");
    const char *url = ing_json_get_string(req, "url");
    const char *q = strchr(url, '?');
    int n = 0;
    char *method_p = malloc(strlen(method) + 16);
    sprintf(method_p, "REQUEST_METHOD=%s", method);
    r->params[n++] = method_p;
    char *uri = malloc(strlen(url) + 16);
    sprintf(uri, "DOCUMENT_URI=%.*s", (int)(q ? (size_t)(q - url) : strlen(url)), url);
    r->params[n++] = uri;
    char *query = malloc(strlen(url) + 16);
    sprintf(query, "QUERY_STRING=%s", q ? q + 1 : "");
    r->params[n++] = query;
    json_object_object_foreach(ing_json_get(req, "headers"), k, v)
    {
        if (n < 62)
            r->params[n++] = cgi_param(k, json_object_get_string(v));
    }
    /* the recordings were made against http://127.0.0.1:3939 (handler/PROTOCOL.md §17) */
    if (!vectors_header(ing_json_get(req, "headers"), "Host"))
        r->params[n++] = strdup("HTTP_HOST=127.0.0.1:3939");
    r->params[n] = NULL;

    r->ctx = serve_one(&r->srv, r->params, ing_json_get_string(req, "body"), NULL, &r->res,
                       &r->body_json);
}

void replay_free(struct replay *r)
{
    serve_one_free(&r->srv, NULL, r->ctx, r->body_json);
    for (int i = 0; r->params[i]; i++)
        free(r->params[i]);
}

