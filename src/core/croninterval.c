/* croninterval.c: the shortest interval between fire times of a cron expression (see
 * croninterval.h). */
#include "core/croninterval.h"

#include <stdbool.h>
#include <stdio.h>

#include "core/civil.h"

/* Whether two consecutive days both have a fire time: from each fire day found by
 * cron_next (in UTC), is the next day one too? */
static bool fires_on_consecutive_days(const struct cron *c)
{
        int64_t from = c->flags & CRON_F_YEARS
                               ? civil_days_from_date(CRON_YEAR_MIN, 1, 1) * 86400 - 1
                               : civil_days_from_date(2000, 1, 1) * 86400 - 1;
        int64_t until = c->flags & CRON_F_YEARS
                                ? civil_days_from_date(CRON_YEAR_MAX + 1, 1, 1) * 86400
                                : civil_days_from_date(2400, 1, 1) * 86400 + 86400;
        /* Only weekdays restricted (any day of any month, no L, W or #): the fire days
         * repeat every week, and two weeks show every pair. */
        if ((c->flags & CRON_F_DOM_STAR) && c->mon == 0x1FFE &&
            !(c->flags & (CRON_F_YEARS | CRON_F_DAY_SPECIAL)))
                until = from + 1 + 15 * 86400;
        int64_t t = from;
        while (t < until) {
                int64_t next;
                if (cron_next(c, tz_utc(), t, &next) < 0)
                        return false;
                int64_t day = civil_floordiv(next, 86400);
                int64_t after;
                /* The first fire time after the end of that day. */
                if (cron_next(c, tz_utc(), (day + 1) * 86400 - 1, &after) < 0)
                        return false;
                if (after < (day + 2) * 86400)
                        return true;
                t = civil_floordiv(after, 86400) * 86400 - 1;
        }
        return false;
}

int64_t cron_min_interval(const struct cron *c)
{
        if (cron_never(c))
                return CRON_INTERVAL_DAY;
        int64_t first = -1, last = -1, prev = -1, best = CRON_INTERVAL_DAY;
        for (int h = 0; h < 24; h++) {
                if (!(c->hour >> h & 1))
                        continue;
                for (int m = 0; m < 60; m++) {
                        if (!(c->min >> m & 1))
                                continue;
                        for (int s = 0; s < 60; s++) {
                                if (!(c->sec >> s & 1))
                                        continue;
                                int64_t t = h * 3600 + m * 60 + s;
                                if (prev >= 0 && t - prev < best)
                                        best = t - prev;
                                if (first < 0)
                                        first = t;
                                last = prev = t;
                        }
                }
        }
        if (first < 0)
                return CRON_INTERVAL_DAY;
        int64_t wrap = CRON_INTERVAL_DAY - last + first;
        if (wrap < best && fires_on_consecutive_days(c))
                best = wrap;
        return best;
}

char *cron_interval_text(int64_t s, char *buf, size_t len)
{
        if (s >= CRON_INTERVAL_DAY) {
                snprintf(buf, len, "a day or more");
                return buf;
        }
        int64_t h = s / 3600, m = s % 3600 / 60, sec = s % 60;
        size_t o = 0;
        const int64_t v[3] = {h, m, sec};
        const char *const unit[3] = {"hour", "minute", "second"};
        for (int i = 0; i < 3 && o < len; i++) {
                if (!v[i])
                        continue;
                int w = snprintf(buf + o, len - o, "%s%lld %s%s", o ? " " : "", (long long)v[i],
                                 unit[i], v[i] == 1 ? "" : "s");
                if (w < 0)
                        break;
                o += (size_t)w;
        }
        return buf;
}
