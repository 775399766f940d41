/*
 * test_settings.c — the environment → settings: the mode (cloud, dev, dev at a
 * URL), the origins each mode implies and their overrides, the trailing
 * slashes dropped, and every setting refused with a message that names it.
 * The environment is a table here (settings_load reads through a function).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/settings.h"

static const char *const *env_table; /* NAME, VALUE, ..., NULL */

static const char *table_getenv(const char *name)
{
    for (const char *const *e = env_table; e && e[0]; e += 2)
        if (strcmp(e[0], name) == 0)
            return e[1];
    return NULL;
}

static struct settings s;
static char err[256];

static void load_ok(const char *const *env)
{
    env_table = env;
    err[0] = '\0';
    if (!settings_load(&s, "default-app", table_getenv, err, sizeof(err)))
        fail_msg("refused: %s", err);
}

static void load_refused(const char *const *env, const char *why)
{
    env_table = env;
    err[0] = '\0';
    if (settings_load(&s, "default-app", table_getenv, err, sizeof(err)))
        fail_msg("accepted; want a message saying \"%s\"", why);
    if (!strstr(err, why))
        fail_msg("message \"%s\" does not say \"%s\"", err, why);
}

/* An origin given with a trailing slash is copied without it, once per
 * process in production; the tests load many times, so they free each copy. */
static void free_copy(const char *origin)
{
    free((void *)origin);
}

#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_cloud_by_default(void **state)
{
    (void)state;
    load_ok(ENV(NULL));
    assert_string_equal(s.app_id, "default-app");
    assert_false(s.dev);
    assert_string_equal(s.api_origin, "https://api.inngest.com");
    assert_string_equal(s.event_api_origin, "https://inn.gs");
    assert_null(s.signing_key);
    assert_null(s.signing_key_fallback);
    assert_null(s.event_key);
    assert_null(s.env);
    assert_null(s.serve_origin);
    assert_null(s.serve_path);
    assert_true(s.allow_in_band_sync);
    assert_true(s.enable_unauthed_sync);
    assert_false(s.trust_forwarded);
    assert_false(s.streaming);
    assert_false(s.checkpointing);
    assert_int_equal(s.log_level, ING_LOG_INFO);
    assert_false(s.log_json);
    assert_true(settings_is_production(&s));

    /* An empty variable is an unset one. */
    load_ok(ENV("INNGEST_APP_ID", "", "INNGEST_DEV", "", "INNGEST_SIGNING_KEY", ""));
    assert_string_equal(s.app_id, "default-app");
    assert_false(s.dev);
    assert_null(s.signing_key);

    load_ok(ENV("INNGEST_APP_ID", "my-app", "INNGEST_ENV", "branch-1", "INNGEST_EVENT_KEY", "ek"));
    assert_string_equal(s.app_id, "my-app");
    assert_string_equal(s.env, "branch-1");
    assert_string_equal(s.event_key, "ek");
    assert_false(settings_is_production(&s));
    load_ok(ENV("INNGEST_ENV", "production"));
    assert_true(settings_is_production(&s));
}

static void test_dev_mode(void **state)
{
    (void)state;
    load_ok(ENV("INNGEST_DEV", "1"));
    assert_true(s.dev);
    assert_string_equal(s.api_origin, "http://localhost:8288");
    assert_string_equal(s.event_api_origin, "http://localhost:8288");
    assert_false(settings_is_production(&s));

    load_ok(ENV("INNGEST_DEV", " TRUE "));
    assert_true(s.dev);
    load_ok(ENV("INNGEST_DEV", "false"));
    assert_false(s.dev);
    assert_string_equal(s.api_origin, "https://api.inngest.com");

    /* A URL: dev mode at that origin, its trailing slashes dropped. */
    load_ok(ENV("INNGEST_DEV", "http://127.0.0.1:9999//"));
    assert_true(s.dev);
    assert_string_equal(s.api_origin, "http://127.0.0.1:9999");
    assert_string_equal(s.event_api_origin, "http://127.0.0.1:9999");
    free_copy(s.api_origin);
    free_copy(s.event_api_origin);

    load_refused(ENV("INNGEST_DEV", "yes"), "INNGEST_DEV must be 1/true, 0/false or a http(s) URL");
    load_refused(ENV("INNGEST_DEV", "ftp://127.0.0.1"), "INNGEST_DEV must be");
}

