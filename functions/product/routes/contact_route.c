/*
 * contact_route.c — POST /api/contact: validate the form, queue
 * contact/form.submitted, answer 202 with the event id (functions/README.md §2.2).
 *
 * Limits (characters after trimming): name 100, email 254 bytes, message
 * 5,000 (line breaks allowed).  Every bad field is reported at once so a
 * form can mark them all.  The message text is never logged.
 *
 * The form makes us send an email to the address it names, so a valid form
 * is counted against two limits (rate_limit.h) before anything is queued: per
 * client (CONTACT_RATE_LIMIT_CLIENT) and per recipient address, in any case
 * (CONTACT_RATE_LIMIT_RECIPIENT); over either, 429 with Retry-After.
 */
#include <ctype.h>
#include <string.h>

#include "product/product.h"
#include "product/routes/rate_limit.h"
#include "product/routes/route_io.h"
#include "product/routes/validate.h"

#define CONTACT_MAX_NAME 100
#define CONTACT_MAX_EMAIL 254
#define CONTACT_MAX_MESSAGE 5000

void contact_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    json_object *form = route_post_object(req, res, NULL);
    if (!form)
        return;

    static const struct text_rule name_rule = {.max_chars = CONTACT_MAX_NAME};
    static const struct text_rule email_rule = {.max_chars = CONTACT_MAX_EMAIL, .check = validate_email};
    static const struct text_rule message_rule = {.max_chars = CONTACT_MAX_MESSAGE, .multiline = true};
    const char *name, *email, *message;
    json_object *errors = ing_json_object(c);
    validate_field(c, form, "name", &name_rule, &name, errors);
    validate_field(c, form, "email", &email_rule, &email, errors);
    validate_field(c, form, "message", &message_rule, &message, errors);
    if (!route_fields_ok(req, res, errors))
        return;

    char *recipient = ing_strdup(c, email);
    for (char *p = recipient; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *client[] = {rate_limit_client(req), NULL};
    const char *to[] = {recipient, NULL};
    if (!rate_limit_allow(req, res, &rate_contact_client, client) ||
        !rate_limit_allow(req, res, &rate_contact_recipient, to))
        return;

    /* The visitor's fields: with end-to-end encryption on, under
     * data.encrypted, which the SDK seals as it sends the event (the
     * official middleware's field), so Inngest stores only ciphertext. */
    json_object *personal = ing_json_pack(c, "{s:s, s:s, s:s}", "name", name, "email", email, "message", message);
    json_object *data = ing_encrypting(c) ? ing_json_pack(c, "{s:o}", "encrypted", personal) : personal;
    ing_json_set(data, "submittedAt", ing_json_string(c, route_now_iso8601(c)));
    const char *ip = route_client_ip(req);
    if (ip)
        ing_json_set(personal, "ip", ing_json_string(c, ip));
    route_queue(req, res, "contact/form.submitted", data, true);
}
