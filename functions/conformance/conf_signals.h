/* conf_signals.h — handlers of conf_signals.c, listed in conformance_app.c. */
#ifndef CONF_SIGNALS_H
#define CONF_SIGNALS_H

#include "inngest.h"

json_object *conf_signal(struct ing_ctx *c);
json_object *conf_signal_send(struct ing_ctx *c);
json_object *conf_realtime(struct ing_ctx *c);
void conf_realtime_token_route(const struct ing_http_request *req, struct ing_http_response *res);

#endif
