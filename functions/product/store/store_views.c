/*
 * store_views.c — blog analytics over records: views counted once per event
 * id, per-day buckets, milestones, trending lists and period summaries.
 *
 * Records:
 *   view-event   <event id>         num = the post's total this event reached
 *                                   (-1: counted before totals were kept);
 *                                   expires STORE_VIEW_DEDUP_SECONDS after it
 *   views-total  <slug>             num = the post's total, text = its title
 *                                   (the first one it was counted with)
 *   views-day    <day> SEP <slug>   num = that day's views
 *   milestone    <slug> SEP <milestone, 20 digits>
 *                                   text = {slug,title,milestone,totalViews,
 *                                   reachedAt}, stamp = reachedAt
 *   trending     latest, summary <period>:<start day>
 *                                   text = the JSON document, stamp = when
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "product/store/store_internal.h"

/* ------------------------------------------------------------------------ */
/* Views                                                                      */
/* ------------------------------------------------------------------------ */

static enum store_result read_total(struct store *s, const char *slug, int64_t *total)
{
    struct store_record post;
    CHECK(store_rec_get(s, "views-total", slug, &post));
    *total = post.num;
    store_record_clear(&post);
    return STORE_OK;
}

/* One attempt: *done false when another worker wrote the post or the event
 * meanwhile (nothing was written then). */
static enum store_result count_view(struct store *s, const char *slug, const char *title, const char *event_id,
                                    const char *day, int64_t now, int64_t *total, bool *counted, bool *done)
{
    struct store_record seen, post;
    CHECK(store_rec_get(s, "view-event", event_id, &seen));
    if (seen.version) { /* a repeat: the total the event brought the post to */
        *done = true;
        *total = seen.num;
        store_record_clear(&seen);
        return *total >= 0 ? STORE_OK : read_total(s, slug, total);
    }
    CHECK(store_rec_get(s, "views-total", slug, &post));
    char day_key[STORE_KEY_MAX];
    struct store_op ops[] = {
        {.op = STORE_OP_PUT, .kind = "view-event", .key = event_id, .cond = STORE_IF_ABSENT,
         .num = post.num + 1, .stamp = now, .expires_at = now + STORE_VIEW_DEDUP_SECONDS},
        /* the first title stays: a later view cannot rename the post */
        {.op = STORE_OP_PUT, .kind = "views-total", .key = slug, .text = post.text ? post.text : title,
         .num = post.num + 1},
        {.op = STORE_OP_ADD, .kind = "views-day", .key = store_key2(day_key, day, slug), .num = 1},
    };
    store_op_unchanged(&ops[1], &post);
    enum store_result r = store_rec_apply(s, ops, sizeof ops / sizeof ops[0], done);
    if (r == STORE_OK && *done) {
        *total = post.num + 1;
        *counted = true;
    }
    store_record_clear(&post);
    return r;
}

enum store_result store_record_view(struct store *s, const char *slug, const char *title,
                                    const char *event_id, const char *day, int64_t *total, bool *counted_now)
{
    int64_t t = 0;
    bool counted = false, done = false;
    if (total)
        *total = 0;
    if (counted_now)
        *counted_now = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "slug", slug));
    CHECK(store_max_len(s, "title", title, STORE_MAX_TEXT));
    CHECK(store_need_id(s, "event id", event_id));
    CHECK(store_need_day(s, "day", day));
    CHECK(store_ready(s));
    int64_t now = (int64_t)time(NULL);
    for (int i = 0; i < STORE_CAS_ATTEMPTS && !done; i++)
        CHECK(count_view(s, slug, title ? title : "", event_id, day, now, &t, &counted, &done));
    if (!done)
        return store_too_busy(s, "counting a view");
    if (total)
        *total = t;
    if (counted_now)
        *counted_now = counted;
    return STORE_OK;
}

enum store_result store_views_total(struct store *s, const char *slug, int64_t *total)
{
    *total = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "slug", slug));
    CHECK(store_ready(s));
    return read_total(s, slug, total);
}

/* Per-day counts from from_day to to_day (inclusive; NULL = no end):
 * [{day, slug, title, views}], ordered by day, then slug. */
