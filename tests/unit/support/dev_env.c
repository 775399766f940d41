/* dev_env.c — a dev-mode environment for server_init() (dev_env.h). */
#include "dev_env.h"

#include <string.h>

const char *dev_env(const char *name)
{
    return strcmp(name, "INNGEST_DEV") == 0 ? "1" : NULL;
}
