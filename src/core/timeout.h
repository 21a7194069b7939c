/* timeout.h: the timeout arithmetic of DESIGN.md §5 (seed 001). Pure.
 *
 *   warn = max(estimated_minutes * estimate_multiple, min_execute_minutes)
 *   fail = max_minutes (none when unset)
 *   if fail < warn: warn = fail / 3 * 2            (integer minutes)
 *   if fail < 30:   no warning alert, only the timeout-failed alert */
#ifndef BATCH_CORE_TIMEOUT_H
#define BATCH_CORE_TIMEOUT_H

#include <stdbool.h>
#include <stdint.h>

#define TIMEOUT_ESTIMATE_MULTIPLE 3
#define TIMEOUT_MIN_EXECUTE_MINUTES 30
#define TIMEOUT_NO_WARNING_BELOW 30

struct timeout_consts {
        int estimate_multiple;   /* default 3 */
        int min_execute_minutes; /* default 30 */
};

struct timeout_plan {
        int warn_minutes;  /* when the timeout warning falls due */
        bool warn_alert;   /* false when fail < 30: only the timeout-failed alert */
        int fail_minutes;  /* -1: no Timeout Failed */
};

/* The defaults 3 and 30. */
void timeout_consts_default(struct timeout_consts *k);

/* Computes the plan for a job with `estimated_minutes` (< 0: unset, taken as 1) and
 * `max_minutes` (<= 0: none). */
void timeout_plan_compute(int estimated_minutes, int max_minutes, const struct timeout_consts *k,
                          struct timeout_plan *out);

/* The instant of the warning for a run started at `start` (INT64_MAX: none). */
int64_t timeout_warn_at(const struct timeout_plan *p, int64_t start);

/* The instant of Timeout Failed for a run started at `start` (INT64_MAX: none). */
int64_t timeout_fail_at(const struct timeout_plan *p, int64_t start);

#endif