static enum store_result view_rows(struct store *s, const char *from_day, const char *to_day, json_object **out)
{
    char to[STORE_KEY_MAX];
    if (to_day)
        snprintf(to, sizeof to, "%s" STORE_KEY_SEP_END, to_day);
    struct store_record *recs;
    size_t n;
    CHECK(store_rec_list(s, "views-day", from_day, to_day ? to : NULL, &recs, &n));
    json_object *rows = json_object_new_array(), *titles = json_object_new_object();
    enum store_result r = STORE_OK;
    for (size_t i = 0; i < n && r == STORE_OK; i++) {
        const char *sep = strchr(recs[i].key, STORE_KEY_SEP[0]);
        if (!sep)
            continue;
        const char *slug = sep + 1;
        json_object *title;
        if (!json_object_object_get_ex(titles, slug, &title)) {
            struct store_record post;
            r = store_rec_get(s, "views-total", slug, &post);
            title = json_object_new_string(post.text ? post.text : "");
            json_object_object_add(titles, slug, title);
            store_record_clear(&post);
        }
        json_object *row = json_object_new_object();
        json_object_object_add(row, "day", json_object_new_string_len(recs[i].key, (int)(sep - recs[i].key)));
        json_object_object_add(row, "slug", json_object_new_string(slug));
        json_object_object_add(row, "title", json_object_get(title));
        json_object_object_add(row, "views", json_object_new_int64(recs[i].num));
        json_object_array_add(rows, row);
    }
    store_records_free(recs, n);
    json_object_put(titles);
    if (r != STORE_OK) {
        json_object_put(rows);
        return r;
    }
    *out = rows;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Milestones                                                                 */
/* ------------------------------------------------------------------------ */

enum store_result store_record_milestone(struct store *s, const char *slug, const char *title, int64_t milestone,
                                         int64_t total_views, int64_t reached_at, bool *is_new)
{
    bool fresh = false;
    if (is_new)
        *is_new = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "slug", slug));
    CHECK(store_max_len(s, "title", title, STORE_MAX_TEXT));
    if (milestone <= 0 || total_views < 0)
        return store_bad(s, "%s must be positive", "the milestone and its total views");
    CHECK(store_ready(s));
    json_object *rec = json_object_new_object();
    json_object_object_add(rec, "slug", json_object_new_string(slug));
    json_object_object_add(rec, "title", json_object_new_string(title ? title : ""));
    json_object_object_add(rec, "milestone", json_object_new_int64(milestone));
    json_object_object_add(rec, "totalViews", json_object_new_int64(total_views));
    json_object_object_add(rec, "reachedAt", json_object_new_int64(reached_at));
    char number[24], key[STORE_KEY_MAX];
    snprintf(number, sizeof number, "%020lld", (long long)milestone); /* keys sort by milestone */
    struct store_op op = {.op = STORE_OP_PUT, .kind = "milestone", .key = store_key2(key, slug, number),
                          .cond = STORE_IF_ABSENT, .stamp = reached_at,
                          .text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN)};
    enum store_result r = store_rec_apply(s, &op, 1, &fresh);
    json_object_put(rec);
    if (is_new)
        *is_new = r == STORE_OK && fresh;
    return r;
}

static const char *member_string(json_object *o, const char *key)
{
    const char *str = store_member_string(o, key);
    return str ? str : "";
}

/* By reachedAt, then milestone, then slug. */
static int by_reached_at(const void *a, const void *b)
{
    json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
    int64_t ax = store_member_int(x, "reachedAt"), ay = store_member_int(y, "reachedAt");
    if (ax != ay)
        return ax < ay ? -1 : 1;
    int64_t mx = store_member_int(x, "milestone"), my = store_member_int(y, "milestone");
    if (mx != my)
        return mx < my ? -1 : 1;
    return strcmp(member_string(x, "slug"), member_string(y, "slug"));
}

/* Milestones of slug (NULL = every post) with from <= reachedAt <= to:
 * [{slug, title, milestone, totalViews, reachedAt (seconds)}]. */
