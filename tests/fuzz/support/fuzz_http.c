/*
 * fuzz_http.c — http_perform() for the fuzz targets: the scripted answer,
 * (fuzz_third_party.c answers the product app's own calls from the same script)
 * copied with its NUL into heap the request arena frees, as the real client
 * leaves it.
 * Holds the script in file-scope state: a fuzz target is one thread serving
 * one input at a time.
 */
#include "fuzz_http.h"
#include "fuzz_serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "outbound/http_client.h"

static struct fuzz_answer script[FUZZ_HTTP_MAX_ANSWERS];
static int script_count;
static int calls;

void fuzz_http_script(const struct fuzz_answer *answers, int count)
{
    if (count > FUZZ_HTTP_MAX_ANSWERS)
        count = FUZZ_HTTP_MAX_ANSWERS;
    memcpy(script, answers, (size_t)count * sizeof(*answers));
    script_count = count;
    calls = 0;
}

int fuzz_http_calls(void) { return calls; }

const struct fuzz_answer *fuzz_http_next(void)
{
    int i = calls < script_count ? calls : script_count - 1;
    calls++;
    return i < 0 || script[i].status == 0 ? NULL : &script[i];
}

bool fuzz_http_answers_contain(const char *needle)
{
    for (int i = 0; i < script_count; i++)
        if (fuzz_contains(script[i].body, script[i].body_len, needle) ||
            (script[i].retry_after && fuzz_contains(script[i].retry_after, strlen(script[i].retry_after), needle)))
            return true;
    return false;
}

int fuzz_nanosleep(const struct timespec *req, struct timespec *rem)
{
    (void)req;
    if (rem)
        memset(rem, 0, sizeof(*rem));
    return 0;
}

bool http_perform(struct http_client *h, struct arena *a, const struct http_call *call,
                  struct http_result *out)
{
    (void)h;
    memset(out, 0, sizeof(*out));
    out->body = "";
    const struct fuzz_answer *ans = fuzz_http_next();
    if (!ans) {
        snprintf(out->error, sizeof(out->error), "Could not connect to server");
        return false;
    }
    if (ans->body_len > call->max_response) {
        snprintf(out->error, sizeof(out->error), "response larger than %zu bytes", call->max_response);
        return false;
    }
    out->status = ans->status;
    snprintf(out->content_type, sizeof(out->content_type), "application/json");
    if (ans->retry_after)
        snprintf(out->retry_after, sizeof(out->retry_after), "%s", ans->retry_after);
    if (ans->body_len) {
        /* Exactly len + 1 bytes of heap, so AddressSanitizer sees a read past the end. */
        char *b = malloc(ans->body_len + 1);
        if (!b || !arena_defer(a, free, b)) {
            snprintf(out->error, sizeof(out->error), "out of memory");
            return false;
        }
        memcpy(b, ans->body, ans->body_len);
        b[ans->body_len] = '\0';
        out->body = b;
        out->body_len = ans->body_len;
    }
    return true;
}
