/*
 * test_app_version.c — struct ing_app.version reaches the sync request
 * (appVersion, which the Inngest server shows with each sync) and is left out
 * when the app sets none, so the protocol vectors' payloads stay as recorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dev_env.h"
#include "inngest.h"
#include "core/server.h"
#include "transport/server_setup.h"
#include "protocol/sync.h"

static json_object *noop(struct ing_ctx *c)
{
    (void)c;
    return NULL;
}

static const struct ing_function functions[] = {
    {.id = "noop", .name = "noop", .triggers = {ING_EVENT("t/noop")}, .handler = noop},
};

static json_object *payload_of(const struct ing_app *app)
{
    struct server srv;
    char err[256];
    assert_true(server_init(&srv, app, dev_env, err, sizeof(err)));
    return sync_register_payload(&srv, "http://127.0.0.1:8080/api/inngest");
}

static void test_version_is_sent_as_app_version(void **s)
{
    (void)s;
    const struct ing_app app = {.default_app_id = "shop", .functions = functions,
                                .function_count = ING_COUNT(functions), .version = "1.2.3"};
    json_object *p = payload_of(&app);
    assert_non_null(p);
    assert_string_equal(ing_json_get_string(p, "appVersion"), "1.2.3");
    assert_string_equal(ing_json_get_string(p, "appName"), "shop");
    json_object_put(p);
}

static void test_no_version_no_field(void **s)
{
    (void)s;
    const struct ing_app app = {.default_app_id = "shop", .functions = functions,
                                .function_count = ING_COUNT(functions)};
    json_object *p = payload_of(&app);
    assert_non_null(p);
    assert_null(ing_json_get(p, "appVersion"));
    json_object_put(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_is_sent_as_app_version),
        cmocka_unit_test(test_no_version_no_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
