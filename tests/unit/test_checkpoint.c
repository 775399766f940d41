/*
 * test_checkpoint.c — checkpointing (handler/PROTOCOL.md §14) against a scripted local
 * API: the recorded call requests of vectors/checkpointing.json replayed
 * through router_serve() with INNGEST_CHECKPOINTING=1, checking what we POST
 * to /v1/checkpoint/{run}/async and how we answer for each reply the API can
 * give: 200 (persisted, carry on), 401 (the fallback key), 5xx (retry, then
 * the step goes back in the 206), 404 (no such API: the 206 at once), 409
 * (stale: stop without returning the step); and that nothing is POSTed when
 * checkpointing is off, on a retry, or for a targeted step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/encryption.h"
#include "fake_http.h"
#include "core/request.h"
#include "transport/server_setup.h"
#include "core/response.h"
#include "protocol/router.h"
#include "serve_one.h"
#include "core/signature.h"
#include "vectors.h"
#include "vectors_app.h"

#define RUN_PATH "/v1/checkpoint/01JRUN00000000000000000001/async"

static char api_base[64];
static bool checkpointing_on;
static const char *encryption_key; /* INNGEST_ENCRYPTION_KEY, NULL: off */
static time_t vector_now;

static const char *env(const char *name)
{
    static const struct { const char *k, *v; } table[] = {
        {"INNGEST_SIGNING_KEY", K1}, {"INNGEST_SIGNING_KEY_FALLBACK", K2},
        {"INNGEST_EVENT_KEY", "test-event-key-0123"}, {"INNGEST_DEV", "0"}};
    if (strcmp(name, "INNGEST_BASE_URL") == 0)
        return api_base;
    if (strcmp(name, "INNGEST_CHECKPOINTING") == 0)
        return checkpointing_on ? "1" : NULL;
    if (strcmp(name, "INNGEST_ENCRYPTION_KEY") == 0)
        return encryption_key;
    for (size_t i = 0; i < ING_COUNT(table); i++)
        if (strcmp(table[i].k, name) == 0)
            return table[i].v;
    return NULL;
}

static time_t fixed_clock(void) { return vector_now; }

struct call {
    json_object *root;
    struct fake_http *api;
    struct server srv;
    struct ing_ctx *ctx;
    struct response res;
    json_object *answer;   /* the response body, parsed */
    char *body;            /* the request body we sent (re-signed when edited) */
};

/* A body edit: replaces the first `from` with `to`. */
struct edit {
    const char *from, *to;
};

static char *edited(const char *body, const struct edit *e)
{
    const char *at = e ? strstr(body, e->from) : NULL;
    if (!at)
        return strdup(body);
    size_t head = (size_t)(at - body), from = strlen(e->from), to = strlen(e->to);
    char *out = malloc(strlen(body) - from + to + 1);
    memcpy(out, body, head);
    memcpy(out + head, e->to, to);
    strcpy(out + head + to, at + from);
    return out;
}

/* Runs vector `name` of checkpointing.json against an API giving `replies`;
 * `url` replaces the vector's URL when set, `e` edits its body. */
static void call_run(struct call *x, const char *name, bool on, const struct fake_reply *replies,
                     int count, const char *url, const struct edit *e)
{
    memset(x, 0, sizeof(*x));
    x->root = vectors_load("checkpointing.json");
    assert_non_null(x->root);
    json_object *entry = vectors_find(ing_json_get(x->root, "entries"), name);
    assert_non_null(entry);
    x->api = fake_http_start(replies, count);
    assert_non_null(x->api);
    snprintf(api_base, sizeof(api_base), "http://127.0.0.1:%d", fake_http_port(x->api));
    checkpointing_on = on;
    int64_t now = 0;
    assert_true(ing_json_get_int(entry, "generated_at_unix", &now));
    vector_now = (time_t)now;
    char err[512];
    assert_true(server_init(&x->srv, &vectors_app, env, err, sizeof(err)));
    x->srv.now = fixed_clock;
    assert_true(server_init_worker(&x->srv));

    json_object *req = ing_json_get(entry, "request");
    const char *u = url ? url : ing_json_get_string(req, "url");
    const char *q = strchr(u, '?');
    x->body = edited(ing_json_get_string(req, "body"), e);
    char sig[160], p_method[32], p_uri[256], p_query[512], p_sig[200], p_len[64];
    sig_response_header(K1, x->body, strlen(x->body), (long long)now, sig, sizeof(sig));
    snprintf(p_method, sizeof(p_method), "REQUEST_METHOD=POST");
    snprintf(p_uri, sizeof(p_uri), "DOCUMENT_URI=%.*s", (int)(q - u), u);
    snprintf(p_query, sizeof(p_query), "QUERY_STRING=%s", q + 1);
    snprintf(p_sig, sizeof(p_sig), "HTTP_X_INNGEST_SIGNATURE=%s", sig);
    snprintf(p_len, sizeof(p_len), "CONTENT_LENGTH=%zu", strlen(x->body));
    char *params[] = {p_method, p_uri, p_query, p_sig, p_len, "HTTP_HOST=127.0.0.1:3939", NULL};
    x->ctx = serve_one(&x->srv, params, x->body, x->api, &x->res, &x->answer);
    assert_non_null(x->ctx);
}

