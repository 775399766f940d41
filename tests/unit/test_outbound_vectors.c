/*
 * test_outbound_vectors.c — the vectors in which the SDK calls Inngest:
 * out-of-band sync (/fn/register), in-band sync, use_api (/v0/runs/…) and
 * step.sendEvent (/e/<key>).  A scripted local server gives the vector's
 * recorded reply; we check both what we sent it and how we answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_http.h"
#include "core/response.h"
#include "core/signature.h"
#include "vectors.h"
#include "vectors_app.h"

static json_object *entry_of(const char *file, const char *name, json_object **root)
{
    *root = vectors_load(file);
    assert_non_null(*root);
    json_object *e = vectors_find(ing_json_get(*root, "entries"), name);
    assert_non_null(e);
    return e;
}

/* Replies scripted from the vector's outbound requests. */
static int script(json_object *entry, struct fake_reply *out, char bodies[][4096])
{
    json_object *out_reqs = ing_json_get(entry, "outbound_requests_to_inngest_api");
    int n = (int)json_object_array_length(out_reqs);
    for (int i = 0; i < n && i < 8; i++) {
        json_object *reply = ing_json_get(json_object_array_get_idx(out_reqs, i), "reply");
        int64_t status = 200;
        ing_json_get_int(reply, "status", &status);
        json_object *body = ing_json_get(reply, "body");
        bool text = body && json_object_is_type(body, json_type_string);
        snprintf(bodies[i], 4096, "%s",
                 text ? json_object_get_string(body) : json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
        out[i] = (struct fake_reply){.status = (int)status, .body = bodies[i],
                                     .content_type = text ? "text/plain" : NULL};
    }
    return n;
}

struct run {
    json_object *root;
    struct fake_http *api;
    struct replay r;
    struct fake_reply replies[8];
    char bodies[8][4096];
};

/* Replays vector `name` of `file` against a stand-in Inngest API scripted
 * from it; the answer must have want_status (0: checked by the caller). */
static void run_vector(struct run *x, const char *file, const char *name, bool cloud, int want_status)
{
    memset(x, 0, sizeof(*x));
    json_object *entry = entry_of(file, name, &x->root);
    int n = script(entry, x->replies, x->bodies);
    if (n == 0) {
        x->replies[0] = (struct fake_reply){.status = 500, .body = "{\"error\":\"unexpected\"}"};
        n = 1;
    }
    x->api = fake_http_start(x->replies, n);
    assert_non_null(x->api);
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", fake_http_port(x->api));
    replay_run(&x->r, entry, cloud, base);
    fake_http_stop(x->api);
    if (want_status && x->r.res.status != want_status)
        fail_msg("%s %s: status %d, want %d", file, name, x->r.res.status, want_status);
}

static void run_free(struct run *x)
{
    replay_free(&x->r);
    fake_http_free(x->api);
    json_object_put(x->root);
}

static const char *resp_header(struct run *x, const char *name)
{
    return response_get_header(&x->r.res, name);
}

static void test_dev_out_of_band_sync(void **state)
{
    (void)state;
    struct run x;
    run_vector(&x, "sync.json", "dev-put-out-of-band", false, 200);
    assert_string_equal(resp_header(&x, "X-Inngest-Sync-Kind"), "out_of_band");
    assert_true(json_object_get_boolean(ing_json_get(x.r.body_json, "modified")));
    assert_int_equal(fake_http_count(x.api), 1);
    const struct fake_request *rq = fake_http_request(x.api, 0);
    assert_string_equal(rq->method, "POST");
    assert_string_equal(rq->target, "/fn/register?deployId=deploy-123");
    char v[256];
    assert_string_equal(fake_http_header(rq, "x-inngest-sync-kind", v, sizeof(v)), "out_of_band");
    assert_string_equal(fake_http_header(rq, "x-inngest-expected-server-kind", v, sizeof(v)), "dev");
    assert_non_null(fake_http_header(rq, "x-inngest-sdk", v, sizeof(v)));
    json_object *payload = json_tokener_parse(rq->body);
    assert_non_null(payload);
    const char *url = ing_json_get_string(payload, "url");
    assert_string_equal(url, "http://127.0.0.1:3939/api/inngest");
    /* never leaked into the URLs (handler/PROTOCOL.md §6.2) */
    assert_null(strstr(rq->body, "deployId"));
    assert_string_equal(ing_json_get_string(payload, "appName"), "vectors-app");
    assert_string_equal(ing_json_get_string(payload, "deployType"), "ping");
    assert_int_equal(json_object_array_length(ing_json_get(payload, "functions")), 19);
    json_object_put(payload);
    run_free(&x);
}

static void test_register_errors_are_relayed(void **state)
{
    (void)state;
    struct {
        const char *name;
        int status;
        const char *message_part;
        bool modified;
    } cases[] = {
        /* unsigned PUTs: the kind of failure only, the detail goes to the log */
        {"dev-put-register-400", 500, "the Inngest API answered HTTP 400 (details in the app's log)", false},
        {"dev-put-register-500-nonjson", 500, "the Inngest API answered HTTP 500", false},
        {"dev-put-register-ok-no-modified", 200, "Successfully registered", false},
        {"dev-put-no-body", 200, "Successfully registered", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run x;
        run_vector(&x, "sync.json", cases[i].name, false, cases[i].status);
        const char *msg = ing_json_get_string(x.r.body_json, "message");
        assert_non_null(msg);
        if (!strstr(msg, cases[i].message_part))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].name, msg, cases[i].message_part);
        assert_int_equal(json_object_get_boolean(ing_json_get(x.r.body_json, "modified")),
                         cases[i].modified);
        run_free(&x);
    }
}

