/*
 * test_conformance_gateway.c — the steps the Inngest server carries out
 * (step.fetch → Gateway op, step.ai.infer → AIGateway op), step.ai.wrap and
 * race groups, through ing_test_call: the op each one plans (its opts as the
 * executor reads them), what a memoized answer, failure or race result gives
 * the function, and the requests refused before they leave.  The conformance
 * functions (conf-fetch, conf-ai-infer, conf-ai-wrap, conf-race) are driven
 * with their documented outputs; a small app of our own covers the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inngest.h"
#include "run_answers.h"

static const char *hash_of(const char *id, char out[41])
{
    ing_test_step_hash(id, 0, out);
    return out;
}

static void call_app(const struct ing_app *app, const char *fn, const char *event,
                     const char *steps, const char *step_id, bool die, struct ing_test_result *r)
{
    struct ing_test_options o = {.event = event, .steps = steps, .step_id = step_id,
                                 .disable_immediate_execution = die};
    assert_int_equal(ing_test_call(app, fn, &o, r), 0);
}

static void call(const char *fn, const char *event, const char *steps, struct ing_test_result *r)
{
    call_app(&ing_app_definition, fn, event, steps, NULL, false, r);
}

/* A 200 answer whose body, as plain JSON text, is `want`. */
static void expect_answer(const struct ing_test_result *r, const char *want)
{
    assert_int_equal(r->status, 200);
    assert_string_equal(json_object_to_json_string_ext(r->json, JSON_C_TO_STRING_PLAIN), want);
}

static const char *opt_string(json_object *op, const char *key)
{
    return ing_json_get_string(ing_json_get(op, "opts"), key);
}

/* ---- conf-fetch ------------------------------------------------------------ */

static void fetch_plans_a_gateway_op(void **state)
{
    (void)state;
    setenv("CONF_FETCH_URL", "http://127.0.0.1:9/hook?x=1", 1);
    struct ing_test_result r;
    call("conf-fetch", NULL, NULL, &r);
    json_object *op = expect_one_op(&r, NULL);
    char h[41];
    assert_string_equal(ing_json_get_string(op, "op"), "Gateway");
    assert_string_equal(ing_json_get_string(op, "id"), hash_of("call", h));
    assert_string_equal(ing_json_get_string(op, "displayName"), "call");
    assert_string_equal(opt_string(op, "url"), "http://127.0.0.1:9/hook?x=1");
    assert_string_equal(opt_string(op, "method"), "POST");
    assert_string_equal(opt_string(op, "body"), "{\"hello\":\"from conf-fetch\"}");
    json_object *headers = ing_json_get(ing_json_get(op, "opts"), "headers");
    assert_string_equal(ing_json_get_string(headers, "Content-Type"), "application/json");
    assert_string_equal(ing_json_get_string(headers, "X-Conf-Step"), "fetch");
    assert_int_equal(json_object_object_length(headers), 2);
    ing_test_result_free(&r);
}

static void fetch_memoized_answer_is_returned(void **state)
{
    (void)state;
    setenv("CONF_FETCH_URL", "http://127.0.0.1:9/hook", 1);
    char h[41], steps[512];
    snprintf(steps, sizeof(steps),
             "{\"%s\":{\"data\":{\"url\":\"http://127.0.0.1:9/hook\",\"status_code\":418,"
             "\"headers\":{\"Content-Type\":\"text/plain\",\"X-Extra\":\"a,b\"},\"body\":\"short and stout\"}}}",
             hash_of("call", h));
    struct ing_test_result r;
    call("conf-fetch", NULL, steps, &r);
    assert_int_equal(r.status, 200);
    assert_true(json_object_get_boolean(ing_json_get(r.json, "ok")));
    int64_t status = 0;
    assert_true(ing_json_get_int(r.json, "status", &status));
    assert_int_equal(status, 418); /* any status is an answer */
    assert_string_equal(ing_json_get_string(r.json, "body"), "short and stout");
    assert_string_equal(ing_json_get_string(r.json, "contentType"), "text/plain");
    ing_test_result_free(&r);
}

