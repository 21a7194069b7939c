/* sdk_test.h: shared pieces of the SDK tests — a temporary directory per test binary, a
 * fresh repository per test, and a test reader/processor/writer over the numbers 1..N
 * whose faults (transient, skippable, fatal, per item or per call) the test sets. The
 * writer writes into a table `out(v)` of the repository, in the chunk's transaction. */
#ifndef BATCH_TESTS_SDK_TEST_H
#define BATCH_TESTS_SDK_TEST_H

#include "test.h"

/* Not every test file uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "store/store.h"

static char root[64];
static int dbn;

static int group_setup(void **state)
{
        (void)state;
        snprintf(root, sizeof(root), "/tmp/batch-sdk-test-XXXXXX");
        return mkdtemp(root) ? 0 : -1;
}

static int group_teardown(void **state)
{
        (void)state;
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        return system(cmd) == 0 ? 0 : -1;
}

static void fresh_db(char *buf, size_t len)
{
        snprintf(buf, len, "%s/repo-%d.db", root, ++dbn);
}

/* ---- faults ------------------------------------------------------------------------- */

enum fault_kind { F_NONE, F_TRANSIENT, F_SKIP, F_FATAL, F_FILTER };

struct fault {
        enum fault_kind kind;
        long item;               /* the item it hits (0: any) */
        int times;               /* how many times it fires (-1: always) */
};

static int fire(struct fault *f, long item, struct batch_err *err, const char *what)
{
        if (f->kind == F_NONE || (f->item && f->item != item) || f->times == 0)
                return 0;
        if (f->times > 0)
                f->times--;
        switch (f->kind) {
        case F_TRANSIENT:
                return batch_err_set(err, BATCH_ETRANSIENT, what, "%s %ld: try again", what, item);
        case F_SKIP:
                return batch_err_set(err, BATCH_ESKIP, what, "%s %ld: bad item", what, item);
        case F_FATAL:
                return batch_err_set(err, BATCH_EIO, what, "%s %ld: broken", what, item);
        case F_FILTER: return 1;
        default: return 0;
        }
}

/* ---- the test numbers reader, processor and writer ----------------------------------- */

struct nums {
        long n;                  /* items 1..n */
        long next;               /* next item to read */
        struct fault rf, pf, wf;
        int write_calls;
        long stop_after_chunks;  /* batch_request_stop() after this many chunks (0: never) */
        long chunks;
        int listener_calls[7];
        sqlite3_stmt *ins;
};

static int nums_open(void *ud, struct batch_ctx *ctx, const char *pos, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        struct nums *s = ud;
        s->next = pos ? atol(pos) + 1 : 1;
        return 0;
}

static int nums_read(void *ud, void **ret, struct batch_err *err)
{
        struct nums *s = ud;
        if (s->next > s->n)
                return 0;
        int r = fire(&s->rf, s->next, err, "read");
        if (r == BATCH_ETRANSIENT || r == BATCH_EIO)
                return r;
        long v = s->next++;
        if (r == BATCH_ESKIP)
                return r;
        *ret = (void *)(intptr_t)v;
        return 1;
}

static int nums_pos(void *ud, char **ret, struct batch_err *err)
{
        (void)err;
        struct nums *s = ud;
        char b[32];
        snprintf(b, sizeof(b), "%ld", s->next - 1);
        *ret = strdup(b);
        return *ret ? 0 : BATCH_ENOMEM;
}

static char *nums_text(void *ud, const void *item)
{
        struct nums *s = ud;
        char b[32];
        snprintf(b, sizeof(b), "item %ld", item ? (long)(intptr_t)item : s->next - 1);
        return strdup(b);
}

static int nums_process(void *ud, struct batch_ctx *ctx, void *in, void **out,
                        struct batch_err *err)
{
        (void)ctx;
        struct nums *s = ud;
        int r = fire(&s->pf, (long)(intptr_t)in, err, "process");
        if (r)
                return r;
        *out = in;
        return 0;
}

static int nums_write_open(void *ud, struct batch_ctx *ctx, const char *pos,
                           struct batch_err *err)
{
        (void)pos;
        struct nums *s = ud;
        sqlite3 *db = batch_ctx_sqlite(ctx);
        if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS out (v INTEGER PRIMARY KEY)", NULL, NULL,
                         NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(db, "INSERT INTO out(v) VALUES (?1)", -1, &s->ins, NULL) !=
                    SQLITE_OK)
                return batch_err_set(err, BATCH_EIO, "db", "%s", sqlite3_errmsg(db));
        return 0;
}

static int nums_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                      struct batch_err *err)
{
        (void)ctx;
        struct nums *s = ud;
        s->write_calls++;
        for (size_t i = 0; i < n; i++) {
                int r = fire(&s->wf, (long)(intptr_t)items[i], err, "write");
                if (r)
                        return r;
                sqlite3_bind_int64(s->ins, 1, (long)(intptr_t)items[i]);
                int rc = sqlite3_step(s->ins);
                sqlite3_reset(s->ins);
                if (rc != SQLITE_DONE)
                        return batch_err_set(err, BATCH_EIO, "db", "insert failed");
        }
        return 0;
}

