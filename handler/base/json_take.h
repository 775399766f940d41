/*
 * json_take.h — storing a json-c value in an object or array, out of memory
 * included.
 *
 * json_object_object_add and json_object_array_add keep the caller's
 * reference when they fail (no memory for the key copy or a larger table),
 * and json_object_new_*() returns NULL then, which json-c stores as a JSON
 * null without a word.  Either way the document built is not the one meant.
 * These take the value in every case and say whether it was stored, so a
 * builder can stop and answer 500 instead of sending a wrong document.
 */
#ifndef ING_JSON_TAKE_H
#define ING_JSON_TAKE_H

#include <stdbool.h>

#include <json-c/json.h>

/* obj[key] = value.  false when obj or value is NULL or json-c could not
 * store it; value is released then.  `key` must be a string that outlives
 * obj (a literal, or arena memory of the request that owns obj): json-c
 * keeps the pointer instead of a copy, so no copy can fail or leak. */
bool json_take_set(json_object *obj, const char *key, json_object *value);

/* The same with a key json-c copies (keys of any lifetime). */
bool json_take_set_copy(json_object *obj, const char *key, json_object *value);

/* array.push(value), the same way. */
bool json_take_push(json_object *array, json_object *value);

/* obj[key] = null (a JSON null is stored on purpose, not by failure). */
bool json_take_set_null(json_object *obj, const char *key);

#endif
