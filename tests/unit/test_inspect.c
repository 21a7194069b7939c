/* Unit tests of the daily inspection's rules (src/core/inspect.c): report dates, day
 * bounds on DST days, the expected due times of a job under a calendar, a window that
 * crosses midnight and a pause period, the frequency check and the severities. The
 * expected figures are worked out by hand from DESIGN.md §2 in the comments. */
#include "test.h"

#include <string.h>

#include "core/civil.h"
#include "core/inspect.h"
#include "core/lifecycle.h"
#include "core/pause.h"
#include "core/window.h"
#include "sys/zoneinfo.h"

static int64_t day(int y, int m, int d)
{
        return civil_days_from_date(y, m, d);
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
        return day(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static const struct tz *zone(const char *name)
{
        const struct tz *z;
        assert_int_equal(zoneinfo_get(name, &z, NULL), 0);
        return z;
}

static struct sched_job_spec job(const char *cron, const struct tz *z)
{
        struct sched_job_spec j = {.name = "j", .enabled = true, .has_cron = true, .zone = z,
                                   .estimated_minutes = -1, .max_minutes = -1};
        struct batch_err err;
        assert_int_equal(cron_parse(cron, &j.cron, &err), 0);
        return j;
}

static struct sched_tenant tenant(const struct tz *z)
{
        struct sched_tenant t = {.zone = z};
        window_init_default(&t.window);
        return t;
}

static void test_parse_date(void **state)
{
        (void)state;
        static const struct {
                const char *text;
                int code;
                int y, m, d;
                const char *msg; /* part of the message */
        } cases[] = {
                {"2026-12-02", 0, 2026, 12, 2, NULL},
                {"2024-02-29", 0, 2024, 2, 29, NULL},       /* leap year */
                {"1970-01-01", 0, 1970, 1, 1, NULL},
                {"9999-12-31", 0, 9999, 12, 31, NULL},
                {"2026-02-29", BATCH_ERANGE, 0, 0, 0, "day 29 is out of range 1-28"},
                {"2026-04-31", BATCH_ERANGE, 0, 0, 0, "day 31 is out of range 1-30"},
                {"2026-13-01", BATCH_ERANGE, 0, 0, 0, "month 13 is out of range 1-12"},
                {"2026-00-10", BATCH_ERANGE, 0, 0, 0, "month 0 is out of range"},
                {"2026-12-00", BATCH_ERANGE, 0, 0, 0, "day 0 is out of range"},
                {"1969-12-31", BATCH_ERANGE, 0, 0, 0, "year 1969 is out of range"},
                {"2026-2-1", BATCH_ESYNTAX, 0, 0, 0, "expected the form YYYY-MM-DD"},
                {"2026-12-02x", BATCH_ESYNTAX, 0, 0, 0, "expected the form YYYY-MM-DD"},
                {"2026/12/02", BATCH_ESYNTAX, 0, 0, 0, "expected the form YYYY-MM-DD"},
                {"20a6-12-02", BATCH_ESYNTAX, 0, 0, 0, "expected digits"},
                {"2026-12-0 ", BATCH_ESYNTAX, 0, 0, 0, "expected digits"},
                {"", BATCH_ESYNTAX, 0, 0, 0, "empty"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int64_t d = -1;
                struct batch_err err = {0};
                int r = inspect_parse_date(cases[i].text, &d, &err);
                if (r != cases[i].code)
                        fail_msg("%s: got %d, want %d", cases[i].text, r, cases[i].code);
                if (r == 0) {
                        assert_int_equal(d, day(cases[i].y, cases[i].m, cases[i].d));
                        char buf[11];
                        assert_string_equal(inspect_format_date(d, buf), cases[i].text);
                } else {
                        if (!strstr(err.msg, cases[i].msg))
                                fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].text,
                                         err.msg, cases[i].msg);
                        assert_string_equal(err.field, "date");
                        assert_int_equal(d, -1); /* not written on failure */
                }
        }
        assert_int_equal(inspect_parse_date(NULL, &(int64_t){0}, NULL), BATCH_ESYNTAX);
}

static void test_day_bounds(void **state)
{
        (void)state;
        static const struct {
                const char *zone;
                int y, m, d;
                int64_t start;  /* UTC */
                int hours;
        } cases[] = {
                /* Tokyo is UTC+9 all year: a day starts at 15:00 UTC the day before. */
                {"Asia/Tokyo", 2026, 12, 2, 0, 24},
                /* Berlin's spring forward (2026-03-29 02:00 CET -> 03:00 CEST): 23 hours,
                 * from 23:00 UTC (CET) the day before. */
                {"Europe/Berlin", 2026, 3, 29, 0, 23},
                /* Its fall back (2026-10-25 03:00 CEST -> 02:00 CET): 25 hours, from
                 * 22:00 UTC (CEST) the day before. */
                {"Europe/Berlin", 2026, 10, 25, 0, 25},
                {"UTC", 2026, 12, 2, 0, 24},
        };
        int64_t starts[] = {utc(2026, 12, 1, 15, 0), utc(2026, 3, 28, 23, 0),
                            utc(2026, 10, 24, 22, 0), utc(2026, 12, 2, 0, 0)};
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int64_t s, e;
                const struct tz *z = zone(cases[i].zone);
                inspect_day_bounds(z, day(cases[i].y, cases[i].m, cases[i].d), &s, &e);
                assert_int_equal(s, starts[i]);
                assert_int_equal(e - s, cases[i].hours * 3600);
                assert_int_equal(inspect_day_of(z, s), day(cases[i].y, cases[i].m, cases[i].d));
                assert_int_equal(inspect_day_of(z, e - 1), day(cases[i].y, cases[i].m, cases[i].d));
                assert_int_equal(inspect_day_of(z, e), day(cases[i].y, cases[i].m, cases[i].d) + 1);
        }
}

