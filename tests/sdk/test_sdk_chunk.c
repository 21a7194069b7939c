/* test_sdk_chunk.c: the chunk step on a real SQLite repository — counts, filter, every
 * skip, retry and fatal path, the chunk scan, the skip limit, listeners. Expected values
 * follow DESIGN §7 and docs/sdk.md. */
#include "sdk_test.h"

#include "sdk/sdk-internal.h"

static int run(struct nums *s, unsigned commit, bool processor, const char *db,
               struct batch_result *res)
{
        struct batch_job *job = nums_job(s, commit, processor);
        struct batch_run_opts o = {.db = db};
        struct batch_err err = {0};
        int rc = batch_job_run(job, &o, res, &err);
        batch_job_free(job);
        return rc;
}

static void test_counts(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 10};
        struct batch_result res;
        assert_int_equal(run(&s, 3, false, db, &res), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        /* 10 items in chunks of 3: 4 commits. */
        assert_step(db, "load", "COMPLETED|10|10|4|0|0|0|0|0");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 10);
        assert_int_equal(q1(db, "SELECT sum(v) FROM out"), 55);
        assert_int_equal(q1(db, "SELECT state FROM instances"), 5); /* Success */
        assert_int_equal(q1(db, "SELECT exit_status FROM executions"), 0);
        /* Listeners: job 1+1, step 1+1, chunk 4+4 (the last one reads nothing: 5). */
        assert_int_equal(s.listener_calls[0], 1);
        assert_int_equal(s.listener_calls[1], 1);
        assert_int_equal(s.listener_calls[2], 1);
        assert_int_equal(s.listener_calls[3], 1);
        assert_int_equal(s.listener_calls[4], 4);
        assert_int_equal(s.listener_calls[5], 4);
}

static void test_filter(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 10, .pf = {F_FILTER, 4, -1}};
        struct batch_result res;
        assert_int_equal(run(&s, 5, true, db, &res), 0);
        assert_step(db, "load", "COMPLETED|10|9|2|0|0|0|0|1");
        assert_int_equal(q1(db, "SELECT count(*) FROM out WHERE v = 4"), 0);
}

static void test_read_skip(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 10, .rf = {F_SKIP, 4, 1}};
        next_skip_limit = 5;
        struct batch_job *job = nums_job(&s, 5, false);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "load", "COMPLETED|9|9|2|0|1|0|0|0");
        char *dl = qtext(db, "SELECT item || ' / ' || error FROM dead_letters");
        assert_string_equal(dl, "item 4 / read 4: bad item");
        free(dl);
        assert_int_equal(s.listener_calls[6], 1);
}

static void test_process_skip(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 10, .pf = {F_SKIP, 7, -1}};
        next_skip_limit = 1;
        struct batch_job *job = nums_job(&s, 4, true);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        assert_step(db, "load", "COMPLETED|10|9|3|0|0|1|0|0");
        char *dl = qtext(db, "SELECT item || ' / ' || error || ' / ' || step FROM dead_letters");
        assert_string_equal(dl, "item 7 / process 7: bad item / load");
        free(dl);
}

/* The chunk with the bad item is rolled back and written item by item: the bad item is
 * skipped, the others of its chunk are written once. */
static void test_write_skip_scan(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 10, .wf = {F_SKIP, 5, -1}};
        next_skip_limit = 1;
        struct batch_job *job = nums_job(&s, 4, false);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        /* Rollbacks: the chunk 5..8, then item 5 in the scan. */
        assert_step(db, "load", "COMPLETED|10|9|3|2|0|0|1|0");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 9);
        assert_int_equal(q1(db, "SELECT count(*) FROM out WHERE v = 5"), 0);
        assert_int_equal(q1(db, "SELECT count(*) FROM dead_letters WHERE item = 'item 5'"), 1);
        /* Writes: 3 chunk writes + 4 single writes in the scan. */
        assert_int_equal(s.write_calls, 3 + 4);
}

