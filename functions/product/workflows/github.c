/*
 * github.c — the GitHub contributions cache (functions/README.md §2.1:
 * refresh-github-data every five minutes, manual-refresh-github-data on
 * github/data.refresh).  Both run the same two steps: fetch-contributions
 * (GitHub's GraphQL API) and store-cache.
 *
 * Without GITHUB_TOKEN or GITHUB_USERNAME the feature is off: the run
 * completes with {"skipped":true,"reason":…} instead of failing every five
 * minutes.  GraphQL reports most failures with 200 and an "errors" list; they
 * are classified like HTTP answers: RATE_LIMITED waits, other typed errors
 * (an unknown user, a missing scope) cannot succeed later, untyped ones are
 * GitHub's own trouble and are retried.  Must never log or return the token.
 */
#include <string.h>
#include <time.h>

#include "product/product.h"
#include "product/store/store.h"
#include "product/services/third_party.h"

#define GITHUB_DEFAULT_API "https://api.github.com"

static const char contributions_query[] =
    "query($login: String!) { user(login: $login) { login contributionsCollection { "
    "totalCommitContributions totalPullRequestContributions totalIssueContributions "
    "totalPullRequestReviewContributions contributionCalendar { totalContributions "
    "weeks { contributionDays { date contributionCount } } } } } }";

struct github_job {
    const char *token, *username;
    json_object *fetched; /* fetch-contributions' output */
};

static void check_graphql_errors(struct ing_ctx *c, json_object *answer)
{
    json_object *errors = ing_json_get(answer, "errors");
    if (!errors || !json_object_is_type(errors, json_type_array) || json_object_array_length(errors) == 0)
        return;
    json_object *first = json_object_array_get_idx(errors, 0);
    const char *type = ing_json_get_string(first, "type");
    const char *message = ing_json_get_string(first, "message");
    if (!message)
        message = "no message";
    if (type && strcmp(type, "RATE_LIMITED") == 0)
        tp_fail(c, "GitHub", 429, -1, message);
    if (type)
        ing_fail_nonretriable(c, "GitHub GraphQL error %s: %.200s", type, message);
    ing_fail(c, "GitHub GraphQL error: %.200s", message);
}

static int64_t get_int(json_object *obj, const char *key)
{
    int64_t v = 0;
    return ing_json_get_int(obj, key, &v) ? v : 0;
}

/* The parts of the answer the site shows, flattened to one list of days. */
static json_object *summarize(struct ing_ctx *c, const char *username, json_object *user)
{
    json_object *coll = ing_json_get(user, "contributionsCollection");
    json_object *cal = ing_json_get(coll, "contributionCalendar");
    json_object *days = ing_json_array(c);
    json_object *weeks = ing_json_get(cal, "weeks");
    size_t nw = weeks && json_object_is_type(weeks, json_type_array) ? json_object_array_length(weeks) : 0;
    for (size_t w = 0; w < nw; w++) {
        json_object *wd = ing_json_get(json_object_array_get_idx(weeks, w), "contributionDays");
        size_t nd = wd && json_object_is_type(wd, json_type_array) ? json_object_array_length(wd) : 0;
        for (size_t d = 0; d < nd; d++) {
            json_object *day = json_object_array_get_idx(wd, d);
            const char *date = ing_json_get_string(day, "date");
            if (!date)
                continue;
            ing_json_push(days, ing_json_pack(c, "{s:s, s:I}", "date", date, "count",
                                              get_int(day, "contributionCount")));
        }
    }
    char fetched_at[32];
    store_format_time((int64_t)time(NULL), fetched_at);
    return ing_json_pack(c, "{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:s}", "username", username,
                         "totalContributions", get_int(cal, "totalContributions"),
                         "commits", get_int(coll, "totalCommitContributions"),
                         "pullRequests", get_int(coll, "totalPullRequestContributions"),
                         "issues", get_int(coll, "totalIssueContributions"),
                         "reviews", get_int(coll, "totalPullRequestReviewContributions"), "days", days,
                         "fetchedAt", fetched_at);
}

static json_object *fetch_contributions(struct ing_ctx *c, void *arg)
{
    const struct github_job *job = arg;
    json_object *body = ing_json_pack(c, "{s:s, s:{s:s}}", "query", contributions_query, "variables", "login",
                                      job->username);
    struct tp_response res;
    const char *url = ing_sprintf(c, "%s/graphql", tp_base_url(c, "GITHUB_API_URL", GITHUB_DEFAULT_API));
    tp_post_json(c, "GitHub", url, job->token, "Accept: application/json", body, &res);
    if (!res.json || !json_object_is_type(res.json, json_type_object))
        ing_fail(c, "GitHub answered %ld without a JSON object", res.status);
    check_graphql_errors(c, res.json);
    json_object *user = ing_json_get(ing_json_get(res.json, "data"), "user");
    if (!user || !json_object_is_type(user, json_type_object))
        ing_fail_nonretriable(c, "GitHub has no user named by GITHUB_USERNAME");
    return summarize(c, job->username, user);
}

static json_object *store_cache(struct ing_ctx *c, void *arg)
{
    const struct github_job *job = arg;
    int64_t at = 0;
    const char *iso = ing_json_get_string(job->fetched, "fetchedAt");
    if (!iso || !store_parse_time(iso, &at))
        at = (int64_t)time(NULL);
    struct store *s = product_store(c);
    store_check(c, s, store_put_github_cache(s, job->username, job->fetched, at), "store-cache");
    return ing_json_pack(c, "{s:b}", "stored", true);
}

static json_object *skipped(struct ing_ctx *c, const char *reason)
{
    return ing_json_pack(c, "{s:b, s:s}", "skipped", true, "reason", reason);
}

static json_object *refresh(struct ing_ctx *c)
{
    struct github_job job = {.token = ing_env(c, "GITHUB_TOKEN"),
                             .username = ing_env(c, "GITHUB_USERNAME")};
    if (!job.token)
        return skipped(c, "GITHUB_TOKEN is not set");
    if (!job.username)
        return skipped(c, "GITHUB_USERNAME is not set");
    if (strlen(job.username) > STORE_MAX_ID)
        ing_fail_nonretriable(c, "GITHUB_USERNAME is longer than %d characters", STORE_MAX_ID);
    job.fetched = ing_step_run(c, "fetch-contributions", fetch_contributions, &job);
    ing_step_run(c, "store-cache", store_cache, &job);
    return ing_json_pack(c, "{s:o, s:o, s:o}", "username", ing_json_get(job.fetched, "username"),
                         "totalContributions", ing_json_get(job.fetched, "totalContributions"),
                         "fetchedAt", ing_json_get(job.fetched, "fetchedAt"));
}

json_object *refresh_github_data(struct ing_ctx *c)
{
    return refresh(c);
}

/* github/data.refresh {force?}: every manual refresh fetches (the cron keeps
 * the cache at most five minutes old, so asking means "now"); force is
 * echoed so the run's output shows what was asked. */
json_object *manual_refresh_github_data(struct ing_ctx *c)
{
    json_object *out = refresh(c);
    json_object *force = ing_json_get(ing_event_data(c), "force");
    ing_json_set(out, "force", ing_json_bool(c, force && json_object_get_boolean(force)));
    return out;
}
