/* calendar.h: workday calendars (DESIGN.md §2.2): weekly workdays, holidays and
 * extra workdays. Pure. */
#ifndef BATCH_CORE_CALENDAR_H
#define BATCH_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tz.h"

#define CALENDAR_MON_FRI 0x3E /* bits 1..5: Monday to Friday */

struct calendar {
        uint8_t workdays;       /* bit n: weekday n is a workday (0 = Sunday) */
        size_t nholidays;
        const int64_t *holidays; /* days since 1970-01-01, sorted ascending, borrowed */
        size_t nextra;
        const int64_t *extra;    /* extra workdays, same form, borrowed */
};

/* The default calendar: Monday to Friday, no holidays, no extra workdays. */
void calendar_init_default(struct calendar *c);

/* True when `day` (days since 1970-01-01) is a workday: an extra workday always is;
 * otherwise a holiday is not; otherwise its weekday decides. O(log n). */
bool calendar_is_workday(const struct calendar *c, int64_t day);

/* What `day` is: a weekly workday, an extra workday, a holiday, or a weekday that is not
 * a workday. Extra workdays win over holidays, holidays over the weekly rule. */
enum calendar_day {
        CALENDAR_WORKDAY,
        CALENDAR_EXTRA_WORKDAY,
        CALENDAR_HOLIDAY,
        CALENDAR_DAY_OFF,
};
enum calendar_day calendar_day_kind(const struct calendar *c, int64_t day);

/* calendar_is_workday() of the local date of instant t in zone z. */
bool calendar_is_workday_at(const struct calendar *c, const struct tz *z, int64_t t);

/* The first workday on or after `day`, or -1 when there is none within 10 years
 * (a calendar without weekly workdays and without extra workdays ahead). */
int64_t calendar_next_workday(const struct calendar *c, int64_t day);

#endif
