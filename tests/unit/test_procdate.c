/* Unit tests for the process date (core/procdate.h). Expected values are written from
 * DESIGN.md §8 ("the date on which the batch-window occurrence that contains the due
 * time opened, in the tenant's zone; a run due at 00:30 in a 22:00-06:00 window gets
 * the previous day"), §2.2 (occurrences labelled with the date on which they start;
 * the whole-day default 12:00-12:00) and docs/scheduler.md for instants outside the
 * window (the next occurrence: a batch day ends when its window closes). */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/civil.h"
#include "core/procdate.h"
#include "sys/zoneinfo.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
        return civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static const struct tz *zone(const char *name)
{
        const struct tz *z;
        assert_int_equal(zoneinfo_get(name, &z, NULL), 0);
        return z;
}

struct pd_case {
        const char *zone;
        int start, end;          /* the window, HH*60+MM */
        int y, mo, d, h, mi;     /* the due time, UTC */
        const char *expect;      /* the process date */
        const char *why;
};

#define W22_06 22 * 60, 6 * 60

static const struct pd_case cases[] = {
        /* 22:00-06:00 in UTC, on both sides of midnight. */
        {"UTC", W22_06, 2026, 3, 2, 22, 0, "2026-03-02", "the window opens"},
        {"UTC", W22_06, 2026, 3, 2, 23, 30, "2026-03-02", "before midnight"},
        {"UTC", W22_06, 2026, 3, 3, 0, 0, "2026-03-02", "midnight"},
        {"UTC", W22_06, 2026, 3, 3, 0, 30, "2026-03-02", "DESIGN §8: 00:30 -> previous day"},
        {"UTC", W22_06, 2026, 3, 3, 5, 59, "2026-03-02", "last minute of the window"},
        {"UTC", W22_06, 2026, 3, 3, 6, 0, "2026-03-03", "closed: the next night's"},
        {"UTC", W22_06, 2026, 3, 3, 12, 0, "2026-03-03", "daytime: the next night's"},
        {"UTC", W22_06, 2026, 3, 3, 21, 59, "2026-03-03", "just before the next opening"},
        {"UTC", W22_06, 2026, 3, 3, 22, 0, "2026-03-03", "the next opening"},
        {"UTC", W22_06, 2027, 1, 1, 0, 30, "2026-12-31", "across the year end"},
        {"UTC", W22_06, 2028, 3, 1, 0, 30, "2028-02-29", "across a leap day"},
        /* The same window in Berlin (UTC+1 in winter): the tenant's zone decides. */
        {"Europe/Berlin", W22_06, 2026, 3, 2, 21, 0, "2026-03-02", "22:00 CET opens"},
        {"Europe/Berlin", W22_06, 2026, 3, 2, 23, 30, "2026-03-02", "00:30 CET on the 3rd"},
        {"Europe/Berlin", W22_06, 2026, 3, 2, 20, 59, "2026-03-02", "21:59 CET"},
        {"Europe/Berlin", W22_06, 2026, 3, 3, 4, 59, "2026-03-02", "05:59 CET on the 3rd"},
        {"Europe/Berlin", W22_06, 2026, 3, 3, 5, 0, "2026-03-03", "06:00 CET: closed"},
        /* The spring-forward night in Berlin: 2026-03-29 02:00 CET -> 03:00 CEST. */
        {"Europe/Berlin", W22_06, 2026, 3, 28, 21, 0, "2026-03-28", "22:00 CET opens"},
        {"Europe/Berlin", W22_06, 2026, 3, 28, 23, 30, "2026-03-28", "00:30 CET"},
        {"Europe/Berlin", W22_06, 2026, 3, 29, 0, 59, "2026-03-28", "01:59 CET, before the gap"},
        {"Europe/Berlin", W22_06, 2026, 3, 29, 1, 0, "2026-03-28", "03:00 CEST, after the gap"},
        {"Europe/Berlin", W22_06, 2026, 3, 29, 3, 59, "2026-03-28", "05:59 CEST"},
        {"Europe/Berlin", W22_06, 2026, 3, 29, 4, 0, "2026-03-29", "06:00 CEST: closed"},
        {"Europe/Berlin", W22_06, 2026, 3, 29, 19, 59, "2026-03-29", "21:59 CEST"},
        {"Europe/Berlin", W22_06, 2026, 3, 29, 20, 0, "2026-03-29", "22:00 CEST opens"},
        /* The fall-back night: 2026-10-25 03:00 CEST -> 02:00 CET. */
        {"Europe/Berlin", W22_06, 2026, 10, 24, 20, 0, "2026-10-24", "22:00 CEST opens"},
        {"Europe/Berlin", W22_06, 2026, 10, 25, 0, 30, "2026-10-24", "02:30 CEST, first pass"},
        {"Europe/Berlin", W22_06, 2026, 10, 25, 1, 30, "2026-10-24", "02:30 CET, second pass"},
        {"Europe/Berlin", W22_06, 2026, 10, 25, 4, 59, "2026-10-24", "05:59 CET"},
        {"Europe/Berlin", W22_06, 2026, 10, 25, 5, 0, "2026-10-25", "06:00 CET: closed"},
        {"Europe/Berlin", W22_06, 2026, 10, 25, 20, 59, "2026-10-25", "21:59 CET"},
        {"Europe/Berlin", W22_06, 2026, 10, 25, 21, 0, "2026-10-25", "22:00 CET opens"},
        /* A boundary inside the gap is the first instant after it (03:00 CEST, 01:00Z);
         * inside the overlap its first occurrence (02:30 CEST, 00:30Z). A whole-day
         * window 02:30-02:30 changes day there; 02:30-06:00 closes at 06:00. */
        {"Europe/Berlin", 150, 150, 2026, 3, 29, 0, 59, "2026-03-28", "01:59 CET: not yet"},
        {"Europe/Berlin", 150, 150, 2026, 3, 29, 1, 0, "2026-03-29", "03:00 CEST: opened"},
        {"Europe/Berlin", 150, 150, 2026, 10, 25, 0, 29, "2026-10-24", "02:29 CEST: not yet"},
        {"Europe/Berlin", 150, 150, 2026, 10, 25, 0, 30, "2026-10-25", "02:30 CEST: opened"},
        {"Europe/Berlin", 150, 150, 2026, 10, 25, 1, 15, "2026-10-25", "02:15 CET, second pass"},
        {"Europe/Berlin", 150, 360, 2026, 3, 29, 3, 59, "2026-03-29", "05:59 CEST: inside"},
        {"Europe/Berlin", 150, 360, 2026, 3, 29, 4, 0, "2026-03-30", "06:00 CEST: closed"},
        /* The whole-day default 12:00-12:00: a batch day runs from noon to noon. */
        {"UTC", 720, 720, 2026, 3, 3, 11, 59, "2026-03-02", "whole day, before noon"},
        {"UTC", 720, 720, 2026, 3, 3, 12, 0, "2026-03-03", "whole day, at noon"},
        /* The seed's other examples: 00:00-11:00 and 13:00-00:00 do not wrap. */
        {"UTC", 0, 660, 2026, 3, 3, 1, 0, "2026-03-03", "00:00-11:00 inside"},
        {"UTC", 0, 660, 2026, 3, 3, 10, 59, "2026-03-03", "00:00-11:00 last minute"},
        {"UTC", 0, 660, 2026, 3, 3, 11, 0, "2026-03-04", "00:00-11:00 closed: the next"},
        {"UTC", 0, 660, 2026, 3, 3, 23, 59, "2026-03-04", "00:00-11:00 before midnight"},
        {"UTC", 780, 0, 2026, 3, 3, 12, 59, "2026-03-03", "13:00-00:00 before it opens"},
        {"UTC", 780, 0, 2026, 3, 3, 13, 0, "2026-03-03", "13:00-00:00 opens"},
        {"UTC", 780, 0, 2026, 3, 3, 23, 59, "2026-03-03", "13:00-00:00 last minute"},
        {"UTC", 780, 0, 2026, 3, 4, 0, 0, "2026-03-04", "13:00-00:00 closed: the next"},
};

