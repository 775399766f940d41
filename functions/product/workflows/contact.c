/*
 * contact.c — contact-form-submitted and its failure handler (functions/README.md §2.1).
 *
 * Two emails through Resend (POST /emails): a notification to the site's
 * owner (CONTACT_TO_EMAIL, reply-to the submitter) and a confirmation to the
 * submitter; then contact/email.delivered.  When the run fails for good, its
 * onFailure handler sends contact/email.failed so that someone can follow up.
 *
 * Each email carries an Idempotency-Key made of the event id and the step id:
 * a retried step (the answer was lost, a 5xx came back) repeats the same key
 * and Resend sends nothing new.  Resend answers 409
 * concurrent_idempotent_requests while the first request with a key is still
 * in flight: third_party.c retries that (the email is being sent, so it is
 * not a failure).  The events sent after the emails have ids made of the run
 * id and the step, so a retried send is de-duplicated by Inngest.  Emails are plain text, so a message can
 * never inject markup.  The confirmation goes to whatever address the form
 * named, so it quotes nothing the form sent (not the name, not the message):
 * our fixed words are all a stranger can make us mail to someone.  Must never log an email's text, the API key, or put
 * either in a step's output (step outputs are stored by Inngest).
 */
#include <string.h>

#include "product/fault_hook.h"
#include "product/product.h"
#include "product/services/resend.h"

struct contact_form {
    const char *name;
    const char *email;
    const char *message;
    const char *submitted_at; /* may be NULL */
    const char *ip;           /* may be NULL */
    const char *key_base;     /* the event id (or run id) the idempotency keys derive from */
};

struct email {
    const char *step;         /* the step id, part of the idempotency key */
    const struct contact_form *form;
    const char *to;
    const char *reply_to;     /* may be NULL */
    const char *subject;
    const char *text;
};

static const char *required_env(struct ing_ctx *c, const char *name)
{
    const char *v = ing_env(c, name);
    if (!v)
        ing_fail_nonretriable(c, "%s is not set: the contact form cannot send email", name);
    return v;
}

/* Sends one email; the step's output is Resend's id for it, nothing more. */
static json_object *send_email(struct ing_ctx *c, const struct email *e)
{
    const char *key = required_env(c, "RESEND_API_KEY");
    const char *from = required_env(c, "CONTACT_FROM_EMAIL");
    struct resend_email mail = {
        /* the step in the label: a failure message (and the failure
         * handler's contact/email.failed) says which email it was */
        .label = ing_sprintf(c, "Resend (%s)", e->step),
        .api_key = key,
        .from = from,
        .to = e->to,
        .reply_to = e->reply_to,
        .subject = e->subject,
        .text = e->text,
        .idempotency_key = ing_sprintf(c, "contact-%s-%s", e->form->key_base, e->step),
    };
    const char *id = resend_send(c, &mail);
    return ing_json_pack(c, "{s:s?}", "id", id);
}

static json_object *send_notification(struct ing_ctx *c, void *arg)
{
    const struct contact_form *f = arg;
    const char *text = ing_sprintf(c,
                                   "New message from the contact form.\n\n"
                                   "Name: %s\nEmail: %s\nSubmitted: %s%s%s\n\n%s\n",
                                   f->name, f->email, f->submitted_at ? f->submitted_at : "(not given)",
                                   f->ip ? "\nIP: " : "", f->ip ? f->ip : "", f->message);
    struct email e = {.step = "send-notification-email", .form = f,
                      .to = required_env(c, "CONTACT_TO_EMAIL"), .reply_to = f->email,
                      .subject = ing_sprintf(c, "Contact form: message from %s", f->name),
                      .text = text};
    return send_email(c, &e);
}

