/* test_sdk_restart.c: job instances and restarts on a real SQLite repository — resume
 * from the checkpoint after a failure, refusal of a completed instance and running it
 * anew, cooperative stop (flag and repository request), a killed execution in a real
 * child process, conditional flow, tasklets. */
#include "sdk_test.h"

#include <signal.h>
#include <sys/wait.h>

#include "common/err.h"
#include "sdk/sdk-internal.h"

static int run_opts(struct nums *s, unsigned commit, const struct batch_run_opts *o,
                    struct batch_result *res, struct batch_err *err)
{
        struct batch_job *job = nums_job(s, commit, true);
        int rc = batch_job_run(job, o, res, err);
        batch_job_free(job);
        return rc;
}

/* A failed run resumes after its last committed chunk; the items end up written once. */
static void test_restart_after_failure(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct batch_param p[] = {{"day", "2026-01-01"}};
        struct batch_run_opts o = {.db = db, .params = p, .nparams = 1};
        struct nums s = {.n = 20, .pf = {F_FATAL, 13, -1}};
        struct batch_result res;
        assert_int_equal(run_opts(&s, 5, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 10);
        struct nums t = {.n = 20};
        assert_int_equal(run_opts(&t, 5, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_int_equal(res.counts.read, 10); /* only what was left */
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 20);
        assert_int_equal(q1(db, "SELECT count(DISTINCT v) FROM out"), 20);
        assert_int_equal(q1(db, "SELECT count(*) FROM instances"), 1);
        assert_int_equal(q1(db, "SELECT count(*) FROM executions"), 2);
        assert_int_equal(q1(db, "SELECT state FROM instances"), 5);
        /* Other identifying parameters: another instance, from the start. */
        struct batch_param p2[] = {{"day", "2026-01-02"}};
        o.params = p2;
        sqlite3 *h;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, "DELETE FROM out", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h);
        struct nums u = {.n = 3};
        assert_int_equal(run_opts(&u, 5, &o, &res, NULL), 0);
        assert_int_equal(res.counts.read, 3);
        assert_int_equal(q1(db, "SELECT count(*) FROM instances"), 2);
}

static void test_completed_refused(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct batch_run_opts o = {.db = db};
        struct nums s = {.n = 4};
        struct batch_result res;
        assert_int_equal(run_opts(&s, 5, &o, &res, NULL), 0);
        struct batch_err err = {0};
        struct nums t = {.n = 4};
        assert_int_equal(run_opts(&t, 5, &o, &res, &err), BATCH_ECOMPLETED);
        assert_non_null(strstr(err.msg, "has already completed"));
        assert_int_equal(q1(db, "SELECT count(*) FROM executions"), 1);
        /* Asked to run anew: from the start (the rows exist: the writer's duplicates fail
         * as fatal here, so use a fresh table). */
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 4);
        sqlite3 *h;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, "DELETE FROM out", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h);
        o.anew = true;
        struct nums u = {.n = 4};
        assert_int_equal(run_opts(&u, 5, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_int_equal(res.counts.read, 4);
        assert_int_equal(q1(db, "SELECT count(*) FROM executions"), 2);
}

/* A stop (as SIGTERM would request) ends the step after the current chunk: STOPPED, the
 * instance Canceled; running it again continues from there. */
static void test_stop_and_restart(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct batch_run_opts o = {.db = db};
        struct nums s = {.n = 20, .stop_after_chunks = 2};
        struct batch_result res;
        assert_int_equal(run_opts(&s, 3, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "STOPPED");
        assert_step(db, "load", "STOPPED|6|6|2|0|0|0|0|0");
        assert_int_equal(q1(db, "SELECT state FROM instances"), 9);
        assert_int_equal(q1(db, "SELECT exit_status FROM executions"), 4);
        struct nums t = {.n = 20};
        assert_int_equal(run_opts(&t, 3, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_int_equal(res.counts.read, 14);
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 20);
}

/* A stop request recorded in the repository (batchctl/the API) is honoured too. */
static struct store *other;
static int64_t stop_inst;

static void request_stop(void *ud, struct batch_ctx *ctx, bool committed)
{
        (void)ud;
        if (!committed || batch_ctx_counts(ctx)->commit != 1)
                return;
        struct store_request q = {.tenant = (char *)"default",
                                  .instance_id = batch_ctx_instance_id(ctx),
                                  .action = (char *)"stop", .actor = (char *)"alice"};
        int64_t id;
        assert_int_equal(store_request_add(other, &q, 1, &id, NULL), 0);
        stop_inst = q.instance_id;
}

static void test_stop_request(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct batch_err err;
        struct nums s = {.n = 20};
        struct batch_job *job = nums_job(&s, 4, false);
        struct batch_listener l = {.after_chunk_cb = request_stop};
        assert_int_equal(batch_job_add_listener(job, &l, NULL), 0);
        struct batch_run_opts o = {.db = db, .stop_poll_us = 1};
        /* The repository exists once the run starts; open a second connection lazily. */
        assert_int_equal(store_open(db, &other, &err), 0);
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, &err), 0);
        batch_job_free(job);
        store_close(other);
        assert_string_equal(res.exit_status, "STOPPED");
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 4);
        assert_int_equal(stop_inst, res.instance_id);
}

