/* croninterval.h: the shortest interval between two fire times of a cron expression,
 * for the tenant's minimum schedule interval (seed 001: "scheduling frequency limited
 * to a maximum of 5 minutes"; docs/definitions.md). Pure.
 *
 * Measured on the wall clock (as in UTC): daylight-saving shifts are left out, since a
 * schedule's frequency is what its expression says. */
#ifndef BATCH_CORE_CRONINTERVAL_H
#define BATCH_CORE_CRONINTERVAL_H

#include <stdint.h>

#include "core/cron.h"

/* Gaps of a day or more are reported as this. */
#define CRON_INTERVAL_DAY 86400

/* The shortest interval, in seconds, between two consecutive fire times of *c, capped
 * at CRON_INTERVAL_DAY (an expression that fires at most once a day, or never, gives
 * CRON_INTERVAL_DAY). Exact below a day: the gaps within a day come from the time
 * fields; the gap from a day's last fire time to the next day's first counts only when
 * two consecutive days both fire (looked for over the 400-year Gregorian cycle, or over
 * the expression's years). Never fails. */
int64_t cron_min_interval(const struct cron *c);

/* Writes the interval `s` (seconds, > 0) in words into buf ("5 minutes", "90 seconds",
 * "1 hour 30 minutes", "a day or more"); returns buf. */
char *cron_interval_text(int64_t s, char *buf, size_t len);

#endif
