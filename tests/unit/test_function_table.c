/*
 * test_function_table.c — the function table: what the server would refuse is
 * refused at start with a message naming the function and field, lookup by
 * composite id, and the sync payload's "functions" array compared with what
 * the JS SDK registered for the same app (vectors/sync.json).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/function_table.h"
#include "base/mem_alloc.h"
#include "vectors.h"

#define APP "vectors-app"
#define SERVE_URL "http://127.0.0.1:3939/api/inngest"

static json_object *noop(struct ing_ctx *c)
{
    (void)c;
    return NULL;
}

/* ---- the JS reference app (generator/app.mjs), written as our table ------ */

static const struct ing_function vectors_app[] = {
    {
        .id = "plain",
        .name = "plain", /* JS defaults the name to the id; we require one */
        .triggers = {ING_EVENT("test/plain")},
        .handler = noop,
    },
    {
        .id = "two-step",
        .name = "two-step",
        .triggers = {ING_EVENT("test/two")},
        .handler = noop,
    },
    {
        .id = "all-config",
        .name = "All config",
        .retries = ING_RETRIES(5),
        .triggers = {ING_EVENT_IF("test/all", "event.data.kind == 'x'"),
                     ING_CRON("TZ=Europe/Paris 0 9 * * 1-5")},
        .concurrency = {{.limit = 5, .key = "event.data.user_id", .scope = "fn"},
                        {.limit = 20, .key = "event.data.account_id", .scope = "account"}},
        .throttle = {.limit = 10, .period = "1m", .burst = 2, .key = "event.data.user_id"},
        .rate_limit = {.limit = 100, .period = "1h", .key = "event.data.user_id"},
        .debounce = {.period = "5s", .key = "event.data.user_id", .timeout = "1m"},
        .idempotency = "event.data.order_id",
        /* JS's `match: "data.id"` is sugar for this `if`. */
        .cancel_on = {{.event = "test/cancel",
                       .if_expr = "async.data.id == event.data.id",
                       .timeout = "1d"},
                      {.event = "test/cancel.match", .if_expr = "event.data.id == async.data.id"}},
        .priority_run = "event.data.priority",
        .timeouts = {.start = "10m", .finish = "1h"},
        .singleton = {.key = "event.data.user_id", .mode = "skip"},
        .handler = noop,
        .on_failure = noop,
    },
    {
        .id = "batched",
        .name = "batched",
        .retries = ING_RETRIES(0),
        .concurrency = {{.limit = 3}},
        .triggers = {ING_EVENT("test/batched")},
        .batch_events = {.max_size = 10, .timeout = "5s", .key = "event.data.user_id"},
        .handler = noop,
    },
};

/* Rewrites a JS function config into the form we emit where the two differ
 * only in spelling the server reads the same way:
 *  - JS 4.24 leaks the PUT's deployId into every step URL; the server strips
 *    it (pkg/util/normalize.go) and the reference forbids it, so we never send
 *    it: drop it from the JS URL.
 *  - JS sends `"concurrency": 3` for a bare number; the server turns a number
 *    into one fn-scoped limit, exactly what `[{"limit":3}]` means (a missing
 *    scope is the fn scope, enum value 0).  Our table has one shape, the array.
 * Durations need no rewrite here: every duration in these functions is already
 * in JS's normal form (JS would rewrite "90s" as "1m30s"; we send the user's
 * text verbatim and the server parses both the same). */
static void normalise_js(json_object *fn)
{
    json_object *steps, *step, *runtime, *url;
    if (json_object_object_get_ex(fn, "steps", &steps) &&
        json_object_object_get_ex(steps, "step", &step) &&
        json_object_object_get_ex(step, "runtime", &runtime) &&
        json_object_object_get_ex(runtime, "url", &url)) {
        char buf[512];
        snprintf(buf, sizeof(buf), "%s", json_object_get_string(url));
        static const char leak[] = "deployId=deploy-123&";
        char *p = strstr(buf, leak);
        if (p)
            memmove(p, p + strlen(leak), strlen(p + strlen(leak)) + 1);
        json_object_object_add(runtime, "url", json_object_new_string(buf));
    }
    json_object *conc;
    if (json_object_object_get_ex(fn, "concurrency", &conc) &&
        json_object_is_type(conc, json_type_int)) {
        json_object *arr = json_object_new_array();
        json_object *item = json_object_new_object();
        json_object_object_add(item, "limit", json_object_new_int(json_object_get_int(conc)));
        json_object_array_add(arr, item);
        json_object_object_add(fn, "concurrency", arr);
    }
}

