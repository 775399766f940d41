/*
 * durable_routes.c — the conformance app's durable endpoints (functions/README.md
 * §1.2): routes whose handler runs as an Inngest run (handler/PROTOCOL.md §21).
 *
 *   POST /api/durable/steps   a → "A", b → a + "B"; {"result":"AB","name":<body.name>}
 *                             at once, both steps checkpointed.
 *   POST /api/durable/flaky   step "flaky" fails on its first two attempts and
 *                             then answers "ok after 3 attempts"; the client gets
 *                             302 after the first failure and the result from
 *                             the run's output.  Attempts are counted in a file per
 *                             run under CONF_DURABLE_DIR (a call Inngest makes to a
 *                             route does not say its attempt); without it: 500.
 *   POST /api/durable/sleep   step "before", sleep "nap" 2s, step "after":
 *                             302 at the sleep, then {"before":"B","after":"A"}.
 *   POST /api/durable/reject  fails for good outside any step: 400 at once with
 *                             {"error":"rejected on purpose","name":"NonRetriableError"}.
 *   POST /api/durable/slow    step "slow" four times, 4 s each: past the 10 s
 *                             inline budget the fourth is planned for the
 *                             executor: 302, then [1,2,3,4].
 *   POST /api/durable/parallel  steps "left" and "right" as one parallel group:
 *                             planned for the executor (302), then
 *                             {"left":"L","right":"R"}.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conformance/conformance.h"
#include "conformance/conf_signals.h"

static json_object *letter_a(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_json_string(c, "A");
}

static json_object *letter_b(struct ing_ctx *c, void *arg)
{
    return ing_json_string(c, ing_sprintf(c, "%sB", json_object_get_string(arg)));
}

static json_object *body_of(struct ing_ctx *c, const struct ing_http_request *req)
{
    json_object *body = NULL;
    if (req->body_len && ing_json_parse_strict(c, req->body, req->body_len, &body) &&
        json_object_is_type(body, json_type_object))
        return body;
    return ing_json_object(c);
}

static json_object *durable_steps(struct ing_ctx *c, const struct ing_http_request *req)
{
    json_object *a = ing_step_run(c, "a", letter_a, NULL);
    json_object *b = ing_step_run(c, "b", letter_b, a);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "result", b);
    ing_json_set(out, "name", ing_json_get(body_of(c, req), "name"));
    return out;
}

/* The attempt of step "flaky" in this run, counted from 1: one byte appended
 * per attempt to CONF_DURABLE_DIR/<run id>. */
static long count_attempt(struct ing_ctx *c)
{
    const char *dir = ing_env(c, "CONF_DURABLE_DIR");
    if (!dir || !*dir)
        ing_fail_nonretriable(c, "CONF_DURABLE_DIR is not set: /api/durable/flaky counts its attempts there");
    const char *path = ing_sprintf(c, "%s/flaky-%s", dir, ing_run_id(c));
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        ing_fail_nonretriable(c, "cannot open %s: %s", path, strerror(errno));
    off_t size = -1;
    if (write(fd, "x", 1) == 1)
        size = lseek(fd, 0, SEEK_END);
    close(fd);
    if (size < 1)
        ing_fail_nonretriable(c, "cannot count in %s", path);
    return (long)size;
}

static json_object *flaky_step(struct ing_ctx *c, void *arg)
{
    (void)arg;
    long attempt = count_attempt(c);
    if (attempt <= 2)
        ing_fail(c, "flaky on purpose (attempt %ld)", attempt);
    return ing_json_string(c, ing_sprintf(c, "ok after %ld attempts", attempt));
}

static json_object *durable_flaky(struct ing_ctx *c, const struct ing_http_request *req)
{
    (void)req;
    json_object *out = ing_json_object(c);
    ing_json_set(out, "flaky", ing_step_run(c, "flaky", flaky_step, NULL));
    return out;
}

static json_object *letter_before(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_json_string(c, "B");
}

static json_object *durable_sleep(struct ing_ctx *c, const struct ing_http_request *req)
{
    (void)req;
    json_object *before = ing_step_run(c, "before", letter_before, NULL);
    ing_step_sleep(c, "nap", "2s");
    json_object *after = ing_step_run(c, "after", letter_a, NULL);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "before", before);
    ing_json_set(out, "after", after);
    return out;
}

/* 4 s of work per step, so that four of them outlast the 10 s a client's
 * request runs steps inline */
static json_object *slow_step(struct ing_ctx *c, void *arg)
{
    struct timespec t = {.tv_sec = 4, .tv_nsec = 0};
    while (nanosleep(&t, &t) != 0)
        ;
    return ing_json_int(c, (int64_t)(intptr_t)arg);
}

static json_object *durable_slow(struct ing_ctx *c, const struct ing_http_request *req)
{
    (void)req;
    json_object *out = ing_json_array(c);
    for (intptr_t i = 1; i <= 4; i++)
        ing_json_push(out, ing_step_run(c, "slow", slow_step, (void *)i));
    return out;
}

static json_object *letter_left(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_json_string(c, "L");
}

static json_object *letter_right(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_json_string(c, "R");
}

static json_object *durable_parallel(struct ing_ctx *c, const struct ing_http_request *req)
{
    (void)req;
    ing_parallel_begin(c);
    json_object *left = ing_step_run(c, "left", letter_left, NULL);
    json_object *right = ing_step_run(c, "right", letter_right, NULL);
    ing_parallel_end(c);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "left", left);
    ing_json_set(out, "right", right);
    return out;
}

static json_object *durable_reject(struct ing_ctx *c, const struct ing_http_request *req)
{
    (void)req;
    ing_fail_nonretriable(c, "rejected on purpose");
}

const struct ing_route conformance_routes[] = {
    {.path = "/api/durable/steps", .durable = durable_steps, .max_body = 4096},
    {.path = "/api/durable/flaky", .durable = durable_flaky, .retries = ING_RETRIES(3), .max_body = 4096},
    {.path = "/api/durable/sleep", .durable = durable_sleep, .max_body = 4096},
    {.path = "/api/durable/reject", .durable = durable_reject, .max_body = 4096},
    {.path = "/api/durable/slow", .durable = durable_slow, .max_body = 4096},
    {.path = "/api/durable/parallel", .durable = durable_parallel, .max_body = 4096},
    /* not durable: a realtime subscription token for conf-realtime (conf_signals.c) */
    {.path = "/api/conf/realtime-token", .handler = conf_realtime_token_route},
    {0},
};
