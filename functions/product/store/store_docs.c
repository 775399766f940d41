/*
 * store_docs.c — the GitHub cache: one JSON document per username.
 *
 * Records:
 *   github   <username>   text = the data, stamp = when it was fetched
 * (store_views.c keeps the trending list and summaries, store_billing.c the
 * invoices, as documents of their own kinds.)
 */
#include "product/store/store_internal.h"

enum store_result store_put_github_cache(struct store *s, const char *username, json_object *data,
                                         int64_t fetched_at)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "the GitHub username", username));
    if (!data)
        return store_bad(s, "%s is missing", "the GitHub data");
    return store_doc_put(s, "github", username, "the GitHub data", data, fetched_at);
}

enum store_result store_get_github_cache(struct store *s, const char *username, json_object **data,
                                         int64_t *fetched_at)
{
    *data = NULL;
    if (fetched_at)
        *fetched_at = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "the GitHub username", username));
    return store_doc_get(s, "github", username, data, fetched_at);
}