static enum store_result milestone_rows(struct store *s, const char *slug, int64_t from, int64_t to,
                                        json_object **out)
{
    struct store_record *recs;
    size_t n;
    if (slug)
        CHECK(store_rec_list_under(s, "milestone", slug, &recs, &n));
    else
        CHECK(store_rec_list(s, "milestone", "", NULL, &recs, &n));
    json_object *rows = json_object_new_array();
    enum store_result r = STORE_OK;
    for (size_t i = 0; i < n; i++) {
        json_object *rec = store_rec_json(s, &recs[i], "milestone");
        if (!json_object_is_type(rec, json_type_object)) {
            json_object_put(rec);
            store_msg(s->error, "the stored milestone is not a JSON object (corrupt store)");
            r = STORE_FAILED;
            break;
        }
        int64_t at = store_member_int(rec, "reachedAt");
        if (at < from || at > to || (slug && strcmp(member_string(rec, "slug"), slug) != 0))
            json_object_put(rec);
        else
            json_object_array_add(rows, rec);
    }
    store_records_free(recs, n);
    if (r != STORE_OK) {
        json_object_put(rows);
        return r;
    }
    json_object_array_sort(rows, by_reached_at);
    *out = rows;
    return STORE_OK;
}

enum store_result store_list_milestones(struct store *s, const char *slug, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "slug", slug));
    CHECK(store_ready(s));
    CHECK(milestone_rows(s, slug, INT64_MIN, INT64_MAX, out));
    store_render_time_fields(*out, "reachedAt");
    return STORE_OK;
}

static enum store_result need_period(struct store *s, const char *period)
{
    if (!period || (strcmp(period, "daily") && strcmp(period, "weekly") && strcmp(period, "monthly")))
        return store_bad(s, "%s must be daily, weekly or monthly", "period");
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Tallies of view rows: trending lists and summaries                         */
/* ------------------------------------------------------------------------ */

struct tally {
    json_object *posts; /* slug → {slug, title, views} */
    json_object *days;  /* day → views, in day order */
    int64_t total;
};

static void tally_rows(json_object *rows, struct tally *t)
{
    t->posts = json_object_new_object();
    t->days = json_object_new_object();
    t->total = 0;
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i), *v;
        const char *slug = json_object_object_get_ex(row, "slug", &v) ? json_object_get_string(v) : "";
        const char *day = json_object_object_get_ex(row, "day", &v) ? json_object_get_string(v) : "";
        int64_t views = json_object_object_get_ex(row, "views", &v) ? json_object_get_int64(v) : 0;
        json_object *post;
        if (!json_object_object_get_ex(t->posts, slug, &post)) {
            post = json_object_new_object();
            json_object_object_add(post, "slug", json_object_new_string(slug));
            json_object_object_add(post, "title", json_object_object_get_ex(row, "title", &v)
                                                      ? json_object_get(v) : json_object_new_string(""));
            json_object_object_add(post, "views", json_object_new_int64(0));
            json_object_object_add(t->posts, slug, post);
        }
        json_object *count;
        json_object_object_get_ex(post, "views", &count);
        json_object_int_inc(count, views);
        if (json_object_object_get_ex(t->days, day, &count))
            json_object_int_inc(count, views);
        else
            json_object_object_add(t->days, day, json_object_new_int64(views));
        t->total += views;
    }
}

static void tally_free(struct tally *t)
{
    json_object_put(t->posts);
    json_object_put(t->days);
}

static int64_t views_of(json_object *post)
{
    json_object *v;
    return json_object_object_get_ex(post, "views", &v) ? json_object_get_int64(v) : 0;
}

/* Most views first, then by slug, so that equal counts list the same way everywhere. */
static int by_views_then_slug(const void *a, const void *b)
{
    json_object *pa = *(json_object *const *)a, *pb = *(json_object *const *)b;
    int64_t va = views_of(pa), vb = views_of(pb);
    if (va != vb)
        return va > vb ? -1 : 1;
    json_object *sa, *sb;
    json_object_object_get_ex(pa, "slug", &sa);
    json_object_object_get_ex(pb, "slug", &sb);
    return strcmp(json_object_get_string(sa), json_object_get_string(sb));
}

