/* cron.h: cron expressions (DESIGN.md §2.1) parsed once into a compact value,
 * and the next/previous fire time after/before an instant in a time zone.
 *
 * Pure: no I/O, no clock, no allocation. A `struct cron` is a plain value that may
 * be copied and shared between threads freely. */
#ifndef BATCH_CORE_CRON_H
#define BATCH_CORE_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "core/tz.h"

#define CRON_YEAR_MIN 1970
#define CRON_YEAR_MAX 2199

enum cron_flags {
        CRON_F_DOM_STAR = 1 << 0,   /* day-of-month field starts with '*' or is '?' */
        CRON_F_DOW_STAR = 1 << 1,   /* day-of-week field starts with '*' or is '?' */
        CRON_F_OR_DAYS = 1 << 2,    /* crontab rule: a day matching either day field fires */
        CRON_F_INTERVAL = 1 << 3,   /* hour field starts with '*': fires in both DST passes */
        CRON_F_DAY_SPECIAL = 1 << 4,/* uses L, L-n, W, LW, nL or n#k */
        CRON_F_YEARS = 1 << 5,      /* has a year field */
        CRON_F_NEVER = 1 << 6,      /* no date can ever match */
};

struct cron {
        uint64_t sec;        /* bit n: second n (0..59) */
        uint64_t min;        /* bit n: minute n (0..59) */
        uint32_t hour;       /* bit n: hour n (0..23) */
        uint32_t dom;        /* bit n: day n of month (1..31), plain values */
        uint32_t dom_last;   /* bit n: day "L-n" (n = 0 is "L"), n 0..30 */
        uint32_t dom_near;   /* bit n: "nW", the weekday nearest day n */
        uint16_t mon;        /* bit n: month n (1..12) */
        uint8_t dow;         /* bit n: weekday n (0 = Sunday .. 6), plain values */
        uint8_t dow_last;    /* bit n: "nL", the last weekday n of the month */
        uint64_t dow_nth;    /* bit (k-1)*7+n: "n#k", the k-th weekday n of the month */
        uint64_t years[4];   /* bit (y - CRON_YEAR_MIN): year y, when CRON_F_YEARS */
        uint32_t dow_month[7]; /* day-of-month bits of plain weekdays for a month whose
                                  1st is weekday i (derived from dow at parse time) */
        uint16_t flags;      /* enum cron_flags */
        uint8_t nfields;     /* 5, 6 or 7 (macros count as 5) */
        bool dom_lw;         /* "LW": the last weekday (Mon-Fri) of the month */
};

/* Parses `text` (5, 6 or 7 fields or an @macro). On failure returns BATCH_ESYNTAX
 * (or BATCH_ERANGE for a value out of range) and reterr names the field, the
 * offending text and the reason, e.g. `day-of-month: "32" is out of range 1-31`.
 * An expression that is valid but can never fire (`0 0 30 2 *`) parses, with
 * CRON_F_NEVER set; cron_next/prev then return BATCH_ENEVER at once. */
int cron_parse(const char *text, struct cron *ret, struct batch_err *reterr);

/* True when the expression can never fire. */
bool cron_never(const struct cron *c);

/* The first fire instant strictly after `after` in zone `z`, applying the DST
 * rules of DESIGN.md §2.1. Returns 0 and sets *ret_next, or BATCH_ENEVER when
 * there is none (never fires, or its year field has no later year). */
int cron_next(const struct cron *c, const struct tz *z, int64_t after, int64_t *ret_next);

/* The last fire instant strictly before `before`: the mirror of cron_next, so that
 * cron_prev(cron_next(t)) is the latest fire time <= t. Returns 0 or BATCH_ENEVER. */
int cron_prev(const struct cron *c, const struct tz *z, int64_t before, int64_t *ret_prev);

/* Writes a plain-English description of the expression into buf (always
 * NUL-terminated when len > 0). Returns the length it needed, like snprintf. */
size_t cron_explain(const struct cron *c, char *buf, size_t len);

#endif
