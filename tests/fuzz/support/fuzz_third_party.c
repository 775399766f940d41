/*
 * fuzz_third_party.c — tp_transfer() for the fuzz targets: the product app's
 * calls to Resend, GitHub and Readwise get the next scripted answer, so the
 * answers' parsers and the failure classifier see fuzzed bytes, and no run
 * waits on a DNS lookup.  The fuzz build links this file instead of
 * functions/product/services/third_party_transfer.c (Makefile).  The body is copied into
 * exactly len + 1 bytes of heap that tp_call frees, as curl's buffer would be.
 */
#include "product/services/third_party.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_http.h"

bool tp_transfer(const struct tp_request *rq, size_t max, struct tp_answer *out)
{
    (void)rq;
    const struct fuzz_answer *ans = fuzz_http_next();
    if (!ans) {
        snprintf(out->error, sizeof(out->error), "Couldn't connect to server");
        return false;
    }
    if (ans->body_len > max) {
        out->too_large = true;
        snprintf(out->error, sizeof(out->error), "Failure writing output to destination");
        return false;
    }
    out->status = ans->status;
    if (ans->retry_after)
        snprintf(out->retry_after, sizeof(out->retry_after), "%s", ans->retry_after);
    if (ans->body_len) {
        out->body = malloc(ans->body_len + 1);
        if (!out->body) {
            snprintf(out->error, sizeof(out->error), "out of memory");
            return false;
        }
        memcpy(out->body, ans->body, ans->body_len);
        out->body[ans->body_len] = '\0';
        out->body_len = ans->body_len;
    }
    return true;
}