static void call_free(struct call *x)
{
    serve_one_free(&x->srv, x->api, x->ctx, x->answer);
    json_object_put(x->root);
    free(x->body);
}

static json_object *sent_body(const struct call *x, int i)
{
    const struct fake_request *r = fake_http_request(x->api, i);
    assert_non_null(r);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->target, RUN_PATH);
    json_object *b = json_tokener_parse(r->body);
    assert_non_null(b);
    return b;
}

static void expect_bearer(const struct call *x, int i, const char *key)
{
    char want[200], token[160], got[200];
    assert_true(sig_bearer_token(key, token, sizeof(token)));
    snprintf(want, sizeof(want), "Bearer %s", token);
    assert_non_null(fake_http_header(fake_http_request(x->api, i), "authorization", got, sizeof(got)));
    /* the fake server lower-cases its header block */
    if (strcasecmp(got, want) != 0)
        fail_msg("authorization \"%s\", want \"%s\"", got, want);
}

static void hash_of(const char *id, char out[41]) { sig_sha1_hex(id, strlen(id), out); }

/* The one op of a 206 answer. */
static json_object *only_op(const struct call *x)
{
    assert_int_equal(x->res.status, 206);
    assert_true(json_object_is_type(x->answer, json_type_array));
    assert_int_equal(json_object_array_length(x->answer), 1);
    return json_object_array_get_idx(x->answer, 0);
}

static const struct fake_reply ok = {.status = 200, .body = ""};

/* Runs `vector` (checkpointing on or off) against an API giving `reply` and
 * checks the classic 206 it must end in: one op, `op` named `name` (NULL: not
 * checked), after `calls` requests to the API.  Returns the op. */
static json_object *expect_206(struct call *x, const char *vector, bool on, const struct fake_reply *reply,
                               const char *op, const char *name, int calls)
{
    call_run(x, vector, on, reply, 1, NULL, NULL);
    json_object *got = only_op(x);
    assert_string_equal(ing_json_get_string(got, "op"), op);
    if (name)
        assert_string_equal(ing_json_get_string(got, "displayName"), name);
    assert_int_equal(fake_http_count(x->api), calls);
    return got;
}