static json_object *find_fn(json_object *arr, const char *id)
{
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *f = json_object_array_get_idx(arr, i);
        json_object *v;
        if (json_object_object_get_ex(f, "id", &v) && strcmp(json_object_get_string(v), id) == 0)
            return f;
    }
    return NULL;
}

static void test_sync_matches_js_vector(void **state)
{
    (void)state;
    char err[256];
    assert_true(fn_table_validate(vectors_app, ING_COUNT(vectors_app), err, sizeof(err)));

    json_object *root = vectors_load("sync.json");
    assert_non_null(root);
    json_object *entries, *outbound, *body, *js_fns;
    assert_true(json_object_object_get_ex(root, "entries", &entries));
    json_object *entry = vectors_find(entries, "dev-put-out-of-band");
    assert_non_null(entry);
    assert_true(json_object_object_get_ex(entry, "outbound_requests_to_inngest_api", &outbound));
    json_object *reg = json_object_array_get_idx(outbound, 0);
    assert_true(json_object_object_get_ex(reg, "body_json", &body));
    assert_true(json_object_object_get_ex(body, "functions", &js_fns));

    json_object *ours = fn_table_sync_json(vectors_app, ING_COUNT(vectors_app), APP, SERVE_URL, false);
    assert_non_null(ours);
    assert_int_equal(json_object_array_length(ours),
                     fn_table_server_count(vectors_app, ING_COUNT(vectors_app)));

    /* Same functions, same order (each failure handler right after its parent). */
    static const char *const ids[] = {"vectors-app-plain", "vectors-app-two-step",
                                      "vectors-app-all-config", "vectors-app-all-config-failure",
                                      "vectors-app-batched"};
    assert_int_equal(json_object_array_length(ours), ING_COUNT(ids));
    for (size_t i = 0; i < ING_COUNT(ids); i++) {
        json_object *mine = json_object_array_get_idx(ours, i);
        json_object *id;
        assert_true(json_object_object_get_ex(mine, "id", &id));
        assert_string_equal(json_object_get_string(id), ids[i]);

        json_object *js = find_fn(js_fns, ids[i]);
        assert_non_null(js);
        json_object *want = NULL;
        assert_int_equal(json_object_deep_copy(js, &want, NULL), 0);
        normalise_js(want);
        if (!json_object_equal(mine, want))
            fail_msg("%s differs:\n ours: %s\n   js: %s", ids[i],
                     json_object_to_json_string_ext(mine, JSON_C_TO_STRING_SPACED),
                     json_object_to_json_string_ext(want, JSON_C_TO_STRING_SPACED));
        json_object_put(want);
    }
    assert_null(strstr(json_object_to_json_string(ours), "deployId"));

    json_object_put(ours);
    json_object_put(root);
}

/* ---- exact shapes ------------------------------------------------------- */

static json_object *get_path(json_object *o, const char *a, const char *b, const char *c)
{
    const char *keys[] = {a, b, c};
    for (size_t i = 0; i < 3 && keys[i] && o; i++) {
        json_object *next = NULL;
        if (!json_object_object_get_ex(o, keys[i], &next))
            return NULL;
        o = next;
    }
    return o;
}

