/* Unit tests for cron_explain: the description names the facts of the expression. */
#include "test.h"

#include <string.h>

#include "core/cron.h"

struct case_ {
        const char *expr;
        const char *want;
};

static const struct case_ cases[] = {
        {"30 23 * * *", "at 23:30, every day"},
        {"30 23 * * MON-FRI", "at 23:30, on Monday through Friday"},
        {"*/15 * * * *", "every 15 minutes, every day"},
        {"0 * * * *", "at minute 0 of every hour, every day"},
        {"0 9-17 * * *", "at minute 0 past hours 9-17"},
        {"0 0 L * ?", "the last day of the month"},
        {"0 0 0 LW * ?", "the last weekday (Monday to Friday) of the month"},
        {"0 0 0 15W * ?", "the weekday nearest day 15 of the month"},
        {"0 0 12 ? * 5#2", "the second Friday of the month"},
        {"0 0 12 ? * FRIL", "the last Friday of the month"},
        {"0 0 9 1 JAN,JUL ?", "in January, July"},
        {"0 9 13 * 5", "on day 13 of the month or on Friday"}, /* 5 fields: OR */
        {"0 0 0 13 * FRI", "on day 13 of the month if it is Friday"},
        {"0 0 0 1 1 ? 2027", "in 2027"},
        {"0 0 30 2 *", "never fires"},
        {"15 30 9 * * *", "at 09:30:15"},
};

static void test_explain(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct cron c;
                char buf[512];
                assert_int_equal(cron_parse(cases[i].expr, &c, NULL), 0);
                size_t need = cron_explain(&c, buf, sizeof(buf));
                assert_true(need < sizeof(buf));
                if (!strstr(buf, cases[i].want))
                        fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].expr, buf, cases[i].want);
        }
}

static void test_truncation(void **state)
{
        (void)state;
        struct cron c;
        char small[8];
        assert_int_equal(cron_parse("0 0 12 ? * MON#1,FRIL", &c, NULL), 0);
        size_t need = cron_explain(&c, small, sizeof(small));
        assert_true(need > sizeof(small));
        assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_explain),
                cmocka_unit_test(test_truncation),
        };
        return cmocka_run_group_tests_name("cron explain", tests, NULL, NULL);
}
