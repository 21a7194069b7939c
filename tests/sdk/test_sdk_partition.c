/* test_sdk_partition.c: partitioned steps on a real SQLite repository — 4 partitions on
 * 2 threads; a fatal error stops only its partition, the step fails with a summary per
 * partition, and the restart runs only the unfinished partition; 4 partitions on 4
 * threads committing every item or two, one of them without a pause, while another
 * process writes the same file. */
#include "sdk_test.h"

#include <poll.h>
#include <sys/wait.h>
#include <time.h>

struct range {
        long lo, hi, next;       /* items lo..hi */
        long fail_at;            /* fatal read at this item (0: never) */
        bool greedy;             /* reads until the other partitions have read all theirs */
        bool ended;
};

/* The greedy partition: how many items it read, how many other partitions have read
 * their last item, and whether it gave up waiting for them (after GREEDY_MAX_S). The
 * others read their first item only after its tenth, so that it is going. */
#define GREEDY_MAX_S 30
static bool greedy_first;    /* partition 0 greedy, with items from 1,000,001 on */
static int greedy_reads;
static int others_ended;
static bool greedy_gave_up;
static struct timespec greedy_start;

static bool greedy_ends(void)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (__atomic_load_n(&others_ended, __ATOMIC_SEQ_CST) == 3)
                return true;
        if (now.tv_sec - greedy_start.tv_sec < GREEDY_MAX_S)
                return false;
        greedy_gave_up = true;
        return true;
}

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
        if (r->greedy)
                __atomic_add_fetch(&greedy_reads, 1, __ATOMIC_SEQ_CST);
        else if (greedy_first)
                for (int ms = 0; ms < 1000 * GREEDY_MAX_S &&
                                 __atomic_load_n(&greedy_reads, __ATOMIC_SEQ_CST) < 10;
                     ms++)
                        usleep(1000);
        if (r->greedy ? greedy_ends() : r->next > r->hi) {
                if (!r->ended && !r->greedy)
                        __atomic_add_fetch(&others_ended, 1, __ATOMIC_SEQ_CST);
                r->ended = true;
                return 0;
        }
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
static long part_items = 25; /* items per partition: i*100+1 .. i*100+part_items */
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
        rg->hi = (long)i * 100 + part_items;
        if (i == 0 && greedy_first) {
                rg->greedy = true;
                rg->lo = 1000001;
        }
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

/* Another process writing the repository through the store the way batchd does: one
 * short transaction after another (an audit row each), from before the job starts until
 * the test closes `stop`. It sends the test 1 after its first write and the number it
 * wrote at the end; it exits 0 when every write succeeded, 1 when one failed (said on
 * stderr). */
struct neighbour {
        pid_t pid;
        int stop;                /* the test's end of the stop pipe */
        int count;               /* where the child writes its count */
};

static struct neighbour start_neighbour(const char *db)
{
        int stop[2], count[2];
        assert_int_equal(pipe(stop), 0);
        assert_int_equal(pipe(count), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(stop[1]);
                close(count[0]);
                struct store *st;
                struct batch_err err = {0};
                long n = 0;
                int rc = store_open(db, &st, &err);
                struct pollfd pf = {.fd = stop[0], .events = POLLIN};
                while (rc == 0 && poll(&pf, 1, 0) == 0) {
                        rc = store_audit_add(st, 1, "neighbour", "write", "test", NULL, &err);
                        if (rc == 0 && ++n == 1 && write(count[1], &n, sizeof(n)) != sizeof(n))
                                rc = -1;
                        usleep(200);
                }
                if (rc == 0)
                        store_close(st);
                else
                        fprintf(stderr, "neighbour: write %ld failed: %s\n", n + 1, err.msg);
                if (write(count[1], &n, sizeof(n)) != sizeof(n))
                        rc = -1;
                _exit(rc == 0 ? 0 : 1);
        }
        close(stop[0]);
        close(count[1]);
        /* Its first write is done before the job starts. */
        long first = 0;
        assert_int_equal(read(count[0], &first, sizeof(first)), sizeof(first));
        assert_int_equal(first, 1);
        return (struct neighbour){.pid = pid, .stop = stop[1], .count = count[0]};
}

