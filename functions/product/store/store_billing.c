/*
 * store_billing.c — Stripe over records: subscriptions (store.h's rule for
 * out-of-order statuses), the customer → user links, what invoices said,
 * and payments recorded once.
 *
 * Records:
 *   subscription   <subscription id>  text = {customerId, userId, status,
 *                                     statusAt, statusRank, eventId, updatedAt}
 *   customer       <customer id>      text = its user (none: not linked yet);
 *                                     every change of the customer's
 *                                     subscription index writes it too, so a
 *                                     link and an update of one customer never
 *                                     pass each other (see link_customer)
 *   customer-sub   <customer> SEP <subscription id>   text = the subscription id
 *   user-sub       <user> SEP <subscription id>       text = the subscription id
 *   invoice        <invoice id>       text = {subscriptionId, billingReason}
 *   payment        <payment intent id> text = {amount, currency, customer,
 *                                     status, recordedAt}
 * The index records are listed by prefix; a listed subscription is checked
 * against its own ids, so an id that contains SEP cannot borrow another's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "product/store/store_internal.h"

int store_status_rank(const char *status)
{
    static const struct {
        const char *status;
        int rank;
    } ranks[] = {
        {"incomplete", 1}, {"past_due", 2}, {"unpaid", 2}, {"trialing", 3}, {"active", 3},
        {"paused", 3}, {"canceled", 4}, {"incomplete_expired", 4},
    };
    for (size_t i = 0; status && i < sizeof ranks / sizeof ranks[0]; i++)
        if (strcmp(status, ranks[i].status) == 0)
            return ranks[i].rank;
    return 0;
}

/* A stored subscription, its strings pointing into the parsed record. */
struct sub {
    json_object *doc; /* owns the strings */
    const char *customer, *user, *status, *event_id;
    int64_t status_at, status_rank, updated_at;
};

static enum store_result read_sub(struct store *s, const struct store_record *r, struct sub *out)
{
    memset(out, 0, sizeof *out);
    if (!r->version)
        return STORE_OK;
    out->doc = store_rec_json(s, r, "subscription");
    if (!json_object_is_type(out->doc, json_type_object)) {
        json_object_put(out->doc);
        out->doc = NULL;
        store_msg(s->error, "the stored subscription is not a JSON object (corrupt store)");
        return STORE_FAILED;
    }
    out->customer = store_member_string(out->doc, "customerId");
    out->user = store_member_string(out->doc, "userId");
    out->status = store_member_string(out->doc, "status");
    out->event_id = store_member_string(out->doc, "eventId");
    out->status_at = store_member_int(out->doc, "statusAt");
    out->status_rank = store_member_int(out->doc, "statusRank");
    out->updated_at = store_member_int(out->doc, "updatedAt");
    return STORE_OK;
}

static json_object *string_or_null(const char *v)
{
    return v ? json_object_new_string(v) : NULL;
}

/* The stored form (with the rank) or the answer's form (with the id, times
 * rendered by the caller). */
static json_object *sub_json(const struct sub *x, const char *id)
{
    json_object *o = json_object_new_object();
    if (id)
        json_object_object_add(o, "subscriptionId", json_object_new_string(id));
    json_object_object_add(o, "customerId", string_or_null(x->customer));
    json_object_object_add(o, "userId", string_or_null(x->user));
    json_object_object_add(o, "status", string_or_null(x->status));
    json_object_object_add(o, "statusAt", json_object_new_int64(x->status_at));
    if (!id)
        json_object_object_add(o, "statusRank", json_object_new_int64(x->status_rank));
    json_object_object_add(o, "eventId", string_or_null(x->event_id));
    json_object_object_add(o, "updatedAt", json_object_new_int64(x->updated_at));
    return o;
}

/* A batch of at most a few operations, with room for the keys it makes. */
struct ops {
    struct store_op op[8];
    char keys[8][STORE_KEY_MAX];
    size_t n;
};

static struct store_op *add_op(struct ops *b, enum store_op_kind kind, const char *record_kind,
                               const char *a, const char *id)
{
    struct store_op *op = &b->op[b->n];
    memset(op, 0, sizeof *op);
    op->op = kind;
    op->kind = record_kind;
    op->key = store_key2(b->keys[b->n], a, id);
    b->n++;
    return op;
}

/* The customer record read for this attempt, conditioned: a CHECK when only
 * its user was read, an ADD of 0 (a new version) when the customer's index
 * changes, so that a concurrent link_customer reads again. */
