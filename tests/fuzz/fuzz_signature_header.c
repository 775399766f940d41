/*
 * fuzz_signature_header.c — X-Inngest-Signature: the header parser, the
 * window, both keys, and the second check over the body's canonical form.
 *
 * Input: "<header>\0<body>" (no NUL: the whole input is the header and the
 * body is "{}").  Checked twice: sig_verify() directly, where a header the
 * fuzzer made up must never verify (it cannot know the key), and through the
 * router as a signed GET and a signed POST, whose answers pass the common
 * checks (no key material in them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "core/signature.h"
#include "vectors_app.h"

const struct fuzz_setup fuzz_setup = {.app = &vectors_app};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *body;
    size_t body_len;
    char *header = fuzz_header_and_body(data, size, &body, &body_len);
    time_t now = time(NULL);
    enum sig_outcome o = sig_verify(header, body, body_len, FUZZ_SIGNING_KEY,
                                    FUZZ_SIGNING_KEY_FALLBACK, now);
    if (o == SIG_VALID_PRIMARY || o == SIG_VALID_FALLBACK) {
        fprintf(stderr, "fuzz: a made-up signature verified (%s)\n", sig_outcome_text(o));
        abort();
    }
    (void)sig_outcome_text(o);

    fuzz_http_script(&(struct fuzz_answer){.status = 0}, 1);
    struct fuzz_request get = {.method = "GET", .path = "/api/inngest", .body = body,
                               .body_len = body_len, .headers = {{"X-Inngest-Signature", header}}};
    fuzz_serve(fuzz_srv, &get);
    struct fuzz_request post = {.method = "POST", .path = "/api/inngest",
                                .query = "fnId=vectors-app-plain&stepId=step", .body = body,
                                .body_len = body_len,
                                .headers = {{"Content-Type", "application/json"},
                                            {"X-Inngest-Signature", header}}};
    if (fuzz_serve(fuzz_srv, &post) != 401) {
        fprintf(stderr, "fuzz: a call with a made-up signature was not refused with 401\n");
        abort();
    }
    free(header);
    return 0;
}
