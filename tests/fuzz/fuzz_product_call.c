/*
 * fuzz_product_call.c — call requests to the product app's functions: the
 * events they read (Stripe objects, contact forms, page views, Readwise and
 * GitHub jobs) and their memoized steps come from outside, through the
 * executor.  Third-party and Event API calls get a scripted 200 "{}"-like
 * answer; the store is a private SQLite file.
 *
 * Input: "<query string>\n<body>" (no newline: all body, to hello-world).
 * The body is signed correctly so every input reaches the engine.
 */
#include <stdlib.h>
#include <time.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "inngest.h"

static struct server *srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *env[] = {FUZZ_CLOUD_ENV,
                                "RESEND_API_KEY=re_fuzz_key",
                                "CONTACT_TO_EMAIL=to@example.org",
                                "CONTACT_FROM_EMAIL=from@example.org",
                                "GITHUB_TOKEN=ghp_fuzz",
                                "GITHUB_USERNAME=fuzz",
                                "READWISE_API_BASE_URL=http://127.0.0.1:9",
                                NULL, NULL};
    env[sizeof(env) / sizeof(*env) - 2] = fuzz_temp_db_env();
    srv = fuzz_server(&ing_app_definition, env);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *q, *body;
    size_t q_len, body_len;
    char *query;
    if (fuzz_split(data, size, '\n', &q, &q_len, &body, &body_len)) {
        query = fuzz_strndup(q, q_len);
    } else {
        query = fuzz_strndup((const uint8_t *)"fnId=inngest-fcgi-hello-world&stepId=step", 41);
        body = data;
        body_len = size;
    }
    static const char ok[] = "{\"ids\":[\"01JFUZZ\"],\"status\":200,\"id\":\"x\",\"count\":1,"
                             "\"results\":[],\"next\":null}";
    fuzz_http_script(&(struct fuzz_answer){.status = 200, .body = ok, .body_len = sizeof(ok) - 1}, 1);
    struct fuzz_request req = {
        .method = "POST", .path = "/api/inngest", .query = query, .body = body, .body_len = body_len,
        .headers = {{"Content-Type", "application/json"},
                    {"X-Inngest-Signature", fuzz_inngest_signature(body, body_len, (long long)time(NULL))}}};
    fuzz_serve(srv, &req);
    free(query);
    return 0;
}