static void guard_customer(struct ops *b, const char *customer, const struct store_record *rec, bool index_changed)
{
    struct store_op *op = &b->op[b->n++];
    memset(op, 0, sizeof *op);
    op->op = index_changed ? STORE_OP_ADD : STORE_OP_CHECK;
    op->kind = "customer";
    op->key = customer;
    store_op_unchanged(op, rec);
}

/* One attempt of store.h's rule; *done false when another worker wrote the
 * subscription or its customer meanwhile (nothing written then). */
static enum store_result update_once(struct store *s, const struct store_subscription_update *u, int rank,
                                     int64_t now, bool *applied, bool *done)
{
    struct store_record rec, cust = {0};
    struct sub cur;
    CHECK(store_rec_get(s, "subscription", u->subscription_id, &rec));
    enum store_result r = read_sub(s, &rec, &cur);
    if (r != STORE_OK) {
        store_record_clear(&rec);
        return r;
    }
    struct sub next = cur;
    struct ops b = {.n = 0};
    bool changed = !rec.version, customer_changed = false;
    if (u->customer_id && (!cur.customer || strcmp(cur.customer, u->customer_id) != 0)) {
        if (cur.customer)
            add_op(&b, STORE_OP_DELETE, "customer-sub", cur.customer, u->subscription_id);
        next.customer = u->customer_id;
        add_op(&b, STORE_OP_PUT, "customer-sub", next.customer, u->subscription_id)->text = u->subscription_id;
        changed = customer_changed = true;
    }
    const char *user = u->user_id;
    bool read_customer = next.customer && (customer_changed || (!user && !cur.user));
    if (read_customer)
        r = store_rec_get(s, "customer", next.customer, &cust);
    if (r == STORE_OK && read_customer) {
        if (!user && !cur.user)
            user = cust.text; /* the user a checkout linked the customer to, if any */
        guard_customer(&b, next.customer, &cust, customer_changed);
    }
    if (r == STORE_OK && user && (!cur.user || strcmp(cur.user, user) != 0)) {
        if (cur.user)
            add_op(&b, STORE_OP_DELETE, "user-sub", cur.user, u->subscription_id);
        next.user = user;
        add_op(&b, STORE_OP_PUT, "user-sub", user, u->subscription_id)->text = u->subscription_id;
        changed = true;
    }
    if (r == STORE_OK && u->status) {
        bool newer = !cur.status || u->at > cur.status_at || (u->at == cur.status_at && rank > cur.status_rank);
        bool final = cur.status && (!strcmp(cur.status, "canceled") || !strcmp(cur.status, "incomplete_expired"));
        if (newer && !(u->derived && final)) {
            next.status = u->status;
            next.status_at = u->at;
            next.status_rank = rank;
            next.event_id = u->event_id;
            *applied = changed = true;
        }
    }
    if (r == STORE_OK && !changed)
        *done = true; /* nothing to write */
    if (r == STORE_OK && changed) {
        next.updated_at = now;
        json_object *doc = sub_json(&next, NULL);
        struct store_op *put = &b.op[b.n++];
        memset(put, 0, sizeof *put);
        put->op = STORE_OP_PUT;
        put->kind = "subscription";
        put->key = u->subscription_id;
        put->text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
        store_op_unchanged(put, &rec);
        r = store_rec_apply(s, b.op, b.n, done);
        json_object_put(doc);
        if (!*done)
            *applied = false;
    }
    json_object_put(cur.doc);
    store_record_clear(&rec);
    store_record_clear(&cust);
    return r;
}

enum store_result store_update_subscription(struct store *s, const struct store_subscription_update *u,
                                            bool *applied)
{
    bool done = false, ok = false;
    if (applied)
        *applied = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    if (!u)
        return store_bad(s, "%s is missing", "the subscription update");
    CHECK(store_need_id(s, "subscription id", u->subscription_id));
    CHECK(store_max_len(s, "customer id", u->customer_id, STORE_MAX_ID));
    CHECK(store_max_len(s, "user id", u->user_id, STORE_MAX_ID));
    CHECK(store_max_len(s, "status", u->status, STORE_MAX_ID));
    CHECK(store_max_len(s, "event id", u->event_id, STORE_MAX_ID));
    if (u->at < 0)
        return store_bad(s, "%s must not be negative", "the event time");
    struct store_subscription_update clean = *u;
    clean.customer_id = store_or_null(u->customer_id);
    clean.user_id = store_or_null(u->user_id);
    clean.status = store_or_null(u->status);
    clean.event_id = store_or_null(u->event_id);
    CHECK(store_ready(s));
    /* at the same second: the later stage, and at the same stage Stripe's
     * own status over one inferred from an invoice or a checkout */
    int rank = store_status_rank(clean.status) * 2 + (clean.derived ? 0 : 1);
    int64_t now = (int64_t)time(NULL);
    for (int i = 0; i < STORE_CAS_ATTEMPTS && !done; i++) {
        ok = false;
        CHECK(update_once(s, &clean, rank, now, &ok, &done));
    }
    if (!done)
        return store_too_busy(s, "storing a subscription");
    if (applied)
        *applied = ok;
    return STORE_OK;
}

