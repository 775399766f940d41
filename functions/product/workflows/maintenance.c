/*
 * maintenance.c — session-cleanup (functions/README.md §2.1): every hour, delete the
 * sessions whose expiry has passed and say how many went.  The sessions are
 * the ones the site's backend records through POST /api/sessions
 * (sessions_route.c, which also clears them all on the admin's request).
 *
 * "Now" is taken inside the step, so a retried step uses its own time and a
 * memoized result is never recomputed.  Must never delete a live session: the
 * store deletes only expires_at <= now.
 */
#include <time.h>

#include "product/product.h"
#include "product/store/store.h"

static json_object *delete_expired_sessions(struct ing_ctx *c, void *arg)
{
    (void)arg;
    struct store *s = product_store(c);
    int64_t deleted = 0;
    store_check(c, s, store_delete_expired_sessions(s, (int64_t)time(NULL), &deleted),
                "delete-expired-sessions");
    return ing_json_pack(c, "{s:I}", "deleted", deleted);
}

json_object *session_cleanup(struct ing_ctx *c)
{
    json_object *r = ing_step_run(c, "delete-expired-sessions", delete_expired_sessions, NULL);
    return ing_json_pack(c, "{s:o}", "deleted", ing_json_get(r, "deleted"));
}
