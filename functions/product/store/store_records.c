/*
 * store_records.c — the backend's record primitives as the domain files use
 * them: with the store's error buffer, a key joined from two ids, a record's
 * text read as JSON, and the condition "still as I read it".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "product/store/store_internal.h"

enum store_result store_rec_get(struct store *s, const char *kind, const char *key, struct store_record *out)
{
    memset(out, 0, sizeof *out);
    return s->be->get(s->conn, s->error, kind, key, out);
}

enum store_result store_rec_list(struct store *s, const char *kind, const char *from, const char *to,
                                 struct store_record **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return s->be->list(s->conn, s->error, kind, from, to, out, n);
}

enum store_result store_rec_list_under(struct store *s, const char *kind, const char *prefix,
                                       struct store_record **out, size_t *n)
{
    char from[STORE_KEY_MAX], to[STORE_KEY_MAX];
    snprintf(from, sizeof from, "%s" STORE_KEY_SEP, prefix);
    snprintf(to, sizeof to, "%s" STORE_KEY_SEP_END, prefix);
    return store_rec_list(s, kind, from, to, out, n);
}

enum store_result store_rec_apply(struct store *s, struct store_op *ops, size_t n, bool *applied)
{
    *applied = false;
    return s->be->apply(s->conn, s->error, ops, n, applied);
}

enum store_result store_rec_put(struct store *s, const char *kind, const char *key, const char *text,
                                int64_t num, int64_t stamp)
{
    struct store_op op = {.op = STORE_OP_PUT, .kind = kind, .key = key, .text = text, .num = num,
                          .stamp = stamp};
    bool applied;
    return store_rec_apply(s, &op, 1, &applied);
}

json_object *store_rec_json(struct store *s, const struct store_record *r, const char *what)
{
    json_object *v = store_json_from_text(r->text);
    if (!v)
        store_msg(s->error, "the stored %s is not JSON (corrupt store)", what);
    return v;
}

enum store_result store_rec_get_json(struct store *s, const char *kind, const char *key, json_object **value,
                                     struct store_record *meta)
{
    struct store_record r;
    *value = NULL;
    CHECK(store_rec_get(s, kind, key, &r));
    if (r.version) {
        *value = store_rec_json(s, &r, kind);
        if (!*value) {
            store_record_clear(&r);
            return STORE_FAILED;
        }
    }
    if (meta) {
        free(r.text);
        r.text = NULL;
        *meta = r;
    } else {
        store_record_clear(&r);
    }
    return STORE_OK;
}

void store_op_unchanged(struct store_op *op, const struct store_record *r)
{
    op->cond = r->version ? STORE_IF_VERSION : STORE_IF_ABSENT;
    op->version = r->version;
}

const char *store_key2(char *buf, const char *a, const char *b)
{
    snprintf(buf, STORE_KEY_MAX, "%s" STORE_KEY_SEP "%s", a, b);
    return buf;
}

enum store_result store_doc_put(struct store *s, const char *kind, const char *key, const char *what,
                                json_object *value, int64_t stamp)
{
    const char *text;
    CHECK(store_json_text(s, what, value, &text));
    CHECK(store_ready(s));
    return store_rec_put(s, kind, key, text, 0, stamp);
}

enum store_result store_doc_get(struct store *s, const char *kind, const char *key, json_object **value,
                                int64_t *stamp)
{
    struct store_record meta;
    CHECK(store_ready(s));
    CHECK(store_rec_get_json(s, kind, key, value, &meta));
    if (stamp && *value)
        *stamp = meta.stamp;
    return STORE_OK;
}

const char *store_member_string(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

int64_t store_member_int(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}
