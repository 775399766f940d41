/*
 * function_table.h — the app's compiled-in function table: validation at
 * start-up, lookup by composite id, and the "functions" array of the sync
 * payload (PROTOCOL.md §6.2, FunctionConfig).
 *
 * The table is static data owned by the app; this module only reads it.  A
 * function with on_failure counts as two functions for the server: the parent
 * and "<id>-failure".  One file per job: function_table_validate.c,
 * function_table.c (lookup), function_table_sync_json.c.
 */
#ifndef ING_FUNCTION_TABLE_H
#define ING_FUNCTION_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "inngest.h"

/* A failure handler's id is its function's id with this suffix, and the
 * event that triggers it is FN_FAILURE_EVENT. */
#define FN_FAILURE_SUFFIX "-failure"
#define FN_FAILURE_EVENT "inngest/function.failed"

/* An optional string of the table counts as set only when non-empty: "" is a
 * placeholder, and the server treats several empty keys as absent anyway. */
static inline bool fn_set(const char *s)
{
    return s && *s;
}

/* Checks ids (non-empty, unique, [a-z0-9-_] and not clashing with a generated
 * "-failure" id), names, triggers (1..10, event xor cron, cron syntax, jitter),
 * retries (0..20), concurrency scopes/keys, periods and durations, batch
 * limits, cancellations, singleton modes and the incompatible combinations the
 * server rejects.  On the first problem returns false with a message naming
 * the function and the field. */
bool fn_table_validate(const struct ing_function *fns, size_t n, char *err, size_t err_size);

/* How many functions the server sees (failure handlers included). */
size_t fn_table_server_count(const struct ing_function *fns, size_t n);

/* Finds the function whose composite id ("<app_id>-<id>", or
 * "<app_id>-<id>-failure" for a failure handler) is `composite`. */
const struct ing_function *fn_table_find(const struct ing_function *fns, size_t n,
                                         const char *app_id, const char *composite,
                                         bool *is_failure_handler);

/* The sync payload's "functions" array (a new json-c value, caller owns it).
 * serve_url is the endpoint URL without a query string; each step URL is
 * "<serve_url>?fnId=<composite>&stepId=step".  production selects triggers
 * marked production_only. */
json_object *fn_table_sync_json(const struct ing_function *fns, size_t n, const char *app_id,
                                const char *serve_url, bool production);

#endif
