/*
 * test_encryption.c — our envelope against the official middleware's.
 *
 * Opens every envelope that @inngest/middleware-encryption 2.0.0 recorded in
 * tests/vectors/encryption/vectors.json (its README says how), and those the
 * Python package inngest_encryption 0.1.0 recorded (vectors_python.json), refuses every
 * one that no configured key opens with an error naming the strategy, checks
 * the envelopes we seal member by member, and checks that the settings refuse
 * bad keys without ever printing one (the log line at start, --check).
 *
 * With ENCRYPTION_PRINT_ENVELOPES=1 the binary instead prints envelopes it
 * sealed (one JSON line each: key name, plaintext, envelope) for
 * tests/e2e/test_encryption_interop.sh, which opens them with the middleware.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "capture_stderr.h"
#include "core/settings.h"
#include "core/encryption.h"
#include "fake_http.h"
#include "run_answers.h"
#include "transport/preflight.h"
#include "core/response.h"
#include "core/server.h"
#include "transport/server_setup.h"
#include "vectors.h"

static json_object *V; /* the recorded vectors */

static const char *key_named(const char *name)
{
    json_object *keys = NULL;
    assert_true(json_object_object_get_ex(V, "keys", &keys));
    const char *k = vectors_str(keys, name);
    if (!k)
        fail_msg("vectors: no key named %s", name);
    return k;
}

/* The keys of a case's "decrypt_keys": the first is current, the rest are
 * the fallbacks, as INNGEST_ENCRYPTION_KEY_FALLBACKS lists them. */
static void load_named(struct enc_keys *k, json_object *names)
{
    char fallbacks[1024] = "";
    size_t n = json_object_array_length(names);
    assert_true(n >= 1);
    for (size_t i = 1; i < n; i++) {
        if (i > 1)
            strcat(fallbacks, ",");
        strcat(fallbacks, key_named(json_object_get_string(json_object_array_get_idx(names, i))));
    }
    char err[512];
    const char *current = key_named(json_object_get_string(json_object_array_get_idx(names, 0)));
    if (!enc_keys_load(k, current, n > 1 ? fallbacks : NULL, err, sizeof(err)))
        fail_msg("keys refused: %s", err);
    assert_int_equal(k->count, n);
}

static void load_one(struct enc_keys *k, const char *name)
{
    char err[512];
    if (!enc_keys_load(k, key_named(name), NULL, err, sizeof(err)))
        fail_msg("key %s refused: %s", name, err);
}

static void assert_same_json(json_object *got, json_object *want, const char *what)
{
    if (!json_object_equal(got, want))
        fail_msg("%s:\n  got  %s\n  want %s", what, json_object_to_json_string_ext(got, ING_JSON_FLAGS),
                 json_object_to_json_string_ext(want, ING_JSON_FLAGS));
}

static void derived_keys_match_libsodium_js(void **state)
{
    (void)state;
    json_object *derived = NULL;
    assert_true(json_object_object_get_ex(V, "derived_keys_hex", &derived));
    size_t ran = 0;
    json_object_object_foreach(derived, name, hex)
    {
        struct enc_keys k;
        load_one(&k, name);
        char got[ENC_KEY_BYTES * 2 + 1];
        sodium_bin2hex(got, sizeof(got), k.key[0], ENC_KEY_BYTES);
        assert_string_equal(got, json_object_get_string(hex));
        ran++;
    }
    assert_cases("derived keys", ran, json_object_object_length(derived), 4);
}

/* One recorded envelope opens, with its case's keys, to its plaintext;
 * ctx: who recorded it. */
static bool check_opens(json_object *c, void *ctx)
{
    json_object *envelope = vectors_need(c, "envelope"), *plain = vectors_need(c, "plaintext");
    struct enc_keys k;
    load_named(&k, vectors_need(c, "decrypt_keys"));
    assert_true(enc_is_envelope(envelope));
    json_object *got = NULL;
    char err[512];
    if (!enc_open(&k, envelope, &got, err, sizeof(err)))
        fail_msg("%s %s: %s", (const char *)ctx, vectors_str(c, "name"), err);
    assert_same_json(got, plain, vectors_str(c, "name"));
    json_object_put(got);
    return true;
}

static void opens_every_recorded_envelope(void **state)
{
    (void)state;
    vectors_each_in(V, "encryption/vectors.json", "values", 12, check_opens, "the JS middleware's");
}

/* The Python middleware's envelopes (its JSON text differs: spaces after
 * separators, \u escapes for every non-ASCII character) open the same way. */
