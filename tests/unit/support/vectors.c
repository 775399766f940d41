/*
 * vectors.c — read-only access to the protocol vector files for unit tests.
 *
 * Parsing uses the SDK's own depth bound so that a vector deeper than json-c's
 * default of 32 still loads.  Test support only: plain malloc, messages on
 * stderr, no use of the SDK's allocator so failure injection never hits it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"

/* the recorded vectors are test data of this repository (tests/vectors/README.md) */
#define DEFAULT_VECTORS_DIR "tests/vectors"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap);
    while (data) {
        n += fread(data + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(data, cap * 2);
        if (!bigger) {
            free(data);
            data = NULL;
            break;
        }
        data = bigger;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(data);
        return NULL;
    }
    *len = n;
    return data;
}

json_object *vectors_load(const char *file_name)
{
    const char *dir = getenv("VECTORS_DIR");
    if (!dir || !*dir)
        dir = DEFAULT_VECTORS_DIR;
    size_t plen = strlen(dir) + 1 + strlen(file_name) + 1;
    char *path = malloc(plen);
    if (!path)
        return NULL;
    snprintf(path, plen, "%s/%s", dir, file_name);

    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "vectors: cannot read %s (run from the repository root, or set VECTORS_DIR)\n", path);
        free(path);
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new_ex(ING_JSON_MAX_DEPTH);
    json_object *root = NULL;
    if (tok) {
        root = json_tokener_parse_ex(tok, text, (int)len);
        if (!root && json_tokener_get_error(tok) == json_tokener_continue)
            root = json_tokener_parse_ex(tok, "", 1); /* end of input ends a bare number */
        if (!root)
            fprintf(stderr, "vectors: %s: %s\n", path,
                    json_tokener_error_desc(json_tokener_get_error(tok)));
        json_tokener_free(tok);
    }
    free(text);
    free(path);
    return root;
}

const char *vectors_str(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

const char *vectors_header(json_object *headers, const char *name)
{
    if (!headers || !json_object_is_type(headers, json_type_object))
        return NULL;
    json_object_object_foreach(headers, key, val) {
        if (strcasecmp(key, name) == 0 && json_object_is_type(val, json_type_string))
            return json_object_get_string(val);
    }
    return NULL;
}

json_object *vectors_find(json_object *entries, const char *name)
{
    if (!entries || !json_object_is_type(entries, json_type_array))
        return NULL;
    size_t n = json_object_array_length(entries);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        const char *en = vectors_str(e, "name");
        if (en && strcmp(en, name) == 0)
            return e;
    }
    return NULL;
}

json_object *vectors_array(json_object *root, const char *key)
{
    json_object *v = NULL;
    if (!root || !json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_array))
        return NULL;
    return v;
}

json_object *vectors_need(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!obj || !json_object_object_get_ex(obj, key, &v))
        fail_msg("vector has no \"%s\"", key);
    return v;
}

const char *vectors_need_str(json_object *obj, const char *key)
{
    const char *s = vectors_str(obj, key);
    if (!s)
        fail_msg("vector has no string \"%s\"", key);
    return s;
}

size_t vectors_each_in(json_object *root, const char *file, const char *key, size_t min,
                       vectors_check_fn check, void *ctx)
{
    json_object *list = vectors_array(root, key);
    if (!list)
        fail_msg("%s has no array \"%s\"", file, key);
    /* a case that fails its check ends the test inside check(): every case
     * counted here was checked, and what is left to assert is the floor */
    size_t n = json_object_array_length(list), ran = 0;
    for (size_t i = 0; i < n; i++)
        if (check(json_object_array_get_idx(list, i), ctx))
            ran++;
    char what[256];
    snprintf(what, sizeof(what), "%s %s", file, key);
    assert_cases(what, ran, ran, min);
    return ran;
}

size_t vectors_each(const char *file, const char *key, size_t min, vectors_check_fn check, void *ctx)
{
    json_object *root = vectors_load(file);
    if (!root)
        fail_msg("cannot load %s", file);
    size_t ran = vectors_each_in(root, file, key, min, check, ctx);
    json_object_put(root);
    return ran;
}

void vectors_test(void **state)
{
    const struct vectors_case *c = *state;
    vectors_each(c->file, c->key, c->min, c->check, NULL);
}