/* Counts expected dues of job j on local day d of the tenant's zone: all, and those
 * skipped by pause and by window. */
struct counts {
        size_t all, paused, outside, runs;
};

static struct counts count(const struct sched_job_spec *j, const struct sched_tenant *t, int64_t d,
                           struct inspect_due *out, size_t cap)
{
        int64_t s, e;
        inspect_day_bounds(t->zone, d, &s, &e);
        struct counts c = {0};
        c.all = inspect_expected(j, t, s, e, out, cap);
        assert_true(c.all <= cap);
        for (size_t i = 0; i < c.all; i++) {
                assert_true(out[i].due >= s && out[i].due < e);
                if (i)
                        assert_true(out[i].due > out[i - 1].due);
                if (!out[i].skip)
                        c.runs++;
                else if (strcmp(out[i].skip, PAUSE_REASON) == 0)
                        c.paused++;
                else if (strcmp(out[i].skip, WINDOW_REASON_OUTSIDE) == 0)
                        c.outside++;
                else
                        fail_msg("unexpected skip reason %s", out[i].skip);
        }
        return c;
}

/* The scenario: DESIGN.md §2's example tenant in Europe/Berlin (CET = UTC+1 in
 * December): batch window 23:00-11:00 (crosses midnight), calendar de-workdays
 * (Mon-Fri, holidays 2026-12-25 and 2026-12-26, extra workday Sunday 2026-12-27),
 * pause [2026-12-24T00:00Z, 2026-12-27T00:00Z) plus a short pause
 * [2026-12-23T05:00Z, 2026-12-23T07:00Z). The job runs hourly ("0 * * * *") in
 * Berlin, workday_only with de-workdays, only_in_window. */
