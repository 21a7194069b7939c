/* test_alertpolicy.c: table tests of the alert policy (src/core/alertpolicy.h), the
 * expected values written from docs/alerts.md: 10-minute suppression by job and kind
 * with the count in the next message, pauses, "after N failures", recovery, 150% of
 * the estimate, and the retry schedule 30 s doubling to 30 min, given up after 24 h. */
#include "test.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/alertpolicy.h"

static void test_severity_and_events(void **state)
{
        (void)state;
        static const struct {
                const char *kind, *severity;
        } sev[] = {
                {"failed", "critical"},          {"start_failed", "critical"},
                {"timeout_failed", "critical"},  {"stop_failed", "critical"},
                {"timeout_warning", "warning"},  {"partial_failure", "warning"},
                {"long_run", "warning"},         {"recovered", "info"},
                {"token_refresh_failures", "warning"},
        };
        for (size_t i = 0; i < sizeof(sev) / sizeof(sev[0]); i++)
                assert_string_equal(alertpolicy_severity(sev[i].kind), sev[i].severity);
        assert_null(alertpolicy_severity("paused"));

        static const char *const partial[] = {"partial_failure"};
        static const char *const timeout[] = {"timeout"};
        static const struct {
                const char *kind;
                const char *const *on;
                size_t n;
                bool enabled;
        } on[] = {
                {"failed", NULL, 0, true},          /* default: failure and timeout */
                {"timeout_warning", NULL, 0, true},
                {"timeout_failed", NULL, 0, true},
                {"recovered", NULL, 0, true},       /* follows failure */
                {"partial_failure", NULL, 0, false},
                {"long_run", NULL, 0, false},
                {"partial_failure", partial, 1, true},
                {"failed", partial, 1, false},
                {"timeout_failed", timeout, 1, true},
                {"recovered", timeout, 1, false},
                {"token_refresh_failures", NULL, 0, true}, /* follows failure */
                {"token_refresh_failures", timeout, 1, false},
                {"nonsense", NULL, 0, false},
        };
        for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
                assert_int_equal(alertpolicy_enabled(on[i].kind, on[i].on, on[i].n),
                                 on[i].enabled);
}

static void test_decide(void **state)
{
        (void)state;
        /* Alert 10 sent at 1000; 11 and 12 suppressed by it; a timeout warning 13. */
        static const struct alertpolicy_past past[] = {
                {13, "timeout_warning", 1500, 0},
                {12, "failed", 1400, 10},
                {11, "failed", 1300, 10},
                {10, "failed", 1000, 0},
                {9, "failed", 100, 0},
        };
        static const struct pause_period pause[] = {{5000, 6000}};
        static const struct {
                const char *kind;
                int64_t now;
                size_t npast;
                int failures, after;
                enum alertpolicy_verdict verdict;
                int64_t suppressed_by, since;
                int count;
        } t[] = {
                /* no earlier alert: sent */
                {"failed", 1000, 0, 1, 0, ALERTPOLICY_SEND, 0, 0, 0},
                /* within 10 minutes of 10 (1000 + 599): suppressed by 10 */
                {"failed", 1599, 5, 1, 0, ALERTPOLICY_SUPPRESS, 10, 0, 0},
                /* 10 minutes after 10: sent, "2 suppressed since alert 10" */
                {"failed", 1600, 5, 1, 0, ALERTPOLICY_SEND, 0, 10, 2},
                /* another kind has its own window: timeout_warning 13 at 1500 */
                {"timeout_warning", 1600, 5, 0, 0, ALERTPOLICY_SUPPRESS, 13, 0, 0},
                {"timeout_warning", 2100, 5, 0, 0, ALERTPOLICY_SEND, 0, 13, 0},
                /* inside an alert pause: held, whatever the window */
                {"failed", 5000, 5, 1, 0, ALERTPOLICY_PAUSED, 0, 0, 0},
                {"failed", 6000, 5, 1, 0, ALERTPOLICY_SEND, 0, 10, 2},
                /* after_failures 3: the 1st and 2nd failure in a row do not alert */
                {"failed", 9000, 5, 2, 3, ALERTPOLICY_NOT_YET, 0, 0, 0},
                {"failed", 9000, 5, 3, 3, ALERTPOLICY_SEND, 0, 10, 2},
                /* after_failures concerns failures only */
                {"timeout_warning", 9000, 5, 0, 3, ALERTPOLICY_SEND, 0, 13, 0},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                struct alertpolicy_in in = {.kind = t[i].kind, .now = t[i].now, .past = past,
                                            .npast = t[i].npast, .pauses = pause, .npauses = 1,
                                            .consecutive_failures = t[i].failures,
                                            .after_failures = t[i].after};
                struct alertpolicy_out out;
                alertpolicy_decide(&in, &out);
                if (out.verdict != t[i].verdict)
                        fail_msg("row %zu: verdict %d, expected %d", i, out.verdict,
                                 t[i].verdict);
                assert_int_equal(out.suppressed_by, t[i].suppressed_by);
                assert_int_equal(out.since_alert, t[i].since);
                assert_int_equal(out.suppressed_count, t[i].count);
        }
}

