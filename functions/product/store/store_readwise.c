/*
 * store_readwise.c — Readwise accounts and book counts over records.
 *
 * Records:
 *   readwise-account  <user id>   text = the token (the store's one secret:
 *                                 cleared from memory after use; the SQLite
 *                                 file is 0600 in a 0700 directory)
 *   readwise-books    <user id>   num = the count, stamp = when counted
 */
#include <string.h>

#include "product/store/store_internal.h"

enum store_result store_put_readwise_account(struct store *s, const char *user_id, const char *token)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "user id", user_id));
    if (!token || !*token)
        return store_bad(s, "%s is missing", "the Readwise token");
    CHECK(store_max_len(s, "the Readwise token", token, STORE_MAX_TEXT));
    CHECK(store_ready(s));
    return store_rec_put(s, "readwise-account", user_id, token, 0, 0);
}

enum store_result store_get_readwise_token(struct store *s, const char *user_id, char *out, size_t out_size,
                                           bool *found)
{
    *found = false;
    if (out_size)
        out[0] = '\0';
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "user id", user_id));
    if (!out || !out_size)
        return store_bad(s, "%s is missing", "the token buffer");
    CHECK(store_ready(s));
    struct store_record rec;
    CHECK(store_rec_get(s, "readwise-account", user_id, &rec));
    enum store_result r = STORE_OK;
    if (rec.version && rec.text) {
        size_t n = strlen(rec.text);
        if (n >= out_size) {
            store_msg(s->error, "the stored Readwise token does not fit the caller's buffer");
            r = STORE_FAILED;
        } else {
            memcpy(out, rec.text, n + 1);
            *found = true;
        }
    }
    store_record_clear(&rec); /* clears the token's copy */
    return r;
}

enum store_result store_list_readwise_accounts(struct store *s, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_ready(s));
    struct store_record *recs;
    size_t n;
    CHECK(store_rec_list(s, "readwise-account", "", NULL, &recs, &n));
    json_object *ids = json_object_new_array(); /* key order: sorted */
    for (size_t i = 0; i < n; i++)
        json_object_array_add(ids, json_object_new_string(recs[i].key));
    store_records_free(recs, n); /* clears the tokens' copies */
    *out = ids;
    return STORE_OK;
}

enum store_result store_put_book_count(struct store *s, const char *user_id, int64_t count, int64_t counted_at)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "user id", user_id));
    if (count < 0)
        return store_bad(s, "%s must not be negative", "the book count");
    CHECK(store_ready(s));
    return store_rec_put(s, "readwise-books", user_id, NULL, count, counted_at);
}

enum store_result store_get_book_count(struct store *s, const char *user_id, int64_t *count,
                                       int64_t *counted_at, bool *found)
{
    *found = false;
    if (count)
        *count = 0;
    if (counted_at)
        *counted_at = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "user id", user_id));
    CHECK(store_ready(s));
    struct store_record rec;
    CHECK(store_rec_get(s, "readwise-books", user_id, &rec));
    if (rec.version) {
        *found = true;
        if (count)
            *count = rec.num;
        if (counted_at)
            *counted_at = rec.stamp;
    }
    store_record_clear(&rec);
    return STORE_OK;
}
