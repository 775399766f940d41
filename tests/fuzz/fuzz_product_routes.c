/*
 * fuzz_product_routes.c — every product route's body and headers
 * (/api/contact, /api/views, /api/events, /api/readwise/accounts,
 * /api/hello, /api/stripe/webhook unsigned), with the Event API accepting,
 * failing, refusing or unreachable.
 *
 * Input: one selector byte, then "<Authorization value>\n<body>" (no newline:
 * no Authorization header, all body).  Selector: bits 0-2 the route (6 and 7:
 * a GET and a path no route has), bit 3 the right bearer token for the
 * route's variable instead of the input's, bits 4-5 the Event API's answer
 * (200 with ids, 500, 401, unreachable), bit 6 an X-Forwarded-For from the
 * Authorization part.  The answer must carry no secret, and a refusal (4xx)
 * must have sent nothing to the Event API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "inngest.h"

static const char *const env[] = {FUZZ_PRODUCT_ENV,
                                  "INNGEST_TRUST_FORWARDED=1",
                                  /* every form is counted in the store, none refused:
                                   * the rate limits' path runs without hiding the rest */
                                  "CONTACT_RATE_LIMIT_CLIENT=1000000/1s",
                                  "CONTACT_RATE_LIMIT_RECIPIENT=1000000/1s",
                                  "VIEWS_RATE_LIMIT=1000000/1s",
                                  NULL};
const struct fuzz_setup fuzz_setup = {.app = &ing_app_definition, .env = env, .temp_db = true};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const paths[] = {"/api/contact", "/api/views", "/api/events",
                                        "/api/readwise/accounts", "/api/hello",
                                        "/api/stripe/webhook", "/api/contact", "/api/nothing-here"};
    static const char ok[] = "{\"ids\":[\"01JFUZZ\"],\"status\":200}";
    static const struct fuzz_answer answers[] = {
        {.status = 200, .body = ok, .body_len = sizeof(ok) - 1},
        {.status = 500, .body = "{\"error\":\"boom\"}", .body_len = 16},
        {.status = 401, .body = "{\"error\":\"Event key not found\"}", .body_len = 31},
        {.status = 0}};
    uint8_t sel = data[0];
    const uint8_t *auth_part = NULL, *body = data + 1;
    size_t auth_len = 0, body_len = size - 1;
    if (!fuzz_split(data + 1, size - 1, '\n', &auth_part, &auth_len, &body, &body_len)) {
        body = data + 1;
        body_len = size - 1;
    }
    char *auth = auth_part ? fuzz_strndup(auth_part, auth_len) : NULL;
    fuzz_http_script(&answers[(sel >> 4) & 3], 1);

    int route = sel & 7;
    struct fuzz_request req = {.method = route == 6 ? "GET" : "POST", .path = paths[route],
                               .body = body, .body_len = body_len};
    int h = 0;
    req.headers[h][0] = "Content-Type";
    req.headers[h++][1] = "application/json";
    if (sel & 8) {
        req.headers[h][0] = "Authorization";
        req.headers[h++][1] = route == 3 ? "Bearer " FUZZ_ADMIN_TOKEN : "Bearer " FUZZ_RELAY_TOKEN;
    } else if (auth) {
        req.headers[h][0] = "Authorization";
        req.headers[h++][1] = auth;
    }
    if ((sel & 64) && auth) {
        req.headers[h][0] = "X-Forwarded-For";
        req.headers[h++][1] = auth;
    }
    int status = fuzz_serve(fuzz_srv, &req);
    if (status >= 400 && status < 500 && fuzz_http_calls() > 0) {
        fprintf(stderr, "fuzz: %s answered %d after sending events\n", paths[route], status);
        abort();
    }
    free(auth);
    return 0;
}
