/* Unit tests for the shortest interval of a cron expression (core/croninterval.h).
 * Expected values are worked out by hand from each expression's fire times (DESIGN.md
 * §2.1 semantics): the gaps within a day, and the gap over midnight when two
 * consecutive days fire. */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/croninterval.h"

struct ci_case {
        const char *expr;
        int64_t expect; /* seconds; CRON_INTERVAL_DAY: a day or more */
};

static const struct ci_case cases[] = {
        {"* * * * *", 60},
        {"*/2 * * * *", 120},
        {"*/5 * * * *", 300},
        {"7,9 * * * *", 120},                /* :07 -> :09 */
        {"0 * * * *", 3600},
        {"@hourly", 3600},
        {"0,30 9 * * *", 1800},
        {"30 23 * * *", CRON_INTERVAL_DAY},   /* once a day */
        {"@daily", CRON_INTERVAL_DAY},
        {"0 0 29 2 *", CRON_INTERVAL_DAY},
        {"0 0 30 2 *", CRON_INTERVAL_DAY},    /* never fires */
        /* 00:00 00:55 23:00 23:55: 55 minutes within a day; 23:55 -> 00:00 is 5 minutes
         * when the next day fires too. */
        {"0,55 0,23 * * *", 300},
        {"0,55 0,23 * * 1,2", 300},           /* Monday 23:55 -> Tuesday 00:00 */
        {"0,55 0,23 * * 1,3", 3300},          /* Monday and Wednesday only */
        {"0,55 0,23 15 * *", 3300},           /* one day a month */
        {"0,55 0,23 1,L * *", 300},           /* the last day of a month -> the 1st */
        {"55 23 * * *", CRON_INTERVAL_DAY},
        /* 6 and 7 fields (seconds, years). */
        {"*/10 * * * * *", 10},
        {"0 0/7 * * * *", 240},               /* :56 -> next hour's :00 */
        {"30 59 23 * * *", CRON_INTERVAL_DAY},
        {"0 0,55 0,23 * * ? 2030", 300},
        {"0 0,55 0,23 29 2 ? 2030,2032", 3300}, /* only 2032-02-29 fires */
        {"0 0,55 0,23 31 12 ? 2030", 3300},   /* Dec 31 only */
        {"0 0,55 0,23 31,1 12,1 ? 2030,2031", 300}, /* 2030-12-31 -> 2031-01-01 */
};

static void test_min_interval(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct cron c;
                assert_int_equal(cron_parse(cases[i].expr, &c, NULL), 0);
                int64_t got = cron_min_interval(&c);
                if (got != cases[i].expect)
                        fail_msg("\"%s\": %lld, expected %lld", cases[i].expr, (long long)got,
                                 (long long)cases[i].expect);
        }
}

static void test_interval_text(void **state)
{
        (void)state;
        char b[64];
        assert_string_equal(cron_interval_text(300, b, sizeof(b)), "5 minutes");
        assert_string_equal(cron_interval_text(60, b, sizeof(b)), "1 minute");
        assert_string_equal(cron_interval_text(10, b, sizeof(b)), "10 seconds");
        assert_string_equal(cron_interval_text(90, b, sizeof(b)), "1 minute 30 seconds");
        assert_string_equal(cron_interval_text(3600, b, sizeof(b)), "1 hour");
        assert_string_equal(cron_interval_text(5400, b, sizeof(b)), "1 hour 30 minutes");
        assert_string_equal(cron_interval_text(86400, b, sizeof(b)), "a day or more");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_min_interval),
                cmocka_unit_test(test_interval_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
