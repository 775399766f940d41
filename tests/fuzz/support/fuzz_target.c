/*
 * fuzz_target.c — the start-up every target shares: the server of the
 * target's fuzz_setup, built once per process from its environment (see
 * fuzz_target.h).
 */
#include "fuzz_target.h"

#include <stdlib.h>

struct server *fuzz_srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!fuzz_setup.app)
        return 0;
    static const char *const cloud[] = {FUZZ_CLOUD_ENV, NULL};
    const char *const *base = fuzz_setup.env ? fuzz_setup.env : cloud;
    size_t n = 0;
    while (base[n])
        n++;
    /* fuzz_server keeps reading the list: it lives as long as the process */
    const char **env = calloc(n + 2, sizeof(*env));
    if (!env)
        abort();
    for (size_t i = 0; i < n; i++)
        env[i] = base[i];
    if (fuzz_setup.temp_db)
        env[n] = fuzz_temp_db_env();
    fuzz_srv = fuzz_server(fuzz_setup.app, env);
    return 0;
}
