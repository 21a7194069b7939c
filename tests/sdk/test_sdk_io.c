/* test_sdk_io.c: the built-in readers and writers on real files — CSV quoting, header
 * mapping, restart by byte offset, the CSV writer's truncation on restart, JSON lines,
 * the SQLite keyset reader and the SQLite writers (in the repository's transaction and
 * in another file). */
#include "sdk_test.h"

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static char *read_file(const char *path)
{
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        static char buf[8192];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        return buf;
}

/* Fails fatally once at the record whose id is *ud. */
static int fail_once(void *ud, struct batch_ctx *ctx, void *in, void **out,
                     struct batch_err *err)
{
        (void)ctx;
        long *at = ud;
        const char *id = batch_record_get(in, "id");
        if (id && atol(id) == *at) {
                *at = -1;
                return batch_err_set(err, BATCH_EIO, "id", "injected failure at %s", id);
        }
        *out = in;
        return 0;
}

static const char *csv_in =
        "id,name,note\r\n"
        "1,Ann,plain\r\n"
        "2,\"Bob, Jr.\",\"said \"\"hi\"\"\"\r\n"
        "\r\n"
        "3,Cy,\"two\nlines\"\r\n"
        "4,Di\r\n"
        "5,Eve,x\r\n"
        "6,Fay,y\r\n"
        "7,Gus,z";

static const char *csv_out =
        "id,note,name\n"
        "1,plain,Ann\n"
        "2,\"said \"\"hi\"\"\",\"Bob, Jr.\"\n"
        "3,\"two\nlines\",Cy\n"
        "5,x,Eve\n"
        "6,y,Fay\n"
        "7,z,Gus\n";

static struct batch_job *csv_job(const char *in, const char *out, long *fail_at)
{
        struct batch_csv_options ro = {.path = in, .header = true};
        static const char *const cols[] = {"id", "note", "name"};
        struct batch_csv_writer_options wo = {.path = out, .columns = cols, .n_columns = 3,
                                              .header = true};
        struct batch_reader r;
        struct batch_writer w;
        struct batch_processor p = {.process_cb = fail_once, .ud = fail_at};
        assert_int_equal(batch_csv_reader(&r, &ro, NULL), 0);
        assert_int_equal(batch_csv_writer(&w, &wo, NULL), 0);
        struct batch_step *st = batch_chunk_step_new("copy", &r, &p, &w, 2);
        batch_step_set_skip_limit(st, 10);
        struct batch_job *job = batch_job_new("csv-copy");
        assert_int_equal(batch_job_add_step(job, st, NULL), 0);
        return job;
}

static void test_csv_restart(void **state)
{
        (void)state;
        char db[128], in[160], out[160];
        fresh_db(db, sizeof(db));
        snprintf(in, sizeof(in), "%s/in.csv", root);
        snprintf(out, sizeof(out), "%s/out.csv", root);
        write_file(in, csv_in);
        long fail_at = 6;
        struct batch_job *job = csv_job(in, out, &fail_at);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "FAILED");
        /* Chunks of 2 records read: (1,2) (3, bad 4) — record 4 has 2 fields, a read
         * skip, which counts toward the chunk — then (5, 6) fails at 6. */
        assert_step(db, "copy", "FAILED|3|3|2|1|1|0|0|0");
        /* As if the writer had flushed rows whose checkpoint never committed. */
        FILE *f = fopen(out, "a");
        fputs("9,garbage,row\n", f);
        fclose(f);
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_int_equal(res.counts.read, 3);
        batch_job_free(job);
        assert_string_equal(read_file(out), csv_out);
        char *dl = qtext(db, "SELECT item || ' | ' || error FROM dead_letters");
        assert_string_equal(dl, "4,Di | record 4: 2 fields, the header has 3");
        free(dl);
}

static void test_csv_unterminated(void **state)
{
        (void)state;
        char db[128], in[160], out[160];
        fresh_db(db, sizeof(db));
        snprintf(in, sizeof(in), "%s/bad.csv", root);
        snprintf(out, sizeof(out), "%s/bad-out.csv", root);
        write_file(in, "id,name,note\n1,a,b\n2,\"c,d\n");
        long never = -1;
        struct batch_job *job = csv_job(in, out, &never);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "copy", "COMPLETED|1|1|1|0|1|0|0|0");
        char *e = qtext(db, "SELECT error FROM dead_letters");
        assert_string_equal(e, "record 2: unterminated quoted field");
        free(e);
}

