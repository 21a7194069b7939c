/* procdate.h: the process date (DESIGN.md §8, seed 001 "How to Manage Date?"): the
 * business date a run processes, derived from its due time and the tenant's batch
 * window. Pure.
 *
 * The process date of an instant is the label (the local date on which it opens) of
 * the batch-window occurrence that contains it, so that a run due at 00:30 in a
 * 22:00-06:00 window processes the previous day. An instant outside every occurrence
 * (a daytime run with a night window) belongs to the next occurrence: the business day
 * whose batch night is still to come, so a run at 18:30 on the 2nd processes the 2nd
 * and a run at 07:00 on the 3rd, after the night of the 2nd closed, the 3rd. A batch
 * day thus ends when its window closes (docs/scheduler.md, "The process date").
 * Boundaries are wall times resolved as window.h says (a gap: the first instant after
 * it; an overlap: its first occurrence). */
#ifndef BATCH_CORE_PROCDATE_H
#define BATCH_CORE_PROCDATE_H

#include <stdint.h>

#include "core/tz.h"
#include "core/window.h"

/* "YYYY-MM-DD" and its NUL. */
#define PROCDATE_TEXT_MAX 11

/* The process date of instant `due` under window *w in zone z, as days since
 * 1970-01-01. Never fails. */
int64_t procdate_day(const struct window *w, const struct tz *z, int64_t due);

/* The process date of `due` as "YYYY-MM-DD" in out (PROCDATE_TEXT_MAX bytes); returns
 * out. */
char *procdate_format(const struct window *w, const struct tz *z, int64_t due,
                      char out[PROCDATE_TEXT_MAX]);

#endif
