/*
 * stripe.c — what happens after Stripe's webhooks reach us (functions/README.md §2.1:
 * process-checkout-completed, process-payment-succeeded,
 * process-payment-failed).  The route verified the signature and queued the
 * Stripe object as event data; these functions only store what it says.
 *
 * Every write is an upsert or de-duplicated by the payment intent id, so a
 * redelivered webhook or a retried step changes nothing twice.  Log lines name
 * ids and statuses only: never a card detail, an email or a whole object.
 */
#include <string.h>

#include "product.h"
#include "store.h"

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

static json_object *nullable_string(struct ing_ctx *c, const char *s)
{
    return s ? ing_json_string(c, s) : NULL;
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
    json_object *out = ing_json_object(c);
    ing_json_set(out, "userId", ing_json_string(c, user));
    ing_json_set(out, "sessionId", ing_json_string(c, id));
    ing_json_set(out, "customerId", nullable_string(c, stripe_ref(session, "customer")));
    ing_json_set(out, "subscriptionId", nullable_string(c, stripe_ref(session, "subscription")));
    ing_json_set(out, "status", ing_json_string(c, payment && strcmp(payment, "unpaid") == 0
                                                       ? "incomplete"
                                                       : "active"));
    return out;
}

struct checkout {
    json_object *session;   /* the event's, borrowed */
    json_object *validated; /* validate-session's output */
};

static json_object *update_subscription(struct ing_ctx *c, void *arg)
{
    const struct checkout *k = arg;
    json_object *v = k->validated;
    struct store *s = product_store(c);
    store_check(c, s,
                store_put_subscription(s, ing_json_get_string(v, "userId"),
                                       ing_json_get_string(v, "sessionId"),
                                       ing_json_get_string(v, "customerId"),
                                       ing_json_get_string(v, "subscriptionId"),
                                       ing_json_get_string(v, "status"), k->session),
                "update-subscription");
    json_object *out = ing_json_object(c);
    ing_json_set(out, "stored", ing_json_bool(c, true));
    return out;
}

static json_object *log_success(struct ing_ctx *c, void *arg)
{
    json_object *v = arg;
    ing_log(ING_LOG_INFO, "checkout completed: session %s, user %s, subscription %s",
            printable(c, ing_json_get_string(v, "sessionId")),
            printable(c, ing_json_get_string(v, "userId")), printable(c, ing_json_get_string(v, "status")));
    json_object *out = ing_json_object(c);
    ing_json_set(out, "logged", ing_json_bool(c, true));
    return out;
}

json_object *process_checkout_completed(struct ing_ctx *c)
{
    struct checkout k = {.session = ing_json_get(ing_event_data(c), "session")};
    k.validated = ing_step_run(c, "validate-session", validate_session, k.session);
    ing_step_run(c, "update-subscription", update_subscription, &k);
    ing_step_run(c, "log-success", log_success, k.validated);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "userId", ing_json_get(k.validated, "userId"));
    ing_json_set(out, "status", ing_json_get(k.validated, "status"));
    return out;
}

/* ---- payment intents ---------------------------------------------------- */

struct payment {
    const char *id, *currency, *customer, *status;
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
    json_object *out = ing_json_object(c);
    ing_json_set(out, "paymentIntentId", ing_json_string(c, p->id));
    ing_json_set(out, "isNew", ing_json_bool(c, is_new));
    return out;
}

static json_object *log_confirmation(struct ing_ctx *c, void *arg)
{
    const struct payment *p = arg;
    ing_log(ING_LOG_INFO, "payment succeeded: %s, %lld %s", printable(c, p->id), (long long)p->amount,
            printable(c, p->currency));
    json_object *out = ing_json_object(c);
    ing_json_set(out, "logged", ing_json_bool(c, true));
    return out;
}

json_object *process_payment_succeeded(struct ing_ctx *c)
{
    struct payment p;
    read_payment(c, "stripe/payment_intent.succeeded", &p);
    json_object *rec = ing_step_run(c, "record-payment", record_payment, &p);
    ing_step_run(c, "log-confirmation", log_confirmation, &p);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "paymentIntentId", ing_json_string(c, p.id));
    ing_json_set(out, "recorded", ing_json_get(rec, "isNew"));
    return out;
}

static json_object *mark_past_due(struct ing_ctx *c, void *arg)
{
    const struct payment *p = arg;
    json_object *out = ing_json_object(c);
    if (!p->customer) {
        /* a guest payment: no subscription can be behind it */
        ing_json_set(out, "updated", ing_json_int(c, 0));
        ing_json_set(out, "reason", ing_json_string(c, "the payment intent has no customer"));
        return out;
    }
    struct store *s = product_store(c);
    int64_t updated = 0;
    store_check(c, s, store_mark_past_due(s, p->customer, &updated), "mark-past-due");
    ing_json_set(out, "updated", ing_json_int(c, updated));
    return out;
}

static json_object *log_failure(struct ing_ctx *c, void *arg)
{
    const struct payment *p = arg;
    ing_log(ING_LOG_WARN, "payment failed: %s (%s)", printable(c, p->id),
            p->failure ? printable(c, p->failure) : "no reason given");
    json_object *out = ing_json_object(c);
    ing_json_set(out, "logged", ing_json_bool(c, true));
    return out;
}

json_object *process_payment_failed(struct ing_ctx *c)
{
    struct payment p;
    read_payment(c, "stripe/payment_intent.payment_failed", &p);
    json_object *marked = ing_step_run(c, "mark-past-due", mark_past_due, &p);
    ing_step_run(c, "log-failure", log_failure, &p);
    json_object *out = ing_json_object(c);
    ing_json_set(out, "paymentIntentId", ing_json_string(c, p.id));
    ing_json_set(out, "subscriptionsPastDue", ing_json_get(marked, "updated"));
    return out;
}
