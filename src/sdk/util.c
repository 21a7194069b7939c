/* util.c: small helpers of libbatch — clocks, backoff with jitter, interruptible sleep,
 * counts, error strings. */
#include "sdk/sdk-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t sdk_stop_flag;

int64_t sdk_mono_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t sdk_wall_s(void)
{
        return (int64_t)time(NULL);
}

void sdk_retry_default(struct batch_retry_policy *p)
{
        p->max_attempts = 3;
        p->initial_delay_us = 100000;
        p->max_delay_us = 10000000;
        p->multiplier = 2.0;
        p->jitter = 0.5;
}

/* xorshift64*: jitter needs no cryptographic quality. */
static uint64_t next_random(uint64_t *seed)
{
        uint64_t x = *seed ? *seed : 0x9E3779B97F4A7C15ull;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *seed = x;
        return x * 0x2545F4914F6CDD1Dull;
}

int64_t sdk_backoff_us(const struct batch_retry_policy *p, unsigned attempt, uint64_t *seed)
{
        double d = (double)p->initial_delay_us;
        for (unsigned i = 1; i < attempt && d < (double)p->max_delay_us; i++)
                d *= p->multiplier;
        if (d > (double)p->max_delay_us)
                d = (double)p->max_delay_us;
        double u = (double)(next_random(seed) >> 11) / (double)(1ull << 53); /* [0, 1) */
        return (int64_t)(d * (1.0 - p->jitter * u));
}

void sdk_sleep_us(int64_t us)
{
        int64_t end = sdk_mono_us() + us;
        while (!sdk_stop_flag) {
                int64_t left = end - sdk_mono_us();
                if (left <= 0)
                        break;
                if (left > 50000)
                        left = 50000; /* look at the stop flag now and then */
                struct timespec ts = {left / 1000000, (left % 1000000) * 1000};
                nanosleep(&ts, NULL);
        }
}

void batch_request_stop(void)
{
        sdk_stop_flag = 1;
}

void sdk_counts_add(struct batch_counts *a, const struct batch_counts *b)
{
        a->read += b->read;
        a->write += b->write;
        a->commit += b->commit;
        a->rollback += b->rollback;
        a->read_skip += b->read_skip;
        a->process_skip += b->process_skip;
        a->write_skip += b->write_skip;
        a->filter += b->filter;
}

char *sdk_strdup(const char *s)
{
        return s ? strdup(s) : NULL;
}

const char *batch_error_string(int code)
{
        switch (code) {
#define SDK_ERR_STR(name, value, desc)                                                            \
        case BATCH_##name:                                                                        \
                return desc;
                BATCH_SDK_ERR_MAP(SDK_ERR_STR)
#undef SDK_ERR_STR
        }
        return batch_strerror(code);
}
