/* bench_claims.c: claims per second on PostgreSQL (issue 22, docs/cluster.md "Claims").
 * Starts its own throwaway server (scripts/pg-test-server.sh: initdb + pg_ctl on a free
 * loopback port, fsync off as in the tests), creates N instances (default 100,000) in 2
 * Starting, offered, then three processes (three "nodes") each loop: begin;
 * store_claim(limit BATCH); store_claim_starts for what it claimed (one statement;
 * BENCH_CLAIMS_ONE_BY_ONE=1: store_claim_start for each, one round trip each); commit,
 * until nothing is left.
 * Prints claims/s across the three (claimed and started, from the first claim to the
 * last commit), beside the rate of bare one-row `UPDATE ... WHERE id = $1` commits on
 * the same server (one connection, then three processes), and checks that every
 * instance has exactly one execution: exit 1 when not (BENCH_CLAIMS_DUP=1 adds a
 * duplicate execution first, to see the check fail).
 * Usage: bench_claims [N [BATCH [DSN]]] (a DSN: an empty PostgreSQL database instead of
 * a server of its own); BENCH_CLAIMS_NODES=1 or 2: fewer claiming processes. */
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "core/lifecycle.h"
#include "store/postgres/pq.h"
#include "store/store.h"

#define NODES 3
#define BARE_UPDATES 3000 /* per process */

struct shared { /* per node, in memory shared with the children */
        double first, last;
        long claimed, txs;
        double t_claim, t_start, t_commit; /* seconds in each part */
};

static void die(const char *what, const struct batch_err *err)
{
        fprintf(stderr, "bench_claims: %s: %s\n", what, err ? err->msg : "failed");
        exit(1);
}

static PGconn *pg_of(struct store *s)
{
        const char *kind = NULL;
        PGconn *c = store_native(s, &kind);
        if (!kind || strcmp(kind, "postgres") != 0) {
                fprintf(stderr, "bench_claims: needs PostgreSQL\n");
                exit(1);
        }
        return c;
}

static void sql(PGconn *c, const char *text)
{
        PGresult *r = PQexec(c, text);
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                fprintf(stderr, "bench_claims: %s: %s", text, PQerrorMessage(c));
                exit(1);
        }
        PQclear(r);
}

static long sql_long(PGconn *c, const char *text)
{
        PGresult *r = PQexec(c, text);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
                fprintf(stderr, "bench_claims: %s: %s", text, PQerrorMessage(c));
                exit(1);
        }
        long v = atol(PQgetvalue(r, 0, 0));
        PQclear(r);
        return v;
}

/* One node: claims and starts until nothing is left. */
static int node_loop(const char *dsn, int k, unsigned batch, struct shared *sh)
{
        struct store *s;
        struct batch_err err;
        char node[16];
        snprintf(node, sizeof(node), "node%d", k);
        bool one_by_one = getenv("BENCH_CLAIMS_ONE_BY_ONE") != NULL;
        struct store_claim_run *runs = calloc(batch, sizeof(*runs));
        if (!runs || store_open(dsn, &s, &err) < 0)
                die("open", &err);
        for (;;) {
                double t0 = now_s();
                struct store_claim_list l;
                if (store_begin(s, &err) < 0 || store_claim(s, node, "", batch, &l, &err) < 0)
                        die("claim", &err);
                if (sh->first == 0 && l.n)
                        sh->first = t0;
                double t1 = now_s();
                sh->t_claim += t1 - t0;
                if (one_by_one) {
                        for (size_t i = 0; i < l.n; i++) {
                                struct store_execution e = {
                                        .instance_id = l.items[i].instance_id, .node = node,
                                        .pid = getpid()};
                                int64_t x;
                                int attempt;
                                if (store_claim_start(s, l.items[i].token, &e, 2000, &x,
                                                      &attempt, &err) < 0)
                                        die("claim_start", &err);
                        }
                } else {
                        for (size_t i = 0; i < l.n; i++)
                                runs[i] = (struct store_claim_run){
                                        .instance_id = l.items[i].instance_id,
                                        .token = l.items[i].token, .pid = getpid()};
                        size_t started;
                        if (store_claim_starts(s, node, runs, l.n, 2000, &started, &err) < 0)
                                die("claim_starts", &err);
                        if (started != l.n) {
                                fprintf(stderr, "bench_claims: %zu of %zu started\n", started,
                                        l.n);
                                exit(1);
                        }
                }
                double t2 = now_s();
                sh->t_start += t2 - t1;
                if (store_commit(s, &err) < 0)
                        die("commit", &err);
                sh->t_commit += now_s() - t2;
                size_t n = l.n;
                store_claim_list_release(&l);
                if (n == 0)
                        break;
                sh->claimed += (long)n;
                sh->txs++;
                sh->last = now_s();
        }
        store_close(s);
        free(runs);
        return 0;
}

