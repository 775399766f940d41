/*
 * json_take.c — see json_take.h.
 */
#include "base/json_take.h"

static bool set(json_object *obj, const char *key, json_object *value, unsigned opts)
{
    if (!obj || !key || !value ||
        json_object_object_add_ex(obj, key, value, opts) != 0) {
        json_object_put(value);
        return false;
    }
    return true;
}

bool json_take_set(json_object *obj, const char *key, json_object *value)
{
    return set(obj, key, value, JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

bool json_take_set_copy(json_object *obj, const char *key, json_object *value)
{
    return set(obj, key, value, 0);
}

bool json_take_push(json_object *array, json_object *value)
{
    if (!array || !value || json_object_array_add(array, value) != 0) {
        json_object_put(value);
        return false;
    }
    return true;
}

bool json_take_set_null(json_object *obj, const char *key)
{
    return obj && key && json_object_object_add_ex(obj, key, NULL, JSON_C_OBJECT_ADD_CONSTANT_KEY) == 0;
}
