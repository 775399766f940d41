/*
 * stripe.c — what happens after Stripe's webhooks reach us (functions/README.md §2.1:
 * process-checkout-completed, process-payment-succeeded,
 * process-payment-failed; and the subscription's own lifecycle:
 * process-subscription-event, process-invoice-event,
 * process-checkout-async-payment).  The route verified the signature and
 * queued the Stripe object as event data, with the Stripe event's id and
 * `created` time; these functions only store what it says.
 *
 * Subscriptions are kept as Stripe models them (store.h): one row per Stripe
 * subscription, linked to its customer and user, its status changed only by
 * a newer fact.  Stripe's own status (customer.subscription.*) is taken as
 * is; invoices and checkouts imply one (derived): paid → active; a failed
 * first payment → incomplete, a failed renewal → past_due; a payment intent
 * of a known invoice does the same.  A one-off checkout or a payment with no
 * invoice touches no subscription.  Every write is an upsert, de-duplicated by
 * the payment intent id, or ordered by Stripe's time, so a redelivered webhook,
 * a retried step or events in any order end in the same state.  Log lines
 * name ids and statuses only: never a card detail, an email or a whole object.
 */
#include <string.h>
#include <time.h>

#include "product/product.h"
#include "product/store/store.h"

/* A Stripe reference: an id string, or an expanded object with an "id". */
static const char *stripe_ref(json_object *obj, const char *key)
{
    json_object *v = ing_json_get(obj, key);
    if (v && json_object_is_type(v, json_type_object))
        return ing_json_get_string(v, "id");
    return ing_json_get_string(obj, key);
}

/* A copy fit for a log line: ids come from outside, and a newline in one
 * must not forge a second line. */
static const char *printable(struct ing_ctx *c, const char *s)
{
    if (!s)
        return "(none)";
    char *out = ing_strdup(c, s);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return out;
}

/* An id we may store: 1..STORE_MAX_ID bytes, else NULL. */
static const char *usable_id(const char *s)
{
    return s && *s && strlen(s) <= STORE_MAX_ID ? s : NULL;
}

/* When Stripe created the event (data.created, set by the webhook route);
 * else when Inngest received it.  Orders the subscription's statuses. */
static int64_t stripe_time(struct ing_ctx *c)
{
    int64_t t = 0;
    if (ing_json_get_int(ing_event_data(c), "created", &t) && t > 0)
        return t;
    if (ing_json_get_int(ing_event(c), "ts", &t) && t > 0)
        return t / 1000;
    return (int64_t)time(NULL);
}

static const char *stripe_event_id(struct ing_ctx *c)
{
    const char *id = usable_id(ing_json_get_string(ing_event_data(c), "eventId"));
    return id ? id : usable_id(ing_json_get_string(ing_event(c), "id"));
}

/* Stores one subscription update inside a step; its output says what changed. */
static json_object *apply_update(struct ing_ctx *c, const struct store_subscription_update *u,
                                 const char *what)
{
    struct store *s = product_store(c);
    bool applied = false;
    store_check(c, s, store_update_subscription(s, u, &applied), what);
    return ing_json_pack(c, "{s:s?, s:s?, s:b}", "subscriptionId", u->subscription_id, "status", u->status,
                         "applied", applied);
}

/* The output of an update that was not made, and why. */
static json_object *not_applied(struct ing_ctx *c, const char *reason)
{
    return ing_json_pack(c, "{s:b, s:s}", "applied", false, "reason", reason);
}

/* The output of a log-* step. */
static json_object *logged(struct ing_ctx *c)
{
    return ing_json_pack(c, "{s:b}", "logged", true);
}

/* ---- process-checkout-completed ---------------------------------------- */

static json_object *validate_session(struct ing_ctx *c, void *arg)
{
    json_object *session = arg;
    if (!session || !json_object_is_type(session, json_type_object))
        ing_fail_nonretriable(c, "stripe/checkout.session.completed needs data.session (an object)");
    const char *user = ing_json_get_string(session, "client_reference_id");
    if (!user || !*user)
        user = ing_json_get_string(ing_json_get(session, "metadata"), "userId");
    if (!user || !*user)
        ing_fail_nonretriable(c, "the checkout session has no user id (neither client_reference_id "
                                 "nor metadata.userId)");
    if (strlen(user) > STORE_MAX_ID)
        ing_fail_nonretriable(c, "the checkout session's user id is longer than %d characters",
                              STORE_MAX_ID);
    const char *id = ing_json_get_string(session, "id");
    if (!id || !*id)
        ing_fail_nonretriable(c, "the checkout session has no id");
    /* "unpaid" means a delayed payment method: the subscription waits for it */
    const char *payment = ing_json_get_string(session, "payment_status");
    const char *subscription = stripe_ref(session, "subscription");
    if (subscription && strlen(subscription) > STORE_MAX_ID)
        ing_fail_nonretriable(c, "the checkout session's subscription id is longer than %d characters",
                              STORE_MAX_ID);
    return ing_json_pack(c, "{s:s, s:s, s:s?, s:s?, s:s}", "userId", user, "sessionId", id, "customerId",
                         stripe_ref(session, "customer"), "subscriptionId", subscription, "status",
                         payment && strcmp(payment, "unpaid") == 0 ? "incomplete" : "active");
}

