/*
 * ip_list.h — lists of IP addresses and networks from the environment
 * (FCGI_WEB_SERVER_ADDRS, INNGEST_TRUSTED_PROXIES) and the test whether an
 * address is in one.
 *
 * A list is "ADDR[/PREFIX], …" with IPv4 and IPv6 entries, commas and/or
 * spaces between them.  An IPv4-mapped IPv6 address (::ffff:127.0.0.1, what a
 * dual-stack socket reports) matches the IPv4 entries.  Parsed once at
 * start-up into a fixed-size value: no allocation, nothing to free.
 */
#ifndef ING_IP_LIST_H
#define ING_IP_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

#define IP_LIST_MAX 32

struct ip_net {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char addr[16];     /* network byte order; 4 bytes used for AF_INET */
    unsigned prefix;            /* bits */
};

struct ip_list {
    size_t count;
    struct ip_net nets[IP_LIST_MAX];
};

/* 127.0.0.0/8 and ::1. */
void ip_list_loopback(struct ip_list *out);

/* Parses `text`; false + message (naming `what`) on a malformed entry, a
 * prefix out of range or more than IP_LIST_MAX entries. */
bool ip_list_parse(const char *text, const char *what, struct ip_list *out, char *err,
                   size_t err_size);

/* Parses one textual address ("192.0.2.7", "2001:db8::1"); false if it is none. */
bool ip_parse(const char *text, struct ip_net *out);

/* The address in its usual text form (IPv4-mapped addresses as IPv4). */
void ip_format(const struct ip_net *addr, char *out, size_t out_size);

bool ip_list_contains(const struct ip_list *l, const struct ip_net *addr);
/* The same for an address in text; false when it is not an address. */
bool ip_list_contains_text(const struct ip_list *l, const char *text);
/* The same for a socket's peer (AF_INET / AF_INET6; false for any other family). */
bool ip_list_contains_sockaddr(const struct ip_list *l, const struct sockaddr *sa);

#endif