static void test_expected_scenario(void **state)
{
        (void)state;
        const struct tz *berlin = zone("Europe/Berlin");
        int64_t holidays[] = {day(2026, 12, 25), day(2026, 12, 26)};
        int64_t extra[] = {day(2026, 12, 27)};
        struct calendar cal = {CALENDAR_MON_FRI, 2, holidays, 1, extra};
        struct pause_period pauses[] = {
                {utc(2026, 12, 23, 5, 0), utc(2026, 12, 23, 7, 0)},
                {utc(2026, 12, 24, 0, 0), utc(2026, 12, 27, 0, 0)},
        };
        struct sched_tenant t = tenant(berlin);
        t.window = (struct window){23 * 60, 11 * 60};
        t.npauses = 2;
        t.pauses = pauses;
        struct sched_job_spec j = job("0 * * * *", berlin);
        j.workday_only = true;
        j.calendar = &cal;
        j.window = WINDOW_POLICY_ONLY_IN;
        static struct inspect_due out[100];
        static const struct {
                int m, d;
                struct counts want;
        } cases[] = {
                /* Wed 23 Dec, a workday: 24 hourly dues 00:00..23:00. Inside the window
                 * [23:00, 11:00): 00:00..10:00 (11) and 23:00 (1) = 12; the 13 from
                 * 11:00..22:00 are outside. The short pause covers 06:00 and 07:00 local
                 * (05:00, 06:00 UTC), both inside the window: pause is applied first, so
                 * 2 paused, 12 - 2 = 10 runs. */
                {12, 23, {24, 2, 12, 10}},
                /* Thu 24 Dec, a workday, entirely in the long pause (its local day is
                 * [23 Dec 23:00Z, 24 Dec 23:00Z)): 00:00 local is 23:00Z on the 23rd,
                 * before the pause starts, so it is inside the window and runs; the other
                 * 23 are paused. */
                {12, 24, {24, 23, 0, 1}},
                /* Fri 25 and Sat 26 Dec are holidays: no instance at all. */
                {12, 25, {0, 0, 0, 0}},
                {12, 26, {0, 0, 0, 0}},
                /* Sun 27 Dec is an extra workday: 24 dues. 00:00 local = 26 Dec 23:00Z is
                 * still paused (1). Of the other 23: 01:00..10:00 and 23:00 inside the
                 * window (11 runs), 11:00..22:00 outside (12). */
                {12, 27, {24, 1, 12, 11}},
                /* Mon 28 Dec: no pause: 12 runs, 12 outside. */
                {12, 28, {24, 0, 12, 12}},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct counts c = count(&j, &t, day(2026, cases[i].m, cases[i].d), out, 100);
                if (c.all != cases[i].want.all || c.paused != cases[i].want.paused ||
                    c.outside != cases[i].want.outside || c.runs != cases[i].want.runs)
                        fail_msg("12-%02d: got %zu/%zu/%zu/%zu, want %zu/%zu/%zu/%zu",
                                 cases[i].d, c.all, c.paused, c.outside, c.runs,
                                 cases[i].want.all, cases[i].want.paused,
                                 cases[i].want.outside, cases[i].want.runs);
        }
        /* A disabled job expects nothing; a job without cron neither. */
        j.enabled = false;
        assert_int_equal(count(&j, &t, day(2026, 12, 28), out, 100).all, 0);
        j.enabled = true;
        j.has_cron = false;
        assert_int_equal(count(&j, &t, day(2026, 12, 28), out, 100).all, 0);
}

