/*
 * json_parse.h — one JSON text read by json-c with the SDK's depth bound.
 *
 * Every text from outside (a request body, an API's answer, a test's input)
 * is parsed the same way: a fresh tokener limited to ING_JSON_MAX_DEPTH, the
 * length given (never strlen of a body), the tokener released at once.
 */
#ifndef ING_JSON_PARSE_H
#define ING_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* How a parse went: json-c's error (json_tokener_success when a value was
 * read), the bytes it consumed, and whether no tokener could be allocated. */
struct json_parse_outcome {
    enum json_tokener_error error;
    size_t end;
    bool no_tokener;
};

/* The value in [text, text + len), the caller's reference, or NULL.  Text
 * after the value is not an error here (how->end says where it stopped).
 * `how` may be NULL. */
json_object *json_parse_bounded(const char *text, size_t len, struct json_parse_outcome *how);

#endif
