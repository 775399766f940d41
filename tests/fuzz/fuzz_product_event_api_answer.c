/*
 * fuzz_product_event_api_answer.c — the Event API's answer to POST /e/<key>
 * (handler/outbound/event_api.c): its status, Retry-After and body, as read when a
 * route queues events (ing_send_events) and relays the ids to its caller.
 *
 * Input: two bytes of status (big-endian, modulo 600; 0 = unreachable), then
 * "<Retry-After>\n<body>" (no newline: no Retry-After, all body).  The relay
 * route (/api/events, authorized) sends two events; the answer is 202 only
 * when the Event API said 200, and 5xx otherwise — never a 2xx for events
 * that were not accepted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "inngest.h"

static const char *const env[] = {FUZZ_PRODUCT_ENV, NULL};
const struct fuzz_setup fuzz_setup = {.app = &ing_app_definition, .env = env, .temp_db = true};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    long status = ((data[0] << 8) | data[1]) % 600;
    const uint8_t *ra, *body;
    size_t ra_len, body_len;
    char *retry_after = NULL;
    if (fuzz_split(data + 2, size - 2, '\n', &ra, &ra_len, &body, &body_len)) {
        retry_after = fuzz_strndup(ra, ra_len);
    } else {
        body = data + 2;
        body_len = size - 2;
    }
    struct fuzz_answer ans = {.status = status, .body = (const char *)body, .body_len = body_len,
                              .retry_after = retry_after};
    fuzz_http_script(&ans, 1);
    /* app/ is in EVENTS_RELAY_ALLOW's default */
    static const char events[] = "[{\"name\":\"app/fuzz.one\",\"data\":{\"n\":1}},"
                                 "{\"name\":\"app/fuzz.two\",\"data\":{}}]";
    struct fuzz_request req = {.method = "POST", .path = "/api/events",
                               .body = (const uint8_t *)events, .body_len = sizeof(events) - 1,
                               .headers = {{"Content-Type", "application/json"},
                                           {"Authorization", "Bearer " FUZZ_RELAY_TOKEN}}};
    int got = fuzz_serve(fuzz_srv, &req);
    if (got < 300 && status != 200) {
        fprintf(stderr, "fuzz: the relay answered %d though the Event API said %ld\n", got, status);
        abort();
    }
    free(retry_after);
    return 0;
}