struct checkout {
    json_object *session;   /* the event's, borrowed */
    json_object *validated; /* validate-session's output */
};

static json_object *update_subscription(struct ing_ctx *c, void *arg)
{
    const struct checkout *k = arg;
    json_object *v = k->validated;
    const char *user = ing_json_get_string(v, "userId");
    const char *customer = usable_id(ing_json_get_string(v, "customerId"));
    const char *subscription = usable_id(ing_json_get_string(v, "subscriptionId"));
    struct store *s = product_store(c);
    if (customer)
        store_check(c, s, store_link_customer(s, customer, user), "update-subscription");
    if (!subscription) /* a one-off purchase: the user's subscriptions are not this */
        return ing_json_pack(c, "{s:b}", "oneOff", true);
    struct store_subscription_update u = {
        .subscription_id = subscription, .customer_id = customer, .user_id = user,
        .status = ing_json_get_string(v, "status"), .at = stripe_time(c), .derived = true,
        .event_id = stripe_event_id(c)};
    return apply_update(c, &u, "update-subscription");
}

static json_object *log_success(struct ing_ctx *c, void *arg)
{
    json_object *v = arg;
    const char *sub = ing_json_get_string(v, "subscriptionId");
    ing_log(ING_LOG_INFO, "checkout completed: session %s, user %s, %s %s",
            printable(c, ing_json_get_string(v, "sessionId")), printable(c, ing_json_get_string(v, "userId")),
            sub ? printable(c, sub) : "one-off purchase", sub ? printable(c, ing_json_get_string(v, "status")) : "");
    return logged(c);
}

json_object *process_checkout_completed(struct ing_ctx *c)
{
    struct checkout k = {.session = ing_json_get(ing_event_data(c), "session")};
    k.validated = ing_step_run(c, "validate-session", validate_session, k.session);
    ing_step_run(c, "update-subscription", update_subscription, &k);
    ing_step_run(c, "log-success", log_success, k.validated);
    json_object *sub = ing_json_get(k.validated, "subscriptionId");
    return ing_json_pack(c, "{s:o, s:o, s:o}", "userId", ing_json_get(k.validated, "userId"), "subscriptionId",
                         sub, "status", sub ? ing_json_get(k.validated, "status") : NULL);
}

/* ---- payment intents ---------------------------------------------------- */

struct payment {
    const char *id, *currency, *customer, *status, *invoice;
    int64_t amount;
    const char *failure; /* last_payment_error.code, may be NULL */
};

static void read_payment(struct ing_ctx *c, const char *event, struct payment *p)
{
    json_object *pi = ing_json_get(ing_event_data(c), "paymentIntent");
    p->id = ing_json_get_string(pi, "id");
    if (!p->id || !*p->id || strlen(p->id) > STORE_MAX_ID)
        ing_fail_nonretriable(c, "%s needs data.paymentIntent.id", event);
    int64_t received = 0;
    if (!ing_json_get_int(pi, "amount", &p->amount))
        p->amount = 0;
    if (ing_json_get_int(pi, "amount_received", &received) && received > 0)
        p->amount = received;
    p->currency = ing_json_get_string(pi, "currency");
    if (!p->currency)
        p->currency = "";
    p->customer = stripe_ref(pi, "customer");
    p->status = ing_json_get_string(pi, "status");
    p->invoice = usable_id(stripe_ref(pi, "invoice"));
    json_object *err = ing_json_get(pi, "last_payment_error");
    p->failure = ing_json_get_string(err, "decline_code");
    if (!p->failure)
        p->failure = ing_json_get_string(err, "code");
}

static json_object *record_payment(struct ing_ctx *c, void *arg)
{
    const struct payment *p = arg;
    struct store *s = product_store(c);
    bool is_new = false;
    store_check(c, s,
                store_record_payment(s, p->id, p->amount, p->currency, p->customer,
                                     p->status ? p->status : "succeeded", &is_new),
                "record-payment");
    return ing_json_pack(c, "{s:s, s:b}", "paymentIntentId", p->id, "isNew", is_new);
}

