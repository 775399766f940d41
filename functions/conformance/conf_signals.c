/*
 * conf_signals.c — the conformance app's signal and realtime functions
 * (functions/README.md §1): conf-signal waits for a signal, conf-signal-send
 * sends one from a step, conf-realtime publishes to a channel three ways.
 */
#include <stdbool.h>
#include <string.h>

#include "conformance/conf_signals.h"

/* conf-signal: data {signal, timeout?, conflict?: "fail"|"replace", linger?}.
 * Waits for the signal; "linger" (a duration) keeps the run alive afterwards
 * so a test can read what the server stored for the wait. */
json_object *conf_signal(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    const char *signal = ing_json_get_string(data, "signal");
    const char *timeout = ing_json_get_string(data, "timeout");
    const char *conflict = ing_json_get_string(data, "conflict");
    const char *linger = ing_json_get_string(data, "linger");
    if (!signal)
        ing_fail_nonretriable(c, "event data needs a string \"signal\"");
    enum ing_signal_conflict mode = conflict && strcmp(conflict, "replace") == 0
                                        ? ING_SIGNAL_CONFLICT_REPLACE
                                        : ING_SIGNAL_CONFLICT_FAIL;
    json_object *got = ing_step_wait_for_signal(c, "wait", signal, timeout ? timeout : "1m", mode);
    if (linger)
        ing_step_sleep(c, "linger", linger);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "timed_out", ing_json_bool(c, got == NULL));
    ing_json_set(out, "data", got);
    return out;
}

/* conf-signal-send: data {signal, payload?}: sends it as a step. */
json_object *conf_signal_send(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    const char *signal = ing_json_get_string(data, "signal");
    if (!signal)
        ing_fail_nonretriable(c, "event data needs a string \"signal\"");
    const char *run_id = ing_step_send_signal(c, "send", signal, ing_json_get(data, "payload"));
    json_object *out = ing_json_object(c);
    ing_json_set(out, "resumed_run", ing_json_string(c, run_id));
    return out;
}

struct progress { const char *channel; };

static json_object *work(struct ing_ctx *c, void *arg)
{
    const struct progress *p = arg;
    json_object *msg = ing_json_object(c);
    ing_json_set(msg, "status", ing_json_string(c, "working"));
    struct ing_error err;
    int status = 0;
    /* direct: inside a step body, so once per attempt of this step */
    if (!ing_realtime_publish(c, p->channel, "progress", msg, &err, &status))
        ing_fail(c, "publish: %s", err.message);
    return ing_json_string(c, "worked");
}

/* conf-realtime: data {channel}: "started" (a publish step), "working"
 * (published directly from a step body), "finished" (a publish step whose
 * member "encrypted" is sealed when encryption is on), all on topic
 * "progress". */
json_object *conf_realtime(struct ing_ctx *c)
{
    const char *channel = ing_json_get_string(ing_event_data(c), "channel");
    if (!channel)
        ing_fail_nonretriable(c, "event data needs a string \"channel\"");
    json_object *started = ing_json_object(c);
    ing_json_set(started, "status", ing_json_string(c, "started"));
    ing_step_realtime_publish(c, "publish-started", channel, "progress", started);
    struct progress p = {.channel = channel};
    json_object *worked = ing_step_run(c, "work", work, &p);
    json_object *finished = ing_json_object(c);
    json_object *secret = ing_json_object(c);
    ing_json_set(secret, "note", ing_json_string(c, "for the run's eyes only"));
    ing_json_set(finished, "status", ing_json_string(c, "finished"));
    ing_json_set(finished, "encrypted", secret);
    ing_step_realtime_publish(c, "publish-finished", channel, "progress", finished);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "published", ing_json_int(c, 3));
    ing_json_set(out, "work", worked);
    return out;
}

/* GET /api/conf/realtime-token?channel=conf-realtime-<letters, digits, '-'>:
 * a browser's subscription token for that channel's topic "progress".  Only
 * channels of that prefix and shape: the caller is not authenticated, so it
 * may read conformance progress and nothing else. */
void conf_realtime_token_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    static const char prefix[] = "channel=conf-realtime-";
    const char *q = req->query ? req->query : "";
    size_t n = strlen(q);
    bool ok = strncmp(q, prefix, sizeof(prefix) - 1) == 0 && n < sizeof(prefix) + 64 &&
              n > sizeof(prefix) - 1;
    for (size_t i = sizeof(prefix) - 1; ok && i < n; i++)
        ok = (q[i] >= 'a' && q[i] <= 'z') || (q[i] >= 'A' && q[i] <= 'Z') ||
             (q[i] >= '0' && q[i] <= '9') || q[i] == '-';
    if (strcmp(req->method, "GET") != 0 || !ok) {
        res->status = strcmp(req->method, "GET") != 0 ? 405 : 400;
        json_object *body = ing_json_object(req->ctx);
        ing_json_set(body, "error", ing_json_string(req->ctx, "GET ?channel=conf-realtime-<id>"));
        res->body = body;
        return;
    }
    static const char *const topics[] = {"progress"};
    ing_http_realtime_token(req, res, q + strlen("channel="), topics, 1);
}
