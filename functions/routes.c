/*
 * routes.c — the product app's HTTP routes (functions.md §2, "Validate →
 * Queue → Respond"), served by the same program next to /api/inngest.
 * One line per route; each handler lives in its area's file.
 */
#include "product.h"

const struct ing_route product_routes[] = {
    {.path = "/api/hello", .handler = hello_route},
    {0},
};
