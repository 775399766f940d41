/*
 * fuzz_register_answer.c — the register endpoint's answer to an out-of-band
 * sync (POST /fn/register): its status and its body, JSON or not, which the
 * SDK relays to whoever sent the PUT.
 *
 * Input: two bytes of status (big-endian, taken modulo 600), then the body.
 * The same answer comes back to the retry with the fallback key on 401/403.
 * The PUT's answer must be 200 (registered) or 500 (refused), never a crash,
 * and, like every answer, carry no key.  The app has one function: building
 * the sync payload of a large table would take most of each run, and the
 * payload is not what this target reads.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "inngest.h"

static json_object *noop(struct ing_ctx *c)
{
    (void)c;
    return NULL;
}

static const struct ing_function one_function[] = {
    {.id = "one", .name = "One", .triggers = {ING_EVENT("fuzz/one")}, .handler = noop}};

static const struct ing_app small_app = {
    .default_app_id = "fuzz-app", .functions = one_function, .function_count = 1};

const struct fuzz_setup fuzz_setup = {.app = &small_app};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct fuzz_answer ans = {.status = ((data[0] << 8) | data[1]) % 600,
                              .body = (const char *)data + 2, .body_len = size - 2};
    fuzz_http_script((struct fuzz_answer[]){ans, ans}, 2);
    struct fuzz_request req = {.method = "PUT", .path = "/api/inngest",
                               .query = "deployId=fuzz-deploy", .headers = {{"Host", "127.0.0.1:8080"}}};
    int status = fuzz_serve(fuzz_srv, &req);
    if (status != 200 && status != 500) {
        fprintf(stderr, "fuzz: a sync answered %d\n", status);
        abort();
    }
    return 0;
}
