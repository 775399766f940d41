/*
 * views_route.c — POST /api/views: the page-view beacon.  Validates
 * {slug, title, referrer?}, queues blog/post.viewed with viewedAt and the
 * visitor's region, answers 202 {"success":true} (functions/README.md §2.2).
 *
 * The region comes only from the X-Region request header, which nginx must
 * set itself (for example from GeoIP2: `fastcgi_param HTTP_X_REGION
 * $geoip2_country_code if_not_empty;`): a fastcgi_param named HTTP_X_REGION
 * also makes nginx drop an X-Region the client sent.  Without that line the
 * header is the client's word, so it is only ever a label for analytics, and
 * anything that is not a short code is ignored.
 * Beacons may arrive as text/plain (navigator.sendBeacon with a string), so
 * the content type is not checked.
 *
 * Anyone may send this beacon (issue 13, finding 7), so:
 *   - the title is a label, not markup: at most VALIDATE_MAX_TITLE characters, on
 *     one line, without < or > and without the Unicode controls that reorder
 *     or hide text (U+200B..U+200F, U+202A..U+202E, U+2060..U+2069, U+FEFF);
 *     and the store keeps the title a post was first seen with (a later
 *     beacon cannot rename a post);
 *   - views are counted against VIEWS_RATE_LIMIT per client and post (429
 *     with Retry-After past it), so no one client inflates a count.
 */
#include <string.h>

#include "product/product.h"
#include "product/routes/rate_limit.h"
#include "product/routes/route_io.h"
#include "product/routes/validate.h"

#define VIEWS_MAX_REFERRER 2048
#define VIEWS_MAX_REGION 64

/* "FR", "US-CA", "eu-west": letters, digits, '-' and '_', or NULL. */
static const char *region_of(const struct ing_http_request *req)
{
    const char *r = ing_http_header(req, "X-Region");
    if (!r)
        return NULL;
    size_t n = strlen(r);
    if (n == 0 || n > VIEWS_MAX_REGION)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= 'A' && r[i] <= 'Z') ||
              (r[i] >= '0' && r[i] <= '9') || r[i] == '-' || r[i] == '_'))
            return NULL;
    return r;
}

void views_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    json_object *view = route_post_object(req, res, NULL);
    if (!view)
        return;

    static const struct text_rule referrer_rule = {.max_chars = VIEWS_MAX_REFERRER, .optional = true};
    const char *slug, *title, *referrer;
    json_object *errors = ing_json_object(c);
    validate_field(c, view, "slug", &validate_slug_rule, &slug, errors);
    validate_field(c, view, "title", &validate_title_rule, &title, errors);
    validate_field(c, view, "referrer", &referrer_rule, &referrer, errors);
    if (!route_fields_ok(req, res, errors))
        return;

    const char *client_and_post[] = {rate_limit_client(req), slug, NULL};
    if (!rate_limit_allow(req, res, &rate_views, client_and_post))
        return;

    json_object *data = ing_json_object(c);
    ing_json_set(data, "slug", ing_json_string(c, slug));
    ing_json_set(data, "title", ing_json_string(c, title));
    ing_json_set(data, "viewedAt", ing_json_string(c, route_now_iso8601(c)));
    if (referrer)
        ing_json_set(data, "referrer", ing_json_string(c, referrer));
    const char *region = region_of(req);
    if (region)
        ing_json_set(data, "region", ing_json_string(c, region));
    route_queue(req, res, "blog/post.viewed", data, false);
}
