/*
 * step_errors.c — how user code fails a run or a step: ing_fail and its kinds.
 *
 * The error is written down in the request's context and the function
 * unwinds: to the step that is catching it (ing_step_run_catch and the
 * like), or to the call handler, which answers with the error.  Apart from
 * step_engine.c so that code beneath the engine (step_crypto.c, which fails
 * a run whose memo cannot be opened) raises errors without calling up into it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <time.h>

#include "inngest.h"
#include "base/arena.h"
#include "base/iso_time.h"
#include "core/context.h"

static _Noreturn void raise_error(struct ing_ctx *c, enum fail_kind kind, const char *name,
                                  const char *retry_after, const char *fmt, va_list ap)
{
    char *msg = arena_vprintf(c->arena, fmt, ap);
    if (!msg || (kind == FAIL_RETRY_AFTER && !retry_after)) {
        /* we could not write the error down: say so, and let it be retried
         * rather than fail the run for good with a message it never had */
        kind = FAIL_RETRIABLE;
        name = "Error";
        msg = "out of memory";
        retry_after = NULL;
    }
    c->error = (struct pending_error){.kind = kind, .name = name, .message = msg,
                                      .retry_after = retry_after};
    if (c->step_catch)
        longjmp(*c->step_catch, 1);
    ctx_unwind(c, CALL_FN_ERROR);
}

void ing_fail(struct ing_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    raise_error(c, FAIL_RETRIABLE, "Error", NULL, fmt, ap);
}

void ing_fail_nonretriable(struct ing_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    raise_error(c, FAIL_NON_RETRIABLE, "NonRetriableError", NULL, fmt, ap);
}

void ing_fail_retry_after(struct ing_ctx *c, long seconds, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (seconds < 1)
        seconds = 1;
    raise_error(c, FAIL_RETRY_AFTER, "RetryAfterError", arena_printf(c->arena, "%ld", seconds),
                fmt, ap);
}

void ing_fail_retry_at(struct ing_ctx *c, time_t when, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char iso[ISO_TIME_SIZE];
    iso_time_format(when, 0, iso);
    raise_error(c, FAIL_RETRY_AFTER, "RetryAfterError", arena_strdup(c->arena, iso), fmt, ap);
}

void ing_fail_with(struct ing_ctx *c, const struct ing_error *err, bool retriable)
{
    c->error = (struct pending_error){.kind = retriable ? FAIL_RETRIABLE : FAIL_NON_RETRIABLE,
                                      .name = err && err->name ? err->name : "Error",
                                      .message = err && err->message ? err->message : "failed"};
    if (c->step_catch)
        longjmp(*c->step_catch, 1);
    ctx_unwind(c, CALL_FN_ERROR);
}
