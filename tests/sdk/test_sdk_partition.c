/* test_sdk_partition.c: partitioned steps on a real SQLite repository — 4 partitions on
 * 2 threads; a fatal error stops only its partition, the step fails with a summary per
 * partition, and the restart runs only the unfinished partition. */
#include "sdk_test.h"

struct range {
        long lo, hi, next;       /* items lo..hi */
        long fail_at;            /* fatal read at this item (0: never) */
        sqlite3_stmt *ins;
};

static int rg_open(void *ud, struct batch_ctx *ctx, const char *pos, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        struct range *r = ud;
        r->next = pos ? atol(pos) + 1 : r->lo;
        return 0;
}

static int rg_read(void *ud, void **ret, struct batch_err *err)
{
        struct range *r = ud;
        if (r->next > r->hi)
                return 0;
        if (r->next == r->fail_at)
                return batch_err_set(err, BATCH_EIO, "source", "source of %ld down", r->fail_at);
        *ret = (void *)(intptr_t)r->next++;
        return 1;
}

static int rg_pos(void *ud, char **ret, struct batch_err *err)
{
        (void)err;
        struct range *r = ud;
        char b[32];
        snprintf(b, sizeof(b), "%ld", r->next - 1);
        *ret = strdup(b);
        return 0;
}

static long fail_item;
static unsigned seen_partitions;

static int factory(void *ud, unsigned i, unsigned n, struct batch_reader *r,
                   struct batch_processor *p, struct batch_writer *w, struct batch_err *err)
{
        (void)ud;
        (void)p;
        (void)err;
        assert_int_equal(n, 4);
        struct range *rg = calloc(1, sizeof(*rg));
        rg->lo = (long)i * 100 + 1;
        rg->hi = (long)i * 100 + 25;
        rg->fail_at = fail_item >= rg->lo && fail_item <= rg->hi ? fail_item : 0;
        seen_partitions |= 1u << i;
        /* The reader owns the range; the writer (the test's nums writer) its own state. */
        *r = (struct batch_reader){.open_cb = rg_open, .read_cb = rg_read, .position_cb = rg_pos,
                                   .destroy_cb = free, .ud = rg};
        struct nums *s = calloc(1, sizeof(*s));
        *w = (struct batch_writer){.open_cb = nums_write_open, .write_cb = nums_write,
                                   .close_cb = nums_write_close, .destroy_cb = free,
                                   .in_repository = true, .ud = s};
        return 0;
}

static void test_partitions(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct batch_job *job = batch_job_new("parts");
        assert_int_equal(batch_job_add_step(job, batch_partitioned_step_new("p", 4, 2, 10, factory,
                                                                            NULL, NULL),
                                            NULL),
                         0);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        fail_item = 214; /* partition 2, after two chunks */
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_step(db, "p:0", "COMPLETED|25|25|3|0|0|0|0|0");
        assert_step(db, "p:1", "COMPLETED|25|25|3|0|0|0|0|0");
        assert_step(db, "p:2", "FAILED|10|10|1|1|0|0|0|0");
        assert_step(db, "p:3", "COMPLETED|25|25|3|0|0|0|0|0");
        assert_step(db, "p", "FAILED|85|85|10|1|0|0|0|0");
        char *msg = qtext(db, "SELECT exit_message FROM step_executions WHERE name = 'p'");
        assert_string_equal(msg, "partition 0: COMPLETED, written 25, skipped 0, filtered 0; "
                                 "partition 1: COMPLETED, written 25, skipped 0, filtered 0; "
                                 "partition 2: FAILED, written 10, skipped 0, filtered 0 "
                                 "(source of 214 down); "
                                 "partition 3: COMPLETED, written 25, skipped 0, filtered 0");
        free(msg);
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 85);
        /* The restart runs only partition 2, from its checkpoint. */
        fail_item = 0;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_int_equal(res.counts.read, 15);
        assert_int_equal(q1(db, "SELECT count(*) FROM step_executions WHERE execution_id = 2 "
                                "AND name LIKE 'p:%'"),
                         1);
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 100);
        assert_int_equal(q1(db, "SELECT count(DISTINCT v) FROM out"), 100);
        assert_int_equal(seen_partitions, 0xf);
        batch_job_free(job);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_partitions),
        };
        return cmocka_run_group_tests_name("sdk partitions", tests, group_setup, group_teardown);
}
