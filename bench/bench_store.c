/* bench_store.c: instance state transitions per second on the SQLite backend, with
 * the default durability (WAL, synchronous=FULL), batched N transitions per
 * transaction, in a repository under /tmp. Prints a table; asserts nothing.
 * `bench_store ratio PAIRS` measures instead, alternated PAIRS times, transitions per
 * second through the store against SQLite by itself on a file beside it with the same
 * pragmas (bench/bench_ratios.sh prints the ratios): one transition per transaction
 * against bare commits (a one-row insert each), and 1,000 per transaction against the
 * same number of bare one-row updates plus inserts. Prints four lines of PAIRS figures.
 * `bench_store DSN` runs the table in the repository DSN names instead (a postgresql://
 * URL to an empty database: scripts/bench-compare.sh).
 * `bench_store fence DSN [ROUNDS]` measures the cost of the planner's fence
 * (docs/cluster.md): one-transition transactions per second without and with
 * store_lease_check first in each, 2,000 per round, alternated ROUNDS times (default 5);
 * a line per round and the medians (bench/bench_fence_pg.sh runs it on PostgreSQL). */
#include <sqlite3.h>
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

static void sql_ok(sqlite3 *db, int rc)
{
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
                fprintf(stderr, "bench_store: sqlite: %s\n", sqlite3_errmsg(db));
                exit(1);
        }
}

/* Creates n instances in Init (one transaction) and stores their ids in ids. */
static void create_instances(struct store *s, int n, int64_t *ids)
{
        struct batch_err err;
        if (store_begin(s, &err) < 0)
                die(&err);
        for (int i = 0; i < n; i++) {
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
}

/* Moves ids[*next...] from Init to Starting, `per` per transaction, `total` in all:
 * transitions per second. */
static double store_rate(struct store *s, const int64_t *ids, int *next, int per, int total)
{
        struct batch_err err;
        double t0 = now_s();
        for (int done = 0; done < total;) {
                if (store_begin(s, &err) < 0)
                        die(&err);
                for (int k = 0; k < per && done < total; k++, done++)
                        if (store_instance_transition(s, ids[(*next)++], STATE_INIT,
                                                      STATE_STARTING, "bench", NULL, 2, &err) < 0)
                                die(&err);
                if (store_commit(s, &err) < 0)
                        die(&err);
        }
        return total / (now_s() - t0);
}

/* SQLite alone: `total` operations, `per` per transaction; an operation is a one-row
 * insert (bare) or a one-row update plus a one-row insert (as a transition is).
 * Operations per second. */
static double sqlite_rate(sqlite3 *db, int per, int total, bool update)
{
        static int64_t row;
        sqlite3_stmt *ins, *upd, *begin, *commit;
        sql_ok(db, sqlite3_prepare_v2(db, "INSERT INTO h(rid, at, v) VALUES (?1, ?1, 'bench')",
                                      -1, &ins, NULL));
        sql_ok(db, sqlite3_prepare_v2(db, "UPDATE r SET state = state + 1 WHERE id = ?1", -1,
                                      &upd, NULL));
        sql_ok(db, sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL));
        sql_ok(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL));
        double t0 = now_s();
        for (int done = 0; done < total;) {
                sql_ok(db, sqlite3_step(begin));
                sqlite3_reset(begin);
                for (int k = 0; k < per && done < total; k++, done++) {
                        row = row % 100000 + 1;
                        if (update) {
                                sqlite3_bind_int64(upd, 1, row);
                                sql_ok(db, sqlite3_step(upd));
                                sqlite3_reset(upd);
                        }
                        sqlite3_bind_int64(ins, 1, row);
                        sql_ok(db, sqlite3_step(ins));
                        sqlite3_reset(ins);
                }
                sql_ok(db, sqlite3_step(commit));
                sqlite3_reset(commit);
        }
        double r = total / (now_s() - t0);
        sqlite3_finalize(ins);
        sqlite3_finalize(upd);
        sqlite3_finalize(begin);
        sqlite3_finalize(commit);
        return r;
}

