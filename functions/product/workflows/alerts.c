/*
 * alerts.c — alert-function-failed: when any function of this app ends in
 * failure (the executor's inngest/function.failed), one email to the site's
 * owner (CONTACT_TO_EMAIL, through Resend) saying which function, which run
 * and why, as the original system alerts on errors.
 *
 * Rate-limited by the executor (registry.c: one alert per failing function
 * per hour; the rest are dropped, not queued), so a function failing in a
 * loop does not flood the inbox.  The email's Idempotency-Key is the failed
 * run's id: a retried send step sends nothing new.  Failures of other apps in
 * the same environment, and of this function itself, are ignored.  The text
 * carries the error message as the executor recorded it (our messages name
 * services and statuses, never a key or a body) and nothing else of the event.
 */
#include <string.h>

#include "product/product.h"
#include "product/services/resend.h"

#define ALERT_MAX_ERROR 1000

struct failure {
    const char *function_id, *run_id, *error;
};

static json_object *send_alert(struct ing_ctx *c, void *arg)
{
    const struct failure *f = arg;
    const char *key = ing_env(c, "RESEND_API_KEY"), *to = ing_env(c, "CONTACT_TO_EMAIL"),
               *from = ing_env(c, "CONTACT_FROM_EMAIL");
    if (!key || !to || !from)
        ing_fail_nonretriable(c, "RESEND_API_KEY, CONTACT_TO_EMAIL and CONTACT_FROM_EMAIL are needed to "
                                 "send failure alerts");
    /* header-safe: run ids are ULIDs, but this one comes from an event */
    char *run = ing_strdup(c, f->run_id);
    for (char *p = run; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '_';
    struct resend_email mail = {
        .label = "Resend (send-alert)",
        .api_key = key,
        .from = from,
        .to = to,
        .subject = ing_sprintf(c, "app/function.failed: %s", f->function_id),
        .text = ing_sprintf(c,
                            "A function of %s ended in failure (app/function.failed).\n\n"
                            "Function: %s\nRun: %s\nError: %.*s\n\n"
                            "Further failures of this function within the hour are not emailed.\n",
                            ing_app_id(c), f->function_id, f->run_id, ALERT_MAX_ERROR, f->error),
        .idempotency_key = ing_sprintf(c, "function-failed-%.200s", run),
    };
    const char *id = resend_send(c, &mail);
    return ing_json_pack(c, "{s:s?}", "messageId", id);
}

json_object *alert_function_failed(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    struct failure f = {.function_id = ing_json_get_string(data, "function_id"),
                        .run_id = ing_json_get_string(data, "run_id"),
                        .error = ing_json_get_string(ing_json_get(data, "error"), "message")};
    const char *prefix = ing_sprintf(c, "%s-", ing_app_id(c));
    const char *self = ing_function_ref(c, "alert-function-failed");
    if (!f.function_id || strncmp(f.function_id, prefix, strlen(prefix)) != 0 || strcmp(f.function_id, self) == 0)
        return ing_json_pack(c, "{s:b, s:s}", "alerted", false, "reason", "not a failure of this app's functions");
    if (!f.run_id || !*f.run_id)
        f.run_id = "(unknown)";
    if (!f.error)
        f.error = "(no message)";
    json_object *sent = ing_step_run(c, "send-alert-email", send_alert, &f);
    return ing_json_pack(c, "{s:b, s:s, s:s, s:o}", "alerted", true, "functionId", f.function_id, "runId", f.run_id,
                         "messageId", ing_json_get(sent, "messageId"));
}