static void test_recovery(void **state)
{
        (void)state;
        static const struct alertpolicy_past failed_then_warn[] = {
                {3, "timeout_warning", 300, 0}, {2, "failed", 200, 0}};
        static const struct alertpolicy_past recovered[] = {
                {3, "recovered", 300, 0}, {2, "failed", 200, 0}};
        static const struct alertpolicy_past warn_only[] = {{1, "timeout_warning", 100, 0}};
        static const struct alertpolicy_past suppressed_failure[] = {{4, "stop_failed", 400, 2}};
        assert_true(alertpolicy_recovers(failed_then_warn, 2));
        assert_false(alertpolicy_recovers(recovered, 2));
        assert_false(alertpolicy_recovers(warn_only, 1));
        assert_false(alertpolicy_recovers(NULL, 0));
        assert_true(alertpolicy_recovers(suppressed_failure, 1));
}

static void test_long_run(void **state)
{
        (void)state;
        assert_false(alertpolicy_long_run(15 * 60, 10)); /* exactly 150%: not more */
        assert_true(alertpolicy_long_run(15 * 60 + 1, 10));
        assert_false(alertpolicy_long_run(3600, 0));     /* no estimate */
        assert_true(alertpolicy_long_run(91, 1));
        assert_false(alertpolicy_long_run(90, 1));
        /* seed 000: "more than twice in a single batch job" */
        assert_false(alertpolicy_refresh_failures(0));
        assert_false(alertpolicy_refresh_failures(2));
        assert_true(alertpolicy_refresh_failures(3));
}

static void test_retry(void **state)
{
        (void)state;
        /* attempt n fails at `now`: the next is at now + delay */
        static const struct {
                int attempts;
                int64_t delay;
        } t[] = {{1, 30}, {2, 60}, {3, 120}, {4, 240}, {5, 480}, {6, 960}, {7, 1800},
                 {8, 1800}, {40, 1800}};
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                int64_t next = 0;
                assert_true(alertpolicy_retry(t[i].attempts, 1000, 5000, &next));
                assert_int_equal(next, 5000 + t[i].delay);
        }
        int64_t next = -1;
        /* a next attempt more than 24 h after the alert: given up */
        assert_true(alertpolicy_retry(8, 0, 86400 - 1800, &next));
        assert_int_equal(next, 86400);
        next = -1;
        assert_false(alertpolicy_retry(8, 0, 86400 - 1799, &next));
        assert_int_equal(next, -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_severity_and_events), cmocka_unit_test(test_decide),
                cmocka_unit_test(test_recovery),            cmocka_unit_test(test_long_run),
                cmocka_unit_test(test_retry),
        };
        return cmocka_run_group_tests_name("alertpolicy", tests, NULL, NULL);
}
