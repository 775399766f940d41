/*
 * resend.c — see resend.h.  Must never log the email's text or the key.
 */
#include "product/services/resend.h"

#include "product/services/third_party.h"

#define RESEND_DEFAULT_BASE "https://api.resend.com"

const char *resend_send(struct ing_ctx *c, const struct resend_email *e)
{
    json_object *body = ing_json_object(c);
    ing_json_set(body, "from", ing_json_string(c, e->from));
    json_object *to = ing_json_array(c);
    ing_json_push(to, ing_json_string(c, e->to));
    ing_json_set(body, "to", to);
    if (e->reply_to)
        ing_json_set(body, "reply_to", ing_json_string(c, e->reply_to));
    ing_json_set(body, "subject", ing_json_string(c, e->subject));
    ing_json_set(body, "text", ing_json_string(c, e->text));
    struct tp_response res;
    tp_post_json(c, e->label,
                 ing_sprintf(c, "%s/emails", tp_base_url(c, "RESEND_API_BASE_URL", RESEND_DEFAULT_BASE)),
                 e->api_key, ing_sprintf(c, "Idempotency-Key: %s", e->idempotency_key), body, &res);
    return ing_json_get_string(res.json, "id");
}
