/* civil.h: proleptic Gregorian calendar arithmetic on plain integers.
 *
 * A "local second" value counts seconds since 1970-01-01T00:00:00 of some wall
 * clock, exactly as a Unix time counts them for UTC; converting between local
 * seconds and an instant is the time-zone module's job (tz.h). Everything here is
 * pure, allocation-free and valid for years -1000000..1000000. */
#ifndef BATCH_CORE_CIVIL_H
#define BATCH_CORE_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

struct civil {
        int year;
        int mon;  /* 1..12 */
        int day;  /* 1..31 */
        int hour; /* 0..23 */
        int min;  /* 0..59 */
        int sec;  /* 0..59 */
};

/* True when `year` is a Gregorian leap year. */
bool civil_is_leap(int year);

/* Days in month `mon` (1..12) of `year`. */
int civil_days_in_month(int year, int mon);

/* Days since 1970-01-01 of the date year-mon-day (no range check on day). */
int64_t civil_days_from_date(int year, int mon, int day);

/* The date of `days` since 1970-01-01. Any pointer may be NULL. */
void civil_date_from_days(int64_t days, int *year, int *mon, int *day);

/* Day of week of `days` since 1970-01-01: 0 = Sunday .. 6 = Saturday. */
int civil_weekday(int64_t days);

/* Seconds since 1970-01-01T00:00:00 of the fields in *c (fields not range checked). */
int64_t civil_to_seconds(const struct civil *c);

/* Breaks `secs` since 1970-01-01T00:00:00 into *c. */
void civil_from_seconds(int64_t secs, struct civil *c);

/* Floor division and modulo for possibly negative numerators (den > 0). */
static inline int64_t civil_floordiv(int64_t num, int64_t den)
{
        int64_t q = num / den;
        return (num % den < 0) ? q - 1 : q;
}
static inline int64_t civil_floormod(int64_t num, int64_t den)
{
        int64_t r = num % den;
        return r < 0 ? r + den : r;
}

#endif