/* One attempt: the customer's user, and every subscription of the customer
 * without a user gets it.  The batch is conditioned on the customer record,
 * which every change of the customer's index rewrites: a subscription that
 * joins the customer meanwhile makes this attempt read again. */
static enum store_result link_once(struct store *s, const char *customer_id, const char *user_id, bool *done)
{
    struct store_record cust, *index = NULL;
    size_t n = 0;
    CHECK(store_rec_get(s, "customer", customer_id, &cust));
    enum store_result r = store_rec_list_under(s, "customer-sub", customer_id, &index, &n);
    size_t cap = 1 + 2 * n, count = 0;
    struct store_op *ops = r == STORE_OK ? calloc(cap, sizeof *ops) : NULL;
    struct store_record *subs = r == STORE_OK ? calloc(n + 1, sizeof *subs) : NULL;
    json_object *docs = json_object_new_array();
    char(*keys)[STORE_KEY_MAX] = r == STORE_OK ? calloc(n + 1, sizeof *keys) : NULL;
    if (r == STORE_OK && (!ops || !subs || !keys)) {
        store_msg(s->error, "out of memory linking a customer");
        r = STORE_RETRY;
    }
    if (r == STORE_OK) {
        ops[count] = (struct store_op){.op = STORE_OP_PUT, .kind = "customer", .key = customer_id, .text = user_id,
                                       .num = cust.num};
        store_op_unchanged(&ops[count++], &cust);
    }
    for (size_t i = 0; r == STORE_OK && i < n; i++) {
        const char *id = index[i].text ? index[i].text : "";
        if ((r = store_rec_get(s, "subscription", id, &subs[i])) != STORE_OK)
            break;
        struct sub x;
        if ((r = read_sub(s, &subs[i], &x)) != STORE_OK)
            break;
        if (x.doc && x.customer && strcmp(x.customer, customer_id) == 0 && !x.user) {
            x.user = user_id;
            json_object *doc = sub_json(&x, NULL);
            json_object_array_add(docs, doc);
            ops[count] = (struct store_op){.op = STORE_OP_PUT, .kind = "subscription", .key = id,
                                           .text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN)};
            store_op_unchanged(&ops[count++], &subs[i]);
            ops[count++] = (struct store_op){.op = STORE_OP_PUT, .kind = "user-sub",
                                             .key = store_key2(keys[i], user_id, id), .text = id};
        }
        json_object_put(x.doc);
    }
    if (r == STORE_OK)
        r = store_rec_apply(s, ops, count, done);
    json_object_put(docs);
    free(keys);
    free(ops);
    store_records_free(subs, n);
    store_records_free(index, n);
    store_record_clear(&cust);
    return r;
}

enum store_result store_link_customer(struct store *s, const char *customer_id, const char *user_id)
{
    bool done = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "customer id", customer_id));
    CHECK(store_need_id(s, "user id", user_id));
    CHECK(store_ready(s));
    for (int i = 0; i < STORE_CAS_ATTEMPTS && !done; i++)
        CHECK(link_once(s, customer_id, user_id, &done));
    return done ? STORE_OK : store_too_busy(s, "linking a customer");
}

/* The answer's form of a stored subscription; NULL (and STORE_OK) when absent. */
static enum store_result subscription_answer(struct store *s, const char *id, const struct store_record *rec,
                                             json_object **out)
{
    struct sub x;
    CHECK(read_sub(s, rec, &x));
    if (x.doc) {
        *out = sub_json(&x, id);
        store_render_time_field(*out, "statusAt");
        store_render_time_field(*out, "updatedAt");
    }
    json_object_put(x.doc);
    return STORE_OK;
}

