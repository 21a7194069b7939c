/* trace.c: trace ids (see trace.h). */
#include "common/trace.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void trace_id_new(char out[TRACE_ID_LEN + 1])
{
        unsigned char b[TRACE_ID_LEN / 2];
        if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                uint64_t x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
                             ((uint64_t)getpid() << 32);
                for (size_t i = 0; i < sizeof(b); i++) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        b[i] = (unsigned char)x;
                }
        }
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}
