/* reportdue.h: when the daily inspection report is due by e-mail (docs/report.md,
 * "The e-mail"): the report of day D is due from the report time (HH:MM in the
 * tenant's zone, default 08:00) of day D+1 until the end of D+1. Pure: the time
 * is an argument. Also the form of the alert row that records a report's sending
 * (kind daily_report, the date in its message). */
#ifndef BATCH_CORE_REPORTDUE_H
#define BATCH_CORE_REPORTDUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tz.h"

#define REPORTDUE_KIND "daily_report"
#define REPORTDUE_DEFAULT_MINUTE (8 * 60) /* 08:00 */

/* The report day due at instant `now_s` for a tenant in `zone` whose report time is
 * `minute` minutes after local midnight (0..1439): yesterday's date (local), written
 * to ret_date as "YYYY-MM-DD", once `now_s` has reached the instant of the report time
 * today. A report time inside a DST gap is reached at the first instant after the gap
 * (the transition); one inside an overlap at its first occurrence (and the report is
 * sent once: it is keyed by day). *ret_at_s (optional) gets that instant. Returns 1
 * when a day is due, 0 when not yet (ret_date untouched), BATCH_EINVAL for a minute
 * outside 0..1439. */
int reportdue_day(const struct tz *zone, int minute, int64_t now_s, char ret_date[11],
                  int64_t *ret_at_s);

/* The message of the alert row of the report of `date`: "daily inspection report for
 * YYYY-MM-DD" into buf (at least 64 bytes). */
void reportdue_message(const char *date, char *buf, size_t len);

/* The report date in a message of reportdue_message, into ret_date; false when the
 * message is not one. */
bool reportdue_date_of(const char *message, char ret_date[11]);

#endif
