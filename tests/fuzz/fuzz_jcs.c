/*
 * fuzz_jcs.c — the canonical-JSON (RFC 8785) serializer the signature check
 * runs over request bodies.  Any bytes in; besides crashes and leaks, it
 * checks that the canonical form is a fixed point: canonicalizing it again
 * gives the same bytes (a form that changes would make a valid signature
 * fail, or two different bodies share one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "base/jcs.h"

const struct fuzz_setup fuzz_setup = {.app = NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    size_t len = 0;
    char *canon = jcs_canonicalize(text, size, &len);
    if (canon) {
        size_t len2 = 0;
        char *again = jcs_canonicalize(canon, len, &len2);
        if (!again || len2 != len || memcmp(canon, again, len) != 0) {
            fprintf(stderr, "fuzz: the canonical form is not stable:\n  %.*s\n  %.*s\n", (int)len,
                    canon, again ? (int)len2 : 6, again ? again : "(null)");
            abort();
        }
        free(again);
        free(canon);
    }
    free(text);
    return 0;
}
