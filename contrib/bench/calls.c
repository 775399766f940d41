/*
 * calls.c — builds the benchmark's signed call requests (see calls.h).
 *
 * The body follows the executor's call request (handler/PROTOCOL.md §7): keys
 * in canonical (sorted) order, ctx with fn_id/qi_id/stack, the event once
 * alone and once in `events`, memoized steps keyed by the SHA-1 of the step
 * id ("item", "item:1", …) with {"data": value}, and ctx.stack listing the
 * completed hashes in completion order, which is what makes a 1,000-step
 * call about 100 KB.  Only this file knows those shapes.
 */
#include "calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "base/dynbuf.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Hashed step id of the `index`-th use of `id` (handler/PROTOCOL.md §8.1). */
static void step_hash(const char *id, int index, char out[41])
{
    char name[256];
    int n = index ? snprintf(name, sizeof(name), "%s:%d", id, index)
                  : snprintf(name, sizeof(name), "%s", id);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_Digest(name, (size_t)n, md, &md_len, EVP_sha1(), NULL);
    hex(md, md_len, out);
}

/* t=<now>&s=hex(HMAC-SHA256(key without "signkey-<env>-", body || now)). */
static void sign(const char *key, const char *body, size_t len, long long now, char *out,
                 size_t out_size)
{
    const char *material = key;
    if (strncmp(key, "signkey-", 8) == 0) {
        const char *dash = strchr(key + 8, '-');
        if (dash)
            material = dash + 1;
    }
    char t[32];
    int tn = snprintf(t, sizeof(t), "%lld", now);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    /* body || t as one message: HMAC over a joined copy keeps this simple */
    char *msg = malloc(len + (size_t)tn);
    if (!msg) {
        snprintf(out, out_size, "t=%s&s=", t);
        return;
    }
    memcpy(msg, body, len);
    memcpy(msg + len, t, (size_t)tn);
    HMAC(EVP_sha256(), material, (int)strlen(material), (const unsigned char *)msg,
         len + (size_t)tn, mac, &mac_len);
    free(msg);
    char s[2 * EVP_MAX_MD_SIZE + 1];
    hex(mac, mac_len, s);
    snprintf(out, out_size, "t=%s&s=%s", t, s);
}

struct memo {
    char hash[41];
    long long value;     /* loop steps return their index */
    const char *text;    /* conf-steps return strings; NULL for loop steps */
    char *sealed;        /* the encrypted scenarios: the value's envelope, malloc'd */
};

/* An envelope of the official encryption middleware (handler/PROTOCOL.md
 * §18), made here with libsodium directly rather than with the SDK's code,
 * so the SDK is checked rather than trusted: the key is the generic hash of
 * the secret; data is base64(nonce || secretbox(JSON text)). */
static char *seal_json(const char *secret, const char *json)
{
    unsigned char key[crypto_secretbox_KEYBYTES];
    crypto_generichash(key, sizeof(key), (const unsigned char *)secret, strlen(secret), NULL, 0);
    size_t n = strlen(json);
    size_t boxed = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    unsigned char *raw = malloc(boxed);
    size_t b64_len = sodium_base64_ENCODED_LEN(boxed, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64_len);
    char *out = malloc(b64_len + 96);
    if (!raw || !b64 || !out) {
        free(raw), free(b64), free(out);
        return NULL;
    }
    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, (const unsigned char *)json, n, raw,
                          key);
    sodium_bin2base64(b64, b64_len, raw, boxed, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, b64_len + 96,
             "{\"__ENCRYPTED__\":true,\"__STRATEGY__\":\"inngest/libsodium\",\"data\":\"%s\"}", b64);
    free(raw);
    free(b64);
    return out;
}

static void unseal_memo(struct memo *memo, int n)
{
    for (int i = 0; i < n && memo; i++) {
        free(memo[i].sealed);
        memo[i].sealed = NULL;
    }
}

/* Seals every memo's value; false when out of memory (then none is sealed). */
static bool seal_memo(struct memo *memo, int n, const char *secret)
{
    if (sodium_init() < 0)
        return false;
    for (int i = 0; i < n; i++) {
        char json[64];
        if (memo[i].text)
            snprintf(json, sizeof(json), "\"%s\"", memo[i].text);
        else
            snprintf(json, sizeof(json), "%lld", memo[i].value);
        if (!(memo[i].sealed = seal_json(secret, json))) {
            unseal_memo(memo, i);
            return false;
        }
    }
    return true;
}

/* A call request of function `fn` of the conformance app. */
static void call_of(struct bench_call *out, const char *app_id, const char *fn)
{
    out->method = "POST";
    snprintf(out->path, sizeof(out->path), "/api/inngest?fnId=%s-%s&stepId=step", app_id, fn);
}

static int by_hash(const void *a, const void *b)
{
    return strcmp(((const struct memo *)a)->hash, ((const struct memo *)b)->hash);
}

