/*
 * fuzz_serve.h — what every fuzz target does around the code under test: a
 * server built once per process from a fixed environment, one request
 * through router_serve() exactly as the FastCGI front hands it over (CGI
 * parameters, a body bounded by router_max_body), and the checks every
 * answer must pass whatever the input:
 *   - a status between 200 and 599, and a body pointer when a length is set;
 *   - no secret of the environment (signing keys and their HMAC material, the
 *     event key, the Stripe secret, bearer tokens) in the body or any header,
 *     unless the request or another server's scripted answer carried it, or
 *     a 16-character piece of it (echoing input is no leak);
 *   - no CR or LF in a response header.
 * A failed check aborts, which libFuzzer reports as a crash with the input.
 */
#ifndef FUZZ_SERVE_H
#define FUZZ_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/response.h"
#include "core/server.h"
#include "transport/server_setup.h"

/* Secrets the checks look for; signing keys also as their material. */
#define FUZZ_SIGNING_KEY "signkey-test-8f3a9c2e71d04b5a96e1c7f02d8b3a4e5f60718293a4b5c6d7e8f90a1b2c3d4e"
#define FUZZ_SIGNING_KEY_FALLBACK "signkey-test-0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"
#define FUZZ_EVENT_KEY "fuzz-event-key-7d1e0c9b8a"
#define FUZZ_STRIPE_SECRET "whsec_fuzz_stripe_secret_4c7e19a2"
#define FUZZ_RELAY_TOKEN "fuzz-relay-token-5b8d2e0f9c1a7b3d"
#define FUZZ_ADMIN_TOKEN "fuzz-admin-token-9e2c4a6b8d0f1e3a"

/* Builds the server once: `env` is a NULL-terminated "NAME=value" list read
 * through server_init's getenv (INNGEST_*) and also exported with setenv
 * (the product app reads its own variables with getenv). */
struct server *fuzz_server(const struct ing_app *app, const char *const *env);

struct fuzz_request {
    const char *method;
    const char *path;
    const char *query;          /* NULL: "" */
    const char *headers[16][2]; /* name, value; NULL name ends the list */
    const uint8_t *body;
    size_t body_len;
};

/* Serves one request, runs the checks, releases everything; the status. */
int fuzz_serve(struct server *srv, const struct fuzz_request *req);

/* An executor's call from the input "<query string>\n<body>" (no newline:
 * the whole input is the body, sent with default_query), signed with
 * FUZZ_SIGNING_KEY at the current time so that every input gets past the
 * signature check; req_version: the X-Inngest-Req-Version sent, NULL for
 * none.  Served with fuzz_serve(); the status. */
int fuzz_serve_call(struct server *srv, const uint8_t *data, size_t size, const char *default_query,
                    const char *req_version);

/* Aborts when a secret is inside data[0..len). */
void fuzz_check_no_secret(const char *what, const void *data, size_t len);

/* Whether needle occurs in data[0..len). */
bool fuzz_contains(const void *data, size_t len, const char *needle);

/* "t=<now>&s=<hmac>" for body signed with FUZZ_SIGNING_KEY (static buffer). */
const char *fuzz_inngest_signature(const void *body, size_t len, long long t);

/* "DATABASE_PATH=<a new private temp dir>/store.db", for the product app's
 * SQLite store (the directory is left for the system's temp cleaning). */
const char *fuzz_temp_db_env(void);

/* A copy of s[0..len) as a NUL-terminated string (malloc'd, caller frees). */
char *fuzz_strndup(const uint8_t *s, size_t len);

/* Splits data at the first `sep` byte: *first = [0, i), rest after it. */
bool fuzz_split(const uint8_t *data, size_t size, uint8_t sep, const uint8_t **first,
                size_t *first_len, const uint8_t **rest, size_t *rest_len);

/* A signature header and the body it signs, from the input "<header>\0<body>"
 * (no NUL: the whole input is the header and the body is "{}").  Returns the
 * header as a string (malloc'd, caller frees; it holds no NUL, so its strlen
 * is its length). */
char *fuzz_header_and_body(const uint8_t *data, size_t size, const uint8_t **body, size_t *body_len);

#endif
