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
#include "fuzz_http.h"
#include "fuzz_target.h"
#include "vectors_app.h"

const struct fuzz_setup fuzz_setup = {.app = &vectors_app};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char ok[] = "{\"ids\":[\"01JFUZZ\"],\"status\":200}";
    fuzz_http_script(&(struct fuzz_answer){.status = 200, .body = ok, .body_len = sizeof(ok) - 1}, 1);
    fuzz_serve_call(fuzz_srv, data, size, "fnId=vectors-app-plain&stepId=step", "2");
    return 0;
}
