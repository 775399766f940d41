/*
 * fuzz_use_api_answer.c — the run state the SDK loads when the executor says
 * use_api: the answers of GET /v0/runs/{id}/batch (the events, an array) and
 * GET /v0/runs/{id}/actions (the memoized steps, an object), which then feed
 * the step engine exactly as a call body's events and steps would.
 *
 * Input: a status byte for each answer (under 10: 200; otherwise 2b + 100,
 * where 600 and above means the API could not be reached), two bytes of
 * big-endian length for the batch body, the batch body, then the actions
 * body.  The low three bits of the first byte choose the function called.
 * The call body names no event, so the run's event is the batch's first.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "vectors_app.h"

const struct fuzz_setup fuzz_setup = {.app = &vectors_app};

static long status_of(uint8_t b)
{
    long s = b < 10 ? 200 : b * 2L + 100;
    return s >= 600 ? 0 : s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    static const char *const fns[] = {"plain", "two-step", "multi-step", "parallel", "loop",
                                      "step-catch", "batched", "slow"};
    size_t batch_len = (size_t)((data[2] << 8) | data[3]);
    const uint8_t *rest = data + 4;
    size_t rest_len = size - 4;
    if (batch_len > rest_len)
        batch_len = rest_len;
    struct fuzz_answer answers[3] = {
        {.status = status_of(data[0]), .body = (const char *)rest, .body_len = batch_len},
        {.status = status_of(data[1]), .body = (const char *)rest + batch_len,
         .body_len = rest_len - batch_len},
        {.status = 200, .body = "{\"ids\":[\"01JFUZZ\"],\"status\":200}", .body_len = 33},
    };
    fuzz_http_script(answers, 3);
    char query[96];
    strcpy(query, "stepId=step&fnId=vectors-app-");
    strcat(query, fns[data[0] & 7]);
    static const char body[] =
        "{\"ctx\":{\"attempt\":0,\"disable_immediate_execution\":false,\"env\":\"\","
        "\"fn_id\":\"f\",\"max_attempts\":4,\"run_id\":\"01JRUNFUZZ0000000000000001\","
        "\"stack\":{\"current\":0,\"stack\":[]},\"step_id\":\"step\",\"use_api\":true},"
        "\"steps\":{},\"use_api\":true,\"version\":2}";
    struct fuzz_request req = {
        .method = "POST", .path = "/api/inngest", .query = query,
        .body = (const uint8_t *)body, .body_len = sizeof(body) - 1,
        .headers = {{"Content-Type", "application/json"},
                    {"X-Inngest-Signature",
                     fuzz_inngest_signature(body, sizeof(body) - 1, (long long)time(NULL))}}};
    fuzz_serve(fuzz_srv, &req);
    return 0;
}
