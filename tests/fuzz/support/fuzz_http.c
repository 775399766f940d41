/*
 * fuzz_http.c — the fuzz targets' transport: the scripted answer, copied
 * with its NUL into heap the request arena frees, as libcurl's transport
 * leaves it, and its Retry-After and Content-Type as a header block that
 * http_perform reads as it reads a real one.
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

static bool copy_out(struct arena *a, const char *bytes, size_t len, char **out, size_t *out_len)
{
    /* Exactly len + 1 bytes of heap, so AddressSanitizer sees a read past the end. */
    char *b = malloc(len + 1);
    if (!b || !arena_defer(a, free, b))
        return false;
    memcpy(b, bytes, len);
    b[len] = '\0';
    *out = b;
    *out_len = len;
    return true;
}

bool fuzz_http_transport(struct http_client *h, struct arena *a, const struct http_call *call,
                         struct http_result *out)
{
    (void)h;
    const struct fuzz_answer *ans = fuzz_http_next();
    if (!ans) {
        snprintf(out->error, sizeof(out->error), "Could not connect to server");
        return false;
    }
    if (ans->body_len > call->max_response) {
        out->too_large = true;
        snprintf(out->error, sizeof(out->error), "response larger than %zu bytes", call->max_response);
        return false;
    }
    out->status = ans->status;
    char head[256];
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %ld X\r\nContent-Type: application/json\r\n%s%.64s%s\r\n",
                     ans->status, ans->retry_after ? "Retry-After: " : "",
                     ans->retry_after ? ans->retry_after : "", ans->retry_after ? "\r\n" : "");
    if (!copy_out(a, head, (size_t)n, &out->headers, &out->headers_len) ||
        (ans->body_len && !copy_out(a, ans->body, ans->body_len, &out->body, &out->body_len))) {
        snprintf(out->error, sizeof(out->error), "out of memory");
        return false;
    }
    return true;
}