static const char *plain(json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

static void test_plain_function_omits_unset_fields(void **state)
{
    (void)state;
    json_object *arr = fn_table_sync_json(vectors_app, 1, APP, SERVE_URL, false);
    assert_non_null(arr);
    json_object *f = json_object_array_get_idx(arr, 0);
    assert_string_equal(
        json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
        "{\"id\":\"vectors-app-plain\",\"name\":\"plain\","
        "\"triggers\":[{\"event\":\"test/plain\"}],"
        "\"steps\":{\"step\":{\"id\":\"step\",\"name\":\"step\","
        "\"runtime\":{\"type\":\"http\",\"url\":"
        "\"http://127.0.0.1:3939/api/inngest?fnId=vectors-app-plain&stepId=step\"}}}}");
    json_object_put(arr);
}

static void test_failure_handler_shape(void **state)
{
    (void)state;
    static const struct ing_function fns[] = {{
        .id = "conf-failure",
        .name = "Conf failure",
        .retries = ING_RETRIES(1),
        .triggers = {ING_EVENT("conf/failure")},
        .concurrency = {{.limit = 1}},
        .throttle = {.limit = 1, .period = "1s"},
        .handler = noop,
        .on_failure = noop,
    }};
    json_object *arr =
        fn_table_sync_json(fns, 1, "inngest-fcgi-conformance", "https://x.test/api/inngest", true);
    assert_non_null(arr);
    assert_int_equal(json_object_array_length(arr), 2);
    json_object *f = json_object_array_get_idx(arr, 1);
    assert_string_equal(
        json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
        "{\"id\":\"inngest-fcgi-conformance-conf-failure-failure\","
        "\"name\":\"Conf failure (failure)\","
        "\"triggers\":[{\"event\":\"inngest/function.failed\","
        "\"expression\":\"event.data.function_id == 'inngest-fcgi-conformance-conf-failure'\"}],"
        "\"steps\":{\"step\":{\"id\":\"step\",\"name\":\"step\",\"runtime\":{\"type\":\"http\","
        "\"url\":\"https://x.test/api/inngest"
        "?fnId=inngest-fcgi-conformance-conf-failure-failure&stepId=step\"},"
        "\"retries\":{\"attempts\":1}}}}");
    json_object_put(arr);
}

static void test_every_option_shape(void **state)
{
    (void)state;
    static const struct ing_function fns[] = {{
        .id = "opts",
        .name = "Opts",
        .retries = ING_RETRIES(0),
        .triggers = {{.cron = "*/5 * * * *", .jitter = "30s"}},
        .concurrency = {{.limit = 2, .key = "event.data.a", .scope = "env"}},
        .batch_events = {.max_size = 5,
                         .timeout = "2s",
                         .key = "event.data.k",
                         .if_expr = "event.data.b"},
    }};
    json_object *arr = fn_table_sync_json(fns, 1, "a", "http://h/api/inngest", false);
    json_object *f = json_object_array_get_idx(arr, 0);
    assert_string_equal(
        json_object_to_json_string_ext(get_path(f, "triggers", NULL, NULL), JSON_C_TO_STRING_PLAIN),
        "[{\"cron\":\"*\\/5 * * * *\",\"jitter\":\"30s\"}]");
    assert_string_equal(
        json_object_to_json_string_ext(get_path(f, "concurrency", NULL, NULL), JSON_C_TO_STRING_PLAIN),
        "[{\"limit\":2,\"key\":\"event.data.a\",\"scope\":\"env\"}]");
    assert_string_equal(
        json_object_to_json_string_ext(get_path(f, "batchEvents", NULL, NULL), JSON_C_TO_STRING_PLAIN),
        "{\"maxSize\":5,\"timeout\":\"2s\",\"key\":\"event.data.k\",\"if\":\"event.data.b\"}");
    /* retries 0 is set: one attempt, not the server default of four retries. */
    json_object *retries = get_path(f, "steps", "step", "retries");
    assert_non_null(retries);
    assert_string_equal(json_object_to_json_string_ext(retries, JSON_C_TO_STRING_PLAIN),
                        "{\"attempts\":0}");
    static const char *const absent[] = {"throttle", "rateLimit", "debounce", "priority", "cancel",
                                         "timeouts", "idempotency", "singleton", "retries"};
    for (size_t i = 0; i < ING_COUNT(absent); i++)
        assert_null(get_path(f, absent[i], NULL, NULL));
    json_object_put(arr);
}

static void test_throttle_without_burst_omits_it(void **state)
{
    (void)state;
    static const struct ing_function fns[] = {{
        .id = "t",
        .name = "T",
        .triggers = {ING_EVENT("e/x")},
        .throttle = {.limit = 3, .period = "1h30m"},
        .timeouts = {.finish = "2h"},
        .handler = noop,
    }};
    json_object *arr = fn_table_sync_json(fns, 1, "a", "http://h/", false);
    json_object *f = json_object_array_get_idx(arr, 0);
    assert_string_equal(plain(get_path(f, "throttle", NULL, NULL)), "{\"limit\":3,\"period\":\"1h30m\"}");
    assert_string_equal(plain(get_path(f, "timeouts", NULL, NULL)), "{\"finish\":\"2h\"}");
    json_object_put(arr);
}

static const struct ing_function readwise[] = {{
    .id = "readwise-daily-sync",
    .name = "Readwise daily sync",
    .triggers = {{.cron = "TZ=UTC 0 3 * * *", .production_only = true},
                 ING_EVENT("readwise/sync.requested")},
    .handler = noop,
}};

static void test_production_only_triggers(void **state)
{
    (void)state;
    char err[256];
    assert_true(fn_table_validate(readwise, 1, err, sizeof(err)));
    assert_int_equal(fn_table_server_count(readwise, 1), 1);

    json_object *dev = fn_table_sync_json(readwise, 1, "inngest-fcgi", "http://h/api/inngest", false);
    assert_int_equal(json_object_array_length(dev), 1);
    assert_string_equal(
        plain(get_path(json_object_array_get_idx(dev, 0), "triggers", NULL, NULL)),
        "[{\"event\":\"readwise\\/sync.requested\"}]");
    json_object_put(dev);

    json_object *prod = fn_table_sync_json(readwise, 1, "inngest-fcgi", "http://h/api/inngest", true);
    assert_int_equal(json_object_array_length(prod), 1);
    assert_string_equal(
        plain(get_path(json_object_array_get_idx(prod, 0), "triggers", NULL, NULL)),
        "[{\"cron\":\"TZ=UTC 0 3 * * *\"},{\"event\":\"readwise\\/sync.requested\"}]");
    json_object_put(prod);
}

static const char *step_url(json_object *arr, size_t i)
{
    json_object *runtime = get_path(json_object_array_get_idx(arr, i), "steps", "step", "runtime");
    return json_object_get_string(get_path(runtime, "url", NULL, NULL));
}

static void test_step_url_encoding(void **state)
{
    (void)state;
    /* App ids come from INNGEST_APP_ID and may hold anything. */
    json_object *arr =
        fn_table_sync_json(vectors_app, 1, "my app/\xc3\xbc", "http://h/api/inngest", false);
    assert_string_equal(step_url(arr, 0),
                        "http://h/api/inngest?fnId=my%20app%2F%C3%BC-plain&stepId=step");
    json_object_put(arr);

    /* A serve URL that already has a query gets ours appended with '&'. */
    arr = fn_table_sync_json(vectors_app, 1, "app", "http://h/api/inngest?x=1", false);
    assert_string_equal(step_url(arr, 0), "http://h/api/inngest?x=1&fnId=app-plain&stepId=step");
    json_object_put(arr);
}

static void test_sync_json_bad_arguments(void **state)
{
    (void)state;
    assert_null(fn_table_sync_json(NULL, 1, APP, SERVE_URL, false));
    assert_null(fn_table_sync_json(vectors_app, 1, NULL, SERVE_URL, false));
    assert_null(fn_table_sync_json(vectors_app, 1, APP, NULL, false));
    json_object *empty = fn_table_sync_json(NULL, 0, APP, SERVE_URL, false);
    assert_non_null(empty);
    assert_int_equal(json_object_array_length(empty), 0);
    json_object_put(empty);
}

/* Every allocation of ours that fails gives NULL and no leak (ASan checks). */
static void test_sync_json_allocation_failures(void **state)
{
    (void)state;
    bool succeeded = false;
    unsigned long failed = 0;
    for (unsigned long k = 1; k < 200 && !succeeded; k++) {
        mem_fail_after(k);
        json_object *arr =
            fn_table_sync_json(vectors_app, ING_COUNT(vectors_app), APP, SERVE_URL, false);
        mem_fail_reset();
        if (arr) {
            succeeded = true;
            assert_int_equal(json_object_array_length(arr), 5);
            json_object_put(arr);
        } else {
            failed++;
        }
    }
    assert_true(succeeded);
    /* composite + URL per function, plus four strings and a URL per failure
     * handler: every one of those failure points was exercised. */
    assert_true(failed >= 2 * 4 + 5);
}

/* ---- lookup ------------------------------------------------------------- */

static const struct ing_function lookup_fns[] = {
    {.id = "a", .name = "A", .triggers = {ING_EVENT("e/a")}, .handler = noop, .on_failure = noop},
    {.id = "b", .name = "B", .triggers = {ING_EVENT("e/b")}, .handler = noop},
    {.id = "c-d", .name = "CD", .triggers = {ING_EVENT("e/cd")}, .handler = noop},
    {.id = "d", .name = "D", .triggers = {ING_EVENT("e/d")}, .handler = noop},
};

static void test_server_count(void **state)
{
    (void)state;
    assert_int_equal(fn_table_server_count(lookup_fns, ING_COUNT(lookup_fns)), 5);
    assert_int_equal(fn_table_server_count(vectors_app, ING_COUNT(vectors_app)), 5);
    assert_int_equal(fn_table_server_count(NULL, 0), 0);
    json_object *arr = fn_table_sync_json(lookup_fns, ING_COUNT(lookup_fns), "x", "http://h/", false);
    assert_int_equal(json_object_array_length(arr), 5);
    json_object_put(arr);
}

static void test_find(void **state)
{
    (void)state;
    const size_t n = ING_COUNT(lookup_fns);
    bool failure = true;
    assert_ptr_equal(fn_table_find(lookup_fns, n, "my-app", "my-app-a", &failure), &lookup_fns[0]);
    assert_false(failure);
    assert_ptr_equal(fn_table_find(lookup_fns, n, "my-app", "my-app-a-failure", &failure),
                     &lookup_fns[0]);
    assert_true(failure);
    assert_ptr_equal(fn_table_find(lookup_fns, n, "my-app", "my-app-b", &failure), &lookup_fns[1]);
    assert_false(failure);
    /* b has no failure handler */
    assert_null(fn_table_find(lookup_fns, n, "my-app", "my-app-b-failure", &failure));
    assert_false(failure);
    /* App ids with dashes: the app id is stripped as a whole prefix. */
    assert_ptr_equal(fn_table_find(lookup_fns, n, "my-app", "my-app-c-d", NULL), &lookup_fns[2]);
    assert_ptr_equal(fn_table_find(lookup_fns, n, "my-app-c", "my-app-c-d", NULL), &lookup_fns[3]);
    assert_ptr_equal(fn_table_find(lookup_fns, n, "my", "my-app-c-d", NULL), NULL);
    /* Misses */
    assert_null(fn_table_find(lookup_fns, n, "my-app", "other-a", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", "my-appa", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", "my-app", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", "my-app-", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", "my-app--failure", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", "my-app-failure", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", "my-app-A", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", "", NULL));
    assert_null(fn_table_find(lookup_fns, n, "my-app", NULL, &failure));
    assert_null(fn_table_find(lookup_fns, n, NULL, "my-app-a", NULL));
    assert_null(fn_table_find(NULL, 0, "my-app", "my-app-a", NULL));
}

/* ---- validation: one rule per test ---------------------------------------- */

/* Every message starts by naming the function; the rest names the field. */
#define FN "function \"conf-loop\": "
#define NOT_DURATION " is not a duration like \"30s\", \"5m\" or \"1h30m\""
#define ID_RULE " (use a-z, 0-9, '-' and '_')"

static struct ing_function good(void)
{
    struct ing_function f = {
        .id = "conf-loop",
        .name = "Conf loop",
        .triggers = {ING_EVENT("conf/loop")},
        .handler = noop,
    };
    return f;
}

static void expect_invalid_n(const struct ing_function *fns, size_t n, const char *want)
{
    char err[512] = "";
    if (fn_table_validate(fns, n, err, sizeof(err)))
        fail_msg("accepted; wanted \"%s\"", want);
    if (strcmp(err, want) != 0)
        fail_msg("message \"%s\"\n   wanted \"%s\"", err, want);
}

static void expect_invalid(struct ing_function f, const char *want)
{
    expect_invalid_n(&f, 1, want);
}

static void expect_valid(struct ing_function f)
{
    char err[512] = "";
    if (!fn_table_validate(&f, 1, err, sizeof(err)))
        fail_msg("refused: %s", err);
}

static void test_valid_tables(void **state)
{
    (void)state;
    char err[256];
    assert_true(fn_table_validate(vectors_app, ING_COUNT(vectors_app), err, sizeof(err)));
    assert_true(fn_table_validate(lookup_fns, ING_COUNT(lookup_fns), err, sizeof(err)));
    assert_true(fn_table_validate(readwise, 1, err, sizeof(err)));
    assert_true(fn_table_validate(NULL, 0, err, sizeof(err)));
    expect_valid(good());
}

static void test_table_missing(void **state)
{
    (void)state;
    expect_invalid_n(NULL, 2, "function table is missing");
}

static void test_id_required(void **state)
{
    (void)state;
    struct ing_function fns[2] = {good(), good()};
    fns[1].id = NULL;
    expect_invalid_n(fns, 2, "function #2: id is required");
    fns[1].id = "";
    expect_invalid_n(fns, 2, "function #2: id is required");
}

static void test_id_characters(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.id = "Conf-Loop";
    expect_invalid(f, "function \"Conf-Loop\": id: character 'C' is not allowed" ID_RULE);
    f.id = "conf loop";
    expect_invalid(f, "function \"conf loop\": id: character ' ' is not allowed" ID_RULE);
    f.id = "conf/loop";
    expect_invalid(f, "function \"conf/loop\": id: character '/' is not allowed" ID_RULE);
    f.id = "caf\xc3\xa9";
    expect_invalid(f, "function \"caf\xc3\xa9\": id: byte 0xc3 is not allowed" ID_RULE);
    f.id = "conf_loop-2";
    expect_valid(f);
}

static void test_id_unique(void **state)
{
    (void)state;
    struct ing_function fns[3] = {good(), good(), good()};
    fns[1].id = "other";
    expect_invalid_n(fns, 3, FN "id is also used by function #1");
}

static void test_id_clashes_with_failure_handler(void **state)
{
    (void)state;
    struct ing_function fns[2] = {good(), good()};
    fns[0].id = "conf-loop-failure";
    fns[1].on_failure = noop;
    expect_invalid_n(fns, 2,
                     "function \"conf-loop-failure\": "
                     "id clashes with the failure handler of function \"conf-loop\"");
    fns[1].on_failure = NULL; /* no handler, no clash */
    char err[256];
    assert_true(fn_table_validate(fns, 2, err, sizeof(err)));
}

static void test_name_required(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.name = NULL;
    expect_invalid(f, FN "name is required");
    f.name = "";
    expect_invalid(f, FN "name is required");
}

static void test_handler_required(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.handler = NULL;
    expect_invalid(f, FN "handler is required");
}

static void test_trigger_required(void **state)
{
    (void)state;
    struct ing_function f = good();
    memset(f.triggers, 0, sizeof(f.triggers));
    expect_invalid(f, FN "triggers: at least one trigger is required");
}

static void test_trigger_event_xor_cron(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.triggers[1] = (struct ing_trigger){.event = "a/b", .cron = "0 * * * *"};
    expect_invalid(f, FN "trigger 2: set either event or cron, not both");
    f.triggers[1] = (struct ing_trigger){.expression = "event.data.x"};
    expect_invalid(f, FN "trigger 2: needs an event name or a cron schedule");
}

static void test_trigger_event_name(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.triggers[0].event = "";
    expect_invalid(f, FN "trigger 1: event name is empty");
    char longname[300];
    memset(longname, 'x', sizeof(longname));
    longname[256] = '\0';
    f.triggers[0].event = longname;
    expect_invalid(f, FN "trigger 1: event name is longer than 255 characters");
    longname[255] = '\0';
    expect_valid(f);
}

static void test_trigger_cron_syntax(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.triggers[1] = (struct ing_trigger)ING_CRON("61 * * * *");
    expect_invalid(f, FN "trigger 2: cron \"61 * * * *\": minute 61 out of range 0-59");
    f.triggers[1] = (struct ing_trigger)ING_CRON("@daily");
    expect_invalid(f, FN "trigger 2: cron \"@daily\": "
                         "descriptor \"@daily\" is refused by the server at sync; write \"0 0 * * *\"");
}

static void test_trigger_expression_only_on_events(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.triggers[1] = (struct ing_trigger){.cron = "0 * * * *", .expression = "true"};
    expect_invalid(f, FN "trigger 2: expression applies only to event triggers");
}

static void test_trigger_jitter(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.triggers[0].jitter = "10s";
    expect_invalid(f, FN "trigger 1: jitter applies only to cron triggers");
    f = good();
    f.triggers[1] = (struct ing_trigger){.cron = "0 * * * *", .jitter = "500ms"};
    expect_invalid(f, FN "trigger 2: jitter: \"500ms\" is shorter than the minimum 1s");
    f.triggers[1].jitter = "5m1s";
    expect_invalid(f, FN "trigger 2: jitter: \"5m1s\" is longer than the maximum 5m");
    f.triggers[1].jitter = "soon";
    expect_invalid(f, FN "trigger 2: jitter: \"soon\"" NOT_DURATION);
    f.triggers[1].jitter = "0s";
    expect_invalid(f, FN "trigger 2: jitter: \"0s\" must be longer than zero");
    f.triggers[1].jitter = "5m";
    expect_valid(f);
    f.triggers[1].jitter = "1s";
    expect_valid(f);
}

static void test_trigger_duplicates(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.triggers[2] = (struct ing_trigger)ING_EVENT("conf/loop");
    expect_invalid(f, FN "trigger 3: duplicates trigger 1");
    f.triggers[2] = (struct ing_trigger)ING_EVENT_IF("conf/loop", "event.data.x == 1");
    expect_valid(f); /* a different filter is a different trigger */
    f.triggers[1] = (struct ing_trigger){.cron = "0 * * * *", .jitter = "10s"};
    f.triggers[3] = (struct ing_trigger){.cron = "0 * * * *", .jitter = "20s"};
    expect_invalid(f, FN "trigger 4: duplicates trigger 2");
}

static void test_trigger_production_only_needs_another(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.triggers[0] = (struct ing_trigger){.cron = "0 3 * * *", .production_only = true};
    expect_invalid(f, FN "triggers: needs at least one trigger that is not production_only");
}

static void test_retries_range(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.retries = (struct ing_retries)ING_RETRIES(21);
    expect_invalid(f, FN "retries 21 out of range 0-20");
    f.retries = (struct ing_retries)ING_RETRIES(-1);
    expect_invalid(f, FN "retries -1 out of range 0-20");
    f.retries = (struct ing_retries)ING_RETRIES(20);
    expect_valid(f);
    f.retries = (struct ing_retries)ING_RETRIES(0);
    expect_valid(f);
}

static void test_concurrency_limit(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.concurrency[1] = (struct ing_concurrency){.limit = 0, .key = "event.data.id"};
    expect_invalid(f, FN "concurrency 2: limit must be at least 1");
    f.concurrency[1].limit = -3;
    expect_invalid(f, FN "concurrency 2: limit must be at least 1");
}

static void test_concurrency_scope(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.concurrency[0] = (struct ing_concurrency){.limit = 2, .key = "event.data.id", .scope = "app"};
    expect_invalid(f, FN "concurrency 1: scope \"app\" must be fn, env or account");
}

static void test_concurrency_scope_needs_key(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.concurrency[0] = (struct ing_concurrency){.limit = 2, .scope = "env"};
    expect_invalid(f, FN "concurrency 1: scope \"env\" requires a key");
    f.concurrency[0].scope = "account";
    expect_invalid(f, FN "concurrency 1: scope \"account\" requires a key");
    f.concurrency[0].scope = "fn";
    expect_valid(f);
    f.concurrency[0].scope = "account";
    f.concurrency[0].key = "event.data.org";
    expect_valid(f);
}

static void test_throttle(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.throttle = (struct ing_throttle){.period = "1m"};
    expect_invalid(f, FN "throttle.limit must be at least 1");
    f.throttle = (struct ing_throttle){.limit = 1};
    expect_invalid(f, FN "throttle.period is required");
    f.throttle = (struct ing_throttle){.limit = 1, .period = "500ms"};
    expect_invalid(f, FN "throttle.period: \"500ms\" is shorter than the minimum 1s");
    f.throttle = (struct ing_throttle){.limit = 1, .period = "8d"};
    expect_invalid(f, FN "throttle.period: \"8d\" is longer than the maximum 7d");
    f.throttle = (struct ing_throttle){.limit = 1, .period = "1m", .burst = -1};
    expect_invalid(f, FN "throttle.burst must not be negative");
}

static void test_rate_limit(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.rate_limit = (struct ing_rate_limit){.period = "1h"};
    expect_invalid(f, FN "rate_limit.limit must be at least 1");
    f.rate_limit = (struct ing_rate_limit){.limit = 1, .key = "event.data.id"};
    expect_invalid(f, FN "rate_limit.period is required");
    f.rate_limit = (struct ing_rate_limit){.limit = 1, .period = "24h1s"};
    expect_invalid(f, FN "rate_limit.period: \"24h1s\" is longer than the maximum 24h");
    f.rate_limit.period = "1d";
    expect_valid(f);
}

static void test_debounce(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.debounce = (struct ing_debounce){.key = "event.data.id"};
    expect_invalid(f, FN "debounce.period is required");
    f.debounce = (struct ing_debounce){.period = "999ms"};
    expect_invalid(f, FN "debounce.period: \"999ms\" is shorter than the minimum 1s");
    f.debounce = (struct ing_debounce){.period = "7d1s"};
    expect_invalid(f, FN "debounce.period: \"7d1s\" is longer than the maximum 7d");
    f.debounce = (struct ing_debounce){.period = "1w"};
    expect_valid(f);
    f.debounce = (struct ing_debounce){.period = "5s", .timeout = "1 minute"};
    expect_invalid(f, FN "debounce.timeout: \"1 minute\"" NOT_DURATION);
}

static void test_batch_size(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.batch_events = (struct ing_batch){.max_size = 1, .timeout = "5s"};
    expect_invalid(f, FN "batch_events.max_size 1 out of range 2-100");
    f.batch_events.max_size = 101;
    expect_invalid(f, FN "batch_events.max_size 101 out of range 2-100");
    f.batch_events = (struct ing_batch){.timeout = "5s"};
    expect_invalid(f, FN "batch_events.max_size 0 out of range 2-100");
    f.batch_events = (struct ing_batch){.max_size = 100, .timeout = "5s"};
    expect_valid(f);
}

static void test_batch_timeout(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.batch_events = (struct ing_batch){.max_size = 10};
    expect_invalid(f, FN "batch_events.timeout is required");
    f.batch_events.timeout = "500ms";
    expect_invalid(f, FN "batch_events.timeout: \"500ms\" is shorter than the minimum 1s");
    f.batch_events.timeout = "1d";
    expect_invalid(f, FN "batch_events.timeout: \"1d\": "
                         "days and weeks are not accepted here; use h, m or s");
    f.batch_events.timeout = "1m30s";
    expect_valid(f);
}

static void test_batch_incompatible(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.batch_events = (struct ing_batch){.max_size = 10, .timeout = "5s"};
    f.cancel_on[2] = (struct ing_cancel){.event = "conf/stop"};
    expect_invalid(f, FN "batch_events cannot be combined with cancel_on");
    memset(f.cancel_on, 0, sizeof(f.cancel_on));
    f.debounce = (struct ing_debounce){.period = "5s"};
    expect_invalid(f, FN "batch_events cannot be combined with debounce");
    f.debounce = (struct ing_debounce){0};
    f.singleton = (struct ing_singleton){.mode = "skip"};
    expect_invalid(f, FN "batch_events cannot be combined with singleton");
    f.singleton = (struct ing_singleton){0};
    f.priority_run = "event.data.p";
    expect_invalid(f, FN "batch_events cannot be combined with priority_run");
    f.priority_run = NULL;
    expect_valid(f);
}

static void test_cancel_on(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.cancel_on[1] = (struct ing_cancel){.if_expr = "async.data.id == event.data.id"};
    expect_invalid(f, FN "cancel_on 2: event is required");
    f.cancel_on[1] = (struct ing_cancel){.event = "conf/stop", .timeout = "forever"};
    expect_invalid(f, FN "cancel_on 2: timeout: \"forever\"" NOT_DURATION);
    f.cancel_on[1].timeout = "30d";
    expect_valid(f);
}

static void test_timeouts(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.timeouts.start = "10";
    expect_invalid(f, FN "timeouts.start: \"10\"" NOT_DURATION);
    f.timeouts.start = "10m";
    f.timeouts.finish = "-1h";
    expect_invalid(f, FN "timeouts.finish: \"-1h\"" NOT_DURATION);
    f.timeouts.finish = "0s";
    expect_invalid(f, FN "timeouts.finish: \"0s\" must be longer than zero");
}

static void test_singleton_mode(void **state)
{
    (void)state;
    struct ing_function f = good();
    f.singleton = (struct ing_singleton){.key = "event.data.id"};
    expect_invalid(f, FN "singleton.mode is required (skip or cancel)");
    f.singleton.mode = "replace";
    expect_invalid(f, FN "singleton.mode \"replace\" must be skip or cancel");
    f.singleton.mode = "cancel";
    expect_valid(f);
}

static void test_first_problem_wins_and_truncates(void **state)
{
    (void)state;
    struct ing_function fns[2] = {good(), good()};
    fns[0].id = "first";
    fns[0].name = NULL;
    fns[1].retries = (struct ing_retries)ING_RETRIES(99);
    expect_invalid_n(fns, 2, "function \"first\": name is required");
    char tiny[10];
    assert_false(fn_table_validate(fns, 2, tiny, sizeof(tiny)));
    assert_string_equal(tiny, "function ");
    assert_false(fn_table_validate(fns, 2, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_matches_js_vector),
        cmocka_unit_test(test_plain_function_omits_unset_fields),
        cmocka_unit_test(test_failure_handler_shape),
        cmocka_unit_test(test_every_option_shape),
        cmocka_unit_test(test_throttle_without_burst_omits_it),
        cmocka_unit_test(test_production_only_triggers),
        cmocka_unit_test(test_step_url_encoding),
        cmocka_unit_test(test_sync_json_bad_arguments),
        cmocka_unit_test(test_sync_json_allocation_failures),
        cmocka_unit_test(test_server_count),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_valid_tables),
        cmocka_unit_test(test_table_missing),
        cmocka_unit_test(test_id_required),
        cmocka_unit_test(test_id_characters),
        cmocka_unit_test(test_id_unique),
        cmocka_unit_test(test_id_clashes_with_failure_handler),
        cmocka_unit_test(test_name_required),
        cmocka_unit_test(test_handler_required),
        cmocka_unit_test(test_trigger_required),
        cmocka_unit_test(test_trigger_event_xor_cron),
        cmocka_unit_test(test_trigger_event_name),
        cmocka_unit_test(test_trigger_cron_syntax),
        cmocka_unit_test(test_trigger_expression_only_on_events),
        cmocka_unit_test(test_trigger_jitter),
        cmocka_unit_test(test_trigger_duplicates),
        cmocka_unit_test(test_trigger_production_only_needs_another),
        cmocka_unit_test(test_retries_range),
        cmocka_unit_test(test_concurrency_limit),
        cmocka_unit_test(test_concurrency_scope),
        cmocka_unit_test(test_concurrency_scope_needs_key),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_debounce),
        cmocka_unit_test(test_batch_size),
        cmocka_unit_test(test_batch_timeout),
        cmocka_unit_test(test_batch_incompatible),
        cmocka_unit_test(test_cancel_on),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_singleton_mode),
        cmocka_unit_test(test_first_problem_wins_and_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