static void fetch_memoized_failure_returns_false(void **state)
{
    (void)state;
    setenv("CONF_FETCH_UNREACHABLE_URL", "http://127.0.0.1:9/", 1);
    char h[41], steps[512];
    snprintf(steps, sizeof(steps),
             "{\"%s\":{\"error\":{\"name\":\"GatewayError\",\"message\":\"Error making gateway "
             "request: Unable to reach SDK URL\"}}}",
             hash_of("call", h));
    struct ing_test_result r;
    call("conf-fetch", "{\"name\":\"conf/fetch\",\"data\":{\"unreachable\":true}}", steps, &r);
    assert_int_equal(r.status, 200);
    assert_false(json_object_get_boolean(ing_json_get(r.json, "ok")));
    assert_string_equal(ing_json_get_string(r.json, "error"),
                        "Error making gateway request: Unable to reach SDK URL");
    ing_test_result_free(&r);
}

static void fetch_without_its_setting_fails_at_once(void **state)
{
    (void)state;
    unsetenv("CONF_FETCH_URL");
    struct ing_test_result r;
    call("conf-fetch", NULL, NULL, &r);
    assert_int_equal(r.status, 400);
    assert_true(r.no_retry);
    assert_string_equal(ing_json_get_string(r.json, "message"), "CONF_FETCH_URL is not set");
    ing_test_result_free(&r);
}

/* ---- requests refused before they leave --------------------------------------- */

static struct ing_fetch_request bad_requests[] = {
    {.url = "ftp://127.0.0.1/file"},
    {.url = "127.0.0.1/no-scheme"},
    {.url = "http:///no-host"},
    {.url = "http://127.0.0.1/a b"},
    {.url = NULL},
    {.method = "GE T", .url = "http://127.0.0.1/"},
    {.method = "", .url = "http://127.0.0.1/"},
    {.url = "http://127.0.0.1/", .headers = {"X-A: 1\r\nX-Injected: 2"}},
    {.url = "http://127.0.0.1/", .headers = {"X-A: 1\n"}},
    {.url = "http://127.0.0.1/", .headers = {"No colon"}},
    {.url = "http://127.0.0.1/", .headers = {"Bad Name: 1"}},
    {.url = "http://127.0.0.1/", .headers = {"X-A: 1", "x-a: 2"}},
    {.url = "http://127.0.0.1/", .body = "a\0b", .body_len = 3},
    {.url = "http://127.0.0.1/", .body = "\xff\xfe", .body_len = 2},
};
static const char *bad_reasons[] = {
    "http:// or https://", "http:// or https://", "no host", "space", "needs a url",
    "HTTP token", "HTTP token", "CR or LF", "CR or LF", "not \"Name: value\"",
    "not \"Name: value\"", "given twice", "UTF-8", "UTF-8",
};
static int bad_index;

static json_object *fetch_bad(struct ing_ctx *c)
{
    ing_step_fetch(c, "call", &bad_requests[bad_index], NULL);
    return NULL;
}

static json_object *fetch_good(struct ing_ctx *c)
{
    struct ing_fetch_request req = {.url = "HTTPS://example.invalid/path",
                                    .headers = {"Authorization:\tBearer x", NULL, "X-B:  two"},
                                    .body = "plain text", .body_len = 5};
    ing_step_fetch(c, "call", &req, NULL);
    return NULL;
}

/* ---- our own app: AI, wrap, race ------------------------------------------------ */

static const struct ing_ai_model *model_under_test;

static json_object *infer(struct ing_ctx *c)
{
    json_object *body = ing_json_parse(c, "{\"model\":\"m\",\"messages\":[]}");
    json_object *v = ing_step_ai_infer(c, "ask", model_under_test, body);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "got", v);
    return out;
}

static json_object *infer_catch(struct ing_ctx *c)
{
    struct ing_ai_model m = {.format = ING_AI_OPENAI_CHAT, .url = "http://127.0.0.1:9/v1"};
    struct ing_error err;
    json_object *v = ing_step_ai_infer_catch(c, "ask", &m, ing_json_parse(c, "{}"), &err);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "got", v);
    ing_json_set(out, "error", ing_json_string(c, err.name));
    ing_json_set(out, "data", ing_json_get(err.raw, "data"));
    return out;
}

