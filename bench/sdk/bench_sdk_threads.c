/* bench_sdk_threads.c: what a multi-threaded chunk step gains when the processor does
 * the work — 100,000 items whose processor spends about 20 us of CPU each, commit
 * interval 100, SQLite checkpoints, with 1 and with 2 threads (this machine has 2 cores).
 * Usage: bench_sdk_threads [ITEMS] */
#include "batch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct src {
        int64_t n, next, sum;
};

static int rd(void *ud, void **ret, struct batch_err *err)
{
        (void)err;
        struct src *s = ud;
        if (s->next >= s->n)
                return 0;
        *ret = (void *)(intptr_t)++s->next;
        return 1;
}

static int pos(void *ud, char **ret, struct batch_err *err)
{
        (void)err;
        struct src *s = ud;
        char b[32];
        snprintf(b, sizeof(b), "%lld", (long long)s->next);
        *ret = strdup(b);
        return *ret ? 0 : BATCH_ENOMEM;
}

/* About 20 us of arithmetic that the compiler cannot drop. */
static int work(void *ud, struct batch_ctx *ctx, void *in, void **out, struct batch_err *err)
{
        (void)ud;
        (void)ctx;
        (void)err;
        volatile uint64_t x = (uint64_t)(intptr_t)in;
        for (int i = 0; i < 20000; i++)
                x = x * 6364136223846793005ull + 1442695040888963407ull;
        *out = in;
        return 0;
}

static int wr(void *ud, struct batch_ctx *ctx, void *const *items, size_t n, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        struct src *s = ud;
        for (size_t i = 0; i < n; i++)
                s->sum += (intptr_t)items[i];
        return 0;
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(int64_t n, unsigned threads, const char *db)
{
        struct src s = {.n = n};
        struct batch_reader r = {.read_cb = rd, .position_cb = pos, .ud = &s};
        struct batch_processor p = {.process_cb = work};
        struct batch_writer w = {.write_cb = wr, .ud = &s};
        struct batch_job *job = batch_job_new("bench");
        struct batch_step *st = batch_chunk_step_new("work", &r, &p, &w, 100);
        batch_step_set_threads(st, threads);
        batch_job_add_step(job, st, NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        double t0 = now();
        int rc = batch_job_run(job, &o, &res, NULL);
        double t = now() - t0;
        batch_job_free(job);
        if (rc < 0 || s.sum != n * (n + 1) / 2)
                return -1;
        return t;
}

int main(int argc, char **argv)
{
        int64_t n = argc > 1 ? atoll(argv[1]) : 100000;
        char dir[] = "/tmp/bench-sdk-XXXXXX", db1[64], db2[64];
        if (!mkdtemp(dir))
                return 1;
        snprintf(db1, sizeof(db1), "%s/one.db", dir);
        snprintf(db2, sizeof(db2), "%s/two.db", dir);
        double t1 = run(n, 1, db1), t2 = run(n, 2, db2);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0 || t1 < 0 || t2 < 0)
                return 1;
        printf("multi-threaded chunk step, %lld items of ~20 us processing, commit interval 100: "
               "1 thread %.2f s, 2 threads %.2f s (%.2fx)\n",
               (long long)n, t1, t2, t1 / t2);
        return 0;
}