/* ---- a killed execution, in a real child process -------------------------------------- */

/* A reader that returns one item, then hangs (outside any transaction). */
static int hang_read(void *ud, void **ret, struct batch_err *err)
{
        (void)err;
        int *n = ud;
        if ((*n)++ == 0) {
                *ret = (void *)1;
                return 1;
        }
        for (;;)
                pause();
}

static int drop_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                      struct batch_err *err)
{
        (void)ud;
        (void)ctx;
        (void)items;
        (void)n;
        (void)err;
        return 0;
}

static pid_t start_blocked(const char *db)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                static int n;
                struct batch_job *job = batch_job_new("hang");
                struct batch_reader r = {.read_cb = hang_read, .ud = &n};
                struct batch_writer w = {.write_cb = drop_write};
                batch_job_add_step(job, batch_chunk_step_new("wait", &r, NULL, &w, 1), NULL);
                struct batch_run_opts o = {.db = db};
                batch_job_run(job, &o, NULL, NULL);
                _exit(0);
        }
        /* Wait until the child committed its first chunk. */
        for (int i = 0; i < 500; i++) {
                if (q1(db, "SELECT commit_count FROM step_executions WHERE status = 'STARTED'") == 1)
                        return pid;
                usleep(10000);
        }
        kill(pid, SIGKILL);
        fail_msg("the child never started");
        return pid;
}

static int quick(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        (void)ud;
        (void)ctx;
        (void)err;
        return 0;
}