/* Bare one-row update commits (autocommit), ids spread over the instances. */
static void bare_loop(const char *dsn, long n_inst, int k, struct shared *sh)
{
        struct store *s;
        struct batch_err err;
        if (store_open(dsn, &s, &err) < 0)
                die("open", &err);
        PGconn *c = pg_of(s);
        sh->first = now_s();
        for (int i = 0; i < BARE_UPDATES; i++) {
                char id[24];
                snprintf(id, sizeof(id), "%ld", 1 + (long)(((uint64_t)i * 7919 + (uint64_t)k * 104729) %
                                                          (uint64_t)n_inst));
                const char *v[1] = {id};
                PGresult *r = PQexecParams(c, "UPDATE instances SET updated_at = updated_at + 1 "
                                              "WHERE id = $1",
                                           1, NULL, v, NULL, NULL, 0);
                if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                        fprintf(stderr, "bench_claims: update: %s", PQerrorMessage(c));
                        exit(1);
                }
                PQclear(r);
        }
        sh->last = now_s();
        sh->claimed = BARE_UPDATES;
        store_close(s);
}

/* Runs fn in `procs` children at once; the rate: their total over first start to last
 * end. */
static double in_children(int procs, struct shared *sh, const char *dsn, long n_inst,
                          unsigned batch, bool claims)
{
        memset(sh, 0, sizeof(*sh) * NODES);
        pid_t pids[NODES];
        for (int k = 0; k < procs; k++) {
                pids[k] = fork();
                if (pids[k] < 0) {
                        perror("fork");
                        exit(1);
                }
                if (pids[k] == 0) {
                        if (claims)
                                node_loop(dsn, k + 1, batch, &sh[k]);
                        else
                                bare_loop(dsn, n_inst, k, &sh[k]);
                        _exit(0);
                }
        }
        bool ok = true;
        for (int k = 0; k < procs; k++) {
                int st;
                if (waitpid(pids[k], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        ok = false;
        }
        if (!ok) {
                fprintf(stderr, "bench_claims: a child failed\n");
                exit(1);
        }
        double first = 0, last = 0;
        long total = 0;
        for (int k = 0; k < procs; k++) {
                if (sh[k].claimed == 0)
                        continue;
                if (first == 0 || sh[k].first < first)
                        first = sh[k].first;
                if (sh[k].last > last)
                        last = sh[k].last;
                total += sh[k].claimed;
        }
        return last > first ? (double)total / (last - first) : 0;
}

/* The path of scripts/pg-test-server.sh, from this program's (build/bench/). */
static void script_path(char *buf, size_t len)
{
        char self[512];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                self[n] = '\0';
                char *slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        snprintf(buf, len, "%s/../../scripts/pg-test-server.sh", self);
                        if (access(buf, X_OK) == 0)
                                return;
                }
        }
        snprintf(buf, len, "scripts/pg-test-server.sh");
}