/* DST days in Europe/Berlin (DESIGN §2.1). */
static void test_expected_dst(void **state)
{
        (void)state;
        const struct tz *berlin = zone("Europe/Berlin");
        struct sched_tenant t = tenant(berlin);
        static struct inspect_due out[100];
        static const struct {
                const char *cron;
                int m, d;
                size_t all;
                int64_t first; /* UTC of the first due, or 0 */
        } cases[] = {
                /* Spring forward: local 02:00 does not exist; hourly fires at 00, 01, 03..23
                 * = 23 dues (the gap's instant 03:00 is itself a fire time: once). */
                {"0 * * * *", 3, 29, 23, 0},
                /* "30 2 * * *" on that day: 02:30 does not exist, so it fires once at the
                 * first instant after the gap, 03:00 CEST = 01:00 UTC. */
                {"30 2 * * *", 3, 29, 1, 0},
                /* Fall back: 02:00..02:59 occurs twice; the hour field starts with "*", so
                 * hourly fires at each real instant: 25 dues. */
                {"0 * * * *", 10, 25, 25, 0},
                /* A fixed time in the repeated hour fires on its first occurrence only:
                 * 02:30 CEST = 00:30 UTC. */
                {"30 2 * * *", 10, 25, 1, 0},
                /* Every 15 minutes on a 23-hour day: 92. */
                {"*/15 * * * *", 3, 29, 92, 0},
        };
        int64_t firsts[] = {utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 1, 0),
                            utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 0, 30),
                            utc(2026, 3, 28, 23, 0)};
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct sched_job_spec j = job(cases[i].cron, berlin);
                struct counts c = count(&j, &t, day(2026, cases[i].m, cases[i].d), out, 100);
                if (c.all != cases[i].all)
                        fail_msg("%s on %d-%d: %zu dues, want %zu", cases[i].cron, cases[i].m,
                                 cases[i].d, c.all, cases[i].all);
                assert_int_equal(out[0].due, firsts[i]);
                assert_int_equal(c.runs, c.all); /* whole-day window, no pause */
        }
        /* More dues than the caller's room: the count is still right. */
        struct sched_job_spec j = job("* * * * *", berlin);
        int64_t s, e;
        inspect_day_bounds(berlin, day(2026, 3, 29), &s, &e);
        assert_int_equal(inspect_expected(&j, &t, s, e, out, 10), 23 * 60);
}

static void test_frequency(void **state)
{
        (void)state;
        const struct tz *z = tz_utc();
        int64_t h = 3600, d0 = utc(2026, 12, 2, 0, 0);
        /* Expected 01:00, 02:00 (outside window), 03:00, 04:00. */
        struct inspect_due exp[] = {{d0 + h, NULL},
                                    {d0 + 2 * h, WINDOW_REASON_OUTSIDE},
                                    {d0 + 3 * h, NULL},
                                    {d0 + 4 * h, NULL}};
        struct inspect_freq f;
        char text[200];

        /* All there, in any order; the window-skipped one in Timeout Skip is fine. */
        struct inspect_seen all[] = {{d0 + 4 * h, STATE_SUCCESS},
                                     {d0 + 2 * h, STATE_TIMEOUT_SKIP},
                                     {d0 + h, STATE_FAILED},
                                     {d0 + 3 * h, STATE_SUCCESS}};
        inspect_frequency(exp, 4, all, 4, &f);
        assert_true(f.ok);
        assert_int_equal(f.expected, 4);
        assert_int_equal(f.expected_runs, 3);
        assert_int_equal(f.found, 4);
        inspect_frequency_text(&f, z, text, sizeof(text));
        assert_string_equal(text, "ok (3 runs)");

        /* 03:00 missing, one extra at 05:30, 04:00 skipped (superseded). */
        struct inspect_seen bad[] = {{d0 + h, STATE_SUCCESS},
                                     {d0 + 2 * h, STATE_TIMEOUT_SKIP},
                                     {d0 + 4 * h, STATE_TIMEOUT_SKIP},
                                     {d0 + 5 * h + 1800, STATE_SUCCESS}};
        inspect_frequency(exp, 4, bad, 4, &f);
        assert_false(f.ok);
        assert_int_equal(f.missing, 1);
        assert_int_equal(f.missing_runs, 1);
        assert_int_equal(f.first_missing, d0 + 3 * h);
        assert_int_equal(f.extra, 1);
        assert_int_equal(f.first_extra, d0 + 5 * h + 1800);
        assert_int_equal(f.not_run, 1);
        assert_int_equal(f.first_not_run, d0 + 4 * h);
        inspect_frequency_text(&f, z, text, sizeof(text));
        assert_string_equal(text, "expected 4, found 4: missing 03:00; unexpected run at 05:30; "
                                  "not run at 04:00");

        /* Nothing ran: every due missing; local times in the given zone. */
        inspect_frequency(exp, 4, NULL, 0, &f);
        assert_int_equal(f.missing, 4);
        assert_int_equal(f.missing_runs, 3); /* 02:00 would have been a window skip */
        inspect_frequency_text(&f, zone("Asia/Tokyo"), text, sizeof(text));
        assert_string_equal(text, "expected 4, found 0: missing 10:00 and 3 more");

        /* Nothing expected, nothing found: ok with 0 runs. */
        inspect_frequency(NULL, 0, NULL, 0, &f);
        assert_true(f.ok);
        inspect_frequency_text(&f, z, text, sizeof(text));
        assert_string_equal(text, "ok (0 runs)");
        /* Truncation reports the length needed. */
        inspect_frequency(exp, 4, NULL, 0, &f);
        size_t need = inspect_frequency_text(&f, z, text, 5);
        assert_int_equal(need, strlen("expected 4, found 0: missing 01:00 and 3 more"));
        assert_string_equal(text, "expe");
}