enum store_result store_get_subscription(struct store *s, const char *subscription_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "subscription id", subscription_id));
    CHECK(store_ready(s));
    struct store_record rec;
    CHECK(store_rec_get(s, "subscription", subscription_id, &rec));
    enum store_result r = subscription_answer(s, subscription_id, &rec, out);
    store_record_clear(&rec);
    return r;
}

enum store_result store_list_subscriptions(struct store *s, const char *user_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "user id", user_id));
    CHECK(store_ready(s));
    struct store_record *index;
    size_t n;
    CHECK(store_rec_list_under(s, "user-sub", user_id, &index, &n));
    json_object *list = json_object_new_array();
    enum store_result r = STORE_OK;
    /* key order: <user> SEP <subscription id>, so the list is by subscription id */
    for (size_t i = 0; r == STORE_OK && i < n; i++) {
        const char *id = index[i].text ? index[i].text : "";
        struct store_record rec;
        json_object *sub = NULL, *owner;
        if ((r = store_rec_get(s, "subscription", id, &rec)) == STORE_OK)
            r = subscription_answer(s, id, &rec, &sub);
        store_record_clear(&rec);
        if (sub && json_object_object_get_ex(sub, "userId", &owner) && owner &&
            strcmp(json_object_get_string(owner), user_id) == 0)
            json_object_array_add(list, sub);
        else
            json_object_put(sub);
    }
    store_records_free(index, n);
    if (r != STORE_OK) {
        json_object_put(list);
        return r;
    }
    *out = list;
    return STORE_OK;
}

/* ------------------------------------------------------------------------ */
/* Invoices and payments                                                      */
/* ------------------------------------------------------------------------ */

enum store_result store_put_invoice(struct store *s, const char *invoice_id, json_object *what)
{
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "invoice id", invoice_id));
    if (!json_object_is_type(what, json_type_object))
        return store_bad(s, "%s must be a JSON object", "the invoice record");
    return store_doc_put(s, "invoice", invoice_id, "the invoice record", what, (int64_t)time(NULL));
}

enum store_result store_get_invoice(struct store *s, const char *invoice_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "invoice id", invoice_id));
    return store_doc_get(s, "invoice", invoice_id, out, NULL);
}

enum store_result store_record_payment(struct store *s, const char *payment_intent_id, int64_t amount,
                                       const char *currency, const char *customer, const char *status,
                                       bool *is_new)
{
    bool fresh = false;
    if (is_new)
        *is_new = false;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "payment intent id", payment_intent_id));
    if (amount < 0)
        return store_bad(s, "%s must not be negative", "the amount");
    CHECK(store_need_id(s, "currency", currency));
    CHECK(store_max_len(s, "customer", customer, STORE_MAX_ID));
    CHECK(store_need_id(s, "status", status));
    CHECK(store_ready(s));
    json_object *p = json_object_new_object();
    json_object_object_add(p, "amount", json_object_new_int64(amount));
    json_object_object_add(p, "currency", json_object_new_string(currency));
    json_object_object_add(p, "customer", string_or_null(store_or_null(customer)));
    json_object_object_add(p, "status", json_object_new_string(status));
    json_object_object_add(p, "recordedAt", json_object_new_int64((int64_t)time(NULL)));
    /* the first record of a payment intent stays: a retried step changes nothing */
    struct store_op op = {.op = STORE_OP_PUT, .kind = "payment", .key = payment_intent_id,
                          .cond = STORE_IF_ABSENT,
                          .text = json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN)};
    enum store_result r = store_rec_apply(s, &op, 1, &fresh);
    json_object_put(p);
    if (is_new)
        *is_new = r == STORE_OK && fresh;
    return r;
}

enum store_result store_get_payment(struct store *s, const char *payment_intent_id, json_object **out)
{
    *out = NULL;
    CHECK(s ? STORE_OK : STORE_RETRY);
    CHECK(store_need_id(s, "payment intent id", payment_intent_id));
    json_object *p = NULL;
    CHECK(store_doc_get(s, "payment", payment_intent_id, &p, NULL));
    if (!p)
        return STORE_OK;
    /* the answer's member order: id first */
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(payment_intent_id));
    static const char *const members[] = {"amount", "currency", "customer", "status", "recordedAt"};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        json_object *v = NULL;
        json_object_object_get_ex(p, members[i], &v);
        json_object_object_add(o, members[i], json_object_get(v));
    }
    json_object_put(p);
    store_render_time_field(o, "recordedAt");
    *out = o;
    return STORE_OK;
}
