/*
 * serve_one.h — one request through router_serve(), as the FastCGI front
 * serves it, for the unit tests whose app may talk to a scripted fake HTTP
 * API (fake_http.h) while it runs.
 */
#ifndef TEST_SERVE_ONE_H
#define TEST_SERVE_ONE_H

#include <json-c/json.h>

#include "core/response.h"

struct fake_http;
struct ing_ctx;
struct server;

/* Serves the request given by its CGI parameters (NULL-ended) and body with
 * srv (initialized, worker started) into *res, then stops api (the fake API
 * the request talked to; NULL for none) so that what it received can be
 * read, and parses the answer's body into *answer (NULL when it is not JSON;
 * the caller puts it).  Returns the request's context, which holds res's
 * memory: ctx_release it once res is read.  NULL when no context could be
 * made (nothing was served). */
struct ing_ctx *serve_one(struct server *srv, char **params, const char *body, struct fake_http *api,
                          struct response *res, json_object **answer);

/* Releases what serve_one and the test's set-up made: the request's context,
 * the server's worker, the fake API (NULL: none) and the parsed answer. */
void serve_one_free(struct server *srv, struct fake_http *api, struct ing_ctx *ctx, json_object *answer);

#endif
