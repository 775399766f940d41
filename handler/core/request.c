/*
 * request.c — reading the CGI parameters of a request.  Never copies the body.
 */
#include "core/request.h"

#include <stdbool.h>
#include <string.h>

#include "base/hex.h"

const char *request_param(const struct request *r, const char *name)
{
    if (!r->params)
        return NULL;
    size_t n = strlen(name);
    for (char **p = r->params; *p; p++)
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
            return *p + n + 1;
    return NULL;
}

/* Decodes src[0..len) (%XX and '+') into out; false if it does not fit. */
static bool url_decode(const char *src, size_t len, char *out, size_t out_size)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < len + 0 && hex_value(src[i + 1]) >= 0 &&
                   hex_value(src[i + 2]) >= 0) {
            c = (char)(hex_value(src[i + 1]) * 16 + hex_value(src[i + 2]));
            i += 2;
        }
        if (o + 1 >= out_size)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

const char *request_query(const struct request *r, const char *key, char *out, size_t out_size)
{
    const char *q = r->query;
    size_t klen = strlen(key);
    while (q && *q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        size_t name_len = eq ? (size_t)(eq - q) : len;
        if (name_len == klen && strncmp(q, key, klen) == 0) {
            const char *v = eq ? eq + 1 : q + len;
            size_t vlen = (size_t)(q + len - v);
            return url_decode(v, vlen, out, out_size) ? out : NULL;
        }
        q = end ? end + 1 : NULL;
    }
    return NULL;
}

void request_init(struct request *r, char **params)
{
    r->params = params;
    r->method = request_param(r, "REQUEST_METHOD");
    if (!r->method)
        r->method = "GET";
    r->query = request_param(r, "QUERY_STRING");
    if (!r->query)
        r->query = "";
    r->path = request_param(r, "DOCUMENT_URI");
    if (!r->path || !*r->path)
        r->path = request_param(r, "SCRIPT_NAME");
    if (!r->path || !*r->path)
        r->path = request_param(r, "REQUEST_URI");
    if (!r->path)
        r->path = "/";
}
