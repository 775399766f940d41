/*
 * conf_gateway.c — the conformance functions for the steps the Inngest
 * server carries out (step.fetch, step.ai.infer), step.ai.wrap and race
 * groups (functions/README.md §1.1).  Where a request goes is set by the
 * environment of the program, never by an event: CONF_FETCH_URL,
 * CONF_FETCH_UNREACHABLE_URL, CONF_AI_URL and CONF_AI_KEY.
 */
#include <string.h>

#include "conformance/conf_gateway.h"

/* A setting the function needs: a run without it fails at once, saying so. */
static const char *need_env(struct ing_ctx *c, const char *name)
{
    const char *v = ing_env(c, name);
    if (!v)
        ing_fail_nonretriable(c, "%s is not set", name);
    return v;
}

/* ---- conf-fetch ----------------------------------------------------------- */

json_object *conf_fetch(struct ing_ctx *c)
{
    bool unreachable = json_object_get_boolean(ing_json_get(ing_event_data(c), "unreachable"));
    struct ing_fetch_request req = {
        .method = "POST",
        .url = need_env(c, unreachable ? "CONF_FETCH_UNREACHABLE_URL" : "CONF_FETCH_URL"),
        .headers = {"Content-Type: application/json", "X-Conf-Step: fetch"},
        .body = "{\"hello\":\"from conf-fetch\"}",
    };
    struct ing_fetch_response res;
    bool answered = ing_step_fetch(c, "call", &req, &res);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "ok", ing_json_bool(c, answered));
    if (!answered) {
        ing_json_set(out, "error", ing_json_string(c, res.body));
        return out;
    }
    ing_json_set(out, "status", ing_json_int(c, res.status));
    ing_json_set(out, "body", ing_json_string(c, res.body));
    ing_json_set(out, "contentType", ing_json_get(res.headers, "content-type"));
    return out;
}

/* ---- conf-ai-infer ---------------------------------------------------------- */

static json_object *chat_request(struct ing_ctx *c, const char *prompt)
{
    json_object *message = ing_json_object(c);
    ing_json_set(message, "role", ing_json_string(c, "user"));
    ing_json_set(message, "content", ing_json_string(c, prompt));
    json_object *messages = ing_json_array(c);
    ing_json_push(messages, message);
    json_object *body = ing_json_object(c);
    ing_json_set(body, "model", ing_json_string(c, "conf-model"));
    ing_json_set(body, "messages", messages);
    return body;
}

static const char *event_prompt(struct ing_ctx *c)
{
    const char *prompt = ing_json_get_string(ing_event_data(c), "prompt");
    if (!prompt || !*prompt)
        ing_fail_nonretriable(c, "event data needs a non-empty string prompt");
    return prompt;
}

/* choices[0].message.content of an OpenAI chat completion, NULL if absent */
static json_object *first_answer(json_object *completion)
{
    json_object *choices = ing_json_get(completion, "choices");
    if (!choices || !json_object_is_type(choices, json_type_array) ||
        json_object_array_length(choices) == 0)
        return NULL;
    return ing_json_get(ing_json_get(json_object_array_get_idx(choices, 0), "message"), "content");
}

json_object *conf_ai_infer(struct ing_ctx *c)
{
    struct ing_ai_model model = {.format = ING_AI_OPENAI_CHAT,
                                 .url = need_env(c, "CONF_AI_URL"),
                                 .auth_key = ing_env(c, "CONF_AI_KEY")};
    json_object *completion =
        ing_step_ai_infer(c, "ask", &model, chat_request(c, event_prompt(c)));
    json_object *out = ing_json_object(c);
    ing_json_set(out, "answer", first_answer(completion));
    ing_json_set(out, "model", ing_json_get(completion, "model"));
    return out;
}

/* ---- conf-ai-wrap ------------------------------------------------------------ */

/* Stands for a model call the function makes itself: the answer is
 * computed here, so the function needs no provider. */
static json_object *local_model(struct ing_ctx *c, void *arg)
{
    json_object *out = ing_json_object(c);
    ing_json_set(out, "answer", ing_json_string(c, ing_sprintf(c, "echo: %s", (const char *)arg)));
    return out;
}

json_object *conf_ai_wrap(struct ing_ctx *c)
{
    const char *prompt = event_prompt(c);
    json_object *input = ing_json_object(c);
    ing_json_set(input, "prompt", ing_json_string(c, prompt));
    json_object *v = ing_step_ai_wrap(c, "ask", input, local_model, (void *)prompt);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "answer", ing_json_get(v, "answer"));
    return out;
}

/* ---- conf-race: a quick step against a 5-minute sleep -------------------------- */

static json_object *quick(struct ing_ctx *c, void *arg)
{
    (void)arg;
    return ing_json_string(c, "fast");
}

static json_object *name_winner(struct ing_ctx *c, void *arg)
{
    return ing_json_string(c, arg);
}

json_object *conf_race(struct ing_ctx *c)
{
    ing_parallel_begin_race(c);
    ing_step_run(c, "fast", quick, NULL);
    ing_step_sleep(c, "slow", "5m");
    json_object *value = NULL;
    const char *winner = ing_parallel_end_race(c, &value);
    json_object *after = ing_step_run(c, "after", name_winner, (void *)winner);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "winner", after);
    ing_json_set(out, "value", value);
    return out;
}