static void test_schedule_text(void **state)
{
        (void)state;
        char buf[256];
        struct sched_job_spec j = job("0 2 * * *", zone("Asia/Tokyo"));
        inspect_schedule_text(&j, NULL, buf, sizeof(buf));
        assert_string_equal(buf, "at 02:00, every day (Asia/Tokyo)");
        j.workday_only = true;
        j.window = WINDOW_POLICY_ONLY_IN;
        inspect_schedule_text(&j, "de-workdays", buf, sizeof(buf));
        assert_string_equal(buf, "at 02:00, every day (Asia/Tokyo), workdays of de-workdays, "
                                 "only in the batch window");
        j.has_cron = false;
        inspect_schedule_text(&j, NULL, buf, sizeof(buf));
        assert_string_equal(buf, "manual");
}

static void test_severity(void **state)
{
        (void)state;
        struct inspect_freq ok = {.ok = true}, bad = {.ok = false};
        char buf[INSPECT_SCENARIO_TEXT_MAX];
        static const struct {
                bool freq_ok;
                int64_t failed, has_failure;
                unsigned scenarios;
                enum inspect_severity sev;
                const char *text;
        } cases[] = {
                {true, 0, 0, 0, INSPECT_INFORMATION, "All Successful"},
                {true, 0, 2, INSPECT_PARTIAL_DATA_FAILURES, INSPECT_WARNING,
                 "Partial Data Failures"},
                {true, 1, 0, INSPECT_EXECUTION_FAILURES, INSPECT_ERROR, "Execution Failures"},
                {false, 0, 0, INSPECT_FREQUENCY_ISSUES, INSPECT_ERROR, "Frequency Issues"},
                {false, 3, 1, 7, INSPECT_ERROR,
                 "Frequency Issues; Execution Failures; Partial Data Failures"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                unsigned s = inspect_scenarios(cases[i].freq_ok ? &ok : &bad, cases[i].failed,
                                               cases[i].has_failure);
                assert_int_equal(s, cases[i].scenarios);
                assert_int_equal(inspect_severity_of(s), cases[i].sev);
                assert_string_equal(inspect_scenario_text(s, buf), cases[i].text);
        }
        assert_string_equal(inspect_severity_name(INSPECT_INFORMATION), "information");
        assert_string_equal(inspect_severity_name(INSPECT_WARNING), "warning");
        assert_string_equal(inspect_severity_name(INSPECT_ERROR), "error");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_date),     cmocka_unit_test(test_day_bounds),
                cmocka_unit_test(test_expected_scenario), cmocka_unit_test(test_expected_dst),
                cmocka_unit_test(test_frequency),      cmocka_unit_test(test_schedule_text),
                cmocka_unit_test(test_severity),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
