/*
 * test_protocol_vectors.c — replays the official JS SDK's recorded call,
 * introspection, signature and error vectors against our router, with a C app
 * that mirrors the vectors' JS app (tests/vectors/generator/app.mjs).
 *
 * Each vector's request goes through router_serve() exactly as the FastCGI
 * front would pass it, with the clock set to the vector's time and the keys
 * K1/K2.  We compare what the protocol fixes: status, the retry headers, op
 * ids, opcodes, names, data and errors.  Where we deliberately differ from JS
 * (handler/PROTOCOL.md §17), the expected answer is ours and the reason is in `ours`.
 * Vectors that need the outbound API (sendEvent, use_api, sync) are covered by
 * test_outbound_vectors and the end-to-end suites.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "base/arena.h"
#include "core/context.h"
#include "inngest.h"
#include "core/request.h"
#include "core/response.h"
#include "protocol/router.h"
#include "core/server.h"
#include "vectors.h"
#include "vectors_app.h"


static bool json_equal(json_object *a, json_object *b)
{
    if (!a || !b)
        return a == b || json_object_is_type(a, json_type_null) == json_object_is_type(b, json_type_null);
    return json_object_equal(a, b);
}

/* Compares the fields of one op that the protocol fixes. */
static void compare_op(const char *vname, json_object *want, json_object *got)
{
    const char *fields[] = {"id", "op", "displayName"};
    for (size_t i = 0; i < ING_COUNT(fields); i++) {
        const char *w = ing_json_get_string(want, fields[i]), *g = ing_json_get_string(got, fields[i]);
        if (!w || !g || strcmp(w, g) != 0)
            fail_msg("%s: op %s: want %s, got %s", vname, fields[i], w ? w : "(none)", g ? g : "(none)");
    }
    const char *op = ing_json_get_string(want, "op");
    if (strcmp(op, "WaitForEvent") == 0) {
        /* deliberate: JS names the op after the event; we send the step id, as
         * the Go SDK and Inngest's conformance runner do, and the event in
         * opts.event, which is what the executor reads */
        assert_string_equal(ing_json_get_string(want, "name"),
                            ing_json_get_string(ing_json_get(got, "opts"), "event"));
        assert_string_equal(ing_json_get_string(want, "displayName"), ing_json_get_string(got, "name"));
    }
    if (strcmp(op, "StepRun") == 0 || strcmp(op, "Sleep") == 0 || strcmp(op, "StepPlanned") == 0) {
        const char *w = ing_json_get_string(want, "name"), *g = ing_json_get_string(got, "name");
        if (!w || !g || strcmp(w, g) != 0)
            fail_msg("%s: op name: want %s, got %s", vname, w, g ? g : "(none)");
    }
    if (strcmp(op, "StepRun") == 0 && !json_equal(ing_json_get(want, "data"), ing_json_get(got, "data")))
        fail_msg("%s: data differs: %s", vname, json_object_to_json_string(got));
    if (strcmp(op, "StepError") == 0 || strcmp(op, "StepFailed") == 0) {
        json_object *we = ing_json_get(want, "error"), *ge = ing_json_get(got, "error");
        assert_string_equal(ing_json_get_string(we, "name"), ing_json_get_string(ge, "name"));
        assert_string_equal(ing_json_get_string(we, "message"), ing_json_get_string(ge, "message"));
    }
    if (strcmp(op, "WaitForEvent") == 0) {
        json_object *wo = ing_json_get(want, "opts"), *go = ing_json_get(got, "opts");
        assert_string_equal(ing_json_get_string(wo, "timeout"), ing_json_get_string(go, "timeout"));
        assert_string_equal(ing_json_get_string(wo, "if"), ing_json_get_string(go, "if"));
    }
    if (strcmp(op, "InvokeFunction") == 0) {
        json_object *wo = ing_json_get(want, "opts"), *go = ing_json_get(got, "opts");
        assert_string_equal(ing_json_get_string(wo, "function_id"), ing_json_get_string(go, "function_id"));
        assert_true(json_equal(ing_json_get(wo, "payload"), ing_json_get(go, "payload")));
    }
}

