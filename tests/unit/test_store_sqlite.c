/* The repository conformance suite (tests/store_conformance.h) on the SQLite
 * backend: a real database file in a temporary directory per test. */
#include "test.h"

#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store_conformance.h"

static char root[64];

static int fresh_dsn(char *buf, size_t len)
{
        static int n;
        int w = snprintf(buf, len, "%s/repo-%d.db", root, ++n);
        return w < 0 || (size_t)w >= len ? -1 : 0;
}

static void bump_schema(const char *dsn)
{
        sqlite3 *db;
        assert_int_equal(sqlite3_open(dsn, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_migrations(version) VALUES (99)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(db);
}

static int group_setup(void **state)
{
        (void)state;
        snprintf(root, sizeof(root), "/tmp/batchd-store-XXXXXX");
        return mkdtemp(root) ? 0 : -1;
}

static int group_teardown(void **state)
{
        (void)state;
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        return system(cmd) == 0 ? 0 : -1;
}

/* A repository whose last page is overwritten with garbage: batchd's open
 * (STORE_OPEN_CHECK) refuses it with BATCH_EIO naming the integrity check; an open
 * without the check (batchctl, the SDK, the API's connections) does not read every page. */
static void test_open_check_refuses_a_corrupt_file(void **state)
{
        (void)state;
        char dsn[128];
        assert_int_equal(fresh_dsn(dsn, sizeof(dsn)), 0);
        struct store *s;
        struct batch_err err;
        assert_int_equal(store_open_flags(dsn, STORE_OPEN_CHECK, &s, &err), 0);
        store_close(s);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(dsn, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); "
                                          "PRAGMA journal_mode=DELETE;",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(db);
        FILE *f = fopen(dsn, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        long size = ftell(f);
        assert_true(size >= 8192);
        assert_int_equal(fseek(f, size - 4096, SEEK_SET), 0);
        for (int i = 0; i < 4096; i++)
                fputc(0xA5, f);
        fclose(f);
        assert_int_equal(store_open_flags(dsn, STORE_OPEN_CHECK, &s, &err), BATCH_EIO);
        assert_non_null(strstr(err.msg, "integrity check"));
}

struct opener {
        const char *dsn;
        int rc;
        struct batch_err err;
};

static void *open_one(void *arg)
{
        struct opener *o = arg;
        struct store *s;
        if ((o->rc = store_open(o->dsn, &s, &o->err)) == 0)
                store_close(s);
        return NULL;
}

/* Several connections opening one new file at the same moment (the partitions of an SDK
 * step, batchd and a program it started): each migration is applied once. The version
 * used to be read before the migration's transaction, so two openers both saw 0 and the
 * second failed with "table tenants already exists". */
static void test_open_new_file_at_once(void **state)
{
        (void)state;
        for (int k = 0; k < 20; k++) {
                char dsn[128];
                assert_int_equal(fresh_dsn(dsn, sizeof(dsn)), 0);
                struct opener o[4];
                pthread_t t[4];
                for (int i = 0; i < 4; i++) {
                        o[i] = (struct opener){.dsn = dsn};
                        assert_int_equal(pthread_create(&t[i], NULL, open_one, &o[i]), 0);
                }
                for (int i = 0; i < 4; i++) {
                        assert_int_equal(pthread_join(t[i], NULL), 0);
                        if (o[i].rc != 0)
                                fail_msg("round %d, opener %d: %s", k, i, o[i].err.msg);
                }
                sqlite3 *db;
                sqlite3_stmt *st;
                assert_int_equal(sqlite3_open(dsn, &db), SQLITE_OK);
                assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) = max(version) FROM "
                                                        "schema_migrations",
                                                    -1, &st, NULL),
                                 SQLITE_OK);
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                assert_int_equal(sqlite3_column_int(st, 0), 1);
                sqlite3_finalize(st);
                sqlite3_close(db);
        }
}

/* The page cache of a connection's SQLite handle, as SQLite reports it
 * (PRAGMA cache_size: negative means KiB). */
static int cache_size_of(struct store *st)
{
        const char *kind;
        sqlite3 *db = store_native(st, &kind);
        assert_non_null(db);
        assert_string_equal(kind, "sqlite");
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &q, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        int v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        return v;
}

/* store_set_page_cache caps the connections opened after it (batchd: 512 KiB each);
 * a connection opened before keeps SQLite's default, and 0 restores the default for
 * the next ones (docs/daemon.md, "Memory"). */
static void test_page_cache_cap(void **state)
{
        (void)state;
        char dsn[128];
        assert_int_equal(fresh_dsn(dsn, sizeof(dsn)), 0);
        struct batch_err err;
        struct store *before, *capped, *after;
        assert_int_equal(store_open(dsn, &before, &err), 0);
        int dflt = cache_size_of(before);
        assert_int_not_equal(dflt, -300); /* SQLite's default: -2000 unless built otherwise */
        store_set_page_cache(300);
        assert_int_equal(store_open(dsn, &capped, &err), 0);
        assert_int_equal(cache_size_of(capped), -300);
        assert_int_equal(cache_size_of(before), dflt);
        store_set_page_cache(0);
        assert_int_equal(store_open(dsn, &after, &err), 0);
        assert_int_equal(cache_size_of(after), dflt);
        store_close(before);
        store_close(capped);
        store_close(after);
}

/* Migration 17 fills skip_count from the step executions a repository of schema 16
 * already holds: the repository is taken back to 16 (the column dropped, its version
 * forgotten) and opened again. */
static void test_migration_17_fills_skip_count(void **state)
{
        (void)state;
        char dsn[128];
        assert_int_equal(fresh_dsn(dsn, sizeof(dsn)), 0);
        struct store *s;
        assert_int_equal(store_open(dsn, &s, NULL), 0);
        int64_t none = make_by(s, "a", true, 1000, "scheduler");
        int64_t three = make_by(s, "a", true, 2000, "scheduler");
        step_with_skips(s, three, "load", 1, 2, 0);
        int64_t six = make_by(s, "b", true, 1000, "scheduler");
        step_with_skips(s, six, "extract", 0, 0, 2); /* two executions of it */
        step_with_skips(s, six, "extract", 4, 0, 0);
        int64_t zero = make_by(s, "b", true, 2000, "scheduler");
        step_with_skips(s, zero, "load", 0, 0, 0);
        store_close(s);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(dsn, &db), SQLITE_OK);
        char *msg = NULL;
        if (sqlite3_exec(db, "ALTER TABLE instances DROP COLUMN skip_count; "
                             "DELETE FROM schema_migrations WHERE version = 17",
                         NULL, NULL, &msg) != SQLITE_OK)
                fail_msg("back to 16: %s", msg ? msg : "?");
        sqlite3_close(db);
        assert_int_equal(store_open(dsn, &s, NULL), 0);
        int v = 0;
        assert_int_equal(store_schema_version(s, &v, NULL), 0);
        assert_int_equal(v, 17);
        expect_skips(s, none, 0);
        expect_skips(s, three, 3);
        expect_skips(s, six, 6);
        expect_skips(s, zero, 0);
        store_close(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {STORE_CONFORMANCE_TESTS,
                                           cmocka_unit_test(test_open_check_refuses_a_corrupt_file),
                                           cmocka_unit_test(test_open_new_file_at_once),
                                           cmocka_unit_test(test_page_cache_cap),
                                           cmocka_unit_test(test_migration_17_fills_skip_count)};
        return cmocka_run_group_tests_name("store (sqlite)", tests, group_setup, group_teardown);
}
