/* bench_sdk_memory.c: SDK overhead — an in-memory reader (a counter) into an in-memory
 * writer (a sum), commit interval 1,000, every chunk's checkpoint and step execution row
 * committed to an SQLite repository (WAL, synchronous=FULL) in a temporary directory.
 * Prints items per second on one core (wall clock, and per second of the process's CPU
 * time, which the disk's fsync latency does not move) against the target of 10 M/s, and
 * the allocations (malloc, calloc, realloc: bench/sdk/malloc_count.c, linked in) per item
 * and per chunk of the run. Fails (exit 1) on a wrong sum or when the run allocates once
 * per item or more. Usage: bench_sdk_memory [ITEMS]; BENCH_SDK_DIR names the directory of
 * the repository (default /tmp; /dev/shm leaves out the disk). */
#include "batch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TARGET_ITEMS_PER_S 10e6

unsigned long malloc_count(void); /* bench/sdk/malloc_count.c */

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

static int op(void *ud, struct batch_ctx *ctx, const char *p, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        struct src *s = ud;
        s->next = p ? atoll(p) : 0;
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

static double now(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        int64_t n = argc > 1 ? atoll(argv[1]) : 20000000;
        /* BENCH_SDK_DIR: where the repository goes (default /tmp). */
        const char *base = getenv("BENCH_SDK_DIR");
        char dir[256], db[300];
        snprintf(dir, sizeof(dir), "%s/bench-sdk-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(dir))
                return 1;
        snprintf(db, sizeof(db), "%s/repo.db", dir);
        struct src s = {.n = n};
        struct batch_reader r = {.open_cb = op, .read_cb = rd, .position_cb = pos, .ud = &s};
        struct batch_writer w = {.write_cb = wr, .ud = &s};
        struct batch_job *job = batch_job_new("bench");
        batch_job_add_step(job, batch_chunk_step_new("mem", &r, NULL, &w, 1000), NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        struct batch_err err = {0};
        double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        unsigned long m0 = malloc_count();
        int rc = batch_job_run(job, &o, &res, &err);
        unsigned long allocs = malloc_count() - m0;
        double t = now(CLOCK_MONOTONIC) - t0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        batch_job_free(job);
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                return 1;
        if (rc < 0 || s.sum != n * (n + 1) / 2) {
                fprintf(stderr, "bench_sdk_memory: %s\n", rc < 0 ? err.msg : "wrong sum");
                return 1;
        }
        double chunks = res.counts.commit > 0 ? (double)res.counts.commit : 1;
        printf("in-memory reader -> writer, commit interval 1000, SQLite checkpoints: "
               "%lld items in %.3f s = %.2f M items/s (%lld commits, %.1f us per commit); "
               "CPU %.3f s = %.2f M items per CPU second (%.1f us per commit); "
               "target >= %.0f M items/s: %s\n",
               (long long)n, t, (double)n / t / 1e6, (long long)res.counts.commit,
               t * 1e6 / chunks, cpu, (double)n / cpu / 1e6, cpu * 1e6 / chunks,
               TARGET_ITEMS_PER_S / 1e6, (double)n / t >= TARGET_ITEMS_PER_S ? "met" : "missed");
        /* Setup (the repository's schema) is counted too: a small part of a long run. */
        bool per_item = n > 0 && allocs >= (unsigned long)n;
        printf("allocations (malloc, calloc, realloc) in the run: %lu = %.4f per item, %.1f per "
               "chunk; none per item: %s\n",
               allocs, n > 0 ? (double)allocs / (double)n : 0.0, (double)allocs / chunks,
               per_item ? "missed" : "met");
        return per_item ? 1 : 0;
}
