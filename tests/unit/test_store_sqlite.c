/* The repository conformance suite (tests/store_conformance.h) on the SQLite
 * backend: a real database file in a temporary directory per test. */
#include "test.h"

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

int main(void)
{
        const struct CMUnitTest tests[] = {STORE_CONFORMANCE_TESTS};
        return cmocka_run_group_tests_name("store (sqlite)", tests, group_setup, group_teardown);
}
