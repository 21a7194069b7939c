/* calendar.c: workday tests by binary search over sorted date arrays. */
#include "calendar.h"

#include "civil.h"

void calendar_init_default(struct calendar *c)
{
        c->workdays = CALENDAR_MON_FRI;
        c->nholidays = c->nextra = 0;
        c->holidays = c->extra = NULL;
}

static bool contains(const int64_t *v, size_t n, int64_t day)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (v[mid] < day)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < n && v[lo] == day;
}

enum calendar_day calendar_day_kind(const struct calendar *c, int64_t day)
{
        if (contains(c->extra, c->nextra, day))
                return CALENDAR_EXTRA_WORKDAY;
        if (contains(c->holidays, c->nholidays, day))
                return CALENDAR_HOLIDAY;
        return c->workdays >> civil_weekday(day) & 1 ? CALENDAR_WORKDAY : CALENDAR_DAY_OFF;
}

bool calendar_is_workday(const struct calendar *c, int64_t day)
{
        enum calendar_day k = calendar_day_kind(c, day);
        return k == CALENDAR_WORKDAY || k == CALENDAR_EXTRA_WORKDAY;
}

bool calendar_is_workday_at(const struct calendar *c, const struct tz *z, int64_t t)
{
        return calendar_is_workday(c, civil_floordiv(tz_to_local(z, t), 86400));
}

int64_t calendar_next_workday(const struct calendar *c, int64_t day)
{
        for (int64_t d = day; d < day + 3653; d++)
                if (calendar_is_workday(c, d))
                        return d;
        return -1;
}