/* The `limit` first posts of a tally, as a new array. */
static json_object *top_of(const struct tally *t, int limit)
{
    json_object *all = json_object_new_array();
    json_object_object_foreach(t->posts, slug, post) {
        (void)slug;
        json_object_array_add(all, json_object_get(post));
    }
    json_object_array_sort(all, by_views_then_slug);
    json_object *top = json_object_new_array();
    size_t n = json_object_array_length(all);
    for (size_t i = 0; i < n && (int)i < limit; i++)
        json_object_array_add(top, json_object_get(json_object_array_get_idx(all, i)));
    json_object_put(all);
    return top;
}

enum store_result store_top_posts(struct store *s, const char *since_day, int limit, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_day(s, "since day", since_day));
    if (limit < 1 || limit > 1000)
        return store_bad(s, "%s must be between 1 and 1000", "limit");
    CHECK(store_ready(s));
    json_object *rows = NULL;
    CHECK(view_rows(s, since_day, NULL, &rows));
    struct tally t;
    tally_rows(rows, &t);
    *out = top_of(&t, limit);
    tally_free(&t);
    json_object_put(rows);
    return STORE_OK;
}

enum store_result store_compute_summary(struct store *s, const char *period, const char *start_date,
                                        const char *end_date, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_period(s, period));
    CHECK(store_need_day(s, "start date", start_date));
    CHECK(store_need_day(s, "end date", end_date));
    if (strcmp(start_date, end_date) > 0)
        return store_bad(s, "%s must not be after the end date", "the start date");
    int64_t from, to;
    store_parse_time(start_date, &from);
    store_parse_time(end_date, &to);
    to += 86400 - 1;
    CHECK(store_ready(s));

    json_object *rows = NULL, *milestones = NULL;
    CHECK(view_rows(s, start_date, end_date, &rows));
    enum store_result r = milestone_rows(s, NULL, from, to, &milestones);
    if (r != STORE_OK) {
        json_object_put(rows);
        return r;
    }
    store_render_time_fields(milestones, "reachedAt");
    struct tally t;
    tally_rows(rows, &t);
    json_object *sum = json_object_new_object();
    json_object_object_add(sum, "period", json_object_new_string(period));
    json_object_object_add(sum, "startDate", json_object_new_string(start_date));
    json_object_object_add(sum, "endDate", json_object_new_string(end_date));
    json_object_object_add(sum, "totalViews", json_object_new_int64(t.total));
    json_object_object_add(sum, "uniquePosts", json_object_new_int64(json_object_object_length(t.posts)));
    json_object_object_add(sum, "topPosts", top_of(&t, 10));
    json_object_object_add(sum, "viewsByDay", json_object_get(t.days));
    json_object_object_add(sum, "milestones", milestones);
    tally_free(&t);
    json_object_put(rows);
    *out = sum;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Stored documents: the trending list and summaries                          */
/* ------------------------------------------------------------------------ */

enum store_result store_put_trending(struct store *s, json_object *list, int64_t computed_at)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    if (!json_object_is_type(list, json_type_array))
        return store_bad(s, "%s must be a JSON array", "the trending list");
    return store_doc_put(s, "trending", "latest", "the trending list", list, computed_at);
}

enum store_result store_get_trending(struct store *s, json_object **list, int64_t *computed_at)
{
    *list = NULL;
    if (computed_at)
        *computed_at = 0;
    CHECK(s ? STORE_OK : STORE_RETRY);
    return store_doc_get(s, "trending", "latest", list, computed_at);
}

enum store_result store_put_summary(struct store *s, const char *period, const char *start_date,
                                    json_object *summary)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_period(s, period));
    CHECK(store_need_day(s, "start date", start_date));
    if (!json_object_is_type(summary, json_type_object))
        return store_bad(s, "%s must be a JSON object", "the summary");
    char key[64];
    snprintf(key, sizeof key, "%s:%s", period, start_date);
    return store_doc_put(s, "summary", key, "the summary", summary, (int64_t)time(NULL));
}

enum store_result store_get_summary(struct store *s, const char *period, const char *start_date,
                                    json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(need_period(s, period));
    CHECK(store_need_day(s, "start date", start_date));
    char key[64];
    snprintf(key, sizeof key, "%s:%s", period, start_date);
    return store_doc_get(s, "summary", key, out, NULL);
}
