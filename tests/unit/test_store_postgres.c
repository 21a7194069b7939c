/* The repository conformance suite (tests/store_conformance.h) on the PostgreSQL
 * backend, against a throwaway server this test starts itself
 * (scripts/pg-test-server.sh: initdb + pg_ctl on a free loopback port) and removes
 * afterwards. Each test gets a new, empty database. */
#include "test.h"

#include <libpq-fe.h>
#include <pthread.h>
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

struct step_racer {
        const char *dsn;
        int64_t execution_id;
        int rc;
};

/* Writes step "b" with 3 write skips on a connection of its own. */
static void *put_step_b(void *arg)
{
        struct step_racer *x = arg;
        struct store *s;
        x->rc = store_open(x->dsn, &s, NULL);
        if (x->rc < 0)
                return NULL;
        struct store_step b = {.execution_id = x->execution_id, .name = (char *)"b",
                               .status = (char *)"STARTED", .write_skip_count = 3};
        x->rc = store_step_put(s, &b, 3000, NULL, NULL);
        store_close(s);
        return NULL;
}

/* Two transactions write skipping steps of one instance at once (partitions on two
 * connections): the second waits for the first and its count of the instance's skips
 * includes the first's steps (a recount with the snapshot of before the wait would give
 * 3, not 5). The other connection is given time to reach the wait; if it is late, the
 * test passes without testing the wait, never fails for it. */
static void test_skip_count_two_writers(void **state)
{
        struct fixture *f = *state;
        int64_t h = make_by(f->s, "a", true, 1000, "scheduler");
        struct store_execution e = {.instance_id = h, .node = (char *)"n1", .pid = 7};
        int64_t eid = 0;
        int attempt = 0;
        assert_int_equal(store_execution_start(f->s, &e, 2000, &eid, &attempt, NULL), 0);
        assert_int_equal(store_begin(f->s, NULL), 0);
        struct store_step a = {.execution_id = eid, .name = (char *)"a",
                               .status = (char *)"STARTED", .process_skip_count = 2};
        assert_int_equal(store_step_put(f->s, &a, 3000, NULL, NULL), 0);
        struct step_racer x = {.dsn = f->dsn, .execution_id = eid};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, put_step_b, &x), 0);
        usleep(500 * 1000);
        assert_int_equal(store_commit(f->s, NULL), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_int_equal(x.rc, 0);
        expect_skips(f->s, h, 5);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                STORE_CONFORMANCE_TESTS,
                cmocka_unit_test_setup_teardown(test_skip_count_two_writers, setup, teardown)};
        return cmocka_run_group_tests_name("store (postgres)", tests, group_setup,
                                           group_teardown);
}