/* The CSV reader keeps the records the step gives back (its free_cb) and reuses them
 * for the next ones (docs/sdk.md, "Memory"): a record given back is the block of a later
 * record, a larger record than the kept block still reads right, a live record is never
 * reused, and every record is still one that batch_record_free frees. */
static void test_csv_records_reused(void **state)
{
        (void)state;
        char in[160], longname[601];
        memset(longname, 'x', 600);
        longname[600] = 0;
        snprintf(in, sizeof(in), "%s/reuse.csv", root);
        char text[1024];
        snprintf(text, sizeof(text), "id,name\n1,a\n2,%s\n3,b\n4,c\n5,d\n", longname);
        write_file(in, text);
        struct batch_csv_options ro = {.path = in, .header = true};
        struct batch_reader r;
        assert_int_equal(batch_csv_reader(&r, &ro, NULL), 0);
        assert_int_equal(r.open_cb(r.ud, NULL, NULL, NULL), 0);
        void *one, *two, *three, *four, *five;
        assert_int_equal(r.read_cb(r.ud, &one, NULL), 1);
        assert_string_equal(batch_record_get(one, "name"), "a");
        r.free_cb(r.ud, one);
        assert_int_equal(r.read_cb(r.ud, &two, NULL), 1); /* larger than the kept block */
        assert_string_equal(batch_record_get(two, "id"), "2");
        assert_string_equal(batch_record_get(two, "name"), longname);
        assert_int_equal(r.read_cb(r.ud, &three, NULL), 1); /* nothing kept: a new block */
        assert_ptr_not_equal(three, two);
        assert_string_equal(batch_record_get(three, "name"), "b");
        assert_string_equal(batch_record_get(two, "name"), longname);
        batch_record_free(three);
        r.free_cb(r.ud, two);
        assert_int_equal(r.read_cb(r.ud, &four, NULL), 1);
        assert_ptr_equal(four, two); /* the block given back */
        assert_string_equal(batch_record_get(four, "id"), "4");
        assert_string_equal(batch_record_get(four, "name"), "c");
        assert_int_equal(((struct batch_record *)four)->number, 4);
        assert_int_equal(r.read_cb(r.ud, &five, NULL), 1);
        assert_string_equal(batch_record_get(five, "name"), "d");
        r.free_cb(r.ud, four);
        r.free_cb(r.ud, five);
        assert_int_equal(r.read_cb(r.ud, &one, NULL), 0);
        r.destroy_cb(r.ud);
}

static void test_jsonl(void **state)
{
        (void)state;
        char db[128], in[160], out[160];
        fresh_db(db, sizeof(db));
        snprintf(in, sizeof(in), "%s/in.jsonl", root);
        snprintf(out, sizeof(out), "%s/jl.csv", root);
        write_file(in, "{\"id\": 1, \"name\": \"Ann\", \"tags\": [1,2]}\n"
                       "not json\n"
                       "{\"id\": 2, \"name\": null}\n"
                       "[1,2]\n"
                       "{\"name\": \"Cy\", \"id\": 3}\n");
        struct batch_csv_options ro = {.path = in};
        static const char *const cols[] = {"id", "name", "tags"};
        struct batch_csv_writer_options wo = {.path = out, .columns = cols, .n_columns = 3};
        struct batch_reader r;
        struct batch_writer w;
        assert_int_equal(batch_jsonl_reader(&r, &ro, NULL), 0);
        assert_int_equal(batch_csv_writer(&w, &wo, NULL), 0);
        struct batch_step *st = batch_chunk_step_new("j", &r, NULL, &w, 2);
        batch_step_set_skip_limit(st, 2);
        struct batch_job *job = batch_job_new("jl");
        batch_job_add_step(job, st, NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "j", "COMPLETED|3|3|3|0|2|0|0|0");
        assert_string_equal(read_file(out), "1,Ann,\"[1,2]\"\n2,,\n3,Cy,\n");
        assert_int_equal(q1(db, "SELECT count(*) FROM dead_letters WHERE item = 'not json'"), 1);
}

/* Keyset pages from another SQLite file into the repository, exactly once across a
 * failure and restart; a duplicate key is a write skip. */
