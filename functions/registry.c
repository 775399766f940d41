/*
 * registry.c — the product app's dispatch table: one line per function.
 * Adding a function is: write it in its area's file, declare it in
 * product.h, add its line here.
 */
#include "inngest.h"
#include "product.h"

static const struct ing_function product_functions[] = {
    {.id = "hello-world", .name = "Hello world",
     .triggers = {ING_EVENT("test/hello.world")}, .handler = hello_world},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "inngest-fcgi",
    .functions = product_functions,
    .function_count = ING_COUNT(product_functions),
    .routes = product_routes, /* ends with an empty entry */
};
