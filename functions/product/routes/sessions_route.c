/*
 * sessions_route.c — /api/sessions: the sessions session-cleanup works on.
 *   POST {sessionId, userId, expiresAt}  Bearer EVENTS_RELAY_TOKEN (the site's
 *        backend records a session it opened; expiresAt ISO-8601 or Unix
 *        seconds) → 204.  Recording the same id again replaces it.
 *   DELETE                                Bearer ADMIN_TOKEN: the emergency
 *        clearing — every session goes, live or not → 200 {"deleted": n}.
 * Other methods: 405 (Allow: POST, DELETE).  Never cached.
 */
#include <string.h>

#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"
#include "product/routes/validate.h"

#define SESSION_MAX_ID 200

static void store_failed(const struct ing_http_request *req, struct ing_http_response *res,
                         const struct store *s, enum store_result r, const char *what)
{
    ing_log(ING_LOG_ERROR, "%s: %s: %s", req->path, what, store_error(s));
    route_fail(req, res, r == STORE_RETRY ? 503 : 500,
               r == STORE_RETRY ? "the store is unavailable, try again" : "the store refused the request");
}

static void record_session(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_authorized(req, res, "EVENTS_RELAY_TOKEN"))
        return;
    json_object *body = route_json_object(req, res);
    if (!body)
        return;
    static const struct text_rule id_rule = {.max_chars = SESSION_MAX_ID, .ascii_token = true};
    const char *id, *user;
    json_object *errors = ing_json_object(c);
    validate_field(c, body, "sessionId", &id_rule, &id, errors);
    validate_field(c, body, "userId", &id_rule, &user, errors);
    int64_t expires = 0;
    json_object *e = ing_json_get(body, "expiresAt");
    bool ok = e && ((json_object_is_type(e, json_type_int) && (expires = json_object_get_int64(e)) > 0) ||
                    (json_object_is_type(e, json_type_string) &&
                     store_parse_time(json_object_get_string(e), &expires)));
    if (!ok)
        ing_json_set(errors, "expiresAt", ing_json_string(c, "must be an ISO-8601 time or Unix seconds"));
    if (!route_fields_ok(req, res, errors))
        return;
    struct store *s = product_store(c);
    enum store_result r = store_put_session(s, id, user, expires);
    if (r != STORE_OK) {
        store_failed(req, res, s, r, "the session was not stored");
        return;
    }
    res->status = 204;
    res->body = NULL;
}

static void clear_sessions(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    if (!route_authorized(req, res, "ADMIN_TOKEN"))
        return;
    struct store *s = product_store(c);
    int64_t deleted = 0;
    enum store_result r = store_delete_all_sessions(s, &deleted);
    if (r != STORE_OK) {
        store_failed(req, res, s, r, "the sessions were not cleared");
        return;
    }
    ing_log(ING_LOG_WARN, "%s: every session cleared (%lld), on the admin's request", req->path,
            (long long)deleted);
    json_object *body = ing_json_object(c);
    ing_json_set(body, "deleted", ing_json_int(c, deleted));
    route_ok(res, body, NULL);
}

void sessions_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    ing_http_add_header(res, "Cache-Control: no-store");
    const char *m = req->method ? req->method : "";
    if (strcmp(m, "POST") == 0) {
        record_session(req, res);
    } else if (strcmp(m, "DELETE") == 0) {
        clear_sessions(req, res);
    } else {
        route_fail(req, res, 405, "method not allowed: use POST or DELETE");
        ing_http_add_header(res, "Allow: POST, DELETE");
    }
}
