/*
 * analytics.c — post views, milestones, trending posts and summaries
 * (functions/README.md §2.1: track-post-view, handle-milestone, calculate-trending,
 * generate-analytics-summary, daily-analytics-summary; and the weekly and
 * monthly rollups beside the daily one).
 *
 * Counting is the store's job and is idempotent on the event id, so a replayed
 * view or a retried increment-views step counts once, and answers the total
 * the event reached the first time (a step whose answer was lost after the
 * commit still sees its crossing).  A milestone is decided
 * from the totals that one increment returned atomically (the view that took
 * the total from 99 to 100 is the only one that crosses 100, however many
 * views run at the same time), memoized in a step so later re-executions of
 * the function agree, and sent with an event id made of slug and milestone,
 * so even a retried send is de-duplicated by Inngest.  handle-milestone then
 * records it once per (slug, milestone).  Must never decide anything from a
 * clock or the store outside a step: the function re-runs from the top.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "product/fault_hook.h"
#include "product/product.h"
#include "product/store/store.h"

static const int64_t milestones[] = {100, 1000, 10000, 50000, 100000};

#define TRENDING_DAYS 7
#define TRENDING_LIMIT 10
/* A summary covers at most a year of days. */
#define SUMMARY_MAX_DAYS 366

static const char *day_of(struct ing_ctx *c, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    return ing_sprintf(c, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static const char *iso_of(struct ing_ctx *c, int64_t t)
{
    char buf[32];
    store_format_time(t, buf);
    return ing_strdup(c, buf);
}

/* When the triggering event happened: a time field of its data, else its ts
 * (milliseconds), else now.  Stable across re-executions unless it is "now". */
static int64_t event_time(struct ing_ctx *c, const char *field)
{
    int64_t t;
    const char *iso = ing_json_get_string(ing_event_data(c), field);
    if (iso && store_parse_time(iso, &t))
        return t;
    if (ing_json_get_int(ing_event(c), "ts", &t) && t > 0)
        return t / 1000;
    return (int64_t)time(NULL);
}

/* "YYYY-MM-DD" naming a real day → its midnight (UTC); false otherwise. */
static bool parse_day(const char *s, int64_t *out)
{
    int y, m, d, n = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_year != y - 1900 || back.tm_mon != m - 1 || back.tm_mday != d)
        return false;
    *out = (int64_t)t;
    return true;
}

/* The post an event names: data.slug (required) and *title, data.title or
 * the slug when it has none. */
static const char *post_of(struct ing_ctx *c, const char *event, const char **title)
{
    json_object *data = ing_event_data(c);
    const char *slug = ing_json_get_string(data, "slug");
    if (!slug || !*slug || strlen(slug) > STORE_MAX_ID)
        ing_fail_nonretriable(c, "%s needs data.slug (a string of 1 to %d characters)", event,
                              STORE_MAX_ID);
    *title = ing_json_get_string(data, "title");
    if (!*title || !**title)
        *title = slug;
    return slug;
}

/* ---- track-post-view ---------------------------------------------------- */

struct view {
    const char *slug, *title, *event_id, *day;
    int64_t at;
    json_object *counted; /* increment-views' output, for check-milestone */
};

static json_object *increment_views(struct ing_ctx *c, void *arg)
{
    const struct view *v = arg;
    struct store *s = product_store(c);
    int64_t total = 0;
    bool counted = false;
    store_check(c, s, store_record_view(s, v->slug, v->title, v->event_id, v->day, &total, &counted),
                "increment-views");
    fault_drop_answer_point(c, "increment-views", v->slug);
    /* total is what this event brought the post to, also when an earlier
     * try of this step counted it and its answer was lost: the crossing is
     * computed the same way on every try */
    return ing_json_pack(c, "{s:s, s:I, s:I, s:b}", "slug", v->slug, "total", total, "previousTotal",
                         total > 0 ? total - 1 : (int64_t)0, "counted", counted);
}

/* The milestone in (previous, total], if any.  A repeated event id answers
 * the total it reached the first time, so it crosses the same milestone (and
 * sends the same event id, which Inngest de-duplicates). */
static int64_t crossed_milestone(int64_t previous, int64_t total)
{
    for (size_t i = 0; i < ING_COUNT(milestones); i++)
        if (previous < milestones[i] && milestones[i] <= total)
            return milestones[i];
    return 0;
}

static json_object *check_milestone(struct ing_ctx *c, void *arg)
{
    const struct view *v = arg;
    int64_t previous = 0, total = 0;
    ing_json_get_int(v->counted, "previousTotal", &previous);
    ing_json_get_int(v->counted, "total", &total);
    int64_t m = crossed_milestone(previous, total);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "milestone", m ? ing_json_int(c, m) : NULL);
    ing_json_set(out, "totalViews", ing_json_int(c, total));
    if (m)
        ing_json_set(out, "reachedAt", ing_json_string(c, iso_of(c, v->at)));
    return out;
}

