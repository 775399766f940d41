/*
 * product.h — the product app's functions and routes, one file per area.
 */
#ifndef PRODUCT_H
#define PRODUCT_H

#include <stdbool.h>
#include <stddef.h>

#include "inngest.h"

/* hello.c */
json_object *hello_world(struct ing_ctx *c);
void hello_route(const struct ing_http_request *req, struct ing_http_response *res);

/* routes.c: the route table, ending with an empty entry */
extern const struct ing_route product_routes[];

/* workflows: one file per area (functions/README.md §2.1); registry.c lists them */
json_object *contact_form_submitted(struct ing_ctx *c);     /* contact.c */
json_object *contact_form_failed(struct ing_ctx *c);        /* contact.c (onFailure) */
json_object *track_post_view(struct ing_ctx *c);            /* analytics.c */
json_object *handle_milestone(struct ing_ctx *c);
json_object *calculate_trending(struct ing_ctx *c);
json_object *generate_analytics_summary(struct ing_ctx *c);
json_object *daily_analytics_summary(struct ing_ctx *c);
json_object *weekly_analytics_summary(struct ing_ctx *c);
json_object *monthly_analytics_summary(struct ing_ctx *c);
json_object *process_checkout_completed(struct ing_ctx *c); /* stripe.c */
json_object *process_payment_succeeded(struct ing_ctx *c);
json_object *process_payment_failed(struct ing_ctx *c);
json_object *process_subscription_event(struct ing_ctx *c);
json_object *process_invoice_event(struct ing_ctx *c);
json_object *process_checkout_async_payment(struct ing_ctx *c);
json_object *refresh_github_data(struct ing_ctx *c);        /* github.c */
json_object *manual_refresh_github_data(struct ing_ctx *c);
json_object *session_cleanup(struct ing_ctx *c);            /* maintenance.c */
json_object *readwise_count_books(struct ing_ctx *c);       /* readwise.c */
json_object *readwise_daily_sync(struct ing_ctx *c);
json_object *alert_function_failed(struct ing_ctx *c);      /* alerts.c */

/* routes: one handler per file (functions/<name>.c), each answering as
 * route_io.h describes */
void contact_route(const struct ing_http_request *req, struct ing_http_response *res);
void contact_progress_route(const struct ing_http_request *req, struct ing_http_response *res);
void views_route(const struct ing_http_request *req, struct ing_http_response *res);
/* durable_views_route.c: POST /api/durable/views, a durable endpoint and its gate */
void views_durable_gate(const struct ing_http_request *req, struct ing_http_response *res);
json_object *views_durable(struct ing_ctx *c, const struct ing_http_request *req);
void stripe_webhook_route(const struct ing_http_request *req, struct ing_http_response *res);
void events_relay_route(const struct ing_http_request *req, struct ing_http_response *res);
/* events_relay.c: EVENTS_RELAY_ALLOW or its default, and the prefix match */
const char *events_relay_allow_list(void);
bool events_relay_allowed(const char *allow, const char *name);
void readwise_accounts_route(const struct ing_http_request *req, struct ing_http_response *res);
/* read routes: what the workflows computed */
void views_read_route(const struct ing_http_request *req, struct ing_http_response *res);
void trending_route(const struct ing_http_request *req, struct ing_http_response *res);
void summary_route(const struct ing_http_request *req, struct ing_http_response *res);
void github_route(const struct ing_http_request *req, struct ing_http_response *res);
void subscription_route(const struct ing_http_request *req, struct ing_http_response *res);
void readwise_read_route(const struct ing_http_request *req, struct ing_http_response *res);
void sessions_route(const struct ing_http_request *req, struct ing_http_response *res);
/* routes.c: says once, at start, which routes are disabled by a missing
 * setting (by name, never a value); the app's on_start calls it */
void routes_report_settings(void);

#endif
