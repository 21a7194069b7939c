/* reportdue.c: when the daily report is due (reportdue.h). */
#include "core/reportdue.h"

#include <stdio.h>
#include <string.h>

#include "core/civil.h"

#define MESSAGE_PREFIX "daily inspection report for "

int reportdue_day(const struct tz *zone, int minute, int64_t now_s, char ret_date[11],
                  int64_t *ret_at_s)
{
        if (minute < 0 || minute >= 24 * 60)
                return BATCH_EINVAL;
        int64_t local = tz_to_local(zone, now_s);
        int64_t today = civil_floordiv(local, 86400);
        int64_t at[2];
        /* 0: a gap, at[0] is the first instant after it; 2: an overlap, at[0] the
         * first occurrence. Either way at[0]. */
        tz_from_local(zone, today * 86400 + (int64_t)minute * 60, at);
        if (now_s < at[0])
                return 0;
        int y, m, d;
        civil_date_from_days(today - 1, &y, &m, &d);
        char buf[48];
        snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
        memcpy(ret_date, buf, 10);
        ret_date[10] = '\0';
        if (ret_at_s)
                *ret_at_s = at[0];
        return 1;
}

void reportdue_message(const char *date, char *buf, size_t len)
{
        snprintf(buf, len, MESSAGE_PREFIX "%.10s", date);
}

bool reportdue_date_of(const char *message, char ret_date[11])
{
        size_t n = strlen(MESSAGE_PREFIX);
        if (!message || strncmp(message, MESSAGE_PREFIX, n) || strlen(message + n) != 10)
                return false;
        const char *s = message + n;
        for (int i = 0; i < 10; i++)
                if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
                        return false;
        memcpy(ret_date, s, 10);
        ret_date[10] = '\0';
        return true;
}