static json_object *send_confirmation(struct ing_ctx *c, void *arg)
{
    const struct contact_form *f = arg;
    const char *text = "Hello,\n\nThank you for your message: it has reached us and "
                       "we will answer as soon as we can.\n\nIf you did not write to us, you can "
                       "ignore this email.\n";
    struct email e = {.step = "send-confirmation-email", .form = f, .to = f->email,
                      .subject = "We received your message", .text = text};
    return send_email(c, &e);
}

/* The event id as a header-safe token: ids may be chosen by the sender, and a
 * CR or LF in one must not reach the Idempotency-Key header. */
static const char *key_token(struct ing_ctx *c, const char *id)
{
    size_t n = strlen(id) < 200 ? strlen(id) : 200;
    char *out = ing_alloc(c, n + 1);
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_' || ch == '.' || ch == ':';
        out[i] = ok ? ch : '_';
    }
    return out;
}

/* The visitor's fields of a form event's data: data.encrypted when the route
 * put them there (end-to-end encryption on; the SDK opens a sealed one before
 * the function runs, ing_decrypt does for the copy inside
 * inngest/function.failed), else data itself (encryption off, or an event
 * queued before it was turned on). */
static json_object *personal_fields(struct ing_ctx *c, json_object *data)
{
    json_object *inner = ing_decrypt(c, ing_json_get(data, "encrypted"));
    return inner && json_object_is_type(inner, json_type_object) ? inner : data;
}

/* Adds the visitor's fields to the data of an event we send: under
 * data.encrypted when encryption is on (the SDK seals it as it sends), else
 * beside the others. */
static void set_personal_fields(struct ing_ctx *c, json_object *data, json_object *personal)
{
    if (ing_encrypting(c)) {
        ing_json_set(data, "encrypted", personal);
        return;
    }
    json_object_object_foreach(personal, key, value)
        ing_json_set(data, key, value);
}

/* The form as the route validated it; a malformed event cannot succeed later. */
static void read_form(struct ing_ctx *c, struct contact_form *f)
{
    json_object *data = ing_event_data(c);
    json_object *personal = personal_fields(c, data);
    f->name = ing_json_get_string(personal, "name");
    f->email = ing_json_get_string(personal, "email");
    f->message = ing_json_get_string(personal, "message");
    f->submitted_at = ing_json_get_string(data, "submittedAt");
    f->ip = ing_json_get_string(personal, "ip");
    if (!f->name || !*f->name || !f->email || !strchr(f->email, '@') || !f->message || !*f->message)
        ing_fail_nonretriable(c, "contact/form.submitted needs data.name, data.email and data.message");
    const char *id = ing_json_get_string(ing_event(c), "id");
    f->key_base = key_token(c, id && *id ? id : ing_run_id(c));
}

/* One event per email, each with an id made of the run and the step, so a
 * step retried after its send (the answer was lost) sends the same ids and
 * Inngest keeps one of each. */
static json_object *delivered_event(struct ing_ctx *c, const struct contact_form *f, const char *type,
                                    json_object *sent)
{
    json_object *data = ing_json_pack(c, "{s:s, s:o}", "type", type, "messageId", ing_json_get(sent, "id"));
    set_personal_fields(c, data, ing_json_pack(c, "{s:s}", "email", f->email));
    return ing_event_new_id(c, "contact/email.delivered", data, "%s-email-delivered-%s", ing_run_id(c), type);
}

struct step_send {
    const char *step;
    const char *fault_key;
    json_object *events;
    const char *progress_id;  /* the form's event id: its page hears `progress` */
    const char *progress;     /* "emailed", "failed" */
};

/* Tells the page that shows this submission how it went (realtime channel
 * "contact-<event id>", topic "progress"; the route hands out tokens for it).
 * Best effort and inside the step that has just done the work: a page nobody
 * watches, or a realtime API that is down, must not fail or repeat the run's
 * real work.  Holds no personal data, so nothing in it needs sealing. */
