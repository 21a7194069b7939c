/* Unit tests for dependency governance (DESIGN.md §2.3), from the seed's scenarios. */
#include "test.h"

#include "core/deps.h"
#include "core/lifecycle.h"

#define H 3600

static void test_governing(void **state)
{
        (void)state;
        /* Parent due daily at 18:30 (hours 18.5, 42.5, 66.5 as seconds). */
        const int64_t dues[] = {66600, 153000, 239400};
        /* Same schedule: the child due at 153000 (previous 66600) is governed by the
         * parent instance with the same due time (the seed's chain, all due 18:30). */
        assert_int_equal(deps_governing(dues, 3, 66600, 153000), 1);
        /* The child's first instance: everything up to T counts; the latest wins. */
        assert_int_equal(deps_governing(dues, 3, INT64_MIN, 153000), 1);
        /* A child due before the parent's first due time: nothing governs it. */
        assert_int_equal(deps_governing(dues, 3, INT64_MIN, 60000), -1);
        /* A child due weekly: the latest parent instance in (prev, T] governs. */
        assert_int_equal(deps_governing(dues, 3, 0, 250000), 2);
        /* The interval is open at prev: a parent due exactly at prev belongs to the
         * previous child instance. */
        assert_int_equal(deps_governing(dues, 3, 153000, 200000), -1);
        assert_int_equal(deps_governing(NULL, 0, 0, 100), -1);
}

static struct deps_parent parent(enum deps_mode mode, int st)
{
        struct deps_parent p = {true, mode, true, true, st};
        return p;
}

static void test_modes(void **state)
{
        (void)state;
        struct deps_parent p;
        /* success mode: only Success and Manual Success release the child. */
        p = parent(DEPS_SUCCESS, STATE_SUCCESS);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_READY);
        p = parent(DEPS_SUCCESS, STATE_MANUAL_SUCCESS);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_READY);
        p = parent(DEPS_SUCCESS, STATE_FAILED);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_WAIT);
        p = parent(DEPS_SUCCESS, STATE_RUNNING);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_WAIT);
        /* completion mode: any final state releases it, failure included. */
        p = parent(DEPS_COMPLETION, STATE_FAILED);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_READY);
        p = parent(DEPS_COMPLETION, STATE_TIMEOUT_SKIP);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_READY);
        p = parent(DEPS_COMPLETION, STATE_RUNNING);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_WAIT);
        /* Stop Failed (11) is not final: the child keeps waiting. */
        p = parent(DEPS_COMPLETION, STATE_STOP_FAILED);
        assert_int_equal(deps_decide(&p, 1, NULL), DEPS_WAIT);
        /* Every state under both modes, against the final/success sets of §3. */
        for (int st = 0; st < 13; st++) {
                bool final = st == 3 || st == 5 || st == 6 || st == 7 || st == 8 || st == 9 ||
                             st == 12;
                p = parent(DEPS_COMPLETION, st);
                assert_int_equal(deps_decide(&p, 1, NULL) == DEPS_READY, final);
                p = parent(DEPS_SUCCESS, st);
                assert_int_equal(deps_decide(&p, 1, NULL) == DEPS_READY, st == 5 || st == 12);
        }
}

static void test_disabled_and_missing(void **state)
{
        (void)state;
        /* C -> B -> A with B disabled: C runs as soon as it is due; B's own parent A is
         * not inherited (C's parents are just B). */
        struct deps_parent b = {false, DEPS_SUCCESS, true, false, 0};
        assert_int_equal(deps_decide(&b, 1, NULL), DEPS_READY);
        /* A parent expected in the interval whose instance does not exist yet: wait. */
        struct deps_parent pending = {true, DEPS_SUCCESS, true, false, 0};
        size_t blocking = 99;
        assert_int_equal(deps_decide(&pending, 1, &blocking), DEPS_WAIT);
        assert_int_equal(blocking, 0);
        /* A parent with no due time in the interval governs nothing. */
        struct deps_parent idle = {true, DEPS_SUCCESS, false, false, 0};
        assert_int_equal(deps_decide(&idle, 1, NULL), DEPS_READY);
}

static void test_several_parents(void **state)
{
        (void)state;
        /* DESIGN §2's nightly-load: success on nightly-extract, completion on fx-rates. */
        struct deps_parent ps[2] = {parent(DEPS_SUCCESS, STATE_SUCCESS),
                                    parent(DEPS_COMPLETION, STATE_FAILED)};
        assert_int_equal(deps_decide(ps, 2, NULL), DEPS_READY);
        ps[0] = parent(DEPS_SUCCESS, STATE_FAILED);
        size_t blocking = 99;
        assert_int_equal(deps_decide(ps, 2, &blocking), DEPS_WAIT);
        assert_int_equal(blocking, 0);
        /* The operator marks the failed parent Manual Success: released. */
        ps[0] = parent(DEPS_SUCCESS, STATE_MANUAL_SUCCESS);
        assert_int_equal(deps_decide(ps, 2, NULL), DEPS_READY);
        ps[1] = parent(DEPS_COMPLETION, STATE_RUNNING);
        assert_int_equal(deps_decide(ps, 2, &blocking), DEPS_WAIT);
        assert_int_equal(blocking, 1);
        assert_int_equal(deps_decide(NULL, 0, NULL), DEPS_READY);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_governing),
                cmocka_unit_test(test_modes),
                cmocka_unit_test(test_disabled_and_missing),
                cmocka_unit_test(test_several_parents),
        };
        return cmocka_run_group_tests_name("deps", tests, NULL, NULL);
}
