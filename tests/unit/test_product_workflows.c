/*
 * test_product_workflows.c — every product workflow (functions/README.md §2) driven
 * in-process with ing_test_call(), against a real SQLite store in a temporary
 * DATABASE_PATH and scripted local stand-ins for Resend, GitHub and Readwise
 * (fake_http.h, reached through the base-URL variables the code reads).
 *
 * ing_test_run plays the executor, as in test_conformance_app.c: it
 * memoizes each StepRun and StepFailed, retries a StepError with the next
 * attempt, and answers step.invoke with a given result.  ing_test_call has no
 * Event API, so a step.sendEvent ends in a retriable StepError; the drive's
 * supply callback records that the step was reached (its id) and memoizes
 * ids for it, as the executor would after a successful send.  What the events carry is checked
 * end to end elsewhere; here the decision to send (and its inputs, memoized by
 * earlier steps) is.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ftw.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/encryption.h"
#include "fake_http.h"
#include "inngest.h"
#include "product/store/store.h"
#include "product/services/third_party.h"

static char tmpdir[256];
static int db_counter;

/* ---- the executor stand-in ----------------------------------------------- */

struct drive {
    struct ing_test_run_result run; /* the SDK's executor stand-in's record */
    json_object *ops;        /* every op of every answer, in order (run.ops) */
    json_object *sent;       /* ids of the sendEvent steps reached */
    const char *transcript;  /* every answer, as JSON text, for secret scans */
    int calls;
    int status;              /* of the final answer */
    json_object *result;     /* its body */
    bool no_retry;
};

/* step.sendEvent, or a step of the app's own that sends events (contact.c's
 * email-delivered): in this process no Event API is named, so sending fails
 * with the SDK's "no Event API in this process" error, and the driver plays
 * the Event API accepting them: it records the step and memoizes ids. */
static const char *accept_sent_events(void *arg, json_object *op)
{
    struct drive *d = arg;
    const char *code = ing_json_get_string(op, "op");
    const char *type = ing_json_get_string(ing_json_get(op, "opts"), "type");
    const char *message = ing_json_get_string(ing_json_get(op, "error"), "message");
    bool send = (type && strcmp(type, "step.sendEvent") == 0) ||
                (message && strstr(message, "no Event API in this process"));
    if (!code || strcmp(code, "StepError") != 0 || !send)
        return NULL;
    json_object_array_add(d->sent, json_object_new_string(ing_json_get_string(op, "displayName")));
    return "{\"data\":{\"ids\":[\"01SENT\"]}}";
}

/* Plays the executor until the run ends (200, or an error answer the
 * executor would not retry), with ing_test_run; a step.invoke returns
 * invoke_result. */
static void drive_with(struct drive *d, const char *fn, const char *event, json_object *invoke_result)
{
    memset(d, 0, sizeof(*d));
    d->sent = json_object_new_array();
    struct ing_test_run_options o = {
        .event = event, .supply = accept_sent_events, .supply_arg = d, .max_calls = 100,
        .invoke_result = invoke_result ? json_object_to_json_string_ext(invoke_result, JSON_C_TO_STRING_PLAIN) : NULL};
    if (ing_test_run(&ing_app_definition, fn, &o, &d->run) != 0)
        fail_msg("%s: the run did not end (see stderr)", fn);
    d->ops = d->run.ops;
    d->calls = d->run.calls;
    d->status = d->run.status;
    d->result = d->run.output;
    d->no_retry = d->run.no_retry;
    d->transcript = json_object_to_json_string_ext(d->run.answers, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void drive(struct drive *d, const char *fn, const char *event)
{
    drive_with(d, fn, event, NULL);
}

static void drive_free(struct drive *d)
{
    json_object_put(d->sent);
    ing_test_run_free(&d->run);
}

/* The n-th op (0-based) named `step` with opcode `code`, or NULL. */
static json_object *find_op(const struct drive *d, const char *step, const char *code, int nth)
{
    for (size_t i = 0; i < json_object_array_length(d->ops); i++) {
        json_object *op = json_object_array_get_idx(d->ops, i);
        if (strcmp(ing_json_get_string(op, "displayName"), step) == 0 &&
            strcmp(ing_json_get_string(op, "op"), code) == 0 && nth-- == 0)
            return op;
    }
    return NULL;
}

static int count_ops(const struct drive *d, const char *code)
{
    int n = 0;
    for (size_t i = 0; i < json_object_array_length(d->ops); i++)
        n += strcmp(ing_json_get_string(json_object_array_get_idx(d->ops, i), "op"), code) == 0;
    return n;
}

static void expect_ok(const struct drive *d, const char *fn)
{
    if (d->status != 200)
        fail_msg("%s: status %d, body %s", fn, d->status, json_object_to_json_string(d->result));
}

static void expect_sent(const struct drive *d, const char *const *ids)
{
    size_t n = 0;
    for (; ids[n]; n++) {
        assert_true(n < json_object_array_length(d->sent));
        assert_string_equal(json_object_get_string(json_object_array_get_idx(d->sent, n)), ids[n]);
    }
    assert_int_equal(json_object_array_length(d->sent), n);
}

static int64_t get_int(json_object *o, const char *key)
{
    int64_t v = -1;
    if (!ing_json_get_int(o, key, &v))
        fail_msg("%s is not an integer in %s", key, json_object_to_json_string(o));
    return v;
}

/* ---- environment, store, stand-ins --------------------------------------- */

static void fresh_db(void)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/store-%d.db", tmpdir, ++db_counter);
    setenv("DATABASE_PATH", path, 1);
}

static struct store *open_store(void)
{
    char err[256];
    struct store *s = store_open(err, sizeof(err));
    if (!s)
        fail_msg("store_open: %s", err);
    return s;
}

static const char *header(const struct fake_http *f, int i, const char *name, char *buf, size_t size)
{
    const struct fake_request *r = fake_http_request(f, i);
    assert_non_null(r);
    return fake_http_header(r, name, buf, size);
}

static json_object *request_json(const struct fake_http *f, int i)
{
    const struct fake_request *r = fake_http_request(f, i);
    assert_non_null(r);
    json_object *v = json_tokener_parse(r->body);
    assert_non_null(v);
    return v;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_product_workflows.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    unsetenv("REDIS_URL");
    unsetenv("INNGEST_APP_ID");
    unsetenv("INNGEST_ENCRYPTION_KEY");
    unsetenv("INNGEST_EVENT_API_BASE_URL");
    /* every call opens the store: never let one fall back to the default path */
    fresh_db();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The failure rule itself (ing_http_transient, ing_http_retry_after) is
 * tests/unit/test_http_fetch.c's; here, what each service makes of it. */

/* ---- contact-form-submitted ---------------------------------------------- */

static const char contact_event[] =
    "{\"name\":\"contact/form.submitted\",\"id\":\"01CONTACTEVENT\",\"data\":{\"name\":\"Ada\","
    "\"email\":\"ada@example.com\",\"message\":\"Hello there, a private message\","
    "\"submittedAt\":\"2024-05-01T12:00:00Z\",\"ip\":\"192.0.2.7\"}}";

/* The stand-in for Resend with the replies given, and the contact settings
 * pointing at it. */
static struct fake_http *contact_service(const struct fake_reply *replies, int count)
{
    struct fake_http *f = fake_http_serve("RESEND_API_BASE_URL", replies, count);
    setenv("RESEND_API_KEY", "re_test_key_123", 1);
    setenv("CONTACT_TO_EMAIL", "owner@example.com", 1);
    setenv("CONTACT_FROM_EMAIL", "site@example.com", 1);
    return f;
}

static void test_contact_retry_sends_two_emails(void **s)
{
    (void)s;
    static const struct fake_reply replies[] = {
        {.status = 500, .body = "{\"message\":\"internal\"}"},
        {.status = 200, .body = "{\"id\":\"email-notify\"}"},
        {.status = 200, .body = "{\"id\":\"email-confirm\"}"},
    };
    struct fake_http *f = contact_service(replies, 3);
    struct drive d;
    drive(&d, "contact-form-submitted", contact_event);
    fake_http_stop(f);
    expect_ok(&d, "contact-form-submitted");
    assert_string_equal(ing_json_get_string(d.result, "notificationId"), "email-notify");
    assert_string_equal(ing_json_get_string(d.result, "confirmationId"), "email-confirm");
    const char *sent[] = {"email-delivered", NULL};
    expect_sent(&d, sent);

    /* three requests, two distinct keys: the retried one repeats its key */
    assert_int_equal(fake_http_count(f), 3);
    char k0[256], k1[256], k2[256], auth[256];
    assert_non_null(header(f, 0, "Idempotency-Key", k0, sizeof(k0)));
    assert_non_null(header(f, 1, "Idempotency-Key", k1, sizeof(k1)));
    assert_non_null(header(f, 2, "Idempotency-Key", k2, sizeof(k2)));
    assert_string_equal(k0, k1);
    assert_string_not_equal(k1, k2);
    assert_non_null(strstr(k0, "01contactevent")); /* the recorder lower-cases headers */
    assert_non_null(header(f, 0, "Authorization", auth, sizeof(auth)));
    assert_string_equal(auth, "bearer re_test_key_123");
    const struct fake_request *r0 = fake_http_request(f, 0);
    assert_string_equal(r0->method, "POST");
    assert_string_equal(r0->target, "/emails");

    json_object *notify = request_json(f, 1), *confirm = request_json(f, 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ing_json_get(notify, "to"), 0)),
                        "owner@example.com");
    assert_string_equal(ing_json_get_string(notify, "reply_to"), "ada@example.com");
    assert_string_equal(ing_json_get_string(notify, "from"), "site@example.com");
    assert_non_null(strstr(ing_json_get_string(notify, "text"), "Hello there, a private message"));
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ing_json_get(confirm, "to"), 0)),
                        "ada@example.com");
    /* issue 13, finding 3: the confirmation goes to whatever address the form
     * named, so it quotes nothing the form sent: not the name, not the message */
    const char *confirm_text = ing_json_get_string(confirm, "text");
    assert_non_null(confirm_text);
    assert_null(strstr(confirm_text, "Ada"));
    assert_null(strstr(confirm_text, "Hello there"));
    assert_null(strstr(ing_json_get_string(confirm, "subject"), "Ada"));
    json_object_put(notify);
    json_object_put(confirm);

    /* neither the key nor the message reach any step output */
    assert_null(strstr(d.transcript, "re_test_key_123"));
    assert_null(strstr(d.transcript, "private message"));
    fake_http_free(f);
    drive_free(&d);
}

