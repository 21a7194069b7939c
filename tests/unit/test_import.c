/* Unit tests for the schedule translations of `batchctl import` (src/import/): Quartz's
 * day-of-week numbers (1 = Sunday .. 7 = Saturday, CronTrigger's documentation) and
 * cron expressions in batchd's terms, a simple trigger's interval as a cron expression,
 * job names, and Spring Batch's timestamps and statuses. Expected values are written from the formats' rules (docs/import.md). */
#include "test.h"

#include <string.h>

#include "common/err.h"
#include "import/import.h"
#include "import/springbatch.h"
#include "sys/zoneinfo.h"

struct row {
        const char *in;
        const char *want; /* NULL: refused, and the reason holds `why` */
        const char *why;
};

typedef int translate_fn(const char *in, char *out, size_t outlen, char *why, size_t whylen);

/* Each row through fn: the expected text, or BATCH_ESYNTAX with the reason. */
static void check_rows(translate_fn *fn, const struct row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char out[256], why[256];
                int r = fn(rows[i].in, out, sizeof(out), why, sizeof(why));
                if (rows[i].want) {
                        assert_int_equal(r, 0);
                        assert_string_equal(out, rows[i].want);
                } else {
                        assert_int_equal(r, BATCH_ESYNTAX);
                        assert_non_null(strstr(why, rows[i].why));
                }
        }
}

