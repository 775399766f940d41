/*
 * crash_app.c — an app whose function crashes the worker with a real
 * segmentation fault inside a step's body (a write to a page mapped without
 * access, which the sanitizers let through to the hardware), for
 * tests/e2e/test_crash_report.sh: the master's log line must name the
 * function, the run and the step.  "fine" serves after the crash, to show a
 * new worker took over.
 */
#include <sys/mman.h>

#include "inngest.h"

static _Noreturn void crash(struct ing_ctx *c)
{
    volatile char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page != MAP_FAILED)
        page[0] = 1; /* SIGSEGV */
    ing_fail(c, "could not map the page to crash on");
}

static json_object *poke(struct ing_ctx *c, void *arg)
{
    (void)arg;
    crash(c);
}

static json_object *segfault(struct ing_ctx *c)
{
    ing_step_run(c, "touch-the-page", poke, NULL);
    return NULL;
}

static json_object *segfault_outside(struct ing_ctx *c)
{
    crash(c);
}

static json_object *fine(struct ing_ctx *c)
{
    json_object *out = ing_json_object(c);
    ing_json_set(out, "ok", ing_json_bool(c, true));
    return out;
}

static const struct ing_function functions[] = {
    {.id = "segfault", .name = "Segfault", .triggers = {ING_EVENT("crash/segfault")},
     .retries = ING_RETRIES(0), .handler = segfault},
    {.id = "segfault-outside", .name = "Segfault outside a step",
     .triggers = {ING_EVENT("crash/segfault-outside")}, .retries = ING_RETRIES(0),
     .handler = segfault_outside},
    {.id = "fine", .name = "Fine", .triggers = {ING_EVENT("crash/fine")}, .handler = fine},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "crash-app",
    .functions = functions,
    .function_count = ING_COUNT(functions),
    .version = "1.0.0",
};
