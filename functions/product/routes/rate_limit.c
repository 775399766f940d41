/*
 * rate_limit.c — the limits of rate_limit.h: reading them from the
 * environment, the client identity, and the 429 answer.  The counting itself
 * is the store's (store_rate_hit), so it holds across workers and hosts.
 */
#include "product/routes/rate_limit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "product/routes/route_io.h"
#include "product/store/store.h"

/* A person writes a handful of messages an hour; a confirmation goes to the
 * submitted address, so an address gets few a day whoever sends them. */
const struct rate_rule rate_contact_client = {
    .env = "CONTACT_RATE_LIMIT_CLIENT", .fallback = "5/1h",
    .refusal = "too many messages from your address: try again later"};
const struct rate_rule rate_contact_recipient = {
    .env = "CONTACT_RATE_LIMIT_RECIPIENT", .fallback = "3/1d",
    .refusal = "too many messages for this email address: try again later"};
/* A reader who reloads a post counts a few times an hour, no more. */
const struct rate_rule rate_views = {
    .env = "VIEWS_RATE_LIMIT", .fallback = "10/1h",
    .refusal = "too many views of this post from your address: try again later"};

const struct rate_rule rate_contact_progress = {
    .env = "CONTACT_PROGRESS_RATE_LIMIT", .fallback = "60/1h",
    .refusal = "too many progress requests from your address: try again later"};

static const struct rate_rule *const all_rules[] = {&rate_contact_client, &rate_contact_recipient, &rate_views,
                                                    &rate_contact_progress};

#define RATE_MAX_HITS 1000000

bool rate_limit_parse(const char *text, int64_t *hits, int64_t *window_seconds)
{
    *hits = 0;
    *window_seconds = 0;
    if (!text)
        return false;
    if (strcmp(text, "off") == 0 || strcmp(text, "0") == 0) {
        *window_seconds = 1;
        return true;
    }
    const char *p = text;
    int64_t n = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((n = n * 10 + (*p - '0')) > RATE_MAX_HITS)
            return false;
    if (n < 1 || *p++ != '/')
        return false;
    int64_t count = 1;
    if (*p >= '0' && *p <= '9') {
        count = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if ((count = count * 10 + (*p - '0')) > STORE_MAX_RATE_WINDOW)
                return false;
    }
    int64_t unit;
    switch (*p) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return false;
    }
    if (p[1] != '\0' || count < 1 || count > STORE_MAX_RATE_WINDOW / unit)
        return false;
    *hits = n;
    *window_seconds = count * unit;
    return true;
}

/* The rule in force: its variable when well-formed, else its default. */
static void rule_values(const struct rate_rule *rule, int64_t *hits, int64_t *window)
{
    const char *v = getenv(rule->env);
    if (!v || !*v || !rate_limit_parse(v, hits, window))
        rate_limit_parse(rule->fallback, hits, window);
}

const char *rate_limit_client(const struct ing_http_request *req)
{
    const char *ip = route_client_ip(req);
    if (!ip)
        return "unknown";
    unsigned char a[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET6, ip, a) != 1)
        return ip;
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, v4_mapped, sizeof v4_mapped) == 0)
        return ip; /* one IPv4 client */
    memset(a + 8, 0, 8);
    char out[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, a, out, sizeof out))
        return ip;
    return ing_sprintf(req->ctx, "%s/64", out);
}

/* "<variable>:<SHA-256 of the parts, hex>": fixed length, and no address or
 * email address kept in the store. */
static const char *identity_key(struct ing_ctx *c, const struct rate_rule *rule, const char *const *parts)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[32];
    unsigned int n = 0;
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && parts[i]; i++)
        /* the NUL after each part keeps ("ab","c") apart from ("a","bc") */
        ok = EVP_DigestUpdate(md, parts[i], strlen(parts[i]) + 1) == 1;
    ok = ok && EVP_DigestFinal_ex(md, digest, &n) == 1 && n == sizeof digest;
    EVP_MD_CTX_free(md);
    if (!ok)
        return NULL;
    char hex[2 * sizeof digest + 1];
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return ing_sprintf(c, "%s:%s", rule->env, hex);
}

bool rate_limit_allow(const struct ing_http_request *req, struct ing_http_response *res,
                      const struct rate_rule *rule, const char *const *parts)
{
    int64_t limit, window;
    rule_values(rule, &limit, &window);
    if (limit == 0)
        return true;
    struct store *s = product_store(req->ctx);
    const char *key = identity_key(req->ctx, rule, parts);
    int64_t hits = 0, retry_after = 0;
    enum store_result r = key ? store_rate_hit(s, key, window, &hits, &retry_after) : STORE_RETRY;
    if (r != STORE_OK) {
        ing_log(ING_LOG_WARN, "%s: %s not enforced for this request: %s", req->path, rule->env,
                key ? store_error(s) : "could not hash the client's identity");
        return true;
    }
    if (hits <= limit)
        return true;
    route_fail(req, res, 429, rule->refusal);
    ing_http_add_header(res, ing_sprintf(req->ctx, "Retry-After: %lld", (long long)retry_after));
    return false;
}

void rate_limit_report_settings(void)
{
    for (size_t i = 0; i < sizeof all_rules / sizeof all_rules[0]; i++) {
        const struct rate_rule *rule = all_rules[i];
        const char *v = getenv(rule->env);
        int64_t hits, window;
        if (v && *v && !rate_limit_parse(v, &hits, &window))
            ing_log(ING_LOG_ERROR, "%s is not <hits>/<window> (like %s) nor off: using %s", rule->env,
                    rule->fallback, rule->fallback);
        rule_values(rule, &hits, &window);
        if (hits == 0)
            ing_log(ING_LOG_WARN, "%s=off: that limit is not enforced", rule->env);
        else
            ing_log(ING_LOG_DEBUG, "%s: %lld per %lld s", rule->env, (long long)hits, (long long)window);
    }
}
