/* Unit tests for the pure time rules other than cron: workday calendars, the batch
 * window (the seed's four examples and DST days), pause periods, the time offset,
 * the timeout arithmetic of DESIGN.md §5 and the due parameters of §2.4. Expected
 * values come from DESIGN.md's text. */
#include "test.h"

#include <string.h>

#include "core/calendar.h"
#include "core/civil.h"
#include "core/dueparams.h"
#include "core/offset.h"
#include "core/pause.h"
#include "core/timeout.h"
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

/* DESIGN.md §2's calendar: Mon-Fri, holidays 2026-12-25/26, extra workday 2026-12-27. */
static void test_calendar(void **state)
{
        (void)state;
        const int64_t holidays[] = {day(2026, 12, 25), day(2026, 12, 26)};
        const int64_t extra[] = {day(2026, 12, 27)};
        struct calendar c = {CALENDAR_MON_FRI, 2, holidays, 1, extra};
        assert_true(calendar_is_workday(&c, day(2026, 12, 24)));   /* Thursday */
        assert_false(calendar_is_workday(&c, day(2026, 12, 25)));  /* Friday, holiday */
        assert_false(calendar_is_workday(&c, day(2026, 12, 26)));  /* Saturday, holiday */
        assert_true(calendar_is_workday(&c, day(2026, 12, 27)));   /* Sunday, extra */
        assert_true(calendar_is_workday(&c, day(2026, 12, 28)));   /* Monday */
        assert_false(calendar_is_workday(&c, day(2026, 12, 19)));  /* Saturday */
        assert_false(calendar_is_workday(&c, day(2026, 12, 20)));  /* Sunday */
        assert_int_equal(calendar_next_workday(&c, day(2026, 12, 25)), day(2026, 12, 27));
        assert_int_equal(calendar_next_workday(&c, day(2026, 12, 19)), day(2026, 12, 21));
        /* The local date decides: 23:30Z on the 24th is already the 25th in Berlin. */
        assert_false(calendar_is_workday_at(&c, zone("Europe/Berlin"), utc(2026, 12, 24, 23, 30)));
        assert_true(calendar_is_workday_at(&c, tz_utc(), utc(2026, 12, 24, 23, 30)));

        struct calendar def;
        calendar_init_default(&def);
        assert_true(calendar_is_workday(&def, day(2026, 12, 25)));
        assert_false(calendar_is_workday(&def, day(2026, 11, 29)));
        struct calendar none = {0, 0, NULL, 0, NULL};
        assert_int_equal(calendar_next_workday(&none, day(2026, 1, 1)), -1);
}

struct inside_case {
        int start, end;   /* HH*60+MM */
        int h, m;         /* local clock */
        bool inside;
};

/* The seed's examples 23:00-11:00, 12:00-07:00, 13:00-00:00, 00:00-11:00, and the
 * whole-day default 12:00-12:00. */
static const struct inside_case inside_cases[] = {
        {23 * 60, 11 * 60, 23, 0, true},   {23 * 60, 11 * 60, 2, 0, true},
        {23 * 60, 11 * 60, 10, 59, true},  {23 * 60, 11 * 60, 11, 0, false},
        {23 * 60, 11 * 60, 14, 0, false},  {23 * 60, 11 * 60, 22, 59, false},
        {23 * 60, 11 * 60, 0, 0, true},    {12 * 60, 7 * 60, 12, 0, true},
        {12 * 60, 7 * 60, 6, 59, true},    {12 * 60, 7 * 60, 7, 0, false},
        {12 * 60, 7 * 60, 11, 59, false},  {12 * 60, 7 * 60, 0, 0, true},
        {13 * 60, 0, 13, 0, true},         {13 * 60, 0, 23, 59, true},
        {13 * 60, 0, 0, 0, false},         {13 * 60, 0, 12, 59, false},
        {0, 11 * 60, 0, 0, true},          {0, 11 * 60, 10, 59, true},
        {0, 11 * 60, 11, 0, false},        {0, 11 * 60, 23, 59, false},
        {12 * 60, 12 * 60, 12, 0, true},   {12 * 60, 12 * 60, 3, 0, true},
        {12 * 60, 12 * 60, 11, 59, true},
};