static void test_killed_execution(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        pid_t pid = start_blocked(db);
        struct batch_job *job = batch_job_new("hang");
        batch_job_add_step(job, batch_tasklet_step_new("wait", quick, NULL, NULL), NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_err err = {0};
        struct batch_result res;
        /* While the child lives, the instance is running elsewhere. */
        int rc = batch_job_run(job, &o, &res, &err);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        assert_int_equal(rc, BATCH_ERUNNING);
        assert_non_null(strstr(err.msg, "is running in process"));
        /* Killed: detected, recorded, and the instance restarts without hand-editing. */
        assert_int_equal(batch_job_run(job, &o, &res, &err), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        batch_job_free(job);
        char *e = qtext(db, "SELECT error FROM executions WHERE attempt = 1");
        assert_non_null(strstr(e, "killed: process"));
        free(e);
        assert_int_equal(q1(db, "SELECT exit_status FROM executions WHERE attempt = 1"), -9);
        assert_int_equal(q1(db, "SELECT count(*) FROM step_executions WHERE status = 'FAILED'"), 1);
        assert_int_equal(q1(db, "SELECT count(*) FROM step_executions WHERE status = 'STARTED'"), 0);
        assert_int_equal(q1(db, "SELECT state FROM instances"), 5);
        /* The history shows the lost run as Failed, then the restart. */
        assert_int_equal(q1(db, "SELECT count(*) FROM instance_transitions WHERE to_state = 6 "
                                "AND reason LIKE 'lost%'"),
                         1);
}

/* ---- flow --------------------------------------------------------------------------- */

struct trace {
        char path[128];
};

static int step_a(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        (void)err;
        struct trace *t = ud;
        strcat(t->path, "a");
        batch_ctx_set_exit(ctx, "NOOP");
        return 0;
}

static int step_b(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        (void)ctx;
        struct trace *t = ud;
        strcat(t->path, "b");
        return batch_err_set(err, BATCH_EIO, "b", "b broke");
}

static int step_c(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        struct trace *t = ud;
        strcat(t->path, "c");
        return 0;
}

static void test_flow(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct trace t = {""};
        struct batch_job *job = batch_job_new("flow");
        assert_int_equal(batch_job_add_step(job, batch_tasklet_step_new("a", step_a, &t, NULL), NULL), 0);
        assert_int_equal(batch_job_add_step(job, batch_tasklet_step_new("b", step_b, &t, NULL), NULL), 0);
        assert_int_equal(batch_job_add_step(job, batch_tasklet_step_new("c", step_c, &t, NULL), NULL), 0);
        assert_int_equal(batch_job_add_step(job, batch_tasklet_step_new("c", step_c, &t, NULL), NULL),
                         BATCH_EEXIST);
        /* a: NOOP -> c (b is skipped); c: COMPLETED -> end. */
        assert_int_equal(batch_job_on(job, "a", "NO*", "c", NULL), 0);
        assert_int_equal(batch_job_on(job, "c", "*", BATCH_END, NULL), 0);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_string_equal(t.path, "ac");
        batch_job_free(job);

        /* Without a transition a failed step fails the job; with "FAILED -> c" it goes on. */
        fresh_db(db, sizeof(db));
        t.path[0] = '\0';
        job = batch_job_new("flow");
        batch_job_add_step(job, batch_tasklet_step_new("b", step_b, &t, NULL), NULL);
        batch_job_add_step(job, batch_tasklet_step_new("c", step_c, &t, NULL), NULL);
        o.db = db;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_string_equal(t.path, "b");
        char *msg = qtext(db, "SELECT exit_message FROM step_executions WHERE name = 'b'");
        assert_string_equal(msg, "b broke");
        free(msg);
        assert_int_equal(batch_job_on(job, "b", "FAILED", "c", NULL), 0);
        t.path[0] = '\0';
        /* The same instance, restarted: b runs again (it did not complete), then c. */
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_string_equal(t.path, "bc");
        assert_int_equal(batch_job_on(job, "b", "*", "nowhere", NULL), 0);
        struct batch_err err;
        assert_int_equal(batch_job_run(job, &o, &res, &err), BATCH_ENOENT);
        batch_job_free(job);
}

/* A completed step is not run again when its job is restarted. */
static int count_calls(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        (void)ctx;
        (void)err;
        (*(int *)ud)++;
        return 0;
}

static void test_completed_step_kept(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        int calls = 0;
        struct trace t = {""};
        struct batch_job *job = batch_job_new("two");
        batch_job_add_step(job, batch_tasklet_step_new("first", count_calls, &calls, NULL), NULL);
        batch_job_add_step(job, batch_tasklet_step_new("second", step_b, &t, NULL), NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_int_equal(calls, 1);
        assert_string_equal(t.path, "bb");
        batch_job_free(job);
}

/* A tasklet's state is saved with each call and given back on a restart. */
static int counter(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        int *fail_at = ud;
        const char *st = batch_ctx_state(ctx);
        int n = st ? atoi(st) : 0;
        if (n == *fail_at) {
                *fail_at = -1;
                return batch_err_set(err, BATCH_EIO, "t", "fails once at %d", n);
        }
        char b[16];
        snprintf(b, sizeof(b), "%d", n + 1);
        batch_ctx_set_state(ctx, b);
        return n + 1 < 5 ? 1 : 0;
}

static void test_tasklet_state(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        int fail_at = 3;
        struct batch_job *job = batch_job_new("count");
        batch_job_add_step(job, batch_tasklet_step_new("c", counter, &fail_at, NULL), NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_step(db, "c", "FAILED|0|0|3|1|0|0|0|0");
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "c", "COMPLETED|0|0|2|0|0|0|0|0");
        batch_job_free(job);
        char *cp = qtext(db, "SELECT data FROM checkpoints WHERE step = 'c'");
        assert_string_equal(cp, "{\"done\":true,\"exit\":\"COMPLETED\",\"gen\":1,\"state\":\"5\"}");
        free(cp);
}

/* The state and exit status are text in the checkpoint: what is not UTF-8 is refused
 * (it could not be committed); multibyte text up to 31 bytes is kept whole. */
static int text_rules(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        (void)err;
        int *rc = ud;
        rc[0] = batch_ctx_set_state(ctx, "caf\xc3");   /* cut inside a character */
        rc[1] = batch_ctx_set_exit(ctx, "\xff");
        rc[2] = batch_ctx_set_exit(ctx, "\xc3\x89" "CHEC-DONN\xc3\x89" "ES"); /* ÉCHEC-DONNÉES */
        rc[3] = batch_ctx_set_state(ctx, "\xc3\xa9tat 1");              /* état 1 */
        rc[4] = batch_ctx_set_exit(ctx, "0123456789012345678901234567890\xc3\xa9"); /* 33 bytes */
        return 0;
}

static void test_text_rules(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        int rc[5] = {1, 1, 1, 1, 1};
        struct batch_job *job = batch_job_new("text");
        batch_job_add_step(job, batch_tasklet_step_new("t", text_rules, rc, NULL), NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_int_equal(rc[0], BATCH_EINVAL);
        assert_int_equal(rc[1], BATCH_EINVAL);
        assert_int_equal(rc[2], 0);
        assert_int_equal(rc[3], 0);
        assert_int_equal(rc[4], BATCH_EINVAL);
        batch_job_free(job);
        char *cp = qtext(db, "SELECT data FROM checkpoints WHERE step = 't'");
        assert_string_equal(cp, "{\"done\":true,\"exit\":\"\xc3\x89" "CHEC-DONN\xc3\x89" "ES\","
                                "\"gen\":1,\"state\":\"\xc3\xa9tat 1\"}");
        free(cp);
}

/* Started by batchd: the instance and execution come from the environment, the SDK
 * records its steps under that execution and leaves instance and execution to the
 * daemon. */
static void test_under_daemon(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        struct store *st;
        struct batch_err err;
        assert_int_equal(store_open(db, &st, &err), 0);
        struct store_instance in = {.tenant = (char *)"default", .job = (char *)"nums",
                                    .scheduled = true, .due = 3600, .first_due = 3600,
                                    .last_due = 3600, .state = 4, .trace_id = (char *)"t"};
        int64_t inst, ex;
        int attempt;
        assert_int_equal(store_instance_create(st, &in, "batchd", 1, &inst, &err), 0);
        struct store_execution e = {.instance_id = inst, .pid = getpid()};
        assert_int_equal(store_execution_start(st, &e, 1, &ex, &attempt, &err), 0);
        store_close(st);
        char a[32], b[32];
        snprintf(a, sizeof(a), "%lld", (long long)inst);
        snprintf(b, sizeof(b), "%lld", (long long)ex);
        setenv("BATCH_DB", db, 1);
        setenv("BATCH_INSTANCE_ID", a, 1);
        setenv("BATCH_EXECUTION_ID", b, 1);
        setenv("BATCH_PARAM_INPUT_FILE", "x.csv", 1);
        struct nums s = {.n = 7};
        struct batch_job *job = nums_job(&s, 5, false);
        char *argv[] = {(char *)"prog", NULL};
        assert_int_equal(batch_main(job, 1, argv), 0);
        assert_int_equal(q1(db, "SELECT count(*) FROM out"), 7);
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM step_executions WHERE execution_id = %lld",
                 (long long)ex);
        assert_int_equal(q1(db, sql), 1);
        assert_int_equal(q1(db, "SELECT count(*) FROM executions"), 1);
        assert_int_equal(q1(db, "SELECT count(*) FROM executions WHERE finished_at IS NULL"), 1);
        assert_int_equal(q1(db, "SELECT state FROM instances"), 4); /* the daemon's to move */
        /* A rerun of the completed instance is refused (exit 3) unless BATCH_RUN_ANEW. */
        assert_int_equal(batch_main(job, 1, argv), 3);
        batch_job_free(job);
        unsetenv("BATCH_DB");
        unsetenv("BATCH_INSTANCE_ID");
        unsetenv("BATCH_EXECUTION_ID");
        unsetenv("BATCH_PARAM_INPUT_FILE");
}

static const char *seen_param;

static int read_param(void *ud, struct batch_ctx *ctx, struct batch_err *err)
{
        (void)ud;
        (void)err;
        seen_param = batch_ctx_param(ctx, "input-file");
        return 0;
}

static void test_params(void **state)
{
        (void)state;
        char db[128];
        fresh_db(db, sizeof(db));
        setenv("BATCH_PARAM_INPUT_FILE", "from-env.csv", 1);
        struct batch_job *job = batch_job_new("params");
        batch_job_add_step(job, batch_tasklet_step_new("t", read_param, NULL, NULL), NULL);
        char *argv[] = {(char *)"prog", (char *)"--db", db, NULL};
        assert_int_equal(batch_main(job, 3, argv), 0);
        assert_string_equal(seen_param, "from-env.csv");
        char given[] = "input-file=given.csv"; /* argv strings are writable */
        char *argv2[] = {(char *)"prog", (char *)"--db", db, given, NULL};
        assert_int_equal(batch_main(job, 4, argv2), 0); /* another instance */
        assert_string_equal(seen_param, "given.csv");
        char noeq[] = "noequals";
        char *bad[] = {(char *)"prog", (char *)"--db", db, noeq, NULL};
        assert_int_equal(batch_main(job, 4, bad), 2);
        batch_job_free(job);
        unsetenv("BATCH_PARAM_INPUT_FILE");
        char *params = qtext(db, "SELECT group_concat(params, ' ') FROM instances");
        assert_string_equal(params, "{} {\"input-file\":\"given.csv\"}");
        free(params);
}

/* The shared table's codes and texts, and the SDK's own codes, as the SDK reports them. */
static void test_error_table(void **state)
{
        (void)state;
#define CHECK(name, value, desc)                                                                  \
        assert_int_equal(BATCH_##name, value);                                                    \
        assert_string_equal(batch_strerror(value), desc);
        BATCH_ERR_MAP(CHECK)
#undef CHECK
        assert_string_equal(batch_error_string(BATCH_ESKIP), "bad item (may be skipped)");
        assert_string_equal(batch_error_string(BATCH_ENOENT), "not found");
}

/* A checkpoint's text written without jansson (each chunk's, when it is ASCII) is the
 * text sdk_checkpoint_encode makes with jansson, byte for byte, escapes included; text
 * that is not ASCII, or does not fit, is left to jansson. */
static void test_checkpoint_text(void **state)
{
        (void)state;
        char every[128]; /* every ASCII byte but NUL */
        for (int i = 1; i < 128; i++)
                every[i - 1] = (char)i;
        every[127] = '\0';
        struct sdk_checkpoint cps[] = {
                {.gen = 1, .reader = (char *)"20000"},
                {.gen = 0},
                {.gen = -7, .done = true, .exit = "COMPLETED", .state = (char *)"{\"n\":1}"},
                {.gen = INT64_MAX, .reader = every, .writer = (char *)"a\"b\\c/d", .state = every},
                {.gen = 3, .exit = "x\ty", .reader = (char *)"", .writer = (char *)""},
        };
        for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
                char *want;
                assert_int_equal(sdk_checkpoint_encode(&cps[i], &want), 0);
                char got[1024];
                ptrdiff_t n = sdk_checkpoint_encode_ascii(&cps[i], got, sizeof(got));
                assert_int_equal(n, (ptrdiff_t)strlen(want));
                assert_string_equal(got, want);
                /* One byte short of room (the NUL): refused. */
                assert_int_equal(sdk_checkpoint_encode_ascii(&cps[i], got, (size_t)n), -1);
                free(want);
        }
        struct sdk_checkpoint utf8 = {.gen = 1, .reader = (char *)"caf\xc3\xa9"};
        char got[64];
        assert_int_equal(sdk_checkpoint_encode_ascii(&utf8, got, sizeof(got)), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_restart_after_failure),
                cmocka_unit_test(test_completed_refused),
                cmocka_unit_test(test_stop_and_restart),
                cmocka_unit_test(test_stop_request),
                cmocka_unit_test(test_killed_execution),
                cmocka_unit_test(test_flow),
                cmocka_unit_test(test_completed_step_kept),
                cmocka_unit_test(test_tasklet_state),
                cmocka_unit_test(test_text_rules),
                cmocka_unit_test(test_error_table),
                cmocka_unit_test(test_under_daemon),
                cmocka_unit_test(test_params),
                cmocka_unit_test(test_checkpoint_text),
        };
        return cmocka_run_group_tests_name("sdk restart", tests, group_setup, group_teardown);
}