static void test_two_steps_in_one_request(void **s)
{
    (void)s;
    struct call x;
    call_run(&x, "checkpoint-two-step", true, &ok, 1, NULL, NULL);
    /* the function ran to its end in this request */
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_object_to_json_string_ext(x.answer, JSON_C_TO_STRING_PLAIN),
                        "{\"result\":\"AB\"}");
    assert_int_equal(fake_http_count(x.api), 2);
    const char *ids[] = {"a", "b"}, *data[] = {"\"A\"", "\"AB\""};
    for (int i = 0; i < 2; i++) {
        json_object *b = sent_body(&x, i);
        assert_string_equal(ing_json_get_string(b, "run_id"), "01JRUN00000000000000000001");
        assert_string_equal(ing_json_get_string(b, "fn_id"), "0d4f5c1e-7a2b-4c3d-8e9f-0a1b2c3d4e5f");
        assert_string_equal(ing_json_get_string(b, "qi_id"), "eyJxaSI6InRlc3QifQ");
        assert_string_equal(ing_json_get_string(b, "request_id"), "01JREQ00000000000000000001");
        int64_t started = 0, ts = 0;
        assert_true(ing_json_get_int(b, "request_started_at", &started));
        assert_true(ing_json_get_int(b, "ts", &ts));
        assert_true(ts >= started && started > 1700000000000LL);
        json_object *steps = ing_json_get(b, "steps");
        assert_int_equal(json_object_array_length(steps), 1);
        json_object *op = json_object_array_get_idx(steps, 0);
        char h[41];
        hash_of(ids[i], h);
        assert_string_equal(ing_json_get_string(op, "id"), h);
        assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
        assert_string_equal(ing_json_get_string(op, "displayName"), ids[i]);
        assert_string_equal(json_object_to_json_string_ext(ing_json_get(op, "data"),
                                                           JSON_C_TO_STRING_PLAIN), data[i]);
        assert_non_null(ing_json_get(ing_json_get(op, "timing"), "a"));
        expect_bearer(&x, i, K1);
        json_object_put(b);
    }
    call_free(&x);
}

/* With encryption on, a checkpointed step's data is an envelope (users
 * reported the official middleware sending it in plaintext there), while
 * the function carries on with the plain value in the same request. */
static void test_checkpointed_data_is_encrypted(void **s)
{
    (void)s;
    static const char key[] = "checkpoint-test-encryption-key-0123456789";
    encryption_key = key;
    struct call x;
    call_run(&x, "checkpoint-two-step", true, &ok, 1, NULL, NULL);
    encryption_key = NULL;
    struct enc_keys k;
    char err[256];
    assert_true(enc_keys_load(&k, key, NULL, err, sizeof(err)));
    /* the function's result is sealed too */
    assert_int_equal(x.res.status, 200);
    json_object *result = NULL;
    assert_true(enc_open(&k, x.answer, &result, err, sizeof(err)));
    assert_string_equal(json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN),
                        "{\"result\":\"AB\"}");
    json_object_put(result);
    assert_int_equal(fake_http_count(x.api), 2);
    const char *plain[] = {"A", "AB"};
    for (int i = 0; i < 2; i++) {
        json_object *b = sent_body(&x, i);
        json_object *data = ing_json_get(json_object_array_get_idx(ing_json_get(b, "steps"), 0), "data");
        assert_true(enc_is_envelope(data));
        assert_string_equal(ing_json_get_string(data, ENC_STRATEGY_MARKER), ENC_STRATEGY);
        json_object *got = NULL;
        assert_true(enc_open(&k, data, &got, err, sizeof(err)));
        assert_string_equal(json_object_get_string(got), plain[i]);
        json_object_put(got);
        json_object_put(b);
    }
    call_free(&x);
}

/* Checkpointing stops at the first asynchronous step, which is reported in
 * the 206 as usual. */
static void test_stops_at_sleep(void **s)
{
    (void)s;
    struct call x;
    expect_206(&x, "checkpoint-multi-until-sleep", true, &ok, "Sleep", "nap", 1);
    json_object *b = sent_body(&x, 0);
    json_object *first = json_object_array_get_idx(ing_json_get(b, "steps"), 0);
    assert_string_equal(ing_json_get_string(first, "displayName"), "first");
    json_object_put(b);
    call_free(&x);
}

/* 5xx: tried three times, then the step goes back in the 206 and nothing
 * after it runs. */
static void test_failure_falls_back_to_the_206(void **s)
{
    (void)s;
    struct call x;
    struct fake_reply fail = {.status = 500, .body = "{\"error\":\"boom\"}"};
    json_object *op = expect_206(&x, "checkpoint-api-fails", true, &fail, "StepRun", NULL, 3);
    char h[41];
    hash_of("a", h);
    assert_string_equal(ing_json_get_string(op, "id"), h);
    assert_string_equal(ing_json_get_string(op, "data"), "A");
    call_free(&x);
}

