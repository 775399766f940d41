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

struct arena;

struct response_header {
    const char *name, *value;
};

struct response {
    int status;
    /* header_count headers in the order they were set, in `arena` (the
     * list grows there, so an answer has as many as its route gave) */
    struct response_header *headers;
    int header_count, header_room;
    struct arena *arena;   /* the request's: set by router_serve or the front */
    const char *body;
    size_t body_len;
    /* for the request log line */
    const char *log_target;
    const char *log_run_id;
    const char *log_step;
    const char *log_outcome;
};

/* Sets a header: replaces the value of one of that name (any case), else
 * adds it.  A header that cannot be kept (no arena, out of memory) is
 * dropped and logged. */
void response_header(struct response *r, const char *name, const char *value);
/* Adds a header even when one of that name is there (Set-Cookie, Vary …). */
void response_add_header(struct response *r, const char *name, const char *value);
const char *response_get_header(const struct response *r, const char *name);
/* The head the front writes: the CGI Status line, every header, then
 * Content-Length and the blank line.  Returns its length; when that is
 * cap or more, nothing usable was written (response_head_size says how
 * much room it takes). */
size_t response_head(const struct response *r, char *buf, size_t cap);
size_t response_head_size(const struct response *r);
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
