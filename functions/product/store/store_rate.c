/*
 * store_rate.c — the routes' rate-limit counters over records.
 *
 * Records:
 *   rate   <key> SEP <window start>   num = the window's hits; expires at the
 *                                     window's end, so no counter outlives it
 */
#include <stdio.h>
#include <time.h>

#include "product/store/store_internal.h"

enum store_result store_rate_hit(struct store *s, const char *key, int64_t window_seconds, int64_t *hits,
                                 int64_t *retry_after)
{
    *hits = 0;
    if (retry_after)
        *retry_after = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "rate-limit key", key));
    if (window_seconds < 1 || window_seconds > STORE_MAX_RATE_WINDOW)
        return store_bad(s, "the rate-limit window must be 1 s to 366 days");
    CHECK(store_ready(s));
    int64_t now = (int64_t)time(NULL);
    int64_t start = now - now % window_seconds;
    char window[24], rec_key[STORE_KEY_MAX];
    snprintf(window, sizeof window, "%lld", (long long)start);
    struct store_op op = {.op = STORE_OP_ADD, .kind = "rate", .key = store_key2(rec_key, key, window), .num = 1,
                          .stamp = now, .expires_at = start + window_seconds};
    bool applied;
    CHECK(store_rec_apply(s, &op, 1, &applied));
    *hits = op.result;
    if (retry_after)
        *retry_after = start + window_seconds - now;
    return STORE_OK;
}