static void test_window_inside(void **state)
{
        (void)state;
        const struct tz *berlin = zone("Europe/Berlin");
        for (size_t i = 0; i < sizeof(inside_cases) / sizeof(inside_cases[0]); i++) {
                const struct inside_case *c = &inside_cases[i];
                struct window w = {c->start, c->end};
                /* 2026-06-10 in UTC, and the same wall time in Berlin (UTC+2 in June). */
                int64_t t = utc(2026, 6, 10, c->h, c->m);
                if (window_contains(&w, tz_utc(), t) != c->inside)
                        fail_msg("window %d-%d at %02d:%02d: expected %s", c->start, c->end, c->h,
                                 c->m, c->inside ? "inside" : "outside");
                assert_int_equal(window_contains(&w, berlin, t - 2 * 3600), c->inside);
        }
}

static void test_window_occurrences(void **state)
{
        (void)state;
        struct window w = {23 * 60, 11 * 60};
        struct window_occurrence o;
        /* 02:00 on the 10th belongs to the occurrence labelled the 9th. */
        window_occurrence_at(&w, tz_utc(), utc(2026, 6, 10, 2, 0), &o);
        assert_int_equal(o.label_day, day(2026, 6, 9));
        assert_int_equal(o.open, utc(2026, 6, 9, 23, 0));
        assert_int_equal(o.close, utc(2026, 6, 10, 11, 0));
        /* 23:30 on the 9th: the same occurrence. */
        window_occurrence_at(&w, tz_utc(), utc(2026, 6, 9, 23, 30), &o);
        assert_int_equal(o.label_day, day(2026, 6, 9));
        /* Outside, at 14:00 on the 10th: the next occurrence opens at 23:00 that day. */
        window_occurrence_at(&w, tz_utc(), utc(2026, 6, 10, 14, 0), &o);
        assert_int_equal(o.label_day, day(2026, 6, 10));
        assert_int_equal(window_next_open(&w, tz_utc(), utc(2026, 6, 10, 14, 0)),
                         utc(2026, 6, 10, 23, 0));
        assert_int_equal(window_next_close(&w, tz_utc(), utc(2026, 6, 10, 2, 0)),
                         utc(2026, 6, 10, 11, 0));
        assert_int_equal(window_next_close(&w, tz_utc(), utc(2026, 6, 10, 14, 0)),
                         utc(2026, 6, 11, 11, 0));
        /* Inside, the next open is the following occurrence's. */
        assert_int_equal(window_next_open(&w, tz_utc(), utc(2026, 6, 10, 2, 0)),
                         utc(2026, 6, 10, 23, 0));

        /* 13:00-00:00 closes at midnight of its own label day + 1. */
        struct window w2 = {13 * 60, 0};
        window_occurrence_at(&w2, tz_utc(), utc(2026, 6, 10, 15, 0), &o);
        assert_int_equal(o.label_day, day(2026, 6, 10));
        assert_int_equal(o.close, utc(2026, 6, 11, 0, 0));
        /* 00:00-11:00: after 11:00 the next occurrence is tomorrow's. */
        struct window w3 = {0, 11 * 60};
        window_occurrence_at(&w3, tz_utc(), utc(2026, 6, 10, 15, 0), &o);
        assert_int_equal(o.label_day, day(2026, 6, 11));
        assert_int_equal(o.open, utc(2026, 6, 11, 0, 0));

        /* Whole day: never opens or closes. */
        struct window all;
        window_init_default(&all);
        assert_true(window_is_whole_day(&all));
        assert_int_equal(window_next_close(&all, tz_utc(), 0), INT64_MAX);
        assert_int_equal(window_next_open(&all, tz_utc(), 0), INT64_MAX);
}

static void test_window_dst(void **state)
{
        (void)state;
        const struct tz *berlin = zone("Europe/Berlin");
        struct window w = {23 * 60, 11 * 60};
        struct window_occurrence o;
        /* The night of the spring-forward: opens 23:00+01:00, closes 11:00+02:00. */
        window_occurrence_at(&w, berlin, utc(2026, 3, 29, 0, 30), &o);
        assert_int_equal(o.label_day, day(2026, 3, 28));
        assert_int_equal(o.open, utc(2026, 3, 28, 22, 0));
        assert_int_equal(o.close, utc(2026, 3, 29, 9, 0));
        /* A boundary in the gap opens at the first instant after it (03:00+02:00). */
        struct window g = {2 * 60 + 30, 6 * 60};
        assert_int_equal(window_next_open(&g, berlin, utc(2026, 3, 28, 12, 0)),
                         utc(2026, 3, 29, 1, 0));
        /* A boundary in the overlap opens at its first occurrence (02:30+02:00). */
        assert_int_equal(window_next_open(&g, berlin, utc(2026, 10, 24, 12, 0)),
                         utc(2026, 10, 25, 0, 30));
        /* Inside by the local clock in the repeated hour's second pass. */
        assert_true(window_contains(&g, berlin, utc(2026, 10, 25, 1, 30))); /* 02:30+01:00 */
}