static void test_contact_422_is_final(void **s)
{
    (void)s;
    static const struct fake_reply replies[] = {
        {.status = 422, .body = "{\"name\":\"validation_error\",\"message\":\"Invalid `to` field\"}"},
    };
    struct fake_http *f = contact_service(replies, 1);
    struct drive d;
    drive(&d, "contact-form-submitted", contact_event);
    fake_http_stop(f);
    assert_int_equal(fake_http_count(f), 1); /* never retried */
    json_object *failed = find_op(&d, "send-notification-email", "StepFailed", 0);
    assert_non_null(failed);
    json_object *err = ing_json_get(failed, "error");
    assert_string_equal(ing_json_get_string(err, "name"), "NonRetriableError");
    assert_non_null(strstr(ing_json_get_string(err, "message"), "Resend (send-notification-email) answered 422"));
    assert_non_null(strstr(ing_json_get_string(err, "message"), "Invalid `to` field"));
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    assert_int_equal(json_object_array_length(d.sent), 0);
    fake_http_free(f);
    drive_free(&d);
}

/* Resend's two 409s (its documentation on idempotency keys): a request
 * with the same key still in flight is retried, and the email is reported
 * sent once the key's first request answers; a key reused with another
 * payload is final. */
static void test_contact_409_in_flight_is_retried(void **s)
{
    (void)s;
    static const struct fake_reply replies[] = {
        {.status = 409, .body = "{\"statusCode\":409,\"name\":\"concurrent_idempotent_requests\","
                                "\"message\":\"Same idempotency key used while original request is still in progress\"}"},
        {.status = 200, .body = "{\"id\":\"email-notify\"}"},
        {.status = 200, .body = "{\"id\":\"email-confirm\"}"},
    };
    struct fake_http *f = contact_service(replies, 3);
    struct drive d;
    drive(&d, "contact-form-submitted", contact_event);
    fake_http_stop(f);
    expect_ok(&d, "contact-form-submitted");
    json_object *retried = find_op(&d, "send-notification-email", "StepError", 0);
    assert_non_null(retried);
    assert_non_null(strstr(ing_json_get_string(ing_json_get(retried, "error"), "message"),
                           "concurrent_idempotent_requests"));
    assert_null(find_op(&d, "send-notification-email", "StepFailed", 0));
    assert_string_equal(ing_json_get_string(d.result, "notificationId"), "email-notify");
    assert_int_equal(fake_http_count(f), 3);
    char k0[256], k1[256];
    assert_non_null(header(f, 0, "Idempotency-Key", k0, sizeof(k0)));
    assert_non_null(header(f, 1, "Idempotency-Key", k1, sizeof(k1)));
    assert_string_equal(k0, k1);
    fake_http_free(f);
    drive_free(&d);

    static const struct fake_reply reused[] = {
        {.status = 409, .body = "{\"statusCode\":409,\"name\":\"invalid_idempotent_request\","
                                "\"message\":\"Same idempotency key used with a different request payload\"}"},
    };
    f = contact_service(reused, 1);
    drive(&d, "contact-form-submitted", contact_event);
    fake_http_stop(f);
    assert_int_equal(fake_http_count(f), 1);
    assert_non_null(find_op(&d, "send-notification-email", "StepFailed", 0));
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    fake_http_free(f);
    drive_free(&d);
}

static void test_contact_429_retry_after(void **s)
{
    (void)s;
    static const struct fake_reply replies[] = {
        {.status = 429, .headers = "Retry-After: 120\r\n",
         .body = "{\"message\":\"Too many requests\"}"},
        {.status = 429, .body = "{\"message\":\"Too many requests\"}"},
    };
    struct fake_http *f = contact_service(replies, 2);
    struct ing_test_result r;
    struct ing_test_options o = {.event = contact_event};
    assert_int_equal(ing_test_call(&ing_app_definition, "contact-form-submitted", &o, &r), 0);
    assert_int_equal(r.status, 206);
    json_object *op = json_object_array_get_idx(r.json, 0);
    assert_string_equal(ing_json_get_string(op, "op"), "StepError");
    assert_string_equal(ing_json_get_string(ing_json_get(op, "error"), "name"), "RetryAfterError");
    assert_false(r.no_retry);
    assert_string_equal(r.retry_after, "120");
    ing_test_result_free(&r);

    /* no Retry-After: the default wait */
    assert_int_equal(ing_test_call(&ing_app_definition, "contact-form-submitted", &o, &r), 0);
    assert_int_equal(r.status, 206);
    assert_string_equal(r.retry_after, "60");
    ing_test_result_free(&r);
    fake_http_stop(f);
    fake_http_free(f);
}

static void test_contact_network_error_and_missing_settings(void **s)
{
    (void)s;
    /* a port nobody listens on: a stopped stand-in */
    struct fake_http *f = contact_service((const struct fake_reply[]){{.status = 200, .body = "{}"}}, 1);
    fake_http_stop(f);
    fake_http_free(f);
    struct ing_test_result r;
    struct ing_test_options o = {.event = contact_event};
    assert_int_equal(ing_test_call(&ing_app_definition, "contact-form-submitted", &o, &r), 0);
    assert_int_equal(r.status, 206);
    json_object *op = json_object_array_get_idx(r.json, 0);
    assert_string_equal(ing_json_get_string(op, "op"), "StepError");
    assert_non_null(strstr(ing_json_get_string(ing_json_get(op, "error"), "message"),
                           "Resend (send-notification-email) could not be reached"));
    ing_test_result_free(&r);

    unsetenv("RESEND_API_KEY");
    assert_int_equal(ing_test_call(&ing_app_definition, "contact-form-submitted", &o, &r), 0);
    op = json_object_array_get_idx(r.json, 0);
    assert_string_equal(ing_json_get_string(op, "op"), "StepFailed");
    assert_string_equal(ing_json_get_string(ing_json_get(op, "error"), "message"),
                        "RESEND_API_KEY is not set: the contact form cannot send email");
    ing_test_result_free(&r);

    /* a malformed event fails at once, before any step */
    o.event = "{\"name\":\"contact/form.submitted\",\"data\":{\"name\":\"Ada\"}}";
    assert_int_equal(ing_test_call(&ing_app_definition, "contact-form-submitted", &o, &r), 0);
    assert_int_equal(r.status, 400);
    assert_true(r.no_retry);
    ing_test_result_free(&r);
}

static void test_contact_failure_handler(void **s)
{
    (void)s;
    struct drive d;
    drive(&d, "contact-form-submitted-failure",
          "{\"name\":\"inngest/function.failed\",\"id\":\"01RUN\",\"data\":{"
          "\"function_id\":\"inngest-fcgi-contact-form-submitted\",\"run_id\":\"01RUN\","
          "\"error\":{\"name\":\"NonRetriableError\",\"message\":\"Resend answered 422\"},"
          "\"event\":{\"name\":\"contact/form.submitted\",\"data\":{\"name\":\"Ada\","
          "\"email\":\"ada@example.com\",\"message\":\"hi\"}}}}");
    expect_ok(&d, "contact-form-submitted-failure");
    const char *sent[] = {"email-failed", NULL};
    expect_sent(&d, sent);
    assert_true(json_object_get_boolean(ing_json_get(d.result, "notified")));
    assert_string_equal(ing_json_get_string(d.result, "runId"), "01RUN");
    drive_free(&d);
}

/* ---- contact with end-to-end encryption on (issue 17, the product app) --- */

#define ENC_SECRET "contact-form-test-secret-0123456789abcdef"