static json_object *infer_array_body(struct ing_ctx *c)
{
    struct ing_ai_model m = {.format = ING_AI_OPENAI_CHAT};
    return ing_step_ai_infer(c, "ask", &m, ing_json_array(c));
}

static json_object *constant(struct ing_ctx *c, void *arg) { return ing_json_string(c, arg); }

static json_object *race_two_runs(struct ing_ctx *c)
{
    ing_parallel_begin_race(c);
    json_object *a = ing_step_run(c, "a", constant, "A");
    json_object *b = ing_step_run(c, "b", constant, "B");
    (void)a;
    (void)b;
    json_object *value = NULL;
    const char *winner = ing_parallel_end_race(c, &value);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "winner", ing_json_string(c, winner));
    ing_json_set(out, "value", value);
    return out;
}

static json_object *race_caught(struct ing_ctx *c)
{
    struct ing_error err;
    ing_parallel_begin_race(c);
    ing_step_run_catch(c, "a", constant, "A", &err);
    ing_step_run(c, "b", constant, "B");
    json_object *value = ing_json_string(c, "unset");
    const char *winner = ing_parallel_end_race(c, &value);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "winner", ing_json_string(c, winner));
    ing_json_set(out, "value", value);
    ing_json_set(out, "error", ing_json_string(c, err.message));
    return out;
}

static json_object *wrap_null_input(struct ing_ctx *c)
{
    return ing_step_ai_wrap(c, "ask", NULL, constant, "ok");
}

static json_object *fetch_null_request(struct ing_ctx *c)
{
    ing_step_fetch(c, "call", NULL, NULL);
    return NULL;
}

static json_object *race_ended_by_plain_end(struct ing_ctx *c)
{
    ing_parallel_begin_race(c);
    ing_parallel_end(c);
    return NULL;
}

static const struct ing_function own_functions[] = {
    {.id = "fetch-bad", .name = "fetch-bad", .triggers = {ING_EVENT("t/x")}, .handler = fetch_bad},
    {.id = "fetch-good", .name = "fetch-good", .triggers = {ING_EVENT("t/x")}, .handler = fetch_good},
    {.id = "infer", .name = "infer", .triggers = {ING_EVENT("t/x")}, .handler = infer},
    {.id = "infer-catch", .name = "infer-catch", .triggers = {ING_EVENT("t/x")}, .handler = infer_catch},
    {.id = "infer-array", .name = "infer-array", .triggers = {ING_EVENT("t/x")}, .handler = infer_array_body},
    {.id = "race", .name = "race", .triggers = {ING_EVENT("t/x")}, .handler = race_two_runs},
    {.id = "race-caught", .name = "race-caught", .triggers = {ING_EVENT("t/x")}, .handler = race_caught},
    {.id = "wrap-null", .name = "wrap-null", .triggers = {ING_EVENT("t/x")}, .handler = wrap_null_input},
    {.id = "fetch-null", .name = "fetch-null", .triggers = {ING_EVENT("t/x")}, .handler = fetch_null_request},
    {.id = "race-plain-end", .name = "race-plain-end", .triggers = {ING_EVENT("t/x")},
     .handler = race_ended_by_plain_end},
};
static const struct ing_app own_app = {.default_app_id = "gw-test", .functions = own_functions,
                                       .function_count = ING_COUNT(own_functions)};

static void own(const char *fn, const char *steps, const char *step_id, bool die,
                struct ing_test_result *r)
{
    call_app(&own_app, fn, NULL, steps, step_id, die, r);
}

static void bad_fetch_requests_fail_the_run_without_leaving(void **state)
{
    (void)state;
    for (bad_index = 0; bad_index < (int)ING_COUNT(bad_requests); bad_index++) {
        struct ing_test_result r;
        own("fetch-bad", NULL, NULL, false, &r);
        const char *msg = ing_json_get_string(r.json, "message");
        if (r.status != 400 || !msg || !strstr(msg, bad_reasons[bad_index]) ||
            !strstr(msg, "step.fetch \"call\""))
            fail_msg("bad request %d: status %d, message %s", bad_index, r.status, msg ? msg : "(none)");
        assert_true(r.no_retry);
        assert_string_equal(ing_json_get_string(r.json, "name"), "NonRetriableError");
        ing_test_result_free(&r);
    }
    assert_int_equal(bad_index, 14);
}