static void test_skip_limit(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 10, .pf = {F_SKIP, 0, -1}}; /* every item is bad */
        next_skip_limit = 2;
        struct batch_job *job = nums_job(&s, 4, true);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "FAILED");
        /* The third skip passes the limit inside the first chunk: nothing committed. */
        assert_step(db, "load", "FAILED|0|0|0|1|0|0|0|0");
        char *msg = qtext(db, "SELECT exit_message FROM step_executions");
        assert_non_null(strstr(msg, "skip limit 2 exceeded"));
        free(msg);
        assert_int_equal(q1(db, "SELECT count(*) FROM dead_letters"), 0);
        assert_int_equal(q1(db, "SELECT state FROM instances"), 6); /* Failed */
        assert_int_equal(q1(db, "SELECT exit_status FROM executions"), 1);
}

static void test_transient_read(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        /* Two transient failures, three attempts allowed: succeeds. */
        struct nums s = {.n = 6, .rf = {F_TRANSIENT, 3, 2}};
        struct batch_result res;
        assert_int_equal(run(&s, 10, false, db, &res), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "load", "COMPLETED|6|6|1|0|0|0|0|0");
        /* Three failures: the retries are exhausted, the step fails. */
        fresh_db(db, sizeof(db));
        struct nums t = {.n = 6, .rf = {F_TRANSIENT, 3, 3}};
        assert_int_equal(run(&t, 10, false, db, &res), 0);
        assert_string_equal(res.exit_status, "FAILED");
        char *msg = qtext(db, "SELECT exit_message FROM step_executions");
        assert_non_null(strstr(msg, "read failed 3 times with a transient error"));
        free(msg);
}

static void test_transient_process(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 6, .pf = {F_TRANSIENT, 2, 2}};
        struct batch_result res;
        assert_int_equal(run(&s, 10, true, db, &res), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "load", "COMPLETED|6|6|1|0|0|0|0|0");
}

/* A transient write failure rolls the chunk back and writes it again. */
static void test_transient_write(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 8, .wf = {F_TRANSIENT, 6, 2}};
        struct batch_result res;
        assert_int_equal(run(&s, 4, false, db, &res), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "load", "COMPLETED|8|8|2|2|0|0|0|0");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 8);
        assert_int_equal(s.write_calls, 4);
}

static void test_fatal_write(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 8, .wf = {F_FATAL, 6, -1}};
        struct batch_result res;
        assert_int_equal(run(&s, 4, false, db, &res), 0);
        assert_string_equal(res.exit_status, "FAILED");
        /* The first chunk stays committed, the second is rolled back. */
        assert_step(db, "load", "FAILED|4|4|1|1|0|0|0|0");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 4);
        char *msg = qtext(db, "SELECT exit_message FROM step_executions");
        assert_string_equal(msg, "write 6: broken");
        free(msg);
}

static void test_fatal_read(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 8, .rf = {F_FATAL, 3, -1}};
        struct batch_result res;
        assert_int_equal(run(&s, 2, false, db, &res), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_step(db, "load", "FAILED|2|2|1|1|0|0|0|0");
}

static void test_fatal_process(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 8, .pf = {F_FATAL, 5, -1}};
        struct batch_result res;
        assert_int_equal(run(&s, 2, true, db, &res), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_step(db, "load", "FAILED|4|4|2|1|0|0|0|0");
}

/* Multi-threaded: 4 threads process chunks in parallel; commits stay in order, so a stop
 * and a restart write every item once. */
static void test_threads(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct nums s = {.n = 1000, .pf = {F_SKIP, 500, -1}, .stop_after_chunks = 30};
        next_skip_limit = 5;
        assert_int_equal(batch_step_set_threads(NULL, 4), BATCH_EINVAL);
        next_threads = 4;
        struct batch_job *job = nums_job(&s, 10, true);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "STOPPED");
        assert_step(db, "load", "STOPPED|300|300|30|0|0|0|0|0");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 300);
        assert_int_equal(q1(db, "SELECT max(v) FROM out"), 300);
        s.stop_after_chunks = 0;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "load", "COMPLETED|700|699|70|0|0|1|0|0");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 999);
        assert_int_equal(q1(db, "SELECT count(DISTINCT v) FROM out"), 999);
        assert_int_equal(q1(db, "SELECT count(*) FROM out WHERE v = 500"), 0);
}