static int ratio_main(int pairs)
{
        char dir[] = "/tmp/batchd-bench-XXXXXX";
        if (!mkdtemp(dir) || pairs < 1 || pairs > 20)
                return 1;
        char path[64], raw[64];
        snprintf(path, sizeof(path), "%s/bench.db", dir);
        snprintf(raw, sizeof(raw), "%s/raw.db", dir);
        struct store *s;
        struct batch_err err;
        if (store_open(path, &s, &err) < 0)
                die(&err);
        enum { ONE = 2000, MANY = 100000, PER = 1000 };
        int n = pairs * (ONE + MANY), next = 0;
        int64_t *ids = malloc((size_t)n * sizeof(*ids));
        create_instances(s, n, ids);
        sqlite3 *db;
        sql_ok(NULL, sqlite3_open(raw, &db));
        sql_ok(db, sqlite3_exec(db,
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                "CREATE TABLE r (id INTEGER PRIMARY KEY, state INTEGER NOT NULL);"
                                "CREATE TABLE h (id INTEGER PRIMARY KEY, rid INTEGER NOT NULL,"
                                " at INTEGER NOT NULL, v TEXT);"
                                "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k"
                                " WHERE i < 100000) INSERT INTO r SELECT i, 0 FROM k;",
                                NULL, NULL, NULL));
        double a1[20], b1[20], am[20], bm[20];
        for (int p = 0; p < pairs; p++) {
                a1[p] = store_rate(s, ids, &next, 1, ONE);
                b1[p] = sqlite_rate(db, 1, ONE, false);
                am[p] = store_rate(s, ids, &next, PER, MANY);
                bm[p] = sqlite_rate(db, PER, MANY, true);
        }
        const double *rows[] = {a1, b1, am, bm};
        for (int r = 0; r < 4; r++)
                for (int p = 0; p < pairs; p++)
                        printf("%.0f%c", rows[r][p], p + 1 < pairs ? ' ' : '\n');
        sqlite3_close(db);
        store_close(s);
        free(ids);
        char cmd[96];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}

#define FENCE_ROUND 2000

/* FENCE_ROUND one-transition transactions from ids[*next], fenced or not: per second. */
static double fence_rate(struct store *s, const int64_t *ids, int *next, bool fenced,
                         int64_t epoch)
{
        struct batch_err err;
        double t0 = now_s();
        for (int i = 0; i < FENCE_ROUND; i++) {
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
        return FENCE_ROUND / (now_s() - t0);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static int fence_main(const char *dsn, int rounds)
{
        if (rounds < 1 || rounds > 100)
                rounds = 5;
        struct store *s;
        struct batch_err err;
        if (store_open(dsn, &s, &err) < 0)
                die(&err);
        int n = 2 * rounds * FENCE_ROUND;
        int64_t *ids = malloc((size_t)n * sizeof(*ids));
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
        printf("%s: %d one-transition transactions per round\n", s->ops->name, FENCE_ROUND);
        for (int r = 0; r < rounds; r++) {
                plain[r] = fence_rate(s, ids, &next, false, epoch);
                fenced[r] = fence_rate(s, ids, &next, true, epoch);
                printf("round %d: %8.0f tx/s without the fence, %8.0f tx/s with it\n", r + 1,
                       plain[r], fenced[r]);
        }
        qsort(plain, (size_t)rounds, sizeof(double), cmp_double);
        qsort(fenced, (size_t)rounds, sizeof(double), cmp_double);
        double p = plain[rounds / 2], f = fenced[rounds / 2];
        printf("median: %.0f tx/s without, %.0f tx/s with the fence (%+.1f %%)\n", p, f,
               (f - p) / p * 100);
        free(ids);
        store_close(s);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "ratio") == 0)
                return ratio_main(atoi(argv[2]));
        if (argc >= 3 && strcmp(argv[1], "fence") == 0)
                return fence_main(argv[2], argc > 3 ? atoi(argv[3]) : 5);
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
        create_instances(s, N, ids);
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
        for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++)
                printf("| %d | %.0f |\n", batches[b],
                       store_rate(s, ids, &next, batches[b], totals[b]));
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