/* The whole call body; memo[] is in completion order. */
static void call_body(struct dynbuf *b, const char *event_name, const char *event_data,
                      struct memo *memo, int n, int version)
{
    static const char run_id[] = "01KBENCH0000000000000RUN01";
    static const char event[] =
        "{\"data\":%s,\"id\":\"01KBENCH0000000000000EVT01\",\"name\":\"%s\","
        "\"ts\":1795392000000,\"user\":{}}";
    dynbuf_addf(b, "{\"ctx\":{\"attempt\":0,\"disable_immediate_execution\":false,\"env\":\"\","
           "\"fn_id\":\"6f1c2b9e-4d3a-4c8b-9e2f-0a1b2c3d4e5f\",\"max_attempts\":4,"
           "\"qi_id\":\"eyJxaSI6ImJlbmNoIn0\",\"request_id\":\"01KBENCH0000000000000REQ01\","
           "\"run_id\":\"%s\",\"stack\":{\"current\":%d,\"stack\":[",
        run_id, n);
    for (int i = 0; i < n; i++)
        dynbuf_addf(b, "%s\"%s\"", i ? "," : "", memo[i].hash);
    dynbuf_addf(b, "]},\"step_id\":\"step\",\"use_api\":false},\"defers\":{},\"event\":");
    dynbuf_addf(b, event, event_data, event_name);
    dynbuf_addf(b, ",\"events\":[");
    dynbuf_addf(b, event, event_data, event_name);
    dynbuf_addf(b, "],\"steps\":{");
    qsort(memo, (size_t)n, sizeof(*memo), by_hash); /* canonical order of the keys */
    for (int i = 0; i < n; i++) {
        if (memo[i].sealed)
            dynbuf_addf(b, "%s\"%s\":{\"data\":%s}", i ? "," : "", memo[i].hash, memo[i].sealed);
        else if (memo[i].text)
            dynbuf_addf(b, "%s\"%s\":{\"data\":\"%s\"}", i ? "," : "", memo[i].hash, memo[i].text);
        else
            dynbuf_addf(b, "%s\"%s\":{\"data\":%lld}", i ? "," : "", memo[i].hash, memo[i].value);
    }
    dynbuf_addf(b, "},\"use_api\":false,\"version\":%d}", version);
}

bool bench_call_build(struct bench_call *out, const char *scenario, const char *app_id,
                      const char *signing_key, long long now)
{
    memset(out, 0, sizeof(*out));
    struct dynbuf b = DYNBUF_INIT(DYNBUF_UNBOUNDED);
    struct memo *memo = NULL;
    int loop = 0;
    /* "S3e", "S5e": the same calls with every memoized value sealed with
     * BENCH_ENCRYPTION_KEY, as the executor holds them for an app with
     * INNGEST_ENCRYPTION_KEY set; the answer's result is sealed too. */
    bool sealed = scenario[0] && scenario[1] && scenario[2] == 'e' && !scenario[3] &&
                  (scenario[1] == '3' || scenario[1] == '5');
    if (strcmp(scenario, "S1") == 0) {
        out->scenario = "S1";
        out->what = "signed GET introspection";
        out->method = "GET";
        snprintf(out->path, sizeof(out->path), "/api/inngest");
        out->expect_status = 200;
        snprintf(out->expect, sizeof(out->expect), "\"authentication_succeeded\":true");
        dynbuf_addf(&b, "%s", "");
    } else if (strcmp(scenario, "S2") == 0 || strcmp(scenario, "S3") == 0 ||
               strcmp(scenario, "S3e") == 0) {
        bool final = scenario[1] == '3';
        out->scenario = sealed ? "S3e" : final ? "S3" : "S2";
        out->what = sealed  ? "conf-steps final call (2 memoized, encrypted)"
                    : final ? "conf-steps final call (2 memoized)"
                            : "conf-steps first call (runs a)";
        call_of(out, app_id, "conf-steps");
        struct memo steps[2] = {{.text = "A"}, {.text = "AB"}};
        step_hash("a", 0, steps[0].hash);
        step_hash("b", 0, steps[1].hash);
        if (sealed && !seal_memo(steps, 2, BENCH_ENCRYPTION_KEY))
            return false;
        call_body(&b, "conf/steps", "{}", steps, final ? 2 : 0, final ? 2 : -1);
        unseal_memo(steps, 2);
        out->expect_status = final ? 200 : 206;
        snprintf(out->expect, sizeof(out->expect), "%s",
                 sealed  ? "\"__STRATEGY__\":\"inngest/libsodium\""
                 : final ? "\"result\":\"AB\""
                         : "\"op\":\"StepRun\"");
    } else if (strcmp(scenario, "S4") == 0 || strcmp(scenario, "S5") == 0 ||
               strcmp(scenario, "S5e") == 0) {
        bool big = scenario[1] == '5';
        loop = big ? 1000 : 100;
        out->scenario = sealed ? "S5e" : big ? "S5" : "S4";
        out->what = sealed ? "conf-loop n=1000 final call (encrypted)"
                    : big  ? "conf-loop n=1000 final call"
                           : "conf-loop n=100 final call";
        call_of(out, app_id, "conf-loop");
        memo = calloc((size_t)loop, sizeof(*memo));
        if (!memo)
            return false;
        for (int i = 0; i < loop; i++) {
            step_hash("item", i, memo[i].hash);
            memo[i].value = i;
        }
        if (sealed && !seal_memo(memo, loop, BENCH_ENCRYPTION_KEY)) {
            free(memo);
            return false;
        }
        char data[32];
        snprintf(data, sizeof(data), "{\"n\":%d}", loop);
        call_body(&b, "conf/loop", data, memo, loop, 2);
        unseal_memo(memo, loop);
        out->expect_status = 200;
        if (sealed)
            snprintf(out->expect, sizeof(out->expect), "\"__STRATEGY__\":\"inngest/libsodium\"");
        else
            snprintf(out->expect, sizeof(out->expect), "\"sum\":%lld",
                     (long long)loop * (loop - 1) / 2);
    } else {
        fprintf(stderr, "unknown scenario %s (S1 … S5, S3e, S5e)\n", scenario);
        return false;
    }
    free(memo);
    if (!dynbuf_ok(&b)) {
        fprintf(stderr, "out of memory\n");
        return false;
    }
    out->body = dynbuf_take(&b, &out->body_len);
    sign(signing_key, out->body, out->body_len, now, out->signature, sizeof(out->signature));
    return true;
}

void bench_call_free(struct bench_call *c)
{
    free(c->body);
    c->body = NULL;
}
