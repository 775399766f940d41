/*
 * product.h — the product app's functions and routes, one file per area.
 */
#ifndef PRODUCT_H
#define PRODUCT_H

#include "inngest.h"

json_object *hello_world(struct ing_ctx *c);

#endif