static void test_sqlite_reader_writer(void **state)
{
        (void)state;
        char db[128], src[160];
        fresh_db(db, sizeof(db));
        snprintf(src, sizeof(src), "%s/src.db", root);
        sqlite3 *h;
        assert_int_equal(sqlite3_open(src, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, "CREATE TABLE cases (id INTEGER PRIMARY KEY, v TEXT, "
                                         "done INTEGER);"
                                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 "
                                         "FROM n WHERE i < 25) INSERT INTO cases "
                                         "SELECT i * 3, 'v' || i, i % 5 = 0 FROM n;",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(h);
        /* The repository gets the target table first. */
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, "CREATE TABLE copy (id INTEGER PRIMARY KEY, v TEXT); "
                                         "INSERT INTO copy VALUES (30, 'already')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(h);
        struct batch_sqlite_reader_options ro = {.path = src,
                                                 .query = "SELECT id, v FROM cases WHERE done = 0",
                                                 .key = "id", .page_size = 4};
        struct batch_sqlite_writer_options wo = {.sql = "INSERT INTO copy(id, v) VALUES (:id, :v)"};
        struct batch_reader r;
        struct batch_writer w;
        long fail_at = 42;
        struct batch_processor p = {.process_cb = fail_once, .ud = &fail_at};
        assert_int_equal(batch_sqlite_reader(&r, &ro, NULL), 0);
        assert_int_equal(batch_sqlite_writer(&w, &wo, NULL), 0);
        struct batch_step *st = batch_chunk_step_new("copy", &r, &p, &w, 3);
        batch_step_set_skip_limit(st, 1);
        struct batch_job *job = batch_job_new("sq");
        batch_job_add_step(job, st, NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "FAILED");
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        assert_string_equal(res.exit_status, "COMPLETED");
        batch_job_free(job);
        /* 25 cases, 5 done: 20 read and copied; the row 30 was there before (its case is
         * done, so it is not read). */
        assert_int_equal(q1(db, "SELECT count(*) FROM copy"), 21);
        assert_int_equal(q1(db, "SELECT sum(id) FROM copy WHERE v <> 'already'"),
                         3 * (325 - (5 + 10 + 15 + 20 + 25)));
        assert_int_equal(q1(db, "SELECT sum(read_count) FROM step_executions"), 20);
        assert_int_equal(q1(db, "SELECT sum(write_count) FROM step_executions"), 20);
}

static void test_sqlite_writer_conflict(void **state)
{
        (void)state;
        char db[128], in[160];
        fresh_db(db, sizeof(db));
        snprintf(in, sizeof(in), "%s/dup.csv", root);
        write_file(in, "id,v\n1,a\n2,b\n1,c\n3,d\n");
        sqlite3 *h;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", NULL,
                                      NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(h);
        struct batch_csv_options ro = {.path = in, .header = true};
        struct batch_sqlite_writer_options wo = {.sql = "INSERT INTO t VALUES (?1, ?2)"};
        struct batch_reader r;
        struct batch_writer w;
        assert_int_equal(batch_csv_reader(&r, &ro, NULL), 0);
        assert_int_equal(batch_sqlite_writer(&w, &wo, NULL), 0);
        struct batch_step *st = batch_chunk_step_new("t", &r, NULL, &w, 10);
        batch_step_set_skip_limit(st, 1);
        struct batch_job *job = batch_job_new("dup");
        batch_job_add_step(job, st, NULL);
        struct batch_run_opts o = {.db = db};
        struct batch_result res;
        assert_int_equal(batch_job_run(job, &o, &res, NULL), 0);
        batch_job_free(job);
        assert_string_equal(res.exit_status, "COMPLETED");
        assert_step(db, "t", "COMPLETED|4|3|1|2|0|0|1|0");
        char *v = qtext(db, "SELECT group_concat(v, '') FROM (SELECT v FROM t ORDER BY id)");
        assert_string_equal(v, "abd");
        free(v);
        char *e = qtext(db, "SELECT item || ' | ' || error FROM dead_letters");
        assert_string_equal(e, "1,c | sqlite writer: UNIQUE constraint failed: t.id");
        free(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_csv_restart),
                cmocka_unit_test(test_csv_unterminated),
                cmocka_unit_test(test_csv_records_reused),
                cmocka_unit_test(test_jsonl),
                cmocka_unit_test(test_sqlite_reader_writer),
                cmocka_unit_test(test_sqlite_writer_conflict),
        };
        return cmocka_run_group_tests_name("sdk readers and writers", tests, group_setup,
                                           group_teardown);
}