/* Stops the neighbour; the number of rows it wrote, every write having succeeded. */
static long stop_neighbour(struct neighbour *nb)
{
        close(nb->stop);
        long n = -1;
        assert_int_equal(read(nb->count, &n, sizeof(n)), sizeof(n));
        close(nb->count);
        int status;
        assert_int_equal(waitpid(nb->pid, &status, 0), nb->pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        return n;
}

/* Issue 14 item 4: partitions committing every item or two on their own connections,
 * the parent step's rows and another process all write one SQLite file; nobody may
 * fail with "database is locked". Partition 0 begins its next chunk as soon as it has
 * committed one, until partitions 1-3 have read their 30 items each: SQLite's own busy
 * timeout let it starve them until they failed; the writers' turns (gate.h) keep
 * them going. Ten runs, each with exact counts. */
static void test_partitions_contended(void **state)
{
        (void)state;
        part_items = 30;
        fail_item = 0;
        greedy_first = true;
        for (int k = 0; k < 10; k++) {
                unsigned commit = 1 + (unsigned)k % 2;
                char db[128];
                fresh_db(db, sizeof(db));
                struct neighbour nb = start_neighbour(db);
                struct batch_job *job = batch_job_new("parts");
                assert_int_equal(batch_job_add_step(job, batch_partitioned_step_new("p", 4, 4, commit,
                                                                                    factory, NULL,
                                                                                    NULL),
                                                    NULL),
                                 0);
                struct batch_run_opts o = {.db = db};
                struct batch_result res;
                struct batch_err err = {0};
                greedy_reads = others_ended = 0;
                greedy_gave_up = false;
                clock_gettime(CLOCK_MONOTONIC, &greedy_start);
                int rc = batch_job_run(job, &o, &res, &err);
                long written = stop_neighbour(&nb);
                batch_job_free(job);
                char *msg = qtext(db, "SELECT group_concat(exit_message, '; ') FROM step_executions "
                                      "WHERE status <> 'COMPLETED'");
                if (rc != 0 || strcmp(res.exit_status, "COMPLETED"))
                        fail_msg("run %d (commit interval %u): %d %s; %s", k, commit, rc, err.msg,
                                 msg ? msg : "");
                free(msg);
                /* Partitions 1-3 did not wait for partition 0 to stop. */
                assert_false(greedy_gave_up);
                long greedy = q1(db, "SELECT count(*) FROM out WHERE v > 1000000");
                assert_true(greedy >= 10);
                char want[64];
                snprintf(want, sizeof(want), "COMPLETED|%ld|%ld|%ld|0|0|0|0|0", greedy, greedy,
                         (greedy + commit - 1) / commit);
                assert_step(db, "p:0", want);
                snprintf(want, sizeof(want), "COMPLETED|%ld|%ld|%ld|0|0|0|0|0", part_items,
                         part_items, part_items / commit);
                for (int i = 1; i < 4; i++) {
                        char name[8];
                        snprintf(name, sizeof(name), "p:%d", i);
                        assert_step(db, name, want);
                }
                long all = greedy + 3 * part_items;
                snprintf(want, sizeof(want), "COMPLETED|%ld|%ld|%ld|0|0|0|0|0", all, all,
                         (greedy + commit - 1) / commit + 3 * part_items / commit);
                assert_step(db, "p", want);
                assert_int_equal(res.counts.read, all);
                assert_int_equal(res.counts.write, all);
                /* v is the key: 90 rows below 1,000,000 are each of 101-130, 201-230 and
                 * 301-330 once. */
                assert_int_equal(q1(db, "SELECT count(*) FROM out WHERE v % 100 BETWEEN 1 AND 30 "
                                        "AND v / 100 BETWEEN 1 AND 3"),
                                 3 * part_items);
                assert_int_equal(q1(db, "SELECT count(*) FROM out"), all);
                assert_int_equal(q1(db, "SELECT count(*) FROM audit_log WHERE actor = 'neighbour'"),
                                 written);
        }
        part_items = 25;
        greedy_first = false;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_partitions),
                cmocka_unit_test(test_partitions_contended),
        };
        return cmocka_run_group_tests_name("sdk partitions", tests, group_setup, group_teardown);
}