/* Backoff: exponential, capped, jitter takes off at most its fraction. */
static void test_backoff(void **state)
{
        (void)state;
        struct batch_retry_policy p = {.max_attempts = 10, .initial_delay_us = 1000,
                                       .max_delay_us = 5000, .multiplier = 2.0, .jitter = 0.5};
        uint64_t seed = 42;
        const int64_t full[] = {1000, 2000, 4000, 5000, 5000};
        bool varied = false;
        for (int k = 0; k < 200; k++) {
                for (unsigned a = 1; a <= 5; a++) {
                        int64_t d = sdk_backoff_us(&p, a, &seed);
                        assert_true(d <= full[a - 1]);
                        assert_true(d >= full[a - 1] / 2);
                        varied |= d != full[a - 1];
                }
        }
        assert_true(varied);
        p.jitter = 0;
        assert_int_equal(sdk_backoff_us(&p, 3, &seed), 4000);
        assert_null(batch_tasklet_step_new("x", NULL, NULL, NULL));
        struct batch_job *job = batch_job_new("j");
        struct nums s = {.n = 1};
        struct batch_reader r = {.read_cb = nums_read, .ud = &s};
        struct batch_writer w = {.write_cb = nums_write, .ud = &s};
        struct batch_step *st = batch_chunk_step_new("s", &r, NULL, &w, 1);
        p.multiplier = 0.5;
        assert_int_equal(batch_step_set_retry(st, &p), BATCH_EINVAL);
        p.multiplier = 2.0;
        p.jitter = 1.5;
        assert_int_equal(batch_step_set_retry(st, &p), BATCH_EINVAL);
        assert_null(batch_chunk_step_new("t", &r, NULL, &w, 0));
        assert_int_equal(batch_job_add_step(job, st, NULL), 0);
        batch_job_free(job);
}

/* ---- owned items: a reader of malloc'ed numbers with free_cb, no text_cb --------------- */

struct owned {
        long n, next;
        long bad_read;           /* the record the reader rejects (BATCH_ESKIP) */
        long stop_at;            /* batch_request_stop() while reading this record (0: never) */
        long freed_in, freed_out, sum;
};

static int owned_open(void *ud, struct batch_ctx *ctx, const char *pos, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        struct owned *o = ud;
        o->next = pos ? atol(pos) + 1 : 1;
        return 0;
}

static int owned_read(void *ud, void **ret, struct batch_err *err)
{
        struct owned *o = ud;
        if (o->next > o->n)
                return 0;
        long v = o->next++;
        if (v == o->stop_at)
                batch_request_stop();
        if (v == o->bad_read)
                return batch_err_set(err, BATCH_ESKIP, "read", "record %ld: bad", v);
        long *item = malloc(sizeof(*item));
        assert_non_null(item);
        *item = v;
        *ret = item;
        return 1;
}

static int owned_pos(void *ud, char **ret, struct batch_err *err)
{
        (void)err;
        struct owned *o = ud;
        char b[32];
        snprintf(b, sizeof(b), "%ld", o->next - 1);
        *ret = strdup(b);
        return *ret ? 0 : BATCH_ENOMEM;
}

static void owned_free_in(void *ud, void *item)
{
        ((struct owned *)ud)->freed_in++;
        free(item);
}

/* 3 is filtered, 7 skipped; an even number becomes a new output holding it times 100. */
static int owned_process(void *ud, struct batch_ctx *ctx, void *in, void **out,
                         struct batch_err *err)
{
        (void)ud;
        (void)ctx;
        long v = *(long *)in;
        if (v == 3)
                return 1;
        if (v == 7)
                return batch_err_set(err, BATCH_ESKIP, "process", "number %ld: bad", v);
        if (v % 2) {
                *out = in;
                return 0;
        }
        long *o = malloc(sizeof(*o));
        assert_non_null(o);
        *o = v * 100;
        *out = o;
        return 0;
}

static void owned_free_out(void *ud, void *out)
{
        ((struct owned *)ud)->freed_out++;
        free(out);
}

