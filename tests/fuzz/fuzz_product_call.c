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
#include "fuzz_http.h"
#include "fuzz_target.h"
#include "inngest.h"

static const char *const env[] = {FUZZ_PRODUCT_ENV, NULL};
const struct fuzz_setup fuzz_setup = {.app = &ing_app_definition, .env = env, .temp_db = true};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char ok[] = "{\"ids\":[\"01JFUZZ\"],\"status\":200,\"id\":\"x\",\"count\":1,"
                             "\"results\":[],\"next\":null}";
    fuzz_http_script(&(struct fuzz_answer){.status = 200, .body = ok, .body_len = sizeof(ok) - 1}, 1);
    fuzz_serve_call(fuzz_srv, data, size, "fnId=inngest-fcgi-hello-world&stepId=step", NULL);
    return 0;
}
