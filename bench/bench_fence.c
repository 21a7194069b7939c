/* bench_fence.c: the cost of the planner's fence (docs/cluster.md): transactions per
 * second that each move one instance from Init to Starting, without and with the fence
 * (store_lease_check first in the transaction, FOR SHARE on PostgreSQL), alternated
 * ROUNDS times (default 5) so that both see the same machine. `bench_fence` uses an
 * SQLite repository under /tmp; `bench_fence DSN [ROUNDS]` the repository DSN names (a
 * postgresql:// URL to an empty database: bench/bench_fence_pg.sh). Prints one line
 * per round and the medians; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "core/lifecycle.h"
#include "store/store.h"

#define PER_ROUND 2000

static void die(const struct batch_err *err)
{
        fprintf(stderr, "bench_fence: %s\n", err->msg);
        exit(1);
}

static void create_instances(struct store *s, int n, int64_t *ids)
{
        struct batch_err err;
        if (store_begin(s, &err) < 0)
                die(&err);
        for (int i = 0; i < n; i++) {
                char trace[32];
                snprintf(trace, sizeof(trace), "t%d", i);
                int64_t due = 1767225600 + (int64_t)i * 60;
                struct store_instance in = {.tenant = (char *)"default", .job = (char *)"bench",
                                            .scheduled = true, .due = due, .first_due = due,
                                            .last_due = due, .state = STATE_INIT,
                                            .trace_id = trace};
                if (store_instance_create(s, &in, "bench", 1, &ids[i], &err) < 0)
                        die(&err);
        }
        if (store_commit(s, &err) < 0)
                die(&err);
}

/* PER_ROUND transactions from ids[*next]: transactions per second. */
static double round_rate(struct store *s, const int64_t *ids, int *next, bool fenced,
                         int64_t epoch)
{
        struct batch_err err;
        double t0 = now_s();
        for (int i = 0; i < PER_ROUND; i++) {
                if (store_begin(s, &err) < 0)
                        die(&err);
                if (fenced && store_lease_check(s, "planner", "bench", epoch, &err) < 0)
                        die(&err);
                if (store_instance_transition(s, ids[(*next)++], STATE_INIT, STATE_STARTING,
                                              "bench", NULL, 2, &err) < 0)
                        die(&err);
                if (store_commit(s, &err) < 0)
                        die(&err);
        }
        return PER_ROUND / (now_s() - t0);
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        char path[64] = "";
        const char *dsn = argc > 1 ? argv[1] : NULL;
        int rounds = argc > 2 ? atoi(argv[2]) : 5;
        if (rounds < 1 || rounds > 100)
                rounds = 5;
        if (!dsn) {
                snprintf(path, sizeof(path), "/tmp/bench_fence_%d.db", (int)getpid());
                dsn = path;
        }
        struct store *s;
        struct batch_err err;
        if (store_open(dsn, &s, &err) < 0)
                die(&err);
        int n = 2 * rounds * PER_ROUND;
        int64_t *ids = calloc((size_t)n, sizeof(*ids));
        if (!ids)
                return 1;
        create_instances(s, n, ids);
        bool held;
        int64_t epoch;
        if (store_lease_acquire(s, "planner", "bench", 1767225600, 3600, 0, &held, &epoch,
                                &err) < 0 || !held)
                die(&err);
        double plain[100], fenced[100];
        int next = 0;
        printf("%s: %d one-transition transactions per round\n", s->ops->name, PER_ROUND);
        for (int r = 0; r < rounds; r++) {
                plain[r] = round_rate(s, ids, &next, false, epoch);
                fenced[r] = round_rate(s, ids, &next, true, epoch);
                printf("round %d: %8.0f tx/s without the fence, %8.0f tx/s with it\n", r + 1,
                       plain[r], fenced[r]);
        }
        qsort(plain, (size_t)rounds, sizeof(double), cmp);
        qsort(fenced, (size_t)rounds, sizeof(double), cmp);
        double p = plain[rounds / 2], f = fenced[rounds / 2];
        printf("median: %.0f tx/s without, %.0f tx/s with the fence (%+.1f %%)\n", p, f,
               (f - p) / p * 100);
        free(ids);
        store_close(s);
        if (path[0]) {
                char side[80];
                unlink(path);
                snprintf(side, sizeof(side), "%s-wal", path);
                unlink(side);
                snprintf(side, sizeof(side), "%s-shm", path);
                unlink(side);
        }
        return 0;
}
