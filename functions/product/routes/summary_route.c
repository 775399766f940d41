/*
 * summary_route.c — GET /api/analytics/summary?date=YYYY-MM-DD[&period=
 * daily|weekly|monthly]: the summary generate-analytics-summary stored for
 * the period starting that day (daily by default).  200 the summary; 400 for
 * a malformed date or period; 404 when none was stored.  Public, cached for
 * five minutes.
 */
#include <string.h>

#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"

void summary_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_is_get(req, res))
        return;
    bool bad = false;
    const char *date = route_query(req, res, "date", 10, &bad);
    if (bad)
        return;
    const char *period = route_query(req, res, "period", 8, &bad);
    if (bad)
        return;
    if (!period)
        period = "daily";
    if (strcmp(period, "daily") != 0 && strcmp(period, "weekly") != 0 && strcmp(period, "monthly") != 0) {
        route_fail(req, res, 400, "period must be daily, weekly or monthly");
        return;
    }
    int64_t t;
    if (!date || strlen(date) != 10 || !store_parse_time(date, &t)) {
        route_fail(req, res, 400, "date must be a day, YYYY-MM-DD");
        return;
    }
    struct store *s = product_store(c);
    json_object *summary = NULL;
    enum store_result r = store_get_summary(s, period, date, &summary);
    if (!route_found(req, res, s, r, summary != NULL, "no summary was generated for this period"))
        return;
    route_ok(res, ing_keep(c, summary), "Cache-Control: public, max-age=300");
}