/* printf into a new malloc'd string. */
static char *text_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *text_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *out = malloc((size_t)n + 1);
    assert_non_null(out);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

/* The form's event as the route sends it with encryption on: the visitor's
 * fields sealed under data.encrypted (with `secret`), submittedAt readable. */
static char *sealed_form_event(const char *secret)
{
    struct enc_keys k;
    char err[256];
    assert_true(enc_keys_load(&k, secret, NULL, err, sizeof(err)));
    json_object *personal = json_tokener_parse("{\"name\":\"Ada\",\"email\":\"ada@example.com\","
                                               "\"message\":\"Hello there, a private message\",\"ip\":\"192.0.2.7\"}");
    json_object *envelope = enc_seal(&k, personal);
    assert_non_null(envelope);
    char *text = text_printf("{\"name\":\"contact/form.submitted\",\"id\":\"01CONTACTENC\",\"data\":"
                                "{\"encrypted\":%s,\"submittedAt\":\"2024-05-01T12:00:00Z\"}}",
                             json_object_to_json_string_ext(envelope, JSON_C_TO_STRING_PLAIN));
    json_object_put(personal);
    json_object_put(envelope);
    return text;
}

/* data.encrypted of an event the Event API received, opened with ENC_SECRET;
 * asserts it was an envelope.  A new reference. */
static json_object *opened_field(json_object *event)
{
    json_object *field = ing_json_get(ing_json_get(event, "data"), "encrypted");
    assert_true(enc_is_envelope(field));
    struct enc_keys k;
    char err[256];
    assert_true(enc_keys_load(&k, ENC_SECRET, NULL, err, sizeof(err)));
    json_object *plain = NULL;
    assert_true(enc_open(&k, field, &plain, err, sizeof(err)));
    return plain;
}

static void test_contact_encrypted_in_flight(void **s)
{
    (void)s;
    static const struct fake_reply resend[] = {
        {.status = 200, .body = "{\"id\":\"email-notify\"}"},
        {.status = 200, .body = "{\"id\":\"email-confirm\"}"},
    };
    static const struct fake_reply accepted = {.status = 200, .body = "{\"ids\":[\"01A\",\"01B\"],\"status\":200}"};
    struct fake_http *f = contact_service(resend, 2);
    struct fake_http *events = fake_http_serve("INNGEST_EVENT_API_BASE_URL", &accepted, 1);
    setenv("INNGEST_ENCRYPTION_KEY", ENC_SECRET, 1);
    char *event = sealed_form_event(ENC_SECRET);
    assert_null(strstr(event, "ada@example.com"));

    struct drive d;
    drive(&d, "contact-form-submitted", event);
    expect_ok(&d, "contact-form-submitted");
    fake_http_stop(f);
    fake_http_stop(events);
    /* the function read the plain fields: both emails went out as before */
    assert_int_equal(fake_http_count(f), 2);
    json_object *notify = request_json(f, 0), *confirm = request_json(f, 1);
    assert_string_equal(ing_json_get_string(notify, "reply_to"), "ada@example.com");
    assert_non_null(strstr(ing_json_get_string(notify, "text"), "Hello there, a private message"));
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ing_json_get(confirm, "to"), 0)),
                        "ada@example.com");
    json_object_put(notify);
    json_object_put(confirm);
    /* contact/email.delivered: the email sealed, type and messageId readable */
    assert_int_equal(fake_http_count(events), 1);
    const struct fake_request *sent = fake_http_request(events, 0);
    assert_null(strstr(sent->body, "ada@example.com"));
    json_object *batch = json_tokener_parse(sent->body);
    assert_int_equal(json_object_array_length(batch), 2);
    for (size_t i = 0; i < 2; i++) {
        json_object *ev = json_object_array_get_idx(batch, i);
        assert_string_equal(ing_json_get_string(ev, "name"), "contact/email.delivered");
        assert_string_equal(ing_json_get_string(ing_json_get(ev, "data"), "type"), i ? "confirmation" : "notification");
        assert_null(ing_json_get(ing_json_get(ev, "data"), "email"));
        json_object *plain = opened_field(ev);
        assert_string_equal(ing_json_get_string(plain, "email"), "ada@example.com");
        json_object_put(plain);
    }
    json_object_put(batch);
    /* nothing the SDK answered Inngest holds a personal field in plain */
    assert_null(strstr(d.transcript, "ada@example.com"));
    assert_null(strstr(d.transcript, "private message"));
    drive_free(&d);
    fake_http_free(f);
    fake_http_free(events);

    /* the failure handler: the form inside inngest/function.failed is still
     * sealed (the executor copies the event as stored); it opens it
     * (ing_decrypt) and seals the email and name of contact/email.failed */
    events = fake_http_serve("INNGEST_EVENT_API_BASE_URL", &accepted, 1);
    const char *form = strchr(event, '{') + 1; /* the form event's members */
    char *failed = text_printf("{\"name\":\"inngest/function.failed\",\"id\":\"01RUNX\",\"data\":{"
                                  "\"function_id\":\"inngest-fcgi-contact-form-submitted\",\"run_id\":\"01RUNX\","
                                  "\"error\":{\"name\":\"Error\",\"message\":\"Resend (send-notification-email) "
                                  "answered 422\"},\"event\":{%s}}", form);
    drive(&d, "contact-form-submitted-failure", failed);
    expect_ok(&d, "contact-form-submitted-failure");
    fake_http_stop(events);
    assert_int_equal(fake_http_count(events), 1);
    sent = fake_http_request(events, 0);
    assert_null(strstr(sent->body, "ada@example.com"));
    batch = json_tokener_parse(sent->body);
    json_object *ev = json_object_is_type(batch, json_type_array) ? json_object_array_get_idx(batch, 0) : batch;
    assert_string_equal(ing_json_get_string(ev, "name"), "contact/email.failed");
    assert_string_equal(ing_json_get_string(ing_json_get(ev, "data"), "type"), "notification");
    json_object *plain = opened_field(ev);
    assert_string_equal(ing_json_get_string(plain, "email"), "ada@example.com");
    assert_string_equal(ing_json_get_string(plain, "name"), "Ada");
    json_object_put(plain);
    json_object_put(batch);
    drive_free(&d);
    fake_http_free(events);

    /* a form sealed with a key we do not have fails the run for good,
     * naming the strategy, and sends no email */
    char *foreign = sealed_form_event("another-secret-nobody-configured-0123456789");
    f = contact_service(resend, 2);
    drive(&d, "contact-form-submitted", foreign);
    fake_http_stop(f);
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    assert_non_null(strstr(ing_json_get_string(d.result, "message"), "inngest/libsodium"));
    assert_int_equal(fake_http_count(f), 0);
    drive_free(&d);
    fake_http_free(f);

    unsetenv("INNGEST_ENCRYPTION_KEY");
    unsetenv("INNGEST_EVENT_API_BASE_URL");
    free(foreign);
    free(failed);
    free(event);
}

/* ---- alert-function-failed ----------------------------------------------- */

static void test_failure_alert(void **s)
{
    (void)s;
    static const struct fake_reply replies[] = {
        {.status = 500, .body = "{\"message\":\"internal\"}"},
        {.status = 200, .body = "{\"id\":\"em_alert\"}"},
    };
    struct fake_http *f = contact_service(replies, 2);
    struct drive d;
    drive(&d, "alert-function-failed",
          "{\"name\":\"inngest/function.failed\",\"data\":{\"function_id\":\"inngest-fcgi-contact-form-submitted\","
          "\"run_id\":\"01RUNX\",\"error\":{\"name\":\"NonRetriableError\",\"message\":\"Resend "
          "(send-notification-email) answered 422: Invalid\"},\"event\":{\"name\":\"contact/form.submitted\","
          "\"data\":{\"message\":\"a private message\"}}}}");
    fake_http_stop(f);
    expect_ok(&d, "alert-function-failed");
    assert_true(json_object_get_boolean(ing_json_get(d.result, "alerted")));
    assert_string_equal(ing_json_get_string(d.result, "messageId"), "em_alert");
    assert_int_equal(fake_http_count(f), 2); /* the 500 retried with the same key */
    char k0[128], k1[128];
    assert_string_equal(header(f, 0, "Idempotency-Key", k0, sizeof k0), "function-failed-01runx");
    assert_string_equal(header(f, 1, "Idempotency-Key", k1, sizeof k1), k0);
    json_object *mail = request_json(f, 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ing_json_get(mail, "to"), 0)),
                        "owner@example.com");
    assert_string_equal(ing_json_get_string(mail, "subject"),
                        "app/function.failed: inngest-fcgi-contact-form-submitted");
    const char *text = ing_json_get_string(mail, "text");
    assert_non_null(strstr(text, "01RUNX"));
    assert_non_null(strstr(text, "answered 422"));
    assert_null(strstr(text, "private message")); /* nothing of the failed run's event */
    json_object_put(mail);
    fake_http_free(f);
    drive_free(&d);

    /* another app's function, and this function's own failure: no email */
    const char *ignored[] = {"other-app-contact-form-submitted", "inngest-fcgi-alert-function-failed"};
    for (size_t i = 0; i < 2; i++) {
        char ev[512];
        snprintf(ev, sizeof ev,
                 "{\"name\":\"inngest/function.failed\",\"data\":{\"function_id\":\"%s\",\"run_id\":\"01R\","
                 "\"error\":{\"message\":\"x\"}}}",
                 ignored[i]);
        drive(&d, "alert-function-failed", ev);
        expect_ok(&d, "alert-function-failed");
        assert_false(json_object_get_boolean(ing_json_get(d.result, "alerted")));
        assert_int_equal(count_ops(&d, "StepRun"), 0);
        drive_free(&d);
    }
}

