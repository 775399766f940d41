/*
 * stream.c — the keep-alive thread and the streamed answer's envelope.
 */
#include "transport/stream.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "inngest.h"
#include "base/thread_wait.h"
#include "core/response.h"

/* The head the executor sees at once: 201 says "the real answer is in the
 * body".  No Content-Length: the length is not known yet. */
static const char stream_head[] = "Status: 201 Created\r\n"
                                  "Content-Type: application/json\r\n"
                                  "X-Inngest-SDK: " ING_SDK_NAME ":v" ING_SDK_VERSION "\r\n"
                                  "X-Inngest-Framework: fastcgi\r\n"
                                  "X-Accel-Buffering: no\r\n"
                                  "Cache-Control: no-store\r\n"
                                  "\r\n";

static void *keepalive_main(void *arg)
{
    struct stream_keepalive *s = arg;
    struct timespec deadline = wait_deadline(STREAM_KEEPALIVE_MS);
    pthread_mutex_lock(&s->lock);
    while (!s->done) {
        int rc = pthread_cond_timedwait(&s->wake, &s->lock, &deadline);
        if (s->done)
            break;
        if (rc != ETIMEDOUT)
            continue; /* a spurious wake-up */
        if (!s->head_sent) {
            FCGX_PutStr(stream_head, (int)sizeof(stream_head) - 1, s->out);
            s->head_sent = true;
        }
        /* JSON allows leading whitespace, so the envelope that follows still
         * parses as one value. */
        FCGX_PutChar(' ', s->out);
        FCGX_FFlush(s->out);
        s->keepalives++;
        wait_add_ms(&deadline, STREAM_KEEPALIVE_MS);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

bool stream_begin(struct stream_keepalive *s, FCGX_Stream *out)
{
    memset(s, 0, sizeof(*s));
    s->out = out;
    if (!wait_init(&s->lock, &s->wake))
        return false;
    if (pthread_create(&s->thread, NULL, keepalive_main, s) != 0) {
        wait_destroy(&s->lock, &s->wake);
        return false;
    }
    s->running = true;
    return true;
}

bool stream_end(struct stream_keepalive *s)
{
    if (!s->running)
        return false;
    wait_raise(&s->lock, &s->wake, &s->done);
    pthread_join(s->thread, NULL);
    wait_destroy(&s->lock, &s->wake);
    s->running = false;
    return s->head_sent;
}

void stream_write_envelope(FCGX_Stream *out, const struct response *res)
{
    json_object *env = json_object_new_object();
    json_object *headers = json_object_new_object();
    if (env && headers) {
        json_object_object_add(env, "status", json_object_new_int(res->status));
        for (int i = 0; i < res->header_count; i++)
            json_object_object_add(headers, res->headers[i].name,
                                   json_object_new_string(res->headers[i].value));
        json_object_object_add(env, "headers", headers);
        headers = NULL;
        /* The body as a JSON string, as the official SDKs send it: the executor
         * unwraps one level of string encoding. */
        json_object_object_add(env, "body",
                               json_object_new_string_len(res->body ? res->body : "",
                                                          (int)res->body_len));
        json_object_object_add(env, "version", json_object_new_int(2));
        size_t len = 0;
        const char *text = json_object_to_json_string_length(env, ING_JSON_FLAGS, &len);
        if (text) {
            FCGX_PutStr(text, (int)len, out);
            json_object_put(env);
            return;
        }
    }
    json_object_put(headers);
    json_object_put(env);
    /* Out of memory with the head already sent: an "error" key makes the
     * executor fail this attempt and retry it. */
    static const char oom[] = "{\"error\":\"out of memory writing the streamed answer\"}";
    FCGX_PutStr(oom, (int)sizeof(oom) - 1, out);
}