/* Our deliberate differences from the JS recordings (handler/PROTOCOL.md §17). */
struct override {
    const char *name;
    int status;          /* what we answer */
    const char *why;
};
static const struct override overrides[] = {
    {"cloud-get-unsigned", 200, "handler/PROTOCOL.md §5: unauthenticated body, not 401"},
    {"cloud-get-signed-wrong-key", 200, "unauthenticated body with authentication_succeeded false"},
    {"cloud-get-signed-expired", 200, "unauthenticated body with authentication_succeeded false"},
    {"cloud-get-signed-future", 200, "unauthenticated body with authentication_succeeded false"},
    {"post-malformed-json", 400, "JS crashed; we answer 400 with X-Inngest-No-Retry: false"},
    {"post-noncanonical-body", 200, "we verify the raw bytes first (handler/PROTOCOL.md §4.3)"},
    {"post-trust-probe", 200, "a valid signature over an empty body is valid"},
    {"post-empty-body-signed", 400, "a call request without a body is malformed, not unauthorized"},
};

static const struct override *override_for(const char *name)
{
    for (size_t i = 0; i < ING_COUNT(overrides); i++)
        if (strcmp(overrides[i].name, name) == 0)
            return &overrides[i];
    return NULL;
}

/* Vectors whose request needs the outbound API; replayed elsewhere. */
static bool needs_outbound(const char *name)
{
    static const char *names[] = {"multi-5-sendevent", "use-api", "use-api-with-memoized-steps"};
    for (size_t i = 0; i < ING_COUNT(names); i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static int replayed;

static void check_entry(json_object *entry)
{
    const char *name = ing_json_get_string(entry, "name");
    json_object *req = ing_json_get(entry, "request");
    bool signed_req = vectors_header(ing_json_get(req, "headers"), "X-Inngest-Signature") != NULL;
    bool cloud = strncmp(name, "dev-", 4) != 0 && (signed_req || strncmp(name, "cloud-", 6) == 0 ||
                                                   strncmp(name, "post-", 5) == 0);
    struct replay r;
    replay_run(&r, entry, cloud, NULL);
    json_object *want = ing_json_get(entry, "response");
    int64_t want_status = 0;
    ing_json_get_int(want, "status", &want_status);
    const struct override *ov = override_for(name);
    if (ov)
        want_status = ov->status;
    if (r.res.status != want_status)
        fail_msg("%s: status want %d, got %d (%.*s)", name, (int)want_status, r.res.status,
                 (int)r.res.body_len, r.res.body);

    /* every answer of the Inngest endpoint carries the SDK headers */
    assert_non_null(response_get_header(&r.res, "X-Inngest-SDK"));
    assert_string_equal(response_get_header(&r.res, "X-Inngest-Req-Version"), "2");

    json_object *wh = ing_json_get(want, "headers");
    const char *w_nr = vectors_header(wh, "x-inngest-no-retry");
    const char *g_nr = response_get_header(&r.res, "X-Inngest-No-Retry");
    if (w_nr && !ov)
        assert_string_equal(w_nr, g_nr ? g_nr : "(none)");
    if (r.res.status >= 400 && strcmp(ing_json_get_string(req, "method"), "POST") == 0)
        assert_non_null(g_nr); /* always sent on errors, so the executor never guesses */
    const char *w_ra = vectors_header(wh, "retry-after");
    if (w_ra)
        assert_string_equal(w_ra, response_get_header(&r.res, "Retry-After"));

    /* a verified request's answer is signed; a rejected or dev one is not */
    json_object *auth_field = ing_json_get(r.body_json, "authentication_succeeded");
    bool is_get = strcmp(ing_json_get_string(req, "method"), "GET") == 0;
    bool verified = cloud && r.res.status != 401 &&
                    (!is_get || (auth_field && json_object_get_boolean(auth_field)));
    if (verified)
        assert_non_null(response_get_header(&r.res, "X-Inngest-Signature"));
    else
        assert_null(response_get_header(&r.res, "X-Inngest-Signature"));

    json_object *wbody = ing_json_get(want, "body_json");
    if (!ov && want_status == 206) {
        assert_true(json_object_is_type(r.body_json, json_type_array));
        size_t n = json_object_array_length(wbody);
        assert_int_equal(n, json_object_array_length(r.body_json));
        for (size_t i = 0; i < n; i++)
            compare_op(name, json_object_array_get_idx(wbody, i),
                       json_object_array_get_idx(r.body_json, i));
    } else if (!ov && want_status == 200 && strcmp(ing_json_get_string(req, "method"), "POST") == 0 &&
               strstr(ing_json_get_string(req, "url"), "fnId=")) {
        if (!json_equal(wbody, r.body_json))
            fail_msg("%s: result differs: want %s got %.*s", name, json_object_to_json_string(wbody),
                     (int)r.res.body_len, r.res.body);
    } else if (!ov && (want_status == 400 || want_status == 500) && ing_json_get(wbody, "message") &&
               ing_json_get(wbody, "name") && ing_json_get(r.body_json, "name")) {
        assert_string_equal(ing_json_get_string(wbody, "name"), ing_json_get_string(r.body_json, "name"));
        assert_string_equal(ing_json_get_string(wbody, "message"),
                            ing_json_get_string(r.body_json, "message"));
    }
    if (strcmp(ing_json_get_string(req, "method"), "GET") == 0) {
        /* introspection: counts and flags as JS reports them, secrets only when authenticated */
        assert_true(json_equal(ing_json_get(wbody, "function_count"),
                               ing_json_get(r.body_json, "function_count")) ||
                    ov);
        assert_string_equal(cloud ? "cloud" : "dev", ing_json_get_string(r.body_json, "mode"));
        json_object *auth = ing_json_get(r.body_json, "authentication_succeeded");
        bool authed = auth && json_object_get_boolean(auth);
        if (authed) {
            assert_string_equal(ing_json_get_string(wbody, "signing_key_hash"),
                                ing_json_get_string(r.body_json, "signing_key_hash"));
            assert_string_equal(ing_json_get_string(wbody, "signing_key_fallback_hash"),
                                ing_json_get_string(r.body_json, "signing_key_fallback_hash"));
            assert_string_equal(ing_json_get_string(wbody, "event_key_hash"),
                                ing_json_get_string(r.body_json, "event_key_hash"));
        } else {
            assert_null(ing_json_get(r.body_json, "signing_key_hash"));
            assert_null(ing_json_get(r.body_json, "app_id"));
        }
    }
    replayed++;
    replay_free(&r);
}

/* Replays every entry of `file` except those needs_outbound() leaves to
 * test_outbound_vectors; the file must hold at least `min` entries (the count
 * recorded when this test was written) and each must be accounted for. */
static void replay_file(const char *file, size_t min)
{
    json_object *v = vectors_load(file);
    assert_non_null(v);
    json_object *entries = vectors_array(v, "entries");
    if (!entries)
        fail_msg("%s has no \"entries\" array", file);
    size_t n = json_object_array_length(entries), elsewhere = 0;
    int before = replayed;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        if (needs_outbound(ing_json_get_string(e, "name")))
            elsewhere++;
        else
            check_entry(e);
    }
    /* the ones left to test_outbound_vectors count as accounted for: it
     * replays each of them by name and fails when one is missing */
    assert_cases(file, (size_t)(replayed - before) + elsewhere, n, min);
    json_object_put(v);
}

static void test_calls_basic(void **state) { (void)state; replay_file("calls_basic.json", 20); }
static void test_calls_errors(void **state) { (void)state; replay_file("calls_errors.json", 13); }
static void test_calls_async_ops(void **state) { (void)state; replay_file("calls_async_ops.json", 10); }
static void test_calls_misc(void **state) { (void)state; replay_file("calls_misc.json", 5); }
static void test_errors_http(void **state) { (void)state; replay_file("errors_http.json", 7); }
static void test_introspection(void **state) { (void)state; replay_file("introspection.json", 10); }
static void test_signature_verification(void **state)
{
    (void)state;
    replay_file("signature_verification.json", 13);
}

/* Runs last: all the files together replayed at least the 75 exchanges the
 * README promises (78 recorded, 3 of them replayed by test_outbound_vectors). */
static void test_replayed_in_all(void **state)
{
    (void)state;
    assert_cases("all files", replayed, replayed, 75);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calls_basic),     cmocka_unit_test(test_calls_errors),
        cmocka_unit_test(test_calls_async_ops), cmocka_unit_test(test_calls_misc),
        cmocka_unit_test(test_errors_http),     cmocka_unit_test(test_introspection),
        cmocka_unit_test(test_signature_verification), cmocka_unit_test(test_replayed_in_all),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fprintf(stderr, "replayed %d vectors\n", replayed);
    return failed;
}