static void test_cloud_sync_sends_hashed_key_then_fallback(void **state)
{
    (void)state;
    char expect1[200], expect2[200], v[256];
    assert_true(sig_bearer_token(K1, expect1, sizeof(expect1)));
    assert_true(sig_bearer_token(K2, expect2, sizeof(expect2)));

    struct run x;
    replay_set_serve_origin("https://app.example");
    run_vector(&x, "sync.json", "cloud-put-out-of-band", true, 200);
    const struct fake_request *rq = fake_http_request(x.api, 0);
    char want[256];
    snprintf(want, sizeof(want), "bearer %s", expect1); /* the fake lower-cases headers */
    assert_string_equal(fake_http_header(rq, "authorization", v, sizeof(v)), want);
    assert_string_equal(rq->target, "/fn/register?deployId=d-42");
    run_free(&x);

    run_vector(&x, "sync.json", "cloud-put-register-401-fallback", true, 0);
    assert_int_equal(fake_http_count(x.api), 2);
    snprintf(want, sizeof(want), "bearer %s", expect2);
    assert_string_equal(fake_http_header(fake_http_request(x.api, 1), "authorization", v, sizeof(v)),
                        want);
    /* unlike JS 4.24, a refused registration is a failed sync; an unsigned
     * caller learns the status only */
    assert_int_equal(x.r.res.status, 500);
    assert_string_equal(ing_json_get_string(x.r.body_json, "message"),
                        "Failed to register: the Inngest API answered HTTP 401 (details in the app's log)");
    replay_set_serve_origin(NULL);
    run_free(&x);
}

static void test_in_band_sync(void **state)
{
    (void)state;
    struct run x;
    run_vector(&x, "sync.json", "cloud-put-in-band-signed", true, 200);
    assert_string_equal(resp_header(&x, "X-Inngest-Sync-Kind"), "in_band");
    assert_non_null(resp_header(&x, "X-Inngest-Signature"));
    assert_int_equal(fake_http_count(x.api), 0);
    assert_string_equal(ing_json_get_string(x.r.body_json, "app_id"), "vectors-app");
    assert_string_equal(ing_json_get_string(x.r.body_json, "url"), "https://example.test/api/inngest");
    assert_int_equal(json_object_array_length(ing_json_get(x.r.body_json, "functions")), 19);
    json_object *inspection = ing_json_get(x.r.body_json, "inspection");
    assert_true(json_object_get_boolean(ing_json_get(inspection, "authentication_succeeded")));
    run_free(&x);

    run_vector(&x, "sync.json", "cloud-put-in-band-unsigned", true, 401);
    assert_null(ing_json_get(x.r.body_json, "functions"));
    run_free(&x);

    run_vector(&x, "sync.json", "cloud-put-in-band-bad-body", true, 400);
    assert_string_equal(ing_json_get_string(x.r.body_json, "code"), "invalid_request");
    run_free(&x);

    run_vector(&x, "sync.json", "dev-put-in-band", false, 200);
    assert_string_equal(resp_header(&x, "X-Inngest-Sync-Kind"), "in_band");
    run_free(&x);
}

