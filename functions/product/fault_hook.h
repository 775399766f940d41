/*
 * fault_hook.h — a test-only fault: lose a step's answer after its work is
 * done, so that end-to-end tests can force the retry Inngest makes when an
 * answer never reaches it (a crash or a cut connection after the commit).
 *
 *   PRODUCT_TEST_DROP_ANSWER=<step id>:<key>[,<step id>:<key>…]
 *
 * When set, and only in dev mode (INNGEST_DEV set), the first attempt
 * (attempt 0) of that step whose key matches ends the worker process with
 * _exit right after the step's work: the request gets no answer, nginx
 * reports a 502 to the executor, which retries the step, and the master
 * starts a new worker.  Never set it in production.
 */
#ifndef PRODUCT_FAULT_HOOK_H
#define PRODUCT_FAULT_HOOK_H

#include "inngest.h"

/* Call right after a step's side effect (a commit, a send). */
void fault_drop_answer_point(struct ing_ctx *c, const char *step_id, const char *key);

#endif
