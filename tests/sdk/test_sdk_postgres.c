/* test_sdk_postgres.c: the SDK on a PostgreSQL repository (a throwaway server started by
 * scripts/pg-test-server.sh): instances, checkpoints, restart after a failure, refusal of
 * a completed instance, dead letters, and a partitioned step with one connection per
 * thread. Writers here are outside the repository (at-least-once path). */
#include "sdk_test.h"

#include <libpq-fe.h>

#define PG_SCRIPT SDK_SOURCE_DIR "/scripts/pg-test-server.sh"

static char pg_root[64], dsn[256];

static int pg_setup(void **state)
{
        (void)state;
        snprintf(pg_root, sizeof(pg_root), "/tmp/batch-sdk-pg-XXXXXX");
        if (!mkdtemp(pg_root))
                return -1;
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "%s start %s/pg", PG_SCRIPT, pg_root);
        FILE *p = popen(cmd, "r");
        if (!p || !fgets(dsn, sizeof(dsn), p)) {
                if (p)
                        pclose(p);
                fprintf(stderr, "could not start a PostgreSQL server\n");
                return -1;
        }
        dsn[strcspn(dsn, "\n")] = '\0';
        return pclose(p) == 0 ? 0 : -1;
}

static int pg_teardown(void **state)
{
        (void)state;
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "%s stop %s/pg && rmdir %s", PG_SCRIPT, pg_root, pg_root);
        return system(cmd) == 0 ? 0 : -1;
}

static long long pq1(const char *sql)
{
        PGconn *c = PQconnectdb(dsn);
        PGresult *r = PQexec(c, sql);
        long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ? atoll(PQgetvalue(r, 0, 0))
                                                                            : -1;
        PQclear(r);
        PQfinish(c);
        return v;
}

/* A writer that sums into a counter (outside the repository). */
struct sum {
        long long total, items;
        long fail_at;
};

static int sum_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                     struct batch_err *err)
{
        (void)ctx;
        struct sum *s = ud;
        for (size_t i = 0; i < n; i++) {
                long v = (long)(intptr_t)items[i];
                if (v == s->fail_at)
                        return batch_err_set(err, BATCH_EIO, "w", "write %ld broke", v);
                if (v == 7)
                        return batch_err_set(err, BATCH_ESKIP, "w", "seven is bad");
        }
        for (size_t i = 0; i < n; i++) {
                s->total += (long)(intptr_t)items[i];
                s->items++;
        }
        return 0;
}

static struct batch_job *sum_job(struct nums *s, struct sum *w)
{
        struct batch_job *job = batch_job_new("pgsum");
        struct batch_reader r = {.open_cb = nums_open, .read_cb = nums_read,
                                 .position_cb = nums_pos, .text_cb = nums_text, .ud = s};
        struct batch_writer wr = {.write_cb = sum_write, .ud = w};
        struct batch_step *st = batch_chunk_step_new("sum", &r, NULL, &wr, 5);
        batch_step_set_skip_limit(st, 3);
        batch_job_add_step(job, st, NULL);
        return job;
}

