/*
 * store_sessions.c — sessions over records.
 *
 * Records:
 *   session   <session id>   text = the user, num = stamp = expires_at
 * (the stamp is what store_delete_expired_sessions deletes by).
 */
#include <string.h>

#include "product/store/store_internal.h"

enum store_result store_put_session(struct store *s, const char *session_id, const char *user_id,
                                    int64_t expires_at)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "session id", session_id));
    CHECK(store_need_id(s, "user id", user_id));
    CHECK(store_ready(s));
    return store_rec_put(s, "session", session_id, user_id, expires_at, expires_at);
}

enum store_result store_get_session(struct store *s, const char *session_id, char *user_id,
                                    size_t user_id_size, int64_t *expires_at, bool *found)
{
    *found = false;
    if (expires_at)
        *expires_at = 0;
    if (user_id && user_id_size)
        user_id[0] = '\0';
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "session id", session_id));
    CHECK(store_ready(s));
    struct store_record rec;
    CHECK(store_rec_get(s, "session", session_id, &rec));
    enum store_result r = STORE_OK;
    if (rec.version) {
        size_t n = rec.text ? strlen(rec.text) : 0;
        if (user_id && user_id_size && n >= user_id_size) {
            store_msg(s->error, "the stored user id does not fit the caller's buffer");
            r = STORE_FAILED;
        } else {
            if (user_id && user_id_size)
                memcpy(user_id, rec.text ? rec.text : "", n + 1);
            *found = true;
            if (expires_at)
                *expires_at = rec.num;
        }
    }
    store_record_clear(&rec);
    return r;
}

enum store_result store_delete_expired_sessions(struct store *s, int64_t now, int64_t *deleted)
{
    int64_t n = 0;
    if (deleted)
        *deleted = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_ready(s));
    CHECK(s->be->delete_older(s->conn, s->error, "session", now, &n));
    if (deleted)
        *deleted = n;
    return STORE_OK;
}

enum store_result store_delete_all_sessions(struct store *s, int64_t *deleted)
{
    int64_t n = 0;
    if (deleted)
        *deleted = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_ready(s));
    CHECK(s->be->delete_kind(s->conn, s->error, "session", &n));
    if (deleted)
        *deleted = n;
    return STORE_OK;
}
