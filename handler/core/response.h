/*
 * response.h — the answer the router builds and the front writes out.
 *
 * Header names and values live in the request arena (or are literals); the
 * body is a pointer into arena memory or a json-c string owned by a value the
 * arena releases, so it stays valid until the arena is released, which the
 * front does only after writing.
 */
#ifndef ING_RESPONSE_H
#define ING_RESPONSE_H

#include <stddef.h>

#include <json-c/json.h>

#define ING_MAX_RESPONSE_HEADERS 24 /* a route's ING_HTTP_MAX_HEADERS lines, Content-Type and room to spare */

struct arena;

struct response {
    int status;
    struct { const char *name, *value; } headers[ING_MAX_RESPONSE_HEADERS];
    int header_count;
    const char *body;
    size_t body_len;
    /* for the request log line */
    const char *log_target;
    const char *log_run_id;
    const char *log_step;
    const char *log_outcome;
};

void response_header(struct response *r, const char *name, const char *value);
const char *response_get_header(const struct response *r, const char *name);
/* Serializes `body` (plain, no slash escaping) as the response body; the
 * text is owned by `body`, which must outlive the write (keep it on the arena). */
void response_json(struct response *r, int status, json_object *body);
/* JSON already serialized; `text` must outlive the write. */
void response_json_text(struct response *r, int status, const char *text, size_t len);
/* {"message": text} with a status: the shape of every error we originate. */
void response_message(struct response *r, struct arena *a, int status, const char *text);
const char *response_reason(int status);

#define ING_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

#endif
