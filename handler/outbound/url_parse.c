/*
 * url_parse.c — ing_url_parse: libcurl's URL parser (RFC 3986) for apps that
 * read URLs from their settings, so that an app need not include
 * <curl/curl.h> (only outbound/ does) nor write a parser of its own.
 *
 * Never quotes the URL in a reason: it may hold a password.  The copies
 * curl made of the user and password are wiped before they are freed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "inngest.h"

static void wipe_free(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
    curl_free(s);
}

/* A malloc'd copy of a part curl gave (then wiped and freed); NULL on
 * allocation failure. */
static char *keep(char *part, bool secret)
{
    char *copy = strdup(part);
    if (secret)
        wipe_free(part);
    else
        curl_free(part);
    return copy;
}

/* Each '%' of a raw (still encoded) user or password starts %XX: libcurl
 * leaves a stray '%' in place where a mistyped password should be refused. */
static bool percent_encoding_ok(const char *raw)
{
    for (const char *p = strchr(raw, '%'); p; p = strchr(p + 1, '%'))
        if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
            return false;
    return true;
}

enum part_result { PART_NONE, PART_OK, PART_BAD, PART_NOMEM };

static enum part_result get_part(CURLU *u, CURLUPart part, bool decode, bool secret, char **out)
{
    char *raw = NULL, *decoded = NULL;
    *out = NULL;
    CURLUcode rc = curl_url_get(u, part, &raw, 0);
    if (rc == CURLUE_OUT_OF_MEMORY)
        return PART_NOMEM;
    if (rc != CURLUE_OK)
        return PART_NONE; /* CURLUE_NO_USER, CURLUE_NO_PORT, … */
    if (!decode) {
        *out = keep(raw, secret);
        return *out ? PART_OK : PART_NOMEM;
    }
    /* decoding refuses an encoded control byte (CURLUE_URLDECODE) */
    bool ok = percent_encoding_ok(raw) &&
              (rc = curl_url_get(u, part, &decoded, CURLU_URLDECODE)) == CURLUE_OK;
    if (secret)
        wipe_free(raw);
    else
        curl_free(raw);
    if (!ok)
        return rc == CURLUE_OUT_OF_MEMORY ? PART_NOMEM : PART_BAD;
    *out = keep(decoded, secret);
    return *out ? PART_OK : PART_NOMEM;
}

static bool why(char *err, size_t err_size, const char *text)
{
    if (err && err_size)
        snprintf(err, err_size, "%s", text);
    return false;
}

void ing_url_free(struct ing_url *u)
{
    if (!u)
        return;
    if (u->user)
        memset(u->user, 0, strlen(u->user));
    if (u->password)
        memset(u->password, 0, strlen(u->password));
    char *parts[] = {u->scheme, u->user, u->password, u->host, u->port, u->path, u->query, u->fragment};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        free(parts[i]);
    memset(u, 0, sizeof(*u));
}

bool ing_url_parse(const char *url, struct ing_url *out, char *err, size_t err_size)
{
    if (!out)
        return why(err, err_size, "no place for the parts");
    memset(out, 0, sizeof(*out));
    if (!url || !*url)
        return why(err, err_size, "empty");
    CURLU *u = curl_url();
    if (!u)
        return why(err, err_size, "out of memory");
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    bool ok = false;
    if (rc == CURLUE_NO_HOST)
        why(err, err_size, "no host");
    else if (rc == CURLUE_BAD_PORT_NUMBER)
        why(err, err_size, "the port must be a number from 1 to 65535");
    else if (rc == CURLUE_BAD_IPV6)
        why(err, err_size, "the IPv6 address has no closing ] or is malformed");
    else if (rc != CURLUE_OK) {
        if (err && err_size)
            snprintf(err, err_size, "not a URL (%s)", curl_url_strerror(rc));
    } else {
        struct {
            CURLUPart part;
            char **to;
            bool decode, secret;
            const char *bad;
        } parts[] = {
            {CURLUPART_SCHEME, &out->scheme, false, false, "the scheme is malformed"},
            {CURLUPART_USER, &out->user, true, true, "the user name is malformed"},
            {CURLUPART_PASSWORD, &out->password, true, true,
             "the password is malformed (percent-encode special characters)"},
            {CURLUPART_HOST, &out->host, true, false, "the host is malformed"},
            {CURLUPART_PORT, &out->port, false, false, "the port is malformed"},
            {CURLUPART_PATH, &out->path, false, false, "the path is malformed"},
            {CURLUPART_QUERY, &out->query, false, false, "the query is malformed"},
            {CURLUPART_FRAGMENT, &out->fragment, false, false, "the fragment is malformed"},
        };
        ok = true;
        for (size_t i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++) {
            enum part_result r = get_part(u, parts[i].part, parts[i].decode, parts[i].secret, parts[i].to);
            if (r == PART_BAD || r == PART_NOMEM)
                ok = why(err, err_size, r == PART_BAD ? parts[i].bad : "out of memory");
        }
        if (ok && (!out->host || !*out->host))
            ok = why(err, err_size, "no host");
        size_t hn = ok ? strlen(out->host) : 0;
        if (ok && out->host[0] == '[' && hn > 2 && out->host[hn - 1] == ']') {
            memmove(out->host, out->host + 1, hn - 2); /* ::1, as resolvers take it */
            out->host[hn - 2] = '\0';
        }
    }
    curl_url_cleanup(u);
    if (!ok)
        ing_url_free(out);
    return ok;
}
