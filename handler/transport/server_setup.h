/*
 * server_setup.h — building the shared state of core/server.h at start-up
 * (settings, the validated function table, prepared keys, the rendered GET
 * answers) and the per-worker parts after fork.  It lives in transport/
 * because it assembles every layer below.
 */
#ifndef ING_SERVER_SETUP_H
#define ING_SERVER_SETUP_H

#include "core/server.h"

/* Loads settings from the environment and validates the function table.
 * false + message when the program must not start. */
bool server_init(struct server *s, const struct ing_app *app, settings_getenv_fn get,
                 char *err, size_t err_size);
bool server_init_worker(struct server *s);
void server_close_worker(struct server *s);

/* Says once, at start, which optional settings are missing (by name, never a value). */
void server_report_settings(const struct server *s);

#endif
