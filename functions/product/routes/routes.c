/*
 * routes.c — the product app's HTTP routes (functions/README.md §2.2, "validate,
 * queue, answer"), served by the same program next to /api/inngest.
 * One line per route; each handler lives in its own file.
 *
 * max_body is checked by the router against CONTENT_LENGTH before the body is
 * read (413 above it); each bound is the largest valid request plus room, so
 * a client can never make a worker hold more than that:
 *   /api/contact   64 KiB: 5,000 message characters written as JSON escapes
 *                  (up to 12 bytes each for astral characters) plus the name
 *                  and email.
 *   /api/views     16 KiB: a slug, a title and a referrer (2,048).
 *   /api/stripe/webhook  1 MiB: Stripe events are usually a few KB, with
 *                  expanded objects tens of KB; a 413 would be retried by
 *                  Stripe for days, so the bound errs high.
 *   /api/events    1 MiB: up to 100 events in one request, each bounded in
 *                  turn by the Event API (512 KiB per event by default).
 *   /api/readwise/accounts  4 KiB: a user id and a token.
 *   /api/hello     4 KiB: an optional email.
 *   /api/inngest/send  the relay again, under the path some backends use.
 *   GET routes     4 KiB: they read no body.
 *   /api/sessions  4 KiB: two ids and a time.
 *   /api/durable/views  16 KiB: the body of /api/views (a durable endpoint:
 *                  views_durable runs as an Inngest run, after its gate).
 *
 * Public routes (a browser on another site may call them: the contact form,
 * the view beacon and the public reads) run through route_public, which
 * answers CORS preflights and marks answers for CORS_ALLOWED_ORIGINS; the
 * others (Stripe, backends, admin) have no CORS at all.
 */
#include <stdlib.h>
#include <string.h>

#include "product/product.h"
#include "product/routes/rate_limit.h"
#include "product/routes/route_io.h"

#define KIB 1024u

#define PUBLIC(name, route)                                                                         \
    static void name(const struct ing_http_request *req, struct ing_http_response *res)            \
    {                                                                                               \
        route_public(req, res, route);                                                              \
    }
PUBLIC(public_contact, contact_route)
PUBLIC(public_contact_progress, contact_progress_route)
PUBLIC(public_views, views_route)
PUBLIC(public_views_read, views_read_route)
PUBLIC(public_trending, trending_route)
PUBLIC(public_summary, summary_route)
PUBLIC(public_github, github_route)

const struct ing_route product_routes[] = {
    {.path = "/api/contact", .handler = public_contact, .max_body = 64 * KIB},
    {.path = "/api/contact/progress", .handler = public_contact_progress, .max_body = 4 * KIB},
    {.path = "/api/views", .handler = public_views, .max_body = 16 * KIB},
    {.path = "/api/stripe/webhook", .handler = stripe_webhook_route, .max_body = 1024 * KIB},
    {.path = "/api/events", .handler = events_relay_route, .max_body = 1024 * KIB},
    {.path = "/api/inngest/send", .handler = events_relay_route, .max_body = 1024 * KIB},
    {.path = "/api/readwise/accounts", .handler = readwise_accounts_route, .max_body = 4 * KIB},
    {.path = "/api/hello", .handler = hello_route, .max_body = 4 * KIB},
    {.path = "/api/views/", .handler = public_views_read, .max_body = 4 * KIB, .prefix = true},
    {.path = "/api/trending", .handler = public_trending, .max_body = 4 * KIB},
    {.path = "/api/analytics/summary", .handler = public_summary, .max_body = 4 * KIB},
    {.path = "/api/github", .handler = public_github, .max_body = 4 * KIB},
    {.path = "/api/subscription", .handler = subscription_route, .max_body = 4 * KIB},
    {.path = "/api/readwise/", .handler = readwise_read_route, .max_body = 4 * KIB, .prefix = true},
    {.path = "/api/sessions", .handler = sessions_route, .max_body = 4 * KIB},
    {.path = "/api/durable/views", .handler = views_durable_gate, .durable = views_durable,
     .retries = ING_RETRIES(3), .max_body = 16 * KIB},
    {0},
};

/* Bearer tokens shorter than this are guessable. */
#define MIN_TOKEN_LENGTH 16

static void report_token(const char *name, const char *routes)
{
    const char *v = getenv(name);
    if (!v || !*v)
        ing_log(ING_LOG_WARN, "%s is not set: %s answer 503", name, routes);
    else if (strlen(v) < MIN_TOKEN_LENGTH)
        ing_log(ING_LOG_WARN, "%s is shorter than %d characters: use a long random value", name,
                MIN_TOKEN_LENGTH);
}

void routes_report_settings(void)
{
    const char *secret = getenv("STRIPE_WEBHOOK_SECRET");
    if (!secret || !*secret)
        ing_log(ING_LOG_WARN, "STRIPE_WEBHOOK_SECRET is not set: POST /api/stripe/webhook answers 503 "
                              "(it cannot verify Stripe's signatures)");
    else if (strncmp(secret, "whsec_", 6) != 0)
        ing_log(ING_LOG_WARN, "STRIPE_WEBHOOK_SECRET does not start with whsec_: Stripe's signatures "
                              "will not match (use the endpoint's signing secret, whole)");
    report_token("EVENTS_RELAY_TOKEN",
                 "POST /api/events, POST /api/inngest/send, GET /api/subscription and POST /api/sessions");
    report_token("ADMIN_TOKEN", "POST /api/readwise/accounts, GET /api/readwise/<userId> and DELETE /api/sessions");
    const char *allow = events_relay_allow_list();
    if (events_relay_allowed(allow, "stripe/checkout.session.completed"))
        ing_log(ING_LOG_WARN, "EVENTS_RELAY_ALLOW lets /api/events send stripe/ events: a holder of "
                              "EVENTS_RELAY_TOKEN can then act as Stripe without its signature");
    else
        ing_log(ING_LOG_DEBUG, "/api/events relays names starting with: %s", allow);
    rate_limit_report_settings();
    const char *cors = getenv("CORS_ALLOWED_ORIGINS");
    if (!cors || !*cors)
        ing_log(ING_LOG_INFO, "CORS_ALLOWED_ORIGINS is not set: the public routes allow no other origin");
    if (getenv("PRODUCT_TEST_DROP_ANSWER"))
        ing_log(ING_LOG_WARN, "PRODUCT_TEST_DROP_ANSWER is set: a test-only fault point ends workers after "
                              "some steps (in dev mode only); never set it in production");
}