static void test_origins(void **state)
{
    (void)state;
    /* INNGEST_BASE_URL names both APIs; the specific ones win over it. */
    load_ok(ENV("INNGEST_BASE_URL", "https://inngest.example/"));
    assert_string_equal(s.api_origin, "https://inngest.example");
    assert_string_equal(s.event_api_origin, "https://inngest.example");
    assert_false(s.dev);
    free_copy(s.api_origin);
    free_copy(s.event_api_origin);

    load_ok(ENV("INNGEST_BASE_URL", "http://127.0.0.1:1", "INNGEST_API_BASE_URL", "http://127.0.0.1:2/",
                "INNGEST_EVENT_API_BASE_URL", "http://127.0.0.1:3"));
    assert_string_equal(s.api_origin, "http://127.0.0.1:2");
    assert_string_equal(s.event_api_origin, "http://127.0.0.1:3");
    free_copy(s.api_origin);

    /* Dev at a URL, with the Event API elsewhere. */
    load_ok(ENV("INNGEST_DEV", "http://127.0.0.1:8288", "INNGEST_EVENT_API_BASE_URL", "http://127.0.0.1:4"));
    assert_string_equal(s.api_origin, "http://127.0.0.1:8288");
    assert_string_equal(s.event_api_origin, "http://127.0.0.1:4");

    load_refused(ENV("INNGEST_BASE_URL", "inngest.example"), "INNGEST_BASE_URL must be a http:// or https:// URL");
    load_refused(ENV("INNGEST_API_BASE_URL", "file:///etc/passwd"), "INNGEST_API_BASE_URL must be a http");
    load_refused(ENV("INNGEST_EVENT_API_BASE_URL", "gopher://x"), "INNGEST_EVENT_API_BASE_URL must be a http");

    load_ok(ENV("INNGEST_SERVE_ORIGIN", "https://app.example/", "INNGEST_SERVE_PATH", "/api/inngest"));
    assert_string_equal(s.serve_origin, "https://app.example");
    assert_string_equal(s.serve_path, "/api/inngest");
    free_copy(s.serve_origin);
    load_refused(ENV("INNGEST_SERVE_ORIGIN", "app.example"), "INNGEST_SERVE_ORIGIN must be a http");
    load_refused(ENV("INNGEST_SERVE_PATH", "api/inngest"), "INNGEST_SERVE_PATH must be a path starting with /");
}

static void test_signing_keys(void **state)
{
    (void)state;
    load_ok(ENV("INNGEST_SIGNING_KEY", "signkey-test-0a1B", "INNGEST_SIGNING_KEY_FALLBACK", "c0ffee"));
    assert_string_equal(s.signing_key, "signkey-test-0a1B");
    assert_string_equal(s.signing_key_fallback, "c0ffee");

    /* The message says what is wrong, never the key itself. */
    load_refused(ENV("INNGEST_SIGNING_KEY", "signkey-test-abc"), "INNGEST_SIGNING_KEY is not a signing key");
    assert_null(strstr(err, "abc"));
    load_refused(ENV("INNGEST_SIGNING_KEY", "signkey-prod-zz"), "INNGEST_SIGNING_KEY is not a signing key");
    load_refused(ENV("INNGEST_SIGNING_KEY", "signkey-prod-"), "INNGEST_SIGNING_KEY is not a signing key");
    load_refused(ENV("INNGEST_SIGNING_KEY", "abcd", "INNGEST_SIGNING_KEY_FALLBACK", "secret-xyz"),
                 "INNGEST_SIGNING_KEY_FALLBACK is not a signing key");
    assert_null(strstr(err, "secret-xyz"));
}

static void test_switches_and_logging(void **state)
{
    (void)state;
    load_ok(ENV("INNGEST_ALLOW_IN_BAND_SYNC", "0", "INNGEST_ENABLE_UNAUTHED_SYNC", "False",
                "INNGEST_TRUST_FORWARDED", "1", "INNGEST_STREAMING", "true", "INNGEST_CHECKPOINTING", " 1",
                "INNGEST_LOG_LEVEL", "WARN", "INNGEST_LOG_FORMAT", "json"));
    assert_false(s.allow_in_band_sync);
    assert_false(s.enable_unauthed_sync);
    assert_true(s.trust_forwarded);
    assert_true(s.streaming);
    assert_true(s.checkpointing);
    assert_int_equal(s.log_level, ING_LOG_WARN);
    assert_true(s.log_json);

    load_ok(ENV("INNGEST_LOG_LEVEL", "debug", "INNGEST_LOG_FORMAT", "text"));
    assert_int_equal(s.log_level, ING_LOG_DEBUG);
    assert_false(s.log_json);
    load_ok(ENV("INNGEST_LOG_LEVEL", "error"));
    assert_int_equal(s.log_level, ING_LOG_ERROR);

    const char *names[] = {"INNGEST_ALLOW_IN_BAND_SYNC", "INNGEST_ENABLE_UNAUTHED_SYNC", "INNGEST_TRUST_FORWARDED",
                           "INNGEST_STREAMING", "INNGEST_CHECKPOINTING"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char want[96];
        snprintf(want, sizeof(want), "%s must be 1/true or 0/false", names[i]);
        load_refused(ENV(names[i], "on"), want);
    }
    load_refused(ENV("INNGEST_LOG_LEVEL", "verbose"), "INNGEST_LOG_LEVEL must be debug, info, warn or error");
    load_refused(ENV("INNGEST_LOG_FORMAT", "xml"), "INNGEST_LOG_FORMAT must be text or json");
}

static void test_parse_bool(void **state)
{
    (void)state;
    assert_int_equal(settings_parse_bool(NULL), -1);
    assert_int_equal(settings_parse_bool(""), -1);
    assert_int_equal(settings_parse_bool("  "), -1);
    assert_int_equal(settings_parse_bool("1"), 1);
    assert_int_equal(settings_parse_bool("tRuE"), 1);
    assert_int_equal(settings_parse_bool("\t0\n"), 0);
    assert_int_equal(settings_parse_bool("FALSE"), 0);
    assert_int_equal(settings_parse_bool("10"), -1);
    assert_int_equal(settings_parse_bool("truex"), -1);
    assert_int_equal(settings_parse_bool("fals"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloud_by_default),
        cmocka_unit_test(test_dev_mode),
        cmocka_unit_test(test_origins),
        cmocka_unit_test(test_signing_keys),
        cmocka_unit_test(test_switches_and_logging),
        cmocka_unit_test(test_parse_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