json_object *track_post_view(struct ing_ctx *c)
{
    struct view v = {0};
    v.slug = post_of(c, "blog/post.viewed", &v.title);
    const char *id = ing_json_get_string(ing_event(c), "id");
    v.event_id = id && *id ? id : ing_run_id(c);
    v.at = event_time(c, "viewedAt");
    v.day = day_of(c, v.at);

    v.counted = ing_step_run(c, "increment-views", increment_views, &v);
    json_object *check = ing_step_run(c, "check-milestone", check_milestone, &v);

    int64_t m = 0;
    if (ing_json_get_int(check, "milestone", &m) && m > 0) {
        json_object *mdata = ing_json_pack(c, "{s:s, s:s?, s:o, s:o, s:o}", "slug", v.slug, "title", v.title,
                                           "milestone", ing_json_get(check, "milestone"),
                                           "totalViews", ing_json_get(check, "totalViews"),
                                           "reachedAt", ing_json_get(check, "reachedAt"));
        /* one id per (slug, milestone): Inngest drops a second send */
        ing_step_send_event(c, "send-milestone", ing_event_new_id(c, "blog/milestone.reached", mdata,
                                                                  "milestone-%s-%lld", v.slug, (long long)m));
    }
    return ing_json_pack(c, "{s:s, s:o, s:o, s:o}", "slug", v.slug, "totalViews", ing_json_get(v.counted, "total"),
                         "counted", ing_json_get(v.counted, "counted"), "milestone", ing_json_get(check, "milestone"));
}

/* ---- handle-milestone --------------------------------------------------- */

struct milestone {
    const char *slug, *title;
    int64_t milestone, total_views, reached_at;
};

static json_object *record_milestone(struct ing_ctx *c, void *arg)
{
    const struct milestone *m = arg;
    struct store *s = product_store(c);
    bool is_new = false;
    store_check(c, s,
                store_record_milestone(s, m->slug, m->title, m->milestone, m->total_views,
                                       m->reached_at, &is_new),
                "record-milestone");
    return ing_json_pack(c, "{s:b}", "isNew", is_new);
}

json_object *handle_milestone(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    struct milestone m = {0};
    m.slug = post_of(c, "blog/milestone.reached", &m.title);
    if (!ing_json_get_int(data, "milestone", &m.milestone) || m.milestone <= 0)
        ing_fail_nonretriable(c, "blog/milestone.reached needs data.milestone (a positive integer)");
    if (!ing_json_get_int(data, "totalViews", &m.total_views))
        m.total_views = m.milestone;
    m.reached_at = event_time(c, "reachedAt");

    json_object *rec = ing_step_run(c, "record-milestone", record_milestone, &m);
    return ing_json_pack(c, "{s:s, s:I, s:o}", "slug", m.slug, "milestone", m.milestone, "isNew",
                         ing_json_get(rec, "isNew"));
}

/* ---- calculate-trending ------------------------------------------------- */

static json_object *compute_trending(struct ing_ctx *c, void *arg)
{
    (void)arg;
    int64_t now = event_time(c, "scheduledAt");
    const char *since = day_of(c, now - (TRENDING_DAYS - 1) * 86400);
    struct store *s = product_store(c);
    json_object *posts = NULL;
    store_check(c, s, store_top_posts(s, since, TRENDING_LIMIT, &posts), "calculate-trending");
    ing_keep(c, posts);
    return ing_json_pack(c, "{s:s, s:s, s:o}", "since", since, "computedAt", iso_of(c, now), "posts",
                         posts ? posts : ing_json_array(c));
}

static json_object *store_trending(struct ing_ctx *c, void *arg)
{
    json_object *trending = arg;
    int64_t at = 0;
    const char *iso = ing_json_get_string(trending, "computedAt");
    if (!iso || !store_parse_time(iso, &at))
        at = (int64_t)time(NULL);
    json_object *posts = ing_json_get(trending, "posts");
    struct store *s = product_store(c);
    store_check(c, s, store_put_trending(s, posts, at), "store-trending");
    return ing_json_pack(c, "{s:I}", "stored", (int64_t)json_object_array_length(posts));
}

json_object *calculate_trending(struct ing_ctx *c)
{
    json_object *trending = ing_step_run(c, "calculate-trending", compute_trending, NULL);
    ing_step_run(c, "store-trending", store_trending, trending);
    return trending;
}

