/*
 * ip_list.c — address lists: parse once, match per connection or request.
 */
#include "base/ip_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* ::ffff:a.b.c.d → a.b.c.d, so one IPv4 entry covers both ways a socket can
 * report an IPv4 peer. */
static void unmap(struct ip_net *a)
{
    if (a->family == AF_INET6 && memcmp(a->addr, v4_mapped_prefix, 12) == 0) {
        memmove(a->addr, a->addr + 12, 4);
        memset(a->addr + 4, 0, 12);
        a->family = AF_INET;
        a->prefix = a->prefix >= 96 ? a->prefix - 96 : 0;
    }
}

bool ip_parse(const char *text, struct ip_net *out)
{
    memset(out, 0, sizeof(*out));
    if (!text)
        return false;
    if (inet_pton(AF_INET, text, out->addr) == 1) {
        out->family = AF_INET;
        out->prefix = 32;
        return true;
    }
    if (inet_pton(AF_INET6, text, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix = 128;
        unmap(out);
        return true;
    }
    return false;
}

void ip_format(const struct ip_net *addr, char *out, size_t out_size)
{
    if (!inet_ntop(addr->family, addr->addr, out, (socklen_t)out_size) && out_size)
        out[0] = '\0';
}

void ip_list_loopback(struct ip_list *out)
{
    memset(out, 0, sizeof(*out));
    out->nets[0] = (struct ip_net){.family = AF_INET, .addr = {127}, .prefix = 8};
    out->nets[1] = (struct ip_net){.family = AF_INET6, .addr = {[15] = 1}, .prefix = 128};
    out->count = 2;
}

bool ip_list_parse(const char *text, const char *what, struct ip_list *out, char *err,
                   size_t err_size)
{
    memset(out, 0, sizeof(*out));
    const char *p = text;
    for (;;) {
        p += strspn(p, ", \t");
        if (!*p)
            return true;
        size_t n = strcspn(p, ", \t");
        char entry[64];
        if (n >= sizeof(entry)) {
            snprintf(err, err_size, "%s: entry \"%.20s…\" is not an address", what, p);
            return false;
        }
        memcpy(entry, p, n);
        entry[n] = '\0';
        p += n;
        char *slash = strchr(entry, '/');
        long prefix = -1;
        if (slash) {
            char *end;
            *slash = '\0';
            prefix = strtol(slash + 1, &end, 10);
            if (!slash[1] || *end || prefix < 0)
                prefix = 999;
        }
        struct ip_net net;
        if (!ip_parse(entry, &net)) {
            snprintf(err, err_size, "%s: \"%s\" is not an IP address", what, entry);
            return false;
        }
        /* a mapped entry was unmapped: its prefix counts the last 32 bits */
        bool was_mapped = net.family == AF_INET && strchr(entry, ':');
        if (prefix >= 0) {
            long max = net.family == AF_INET && !was_mapped ? 32 : 128;
            if (prefix > max || (was_mapped && prefix < 96)) {
                snprintf(err, err_size, "%s: bad prefix length in \"%s/%s\"", what, entry, slash + 1);
                return false;
            }
            net.prefix = (unsigned)(was_mapped ? prefix - 96 : prefix);
        }
        if (out->count == IP_LIST_MAX) {
            snprintf(err, err_size, "%s: more than %d entries", what, IP_LIST_MAX);
            return false;
        }
        out->nets[out->count++] = net;
    }
}

static bool net_contains(const struct ip_net *net, const struct ip_net *a)
{
    if (net->family != a->family)
        return false;
    unsigned bits = net->prefix, i = 0;
    for (; bits >= 8; bits -= 8, i++)
        if (net->addr[i] != a->addr[i])
            return false;
    if (bits == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFFu << (8 - bits));
    return (net->addr[i] & mask) == (a->addr[i] & mask);
}

bool ip_list_contains(const struct ip_list *l, const struct ip_net *addr)
{
    for (size_t i = 0; i < l->count; i++)
        if (net_contains(&l->nets[i], addr))
            return true;
    return false;
}

bool ip_list_contains_text(const struct ip_list *l, const char *text)
{
    struct ip_net a;
    return ip_parse(text, &a) && ip_list_contains(l, &a);
}

bool ip_list_contains_sockaddr(const struct ip_list *l, const struct sockaddr *sa)
{
    struct ip_net a = {0};
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        memcpy(a.addr, &in->sin_addr, 4);
        a.family = AF_INET;
        a.prefix = 32;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(a.addr, &in6->sin6_addr, 16);
        a.family = AF_INET6;
        a.prefix = 128;
        unmap(&a);
    } else {
        return false;
    }
    return ip_list_contains(l, &a);
}
