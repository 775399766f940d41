/*
 * conf_gateway.h — the conformance functions of conf_gateway.c, listed in
 * conformance_app.c's table (functions/README.md §1.1).
 */
#ifndef CONF_GATEWAY_H
#define CONF_GATEWAY_H

#include "inngest.h"

json_object *conf_fetch(struct ing_ctx *c);
json_object *conf_ai_infer(struct ing_ctx *c);
json_object *conf_ai_wrap(struct ing_ctx *c);
json_object *conf_race(struct ing_ctx *c);

#endif