/* ---- generate-analytics-summary / daily-analytics-summary --------------- */

struct summary_request {
    const char *period, *start, *end;
    json_object *summary;
};

static json_object *compute_summary(struct ing_ctx *c, void *arg)
{
    const struct summary_request *r = arg;
    struct store *s = product_store(c);
    json_object *summary = NULL;
    store_check(c, s, store_compute_summary(s, r->period, r->start, r->end, &summary),
                "compute-summary");
    return ing_keep(c, summary);
}

static json_object *store_summary(struct ing_ctx *c, void *arg)
{
    const struct summary_request *r = arg;
    struct store *s = product_store(c);
    store_check(c, s, store_put_summary(s, r->period, r->start, r->summary), "store-summary");
    return ing_json_pack(c, "{s:b}", "stored", true);
}

json_object *generate_analytics_summary(struct ing_ctx *c)
{
    json_object *data = ing_event_data(c);
    struct summary_request r = {.period = ing_json_get_string(data, "period"),
                                .start = ing_json_get_string(data, "startDate"),
                                .end = ing_json_get_string(data, "endDate")};
    if (!r.period || (strcmp(r.period, "daily") != 0 && strcmp(r.period, "weekly") != 0 &&
                      strcmp(r.period, "monthly") != 0))
        ing_fail_nonretriable(c, "data.period must be \"daily\", \"weekly\" or \"monthly\"");
    int64_t start, end;
    if (!parse_day(r.start, &start) || !parse_day(r.end, &end))
        ing_fail_nonretriable(c, "data.startDate and data.endDate must be days (YYYY-MM-DD)");
    if (end < start || (end - start) / 86400 >= SUMMARY_MAX_DAYS)
        ing_fail_nonretriable(c, "data.endDate must be on or after data.startDate, within %d days",
                              SUMMARY_MAX_DAYS);

    r.summary = ing_step_run(c, "compute-summary", compute_summary, &r);
    ing_step_run(c, "store-summary", store_summary, &r);
    return r.summary;
}

/* step.invoke generate-analytics-summary for [start, end]; its summary. */
static json_object *invoke_summary(struct ing_ctx *c, const char *period, const char *start, const char *end)
{
    json_object *payload = ing_json_pack(c, "{s:{s:s, s:s, s:s}}", "data", "period", period, "startDate", start,
                                         "endDate", end);
    return ing_step_invoke(c, "generate-analytics-summary", ing_function_ref(c, "generate-analytics-summary"),
                           payload, NULL);
}

json_object *daily_analytics_summary(struct ing_ctx *c)
{
    /* the day before the cron's scheduled time, so a late run still
     * summarizes the day it was meant for */
    const char *day = day_of(c, event_time(c, "scheduledAt") - 86400);
    json_object *summary = invoke_summary(c, "daily", day, day);
    return ing_json_pack(c, "{s:s, s:o}", "date", day, "summary", summary);
}

static json_object *rollup_output(struct ing_ctx *c, const char *period, const char *start, const char *end)
{
    json_object *summary = invoke_summary(c, period, start, end);
    return ing_json_pack(c, "{s:s, s:s, s:s, s:o}", "period", period, "startDate", start, "endDate", end,
                         "summary", summary);
}

/* The last complete week (Monday to Sunday, UTC) before the scheduled time:
 * on the Monday cron, the week that just ended. */
json_object *weekly_analytics_summary(struct ing_ctx *c)
{
    int64_t yesterday = event_time(c, "scheduledAt") - 86400;
    time_t tt = (time_t)yesterday;
    struct tm tm;
    gmtime_r(&tt, &tm);
    int64_t sunday = yesterday - (int64_t)tm.tm_wday * 86400; /* tm_wday: 0 is Sunday */
    return rollup_output(c, "weekly", day_of(c, sunday - 6 * 86400), day_of(c, sunday));
}

/* The last complete calendar month before the scheduled time. */
json_object *monthly_analytics_summary(struct ing_ctx *c)
{
    time_t tt = (time_t)event_time(c, "scheduledAt");
    struct tm tm;
    gmtime_r(&tt, &tm);
    struct tm first = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = 1};
    int64_t last_day = (int64_t)timegm(&first) - 86400;
    time_t lt = (time_t)last_day;
    struct tm last;
    gmtime_r(&lt, &last);
    struct tm start = {.tm_year = last.tm_year, .tm_mon = last.tm_mon, .tm_mday = 1};
    return rollup_output(c, "monthly", day_of(c, (int64_t)timegm(&start)), day_of(c, last_day));
}