/* ---- track-post-view and handle-milestone -------------------------------- */

static char *view_event(char *buf, size_t size, const char *slug, const char *id)
{
    snprintf(buf, size,
             "{\"name\":\"blog/post.viewed\",\"id\":\"%s\",\"data\":{\"slug\":\"%s\",\"title\":\"T\","
             "\"viewedAt\":\"2024-05-01T10:00:00Z\"}}",
             id, slug);
    return buf;
}

static void seed_views(const char *slug, int n, const char *day)
{
    struct store *st = open_store();
    for (int i = 0; i < n; i++) {
        char id[64];
        int64_t total;
        bool counted;
        snprintf(id, sizeof(id), "seed-%s-%s-%d", slug, day, i);
        assert_int_equal(store_record_view(st, slug, "T", id, day, &total, &counted), STORE_OK);
    }
    store_close(st);
}

/* Drives one view; returns the milestone it crossed (0 for none). */
static int64_t one_view(const char *slug, const char *id, int64_t want_total, bool want_counted)
{
    char ev[512];
    struct drive d;
    drive(&d, "track-post-view", view_event(ev, sizeof(ev), slug, id));
    expect_ok(&d, "track-post-view");
    assert_int_equal(get_int(d.result, "totalViews"), want_total);
    assert_int_equal(json_object_get_boolean(ing_json_get(d.result, "counted")), want_counted);
    json_object *check = find_op(&d, "check-milestone", "StepRun", 0);
    assert_non_null(check);
    int64_t m = 0;
    ing_json_get_int(ing_json_get(check, "data"), "milestone", &m);
    /* the event goes out exactly when a milestone was crossed */
    assert_int_equal(json_object_array_length(d.sent), m ? 1 : 0);
    if (m)
        assert_string_equal(json_object_get_string(json_object_array_get_idx(d.sent, 0)), "send-milestone");
    drive_free(&d);
    return m;
}

static void test_views_and_milestone_once(void **s)
{
    (void)s;
    fresh_db();
    seed_views("hello", 98, "2024-05-01");
    assert_int_equal(one_view("hello", "view-99", 99, true), 0);
    assert_int_equal(one_view("hello", "view-100", 100, true), 100);
    assert_int_equal(one_view("hello", "view-101", 101, true), 0);
    /* the 100th view's event again: a retried increment-views whose first
     * answer was lost, or a replay.  Not counted again, and it answers the
     * total it reached the first time, so it crosses 100 again and sends the
     * same event id (milestone-hello-100), which Inngest de-duplicates. */
    assert_int_equal(one_view("hello", "view-100", 100, false), 100);
    assert_int_equal(one_view("hello", "view-101", 101, false), 0);
    struct store *st = open_store();
    int64_t total = 0;
    assert_int_equal(store_views_total(st, "hello", &total), STORE_OK);
    assert_int_equal(total, 101);
    store_close(st);

    /* the milestone's payload as check-milestone memoized it */
    char ev[512];
    struct drive d;
    fresh_db();
    seed_views("p", 99, "2024-05-01");
    drive(&d, "track-post-view", view_event(ev, sizeof(ev), "p", "v100"));
    json_object *check = ing_json_get(find_op(&d, "check-milestone", "StepRun", 0), "data");
    assert_int_equal(get_int(check, "milestone"), 100);
    assert_int_equal(get_int(check, "totalViews"), 100);
    assert_string_equal(ing_json_get_string(check, "reachedAt"), "2024-05-01T10:00:00Z");
    drive_free(&d);

    /* a view without a slug cannot succeed later */
    drive(&d, "track-post-view", "{\"name\":\"blog/post.viewed\",\"data\":{\"title\":\"x\"}}");
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    assert_int_equal(count_ops(&d, "StepRun"), 0);
    drive_free(&d);
}

static void test_milestone_once_with_concurrent_views(void **s)
{
    (void)s;
    enum { WORKERS = 4, EACH = 10 };
    fresh_db();
    seed_views("busy", 80, "2024-05-01");
    pid_t pids[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            /* no cmocka in the child: it exits with how many milestones its views crossed */
            int crossed = 0;
            for (int i = 0; i < EACH; i++) {
                char ev[512], id[64], steps[512];
                snprintf(id, sizeof(id), "w%d-%d", w, i);
                view_event(ev, sizeof(ev), "busy", id);
                struct ing_test_result r;
                struct ing_test_options o = {.event = ev};
                if (ing_test_call(&ing_app_definition, "track-post-view", &o, &r) != 0 || r.status != 206)
                    _exit(100);
                json_object *op = json_object_array_get_idx(r.json, 0);
                snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":%s}}", ing_json_get_string(op, "id"),
                         json_object_to_json_string(ing_json_get(op, "data")));
                ing_test_result_free(&r);
                o.steps = steps;
                if (ing_test_call(&ing_app_definition, "track-post-view", &o, &r) != 0 || r.status != 206)
                    _exit(101);
                int64_t m = 0;
                op = json_object_array_get_idx(r.json, 0);
                if (ing_json_get_int(ing_json_get(op, "data"), "milestone", &m) && m == 100)
                    crossed++;
                ing_test_result_free(&r);
            }
            _exit(crossed);
        }
    }
    int crossed = 0;
    for (int w = 0; w < WORKERS; w++) {
        int status = 0;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status));
        assert_true(WEXITSTATUS(status) < 100);
        crossed += WEXITSTATUS(status);
    }
    assert_int_equal(crossed, 1);
    struct store *st = open_store();
    int64_t total = 0;
    assert_int_equal(store_views_total(st, "busy", &total), STORE_OK);
    assert_int_equal(total, 80 + WORKERS * EACH);
    store_close(st);
}

static void test_handle_milestone(void **s)
{
    (void)s;
    fresh_db();
    static const char ev[] =
        "{\"name\":\"blog/milestone.reached\",\"id\":\"milestone-hello-100\",\"data\":{\"slug\":\"hello\","
        "\"title\":\"Hello\",\"milestone\":100,\"totalViews\":100,\"reachedAt\":\"2024-05-01T10:00:00Z\"}}";
    struct drive d;
    drive(&d, "handle-milestone", ev);
    expect_ok(&d, "handle-milestone");
    assert_true(json_object_get_boolean(ing_json_get(d.result, "isNew")));
    drive_free(&d);
    drive(&d, "handle-milestone", ev);
    assert_false(json_object_get_boolean(ing_json_get(d.result, "isNew")));
    drive_free(&d);

    struct store *st = open_store();
    json_object *list = NULL;
    assert_int_equal(store_list_milestones(st, "hello", &list), STORE_OK);
    assert_int_equal(json_object_array_length(list), 1);
    json_object *m = json_object_array_get_idx(list, 0);
    assert_int_equal(get_int(m, "milestone"), 100);
    assert_string_equal(ing_json_get_string(m, "reachedAt"), "2024-05-01T10:00:00Z");
    json_object_put(list);
    store_close(st);

    drive(&d, "handle-milestone", "{\"name\":\"blog/milestone.reached\",\"data\":{\"slug\":\"x\"}}");
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    drive_free(&d);
}

/* ---- trending and summaries ---------------------------------------------- */

static void test_trending_stored(void **s)
{
    (void)s;
    fresh_db();
    seed_views("a", 3, "2024-05-01");
    seed_views("b", 5, "2024-04-28");
    seed_views("c", 1, "2024-05-02");
    seed_views("old", 50, "2024-04-20"); /* outside the 7 days */
    struct drive d;
    drive(&d, "calculate-trending",
          "{\"name\":\"inngest/scheduled.timer\",\"id\":\"2024-05-02T10:00:00Z\",\"data\":{"
          "\"cron\":\"0 * * * *\",\"scheduledAt\":\"2024-05-02T10:00:00Z\"}}");
    expect_ok(&d, "calculate-trending");
    assert_string_equal(ing_json_get_string(d.result, "since"), "2024-04-26");
    json_object *posts = ing_json_get(d.result, "posts");
    assert_int_equal(json_object_array_length(posts), 3);
    const char *order[] = {"b", "a", "c"};
    for (int i = 0; i < 3; i++)
        assert_string_equal(ing_json_get_string(json_object_array_get_idx(posts, (size_t)i), "slug"),
                            order[i]);
    assert_non_null(find_op(&d, "store-trending", "StepRun", 0));

    struct store *st = open_store();
    json_object *stored = NULL;
    int64_t at = 0;
    assert_int_equal(store_get_trending(st, &stored, &at), STORE_OK);
    assert_true(json_object_equal(stored, posts));
    int64_t want;
    assert_true(store_parse_time("2024-05-02T10:00:00Z", &want));
    assert_int_equal(at, want);
    json_object_put(stored);
    store_close(st);
    drive_free(&d);
}

