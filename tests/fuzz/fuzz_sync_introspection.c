/*
 * fuzz_sync_introspection.c — the requests that are not calls: GET
 * (introspection, probes), PUT (out-of-band and in-band sync, with the URL
 * built from Host and X-Forwarded-*), and any other method, with the query
 * string, the headers and the body from the input.
 *
 * Input: one flag byte, then "<query>\n<Host>\n<X-Forwarded-Host>\n
 * <X-Forwarded-Proto>\n<body>" (missing parts are empty).  Flags: bits 0-1
 * the method (GET, PUT, POST, DELETE), bit 2 sign the body correctly, bit 3
 * X-Inngest-Sync-Kind: in_band, bit 4 a deployId-free Host.  In-band sync and
 * forwarded headers are enabled so every branch is reachable; the register
 * call gets a scripted success.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_http.h"
#include "fuzz_target.h"
#include "vectors_app.h"

/* not FUZZ_CLOUD_ENV: without INNGEST_SERVE_ORIGIN the sync URL is built
 * from the request's Host and X-Forwarded-* */
static const char *const env[] = {
    "INNGEST_DEV=0", "INNGEST_SIGNING_KEY=" FUZZ_SIGNING_KEY,
    "INNGEST_SIGNING_KEY_FALLBACK=" FUZZ_SIGNING_KEY_FALLBACK,
    "INNGEST_EVENT_KEY=" FUZZ_EVENT_KEY, "INNGEST_BASE_URL=http://127.0.0.1:9",
    "INNGEST_ALLOW_IN_BAND_SYNC=1", "INNGEST_TRUST_FORWARDED=1", "INNGEST_LOG_LEVEL=error",
    NULL};
const struct fuzz_setup fuzz_setup = {.app = &vectors_app, .env = env};

/* The next '\n'-terminated part of *data (all of it when there is no '\n'). */
static char *next_part(const uint8_t **data, size_t *size)
{
    const uint8_t *part, *rest;
    size_t part_len, rest_len;
    if (!fuzz_split(*data, *size, '\n', &part, &part_len, &rest, &rest_len)) {
        part = *data;
        part_len = *size;
        rest = *data + *size;
        rest_len = 0;
    }
    *data = rest;
    *size = rest_len;
    return fuzz_strndup(part, part_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const methods[] = {"GET", "PUT", "POST", "DELETE"};
    uint8_t flags = data[0];
    data++;
    size--;
    char *query = next_part(&data, &size);
    char *host = next_part(&data, &size);
    char *fwd_host = next_part(&data, &size);
    char *fwd_proto = next_part(&data, &size);
    const uint8_t *body = data;
    size_t body_len = size;

    static const char ok[] = "{\"ok\":true,\"modified\":true}";
    fuzz_http_script(&(struct fuzz_answer){.status = 200, .body = ok, .body_len = sizeof(ok) - 1}, 1);
    struct fuzz_request req = {.method = methods[flags & 3], .path = "/api/inngest",
                               .query = query, .body = body, .body_len = body_len};
    int h = 0;
    req.headers[h][0] = "Host";
    req.headers[h++][1] = (flags & 16) ? "127.0.0.1:8080" : host;
    if (*fwd_host) {
        req.headers[h][0] = "X-Forwarded-Host";
        req.headers[h++][1] = fwd_host;
    }
    if (*fwd_proto) {
        req.headers[h][0] = "X-Forwarded-Proto";
        req.headers[h++][1] = fwd_proto;
    }
    if (flags & 4) {
        req.headers[h][0] = "X-Inngest-Signature";
        req.headers[h++][1] = fuzz_inngest_signature(body, body_len, (long long)time(NULL));
    }
    if (flags & 8) {
        req.headers[h][0] = "X-Inngest-Sync-Kind";
        req.headers[h++][1] = "in_band";
    }
    fuzz_serve(fuzz_srv, &req);
    free(query);
    free(host);
    free(fwd_host);
    free(fwd_proto);
    return 0;
}