/* What an invoice says about its subscription (stored by
 * process-invoice-event), so a payment intent of that invoice can act. */
static json_object *known_invoice(struct ing_ctx *c, struct store *s, const char *invoice, const char *what)
{
    json_object *doc = NULL;
    store_check(c, s, store_get_invoice(s, invoice, &doc), what);
    return doc ? ing_keep(c, doc) : NULL;
}

struct payment_effect {
    const struct payment *p;
    bool succeeded;
};

/* A payment intent of a subscription's invoice: paid restores access, failed
 * is a failed invoice payment.  Anything else (a one-off payment, an invoice
 * not seen yet, whose invoice.* event will say it) changes no subscription. */
static json_object *payment_effect(struct ing_ctx *c, const struct payment_effect *e, const char *step)
{
    json_object *inv = NULL;
    if (e->p->invoice)
        inv = known_invoice(c, product_store(c), e->p->invoice, step);
    const char *sub = usable_id(ing_json_get_string(inv, "subscriptionId"));
    if (!sub)
        return not_applied(c, e->p->invoice ? "the invoice is not known (yet)" : "not a subscription payment");
    const char *reason = ing_json_get_string(inv, "billingReason");
    struct store_subscription_update u = {
        .subscription_id = sub, .customer_id = usable_id(e->p->customer),
        .status = e->succeeded ? "active"
                  : reason && strcmp(reason, "subscription_create") == 0 ? "incomplete"
                                                                          : "past_due",
        .at = stripe_time(c), .derived = true, .event_id = stripe_event_id(c)};
    return apply_update(c, &u, step);
}

static json_object *restore_access(struct ing_ctx *c, void *arg)
{
    struct payment_effect e = {.p = arg, .succeeded = true};
    return payment_effect(c, &e, "restore-access");
}

static json_object *log_confirmation(struct ing_ctx *c, void *arg)
{
    const struct payment *p = arg;
    ing_log(ING_LOG_INFO, "payment succeeded: %s, %lld %s", printable(c, p->id), (long long)p->amount,
            printable(c, p->currency));
    return logged(c);
}

json_object *process_payment_succeeded(struct ing_ctx *c)
{
    struct payment p;
    read_payment(c, "stripe/payment_intent.succeeded", &p);
    json_object *rec = ing_step_run(c, "record-payment", record_payment, &p);
    json_object *restored = ing_step_run(c, "restore-access", restore_access, &p);
    ing_step_run(c, "log-confirmation", log_confirmation, &p);
    return ing_json_pack(c, "{s:s, s:o, s:o}", "paymentIntentId", p.id, "recorded", ing_json_get(rec, "isNew"),
                         "subscriptionUpdated", ing_json_get(restored, "applied"));
}

static json_object *mark_past_due(struct ing_ctx *c, void *arg)
{
    struct payment_effect e = {.p = arg, .succeeded = false};
    return payment_effect(c, &e, "mark-past-due");
}

static json_object *log_failure(struct ing_ctx *c, void *arg)
{
    const struct payment *p = arg;
    ing_log(ING_LOG_WARN, "payment failed: %s (%s)", printable(c, p->id),
            p->failure ? printable(c, p->failure) : "no reason given");
    return logged(c);
}

json_object *process_payment_failed(struct ing_ctx *c)
{
    struct payment p;
    read_payment(c, "stripe/payment_intent.payment_failed", &p);
    json_object *marked = ing_step_run(c, "mark-past-due", mark_past_due, &p);
    ing_step_run(c, "log-failure", log_failure, &p);
    return ing_json_pack(c, "{s:s, s:o}", "paymentIntentId", p.id, "subscriptionUpdated",
                         ing_json_get(marked, "applied"));
}

/* ---- process-subscription-event: customer.subscription.* ----------------- */

static json_object *object_of(struct ing_ctx *c, const char *event)
{
    json_object *o = ing_json_get(ing_event_data(c), "object");
    if (!o || !json_object_is_type(o, json_type_object))
        ing_fail_nonretriable(c, "%s needs data.object (the Stripe object)", event);
    return o;
}

static json_object *store_subscription_status(struct ing_ctx *c, void *arg)
{
    const struct store_subscription_update *u = arg;
    return apply_update(c, u, "store-subscription");
}

