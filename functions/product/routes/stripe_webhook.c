/*
 * stripe_webhook.c — POST /api/stripe/webhook: verify Stripe's signature,
 * queue stripe/<event type>, answer 200 only once the Event API has it.
 *
 * The Inngest event's id is the Stripe event's id, so a redelivery (Stripe
 * retries anything but a 2xx for days) is de-duplicated by Inngest instead
 * of starting a second run.  Any failure to queue is a 5xx, so Stripe tries
 * again; a bad signature or body is a 400 and nothing is queued.  Data per
 * type (functions/README.md §2.2):
 *   checkout.session.completed → {session: data.object, eventId, created}
 *   payment_intent.*           → {paymentIntent: data.object, eventId, created}
 *   anything else              → {object: data.object, eventId, created}
 * (created: the Stripe event's time, when it has one).
 * The secret and the signature header are never logged or echoed.
 */
#include <string.h>
#include <time.h>

#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/routes/stripe_signature.h"

/* Stripe's ids are ~30 characters and its types ~40; these bound what we
 * put into an event name and id. */
#define STRIPE_MAX_ID 255
#define STRIPE_MAX_TYPE 128

/* printable ASCII, no spaces, 1..max bytes */
static bool is_stripe_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > STRIPE_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7F)
            return false;
    return true;
}

/* "checkout.session.completed": lowercase letters, digits, '_' and '.' */
static bool is_stripe_type(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > STRIPE_MAX_TYPE)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

/* The Inngest event for a verified Stripe event, or NULL after a 400. */
static json_object *event_for(const struct ing_http_request *req, struct ing_http_response *res,
                              json_object *stripe_event)
{
    struct ing_ctx *c = req->ctx;
    const char *id = ing_json_get_string(stripe_event, "id");
    const char *type = ing_json_get_string(stripe_event, "type");
    json_object *object = ing_json_get(ing_json_get(stripe_event, "data"), "object");
    if (!is_stripe_id(id)) {
        route_fail(req, res, 400, "the Stripe event has no valid \"id\"");
        return NULL;
    }
    if (!is_stripe_type(type)) {
        route_fail(req, res, 400, "the Stripe event has no valid \"type\"");
        return NULL;
    }
    if (!object || !json_object_is_type(object, json_type_object)) {
        route_fail(req, res, 400, "the Stripe event has no \"data.object\" object");
        return NULL;
    }
    json_object *data = ing_json_object(c);
    if (strcmp(type, "checkout.session.completed") == 0)
        ing_json_set(data, "session", object);
    else if (strncmp(type, "payment_intent.", 15) == 0)
        ing_json_set(data, "paymentIntent", object);
    else
        ing_json_set(data, "object", object);
    ing_json_set(data, "eventId", ing_json_string(c, id));
    /* Stripe's time of the event: Stripe does not deliver in order, and the
     * functions order a subscription's statuses by it */
    int64_t created = 0;
    if (ing_json_get_int(stripe_event, "created", &created) && created > 0)
        ing_json_set(data, "created", ing_json_int(c, created));
    return ing_event_new_id(c, ing_sprintf(c, "stripe/%s", type), data, "%s", id);
}

void stripe_webhook_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_is_post(req, res))
        return;
    const char *secret = ing_env(c, "STRIPE_WEBHOOK_SECRET");
    enum stripe_signature_result verdict =
        stripe_signature_verify(ing_http_header(req, "Stripe-Signature"), req->body, req->body_len,
                                secret, time(NULL));
    if (verdict == STRIPE_SIG_NO_SECRET) {
        route_fail(req, res, 503, stripe_signature_reason(verdict));
        return;
    }
    if (verdict != STRIPE_SIG_OK) {
        ing_log(ING_LOG_WARN, "%s: refused: %s", req->path, stripe_signature_reason(verdict));
        route_fail(req, res, 400, stripe_signature_reason(verdict));
        return;
    }
    json_object *stripe_event = route_json_object(req, res);
    if (!stripe_event)
        return;
    json_object *event = event_for(req, res, stripe_event);
    if (!event)
        return;
    if (!route_send(req, res, event, NULL, false))
        return;
    json_object *body = ing_json_object(c);
    ing_json_set(body, "received", ing_json_bool(c, true));
    res->status = 200;
    res->body = body;
}