static void good_fetch_request_defaults_and_trims(void **state)
{
    (void)state;
    struct ing_test_result r;
    own("fetch-good", NULL, NULL, false, &r);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(opt_string(op, "method"), "GET"); /* written: the executor's default is POST */
    assert_string_equal(opt_string(op, "url"), "HTTPS://example.invalid/path");
    assert_string_equal(opt_string(op, "body"), "plain"); /* body_len bytes */
    json_object *headers = ing_json_get(ing_json_get(op, "opts"), "headers");
    assert_string_equal(ing_json_get_string(headers, "Authorization"), "Bearer x");
    assert_string_equal(ing_json_get_string(headers, "X-B"), "two");
    ing_test_result_free(&r);
}

/* ---- AI inference ------------------------------------------------------------------ */

static void infer_ops_carry_format_key_and_body(void **state)
{
    (void)state;
    struct {
        struct ing_ai_model model;
        const char *format, *url, *extra_header, *extra_value;
    } cases[] = {
        {{.format = ING_AI_OPENAI_CHAT, .auth_key = "sk-test"}, "openai-chat",
         "https://api.openai.com/v1/chat/completions", NULL, NULL},
        {{.format = ING_AI_ANTHROPIC, .auth_key = "sk-ant"}, "anthropic",
         "https://api.anthropic.com/v1/messages", "anthropic-version", "2023-06-01"},
        {{.format = ING_AI_ANTHROPIC, .auth_key = "sk-ant", .headers = {"Anthropic-Version: 2099-01-01"}},
         "anthropic", "https://api.anthropic.com/v1/messages", "Anthropic-Version", "2099-01-01"},
        {{.format = ING_AI_GEMINI, .auth_key = "g", .url = "https://generativelanguage.googleapis.com/v1beta/models/x:generateContent"},
         "gemini", "https://generativelanguage.googleapis.com/v1beta/models/x:generateContent", NULL, NULL},
        {{.format = ING_AI_BEDROCK, .auth_key = "AWS4-HMAC-SHA256 …", .url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"},
         "bedrock", "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse", NULL, NULL},
    };
    for (size_t i = 0; i < ING_COUNT(cases); i++) {
        model_under_test = &cases[i].model;
        struct ing_test_result r;
        own("infer", NULL, NULL, false, &r);
        json_object *op = expect_one_op(&r, NULL);
        assert_string_equal(ing_json_get_string(op, "op"), "AIGateway");
        assert_string_equal(opt_string(op, "type"), "step.ai.infer");
        assert_string_equal(opt_string(op, "format"), cases[i].format);
        assert_string_equal(opt_string(op, "url"), cases[i].url);
        assert_string_equal(opt_string(op, "auth_key"), cases[i].model.auth_key);
        json_object *body = ing_json_get(ing_json_get(op, "opts"), "body");
        assert_string_equal(ing_json_get_string(body, "model"), "m");
        json_object *headers = ing_json_get(ing_json_get(op, "opts"), "headers");
        if (cases[i].extra_header) {
            assert_string_equal(ing_json_get_string(headers, cases[i].extra_header), cases[i].extra_value);
            assert_int_equal(json_object_object_length(headers), 1);
        } else {
            assert_int_equal(json_object_object_length(headers), 0);
        }
        ing_test_result_free(&r);
    }
}

static void infer_refuses_what_cannot_work(void **state)
{
    (void)state;
    struct {
        struct ing_ai_model model;
        const char *reason;
    } cases[] = {
        {{.format = ING_AI_GEMINI}, "needs a url"},
        {{.format = ING_AI_BEDROCK}, "needs a url"},
        {{.format = (enum ing_ai_format)42}, "unknown model format"},
        {{.format = ING_AI_OPENAI_CHAT, .url = "file:///etc/passwd"}, "http:// or https://"},
        {{.format = ING_AI_OPENAI_CHAT, .auth_key = "k\r\nX-Evil: 1"}, "auth key"},
        {{.format = ING_AI_OPENAI_CHAT, .headers = {"X: a\rb"}}, "CR or LF"},
    };
    for (size_t i = 0; i < ING_COUNT(cases); i++) {
        model_under_test = &cases[i].model;
        struct ing_test_result r;
        own("infer", NULL, NULL, false, &r);
        const char *msg = ing_json_get_string(r.json, "message");
        if (r.status != 400 || !msg || !strstr(msg, cases[i].reason))
            fail_msg("case %zu: status %d, message %s", i, r.status, msg ? msg : "(none)");
        assert_null(strstr(r.body, "X-Evil")); /* the key is never echoed */
        ing_test_result_free(&r);
    }
    struct ing_test_result r;
    own("infer-array", NULL, NULL, false, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(ing_json_get_string(r.json, "message"), "JSON object"));
    ing_test_result_free(&r);
}

static void infer_memoized_answer_and_failure(void **state)
{
    (void)state;
    static const struct ing_ai_model m = {.format = ING_AI_OPENAI_CHAT, .url = "http://127.0.0.1:9/v1"};
    model_under_test = &m;
    char h[41], steps[512];
    hash_of("ask", h);
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}}}", h);
    struct ing_test_result r;
    own("infer", steps, NULL, false, &r);
    expect_answer(&r, "{\"got\":{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}}");
    ing_test_result_free(&r);

    /* the executor's stored failure after the retries: uncaught, the run fails for good */
    snprintf(steps, sizeof(steps),
             "{\"%s\":{\"error\":{\"name\":\"AIGatewayError\",\"message\":\"Error making AI request: "
             "unsuccessful status code: 429\",\"data\":{\"error\":\"slow down\"}}}}", h);
    own("infer", steps, NULL, false, &r);
    assert_int_equal(r.status, 400);
    assert_true(r.no_retry);
    assert_string_equal(ing_json_get_string(r.json, "name"), "AIGatewayError");
    ing_test_result_free(&r);

    own("infer-catch", steps, NULL, false, &r);
    expect_answer(&r, "{\"got\":null,\"error\":\"AIGatewayError\",\"data\":{\"error\":\"slow down\"}}");
    ing_test_result_free(&r);
}