static void opens_every_python_envelope(void **state)
{
    (void)state;
    json_object *py = vectors_load("encryption/vectors_python.json"), *pykeys = NULL, *keys = NULL;
    assert_non_null(py);
    assert_true(json_object_object_get_ex(py, "keys", &pykeys));
    assert_true(json_object_object_get_ex(V, "keys", &keys));
    json_object_object_foreach(pykeys, name, value)
    {
        json_object *same = NULL;
        assert_true(json_object_object_get_ex(keys, name, &same));
        assert_true(json_object_equal(value, same)); /* load_named reads vectors.json's keys */
    }
    vectors_each_in(py, "encryption/vectors_python.json", "values", 11, check_opens, "python");
    json_object_put(py);
}

static bool check_refused(json_object *c, void *ctx)
{
    (void)ctx;
    struct enc_keys k;
    load_named(&k, vectors_need(c, "decrypt_keys"));
    json_object *got = (json_object *)1;
    char err[512] = "";
    if (enc_open(&k, vectors_need(c, "envelope"), &got, err, sizeof(err)))
        fail_msg("%s: opened, want a refusal", vectors_str(c, "name"));
    assert_null(got);
    if (!strstr(err, "\"" ENC_STRATEGY "\""))
        fail_msg("%s: the error does not name the strategy: %s", vectors_str(c, "name"), err);
    return true;
}

static void refuses_what_no_key_opens(void **state)
{
    (void)state;
    vectors_each_in(V, "encryption/vectors.json", "undecryptable", 4, check_refused, NULL);
}

/* The middleware seals only data.encrypted; every other member is as sent. */
static void events_seal_only_the_designated_field(void **state)
{
    (void)state;
    json_object *events = vectors_array(V, "events");
    assert_non_null(events);
    size_t n = json_object_array_length(events), ran = 0, sealed = 0;
    struct enc_keys k;
    load_one(&k, "current");
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(events, i), *plain, *sent, *pdata, *sdata;
        assert_true(json_object_object_get_ex(c, "plain", &plain));
        assert_true(json_object_object_get_ex(c, "sent", &sent));
        assert_true(json_object_object_get_ex(plain, "data", &pdata));
        assert_true(json_object_object_get_ex(sent, "data", &sdata));
        assert_string_equal(vectors_str(plain, "name"), vectors_str(sent, "name"));
        assert_int_equal(json_object_object_length(pdata), json_object_object_length(sdata));
        json_object_object_foreach(sdata, field, value)
        {
            json_object *want = NULL;
            assert_true(json_object_object_get_ex(pdata, field, &want));
            if (strcmp(field, ENC_EVENT_FIELD) != 0) {
                assert_false(enc_is_envelope(value));
                assert_same_json(value, want, field);
                continue;
            }
            json_object *got = NULL;
            char err[512];
            if (!enc_open(&k, value, &got, err, sizeof(err)))
                fail_msg("event %zu: %s", i, err);
            assert_same_json(got, want, "data.encrypted");
            json_object_put(got);
            sealed++;
        }
        ran++;
    }
    assert_cases("events", ran, n, 2);
    assert_true(sealed >= 1);
}

/* {"__ENCRYPTED__": true, "__STRATEGY__": "inngest/libsodium", "data":
 * standard base64 with padding of nonce(24) ‖ tag(16) ‖ ciphertext}, and
 * nothing else; it opens with the same key, and through a fallback. */
