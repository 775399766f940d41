/*
 * readwise_accounts_route.c — POST /api/readwise/accounts: store (or
 * replace) a user's Readwise token, behind Authorization: Bearer
 * <ADMIN_TOKEN>.  Answers 204 with no body.
 *
 * The token goes from the body straight to the store: it is never echoed in
 * an answer (error reasons are fixed sentences), never logged, never put in
 * an event.  A store that cannot answer now (Redis down, SQLite locked) is a
 * 503 the admin can retry; anything else the store refuses is a 500.
 */
#include "product/product.h"
#include "product/routes/route_io.h"
#include "product/store/store.h"
#include "product/routes/validate.h"

/* Readwise tokens are 50 characters; user ids are whatever the caller's
 * system uses (uuids, emails, "user_123"): both stay well inside the store's
 * bounds (STORE_MAX_ID, STORE_MAX_TEXT). */
#define READWISE_MAX_USER_ID 200
#define READWISE_MAX_TOKEN 512

void readwise_accounts_route(const struct ing_http_request *req, struct ing_http_response *res)
{
    struct ing_ctx *c = req->ctx;
    json_object *account = route_post_object(req, res, "ADMIN_TOKEN");
    if (!account)
        return;
    static const struct text_rule user_rule = {.max_chars = READWISE_MAX_USER_ID, .ascii_token = true};
    static const struct text_rule token_rule = {.max_chars = READWISE_MAX_TOKEN, .ascii_token = true};
    const char *user_id, *token;
    json_object *errors = ing_json_object(c);
    validate_field(c, account, "userId", &user_rule, &user_id, errors);
    validate_field(c, account, "token", &token_rule, &token, errors);
    if (!route_fields_ok(req, res, errors))
        return;

    struct store *s = product_store(c);
    enum store_result r = store_put_readwise_account(s, user_id, token);
    if (r != STORE_OK) {
        ing_log(ING_LOG_ERROR, "%s: the account was not stored: %s", req->path, store_error(s));
        route_fail(req, res, r == STORE_RETRY ? 503 : 500,
                   r == STORE_RETRY ? "the store is unavailable: the account was not stored, try again"
                                    : "the store refused the account: it was not stored");
        return;
    }
    res->status = 204;
    res->body = NULL;
}
