/*
 * fuzz_call_request.c — the executor's call request: query string and JSON
 * body, through the router into the call handler and the step engine, against
 * the protocol vectors' app (every kind of step, parallel groups, errors).
 *
 * Input: "<query string>\n<body>" (no newline: the whole input is the body of
 * a call to vectors-app-plain).  The body is signed correctly, so the fuzzer
 * spends its time in the parser and the engine, not in the signature check
 * (fuzz_signature_header covers that).  Outbound calls (use_api, sendEvent,
 * invoke) get a scripted success.
 */
#include <stdlib.h>
#include <time.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "vectors_app.h"

static struct server *srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const env[] = {FUZZ_CLOUD_ENV, NULL};
    srv = fuzz_server(&vectors_app, env);
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
        query = fuzz_strndup((const uint8_t *)"fnId=vectors-app-plain&stepId=step", 34);
        body = data;
        body_len = size;
    }
    static const char ok[] = "{\"ids\":[\"01JFUZZ\"],\"status\":200}";
    fuzz_http_script(&(struct fuzz_answer){.status = 200, .body = ok, .body_len = sizeof(ok) - 1}, 1);
    struct fuzz_request req = {
        .method = "POST", .path = "/api/inngest", .query = query, .body = body, .body_len = body_len,
        .headers = {{"Content-Type", "application/json"},
                    {"X-Inngest-Signature", fuzz_inngest_signature(body, body_len, (long long)time(NULL))},
                    {"X-Inngest-Req-Version", "2"}}};
    fuzz_serve(srv, &req);
    free(query);
    return 0;
}