static int owned_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                       struct batch_err *err)
{
        (void)ctx;
        (void)err;
        struct owned *o = ud;
        for (size_t i = 0; i < n; i++)
                o->sum += *(long *)items[i];
        return 0;
}

static struct batch_job *owned_job(struct owned *o)
{
        struct batch_job *job = batch_job_new("owned");
        struct batch_reader r = {.open_cb = owned_open, .read_cb = owned_read,
                                 .position_cb = owned_pos, .free_cb = owned_free_in, .ud = o};
        struct batch_processor p = {.process_cb = owned_process, .free_cb = owned_free_out,
                                    .ud = o};
        struct batch_writer w = {.write_cb = owned_write, .ud = o};
        struct batch_step *st = batch_chunk_step_new("load", &r, &p, &w, 4);
        assert_non_null(st);
        assert_int_equal(batch_step_set_skip_limit(st, 5), 0);
        assert_int_equal(batch_job_add_step(job, st, NULL), 0);
        return job;
}

/* A read skip and a process skip in the middle of chunks, a filter: every item the reader
 * gave is freed once with its free_cb, every output that is not its input once with the
 * processor's, and only the kept items are written (DESIGN §7's counts). */
static void test_owned_items(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct owned o = {.n = 12, .bad_read = 6};
        struct batch_job *job = owned_job(&o);
        struct batch_run_opts opts = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &opts, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "COMPLETED");
        /* Chunks of 4 records: 1-4 (3 filtered), 5-8 (6 a bad record, 7 skipped), 9-12. */
        assert_step(db, "load", "COMPLETED|11|9|3|0|1|1|0|1");
        assert_int_equal(o.freed_in, 11);
        assert_int_equal(o.freed_out, 5); /* 2, 4, 8, 10, 12 */
        assert_int_equal(o.sum, 1 + 5 + 9 + 11 + (2 + 4 + 8 + 10 + 12) * 100);
        /* Without text_cb a dead letter names how many items the step had read when it
         * was skipped: 5 (1-5) at record 6, then 7 (1-5, 7, 8) when 7 was processed. */
        char *dl = qtext(db, "SELECT group_concat(item, ';') FROM (SELECT item FROM "
                             "dead_letters ORDER BY id)");
        assert_string_equal(dl, "(item 5 of the chunk);(item 7 of the chunk)");
        free(dl);
}

/* A stop asked for while a chunk is being read ends the step after that chunk, committed
 * whole; the restart goes on from its checkpoint (DESIGN §7: stop between chunks). */
static void test_stop_mid_chunk(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct owned o = {.n = 12, .stop_at = 6};
        struct batch_job *job = owned_job(&o);
        struct batch_run_opts opts = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &opts, &res, NULL), 0);
        assert_string_equal(res.exit_status, "STOPPED");
        assert_step(db, "load", "STOPPED|8|6|2|0|0|1|0|1"); /* 3 filtered, 7 skipped */
        char *cp = qtext(db, "SELECT data FROM checkpoints WHERE step = 'load'");
        assert_non_null(strstr(cp, "\"reader\":\"8\""));
        free(cp);
        o.stop_at = 0;
        assert_int_equal(batch_job_run(job, &opts, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "load", "COMPLETED|4|4|1|0|0|0|0|0");
        assert_int_equal(o.freed_in, 12);
        assert_int_equal(o.sum, 1 + 5 + 9 + 11 + (2 + 4 + 6 + 8 + 10 + 12) * 100);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_counts),          cmocka_unit_test(test_filter),
                cmocka_unit_test(test_read_skip),       cmocka_unit_test(test_process_skip),
                cmocka_unit_test(test_write_skip_scan), cmocka_unit_test(test_skip_limit),
                cmocka_unit_test(test_transient_read),  cmocka_unit_test(test_transient_process),
                cmocka_unit_test(test_transient_write), cmocka_unit_test(test_fatal_write),
                cmocka_unit_test(test_fatal_read),      cmocka_unit_test(test_fatal_process),
                cmocka_unit_test(test_threads),         cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_owned_items),     cmocka_unit_test(test_stop_mid_chunk),
        };
        return cmocka_run_group_tests_name("sdk chunk steps", tests, group_setup, group_teardown);
}
