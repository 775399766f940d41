/*
 * product.h — the product app's functions and routes, one file per area.
 */
#ifndef PRODUCT_H
#define PRODUCT_H

#include <stddef.h>

#include "inngest.h"

/* hello.c */
json_object *hello_world(struct ing_ctx *c);
void hello_route(const struct ing_http_request *req, struct ing_http_response *res);

/* routes.c: the route table, ending with an empty entry */
extern const struct ing_route product_routes[];

#endif
