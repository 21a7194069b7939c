/* Unit tests for civil.c: Gregorian arithmetic against known dates. */
#include "test.h"

#include "core/civil.h"

static void test_known_days(void **state)
{
        (void)state;
        assert_int_equal(civil_days_from_date(1970, 1, 1), 0);
        assert_int_equal(civil_days_from_date(2000, 3, 1), 11017);
        assert_int_equal(civil_days_from_date(1969, 12, 31), -1);
        assert_int_equal(civil_days_from_date(2026, 11, 24), 20781);
        assert_int_equal(civil_weekday(civil_days_from_date(2026, 11, 24)), 2); /* Tuesday */
        assert_int_equal(civil_weekday(civil_days_from_date(2000, 1, 1)), 6);   /* Saturday */
        assert_int_equal(civil_weekday(civil_days_from_date(1900, 1, 1)), 1);   /* Monday */
}

static void test_round_trip(void **state)
{
        (void)state;
        for (int64_t d = -800000; d < 800000; d += 7) {
                int y, m, dd;
                civil_date_from_days(d, &y, &m, &dd);
                assert_true(m >= 1 && m <= 12 && dd >= 1 && dd <= civil_days_in_month(y, m));
                assert_int_equal(civil_days_from_date(y, m, dd), d);
        }
}

static void test_leap(void **state)
{
        (void)state;
        assert_true(civil_is_leap(2000));
        assert_false(civil_is_leap(1900));
        assert_true(civil_is_leap(2028));
        assert_false(civil_is_leap(2026));
        assert_int_equal(civil_days_in_month(2028, 2), 29);
        assert_int_equal(civil_days_in_month(2100, 2), 28);
        assert_int_equal(civil_days_in_month(2026, 4), 30);
}

static void test_seconds(void **state)
{
        (void)state;
        struct civil c;
        civil_from_seconds(1774746000, &c); /* 2026-03-29T01:00:00Z */
        assert_int_equal(c.year, 2026);
        assert_int_equal(c.mon, 3);
        assert_int_equal(c.day, 29);
        assert_int_equal(c.hour, 1);
        assert_int_equal(c.min, 0);
        assert_int_equal(civil_to_seconds(&c), 1774746000);
        civil_from_seconds(-1, &c);
        assert_int_equal(c.year, 1969);
        assert_int_equal(c.sec, 59);
        assert_int_equal(c.hour, 23);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_known_days),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_leap),
                cmocka_unit_test(test_seconds),
        };
        return cmocka_run_group_tests_name("civil", tests, NULL, NULL);
}