static void test_quartz_dow(void **state)
{
        (void)state;
        static const struct row rows[] = {
                {"1", "SUN", NULL},
                {"7", "SAT", NULL},
                {"2-6", "MON-FRI", NULL},            /* Quartz's weekdays */
                {"MON-FRI", "MON-FRI", NULL},
                {"mon,wed", "MON,WED", NULL},
                {"1,7", "SUN,SAT", NULL},
                {"?", "?", NULL},
                {"*", "*", NULL},
                {"L", "SAT", NULL},                  /* alone: the last day of the week */
                {"6L", "FRIL", NULL},                /* the last Friday */
                {"FRIL", "FRIL", NULL},
                {"6#3", "FRI#3", NULL},              /* the third Friday */
                {"2#1", "MON#1", NULL},
                {"2/2", "MON,WED,FRI", NULL},        /* from Monday every 2nd day, to Saturday */
                {"*/3", "SUN,WED,SAT", NULL},
                {"1-7/2", "SUN,TUE,THU,SAT", NULL},
                {"3/1", "TUE,WED,THU,FRI,SAT", NULL},
                {"0", NULL, "\"0\": days are 1-7"},
                {"8", NULL, "days are 1-7"},
                {"6-2", NULL, "runs backwards"},
                {"2/0", NULL, "the step must be 1-7"},
                {"1,,2", NULL, "empty list item"},
                {"", NULL, "empty"},
                {"9L", NULL, "the day before L"},
                {"x#2", NULL, "the day before #"},
        };
        check_rows(import_quartz_dow, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_quartz_cron(void **state)
{
        (void)state;
        static const struct row rows[] = {
                {"0 30 23 ? * MON-FRI", "0 30 23 ? * MON-FRI", NULL},
                {"0 0 2 ? * 2-6", "0 0 2 ? * MON-FRI", NULL},
                {"0 15 10 ? * 6#3 2026-2030", "0 15 10 ? * FRI#3 2026-2030", NULL},
                {"0 0/5 * * * ?", "0 0/5 * * * ?", NULL},
                {"0 0 12 L * ?", "0 0 12 L * ?", NULL},        /* day-of-month as is */
                {"  0  0 12 15W * ? ", "0 0 12 15W * ?", NULL},
                {"0 0 12 * *", NULL, "has 5 fields; Quartz needs 6 or 7"},
                {"0 0 12 * * ? 2026 x", NULL, "more than 7 fields"},
                {"0 0 12 ? * 0", NULL, "days are 1-7"},
        };
        check_rows(import_quartz_cron, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_interval_cron(void **state)
{
        (void)state;
        static const struct {
                long long ms;
                long phase;
                const char *want;
        } rows[] = {
                {20000, 0, "0/20 * * * * *"},
                {20000, 7, "7/20 * * * * *"},
                {20000, 45, "5/20 * * * * *"},           /* 45 s = 5 s past a 20 s step */
                {60000, 0, "0 0/1 * * * *"},
                {900000, 5 * 60, "0 5/15 * * * *"},
                {900000, 10 * 3600 + 7 * 60 + 30, "30 7/15 * * * *"},
                {7200000, 3600 + 1800, "0 30 1/2 * * *"},
                {7200000, 0, "0 0 0/2 * * *"},
                {21600000, 4 * 3600, "0 0 4/6 * * *"},
                {86400000, 23 * 3600 + 59 * 60 + 1, "1 59 23 * * *"},
                {86400000, -3600, "0 0 23 * * *"},       /* a phase before midnight wraps */
                {420000, 0, NULL},                       /* 7 minutes: not a divisor of an hour */
                {1500, 0, NULL},                         /* not whole seconds */
                {0, 0, NULL},
                {-1000, 0, NULL},
                {2 * 86400000LL, 0, NULL},               /* longer than a day */
                {5 * 3600000LL, 0, NULL},                /* 5 h does not divide a day */
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                char out[128], why[256];
                int r = import_interval_cron(rows[i].ms, rows[i].phase, out, sizeof(out), why,
                                             sizeof(why));
                if (rows[i].want) {
                        assert_int_equal(r, 0);
                        assert_string_equal(out, rows[i].want);
                } else {
                        assert_int_equal(r, BATCH_ERANGE);
                        assert_true(why[0] != 0);
                }
        }
}

static void test_slug(void **state)
{
        (void)state;
        static const struct {
                const char *in, *want;
        } rows[] = {
                {"NightlyReportJob", "nightly-report-job"},
                {"invoiceRun", "invoice-run"},
                {"month-end-close", "month-end-close"},
                {"HTTPServer", "httpserver"},
                {"job2Run", "job2-run"},
                {"backup.sh", "backup.sh"},
                {"  --weird  name!! ", "weird-name"},
                {"_hidden", "hidden"},
                {"a__b..c", "a__b..c"},
                {"trailing-", "trailing"},
                {"Überweisung", "berweisung"},
                {"!!!", ""},
                {"", ""},
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                char out[129];
                import_slug(rows[i].in, out, sizeof(out));
                assert_string_equal(out, rows[i].want);
        }
        char longname[400], out[129];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        import_slug(longname, out, sizeof(out));
        assert_true(strlen(out) <= 127);
}

/* Spring Batch's timestamps: the JVM's wall clock (here Europe/Berlin), or milliseconds
 * since 1970 as SQLite's JDBC driver stores them; statuses (BatchStatus) to states. */
static void test_spring(void **state)
{
        (void)state;
        const struct tz *berlin;
        assert_int_equal(zoneinfo_get("Europe/Berlin", &berlin, NULL), 0);
        static const struct {
                const char *in;
                int64_t want; /* -1: refused */
        } rows[] = {
                {"2026-12-01 02:00:00.120", 1796086800},      /* CET: 01:00:00Z */
                {"2026-07-01T02:00:00", 1782864000},          /* CEST: 00:00:00Z */
                {"2026-12-01 02:00:00", 1796086800},
                {"2026-03-29 02:30:00", 1774746000},          /* in the gap: 03:00 CEST */
                {"2026-10-25 02:30:00", 1792888200},          /* twice: the first, CEST */
                {"1764554400120", 1764554400},                /* milliseconds: an instant */
                {"0", 0},
                {"253402300799999", 253402300799},
                {"253402300800000", -1},                      /* past year 9999 */
                {"2026-02-30 00:00:00", -1},
                {"2026-12-01", -1},
                {"2026-12-01 24:00:00", -1},
                {"2026-12-01 02:00:00+01:00", -1},
                {"", -1},
                {"-5", -1},
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                int64_t t = -7;
                int r = import_spring_time(rows[i].in, berlin, &t);
                if (rows[i].want < 0) {
                        assert_int_equal(r, BATCH_ESYNTAX);
                        assert_int_equal(t, -7);
                } else {
                        assert_int_equal(r, 0);
                        assert_int_equal(t, rows[i].want);
                }
        }
        const char *reason;
        assert_int_equal(import_spring_state("COMPLETED", &reason), 5);
        assert_int_equal(import_spring_state("FAILED", &reason), 6);
        assert_int_equal(import_spring_state("STOPPED", &reason), 9);
        assert_int_equal(import_spring_state("ABANDONED", &reason), 9);
        assert_non_null(strstr(reason, "ABANDONED"));
        assert_int_equal(import_spring_state("STARTED", &reason), -1);
        assert_int_equal(import_spring_state("STARTING", &reason), -1);
        assert_int_equal(import_spring_state("STOPPING", &reason), -1);
        assert_int_equal(import_spring_state("UNKNOWN", &reason), -1);
        assert_int_equal(import_spring_state(NULL, &reason), -1);
        assert_string_equal(import_spring_step_status("COMPLETED"), "COMPLETED");
        assert_string_equal(import_spring_step_status("ABANDONED"), "STOPPED");
        assert_string_equal(import_spring_step_status("STARTING"), "STARTED");
        assert_string_equal(import_spring_step_status("UNKNOWN"), "FAILED");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quartz_dow),
                cmocka_unit_test(test_quartz_cron),
                cmocka_unit_test(test_interval_cron),
                cmocka_unit_test(test_slug),
                cmocka_unit_test(test_spring),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