static void test_use_api_loads_state(void **state)
{
    (void)state;
    char v[256], want[256], token[200];
    assert_true(sig_bearer_token(K1, token, sizeof(token)));
    snprintf(want, sizeof(want), "bearer %s", token);

    struct run x;
    run_vector(&x, "calls_misc.json", "use-api", true, 200);
    assert_int_equal(json_object_get_int(ing_json_get(x.r.body_json, "count")), 2);
    assert_int_equal(fake_http_count(x.api), 2);
    assert_string_equal(fake_http_request(x.api, 0)->target, "/v0/runs/01JRUN00000000000000000001/batch");
    assert_string_equal(fake_http_request(x.api, 1)->target, "/v0/runs/01JRUN00000000000000000001/actions");
    assert_string_equal(fake_http_header(fake_http_request(x.api, 0), "authorization", v, sizeof(v)), want);
    run_free(&x);

    run_vector(&x, "calls_misc.json", "use-api-with-memoized-steps", true, 206);
    json_object *op = json_object_array_get_idx(x.r.body_json, 0);
    assert_string_equal(ing_json_get_string(op, "displayName"), "b");
    assert_string_equal(ing_json_get_string(op, "data"), "AB");
    run_free(&x);
}

static void test_send_event_step(void **state)
{
    (void)state;
    struct run x;
    run_vector(&x, "calls_async_ops.json", "multi-5-sendevent", true, 206);
    json_object *op = json_object_array_get_idx(x.r.body_json, 0);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(ing_json_get_string(op, "name"), "sendEvent");
    assert_string_equal(ing_json_get_string(ing_json_get(op, "opts"), "type"), "step.sendEvent");
    json_object *ids = ing_json_get(ing_json_get(op, "data"), "ids");
    assert_int_equal(json_object_array_length(ids), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 0)),
                        "01JEVENTID00000000000000001");
    const struct fake_request *rq = fake_http_request(x.api, 0);
    assert_string_equal(rq->target, "/e/test-event-key-0123");
    char v[256];
    assert_non_null(fake_http_header(rq, "x-inngest-event-id-seed", v, sizeof(v)));
    json_object *sent = json_tokener_parse(rq->body);
    assert_int_equal(json_object_array_length(sent), 2);
    assert_string_equal(ing_json_get_string(json_object_array_get_idx(sent, 1), "name"), "test/sent.b");
    assert_non_null(ing_json_get(json_object_array_get_idx(sent, 0), "ts"));
    json_object_put(sent);
    run_free(&x);
}

static void test_use_api_failure_is_retriable_500(void **state)
{
    (void)state;
    json_object *root = NULL;
    json_object *entry = entry_of("calls_misc.json", "use-api", &root);
    struct fake_reply down = {.status = 503, .body = "{\"error\":\"down\"}"};
    struct fake_http *api = fake_http_start(&down, 1);
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", fake_http_port(api));
    struct replay r;
    replay_run(&r, entry, true, base);
    fake_http_stop(api);
    assert_int_equal(r.res.status, 500);
    assert_string_equal(response_get_header(&r.res, "X-Inngest-No-Retry"), "false");
    replay_free(&r);
    fake_http_free(api);
    json_object_put(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dev_out_of_band_sync),
        cmocka_unit_test(test_register_errors_are_relayed),
        cmocka_unit_test(test_cloud_sync_sends_hashed_key_then_fallback),
        cmocka_unit_test(test_in_band_sync),
        cmocka_unit_test(test_use_api_loads_state),
        cmocka_unit_test(test_send_event_step),
        cmocka_unit_test(test_use_api_failure_is_retriable_500),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
