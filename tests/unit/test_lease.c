/* Unit tests for the planner lease's timing rules (core/lease.h). The expected values
 * follow docs/cluster.md: a holder renews every ttl/3 and counts itself holder until
 * the start of its last successful renewal + ttl - (1 s + ttl/10); the stored expiry
 * (whole seconds, rounded down) is never before that, so no other node can take the
 * lease while the holder still counts itself holder. */
#include "test.h"

#include "core/lease.h"

struct lease_case {
        int ttl_s;
        int64_t renew_ms;
        int64_t margin, until, interval;
};

static void test_lease_table(void **state)
{
        (void)state;
        static const struct lease_case cases[] = {
            {2, 0, 1200, 800, 666},
            {3, 1000, 1300, 2700, 1000},
            {15, 50000, 2500, 62500, 5000},
            {30, 7, 4000, 26007, 10000},
            {3600, 0, 361000, 3239000, 1200000},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct lease_case *c = &cases[i];
                assert_int_equal(lease_margin_ms(c->ttl_s), c->margin);
                assert_int_equal(lease_valid_until_ms(c->renew_ms, c->ttl_s), c->until);
                assert_int_equal(lease_interval_ms(c->ttl_s), c->interval);
                /* A holder renews at least once more before its validity ends. */
                assert_true(c->renew_ms + c->interval < c->until);
        }
}

/* The holder stops strictly before the stored expiry can pass on the database's clock:
 * a renewal that reaches the database at its time W.999 stores W + ttl, and the holder,
 * whose attempt began no later, stops at W.999 + ttl - margin < W + ttl. */
static void test_lease_before_stored_expiry(void **state)
{
        (void)state;
        for (int ttl = LEASE_TTL_MIN; ttl <= 60; ttl++) {
                int64_t wall_ms = 1000000 + 999; /* the renewal began just before a second */
                int64_t stored_expiry_ms = (wall_ms / 1000 + ttl) * 1000;
                assert_true(lease_valid_until_ms(wall_ms, ttl) < stored_expiry_ms);
        }
}

static void test_lease_holds(void **state)
{
        (void)state;
        static const struct {
                int64_t until, now;
                bool holds;
        } cases[] = {
            {0, 0, false},      /* never held */
            {0, 5, false},
            {1000, 999, true},
            {1000, 1000, false}, /* up to, not at, the end */
            {1000, 5000, false},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_int_equal(lease_holds(cases[i].until, cases[i].now), cases[i].holds);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_lease_table),
            cmocka_unit_test(test_lease_before_stored_expiry),
            cmocka_unit_test(test_lease_holds),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