json_object *process_subscription_event(struct ing_ctx *c)
{
    const char *name = ing_json_get_string(ing_event(c), "name");
    json_object *sub = object_of(c, name ? name : "customer.subscription.*");
    struct store_subscription_update u = {
        .subscription_id = usable_id(ing_json_get_string(sub, "id")),
        .customer_id = usable_id(stripe_ref(sub, "customer")),
        .user_id = usable_id(ing_json_get_string(ing_json_get(sub, "metadata"), "userId")),
        .status = usable_id(ing_json_get_string(sub, "status")),
        .at = stripe_time(c), .derived = false, .event_id = stripe_event_id(c)};
    if (!u.subscription_id)
        ing_fail_nonretriable(c, "the subscription has no usable id");
    if (name && strcmp(name, "stripe/customer.subscription.deleted") == 0 && !u.status)
        u.status = "canceled";
    if (!u.status)
        ing_fail_nonretriable(c, "the subscription has no status");
    json_object *r = ing_step_run(c, "store-subscription", store_subscription_status, &u);
    return r;
}

/* ---- process-invoice-event: invoice.paid, invoice.payment_failed ---------- */

/* The subscription of an invoice: "subscription" (API versions before
 * 2025-03) or parent.subscription_details.subscription. */
static const char *invoice_subscription(json_object *inv)
{
    const char *sub = stripe_ref(inv, "subscription");
    if (!sub)
        sub = stripe_ref(ing_json_get(ing_json_get(inv, "parent"), "subscription_details"), "subscription");
    return usable_id(sub);
}

struct invoice {
    const char *id, *subscription, *customer, *billing_reason;
    bool paid;
};

static json_object *update_from_invoice(struct ing_ctx *c, void *arg)
{
    const struct invoice *i = arg;
    struct store *s = product_store(c);
    if (i->id) {
        /* remembered for the invoice's payment intents, which may come first or later */
        json_object *doc = ing_json_pack(c, "{s:s?, s:s?}", "subscriptionId", i->subscription, "billingReason",
                                         i->billing_reason);
        store_check(c, s, store_put_invoice(s, i->id, doc), "update-subscription");
    }
    bool first = i->billing_reason && strcmp(i->billing_reason, "subscription_create") == 0;
    struct store_subscription_update u = {
        .subscription_id = i->subscription, .customer_id = i->customer,
        .status = i->paid ? "active" : first ? "incomplete" : "past_due",
        .at = stripe_time(c), .derived = true, .event_id = stripe_event_id(c)};
    return apply_update(c, &u, "update-subscription");
}

json_object *process_invoice_event(struct ing_ctx *c)
{
    const char *name = ing_json_get_string(ing_event(c), "name");
    json_object *inv = object_of(c, name ? name : "invoice.*");
    struct invoice i = {.id = usable_id(ing_json_get_string(inv, "id")),
                        .subscription = invoice_subscription(inv),
                        .customer = usable_id(stripe_ref(inv, "customer")),
                        .billing_reason = usable_id(ing_json_get_string(inv, "billing_reason")),
                        .paid = name && strcmp(name, "stripe/invoice.paid") == 0};
    if (!i.subscription)
        return not_applied(c, "the invoice belongs to no subscription");
    return ing_step_run(c, "update-subscription", update_from_invoice, &i);
}

/* ---- process-checkout-async-payment --------------------------------------- */

struct async_checkout {
    const char *user, *customer, *subscription;
    bool succeeded;
};

static json_object *update_from_async(struct ing_ctx *c, void *arg)
{
    const struct async_checkout *k = arg;
    struct store *s = product_store(c);
    if (k->customer && k->user)
        store_check(c, s, store_link_customer(s, k->customer, k->user), "update-subscription");
    struct store_subscription_update u = {
        .subscription_id = k->subscription, .customer_id = k->customer, .user_id = k->user,
        .status = k->succeeded ? "active" : "incomplete",
        .at = stripe_time(c), .derived = true, .event_id = stripe_event_id(c)};
    return apply_update(c, &u, "update-subscription");
}

json_object *process_checkout_async_payment(struct ing_ctx *c)
{
    const char *name = ing_json_get_string(ing_event(c), "name");
    json_object *session = object_of(c, name ? name : "checkout.session.async_payment_*");
    struct async_checkout k = {
        .user = usable_id(ing_json_get_string(session, "client_reference_id")),
        .customer = usable_id(stripe_ref(session, "customer")),
        .subscription = usable_id(stripe_ref(session, "subscription")),
        .succeeded = name && strcmp(name, "stripe/checkout.session.async_payment_succeeded") == 0};
    if (!k.user)
        k.user = usable_id(ing_json_get_string(ing_json_get(session, "metadata"), "userId"));
    if (!k.subscription)
        return not_applied(c, "a one-off purchase: no subscription");
    return ing_step_run(c, "update-subscription", update_from_async, &k);
}
