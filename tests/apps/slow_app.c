/*
 * slow_app.c — a small app of its own for the deployment tests, outside
 * functions/: one function whose step takes as long as its event asks.
 *
 * It shows a long step outlasting a proxy's read timeout (INNGEST_STREAMING),
 * and the install test links this same file against the installed library
 * with pkg-config, as a user's app would be.  Its ids and outputs belong to
 * those tests only.
 */
#include <errno.h>
#include <time.h>

#include "inngest.h"

/* A step bounded by the event itself: 0..60 s. */
#define SLOW_APP_MAX_MS 60000

static json_object *take_time(struct ing_ctx *c, void *arg)
{
    int64_t ms = *(const int64_t *)arg;
    struct timespec left = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        continue;
    json_object *out = ing_json_object(c);
    ing_json_set(out, "slept_ms", ing_json_int(c, ms));
    return out;
}

static json_object *slow_step(struct ing_ctx *c)
{
    int64_t ms = 0;
    if (!ing_json_get_int(ing_event_data(c), "ms", &ms) || ms < 0 || ms > SLOW_APP_MAX_MS)
        ing_fail_nonretriable(c, "data.ms must be an integer from 0 to %d", SLOW_APP_MAX_MS);
    json_object *slept = ing_step_run(c, "take-time", take_time, &ms);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "step", slept);
    ing_json_set(out, "done", ing_json_bool(c, true));
    return out;
}

static const struct ing_function functions[] = {
    {.id = "slow-step", .name = "Slow step", .triggers = {ING_EVENT("deploy/slow")},
     .retries = ING_RETRIES(0), .handler = slow_step},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "deploy-test",
    .functions = functions,
    .function_count = ING_COUNT(functions),
    .version = "2.3.4", /* --version names the app first (test_deploy_install.sh) */
};