static void publish_progress(struct ing_ctx *c, const struct step_send *s)
{
    if (!s->progress || !s->progress_id)
        return;
    json_object *msg = ing_json_pack(c, "{s:s}", "status", s->progress);
    struct ing_error err = {0};
    if (!ing_realtime_publish(c, ing_sprintf(c, "contact-%s", s->progress_id), "progress", msg, &err,
                              NULL))
        ing_log(ING_LOG_WARN, "contact progress \"%s\" not published: %s", s->progress,
                err.message ? err.message : "unknown error");
}

/* A send in a step of our own (not ing_step_send_event), so the test-only
 * fault point can lose its answer after the Event API accepted it. */
static json_object *send_events_step(struct ing_ctx *c, void *arg)
{
    const struct step_send *s = arg;
    struct ing_error err = {0};
    int status = 0;
    json_object *ids = NULL;
    if (!ing_send_events(c, s->events, &ids, &err, &status))
        ing_fail(c, "%s: the events could not be sent: %s", s->step, err.message ? err.message : "unknown error");
    fault_drop_answer_point(c, s->step, s->fault_key);
    publish_progress(c, s);
    return ing_json_pack(c, "{s:o}", "ids", ids ? ids : ing_json_array(c));
}

json_object *contact_form_submitted(struct ing_ctx *c)
{
    struct contact_form form;
    read_form(c, &form);
    json_object *notification = ing_step_run(c, "send-notification-email", send_notification, &form);
    json_object *confirmation = ing_step_run(c, "send-confirmation-email", send_confirmation, &form);

    json_object *events = ing_json_array(c);
    ing_json_push(events, delivered_event(c, &form, "notification", notification));
    ing_json_push(events, delivered_event(c, &form, "confirmation", confirmation));
    struct step_send send = {.step = "email-delivered", .fault_key = form.email, .events = events,
                             .progress_id = ing_json_get_string(ing_event(c), "id"),
                             .progress = "emailed"};
    ing_step_run(c, "email-delivered", send_events_step, &send);

    return ing_json_pack(c, "{s:o, s:o}", "notificationId", ing_json_get(notification, "id"),
                         "confirmationId", ing_json_get(confirmation, "id"));
}

/* The email a failed run's error names, from the step ids in our messages;
 * NULL when it does not say. */
static const char *failed_email_type(const char *message)
{
    if (message && strstr(message, "send-notification-email"))
        return "notification";
    if (message && strstr(message, "send-confirmation-email"))
        return "confirmation";
    return NULL;
}

/* onFailure: the event is inngest/function.failed; data.event is the form's. */
json_object *contact_form_failed(struct ing_ctx *c)
{
    json_object *failed = ing_event_data(c);
    json_object *form = personal_fields(c, ing_json_get(ing_json_get(failed, "event"), "data"));
    const char *message = ing_json_get_string(ing_json_get(failed, "error"), "message");
    const char *run_id = ing_json_get_string(failed, "run_id");

    const char *email = ing_json_get_string(form, "email");
    /* messageId null: nothing was sent */
    json_object *data = ing_json_pack(c, "{s:s?, s:n}", "type", failed_email_type(message), "messageId");
    set_personal_fields(c, data, ing_json_pack(c, "{s:s?, s:s?}", "email", email,
                                               "name", ing_json_get_string(form, "name")));
    ing_json_set(data, "error", ing_json_string(c, message ? message : "the contact form run failed"));
    ing_json_set(data, "runId", run_id ? ing_json_string(c, run_id) : NULL);
    /* one per failed run, whichever try of this handler sends it */
    json_object *event = ing_event_new_id(c, "contact/email.failed", data, "%s-email-failed",
                                          run_id ? run_id : ing_run_id(c));
    struct step_send send = {.step = "email-failed", .fault_key = email, .events = event,
                             .progress_id = ing_json_get_string(ing_json_get(failed, "event"), "id"),
                             .progress = "failed"};
    ing_step_run(c, "email-failed", send_events_step, &send);

    return ing_json_pack(c, "{s:b, s:s?}", "notified", true, "runId", run_id);
}