static void test_pg_restart(void **state)
{
        (void)state;
        struct nums s = {.n = 30};
        struct sum w = {.fail_at = 23};
        struct batch_job *job = sum_job(&s, &w);
        struct batch_param p[] = {{"run", "1"}};
        struct batch_run_opts o = {.db = dsn, .params = p, .nparams = 1};
        struct batch_result res;
        struct batch_err err = {0};
        assert_int_equal(batch_job_run(job, &o, &res, &err), 0);
        assert_string_equal(res.exit_status, "FAILED");
        /* Chunks 1-5, 6-10 (7 skipped in the scan), 11-15, 16-20 committed. */
        assert_int_equal(w.items, 19);
        w.fail_at = 0;
        assert_int_equal(batch_job_run(job, &o, &res, &err), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_int_equal(res.counts.read, 10);
        assert_int_equal(w.items, 29);
        assert_int_equal(w.total, 30 * 31 / 2 - 7);
        assert_int_equal(batch_job_run(job, &o, &res, &err), BATCH_ECOMPLETED);
        batch_job_free(job);
        assert_int_equal(pq1("SELECT count(*) FROM dead_letters WHERE item = 'item 7'"), 1);
        assert_int_equal(pq1("SELECT state FROM instances WHERE job = 'pgsum'"), 5);
        assert_int_equal(pq1("SELECT sum(write_skip_count) FROM step_executions WHERE name = 'sum'"),
                         1);
}

static int pg_factory(void *ud, unsigned i, unsigned n, struct batch_reader *r,
                      struct batch_processor *p, struct batch_writer *w, struct batch_err *err)
{
        (void)ud;
        (void)p;
        (void)err;
        (void)n;
        struct nums *s = calloc(1, sizeof(*s));
        s->n = 10 * (i + 1);
        struct sum *t = calloc(1, sizeof(*t));
        t->fail_at = i == 1 ? 13 : 0;
        *r = (struct batch_reader){.open_cb = nums_open, .read_cb = nums_read,
                                   .position_cb = nums_pos, .destroy_cb = free, .ud = s};
        *w = (struct batch_writer){.write_cb = sum_write, .destroy_cb = free, .ud = t};
        return 0;
}

static void test_pg_partitions(void **state)
{
        (void)state;
        struct batch_job *job = batch_job_new("pgparts");
        struct batch_step *st = batch_partitioned_step_new("p", 3, 3, 4, pg_factory, NULL, NULL);
        assert_int_equal(batch_step_set_skip_limit(st, 1), 0);
        batch_job_add_step(job, st, NULL);
        struct batch_run_opts o = {.db = dsn};
        struct batch_result res;
        struct batch_err err = {0};
        assert_int_equal(batch_job_run(job, &o, &res, &err), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "FAILED");
        /* Partition i has 10(i+1) items, item 7 of each is a write skip (limit 1);
         * partition 1's writer breaks at item 13, after the chunks up to 12. */
        assert_int_equal(pq1("SELECT write_count FROM step_executions WHERE name = 'p:0' "
                             "AND status = 'COMPLETED'"),
                         9);
        assert_int_equal(pq1("SELECT write_count FROM step_executions WHERE name = 'p:1' "
                             "AND status = 'FAILED'"),
                         11);
        assert_int_equal(pq1("SELECT write_count FROM step_executions WHERE name = 'p:2' "
                             "AND status = 'COMPLETED'"),
                         29);
        assert_int_equal(pq1("SELECT write_count FROM step_executions WHERE name = 'p' "
                             "AND status = 'FAILED'"),
                         49);
}

static void pq_exec(const char *sql)
{
        PGconn *c = PQconnectdb(dsn);
        PGresult *r = PQexec(c, sql);
        assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
        PQclear(r);
        PQfinish(c);
}

static int fail_once(void *ud, struct batch_ctx *ctx, void *in, void **out,
                     struct batch_err *err)
{
        (void)ctx;
        long *at = ud;
        if (atol(batch_record_get(in, "id")) == *at) {
                *at = -1;
                return batch_err_set(err, BATCH_EIO, "id", "injected");
        }
        *out = in;
        return 0;
}

/* PostgreSQL reader -> PostgreSQL writer, both in the repository: keyset pages, the
 * writes in the chunk's transaction (exactly-once across a failure), a unique violation
 * as a write skip. */
static void test_pg_io(void **state)
{
        (void)state;
        pq_exec("CREATE TABLE src (id BIGINT PRIMARY KEY, v TEXT);"
                "INSERT INTO src SELECT i, 'v' || i FROM generate_series(1, 95) AS i;"
                "CREATE TABLE dst (id BIGINT PRIMARY KEY, v TEXT);"
                "INSERT INTO dst VALUES (50, 'already')");
        struct batch_pg_reader_options ro = {.query = "SELECT id, v FROM src", .key = "id",
                                             .page_size = 7};
        static const char *const fields[] = {"id", "v"};
        struct batch_pg_writer_options wo = {.sql = "INSERT INTO dst(id, v) VALUES ($1, $2)",
                                             .fields = fields, .n_fields = 2};
        struct batch_reader r;
        struct batch_writer w;
        long at = 77;
        struct batch_processor p = {.process_cb = fail_once, .ud = &at};
        assert_int_equal(batch_pg_reader(&r, &ro, NULL), 0);
        assert_int_equal(batch_pg_writer(&w, &wo, NULL), 0);
        struct batch_step *st = batch_chunk_step_new("copy", &r, &p, &w, 10);
        batch_step_set_skip_limit(st, 1);
        struct batch_job *job = batch_job_new("pgcopy");
        batch_job_add_step(job, st, NULL);
        struct batch_run_opts o = {.db = dsn};
        struct batch_result res;
        struct batch_err err = {0};
        assert_int_equal(batch_job_run(job, &o, &res, &err), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_int_equal(pq1("SELECT count(*) FROM dst"), 70); /* 1..70 with 50 skipped, + 50 */
        assert_int_equal(batch_job_run(job, &o, &res, &err), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        batch_job_free(job);
        assert_int_equal(pq1("SELECT count(*) FROM dst"), 95);
        assert_int_equal(pq1("SELECT count(*) FROM dst WHERE v = 'already'"), 1);
        assert_int_equal(pq1("SELECT sum(write_count) FROM step_executions WHERE name = 'copy'"), 94);
        assert_int_equal(pq1("SELECT sum(write_skip_count) FROM step_executions WHERE name = 'copy'"),
                         1);
        assert_int_equal(pq1("SELECT count(*) FROM dead_letters WHERE step = 'copy'"), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pg_restart),
                cmocka_unit_test(test_pg_partitions),
                cmocka_unit_test(test_pg_io),
        };
        return cmocka_run_group_tests_name("sdk on postgres", tests, pg_setup, pg_teardown);
}