static void test_summary_generated_and_stored(void **s)
{
    (void)s;
    fresh_db();
    seed_views("a", 3, "2024-05-01");
    seed_views("b", 2, "2024-05-01");
    seed_views("a", 4, "2024-05-02");
    struct drive d;
    drive(&d, "generate-analytics-summary",
          "{\"name\":\"analytics/summary.generate\",\"data\":{\"period\":\"daily\","
          "\"startDate\":\"2024-05-01\",\"endDate\":\"2024-05-01\"}}");
    expect_ok(&d, "generate-analytics-summary");
    assert_string_equal(ing_json_get_string(d.result, "period"), "daily");
    assert_int_equal(get_int(d.result, "totalViews"), 5);
    assert_int_equal(get_int(d.result, "uniquePosts"), 2);
    struct store *st = open_store();
    json_object *stored = NULL;
    assert_int_equal(store_get_summary(st, "daily", "2024-05-01", &stored), STORE_OK);
    assert_true(json_object_equal(stored, d.result));
    json_object_put(stored);
    store_close(st);
    drive_free(&d);

    static const char *const bad[] = {
        "{\"name\":\"analytics/summary.generate\",\"data\":{\"period\":\"hourly\","
        "\"startDate\":\"2024-05-01\",\"endDate\":\"2024-05-01\"}}",
        "{\"name\":\"analytics/summary.generate\",\"data\":{\"period\":\"daily\","
        "\"startDate\":\"2024-02-30\",\"endDate\":\"2024-05-01\"}}",
        "{\"name\":\"analytics/summary.generate\",\"data\":{\"period\":\"weekly\","
        "\"startDate\":\"2024-05-08\",\"endDate\":\"2024-05-01\"}}",
        "{\"name\":\"analytics/summary.generate\",\"data\":{}}",
    };
    for (size_t i = 0; i < ING_COUNT(bad); i++) {
        drive(&d, "generate-analytics-summary", bad[i]);
        assert_int_equal(d.status, 400);
        assert_true(d.no_retry);
        assert_int_equal(json_object_array_length(d.ops), 0);
        assert_int_equal(d.calls, 1);
        drive_free(&d);
    }
    drive(&d, "generate-analytics-summary", bad[0]);
    assert_string_equal(ing_json_get_string(d.result, "message"),
                        "data.period must be \"daily\", \"weekly\" or \"monthly\"");
    drive_free(&d);
}

static void test_daily_summary_invokes_for_the_day_before(void **s)
{
    (void)s;
    json_object *summary = json_tokener_parse("{\"period\":\"daily\",\"totalViews\":7}");
    struct drive d;
    drive_with(&d, "daily-analytics-summary",
               "{\"name\":\"inngest/scheduled.timer\",\"id\":\"2024-05-02T00:00:00Z\",\"data\":{"
               "\"cron\":\"0 0 * * *\",\"scheduledAt\":\"2024-05-02T00:00:00Z\"}}",
               summary);
    expect_ok(&d, "daily-analytics-summary");
    json_object *inv = find_op(&d, "generate-analytics-summary", "InvokeFunction", 0);
    assert_non_null(inv);
    json_object *opts = ing_json_get(inv, "opts");
    assert_string_equal(ing_json_get_string(opts, "function_id"), "inngest-fcgi-generate-analytics-summary");
    json_object *want = json_tokener_parse(
        "{\"data\":{\"period\":\"daily\",\"startDate\":\"2024-05-01\",\"endDate\":\"2024-05-01\"}}");
    assert_true(json_object_equal(ing_json_get(opts, "payload"), want));
    json_object_put(want);
    assert_string_equal(ing_json_get_string(d.result, "date"), "2024-05-01");
    assert_true(json_object_equal(ing_json_get(d.result, "summary"), summary));
    json_object_put(summary);
    drive_free(&d);
}

/* The rollups beside the daily one: the last complete week (Monday to
 * Sunday) and the last complete month before the scheduled time, also when
 * the run is late or invoked on another day. */