static void conf_ai_infer_round_trip(void **state)
{
    (void)state;
    setenv("CONF_AI_URL", "http://127.0.0.1:9/v1/chat/completions", 1);
    setenv("CONF_AI_KEY", "sk-conformance", 1);
    const char *event = "{\"name\":\"conf/ai-infer\",\"data\":{\"prompt\":\"Say hi\"}}";
    struct ing_test_result r;
    call("conf-ai-infer", event, NULL, &r);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(opt_string(op, "auth_key"), "sk-conformance");
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(ing_json_get(op, "opts"), "body"),
                                                       JSON_C_TO_STRING_PLAIN),
                        "{\"model\":\"conf-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");
    ing_test_result_free(&r);
    char h[41], steps[512];
    snprintf(steps, sizeof(steps),
             "{\"%s\":{\"data\":{\"model\":\"conf-model\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hi!\"}}]}}}",
             hash_of("ask", h));
    call("conf-ai-infer", event, steps, &r);
    expect_answer(&r, "{\"answer\":\"Hi!\",\"model\":\"conf-model\"}");
    ing_test_result_free(&r);
}

/* ---- step.ai.wrap ------------------------------------------------------------------- */

static void conf_ai_wrap_records_its_input(void **state)
{
    (void)state;
    const char *event = "{\"name\":\"conf/ai-wrap\",\"data\":{\"prompt\":\"ping\"}}";
    struct ing_test_result r;
    call("conf-ai-wrap", event, NULL, &r);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(opt_string(op, "type"), "step.ai.wrap");
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(ing_json_get(op, "opts"), "input"),
                                                       JSON_C_TO_STRING_PLAIN),
                        "[{\"prompt\":\"ping\"}]");
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(op, "data"), JSON_C_TO_STRING_PLAIN),
                        "{\"answer\":\"echo: ping\"}");
    ing_test_result_free(&r);

    /* planned (immediate execution off): the input travels with the plan too */
    call_app(&ing_app_definition, "conf-ai-wrap", event, NULL, NULL, true, &r);
    op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "op"), "StepPlanned");
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(op, "opts"), JSON_C_TO_STRING_PLAIN),
                        "{\"type\":\"step.ai.wrap\",\"input\":[{\"prompt\":\"ping\"}]}");
    ing_test_result_free(&r);

    char h[41], steps[256];
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":{\"answer\":\"echo: ping\"}}}", hash_of("ask", h));
    call("conf-ai-wrap", event, steps, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ing_json_get_string(r.json, "answer"), "echo: ping");
    ing_test_result_free(&r);
}

