/*
 * testing.c — running one function in-process, as the executor would call it,
 * for users' unit tests (the role @inngest/test plays for the JS SDK).
 *
 * Builds a dev-mode server around the given app, a call request body with
 * the event and memoized steps, and passes it through the same router the
 * FastCGI front uses, so the answer is exactly what the SDK would send.
 * Events are sent only where the test's environment says (a stand-in Event
 * API on INNGEST_EVENT_API_BASE_URL or INNGEST_BASE_URL): never to a server
 * the test did not name, so without either no HTTP client is created.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "core/context.h"
#include "outbound/http_client.h"
#include "base/json_parse.h"
#include "base/limits.h"
#include "core/request.h"
#include "core/response.h"
#include "protocol/router.h"
#include "core/server.h"
#include "transport/server_setup.h"
#include "base/sha1.h"
#include "core/signature.h"

/* Read from the test's environment; everything else keeps its dev-mode
 * default (no keys, no signing). */
static const char *const passed_through[] = {"INNGEST_APP_ID", "INNGEST_EVENT_KEY",
                                             "INNGEST_EVENT_API_BASE_URL", "INNGEST_BASE_URL",
                                             "INNGEST_ENCRYPTION_KEY",
                                             "INNGEST_ENCRYPTION_KEY_FALLBACKS"};

static const char *test_env(const char *name)
{
    if (strcmp(name, "INNGEST_DEV") == 0)
        return "1";
    for (size_t i = 0; i < sizeof(passed_through) / sizeof(passed_through[0]); i++)
        if (strcmp(name, passed_through[i]) == 0)
            return getenv(name);
    return NULL;
}

static bool names_an_event_api(void)
{
    const char *a = getenv("INNGEST_EVENT_API_BASE_URL"), *b = getenv("INNGEST_BASE_URL");
    return (a && *a) || (b && *b);
}

static json_object *parse_or_null(const char *text)
{
    if (!text)
        return NULL;
    return json_parse_bounded(text, strlen(text), NULL);
}

int ing_test_call(const struct ing_app *app, const char *fn_id,
                  const struct ing_test_options *opts, struct ing_test_result *out)
{
    memset(out, 0, sizeof(*out));
    struct server srv;
    char err[512];
    if (!server_init(&srv, app, test_env, err, sizeof(err))) {
        fprintf(stderr, "ing_test_call: %s\n", err);
        return -1;
    }
    srv.http = NULL; /* no server named: sending events fails clearly */
    if (names_an_event_api() && !(srv.http = http_client_new())) {
        fprintf(stderr, "ing_test_call: cannot create the HTTP client\n");
        return -1;
    }
    if (app->worker_start)
        srv.app_state = app->worker_start();

    json_object *event = parse_or_null(opts && opts->event ? opts->event : "{\"name\":\"test\",\"data\":{}}");
    json_object *steps = parse_or_null(opts && opts->steps ? opts->steps : "{}");
    if (!event || !steps) {
        json_object_put(event);
        json_object_put(steps);
        if (app->worker_stop)
            app->worker_stop(srv.app_state);
        http_client_free(srv.http);
        fprintf(stderr, "ing_test_call: event or steps is not valid JSON\n");
        return -1;
    }
    json_object *body = json_object_new_object();
    json_object *ctx = json_object_new_object();
    json_object_object_add(ctx, "attempt", json_object_new_int(opts ? opts->attempt : 0));
    json_object_object_add(ctx, "disable_immediate_execution",
                           json_object_new_boolean(opts && opts->disable_immediate_execution));
    json_object_object_add(ctx, "run_id", json_object_new_string("01TESTRUN0000000000000000"));
    json_object_object_add(ctx, "step_id", json_object_new_string("step"));
    /* the executor lists finished steps in the order they finished
     * (ctx.stack.stack): here, the order of the memoized steps' keys */
    json_object *stack = json_object_new_object();
    json_object *done = json_object_new_array();
    if (json_object_is_type(steps, json_type_object)) {
        json_object_object_foreach(steps, done_hash, done_value)
        {
            (void)done_value;
            json_object_array_add(done, json_object_new_string(done_hash));
        }
    }
    json_object_object_add(stack, "current", json_object_new_int((int)json_object_array_length(done)));
    json_object_object_add(stack, "stack", done);
    json_object_object_add(ctx, "stack", stack);
    json_object_object_add(body, "ctx", ctx);
    json_object *events = json_object_new_array();
    json_object_array_add(events, json_object_get(event));
    json_object_object_add(body, "event", event);
    json_object_object_add(body, "events", events);
    json_object_object_add(body, "steps", steps);
    json_object_object_add(body, "version", json_object_new_int(2));

    const char *app_id = srv.settings.app_id;
    char query[512];
    snprintf(query, sizeof(query), "QUERY_STRING=fnId=%s-%s&stepId=%s", app_id, fn_id,
             opts && opts->step_id ? opts->step_id : "step");
    char *params[] = {"REQUEST_METHOD=POST", "DOCUMENT_URI=/api/inngest", query, NULL};
    struct request req;
    request_init(&req, params);
    req.body = json_object_to_json_string_ext(body, ING_JSON_FLAGS);
    req.body_len = strlen(req.body);

    struct ing_ctx *c = ctx_new(&srv);
    if (!c) {
        json_object_put(body);
        if (app->worker_stop)
            app->worker_stop(srv.app_state);
        http_client_free(srv.http);
        return -1;
    }
    struct response res = {0};
    router_serve(c, &req, &res);
    out->status = res.status;
    out->body = malloc(res.body_len + 1);
    if (out->body) {
        memcpy(out->body, res.body, res.body_len);
        out->body[res.body_len] = '\0';
        out->json = parse_or_null(out->body);
    }
    const char *nr = response_get_header(&res, "X-Inngest-No-Retry");
    out->no_retry = nr && strcmp(nr, "true") == 0;
    const char *ra = response_get_header(&res, "Retry-After");
    snprintf(out->retry_after, sizeof(out->retry_after), "%s", ra ? ra : "");
    ctx_release(c);
    json_object_put(body);
    if (app->worker_stop)
        app->worker_stop(srv.app_state);
    http_client_free(srv.http);
    return out->body ? 0 : -1;
}

void ing_test_result_free(struct ing_test_result *r)
{
    free(r->body);
    json_object_put(r->json);
    memset(r, 0, sizeof(*r));
}

void ing_test_step_hash(const char *id, int repeat, char out[41])
{
    char buf[1024];
    if (repeat > 0) {
        snprintf(buf, sizeof(buf), "%s:%d", id, repeat);
        sha1_hex(buf, strlen(buf), out);
    } else {
        sha1_hex(id, strlen(id), out);
    }
}