static void our_envelope_has_the_official_shape(void **state)
{
    (void)state;
    struct enc_keys k, rotated;
    load_one(&k, "current");
    char err[512];
    assert_true(enc_keys_load(&rotated, key_named("old"), key_named("current"), err, sizeof(err)));
    json_object *values = vectors_array(V, "values");
    size_t n = json_object_array_length(values);
    for (size_t i = 0; i < n; i++) {
        json_object *plain = NULL;
        json_object_object_get_ex(json_object_array_get_idx(values, i), "plaintext", &plain);
        json_object *env = enc_seal(&k, plain);
        assert_non_null(env);
        assert_int_equal(json_object_object_length(env), 3);
        json_object *m = NULL;
        assert_true(json_object_object_get_ex(env, ENC_MARKER, &m));
        assert_true(json_object_is_type(m, json_type_boolean) && json_object_get_boolean(m));
        assert_true(json_object_object_get_ex(env, ENC_STRATEGY_MARKER, &m));
        assert_string_equal(json_object_get_string(m), "inngest/libsodium");
        assert_true(json_object_object_get_ex(env, "data", &m));
        const char *b64 = json_object_get_string(m);
        size_t b64_len = strlen(b64);
        assert_int_equal(b64_len % 4, 0); /* padded */
        assert_int_equal(strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
                         b64_len);
        unsigned char raw[8192];
        size_t raw_len = 0;
        assert_int_equal(sodium_base642bin(raw, sizeof(raw), b64, b64_len, NULL, &raw_len, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        size_t text_len = plain ? strlen(json_object_to_json_string_ext(plain, ING_JSON_FLAGS)) : 4;
        assert_int_equal(raw_len, 24 + 16 + text_len);
        /* the box opens with the derived key and the leading nonce */
        unsigned char text[8192];
        assert_int_equal(crypto_secretbox_open_easy(text, raw + 24, raw_len - 24, raw, k.key[0]), 0);
        json_object *got = NULL;
        assert_true(enc_open(&k, env, &got, err, sizeof(err)));
        assert_same_json(got, plain, "our round trip");
        json_object_put(got);
        assert_true(enc_open(&rotated, env, &got, err, sizeof(err)));
        assert_same_json(got, plain, "read through the fallback");
        json_object_put(got);
        json_object_put(env);
    }
    /* a fresh nonce each time */
    json_object *v = json_object_new_string("same");
    json_object *a = enc_seal(&k, v), *b = enc_seal(&k, v), *da, *db;
    json_object_object_get_ex(a, "data", &da);
    json_object_object_get_ex(b, "data", &db);
    assert_string_not_equal(json_object_get_string(da), json_object_get_string(db));
    json_object_put(a);
    json_object_put(b);
    json_object_put(v);
    /* JSON null seals and opens back to null */
    json_object *env = enc_seal(&k, NULL), *got = (json_object *)1;
    assert_true(enc_open(&k, env, &got, err, sizeof(err)));
    assert_null(got);
    json_object_put(env);
}

/* A box that opens but holds no JSON, and envelopes of other strategies. */
static void refuses_other_strategies_and_non_json(void **state)
{
    (void)state;
    struct enc_keys k;
    load_one(&k, "current");
    char err[512];
    unsigned char raw[24 + 16 + 9];
    randombytes_buf(raw, 24);
    crypto_secretbox_easy(raw + 24, (const unsigned char *)"{not json", 9, raw, k.key[0]);
    char b64[128];
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
    char text[512];
    snprintf(text, sizeof(text),
             "{\"__ENCRYPTED__\":true,\"__STRATEGY__\":\"inngest/libsodium\",\"data\":\"%s\"}", b64);
    json_object *env = json_tokener_parse(text), *got = NULL;
    assert_false(enc_open(&k, env, &got, err, sizeof(err)));
    assert_non_null(strstr(err, "not JSON"));
    json_object_put(env);

    /* json-c would take these; a sealed value must be plain RFC 8259 JSON */
    static const char *lax[] = {"NaN", "{'a':1}", "[1,]", "/*c*/1", "1 2"};
    for (size_t i = 0; i < sizeof(lax) / sizeof(*lax); i++) {
        size_t n = strlen(lax[i]);
        unsigned char box[24 + 16 + 16];
        randombytes_buf(box, 24);
        crypto_secretbox_easy(box + 24, (const unsigned char *)lax[i], n, box, k.key[0]);
        sodium_bin2base64(b64, sizeof(b64), box, 24 + 16 + n, sodium_base64_VARIANT_ORIGINAL);
        snprintf(text, sizeof(text),
                 "{\"__ENCRYPTED__\":true,\"__STRATEGY__\":\"inngest/libsodium\",\"data\":\"%s\"}", b64);
        env = json_tokener_parse(text);
        got = NULL;
        if (enc_open(&k, env, &got, err, sizeof(err)))
            fail_msg("opened a box holding %s", lax[i]);
        assert_non_null(strstr(err, "not JSON"));
        json_object_put(env);
    }

    env = json_tokener_parse("{\"__ENCRYPTED__\":true,\"__STRATEGY__\":\"inngest/aes\",\"data\":\"x\"}");
    assert_true(enc_is_envelope(env));
    assert_false(enc_open(&k, env, &got, err, sizeof(err)));
    assert_non_null(strstr(err, "\"inngest/aes\""));
    json_object_put(env);

    env = json_tokener_parse("{\"__ENCRYPTED__\":true,\"__STRATEGY__\":\"inngest/libsodium\",\"data\":\"not base64!\"}");
    assert_false(enc_open(&k, env, &got, err, sizeof(err)));
    assert_non_null(strstr(err, "base64"));
    json_object_put(env);

    /* encryption off: an envelope is reported, not opened */
    struct enc_keys off;
    assert_true(enc_keys_load(&off, NULL, NULL, err, sizeof(err)));
    assert_int_equal(off.count, 0);
    assert_null(enc_seal(&off, NULL));

    static const char *not_envelopes[] = {
        "{\"__ENCRYPTED__\":\"true\",\"data\":\"x\"}", "{\"__ENCRYPTED__\":true,\"data\":1}",
        "{\"__ENCRYPTED__\":false,\"data\":\"x\"}",    "{\"data\":\"x\"}",
        "[true]",                                        "\"__ENCRYPTED__\"",
    };
    for (size_t i = 0; i < sizeof(not_envelopes) / sizeof(*not_envelopes); i++) {
        json_object *v = json_tokener_parse(not_envelopes[i]);
        assert_false(enc_is_envelope(v));
        json_object_put(v);
    }
}

/* ---- settings: refusals, and no key in any output ---- */

struct env_entry {
    const char *name, *value;
};
static const struct env_entry *env_table;

static const char *table_env(const char *name)
{
    for (const struct env_entry *e = env_table; e && e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e->value;
    return NULL;
}

#define GOOD_KEY "settings-test-key-0123456789abcdef-current"
#define GOOD_OLD "settings-test-key-0123456789abcdef-older"

static void settings_refuse_bad_keys_without_printing_them(void **state)
{
    (void)state;
    static const struct {
        const char *key, *fallbacks, *want;
    } cases[] = {
        {"short-secret-31-characters-long", NULL, "shorter than 32"},
        {GOOD_KEY, "tiny", "key 1 of INNGEST_ENCRYPTION_KEY_FALLBACKS is shorter"},
        {GOOD_KEY, "  " GOOD_KEY "\n", "the same as INNGEST_ENCRYPTION_KEY"},
        {GOOD_KEY, GOOD_OLD "," GOOD_OLD, "key 2 of INNGEST_ENCRYPTION_KEY_FALLBACKS is the same as an earlier"},
        {NULL, GOOD_OLD, "INNGEST_ENCRYPTION_KEY is not"},
        {GOOD_KEY, GOOD_OLD "1," GOOD_OLD "2," GOOD_OLD "3," GOOD_OLD "4," GOOD_OLD "5," GOOD_OLD
                   "6," GOOD_OLD "7," GOOD_OLD "8",
         "more than 7"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct env_entry env[] = {{"INNGEST_DEV", "1"},
                                  {"INNGEST_ENCRYPTION_KEY", cases[i].key},
                                  {"INNGEST_ENCRYPTION_KEY_FALLBACKS", cases[i].fallbacks},
                                  {NULL, NULL}};
        env_table = env;
        struct settings s;
        char err[768] = "";
        if (settings_load(&s, "app", table_env, err, sizeof(err)))
            fail_msg("case %zu: accepted", i);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: %s\n  want: %s", i, err, cases[i].want);
        assert_null(strstr(err, "settings-test-key"));
        assert_null(strstr(err, "short-secret"));
        assert_null(strstr(err, "tiny"));
    }
    /* accepted: current + fallbacks, blanks and empty items ignored */
    struct env_entry env[] = {{"INNGEST_DEV", "1"},
                              {"INNGEST_ENCRYPTION_KEY", " " GOOD_KEY " "},
                              {"INNGEST_ENCRYPTION_KEY_FALLBACKS", GOOD_OLD ", ,"},
                              {NULL, NULL}};
    env_table = env;
    struct settings s;
    char err[768];
    assert_true(settings_load(&s, "app", table_env, err, sizeof(err)));
    assert_int_equal(s.encryption.count, 2);
    struct env_entry off[] = {{"INNGEST_DEV", "1"}, {NULL, NULL}};
    env_table = off;
    assert_true(settings_load(&s, "app", table_env, err, sizeof(err)));
    assert_int_equal(s.encryption.count, 0);
}

/* Runs fn with fd 2 sent to a temporary file; returns what was written. */
static char *capture_stderr(void (*fn)(FILE *diag))
{
    struct stderr_capture cap;
    stderr_capture_begin(&cap);
    fn(stderr);
    return stderr_capture_end(&cap);
}

/* compose → {"email": …}; the function returns what the step gave it. */
static json_object *compose(struct ing_ctx *c, void *arg)
{
    (void)arg;
    json_object *v = ing_json_object(c);
    ing_json_set(v, "email", ing_json_string(c, "ada@example.org"));
    return v;
}

static json_object *sealed_step(struct ing_ctx *c)
{
    return ing_json_pack(c, "{s:o}", "seen", ing_step_run(c, "compose", compose, NULL));
}

/* Returns the event data it sees, and the data of each event of the batch. */
static json_object *reads_event(struct ing_ctx *c)
{
    json_object *out = ing_json_object(c), *all = ing_json_array(c), *events = ing_events(c);
    for (size_t i = 0; i < json_object_array_length(events); i++)
        ing_json_push(all, ing_json_get(json_object_array_get_idx(events, i), "data"));
    ing_json_set(out, "data", ing_event_data(c));
    ing_json_set(out, "events", all);
    return out;
}

/* Sends one event whose data.encrypted holds personal fields. */
static json_object *sends_event(struct ing_ctx *c)
{
    json_object *ev = ing_json_parse(c, "{\"name\":\"contact/form.submitted\",\"data\":{\"form\":"
                                        "\"contact\",\"encrypted\":{\"email\":\"ada@example.org\"}}}");
    json_object *ids = NULL;
    struct ing_error err;
    int status = 0;
    if (!ing_send_events(c, ev, &ids, &err, &status))
        ing_fail_nonretriable(c, "%s", err.message);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "ids", ids);
    return out;
}

/* Invokes another function with personal fields in payload.data.encrypted. */
static json_object *invokes(struct ing_ctx *c)
{
    json_object *payload = ing_json_parse(c, "{\"data\":{\"encrypted\":{\"email\":\"ada@example.org\"},"
                                             "\"plain\":1}}");
    return ing_step_invoke(c, "call", "other-fn", payload, NULL);
}

/* Waits for an event and returns it as matched. */
static json_object *waits(struct ing_ctx *c)
{
    return ing_step_wait_for_event(
        c, "approval", &(struct ing_wait){.event = "contact/form.submitted", .timeout = "1h"});
}

static const struct ing_function fns[] = {
    {.id = "invokes", .name = "invokes", .triggers = {ING_EVENT("t/invoke")}, .handler = invokes},
    {.id = "waits", .name = "waits", .triggers = {ING_EVENT("t/wait")}, .handler = waits},
    {.id = "sends-event", .name = "sends event", .triggers = {ING_EVENT("t/send")},
     .handler = sends_event},
    {.id = "sealed-step", .name = "sealed step", .triggers = {ING_EVENT("t/sealed")},
     .handler = sealed_step},
    {.id = "reads-event", .name = "reads event", .triggers = {ING_EVENT("contact/form.submitted")},
     .handler = reads_event},
};
const struct ing_app ing_app_definition = {.default_app_id = "enc", .functions = fns,
                                           .function_count = ING_COUNT(fns)};

static void start_and_check(FILE *diag)
{
    struct server srv;
    char err[768];
    if (!server_init(&srv, &ing_app_definition, table_env, err, sizeof(err)))
        fprintf(diag, "server_init: %s\n", err);
    else
        server_report_settings(&srv);
    FILE *out = fopen("/dev/null", "w");
    preflight_run(&ing_app_definition, table_env, out, diag);
    fclose(out);
}

static void no_key_in_the_log_or_the_check(void **state)
{
    (void)state;
    struct env_entry on[] = {{"INNGEST_DEV", "1"},
                             {"INNGEST_ENCRYPTION_KEY", GOOD_KEY},
                             {"INNGEST_ENCRYPTION_KEY_FALLBACKS", GOOD_OLD},
                             {NULL, NULL}};
    env_table = on;
    char *text = capture_stderr(start_and_check);
    if (!strstr(text, "end-to-end encryption on (strategy inngest/libsodium, the current key and 1 "
                      "fallback(s) for decryption)") ||
        !strstr(text, "check: end-to-end encryption on") || !strstr(text, "check: OK"))
        fail_msg("start-up and --check do not say encryption is on:\n%s", text);
    assert_null(strstr(text, "settings-test-key"));
    free(text);

    struct env_entry refused[] = {{"INNGEST_DEV", "1"},
                                  {"INNGEST_ENCRYPTION_KEY", "settings-test-key-too-short"},
                                  {NULL, NULL}};
    env_table = refused;
    text = capture_stderr(start_and_check);
    if (!strstr(text, "check: problem: INNGEST_ENCRYPTION_KEY is shorter") ||
        !strstr(text, "check: FAILED"))
        fail_msg("--check does not refuse a short key:\n%s", text);
    assert_null(strstr(text, "settings-test-key"));
    free(text);
}

/* ---- step outputs through the engine (ing_test_call) ---- */

/* Encryption on with the named key of the vectors as INNGEST_ENCRYPTION_KEY. */
static void use_key(const char *name)
{
    setenv("INNGEST_ENCRYPTION_KEY", key_named(name), 1);
}

/* The engine tests' teardown: encryption off again, even after a failure. */
static int keys_off(void **state)
{
    (void)state;
    unsetenv("INNGEST_ENCRYPTION_KEY");
    unsetenv("INNGEST_ENCRYPTION_KEY_FALLBACKS");
    return 0;
}

/* The first of the events the npm middleware sent: as sent, and in plain. */
static void first_event(json_object **sent, json_object **plain)
{
    json_object *c0 = json_object_array_get_idx(vectors_array(V, "events"), 0);
    *sent = vectors_need(c0, "sent");
    *plain = vectors_need(c0, "plain");
}

/* A run that fails for good because a sealed value opens with no key: 400,
 * no retry, a DecryptionError naming the strategy (and `what`, unless NULL). */
static void expect_decryption_error(const struct ing_test_result *r, const char *what)
{
    assert_int_equal(r->status, 400);
    assert_true(r->no_retry);
    assert_string_equal(ing_json_get_string(r->json, "name"), "DecryptionError");
    const char *message = ing_json_get_string(r->json, "message");
    if (!message || !strstr(message, "\"inngest/libsodium\"") || (what && !strstr(message, what)))
        fail_msg("the error does not name the strategy%s%s: %s", what ? " and " : "", what ? what : "",
                 r->body);
}

/* One call of sealed-step with `steps` memoized (NULL: none). */
static void call_sealed(const char *steps, struct ing_test_result *r)
{
    struct ing_test_options o = {.event = "{\"name\":\"t/sealed\",\"data\":{}}", .steps = steps};
    assert_int_equal(ing_test_call(&ing_app_definition, "sealed-step", &o, r), 0);
}

/* The steps of a sealed-step call with `data` memoized as step "compose". */
static char *memo_of(json_object *data)
{
    char compose_hash[41];
    ing_test_step_hash("compose", 0, compose_hash);
    static char steps[16384];
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":%s}}", compose_hash,
             json_object_to_json_string_ext(data, ING_JSON_FLAGS));
    return steps;
}

/* A 200 answer's body with encryption on: the function's result, sealed;
 * opened here with the current and the old key. */
static json_object *opened_result(const struct ing_test_result *r)
{
    assert_int_equal(r->status, 200);
    if (!enc_is_envelope(r->json))
        fail_msg("the function's result is not sealed: %s", r->body);
    char fallbacks[256];
    snprintf(fallbacks, sizeof(fallbacks), "%s", key_named("old"));
    struct enc_keys k;
    char err[512];
    assert_true(enc_keys_load(&k, key_named("current"), fallbacks, err, sizeof(err)));
    json_object *got = NULL;
    if (!enc_open(&k, r->json, &got, err, sizeof(err)))
        fail_msg("the function's result does not open: %s", err);
    return got;
}

static void step_output_is_sealed_and_memo_opened(void **state)
{
    (void)state;
    use_key("current");
    unsetenv("INNGEST_ENCRYPTION_KEY_FALLBACKS");
    struct ing_test_result r;
    call_sealed(NULL, &r);
    json_object *op = expect_one_op(&r, "StepRun");
    json_object *data = ing_json_get(op, "data");
    assert_true(enc_is_envelope(data));
    assert_string_equal(ing_json_get_string(data, ENC_STRATEGY_MARKER), ENC_STRATEGY);
    assert_null(strstr(r.body, "ada@example.org")); /* nothing readable leaves */
    json_object *envelope = json_object_get(data);
    ing_test_result_free(&r);

    /* the next call gets the envelope back as memo: the function sees plain
     * data, and its result (which holds it) is sealed in turn */
    call_sealed(memo_of(envelope), &r);
    assert_null(strstr(r.body, "ada@example.org"));
    json_object *result = opened_result(&r);
    assert_string_equal(ing_json_get_string(ing_json_get(result, "seen"), "email"), "ada@example.org");
    json_object_put(result);
    ing_test_result_free(&r);

    /* after a rotation (new current key, ours as fallback) the run still replays */
    use_key("old");
    setenv("INNGEST_ENCRYPTION_KEY_FALLBACKS", key_named("current"), 1);
    call_sealed(memo_of(envelope), &r);
    result = opened_result(&r);
    assert_string_equal(ing_json_get_string(ing_json_get(result, "seen"), "email"), "ada@example.org");
    json_object_put(result);
    ing_test_result_free(&r);
    json_object_put(envelope);

    /* an envelope the official middleware sealed, memoized as this step's data */
    use_key("current");
    unsetenv("INNGEST_ENCRYPTION_KEY_FALLBACKS");
    json_object *c0 = json_object_array_get_idx(vectors_array(V, "values"), 0);
    json_object *env0 = vectors_need(c0, "envelope"), *plain0 = vectors_need(c0, "plaintext");
    call_sealed(memo_of(env0), &r);
    result = opened_result(&r);
    assert_same_json(ing_json_get(result, "seen"), plain0, "the middleware's envelope, through the engine");
    json_object_put(result);
    ing_test_result_free(&r);
}

static bool check_memo_refused(json_object *c, void *ctx)
{
    (void)ctx;
    struct ing_test_result r;
    call_sealed(memo_of(vectors_need(c, "envelope")), &r);
    expect_decryption_error(&r, NULL);
    ing_test_result_free(&r);
    return true;
}

static void undecryptable_memo_fails_the_run_for_good(void **state)
{
    (void)state;
    use_key("current");
    vectors_each_in(V, "encryption/vectors.json", "undecryptable", 4, check_memo_refused, NULL);
}

/* The event the npm middleware sent: the function sees data.encrypted plain
 * (and the other members as they were); a sealed member no key opens fails
 * the run without retry. */
static void event_data_is_opened_before_the_function_runs(void **state)
{
    (void)state;
    json_object *sent, *plain;
    first_event(&sent, &plain);
    assert_true(enc_is_envelope(ing_json_get(ing_json_get(sent, "data"), "encrypted")));
    use_key("current");
    struct ing_test_options o = {.event = json_object_to_json_string_ext(sent, ING_JSON_FLAGS)};
    struct ing_test_result r;
    assert_int_equal(ing_test_call(&ing_app_definition, "reads-event", &o, &r), 0);
    json_object *result = opened_result(&r);
    assert_same_json(ing_json_get(result, "data"), ing_json_get(plain, "data"), "event.data");
    assert_same_json(json_object_array_get_idx(ing_json_get(result, "events"), 0),
                     ing_json_get(plain, "data"), "events[0].data");
    json_object_put(result);
    ing_test_result_free(&r);

    /* the same event read with only a key that did not seal it */
    use_key("other");
    assert_int_equal(ing_test_call(&ing_app_definition, "reads-event", &o, &r), 0);
    expect_decryption_error(&r, "event data field \"encrypted\"");
    ing_test_result_free(&r);

    /* encryption off: the function gets the envelope as it came */
    unsetenv("INNGEST_ENCRYPTION_KEY");
    assert_int_equal(ing_test_call(&ing_app_definition, "reads-event", &o, &r), 0);
    assert_int_equal(r.status, 200);
    assert_same_json(ing_json_get(r.json, "data"), ing_json_get(sent, "data"), "event.data, off");
    ing_test_result_free(&r);
}

/* ing_send_events (and so step.sendEvent) seals data.encrypted only. */
static void sent_events_seal_the_designated_field(void **state)
{
    (void)state;
    static const struct fake_reply ok = {.status = 200, .body = "{\"ids\":[\"01EV\"],\"status\":200}"};
    struct fake_http *api = fake_http_serve("INNGEST_EVENT_API_BASE_URL", &ok, 1);
    use_key("current");
    struct ing_test_result r;
    run_call(&ing_app_definition, "sends-event", NULL, &r);
    fake_http_stop(api);
    unsetenv("INNGEST_EVENT_API_BASE_URL");
    unsetenv("INNGEST_ENCRYPTION_KEY");
    json_object *result = opened_result(&r);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ing_json_get(result, "ids"), 0)),
                        "01EV");
    json_object_put(result);
    ing_test_result_free(&r);
    assert_int_equal(fake_http_count(api), 1);
    const struct fake_request *req = fake_http_request(api, 0);
    assert_null(strstr(req->body, "ada@example.org"));
    json_object *batch = json_tokener_parse(req->body);
    json_object *data = ing_json_get(json_object_array_get_idx(batch, 0), "data");
    assert_string_equal(ing_json_get_string(data, "form"), "contact"); /* stays readable */
    json_object *envelope = ing_json_get(data, "encrypted");
    assert_true(enc_is_envelope(envelope));
    struct enc_keys k;
    load_one(&k, "current");
    json_object *got = NULL;
    char err[512];
    assert_true(enc_open(&k, envelope, &got, err, sizeof(err)));
    assert_string_equal(ing_json_get_string(got, "email"), "ada@example.org");
    json_object_put(got);
    json_object_put(batch);
    fake_http_free(api);
}