static void wrap_records_a_null_input_as_null(void **state)
{
    (void)state;
    struct ing_test_result r;
    own("wrap-null", NULL, NULL, false, &r);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(op, "opts"), JSON_C_TO_STRING_PLAIN),
                        "{\"type\":\"step.ai.wrap\",\"input\":[null]}");
    assert_string_equal(ing_json_get_string(op, "data"), "ok");
    ing_test_result_free(&r);
}

/* ---- races ------------------------------------------------------------------------- */

static void race_plans_every_member_with_race_mode(void **state)
{
    (void)state;
    struct ing_test_result r;
    own("race", NULL, NULL, false, &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(json_object_array_length(r.json), 2);
    for (size_t i = 0; i < 2; i++) {
        json_object *op = json_object_array_get_idx(r.json, i);
        assert_string_equal(ing_json_get_string(op, "op"), "StepPlanned");
        assert_string_equal(opt_string(op, "parallelMode"), "race");
    }
    ing_test_result_free(&r);
}

static void race_targeted_run_carries_race_mode(void **state)
{
    (void)state;
    char h[41];
    struct ing_test_result r;
    own("race", NULL, hash_of("b", h), false, &r);
    json_object *op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(ing_json_get_string(op, "displayName"), "b");
    /* the executor reads the finished step's mode to ask again at once */
    assert_string_equal(opt_string(op, "parallelMode"), "race");
    ing_test_result_free(&r);
}

static void race_winner_is_the_first_to_finish(void **state)
{
    (void)state;
    char ha[41], hb[41], steps[256];
    hash_of("a", ha);
    hash_of("b", hb);
    struct ing_test_result r;
    /* only b finished: b wins, a is not planned again, the function returns */
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":\"B\"}}", hb);
    own("race", steps, NULL, false, &r);
    expect_answer(&r, "{\"winner\":\"b\",\"value\":\"B\"}");
    ing_test_result_free(&r);
    /* later a finished too: b finished first (ctx.stack order), so b still wins */
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":\"B\"},\"%s\":{\"data\":\"A\"}}", hb, ha);
    own("race", steps, NULL, false, &r);
    assert_string_equal(ing_json_get_string(r.json, "winner"), "b");
    ing_test_result_free(&r);
    /* the other order: a wins */
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":\"A\"},\"%s\":{\"data\":\"B\"}}", ha, hb);
    own("race", steps, NULL, false, &r);
    assert_string_equal(json_object_to_json_string_ext(r.json, JSON_C_TO_STRING_PLAIN),
                        "{\"winner\":\"a\",\"value\":\"A\"}");
    ing_test_result_free(&r);
}

static void race_failed_winner_fails_the_run_a_failed_loser_does_not(void **state)
{
    (void)state;
    char ha[41], hb[41], steps[256];
    hash_of("a", ha);
    hash_of("b", hb);
    struct ing_test_result r;
    snprintf(steps, sizeof(steps),
             "{\"%s\":{\"error\":{\"name\":\"Error\",\"message\":\"a broke\"}},\"%s\":{\"data\":\"B\"}}", ha, hb);
    own("race", steps, NULL, false, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(ing_json_get_string(r.json, "message"), "a broke");
    ing_test_result_free(&r);
    snprintf(steps, sizeof(steps),
             "{\"%s\":{\"data\":\"B\"},\"%s\":{\"error\":{\"name\":\"Error\",\"message\":\"a broke\"}}}", hb, ha);
    own("race", steps, NULL, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ing_json_get_string(r.json, "winner"), "b");
    ing_test_result_free(&r);
}

static void race_caught_failed_winner_is_handed_over(void **state)
{
    (void)state;
    char ha[41], hb[41], steps[256];
    hash_of("a", ha);
    hash_of("b", hb);
    snprintf(steps, sizeof(steps),
             "{\"%s\":{\"error\":{\"name\":\"Error\",\"message\":\"a broke\"}},\"%s\":{\"data\":\"B\"}}", ha, hb);
    struct ing_test_result r;
    own("race-caught", steps, NULL, false, &r);
    expect_answer(&r, "{\"winner\":\"a\",\"value\":null,\"error\":\"a broke\"}");
    ing_test_result_free(&r);
    own("fetch-null", NULL, NULL, false, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(ing_json_get_string(r.json, "message"), "needs a request"));
    ing_test_result_free(&r);
}

static void race_needs_its_own_end(void **state)
{
    (void)state;
    struct ing_test_result r;
    own("race-plain-end", NULL, NULL, false, &r);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "ing_parallel_end_race"));
    ing_test_result_free(&r);
}

