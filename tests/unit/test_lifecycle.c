/* Unit tests for the instance lifecycle: names and codes of DESIGN.md §3, final
 * states, and all 169 state pairs against the table in docs/states.md. */
#include "test.h"

#include <stdbool.h>
#include <string.h>

#include "core/lifecycle.h"

static void test_names(void **state)
{
        (void)state;
        static const char *const expected[13] = {
                "Init",    "Dependency Wait", "Starting",     "Start Failed", "Running",
                "Success", "Failed",          "Timeout Failed", "Timeout Skip", "Canceled",
                "Stopping", "Stop Failed",    "Manual Success"};
        for (int s = 0; s < 13; s++) {
                assert_string_equal(state_name(s), expected[s]);
                assert_int_equal(state_parse(expected[s]), s);
        }
        assert_null(state_name(13));
        assert_null(state_name(-1));
        assert_int_equal(state_parse("timeout_skip"), 8);
        assert_int_equal(state_parse("MANUAL-SUCCESS"), 12);
        assert_int_equal(state_parse("7"), 7);
        assert_int_equal(state_parse("13"), STATE_X_INVALID);
        assert_int_equal(state_parse("Runnin"), STATE_X_INVALID);
        assert_int_equal(state_parse(""), STATE_X_INVALID);
        assert_int_equal(state_parse("0000"), STATE_X_INVALID);
}

static void test_final(void **state)
{
        (void)state;
        const int final[] = {3, 5, 6, 7, 8, 9, 12};
        for (int s = 0; s < 13; s++) {
                bool want = false;
                for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
                        want |= final[i] == s;
                assert_int_equal(state_is_final(s), want);
                assert_int_equal(state_is_success(s), s == 5 || s == 12);
        }
}

/* The legal pairs, copied by hand from docs/states.md. */
static const int legal[][2] = {
        {0, 1},  {0, 2},  {0, 8},  {0, 9},  {0, 12}, {1, 2},  {1, 8},   {1, 9},  {1, 12},
        {2, 3},  {2, 4},  {2, 10}, {4, 5},  {4, 6},  {4, 10}, {10, 9},  {10, 7}, {10, 5},
        {10, 6}, {10, 11}, {11, 10}, {11, 5}, {11, 6}, {11, 7}, {11, 9}, {11, 12}, {3, 0},
        {6, 0},  {7, 0},  {8, 0},  {9, 0},  {5, 0},  {3, 12}, {6, 12},  {7, 12}, {8, 12},
        {9, 12},
};

static void test_every_pair(void **state)
{
        (void)state;
        int nlegal = 0;
        for (int from = -1; from <= 13; from++) {
                for (int to = -1; to <= 13; to++) {
                        bool want = false;
                        for (size_t i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
                                want |= legal[i][0] == from && legal[i][1] == to;
                        if (state_transition_ok(from, to) != want)
                                fail_msg("%d -> %d: expected %s", from, to,
                                         want ? "legal" : "refused");
                        nlegal += want;
                }
        }
        assert_int_equal(nlegal, (int)(sizeof(legal) / sizeof(legal[0])));
        for (int s = 0; s < 13; s++)
                assert_false(state_transition_ok(s, s));
        for (int to = 0; to < 13; to++)
                assert_false(state_transition_ok(STATE_MANUAL_SUCCESS, to));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_final),
                cmocka_unit_test(test_every_pair),
        };
        return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
