/* test_reportdue.c: table tests of when the daily report is due (src/core/reportdue.h),
 * the expected values written from docs/report.md ("The e-mail"): the report of day D
 * is due from the report time of D+1 (tenant zone), a report time in a DST gap at the
 * first instant after it, one in an overlap at its first occurrence and still the same
 * day afterwards. The zone is Berlin's rule (CET/CEST; 2026: +2 from 03-29 01:00Z,
 * +1 again from 10-25 01:00Z). */
#include "test.h"

#include <stdint.h>
#include <string.h>

#include "core/civil.h"
#include "core/reportdue.h"

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
        return civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void test_due_table(void **state)
{
        (void)state;
        struct tz *berlin = NULL;
        struct batch_err err;
        assert_int_equal(tz_parse_posix("Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", &berlin, &err), 0);
        static const struct {
                const char *what;
                int zone; /* 0 UTC, 1 Berlin */
                int minute;
                int y, mo, d, h, mi, s; /* now, UTC */
                int due;
                const char *date;
                int64_t at_off;         /* the instant reached: UTC seconds of that day */
        } t[] = {
                {"winter 07:59:59 local", 1, 480, 2026, 1, 15, 6, 59, 59, 0, NULL, 0},
                {"winter 08:00 local", 1, 480, 2026, 1, 15, 7, 0, 0, 1, "2026-01-14", 7 * 3600},
                {"winter 23:59:59 local", 1, 480, 2026, 1, 15, 22, 59, 59, 1, "2026-01-14",
                 7 * 3600},
                {"local midnight: not yet", 1, 480, 2026, 1, 15, 23, 0, 0, 0, NULL, 0},
                {"new year", 1, 480, 2026, 1, 1, 7, 0, 0, 1, "2025-12-31", 7 * 3600},
                {"leap day", 0, 480, 2028, 3, 1, 8, 0, 0, 1, "2028-02-29", 8 * 3600},
                {"summer 08:00 is 06:00Z", 1, 480, 2026, 6, 10, 5, 59, 59, 0, NULL, 0},
                {"summer 08:00", 1, 480, 2026, 6, 10, 6, 0, 0, 1, "2026-06-09", 6 * 3600},
                {"spring-forward day 08:00", 1, 480, 2026, 3, 29, 6, 0, 0, 1, "2026-03-28",
                 6 * 3600},
                {"02:30 in the gap: before", 1, 150, 2026, 3, 29, 0, 59, 59, 0, NULL, 0},
                {"02:30 in the gap: at 03:00 CEST", 1, 150, 2026, 3, 29, 1, 0, 0, 1,
                 "2026-03-28", 3600},
                {"02:30 in the overlap: before", 1, 150, 2026, 10, 25, 0, 29, 59, 0, NULL, 0},
                {"02:30 in the overlap: first", 1, 150, 2026, 10, 25, 0, 30, 0, 1,
                 "2026-10-24", 1800},
                {"02:30 in the overlap: second is the same day", 1, 150, 2026, 10, 25, 1, 30, 0,
                 1, "2026-10-24", 1800},
                {"fall-back day 08:00 is 07:00Z", 1, 480, 2026, 10, 25, 6, 59, 59, 0, NULL, 0},
                {"00:00", 1, 0, 2026, 1, 15, 23, 0, 0, 1, "2026-01-15", 23 * 3600},
                {"23:59", 0, 1439, 2026, 1, 15, 23, 58, 59, 0, NULL, 0},
                {"23:59 reached", 0, 1439, 2026, 1, 15, 23, 59, 0, 1, "2026-01-14",
                 23 * 3600 + 59 * 60},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                const struct tz *z = t[i].zone ? berlin : tz_utc();
                char date[11] = "unchanged";
                int64_t at = -1;
                int r = reportdue_day(z, t[i].minute, utc(t[i].y, t[i].mo, t[i].d, t[i].h,
                                                          t[i].mi, t[i].s), date, &at);
                if (r != t[i].due)
                        fail_msg("%s: returned %d, expected %d", t[i].what, r, t[i].due);
                if (!r) {
                        assert_string_equal(date, "unchanged");
                        continue;
                }
                if (strcmp(date, t[i].date))
                        fail_msg("%s: %s, expected %s", t[i].what, date, t[i].date);
                assert_int_equal(at, utc(t[i].y, t[i].mo, t[i].d, 0, 0, 0) + t[i].at_off);
        }
        char date[11];
        assert_int_equal(reportdue_day(tz_utc(), 1440, 0, date, NULL), BATCH_EINVAL);
        assert_int_equal(reportdue_day(tz_utc(), -1, 0, date, NULL), BATCH_EINVAL);
        tz_free(berlin);
}

static void test_message(void **state)
{
        (void)state;
        char m[64], d[11];
        reportdue_message("2026-12-05", m, sizeof(m));
        assert_string_equal(m, "daily inspection report for 2026-12-05");
        assert_true(reportdue_date_of(m, d));
        assert_string_equal(d, "2026-12-05");
        assert_false(reportdue_date_of("daily inspection report for 2026-12-5", d));
        assert_false(reportdue_date_of("daily inspection report for 2026-12-05x", d));
        assert_false(reportdue_date_of("job x failed", d));
        assert_false(reportdue_date_of(NULL, d));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_due_table),
                cmocka_unit_test(test_message),
        };
        return cmocka_run_group_tests_name("reportdue", tests, NULL, NULL);
}
