/*
 * ulid.c — ULIDs (see ulid.h).  The random part comes from getrandom(): a run
 * id is the handle of someone's request, so it must not be guessable from
 * another one.
 */
#include "base/ulid.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void ulid_format(uint64_t ms, const unsigned char entropy[10], char out[ULID_SIZE])
{
    /* 10 characters of time (50 bits, the top two always zero) */
    for (int i = 9; i >= 0; i--) {
        out[i] = crockford[ms & 31];
        ms >>= 5;
    }
    /* 16 characters of entropy: 80 bits, 5 at a time */
    int bit = 0;
    for (int i = 0; i < 16; i++, bit += 5) {
        unsigned v = 0;
        for (int b = 0; b < 5; b++) {
            int at = bit + b;
            v = (v << 1) | ((entropy[at / 8] >> (7 - at % 8)) & 1u);
        }
        out[10 + i] = crockford[v];
    }
    out[26] = '\0';
}

bool ulid_new(char out[ULID_SIZE])
{
    unsigned char entropy[10];
    size_t got = 0;
    while (got < sizeof(entropy)) {
        ssize_t n = getrandom(entropy + got, sizeof(entropy) - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        got += (size_t)n;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ulid_format((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u, entropy, out);
    return true;
}
