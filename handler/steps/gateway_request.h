/*
 * gateway_request.h — the requests the Inngest server makes for a step
 * (step.fetch: the Gateway opcode; step.ai.infer: the AIGateway opcode),
 * checked and written as the op's opts, and the stored answers read back
 * (PROTOCOL.md §8.5).  No Inngest state beyond the request arena: the step
 * engine decides when an op is sent.
 */
#ifndef ING_GATEWAY_REQUEST_H
#define ING_GATEWAY_REQUEST_H

#include <json-c/json.h>

#include "inngest.h"

struct arena;

/* The Gateway op's opts {"url","method","headers","body"} for req (a new
 * reference the caller owns), or NULL with *why (arena text) when the
 * request may not leave: not an http(s) URL, a method that is not a token,
 * a header line that is malformed, has CR/LF or repeats a name, a body that
 * is not UTF-8 text or is too large.  *why is NULL when memory ran out. */
json_object *gateway_fetch_opts(struct arena *a, const struct ing_fetch_request *req,
                                const char **why);

/* Fills *res from a stored Gateway result ({"status_code","headers","body",
 * "url"}): header names lower-cased, body never NULL.  false when memory
 * ran out. */
bool gateway_fetch_answer(struct arena *a, json_object *stored, struct ing_fetch_response *res);

/* The same for a stored failure (the server could not make the request):
 * status 0, body = the error's message, no headers. */
bool gateway_fetch_failure(struct arena *a, json_object *error, struct ing_fetch_response *res);

/* The AIGateway op's opts {"type":"step.ai.infer","url","format",
 * "auth_key","headers","body"} (a new reference), or NULL with *why as
 * above (an unknown format, no URL where the format has no default, a body
 * that is not a JSON object). */
json_object *gateway_ai_opts(struct arena *a, const struct ing_ai_model *model, json_object *body,
                             const char **why);

/* The executor's name of a format ("openai-chat", …), NULL when unknown. */
const char *gateway_ai_format_name(enum ing_ai_format format);

#endif
