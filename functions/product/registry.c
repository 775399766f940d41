/*
 * registry.c — the product app's dispatch table: one line per function, and
 * the app definition (its table, its routes, its start-up report and its
 * per-worker store).  Adding a function is: write it in its area's file,
 * declare it in product.h, add its line here.
 *
 * The start-up report names each missing optional setting once, by name and
 * with what stops working; it never prints a value (keys, tokens, a Redis URL
 * with its password).
 */
#include <stdlib.h>

#include "inngest.h"
#include "product/product.h"
#include "product/store/store.h"

static const struct ing_function product_functions[] = {
    {.id = "hello-world", .name = "Hello world",
     .triggers = {ING_EVENT("test/hello.world")}, .handler = hello_world},

    {.id = "contact-form-submitted", .name = "Contact form submitted",
     .triggers = {ING_EVENT("contact/form.submitted")}, .retries = ING_RETRIES(3),
     .handler = contact_form_submitted, .on_failure = contact_form_failed},

    {.id = "track-post-view", .name = "Track post view",
     .triggers = {ING_EVENT("blog/post.viewed")}, .handler = track_post_view},
    {.id = "handle-milestone", .name = "Handle view milestone",
     .triggers = {ING_EVENT("blog/milestone.reached")}, .handler = handle_milestone},
    {.id = "calculate-trending", .name = "Calculate trending posts",
     .triggers = {ING_CRON("0 * * * *")}, .handler = calculate_trending},
    {.id = "generate-analytics-summary", .name = "Generate analytics summary",
     .triggers = {ING_EVENT("analytics/summary.generate")}, .handler = generate_analytics_summary},
    {.id = "daily-analytics-summary", .name = "Daily analytics summary",
     .triggers = {ING_CRON("0 0 * * *")}, .handler = daily_analytics_summary},
    {.id = "weekly-analytics-summary", .name = "Weekly analytics summary",
     .triggers = {ING_CRON("0 1 * * 1")}, .handler = weekly_analytics_summary},
    {.id = "monthly-analytics-summary", .name = "Monthly analytics summary",
     .triggers = {ING_CRON("0 2 1 * *")}, .handler = monthly_analytics_summary},

    {.id = "process-checkout-completed", .name = "Process completed checkout",
     .triggers = {ING_EVENT("stripe/checkout.session.completed")}, .retries = ING_RETRIES(3),
     .handler = process_checkout_completed},
    {.id = "process-payment-succeeded", .name = "Process successful payment",
     .triggers = {ING_EVENT("stripe/payment_intent.succeeded")}, .handler = process_payment_succeeded},
    {.id = "process-payment-failed", .name = "Process failed payment",
     .triggers = {ING_EVENT("stripe/payment_intent.payment_failed")}, .handler = process_payment_failed},
    {.id = "process-subscription-event", .name = "Process subscription change",
     .triggers = {ING_EVENT("stripe/customer.subscription.created"),
                  ING_EVENT("stripe/customer.subscription.updated"),
                  ING_EVENT("stripe/customer.subscription.deleted")},
     .retries = ING_RETRIES(3), .handler = process_subscription_event},
    {.id = "process-invoice-event", .name = "Process invoice payment",
     .triggers = {ING_EVENT("stripe/invoice.paid"), ING_EVENT("stripe/invoice.payment_failed")},
     .retries = ING_RETRIES(3), .handler = process_invoice_event},
    {.id = "process-checkout-async-payment", .name = "Process delayed checkout payment",
     .triggers = {ING_EVENT("stripe/checkout.session.async_payment_succeeded"),
                  ING_EVENT("stripe/checkout.session.async_payment_failed")},
     .retries = ING_RETRIES(3), .handler = process_checkout_async_payment},

    {.id = "refresh-github-data", .name = "Refresh GitHub data",
     .triggers = {ING_CRON("*/5 * * * *")}, .handler = refresh_github_data},
    {.id = "manual-refresh-github-data", .name = "Refresh GitHub data (manual)",
     .triggers = {ING_EVENT("github/data.refresh")}, .handler = manual_refresh_github_data},

    {.id = "session-cleanup", .name = "Clean up expired sessions",
     .triggers = {ING_CRON("0 * * * *")}, .handler = session_cleanup},

    {.id = "readwise-count-books", .name = "Count Readwise books",
     .triggers = {ING_EVENT("readwise/fetch-books")}, .handler = readwise_count_books},
    {.id = "readwise-daily-sync", .name = "Readwise daily sync",
     /* the cron only in production, so previews and local runs never fire it */
     .triggers = {{.cron = "TZ=UTC 0 3 * * *", .production_only = true},
                  ING_EVENT("readwise/sync.requested")},
     .handler = readwise_daily_sync},

    /* one email per failing function per hour; the rest are dropped */
    {.id = "alert-function-failed", .name = "Alert the owner of a failed function",
     .triggers = {ING_EVENT("inngest/function.failed")},
     .rate_limit = {.limit = 1, .period = "1h", .key = "event.data.function_id"},
     .handler = alert_function_failed},
};

static bool is_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
}

static void report_group(const char *const names[], const char *feature)
{
    for (const char *const *n = names; *n; n++)
        if (!is_set(*n))
            ing_log(ING_LOG_WARN, "%s is not set: %s", *n, feature);
}

static void report_settings(void)
{
    static const char *const email[] = {"RESEND_API_KEY", "CONTACT_TO_EMAIL", "CONTACT_FROM_EMAIL", NULL};
    static const char *const github[] = {"GITHUB_TOKEN", "GITHUB_USERNAME", NULL};
    report_group(email, "contact-form-submitted cannot send email (its steps fail, naming it)");
    report_group(github, "refresh-github-data completes with {\"skipped\":true}");
    if (!is_set("READWISE_API_BASE_URL"))
        ing_log(ING_LOG_INFO, "READWISE_API_BASE_URL is not set: Readwise is reached at its public API");
    if (is_set("REDIS_URL"))
        ing_log(ING_LOG_INFO, "store: Redis (REDIS_URL)");
    else if (is_set("DATABASE_PATH"))
        ing_log(ING_LOG_INFO, "store: SQLite (DATABASE_PATH)");
    else
        ing_log(ING_LOG_INFO, "store: SQLite at " STORE_DEFAULT_DATABASE_PATH " (DATABASE_PATH is not set)");
    routes_report_settings();
}

const struct ing_app ing_app_definition = {
    .default_app_id = "inngest-fcgi",
    .functions = product_functions,
    .function_count = ING_COUNT(product_functions),
    .routes = product_routes, /* ends with an empty entry */
    .on_start = report_settings,
    .worker_start = product_store_start,
    .worker_stop = product_store_stop,
    .version = ING_SDK_VERSION, /* the product app ships with the SDK */
};