static void conf_race_fast_step_beats_the_sleep(void **state)
{
    (void)state;
    struct ing_test_result r;
    call("conf-race", NULL, NULL, &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(json_object_array_length(r.json), 2);
    json_object *sleep = json_object_array_get_idx(r.json, 1);
    assert_string_equal(ing_json_get_string(sleep, "op"), "Sleep");
    assert_string_equal(json_object_to_json_string_ext(ing_json_get(sleep, "opts"), JSON_C_TO_STRING_PLAIN),
                        "{\"duration\":\"5m\",\"parallelMode\":\"race\"}");
    ing_test_result_free(&r);
    char hf[41], ha[41], steps[256];
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":\"fast\"}}", hash_of("fast", hf));
    call("conf-race", NULL, steps, &r);
    json_object *op = expect_one_op(&r, NULL); /* "after" runs at once; the sleep is not planned again */
    assert_string_equal(ing_json_get_string(op, "displayName"), "after");
    assert_string_equal(ing_json_get_string(op, "data"), "fast");
    /* the sleep is still pending: "after" says race, so the executor asks
     * again at once instead of waiting for the sleep */
    assert_string_equal(opt_string(op, "parallelMode"), "race");
    ing_test_result_free(&r);
    /* once every member has a result, nothing after the race says race */
    char hs[41];
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":\"fast\"},\"%s\":{\"data\":null}}", hf,
             hash_of("slow", hs));
    call("conf-race", NULL, steps, &r);
    op = expect_one_op(&r, NULL);
    assert_string_equal(ing_json_get_string(op, "displayName"), "after");
    assert_true(json_object_is_type(ing_json_get(op, "opts"), json_type_null));
    ing_test_result_free(&r);
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":\"fast\"},\"%s\":{\"data\":\"fast\"}}", hf,
             hash_of("after", ha));
    call("conf-race", NULL, steps, &r);
    expect_answer(&r, "{\"winner\":\"fast\",\"value\":\"fast\"}");
    ing_test_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fetch_plans_a_gateway_op),
        cmocka_unit_test(fetch_memoized_answer_is_returned),
        cmocka_unit_test(fetch_memoized_failure_returns_false),
        cmocka_unit_test(fetch_without_its_setting_fails_at_once),
        cmocka_unit_test(bad_fetch_requests_fail_the_run_without_leaving),
        cmocka_unit_test(good_fetch_request_defaults_and_trims),
        cmocka_unit_test(infer_ops_carry_format_key_and_body),
        cmocka_unit_test(infer_refuses_what_cannot_work),
        cmocka_unit_test(infer_memoized_answer_and_failure),
        cmocka_unit_test(conf_ai_infer_round_trip),
        cmocka_unit_test(conf_ai_wrap_records_its_input),
        cmocka_unit_test(wrap_records_a_null_input_as_null),
        cmocka_unit_test(race_plans_every_member_with_race_mode),
        cmocka_unit_test(race_targeted_run_carries_race_mode),
        cmocka_unit_test(race_winner_is_the_first_to_finish),
        cmocka_unit_test(race_failed_winner_fails_the_run_a_failed_loser_does_not),
        cmocka_unit_test(race_caught_failed_winner_is_handed_over),
        cmocka_unit_test(race_needs_its_own_end),
        cmocka_unit_test(conf_race_fast_step_beats_the_sleep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
