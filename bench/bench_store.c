/* bench_store.c: instance state transitions per second, batched N transitions per
 * transaction. Without an argument on the SQLite backend with the default durability
 * (WAL, synchronous=FULL) in a repository under /tmp; with one, in the repository it
 * names (a postgresql:// URL to an empty database). Prints a table; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/lifecycle.h"
#include "store/store.h"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const struct batch_err *err)
{
        fprintf(stderr, "bench_store: %s\n", err->msg);
        exit(1);
}

int main(int argc, char **argv)
{
        char dir[] = "/tmp/batchd-bench-XXXXXX";
        if (!mkdtemp(dir))
                return 1;
        char path[64];
        snprintf(path, sizeof(path), "%s/bench.db", dir);
        struct store *s;
        struct batch_err err;
        if (store_open(argc > 1 ? argv[1] : path, &s, &err) < 0)
                die(&err);
        enum { N = 36000 };
        int64_t *ids = malloc(N * sizeof(*ids));
        double t0 = now_s();
        if (store_begin(s, &err) < 0)
                die(&err);
        for (int i = 0; i < N; i++) {
                char trace[32];
                snprintf(trace, sizeof(trace), "t%d", i);
                struct store_instance in = {.tenant = (char *)"default",
                                            .job = (char *)"bench",
                                            .scheduled = true,
                                            .due = 1767225600 + (int64_t)i * 60,
                                            .first_due = 1767225600 + (int64_t)i * 60,
                                            .last_due = 1767225600 + (int64_t)i * 60,
                                            .state = STATE_INIT,
                                            .trace_id = trace};
                if (store_instance_create(s, &in, "bench", 1, &ids[i], &err) < 0)
                        die(&err);
        }
        if (store_commit(s, &err) < 0)
                die(&err);
        double t1 = now_s();
        printf("instance creation (with its first transition), one transaction: %.0f per "
               "second\n\n",
               N / (t1 - t0));
        printf("| transitions per transaction | transitions per second |\n|---|---|\n");
        /* Each row moves its own instances from Init to Starting: every update is a real,
         * conditional change with its history row. */
        static const int batches[] = {1, 10, 100, 1000};
        static const int totals[] = {500, 5000, 15000, 15000};
        int next = 0;
        for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
                int done = 0;
                double start = now_s();
                while (done < totals[b]) {
                        if (store_begin(s, &err) < 0)
                                die(&err);
                        for (int k = 0; k < batches[b] && done < totals[b]; k++, done++)
                                if (store_instance_transition(s, ids[next++], STATE_INIT,
                                                              STATE_STARTING, "bench", NULL, 2,
                                                              &err) < 0)
                                        die(&err);
                        if (store_commit(s, &err) < 0)
                                die(&err);
                }
                printf("| %d | %.0f |\n", batches[b], totals[b] / (now_s() - start));
        }
        /* Reads: every instance by id, then all of them in keyset pages of 100. */
        double r0 = now_s();
        for (int i = 0; i < N; i++) {
                struct store_instance in;
                if (store_instance_get(s, ids[i], &in, &err) < 0)
                        die(&err);
                store_instance_release(&in);
        }
        double r1 = now_s();
        int64_t after = 0;
        for (size_t n = 100; n == 100;) {
                struct store_instance_filter f = {.tenant = "default", .state = -1,
                                                  .after_id = after, .limit = 100};
                struct store_instance_list l;
                if (store_instance_list(s, &f, &l, &err) < 0)
                        die(&err);
                n = l.n;
                after = n ? l.items[n - 1].id : after;
                store_instance_list_release(&l);
        }
        printf("\ninstance reads: %.0f gets per second; %.0f instances listed per second "
               "(pages of 100)\n",
               N / (r1 - r0), N / (now_s() - r1));
        store_close(s);
        char cmd[96];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        free(ids);
        return system(cmd) == 0 ? 0 : 1;
}
