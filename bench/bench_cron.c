/* bench_cron.c: next-fire computations per second over a fixed mixed corpus, and
 * parses per second. Prints a table; asserts nothing (docs/performance.md). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/cron.h"
#include "sys/zoneinfo.h"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct group {
        const char *name;
        const char *zone;
        const char *exprs[8];
};

static const struct group groups[] = {
        {"simple 5-field, UTC", "UTC",
         {"*/5 * * * *", "30 23 * * *", "0 9 * * 1-5", "0 0 1 * *", "15,45 8-18 * * *", NULL}},
        {"simple 5-field, Europe/Berlin", "Europe/Berlin",
         {"*/5 * * * *", "30 23 * * *", "0 9 * * 1-5", "0 0 1 * *", "15,45 8-18 * * *", NULL}},
        {"complex (L, W, #, LW, L-n, nL), Europe/Berlin", "Europe/Berlin",
         {"0 0 0 L * ?", "0 0 6 15W * ?", "0 0 12 ? * 5#3", "0 30 18 LW * ?", "0 0 0 L-2 * ?",
          "0 0 22 ? * FRIL", NULL}},
        {"6-field with seconds, America/New_York", "America/New_York",
         {"*/10 * * * * *", "0 */15 9-17 ? * MON-FRI", "30 0 0 1,15 * ?", NULL}},
};

/* Chained: next(next(...)) from a fixed start; random: from pseudo-random starts. */
static void run(const struct group *g, int random_starts)
{
        const struct tz *z;
        struct batch_err err;
        if (zoneinfo_get(g->zone, &z, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        struct cron c[8];
        int n = 0;
        for (; g->exprs[n]; n++)
                if (cron_parse(g->exprs[n], &c[n], &err) < 0) {
                        fprintf(stderr, "%s\n", err.msg);
                        exit(1);
                }
        uint64_t rng = 88172645463325252ULL;
        long count = 0;
        int64_t t[8], sink = 0;
        for (int i = 0; i < n; i++)
                t[i] = 1767225600; /* 2026-01-01T00:00:00Z */
        double start = now_s(), elapsed;
        do {
                for (int k = 0; k < 10000; k++) {
                        int i = k % n;
                        int64_t from = t[i];
                        if (random_starts) {
                                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                                from = 1767225600 + (int64_t)(rng % (10ULL * 365 * 86400));
                        }
                        int64_t next;
                        if (cron_next(&c[i], z, from, &next) == 0) {
                                sink += next;
                                /* Chains wrap at 2100 to stay in the years schedules live in. */
                                t[i] = next < 4102444800 ? next : 1767225600;
                        } else {
                                t[i] = 1767225600;
                        }
                }
                count += 10000;
                elapsed = now_s() - start;
        } while (elapsed < 1.0);
        printf("| %-46s | %-7s | %12.0f | %7.1f |\n", g->name, random_starts ? "random" : "chained",
               (double)count / elapsed, elapsed / (double)count * 1e9);
        if (sink == 42)
                puts("");
}

int main(void)
{
        printf("cron next-fire computations, one thread, about 1 s per row\n\n");
        printf("| %-46s | %-7s | %12s | %7s |\n", "corpus", "starts", "per second", "ns each");
        printf("|%s|%s|%s|%s|\n", "------------------------------------------------",
               "---------", "--------------", "---------");
        for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
                run(&groups[i], 0);
                run(&groups[i], 1);
        }
        const char *texts[] = {"*/5 * * * *", "0 30 18 LW * ?", "0 0 12 ? * 5#3",
                               "0 */15 9-17 ? * MON-FRI"};
        long count = 0;
        double start = now_s(), elapsed;
        do {
                for (int k = 0; k < 1000; k++) {
                        struct cron c;
                        cron_parse(texts[k % 4], &c, NULL);
                }
                count += 1000;
                elapsed = now_s() - start;
        } while (elapsed < 1.0);
        printf("\ncron_parse (includes the 400-year never-fires check): %.0f per second, %.1f µs "
               "each\n",
               (double)count / elapsed, elapsed / (double)count * 1e6);
        return 0;
}