/* A server without the checkpoint API (404) costs one call, not three. */
static void test_no_api_falls_back_at_once(void **s)
{
    (void)s;
    struct call x;
    struct fake_reply missing = {.status = 404, .body = "404 page not found", .content_type = "text/plain"};
    expect_206(&x, "checkpoint-two-step", true, &missing, "StepRun", "a", 1);
    call_free(&x);
}

/* 401 with the signing key: the same call again with the fallback key. */
static void test_unauthorized_uses_the_fallback_key(void **s)
{
    (void)s;
    struct call x;
    struct fake_reply replies[] = {{.status = 401, .body = "{\"error\":\"Unauthorized\"}"}, ok,
                                   {.status = 401, .body = "{\"error\":\"Unauthorized\"}"}, ok};
    call_run(&x, "checkpoint-two-step", true, replies, 4, NULL, NULL);
    assert_int_equal(x.res.status, 200);
    assert_int_equal(fake_http_count(x.api), 4);
    expect_bearer(&x, 0, K1);
    expect_bearer(&x, 1, K2);
    expect_bearer(&x, 2, K1);
    expect_bearer(&x, 3, K2);
    call_free(&x);
}

/* 409: the executor has requeued this call; stop, and do not hand back the
 * step (it would be memoized twice). */
static void test_stale_stops_without_ops(void **s)
{
    (void)s;
    struct call x;
    struct fake_reply stale = {.status = 409, .body = "{\"error\":\"stale dispatch\"}"};
    call_run(&x, "checkpoint-two-step", true, &stale, 1, NULL, NULL);
    assert_int_equal(x.res.status, 400);
    assert_string_equal(response_get_header(&x.res, "X-Inngest-No-Retry"), "true");
    assert_true(json_object_is_type(x.answer, json_type_object));
    assert_non_null(strstr(ing_json_get_string(x.answer, "message"), "409"));
    assert_null(strstr(json_object_to_json_string(x.answer), "StepRun"));
    assert_int_equal(fake_http_count(x.api), 1);
    call_free(&x);
}

/* Off unless INNGEST_CHECKPOINTING=1: the classic 206, no API call. */
static void test_off_by_default(void **s)
{
    (void)s;
    struct call x;
    expect_206(&x, "checkpoint-two-step", false, &ok, "StepRun", "a", 0);
    call_free(&x);
}

/* A retried call (attempt 1) answers classically, so that the next step is
 * scheduled with a fresh attempt count; so does a targeted step, and a call
 * without ctx.fn_id. */
static void test_not_on_retries_targets_or_without_fn_id(void **s)
{
    (void)s;
    struct call x;
    struct edit retry = {"\"attempt\":0", "\"attempt\":1"};
    call_run(&x, "checkpoint-two-step", true, &ok, 1, NULL, &retry);
    assert_string_equal(ing_json_get_string(only_op(&x), "op"), "StepRun");
    assert_int_equal(fake_http_count(x.api), 0);
    call_free(&x);

    char h[41], url[256];
    hash_of("a", h);
    snprintf(url, sizeof(url), "/api/inngest?fnId=vectors-app-two-step&stepId=%s", h);
    call_run(&x, "checkpoint-two-step", true, &ok, 1, url, NULL);
    assert_string_equal(ing_json_get_string(only_op(&x), "id"), h);
    assert_int_equal(fake_http_count(x.api), 0);
    call_free(&x);

    struct edit no_fn = {"\"fn_id\":\"0d4f5c1e-7a2b-4c3d-8e9f-0a1b2c3d4e5f\",", ""};
    call_run(&x, "checkpoint-two-step", true, &ok, 1, NULL, &no_fn);
    assert_string_equal(ing_json_get_string(only_op(&x), "op"), "StepRun");
    assert_int_equal(fake_http_count(x.api), 0);
    call_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_steps_in_one_request),
        cmocka_unit_test(test_checkpointed_data_is_encrypted),
        cmocka_unit_test(test_stops_at_sleep),
        cmocka_unit_test(test_failure_falls_back_to_the_206),
        cmocka_unit_test(test_no_api_falls_back_at_once),
        cmocka_unit_test(test_unauthorized_uses_the_fallback_key),
        cmocka_unit_test(test_stale_stops_without_ops),
        cmocka_unit_test(test_off_by_default),
        cmocka_unit_test(test_not_on_retries_targets_or_without_fn_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
