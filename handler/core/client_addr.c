/*
 * client_addr.c — the right-most X-Forwarded-For entry that is not a trusted proxy.
 */
#include "core/client_addr.h"

#include <string.h>

/* One entry: "192.0.2.7", "2001:db8::1", "[2001:db8::1]:443" or "192.0.2.7:443". */
static bool parse_entry(const char *p, size_t n, struct ip_net *out)
{
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    char text[64];
    if (n == 0 || n >= sizeof(text))
        return false;
    if (p[0] == '[') {
        const char *close = memchr(p, ']', n);
        if (!close)
            return false;
        n = (size_t)(close - p - 1);
        p++;
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon && !memchr(colon + 1, ':', n - (size_t)(colon + 1 - p)))
            n = (size_t)(colon - p); /* IPv4 with a port */
    }
    memcpy(text, p, n);
    text[n] = '\0';
    return ip_parse(text, out);
}

const char *client_addr_resolve(const char *remote, const char *forwarded_for, bool trust_forwarded,
                                const struct ip_list *trusted, char *out, size_t out_size)
{
    if (!remote || !*remote)
        return NULL;
    struct ip_net hop;
    if (!trust_forwarded || !forwarded_for || !ip_parse(remote, &hop) ||
        !ip_list_contains(trusted, &hop))
        return remote;
    const char *end = forwarded_for + strlen(forwarded_for);
    while (end > forwarded_for) {
        const char *start = end;
        while (start > forwarded_for && start[-1] != ',')
            start--;
        struct ip_net entry;
        if (!parse_entry(start, (size_t)(end - start), &entry))
            break; /* not an address: trust stops at the hop that passed it on */
        hop = entry;
        if (!ip_list_contains(trusted, &entry))
            break; /* the client */
        end = start > forwarded_for ? start - 1 : start;
    }
    ip_format(&hop, out, out_size);
    return out;
}