static void nums_write_close(void *ud)
{
        struct nums *s = ud;
        sqlite3_finalize(s->ins);
        s->ins = NULL;
}

static void on_after_chunk(void *ud, struct batch_ctx *ctx, bool committed)
{
        (void)ctx;
        struct nums *s = ud;
        s->listener_calls[5]++;
        if (committed && s->stop_after_chunks && ++s->chunks == s->stop_after_chunks)
                batch_request_stop();
}

static void on_before_job(void *ud, struct batch_ctx *c) { (void)c; ((struct nums *)ud)->listener_calls[0]++; }
static void on_after_job(void *ud, struct batch_ctx *c, const char *e) { (void)c; (void)e; ((struct nums *)ud)->listener_calls[1]++; }
static void on_before_step(void *ud, struct batch_ctx *c) { (void)c; ((struct nums *)ud)->listener_calls[2]++; }
static void on_after_step(void *ud, struct batch_ctx *c, const char *e, const struct batch_counts *k) { (void)c; (void)e; (void)k; ((struct nums *)ud)->listener_calls[3]++; }
static void on_before_chunk(void *ud, struct batch_ctx *c) { (void)c; ((struct nums *)ud)->listener_calls[4]++; }
static void on_skip(void *ud, struct batch_ctx *c, enum batch_skip_kind k, const char *t, const struct batch_err *e) { (void)c; (void)k; (void)t; (void)e; ((struct nums *)ud)->listener_calls[6]++; }

/* The skip limit nums_job() gives its step (then reset to 0). */
static int64_t next_skip_limit;
/* The throttle nums_job() gives its step (0: single-threaded; then reset to 0). */
static unsigned next_threads;

/* A job "nums" with one chunk step "load" over s (not owned: the step's ud is s and
 * nothing destroys it). */
static struct batch_job *nums_job(struct nums *s, unsigned commit, bool processor)
{
        struct batch_job *job = batch_job_new("nums");
        struct batch_reader r = {.open_cb = nums_open, .read_cb = nums_read,
                                 .position_cb = nums_pos, .text_cb = nums_text, .ud = s};
        struct batch_processor p = {.process_cb = nums_process, .ud = s};
        struct batch_writer w = {.open_cb = nums_write_open, .write_cb = nums_write,
                                 .close_cb = nums_write_close, .in_repository = true, .ud = s};
        struct batch_step *st = batch_chunk_step_new("load", &r, processor ? &p : NULL, &w, commit);
        assert_non_null(st);
        struct batch_retry_policy fast = {.max_attempts = 3, .initial_delay_us = 1000,
                                          .max_delay_us = 4000, .multiplier = 2.0, .jitter = 0.5};
        assert_int_equal(batch_step_set_retry(st, &fast), 0);
        assert_int_equal(batch_step_set_skip_limit(st, next_skip_limit), 0);
        next_skip_limit = 0;
        if (next_threads)
                assert_int_equal(batch_step_set_threads(st, next_threads), 0);
        next_threads = 0;
        assert_int_equal(batch_job_add_step(job, st, NULL), 0);
        struct batch_listener l = {.before_job_cb = on_before_job, .after_job_cb = on_after_job,
                                   .before_step_cb = on_before_step,
                                   .after_step_cb = on_after_step,
                                   .before_chunk_cb = on_before_chunk,
                                   .after_chunk_cb = on_after_chunk, .skip_cb = on_skip, .ud = s};
        assert_int_equal(batch_job_add_listener(job, &l, NULL), 0);
        return job;
}

/* ---- looking at the repository -------------------------------------------------------- */

static long long q1(const char *db, const char *sql)
{
        sqlite3 *h;
        sqlite3_stmt *st;
        long long v = -1;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW)
                        v = sqlite3_column_int64(st, 0);
                sqlite3_finalize(st);
        }
        sqlite3_close(h);
        return v;
}

static char *qtext(const char *db, const char *sql)
{
        sqlite3 *h;
        sqlite3_stmt *st;
        char *v = NULL;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                        v = strdup((const char *)sqlite3_column_text(st, 0));
                sqlite3_finalize(st);
        }
        sqlite3_close(h);
        return v;
}

/* The last step execution row of step `name`, as "status|read|write|commit|rollback|
 * read_skip|process_skip|write_skip|filter". Caller frees. */
static char *step_row(const char *db, const char *name)
{
        char sql[512];
        snprintf(sql, sizeof(sql),
                 "SELECT status || '|' || read_count || '|' || write_count || '|' || "
                 "commit_count || '|' || rollback_count || '|' || read_skip_count || '|' || "
                 "process_skip_count || '|' || write_skip_count || '|' || filter_count "
                 "FROM step_executions WHERE name = '%s' ORDER BY id DESC LIMIT 1",
                 name);
        return qtext(db, sql);
}

static void assert_step(const char *db, const char *name, const char *want)
{
        char *got = step_row(db, name);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
}

#endif