static void test_procdate_table(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct pd_case *c = &cases[i];
                struct window w = {c->start, c->end};
                char got[PROCDATE_TEXT_MAX];
                int64_t t = utc(c->y, c->mo, c->d, c->h, c->mi);
                procdate_format(&w, zone(c->zone), t, got);
                if (strcmp(got, c->expect))
                        fail_msg("case %zu (%s): %s, expected %s", i, c->why, got, c->expect);
                int y, m, d;
                civil_date_from_days(procdate_day(&w, zone(c->zone), t), &y, &m, &d);
                char again[40];
                snprintf(again, sizeof(again), "%04d-%02d-%02d", y, m, d);
                assert_string_equal(again, got);
        }
}

/* Every minute of a week around each DST night: the process date never goes back and
 * moves on by one day exactly when the occurrence it named closes. */
static void test_procdate_monotonic(void **state)
{
        (void)state;
        const struct window w = {22 * 60, 6 * 60};
        const struct tz *z = zone("Europe/Berlin");
        const int64_t starts[] = {utc(2026, 3, 26, 0, 0), utc(2026, 10, 22, 0, 0)};
        for (size_t k = 0; k < 2; k++) {
                int64_t prev = procdate_day(&w, z, starts[k]);
                for (int64_t t = starts[k] + 60; t < starts[k] + 7 * 86400; t += 60) {
                        int64_t d = procdate_day(&w, z, t);
                        assert_true(d == prev || d == prev + 1);
                        if (d != prev) {
                                struct window_occurrence o;
                                window_occurrence_at(&w, z, t - 60, &o);
                                assert_int_equal(o.label_day, prev);
                                assert_true(o.close > t - 60 && o.close <= t);
                        }
                        prev = d;
                }
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_procdate_table),
                cmocka_unit_test(test_procdate_monotonic),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
