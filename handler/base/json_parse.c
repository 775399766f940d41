/*
 * json_parse.c — one JSON text read by json-c with the SDK's depth bound
 * (json_parse.h).
 */
#include "base/json_parse.h"

#include "base/limits.h"

json_object *json_parse_bounded(const char *text, size_t len, struct json_parse_outcome *how)
{
    struct json_parse_outcome local;
    if (!how)
        how = &local;
    *how = (struct json_parse_outcome){.error = json_tokener_error_parse_eof};
    json_tokener *tok = json_tokener_new_ex(ING_JSON_MAX_DEPTH);
    if (!tok) {
        how->no_tokener = true;
        return NULL;
    }
    json_object *v = json_tokener_parse_ex(tok, text, (int)len);
    how->error = json_tokener_get_error(tok);
    how->end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    return v;
}