/* An invoke payload's data.encrypted is sealed like an event's; a matched
 * waitForEvent event's sealed members are opened. */
static void invoke_payloads_and_wait_matches(void **state)
{
    (void)state;
    use_key("current");
    struct ing_test_result r;
    run_call(&ing_app_definition, "invokes", "{\"name\":\"t/invoke\",\"data\":{}}", &r);
    json_object *op = expect_one_op(&r, "InvokeFunction");
    json_object *data = ing_json_get(ing_json_get(ing_json_get(op, "opts"), "payload"), "data");
    assert_null(strstr(r.body, "ada@example.org"));
    assert_int_equal(json_object_get_int(ing_json_get(data, "plain")), 1);
    struct enc_keys k;
    load_one(&k, "current");
    json_object *got = NULL;
    char err[512];
    assert_true(enc_open(&k, ing_json_get(data, "encrypted"), &got, err, sizeof(err)));
    assert_string_equal(ing_json_get_string(got, "email"), "ada@example.org");
    json_object_put(got);
    ing_test_result_free(&r);

    /* the match: the event the npm middleware sent, memoized as the wait's data */
    char hash[41];
    ing_test_step_hash("approval", 0, hash);
    json_object *sent, *plain;
    first_event(&sent, &plain);
    char steps[4096];
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":%s}}", hash,
             json_object_to_json_string_ext(sent, ING_JSON_FLAGS));
    struct ing_test_options w = {.event = "{\"name\":\"t/wait\",\"data\":{}}", .steps = steps};
    assert_int_equal(ing_test_call(&ing_app_definition, "waits", &w, &r), 0);
    json_object *result = opened_result(&r);
    assert_same_json(ing_json_get(result, "data"), ing_json_get(plain, "data"), "the matched event's data");
    json_object_put(result);
    ing_test_result_free(&r);
}