static void test_window_admit(void **state)
{
        (void)state;
        struct window w = {23 * 60, 11 * 60};
        /* An only-in-window job due 14:00 is skipped: "outside batch window". */
        assert_string_equal(window_admit(WINDOW_POLICY_ONLY_IN, &w, tz_utc(),
                                         utc(2026, 6, 10, 14, 0)),
                            "outside batch window");
        assert_null(window_admit(WINDOW_POLICY_ONLY_IN, &w, tz_utc(), utc(2026, 6, 10, 23, 30)));
        assert_null(window_admit(WINDOW_POLICY_NOT_IN, &w, tz_utc(), utc(2026, 6, 10, 14, 0)));
        assert_string_equal(window_admit(WINDOW_POLICY_NOT_IN, &w, tz_utc(),
                                         utc(2026, 6, 10, 23, 30)),
                            "inside batch window");
        assert_null(window_admit(WINDOW_POLICY_ANY, &w, tz_utc(), utc(2026, 6, 10, 14, 0)));
}

static void test_pause(void **state)
{
        (void)state;
        /* DESIGN.md §2: pause [2026-12-24T00:00Z, 2026-12-27T00:00Z). */
        const struct pause_period p[] = {{utc(2026, 12, 24, 0, 0), utc(2026, 12, 27, 0, 0)}};
        assert_false(pause_contains(p, 1, utc(2026, 12, 23, 23, 59)));
        assert_true(pause_contains(p, 1, utc(2026, 12, 24, 0, 0)));
        assert_true(pause_contains(p, 1, utc(2026, 12, 26, 23, 59)));
        assert_false(pause_contains(p, 1, utc(2026, 12, 27, 0, 0)));
        assert_string_equal(pause_admit(p, 1, utc(2026, 12, 25, 8, 0)), "scheduling paused");
        assert_null(pause_admit(p, 1, utc(2026, 12, 28, 8, 0)));
        assert_null(pause_admit(NULL, 0, utc(2026, 12, 25, 8, 0)));
}

static void test_offset(void **state)
{
        (void)state;
        struct time_offset on = {true, 30}, off = {false, 30}, back = {true, -365};
        int64_t t = utc(2026, 11, 24, 12, 0);
        assert_int_equal(offset_to_scheduling(&on, t), utc(2026, 12, 24, 12, 0));
        assert_int_equal(offset_to_scheduling(&off, t), t);
        assert_int_equal(offset_to_scheduling(&back, t), utc(2025, 11, 24, 12, 0));
        assert_int_equal(offset_to_real(&on, offset_to_scheduling(&on, t)), t);
        struct batch_err err;
        assert_int_equal(offset_check(&on, &err), 0);
        struct time_offset max = {true, 36500}, over = {true, 36501}, under = {true, -36501};
        assert_int_equal(offset_check(&max, &err), 0);
        assert_int_equal(offset_check(&over, &err), BATCH_ERANGE);
        assert_string_equal(err.field, "time_offset.days");
        assert_int_equal(offset_check(&under, &err), BATCH_ERANGE);
}

struct timeout_case {
        int est, max, multiple, min_exec;
        int warn;
        bool alert;
        int fail;
};

