/*
 * durable_views_route.c — POST /api/durable/views: a page view counted while
 * the page waits, as a durable endpoint (handler/PROTOCOL.md §21).  Where
 * POST /api/views queues blog/post.viewed and answers 202, this one answers
 * the post's new total and its milestones so far: {"slug","total","counted",
 * "milestones":[…]}, for a page that shows its count as it renders.
 *
 * Its gate (views_durable_gate) is the beacon's checks, with the same answers:
 * POST only, {slug, title} valid as for /api/views (400 with the fields), and
 * VIEWS_RATE_LIMIT per client and post (429).  Only a request that passes
 * starts a run.  The run's two steps:
 *   increment-views  records the view with the run id as its event id, so a
 *                    retried step never counts it twice;
 *   milestones       the milestones the post has reached.
 * When the store cannot be reached, increment-views fails and is retried by
 * Inngest: the client is redirected to the run's output and gets the total
 * once the store is back.
 */
#include <string.h>

#include "product/product.h"
#include "product/routes/rate_limit.h"
#include "product/routes/route_io.h"
#include "product/routes/validate.h"
#include "product/store/store.h"

struct durable_view {
    const char *slug, *title;
};

/* The view in the body into *v; false with the reasons in errors (an object). */
static bool read_view(struct ing_ctx *c, json_object *body, struct durable_view *v, json_object *errors)
{
    validate_field(c, body, "slug", &validate_slug_rule, &v->slug, errors);
    validate_field(c, body, "title", &validate_title_rule, &v->title, errors);
    return json_object_object_length(errors) == 0;
}

void views_durable_gate(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    json_object *body = route_post_object(req, res, NULL);
    if (!body)
        return;
    struct durable_view v;
    json_object *errors = ing_json_object(c);
    read_view(c, body, &v, errors);
    if (!route_fields_ok(req, res, errors))
        return;
    const char *client_and_post[] = {rate_limit_client(req), v.slug, NULL};
    rate_limit_allow(req, res, &rate_views, client_and_post);
    /* res->status stays 0 when the view may be counted: the run starts */
}

static json_object *increment_views(struct ing_ctx *c, void *arg)
{
    const struct durable_view *v = arg;
    struct store *s = product_store(c);
    int64_t total = 0;
    bool counted = false;
    const char *day = ing_strdup(c, route_now_iso8601(c));
    if (strlen(day) >= 10)
        ((char *)day)[10] = '\0'; /* YYYY-MM-DD */
    store_check(c, s, store_record_view(s, v->slug, v->title, ing_run_id(c), day, &total, &counted),
                "increment-views");
    return ing_json_pack(c, "{s:I, s:b}", "total", total, "counted", counted);
}

static json_object *list_milestones(struct ing_ctx *c, void *arg)
{
    const struct durable_view *v = arg;
    struct store *s = product_store(c);
    json_object *list = NULL;
    store_check(c, s, store_list_milestones(s, v->slug, &list), "milestones");
    return ing_keep(c, list);
}

json_object *views_durable(struct ing_ctx *c, const struct ing_http_request *req)
{
    json_object *body = NULL;
    struct durable_view v;
    json_object *errors = ing_json_object(c);
    /* the gate has checked it; the executor's calls replay the same body */
    if (!ing_json_parse_strict(c, req->body, req->body_len, &body) || !read_view(c, body, &v, errors))
        ing_fail_nonretriable(c, "the view is not valid: %s", json_object_to_json_string(errors));
    json_object *counted = ing_step_run(c, "increment-views", increment_views, &v);
    json_object *milestones = ing_step_run(c, "milestones", list_milestones, &v);
    return ing_json_pack(c, "{s:s, s:o, s:o, s:o}", "slug", v.slug, "total", ing_json_get(counted, "total"),
                         "counted", ing_json_get(counted, "counted"), "milestones", milestones);
}
