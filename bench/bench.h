/* bench.h: what the benchmark programs share: a monotonic clock in seconds, a small
 * deterministic random generator and the process's peak RSS. Header-only. */
#ifndef BATCH_BENCH_H
#define BATCH_BENCH_H

#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

static inline double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64: the same sequence on every run. */
static uint64_t bench_rng = 88172645463325252ULL;

static inline uint32_t rnd(uint32_t n)
{
        bench_rng ^= bench_rng << 13;
        bench_rng ^= bench_rng >> 7;
        bench_rng ^= bench_rng << 17;
        return (uint32_t)(bench_rng % n);
}

/* CPU time of the process, in seconds: a figure a busy machine disturbs less than the
 * wall time. */
static inline double cpu_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline long peak_rss_kib(void)
{
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_maxrss;
}

#endif