int main(int argc, char **argv)
{
        long n = argc > 1 ? atol(argv[1]) : 100000;
        unsigned batch = argc > 2 ? (unsigned)atoi(argv[2]) : 32;
        char dsn[512], root[64] = "", script[600];
        if (n < 1 || batch < 1 || batch > 1000) {
                fprintf(stderr, "usage: bench_claims [N [BATCH (1..1000) [DSN]]]\n");
                return 2;
        }
        if (argc > 3) {
                snprintf(dsn, sizeof(dsn), "%s", argv[3]);
        } else {
                script_path(script, sizeof(script));
                snprintf(root, sizeof(root), "/tmp/batchd-claims-XXXXXX");
                if (!mkdtemp(root)) {
                        perror("mkdtemp");
                        return 1;
                }
                char cmd[800];
                snprintf(cmd, sizeof(cmd), "%s start %s/pg", script, root);
                FILE *p = popen(cmd, "r");
                if (!p || !fgets(dsn, sizeof(dsn), p) || pclose(p) != 0) {
                        fprintf(stderr, "bench_claims: could not start a PostgreSQL server\n");
                        return 1;
                }
                dsn[strcspn(dsn, "\n")] = '\0';
        }
        struct store *s;
        struct batch_err err;
        if (store_open(dsn, &s, &err) < 0)
                die("open", &err);
        PGconn *c = pg_of(s);
        /* The first through the store (tenant, instance), the rest in one statement. */
        struct store_instance in = {.tenant = (char *)"default", .job = (char *)"job0",
                                    .due = 1000, .first_due = 1000, .last_due = 1000,
                                    .state = STATE_STARTING, .trace_id = (char *)"t"};
        int64_t id0;
        if (store_instance_create(s, &in, "bench", 1000, &id0, &err) < 0 ||
            store_instance_offer(s, id0, "", &err) < 0)
                die("create", &err);
        char text[512];
        snprintf(text, sizeof(text),
                 "INSERT INTO instances(tenant, job, scheduled, due_time, first_due, last_due, "
                 "state, trace_id, created_at, updated_at, offer_labels) SELECT 'default', "
                 "'job' || (g %% 50), false, 1000 + g, 1000 + g, 1000 + g, 2, 't', 1000, 1000, "
                 "'' FROM generate_series(2, %ld) g",
                 n);
        sql(c, text);
        sql(c, "ANALYZE");
        if (sql_long(c, "SELECT count(*) FROM instances WHERE offer_labels IS NOT NULL") != n) {
                fprintf(stderr, "bench_claims: not %ld offered\n", n);
                return 1;
        }
        /* The plan of the claim's choice, as the statement has it (repo.c RS_CLAIM). */
        PGresult *plan = PQexec(c, "EXPLAIN SELECT id FROM instances WHERE offer_labels IS NOT "
                                   "NULL AND state = 2 AND (offer_labels = '' OR "
                                   "string_to_array(offer_labels, ',') <@ "
                                   "string_to_array('', ',')) ORDER BY id LIMIT 32 FOR "
                                   "UPDATE SKIP LOCKED");
        for (int i = 0; PQresultStatus(plan) == PGRES_TUPLES_OK && i < PQntuples(plan); i++)
                if (strstr(PQgetvalue(plan, i, 0), "Scan")) {
                        const char *line = PQgetvalue(plan, i, 0);
                        printf("claim plan: %s\n", line + strspn(line, " ->"));
                }
        PQclear(plan);
        struct shared *sh = mmap(NULL, sizeof(*sh) * NODES, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED) {
                perror("mmap");
                return 1;
        }
        store_close(s); /* no connection across fork */
        double bare1 = in_children(1, sh, dsn, n, batch, false);
        double bare3 = in_children(NODES, sh, dsn, n, batch, false);
        int nodes = getenv("BENCH_CLAIMS_NODES") ? atoi(getenv("BENCH_CLAIMS_NODES")) : NODES;
        if (nodes < 1 || nodes > NODES)
                nodes = NODES;
        double rate = in_children(nodes, sh, dsn, n, batch, true);
        long claimed = 0, txs = 0;
        double tc = 0, ts = 0, tm = 0;
        for (int k = 0; k < NODES; k++) {
                claimed += sh[k].claimed;
                txs += sh[k].txs;
                tc += sh[k].t_claim;
                ts += sh[k].t_start;
                tm += sh[k].t_commit;
        }
        printf("claims: %ld instances, %d nodes, limit %u, %s: %.0f claims/s (claimed and "
               "started; %ld transactions; per node %ld %ld %ld)\n",
               n, nodes, batch,
               getenv("BENCH_CLAIMS_ONE_BY_ONE") ? "one start per run" : "starts in one statement",
               rate, txs, sh[0].claimed, sh[1].claimed, sh[2].claimed);
        printf("per transaction: claim %.2f ms, %u starts %.2f ms, commit %.2f ms\n",
               txs ? tc * 1e3 / (double)txs : 0, batch, txs ? ts * 1e3 / (double)txs : 0,
               txs ? tm * 1e3 / (double)txs : 0);
        printf("bare one-row UPDATE commits, same server: %.0f/s on 1 connection, %.0f/s on 3\n",
               bare1, bare3);
        if (store_open(dsn, &s, &err) < 0)
                die("open", &err);
        c = pg_of(s);
        if (getenv("BENCH_CLAIMS_DUP"))
                sql(c, "INSERT INTO executions(instance_id, attempt, node, pid, started_at) "
                       "SELECT min(id), 99, 'dup', 0, 0 FROM instances");
        long execs = sql_long(c, "SELECT count(*) FROM executions");
        long not_one = sql_long(c, "SELECT count(*) FROM instances i WHERE (SELECT count(*) "
                                   "FROM executions e WHERE e.instance_id = i.id) <> 1");
        long left = sql_long(c, "SELECT count(*) FROM instances WHERE offer_labels IS NOT NULL");
        store_close(s);
        bool ok = claimed == n && execs == n && not_one == 0 && left == 0;
        printf("check: %ld claimed, %ld executions, %ld instances without exactly one, %ld "
               "still offered: %s\n",
               claimed, execs, not_one, left, ok ? "0 duplicates" : "FAILED");
        if (root[0]) {
                char cmd[800];
                snprintf(cmd, sizeof(cmd), "%s stop %s/pg; rmdir %s", script, root, root);
                if (system(cmd) != 0)
                        fprintf(stderr, "bench_claims: could not stop the server in %s\n", root);
        }
        return ok ? 0 : 1;
}
