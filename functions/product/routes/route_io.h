/*
 * route_io.h — what every product route does the same way: refuse other
 * methods, read the body as JSON, check a bearer token, queue events and turn
 * an Event API failure into the right status, and answer errors in one shape.
 *
 * The shape of every error answer:
 *     {"success":false,"error":"<sentence>"}                    (the request as a whole)
 *     {"success":false,"errors":{"<field>":"<why>", …}}        (field validation)
 * Each helper that returns false (or NULL) has already filled the response;
 * the route just returns.  Nothing here logs a header value, a body or a token.
 */
#ifndef PRODUCT_ROUTE_IO_H
#define PRODUCT_ROUTE_IO_H

#include <stdbool.h>

#include "inngest.h"

struct store;

void route_fail(const struct ing_http_request *req, struct ing_http_response *res, int status,
                const char *message);
/* 400 with the field errors collected in `errors` (a non-empty object). */
void route_fail_fields(const struct ing_http_request *req, struct ing_http_response *res,
                       json_object *errors);

/* true for POST; otherwise 405 with Allow: POST. */
bool route_is_post(const struct ing_http_request *req, struct ing_http_response *res);

/* The body as JSON (any type), or NULL after a 400: empty, a NUL byte, not
 * strict JSON (ing_json_parse_strict: syntax, NaN or Infinity, a number out of
 * range, trailing bytes, nesting deeper than the SDK's bound). */
json_object *route_json_body(const struct ing_http_request *req, struct ing_http_response *res);
/* The same, and it must be an object. */
json_object *route_json_object(const struct ing_http_request *req, struct ing_http_response *res);

/* What a POST route checks first, in this order: the method (route_is_post),
 * the bearer token named by token_env unless it is NULL (route_authorized),
 * and the body (route_json_body; route_post_object: an object).  NULL after
 * the failing check's answer. */
json_object *route_post_json(const struct ing_http_request *req, struct ing_http_response *res,
                             const char *token_env);
json_object *route_post_object(const struct ing_http_request *req, struct ing_http_response *res,
                               const char *token_env);

/* true when validate_field found no bad field; else false after the 400
 * that lists them (route_fail_fields). */
bool route_fields_ok(const struct ing_http_request *req, struct ing_http_response *res, json_object *errors);

/* Checks `Authorization: Bearer <token>` against the value of environment
 * variable `env_name` in constant time.  false after a 503 (the variable is
 * unset: the route is disabled) or a 401 (no token, or a wrong one). */
bool route_authorized(const struct ing_http_request *req, struct ing_http_response *res,
                      const char *env_name);

/* Sends one event or an array of them.  On failure nothing was queued and the
 * response is 503 (the Event API could not be reached, answered 5xx, or no
 * event key is set in cloud mode) or 502 (it refused the events: 4xx, or an
 * answer that is not the Event API's); `detail` adds the reason to the body,
 * for authenticated callers (it names the Event API's origin). */
bool route_send(const struct ing_http_request *req, struct ing_http_response *res,
                json_object *events, json_object **ids, bool detail);

/* The "queue and respond" step of the simple routes: sends event `name` with
 * `data` and answers 202 {"success":true} (with "id" when with_id), or the
 * route_send failure. */
void route_queue(const struct ing_http_request *req, struct ing_http_response *res,
                 const char *name, json_object *data, bool with_id);

/* The current time as ISO 8601 UTC with milliseconds ("2024-05-01T12:00:00.123Z"). */
const char *route_now_iso8601(struct ing_ctx *c);

/* The client's address: ing_http_client_ip (REMOTE_ADDR, or with
 * INNGEST_TRUST_FORWARDED=1 the right-most X-Forwarded-For entry that is not
 * a trusted proxy).  NULL when unknown. */
const char *route_client_ip(const struct ing_http_request *req);

/* ---- reading ---------------------------------------------------------- */

/* true for GET or HEAD; otherwise 405 with Allow: GET. */
bool route_is_get(const struct ing_http_request *req, struct ing_http_response *res);

/* The value of query parameter `name` (percent-decoded), NULL when absent.
 * A value longer than max bytes, or with a NUL or a control character, is a
 * 400 (*bad set; the response is filled). */
const char *route_query(const struct ing_http_request *req, struct ing_http_response *res,
                        const char *name, size_t max, bool *bad);

/* The rest of req->path after `prefix` (a prefix route's key), as the path
 * arrives (nginx's $document_uri is already percent-decoded, so it is not
 * decoded twice): NULL after a 404 when it is empty, longer than max, or
 * holds a '/' or a control character. */
const char *route_path_key(const struct ing_http_request *req, struct ing_http_response *res,
                           const char *prefix, size_t max);

/* Answers 200 with body and Cache-Control: cache_control. */
void route_ok(struct ing_http_response *res, json_object *body, const char *cache_control);

/* A store read failed: 503 (the store cannot answer now) or 500, logged. */
void route_store_failed(const struct ing_http_request *req, struct ing_http_response *res,
                        const struct store *s, int result);

/* The outcome of a store read: true when `result` is STORE_OK and the read
 * found something; else false after route_store_failed, or a 404 saying
 * `missing` ("no book count for this user yet"). */
bool route_found(const struct ing_http_request *req, struct ing_http_response *res, const struct store *s,
                 int result, bool found, const char *missing);

/* ---- CORS ---------------------------------------------------------------- */

/* Runs a public route with CORS for the origins listed in CORS_ALLOWED_ORIGINS
 * (comma-separated "https://site.example" origins, or "*"): an OPTIONS
 * preflight is answered here (204, the methods and Content-Type allowed, for
 * 10 minutes); any other request runs `route` and, when its Origin is
 * allowed, the answer says so (Access-Control-Allow-Origin, Vary: Origin).
 * Unset: no cross-origin access (OPTIONS still answers 204, without it). */
void route_public(const struct ing_http_request *req, struct ing_http_response *res, ing_route_fn route);

#endif
