/* civil.c: Gregorian date arithmetic by 400-year eras (146097 days each), with
 * years counted from March so that the leap day falls at the end of a year. */
#include "civil.h"

bool civil_is_leap(int year)
{
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int civil_days_in_month(int year, int mon)
{
        static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (mon == 2 && civil_is_leap(year))
                return 29;
        return len[(mon - 1) % 12];
}

int64_t civil_days_from_date(int year, int mon, int day)
{
        int64_t y = (int64_t)year - (mon <= 2);
        int64_t era = civil_floordiv(y, 400);
        int64_t yoe = y - era * 400;                                 /* 0..399 */
        int64_t mp = (mon + 9) % 12;                                 /* March = 0 */
        int64_t doy = (153 * mp + 2) / 5 + day - 1;                  /* 0..365 */
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* 0..146096 */
        return era * 146097 + doe - 719468;                          /* 719468: 0000-03-01 to 1970-01-01 */
}

void civil_date_from_days(int64_t days, int *year, int *mon, int *day)
{
        int64_t z = days + 719468;
        int64_t era = civil_floordiv(z, 146097);
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int d = (int)(doy - (153 * mp + 2) / 5 + 1);
        int m = (int)(mp < 10 ? mp + 3 : mp - 9);
        int64_t y = yoe + era * 400 + (m <= 2);
        if (year)
                *year = (int)y;
        if (mon)
                *mon = m;
        if (day)
                *day = d;
}

int civil_weekday(int64_t days)
{
        return (int)civil_floormod(days + 4, 7); /* 1970-01-01 was a Thursday */
}

int64_t civil_to_seconds(const struct civil *c)
{
        return civil_days_from_date(c->year, c->mon, c->day) * 86400 + c->hour * 3600 +
               c->min * 60 + c->sec;
}

void civil_from_seconds(int64_t secs, struct civil *c)
{
        int64_t days = civil_floordiv(secs, 86400);
        int64_t rem = secs - days * 86400;
        civil_date_from_days(days, &c->year, &c->mon, &c->day);
        c->hour = (int)(rem / 3600);
        c->min = (int)(rem / 60 % 60);
        c->sec = (int)(rem % 60);
}