static void test_weekly_and_monthly_rollups(void **s)
{
    (void)s;
    static const struct {
        const char *fn, *scheduled, *period, *start, *end;
    } cases[] = {
        {"weekly-analytics-summary", "2024-05-06T01:00:00Z", "weekly", "2024-04-29", "2024-05-05"}, /* Monday */
        {"weekly-analytics-summary", "2024-05-08T13:00:00Z", "weekly", "2024-04-29", "2024-05-05"}, /* late */
        {"weekly-analytics-summary", "2024-05-05T23:00:00Z", "weekly", "2024-04-22", "2024-04-28"}, /* Sunday */
        {"monthly-analytics-summary", "2024-03-01T02:00:00Z", "monthly", "2024-02-01", "2024-02-29"},
        {"monthly-analytics-summary", "2024-01-15T02:00:00Z", "monthly", "2023-12-01", "2023-12-31"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char ev[256], want[256];
        snprintf(ev, sizeof ev, "{\"name\":\"inngest/scheduled.timer\",\"data\":{\"scheduledAt\":\"%s\"}}",
                 cases[i].scheduled);
        json_object *summary = json_tokener_parse("{\"totalViews\":7}");
        struct drive d;
        drive_with(&d, cases[i].fn, ev, summary);
        expect_ok(&d, cases[i].fn);
        json_object *inv = find_op(&d, "generate-analytics-summary", "InvokeFunction", 0);
        assert_non_null(inv);
        snprintf(want, sizeof want, "{\"data\":{\"period\":\"%s\",\"startDate\":\"%s\",\"endDate\":\"%s\"}}",
                 cases[i].period, cases[i].start, cases[i].end);
        json_object *w = json_tokener_parse(want);
        if (!json_object_equal(ing_json_get(ing_json_get(inv, "opts"), "payload"), w))
            fail_msg("%s at %s: %s", cases[i].fn, cases[i].scheduled,
                     json_object_to_json_string(ing_json_get(ing_json_get(inv, "opts"), "payload")));
        json_object_put(w);
        assert_string_equal(ing_json_get_string(d.result, "startDate"), cases[i].start);
        assert_true(json_object_equal(ing_json_get(d.result, "summary"), summary));
        json_object_put(summary);
        drive_free(&d);
    }
}

/* ---- Stripe --------------------------------------------------------------- */

static json_object *subscription_of(const char *id)
{
    struct store *st = open_store();
    json_object *sub = NULL;
    assert_int_equal(store_get_subscription(st, id, &sub), STORE_OK);
    store_close(st);
    return sub;
}

static void expect_subscription(const char *id, const char *status, const char *user)
{
    json_object *sub = subscription_of(id);
    if (!sub)
        fail_msg("subscription %s is not stored", id);
    if (strcmp(ing_json_get_string(sub, "status"), status) != 0 ||
        (user && (!ing_json_get_string(sub, "userId") || strcmp(ing_json_get_string(sub, "userId"), user) != 0)))
        fail_msg("subscription %s: want %s (user %s), have %s", id, status, user ? user : "-",
                 json_object_to_json_string(sub));
    json_object_put(sub);
}

static void test_checkout(void **s)
{
    (void)s;
    fresh_db();
    struct drive d;
    drive(&d, "process-checkout-completed",
          "{\"name\":\"stripe/checkout.session.completed\",\"id\":\"evt_1\",\"data\":{\"eventId\":\"evt_1\","
          "\"created\":1000,\"session\":{\"id\":\"cs_1\",\"customer\":\"cus_1\",\"subscription\":\"sub_1\","
          "\"payment_status\":\"paid\",\"metadata\":{\"userId\":\"user-meta\"}}}}");
    expect_ok(&d, "process-checkout-completed");
    assert_string_equal(ing_json_get_string(d.result, "userId"), "user-meta");
    assert_non_null(find_op(&d, "log-success", "StepRun", 0));
    drive_free(&d);
    expect_subscription("sub_1", "active", "user-meta");

    /* client_reference_id wins over metadata; a one-off purchase (no
     * subscription) by the same customer leaves the subscription alone */
    drive(&d, "process-checkout-completed",
          "{\"name\":\"stripe/checkout.session.completed\",\"data\":{\"created\":2000,\"session\":{\"id\":\"cs_2\","
          "\"client_reference_id\":\"user-meta\",\"customer\":{\"id\":\"cus_1\"},\"mode\":\"payment\","
          "\"metadata\":{\"userId\":\"user-other\"}}}}");
    expect_ok(&d, "process-checkout-completed");
    assert_string_equal(ing_json_get_string(d.result, "userId"), "user-meta");
    json_object *upd = ing_json_get(find_op(&d, "update-subscription", "StepRun", 0), "data");
    assert_true(json_object_get_boolean(ing_json_get(upd, "oneOff")));
    drive_free(&d);
    json_object *sub = subscription_of("sub_1");
    assert_string_equal(ing_json_get_string(sub, "status"), "active");
    assert_string_equal(ing_json_get_string(sub, "customerId"), "cus_1");
    assert_string_equal(ing_json_get_string(sub, "statusAt"), "1970-01-01T00:16:40Z");
    assert_string_equal(ing_json_get_string(sub, "eventId"), "evt_1");
    json_object_put(sub);

    /* no user id: validate-session fails for good, nothing is stored */
    drive(&d, "process-checkout-completed",
          "{\"name\":\"stripe/checkout.session.completed\",\"data\":{\"session\":{\"id\":\"cs_3\"}}}");
    json_object *failed = find_op(&d, "validate-session", "StepFailed", 0);
    assert_non_null(failed);
    assert_string_equal(ing_json_get_string(ing_json_get(failed, "error"), "name"), "NonRetriableError");
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    assert_null(find_op(&d, "update-subscription", "StepRun", 0));
    assert_int_equal(d.calls, 2);
    drive_free(&d);
}

static void test_payments(void **s)
{
    (void)s;
    fresh_db();
    static const char ok_event[] =
        "{\"name\":\"stripe/payment_intent.succeeded\",\"data\":{\"paymentIntent\":{\"id\":\"pi_1\","
        "\"amount\":1500,\"amount_received\":1500,\"currency\":\"eur\",\"customer\":\"cus_9\","
        "\"status\":\"succeeded\"}}}";
    struct drive d;
    drive(&d, "process-payment-succeeded", ok_event);
    expect_ok(&d, "process-payment-succeeded");
    assert_true(json_object_get_boolean(ing_json_get(d.result, "recorded")));
    assert_false(json_object_get_boolean(ing_json_get(d.result, "subscriptionUpdated")));
    assert_non_null(find_op(&d, "log-confirmation", "StepRun", 0));
    drive_free(&d);
    drive(&d, "process-payment-succeeded", ok_event); /* Stripe redelivers */
    expect_ok(&d, "process-payment-succeeded");
    assert_false(json_object_get_boolean(ing_json_get(d.result, "recorded")));
    drive_free(&d);

    /* a failed one-off payment of a subscriber touches no subscription */
    drive(&d, "process-subscription-event",
          "{\"name\":\"stripe/customer.subscription.created\",\"data\":{\"created\":100,\"eventId\":\"evt_s\","
          "\"object\":{\"id\":\"sub_9\",\"customer\":\"cus_9\",\"status\":\"active\","
          "\"metadata\":{\"userId\":\"u1\"}}}}");
    expect_ok(&d, "process-subscription-event");
    drive_free(&d);
    drive(&d, "process-payment-failed",
          "{\"name\":\"stripe/payment_intent.payment_failed\",\"data\":{\"created\":200,\"paymentIntent\":{"
          "\"id\":\"pi_2\",\"amount\":1500,\"currency\":\"eur\",\"customer\":\"cus_9\","
          "\"status\":\"requires_payment_method\","
          "\"last_payment_error\":{\"code\":\"card_declined\",\"decline_code\":\"insufficient_funds\"}}}}");
    expect_ok(&d, "process-payment-failed");
    assert_false(json_object_get_boolean(ing_json_get(d.result, "subscriptionUpdated")));
    assert_non_null(find_op(&d, "log-failure", "StepRun", 0));
    drive_free(&d);
    expect_subscription("sub_9", "active", "u1");

    struct store *st = open_store();
    json_object *pay = NULL;
    assert_int_equal(store_get_payment(st, "pi_1", &pay), STORE_OK);
    assert_int_equal(get_int(pay, "amount"), 1500);
    assert_string_equal(ing_json_get_string(pay, "currency"), "eur");
    json_object_put(pay);
    store_close(st);

    drive(&d, "process-payment-succeeded", "{\"name\":\"stripe/payment_intent.succeeded\",\"data\":{}}");
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    drive_free(&d);
}

/* One subscription's life as Stripe delivers it (created times in data):
 * created incomplete → checkout and first invoice paid → active; a renewal
 * fails → past_due; paid later → active.  A second subscription is canceled,
 * and its final invoice, paid at the same second, must not revive it.  A
 * third fails its first payment, then pays.  Stripe's final state: L active,
 * X canceled, F active, all three the user's. */
static const struct {
    const char *fn, *event;
} lifecycle[] = {
    {"process-subscription-event", "{\"name\":\"stripe/customer.subscription.created\",\"data\":{\"eventId\":\"evt_L1\",\"created\":1000,\"object\":{\"id\":\"sub_L\",\"customer\":\"cus_L\",\"status\":\"incomplete\"}}}"},
    {"process-checkout-completed", "{\"name\":\"stripe/checkout.session.completed\",\"data\":{\"eventId\":\"evt_L2\",\"created\":1001,\"session\":{\"id\":\"cs_L\",\"client_reference_id\":\"user-L\",\"customer\":\"cus_L\",\"subscription\":\"sub_L\",\"payment_status\":\"paid\",\"mode\":\"subscription\"}}}"},
    {"process-invoice-event", "{\"name\":\"stripe/invoice.paid\",\"data\":{\"eventId\":\"evt_L3\",\"created\":1001,\"object\":{\"id\":\"in_1\",\"customer\":\"cus_L\",\"subscription\":\"sub_L\",\"billing_reason\":\"subscription_create\"}}}"},
    {"process-subscription-event", "{\"name\":\"stripe/customer.subscription.updated\",\"data\":{\"eventId\":\"evt_L4\",\"created\":1001,\"object\":{\"id\":\"sub_L\",\"customer\":\"cus_L\",\"status\":\"active\"}}}"},
    {"process-invoice-event", "{\"name\":\"stripe/invoice.payment_failed\",\"data\":{\"eventId\":\"evt_L5\",\"created\":2000,\"object\":{\"id\":\"in_2\",\"customer\":\"cus_L\",\"parent\":{\"subscription_details\":{\"subscription\":\"sub_L\"}},\"billing_reason\":\"subscription_cycle\"}}}"},
    {"process-subscription-event", "{\"name\":\"stripe/customer.subscription.updated\",\"data\":{\"eventId\":\"evt_L6\",\"created\":2000,\"object\":{\"id\":\"sub_L\",\"customer\":\"cus_L\",\"status\":\"past_due\"}}}"},
    {"process-payment-failed", "{\"name\":\"stripe/payment_intent.payment_failed\",\"data\":{\"eventId\":\"evt_L7\",\"created\":2000,\"paymentIntent\":{\"id\":\"pi_L2\",\"amount\":900,\"currency\":\"eur\",\"customer\":\"cus_L\",\"invoice\":\"in_2\",\"status\":\"requires_payment_method\"}}}"},
    {"process-invoice-event", "{\"name\":\"stripe/invoice.paid\",\"data\":{\"eventId\":\"evt_L8\",\"created\":3000,\"object\":{\"id\":\"in_2\",\"customer\":\"cus_L\",\"subscription\":\"sub_L\",\"billing_reason\":\"subscription_cycle\"}}}"},
    {"process-payment-succeeded", "{\"name\":\"stripe/payment_intent.succeeded\",\"data\":{\"eventId\":\"evt_L9\",\"created\":3000,\"paymentIntent\":{\"id\":\"pi_L2\",\"amount\":900,\"currency\":\"eur\",\"customer\":\"cus_L\",\"invoice\":\"in_2\",\"status\":\"succeeded\"}}}"},
    {"process-subscription-event", "{\"name\":\"stripe/customer.subscription.updated\",\"data\":{\"eventId\":\"evt_L10\",\"created\":3000,\"object\":{\"id\":\"sub_L\",\"customer\":\"cus_L\",\"status\":\"active\"}}}"},
    {"process-checkout-completed", "{\"name\":\"stripe/checkout.session.completed\",\"data\":{\"eventId\":\"evt_L11\",\"created\":4000,\"session\":{\"id\":\"cs_once\",\"client_reference_id\":\"user-L\",\"customer\":\"cus_L\",\"payment_status\":\"paid\",\"mode\":\"payment\"}}}"},
    {"process-subscription-event", "{\"name\":\"stripe/customer.subscription.created\",\"data\":{\"eventId\":\"evt_X1\",\"created\":1500,\"object\":{\"id\":\"sub_X\",\"customer\":\"cus_L\",\"status\":\"active\",\"metadata\":{\"userId\":\"user-L\"}}}}"},
    {"process-subscription-event", "{\"name\":\"stripe/customer.subscription.deleted\",\"data\":{\"eventId\":\"evt_X2\",\"created\":5000,\"object\":{\"id\":\"sub_X\",\"customer\":\"cus_L\",\"status\":\"canceled\"}}}"},
    {"process-invoice-event", "{\"name\":\"stripe/invoice.paid\",\"data\":{\"eventId\":\"evt_X3\",\"created\":5000,\"object\":{\"id\":\"in_X\",\"customer\":\"cus_L\",\"subscription\":\"sub_X\",\"billing_reason\":\"subscription_cycle\"}}}"},
    {"process-invoice-event", "{\"name\":\"stripe/invoice.payment_failed\",\"data\":{\"eventId\":\"evt_F1\",\"created\":100,\"object\":{\"id\":\"in_F\",\"customer\":\"cus_L\",\"subscription\":\"sub_F\",\"billing_reason\":\"subscription_create\"}}}"},
    {"process-checkout-async-payment", "{\"name\":\"stripe/checkout.session.async_payment_succeeded\",\"data\":{\"eventId\":\"evt_F2\",\"created\":200,\"object\":{\"id\":\"cs_F\",\"client_reference_id\":\"user-L\",\"customer\":\"cus_L\",\"subscription\":\"sub_F\"}}}"},
};

static void test_subscription_any_order(void **s)
{
    (void)s;
    enum { N = sizeof lifecycle / sizeof lifecycle[0], ROUNDS = 12 };
    srand(21);
    for (int round = 0; round < ROUNDS; round++) {
        fresh_db();
        /* round 0 in Stripe's order, round 1 reversed, then shuffles with
         * a third of the events delivered twice */
        int order[2 * N], n = N;
        for (int i = 0; i < N; i++)
            order[i] = round == 1 ? N - 1 - i : i;
        if (round >= 2) {
            for (int i = 0; i < N; i++)
                if (rand() % 3 == 0)
                    order[n++] = i;
            for (int i = n - 1; i > 0; i--) {
                int j = rand() % (i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        for (int i = 0; i < n; i++) {
            struct drive d;
            drive(&d, lifecycle[order[i]].fn, lifecycle[order[i]].event);
            expect_ok(&d, lifecycle[order[i]].fn);
            drive_free(&d);
        }
        expect_subscription("sub_L", "active", "user-L");
        expect_subscription("sub_X", "canceled", "user-L");
        expect_subscription("sub_F", "active", "user-L");
        json_object *sub = subscription_of("sub_L");
        assert_string_equal(ing_json_get_string(sub, "statusAt"), "1970-01-01T00:50:00Z");
        json_object_put(sub);
        struct store *st = open_store();
        json_object *list = NULL;
        assert_int_equal(store_list_subscriptions(st, "user-L", &list), STORE_OK);
        assert_int_equal(json_object_array_length(list), 3);
        json_object_put(list);
        store_close(st);
    }
}

/* ---- GitHub --------------------------------------------------------------- */

static void test_github_skipped_without_token(void **s)
{
    (void)s;
    unsetenv("GITHUB_TOKEN");
    setenv("GITHUB_USERNAME", "octo", 1);
    struct drive d;
    drive(&d, "refresh-github-data", "{\"name\":\"inngest/scheduled.timer\",\"data\":{}}");
    expect_ok(&d, "refresh-github-data");
    json_object *want = json_tokener_parse("{\"skipped\":true,\"reason\":\"GITHUB_TOKEN is not set\"}");
    assert_true(json_object_equal(d.result, want));
    json_object_put(want);
    assert_int_equal(json_object_array_length(d.ops), 0);
    drive_free(&d);

    setenv("GITHUB_TOKEN", "ghp_secret", 1);
    unsetenv("GITHUB_USERNAME");
    drive(&d, "manual-refresh-github-data", "{\"name\":\"github/data.refresh\",\"data\":{}}");
    expect_ok(&d, "manual-refresh-github-data");
    assert_string_equal(ing_json_get_string(d.result, "reason"), "GITHUB_USERNAME is not set");
    drive_free(&d);
}

static void test_github_refresh(void **s)
{
    (void)s;
    fresh_db();
    static const struct fake_reply replies[] = {
        {.status = 502, .content_type = "text/html", .body = "<html>bad gateway</html>"},
        {.status = 200,
         .body = "{\"data\":{\"user\":{\"login\":\"octo\",\"contributionsCollection\":{"
                 "\"totalCommitContributions\":5,\"totalPullRequestContributions\":2,"
                 "\"totalIssueContributions\":1,\"totalPullRequestReviewContributions\":0,"
                 "\"contributionCalendar\":{\"totalContributions\":8,\"weeks\":["
                 "{\"contributionDays\":[{\"date\":\"2024-04-28\",\"contributionCount\":3},"
                 "{\"date\":\"2024-04-29\",\"contributionCount\":5}]}]}}}}}"},
    };
    struct fake_http *f = fake_http_serve("GITHUB_API_URL", replies, 2);
    setenv("GITHUB_TOKEN", "ghp_secret", 1);
    setenv("GITHUB_USERNAME", "octo", 1);
    struct drive d;
    drive(&d, "manual-refresh-github-data", "{\"name\":\"github/data.refresh\",\"data\":{\"force\":true}}");
    fake_http_stop(f);
    expect_ok(&d, "manual-refresh-github-data");
    assert_int_equal(get_int(d.result, "totalContributions"), 8);
    assert_true(json_object_get_boolean(ing_json_get(d.result, "force")));
    assert_non_null(find_op(&d, "fetch-contributions", "StepError", 0)); /* the 502, retried */
    assert_int_equal(fake_http_count(f), 2);
    const struct fake_request *r = fake_http_request(f, 1);
    assert_string_equal(r->target, "/graphql");
    char auth[128];
    assert_string_equal(header(f, 1, "Authorization", auth, sizeof(auth)), "bearer ghp_secret");
    json_object *body = request_json(f, 1);
    assert_string_equal(ing_json_get_string(ing_json_get(body, "variables"), "login"), "octo");
    assert_non_null(strstr(ing_json_get_string(body, "query"), "contributionCalendar"));
    json_object_put(body);
    assert_null(strstr(d.transcript, "ghp_secret"));
    drive_free(&d);
    fake_http_free(f);

    struct store *st = open_store();
    json_object *cache = NULL;
    int64_t at = 0;
    assert_int_equal(store_get_github_cache(st, "octo", &cache, &at), STORE_OK);
    assert_non_null(cache);
    assert_int_equal(get_int(cache, "commits"), 5);
    assert_int_equal(json_object_array_length(ing_json_get(cache, "days")), 2);
    assert_true(at > 0);
    json_object_put(cache);
    store_close(st);
}

static void test_github_graphql_errors(void **s)
{
    (void)s;
    static const struct fake_reply replies[] = {
        {.status = 200, .body = "{\"data\":{\"user\":null},\"errors\":[{\"type\":\"NOT_FOUND\","
                                "\"message\":\"Could not resolve to a User with the login of 'octo'.\"}]}"},
        {.status = 200, .body = "{\"errors\":[{\"type\":\"RATE_LIMITED\",\"message\":\"API rate limit exceeded\"}]}"},
        {.status = 401, .body = "{\"message\":\"Bad credentials\"}"},
    };
    struct fake_http *f = fake_http_serve("GITHUB_API_URL", replies, 3);
    setenv("GITHUB_TOKEN", "ghp_secret", 1);
    setenv("GITHUB_USERNAME", "octo", 1);
    struct ing_test_result r;
    struct ing_test_options o = {.event = "{\"name\":\"github/data.refresh\",\"data\":{}}"};
    const char *want_op[] = {"StepFailed", "StepError", "StepFailed"};
    const char *want_msg[] = {"GitHub GraphQL error NOT_FOUND", "GitHub is rate limiting us",
                              "GitHub answered 401: Bad credentials"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ing_test_call(&ing_app_definition, "manual-refresh-github-data", &o, &r), 0);
        json_object *op = json_object_array_get_idx(r.json, 0);
        assert_string_equal(ing_json_get_string(op, "op"), want_op[i]);
        const char *msg = ing_json_get_string(ing_json_get(op, "error"), "message");
        if (!strstr(msg, want_msg[i]))
            fail_msg("want \"%s\" in \"%s\"", want_msg[i], msg);
        if (i == 1)
            assert_string_equal(r.retry_after, "60");
        ing_test_result_free(&r);
    }
    fake_http_stop(f);
    fake_http_free(f);
}

/* ---- session-cleanup ------------------------------------------------------ */

static void test_session_cleanup(void **s)
{
    (void)s;
    fresh_db();
    struct store *st = open_store();
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(store_put_session(st, "s-old-1", "u", now - 3600), STORE_OK);
    assert_int_equal(store_put_session(st, "s-old-2", "u", now - 1), STORE_OK);
    assert_int_equal(store_put_session(st, "s-live", "u", now + 86400), STORE_OK);
    store_close(st);
    struct drive d;
    drive(&d, "session-cleanup", "{\"name\":\"inngest/scheduled.timer\",\"data\":{}}");
    expect_ok(&d, "session-cleanup");
    json_object *want = json_tokener_parse("{\"deleted\":2}");
    assert_true(json_object_equal(d.result, want));
    json_object_put(want);
    drive_free(&d);
    st = open_store();
    bool found = false;
    int64_t exp = 0;
    assert_int_equal(store_get_session(st, "s-live", NULL, 0, &exp, &found), STORE_OK);
    assert_true(found);
    assert_int_equal(store_get_session(st, "s-old-1", NULL, 0, &exp, &found), STORE_OK);
    assert_false(found);
    store_close(st);
}

/* ---- Readwise ------------------------------------------------------------- */

static const char rw_token[] = "rw-very-secret-token-42";

static void test_readwise_pages_and_token(void **s)
{
    (void)s;
    fresh_db();
    struct store *st = open_store();
    assert_int_equal(store_put_readwise_account(st, "reader-1", rw_token), STORE_OK);
    store_close(st);
    /* Readwise's next links are absolute; they are followed on our base URL
     * only, whatever host they name */
    static const struct fake_reply replies[] = {
        {.status = 200, .body = "{\"count\":5,\"next\":\"https://readwise.io/api/v2/books/?page=2&page_size=1000\","
                                "\"previous\":null,\"results\":[{\"id\":1},{\"id\":2}]}"},
        {.status = 200, .body = "{\"count\":5,\"next\":\"http://elsewhere.invalid:9/api/v2/books/?page=3&page_size=1000\","
                                "\"previous\":null,\"results\":[{\"id\":3},{\"id\":4}]}"},
        {.status = 200, .body = "{\"count\":5,\"next\":null,\"previous\":null,\"results\":[{\"id\":5}]}"},
    };
    struct fake_http *f = fake_http_serve("READWISE_API_BASE_URL", replies, 3);
    struct drive d;
    drive(&d, "readwise-count-books", "{\"name\":\"readwise/fetch-books\",\"data\":{\"userId\":\"reader-1\"}}");
    fake_http_stop(f);
    expect_ok(&d, "readwise-count-books");
    assert_int_equal(get_int(d.result, "count"), 5);
    json_object *fetched = ing_json_get(find_op(&d, "fetch-books", "StepRun", 0), "data");
    assert_int_equal(get_int(fetched, "pages"), 3);
    json_object *loaded = ing_json_get(find_op(&d, "load-account", "StepRun", 0), "data");
    json_object *want = json_tokener_parse("{\"exists\":true}");
    assert_true(json_object_equal(loaded, want));
    json_object_put(want);

    assert_int_equal(fake_http_count(f), 3);
    const char *targets[] = {"/api/v2/books/?page_size=1000", "/api/v2/books/?page=2&page_size=1000",
                             "/api/v2/books/?page=3&page_size=1000"};
    for (int i = 0; i < 3; i++) {
        char auth[128];
        assert_string_equal(fake_http_request(f, i)->target, targets[i]);
        assert_string_equal(fake_http_request(f, i)->method, "GET");
        assert_string_equal(header(f, i, "Authorization", auth, sizeof(auth)), "token rw-very-secret-token-42");
    }
    /* the token is in no op, no step output, no answer */
    assert_null(strstr(d.transcript, rw_token));
    assert_null(strstr(json_object_to_json_string(d.ops), rw_token));
    drive_free(&d);
    fake_http_free(f);

    st = open_store();
    int64_t count = 0, at = 0;
    bool found = false;
    assert_int_equal(store_get_book_count(st, "reader-1", &count, &at, &found), STORE_OK);
    assert_true(found);
    assert_int_equal(count, 5);
    store_close(st);
}

static void test_readwise_errors(void **s)
{
    (void)s;
    fresh_db();
    struct store *st = open_store();
    assert_int_equal(store_put_readwise_account(st, "reader-1", rw_token), STORE_OK);
    store_close(st);
    static const struct fake_reply replies[] = {
        {.status = 401, .body = "{\"detail\":\"Invalid token.\"}"},
        {.status = 200, .body = "{\"next\":\"https://readwise.io/api/v2/highlights/?page=2\",\"results\":[]}"},
    };
    struct fake_http *f = fake_http_serve("READWISE_API_BASE_URL", replies, 2);
    struct drive d;
    static const char ev[] = "{\"name\":\"readwise/fetch-books\",\"data\":{\"userId\":\"reader-1\"}}";
    drive(&d, "readwise-count-books", ev);
    json_object *failed = find_op(&d, "fetch-books", "StepFailed", 0);
    assert_non_null(failed);
    assert_string_equal(ing_json_get_string(ing_json_get(failed, "error"), "message"),
                        "Readwise answered 401: Invalid token.");
    assert_int_equal(d.status, 400);
    assert_null(strstr(d.transcript, rw_token));
    drive_free(&d);

    /* a next link outside the books endpoint is refused, never followed */
    drive(&d, "readwise-count-books", ev);
    failed = find_op(&d, "fetch-books", "StepFailed", 0);
    assert_non_null(failed);
    assert_non_null(strstr(ing_json_get_string(ing_json_get(failed, "error"), "message"), "next link leaves"));
    drive_free(&d);
    fake_http_stop(f);
    assert_int_equal(fake_http_count(f), 2);
    fake_http_free(f);

    /* an unknown user: load-account says so, and the run ends for good */
    drive(&d, "readwise-count-books", "{\"name\":\"readwise/fetch-books\",\"data\":{\"userId\":\"nobody\"}}");
    json_object *want = json_tokener_parse("{\"exists\":false}");
    assert_true(json_object_equal(ing_json_get(find_op(&d, "load-account", "StepRun", 0), "data"), want));
    json_object_put(want);
    assert_int_equal(d.status, 400);
    assert_true(d.no_retry);
    assert_null(find_op(&d, "fetch-books", "StepRun", 0));
    drive_free(&d);
}

static void test_readwise_daily_sync(void **s)
{
    (void)s;
    fresh_db();
    struct drive d;
    drive(&d, "readwise-daily-sync", "{\"name\":\"readwise/sync.requested\",\"data\":{}}");
    expect_ok(&d, "readwise-daily-sync");
    assert_int_equal(get_int(d.result, "queued"), 0);
    assert_int_equal(json_object_array_length(d.sent), 0);
    drive_free(&d);

    struct store *st = open_store();
    assert_int_equal(store_put_readwise_account(st, "reader-b", rw_token), STORE_OK);
    assert_int_equal(store_put_readwise_account(st, "reader-a", rw_token), STORE_OK);
    assert_int_equal(store_put_readwise_account(st, "reader-c", rw_token), STORE_OK);
    store_close(st);
    drive(&d, "readwise-daily-sync",
          "{\"name\":\"inngest/scheduled.timer\",\"data\":{\"cron\":\"TZ=UTC 0 3 * * *\"}}");
    expect_ok(&d, "readwise-daily-sync");
    assert_int_equal(get_int(d.result, "queued"), 3);
    const char *sent[] = {"fan-out", NULL}; /* one sendEvent for all three */
    expect_sent(&d, sent);
    json_object *listed = ing_json_get(find_op(&d, "list-accounts", "StepRun", 0), "data");
    json_object *want = json_tokener_parse("{\"userIds\":[\"reader-a\",\"reader-b\",\"reader-c\"]}");
    assert_true(json_object_equal(listed, want));
    json_object_put(want);
    assert_null(strstr(d.transcript, rw_token));
    drive_free(&d);
}

/* ---- the table ------------------------------------------------------------ */

static void test_hello_world_still_there(void **s)
{
    (void)s;
    struct drive d;
    drive(&d, "hello-world", "{\"name\":\"test/hello.world\",\"data\":{\"email\":\"a@b.c\"}}");
    expect_ok(&d, "hello-world");
    assert_string_equal(ing_json_get_string(d.result, "message"), "Hello, a@b.c!");
    drive_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contact_retry_sends_two_emails),
        cmocka_unit_test(test_contact_422_is_final),
        cmocka_unit_test(test_contact_409_in_flight_is_retried),
        cmocka_unit_test(test_contact_429_retry_after),
        cmocka_unit_test(test_contact_network_error_and_missing_settings),
        cmocka_unit_test(test_contact_failure_handler),
        cmocka_unit_test(test_contact_encrypted_in_flight),
        cmocka_unit_test(test_failure_alert),
        cmocka_unit_test(test_views_and_milestone_once),
        cmocka_unit_test(test_milestone_once_with_concurrent_views),
        cmocka_unit_test(test_handle_milestone),
        cmocka_unit_test(test_trending_stored),
        cmocka_unit_test(test_summary_generated_and_stored),
        cmocka_unit_test(test_daily_summary_invokes_for_the_day_before),
        cmocka_unit_test(test_weekly_and_monthly_rollups),
        cmocka_unit_test(test_checkout),
        cmocka_unit_test(test_payments),
        cmocka_unit_test(test_subscription_any_order),
        cmocka_unit_test(test_github_skipped_without_token),
        cmocka_unit_test(test_github_refresh),
        cmocka_unit_test(test_github_graphql_errors),
        cmocka_unit_test(test_session_cleanup),
        cmocka_unit_test(test_readwise_pages_and_token),
        cmocka_unit_test(test_readwise_errors),
        cmocka_unit_test(test_readwise_daily_sync),
        cmocka_unit_test(test_hello_world_still_there),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
