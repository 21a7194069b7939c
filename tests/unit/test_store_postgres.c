/* The repository conformance suite (tests/store_conformance.h) on the PostgreSQL
 * backend, against a throwaway server this test starts itself
 * (scripts/pg-test-server.sh: initdb + pg_ctl on a free loopback port) and removes
 * afterwards. Each test gets a new, empty database. */
#include "test.h"

#include <libpq-fe.h>
#include <unistd.h>

#include "store_conformance.h"

#define PG_SCRIPT TEST_DATA_DIR "/../../scripts/pg-test-server.sh"

static char root[64];
static char base_dsn[256]; /* the server's maintenance database */

static void admin(const char *dsn, const char *sql)
{
        PGconn *c = PQconnectdb(dsn);
        if (PQstatus(c) != CONNECTION_OK)
                fail_msg("connect %s: %s", dsn, PQerrorMessage(c));
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
                fail_msg("%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
}

static int fresh_dsn(char *buf, size_t len)
{
        static int n;
        char sql[64], name[32];
        snprintf(name, sizeof(name), "repo_%d", ++n);
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
        admin(base_dsn, sql);
        /* base_dsn ends in "/postgres": swap the database name. */
        const char *slash = strrchr(base_dsn, '/');
        int w = snprintf(buf, len, "%.*s/%s", (int)(slash - base_dsn), base_dsn, name);
        return w < 0 || (size_t)w >= len ? -1 : 0;
}

static void bump_schema(const char *dsn)
{
        admin(dsn, "INSERT INTO schema_migrations(version) VALUES (99)");
}

static int group_setup(void **state)
{
        (void)state;
        snprintf(root, sizeof(root), "/tmp/batchd-pg-XXXXXX");
        if (!mkdtemp(root))
                return -1;
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "%s start %s/pg", PG_SCRIPT, root);
        FILE *p = popen(cmd, "r");
        if (!p || !fgets(base_dsn, sizeof(base_dsn), p)) {
                if (p)
                        pclose(p);
                fprintf(stderr, "could not start a PostgreSQL server\n");
                return -1;
        }
        base_dsn[strcspn(base_dsn, "\n")] = '\0';
        return pclose(p) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
        (void)state;
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "%s stop %s/pg && rmdir %s", PG_SCRIPT, root, root);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {STORE_CONFORMANCE_TESTS};
        return cmocka_run_group_tests_name("store (postgres)", tests, group_setup,
                                           group_teardown);
}
