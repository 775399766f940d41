/*
 * conformance.h — what the conformance app's files share: the route table
 * (durable_routes.c) that conformance_app.c serves next to its functions.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include "inngest.h"

extern const struct ing_route conformance_routes[]; /* ends with an empty entry */

#endif
