/*
 * dev_env.h — the environment of a server in dev mode and nothing else
 * (INNGEST_DEV=1), for the tests that build a struct server with
 * server_init() and need no other setting.
 */
#ifndef TEST_DEV_ENV_H
#define TEST_DEV_ENV_H

/* server_init's getenv: "1" for INNGEST_DEV, NULL for every other name. */
const char *dev_env(const char *name);

#endif