/* No key: outputs go as they are, and an envelope reaches user code untouched. */
static void without_a_key_nothing_changes(void **state)
{
    keys_off(state);
    struct ing_test_result r;
    call_sealed(NULL, &r);
    assert_int_equal(r.status, 206);
    json_object *data = ing_json_get(json_object_array_get_idx(r.json, 0), "data");
    assert_string_equal(ing_json_get_string(data, "email"), "ada@example.org");
    ing_test_result_free(&r);
    json_object *env0 = NULL;
    json_object_object_get_ex(json_object_array_get_idx(vectors_array(V, "values"), 0), "envelope", &env0);
    call_sealed(memo_of(env0), &r);
    assert_int_equal(r.status, 200);
    assert_same_json(ing_json_get(r.json, "seen"), env0, "an envelope with encryption off");
    ing_test_result_free(&r);
}

/* ---- the interop script's mode ---- */

static int print_envelopes(void)
{
    V = vectors_load("encryption/vectors.json");
    if (!V)
        return 1;
    struct enc_keys k;
    char err[512];
    json_object *keys = NULL;
    json_object_object_get_ex(V, "keys", &keys);
    if (!enc_keys_load(&k, vectors_str(keys, "current"), NULL, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    json_object *values = vectors_array(V, "values");
    for (size_t i = 0; i < json_object_array_length(values); i++) {
        json_object *plain = NULL;
        json_object_object_get_ex(json_object_array_get_idx(values, i), "plaintext", &plain);
        json_object *line = json_object_new_object();
        json_object_object_add(line, "key", json_object_new_string("current"));
        json_object_object_add(line, "plaintext", json_object_get(plain));
        json_object_object_add(line, "envelope", enc_seal(&k, plain));
        printf("%s\n", json_object_to_json_string_ext(line, ING_JSON_FLAGS));
        json_object_put(line);
    }
    json_object_put(V);
    return 0;
}

static int load_vectors(void **state)
{
    (void)state;
    V = vectors_load("encryption/vectors.json");
    return V ? 0 : -1;
}

static int free_vectors(void **state)
{
    (void)state;
    json_object_put(V);
    return 0;
}

int main(void)
{
    const char *mode = getenv("ENCRYPTION_PRINT_ENVELOPES");
    if (mode && strcmp(mode, "1") == 0)
        return print_envelopes();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(derived_keys_match_libsodium_js),
        cmocka_unit_test(opens_every_recorded_envelope),
        cmocka_unit_test(opens_every_python_envelope),
        cmocka_unit_test(refuses_what_no_key_opens),
        cmocka_unit_test(events_seal_only_the_designated_field),
        cmocka_unit_test(our_envelope_has_the_official_shape),
        cmocka_unit_test(refuses_other_strategies_and_non_json),
        cmocka_unit_test(settings_refuse_bad_keys_without_printing_them),
        cmocka_unit_test(no_key_in_the_log_or_the_check),
        cmocka_unit_test_teardown(step_output_is_sealed_and_memo_opened, keys_off),
        cmocka_unit_test_teardown(undecryptable_memo_fails_the_run_for_good, keys_off),
        cmocka_unit_test_teardown(event_data_is_opened_before_the_function_runs, keys_off),
        cmocka_unit_test_teardown(sent_events_seal_the_designated_field, keys_off),
        cmocka_unit_test_teardown(invoke_payloads_and_wait_matches, keys_off),
        cmocka_unit_test_teardown(without_a_key_nothing_changes, keys_off),
    };
    return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
