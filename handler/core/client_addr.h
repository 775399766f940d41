/*
 * client_addr.h — which address a request came from, for the app's routes
 * (rate limits, the ip recorded with a contact form).
 *
 * REMOTE_ADDR is the peer nginx saw.  When that peer is a proxy the operator
 * trusts (INNGEST_TRUST_FORWARDED=1 and REMOTE_ADDR in
 * INNGEST_TRUSTED_PROXIES, default loopback), X-Forwarded-For is read from the
 * right: each proxy appends the address it got the request from, so the
 * entries right of the last trusted hop were written by trusted proxies and
 * the first entry that is not a trusted proxy is the client.  Everything left
 * of it was written by the client and is never used.  An entry that is not an
 * address stops the walk at the hop that forwarded it.
 */
#ifndef ING_CLIENT_ADDR_H
#define ING_CLIENT_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/ip_list.h"

/* The client's address into out (normalized text), or `remote` itself when
 * nothing is forwarded or trusted (NULL when remote is NULL or empty). */
const char *client_addr_resolve(const char *remote, const char *forwarded_for, bool trust_forwarded,
                                const struct ip_list *trusted, char *out, size_t out_size);

#endif
