/*
 * preflight.h — `inngest-fcgi --check`: would this program start, and would
 * its sync register the right URL?  For CI and deploy hooks.
 *
 * Loads the settings and validates the function table exactly as start-up
 * does, then looks for the deployment mistakes that only show later (a cloud
 * deployment without its keys or its public origin), prints the sync payload
 * the program would send to stdout and its findings to stderr.  Offline: it
 * opens no socket and calls no server.  Never prints a key.
 */
#ifndef ING_PREFLIGHT_H
#define ING_PREFLIGHT_H

#include <stdio.h>

#include "core/settings.h"
#include "inngest.h"

/* The sync URL's path when INNGEST_SERVE_PATH is not set: where the nginx
 * snippet mounts the endpoint. */
#define PREFLIGHT_DEFAULT_PATH "/api/inngest"

/* Returns the exit status: 0 when nothing is wrong, 1 otherwise. */
int preflight_run(const struct ing_app *app, settings_getenv_fn get, FILE *out, FILE *diag);

#endif
