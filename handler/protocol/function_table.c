/*
 * function_table.c — finding a function of the app's table by the composite
 * id the server calls it by.
 *
 * The table is the app's static data: this file only reads it and never
 * keeps a pointer into it beyond a call.  Lookup runs on every call request,
 * so it must not allocate.  Validation is function_table_validate.c's job,
 * the sync payload function_table_sync_json.c's.
 */
#include "protocol/function_table.h"

#include <string.h>

size_t fn_table_server_count(const struct ing_function *fns, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; fns && i < n; i++)
        count += fns[i].on_failure ? 2 : 1;
    return count;
}

static const struct ing_function *find_by_id(const struct ing_function *fns, size_t n,
                                             const char *id, size_t id_len)
{
    for (size_t i = 0; i < n; i++) {
        if (fns[i].id && strlen(fns[i].id) == id_len && memcmp(fns[i].id, id, id_len) == 0)
            return &fns[i];
    }
    return NULL;
}

const struct ing_function *fn_table_find(const struct ing_function *fns, size_t n,
                                         const char *app_id, const char *composite,
                                         bool *is_failure_handler)
{
    if (is_failure_handler)
        *is_failure_handler = false;
    if (!fns || !app_id || !composite)
        return NULL;
    /* Strip the app id as a whole prefix: the app id may itself contain '-',
     * so splitting the composite at a dash would be ambiguous. */
    size_t al = strlen(app_id);
    if (strncmp(composite, app_id, al) != 0 || composite[al] != '-')
        return NULL;
    const char *id = composite + al + 1;
    size_t len = strlen(id);

    const struct ing_function *f = find_by_id(fns, n, id, len);
    if (f)
        return f;
    size_t sl = strlen(FN_FAILURE_SUFFIX);
    if (len > sl && strcmp(id + len - sl, FN_FAILURE_SUFFIX) == 0) {
        f = find_by_id(fns, n, id, len - sl);
        if (f && f->on_failure) {
            if (is_failure_handler)
                *is_failure_handler = true;
            return f;
        }
    }
    return NULL;
}

