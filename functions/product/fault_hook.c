/*
 * fault_hook.c — the test-only "lose the answer" fault (see fault_hook.h).
 */
#include "product/fault_hook.h"

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

void fault_drop_answer_point(struct ing_ctx *c, const char *step_id, const char *key)
{
    const char *spec = ing_env(c, "PRODUCT_TEST_DROP_ANSWER");
    const char *dev = ing_env(c, "INNGEST_DEV");
    if (!spec || !dev || strcmp(dev, "0") == 0 || strcmp(dev, "false") == 0 || ing_attempt(c) != 0)
        return;
    /* "<step>:<key>[,<step>:<key>…]" */
    size_t n = strlen(step_id), k = strlen(key ? key : "");
    bool match = false;
    for (const char *p = spec; *p && !match;) {
        size_t len = strcspn(p, ",");
        match = len == n + 1 + k && strncmp(p, step_id, n) == 0 && p[n] == ':' &&
                strncmp(p + n + 1, key ? key : "", k) == 0;
        p += len + (p[len] == ',');
    }
    if (!match)
        return;
    ing_log(ING_LOG_WARN, "PRODUCT_TEST_DROP_ANSWER: %s done, exiting before the answer is sent", step_id);
    _exit(70);
}