/* Each expectation worked out by hand from the four lines of DESIGN.md §5. */
static const struct timeout_case timeout_cases[] = {
        {20, 90, 3, 30, 60, true, 90},   /* warn = max(60, 30) = 60 <= 90 */
        {5, -1, 3, 30, 30, true, -1},    /* warn = max(15, 30); no fail */
        {-1, -1, 3, 30, 30, true, -1},   /* unset estimate counts as 1: max(3, 30) */
        {20, 45, 3, 30, 30, true, 45},   /* 60 > 45: warn = 45/3*2 = 30 */
        {20, 20, 3, 30, 12, false, 20},  /* 60 > 20: warn = 20/3*2 = 12; fail < 30 */
        {10, 29, 3, 30, 18, false, 29},  /* 30 > 29: warn = 29/3*2 = 18; fail < 30 */
        {10, 30, 3, 30, 30, true, 30},   /* warn 30 is not above fail 30; 30 is not < 30 */
        {100, 100, 3, 30, 66, true, 100},/* 300 > 100: warn = 100/3*2 = 66 */
        {4, -1, 2, 10, 10, true, -1},    /* custom constants: max(8, 10) */
        {40, -1, 2, 10, 80, true, -1},   /* custom constants: max(80, 10) */
        {0, 1, 3, 30, 0, false, 1},      /* 30 > 1: warn = 1/3*2 = 0 */
};

static void test_timeout(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(timeout_cases) / sizeof(timeout_cases[0]); i++) {
                const struct timeout_case *c = &timeout_cases[i];
                struct timeout_consts k = {c->multiple, c->min_exec};
                struct timeout_plan p;
                timeout_plan_compute(c->est, c->max, &k, &p);
                if (p.warn_minutes != c->warn || p.warn_alert != c->alert ||
                    p.fail_minutes != c->fail)
                        fail_msg("case %zu (est %d, max %d): warn %d alert %d fail %d", i, c->est,
                                 c->max, p.warn_minutes, p.warn_alert, p.fail_minutes);
        }
        struct timeout_consts k;
        timeout_consts_default(&k);
        assert_int_equal(k.estimate_multiple, 3);
        assert_int_equal(k.min_execute_minutes, 30);
        struct timeout_plan p;
        timeout_plan_compute(100, 100, &k, &p);
        assert_int_equal(timeout_warn_at(&p, 1000), 1000 + 66 * 60);
        assert_int_equal(timeout_fail_at(&p, 1000), 1000 + 100 * 60);
        timeout_plan_compute(20, 20, &k, &p);
        assert_int_equal(timeout_warn_at(&p, 1000), INT64_MAX);
        timeout_plan_compute(20, -1, &k, &p);
        assert_int_equal(timeout_fail_at(&p, 1000), INT64_MAX);
}

static void test_dueparams(void **state)
{
        (void)state;
        int64_t d1 = utc(2026, 6, 1, 18, 30), d2 = utc(2026, 6, 2, 18, 30);
        int64_t d3 = utc(2026, 6, 3, 18, 30), d4 = utc(2026, 6, 4, 18, 30);
        struct due_params p;
        /* No history: covers only itself. */
        dueparams_compute(d1, NULL, &p);
        assert_int_equal(p.first_due, d1);
        assert_int_equal(p.last_due, d1);
        assert_int_equal(p.due, d1);
        /* Normal running: the first due time after the last success is this one. */
        struct due_history ok = {false, 0, true, d2};
        dueparams_compute(d2, &ok, &p);
        assert_int_equal(p.first_due, d2);
        /* The last finished instance (due d2) failed: the next run covers from d2. */
        struct due_history failed = {true, d2, true, d2};
        dueparams_compute(d3, &failed, &p);
        assert_int_equal(p.first_due, d2);
        assert_int_equal(p.last_due, d3);
        /* That run failed too (it covered d2..d3): the next covers from d2 still. */
        struct due_history failed_twice = {true, d2, true, d2};
        dueparams_compute(d4, &failed_twice, &p);
        assert_int_equal(p.first_due, d2);
        /* Missed periods (daemon down over d2, d3): covers from the first one after the
         * last success. */
        struct due_history missed = {false, 0, true, d2};
        dueparams_compute(d4, &missed, &p);
        assert_int_equal(p.first_due, d2);
        assert_int_equal(p.last_due, d4);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_calendar),        cmocka_unit_test(test_window_inside),
                cmocka_unit_test(test_window_occurrences), cmocka_unit_test(test_window_dst),
                cmocka_unit_test(test_window_admit),    cmocka_unit_test(test_pause),
                cmocka_unit_test(test_offset),          cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_dueparams),
        };
        return cmocka_run_group_tests_name("time rules", tests, NULL, NULL);
}
