/* dueparams.h: the due parameters of DESIGN.md §2.4: DueTime, FirstDueTime and
 * LastDueTime of a new instance, so that a run covers the data of any failed or
 * missed period. Pure: the caller supplies what the schedule and history say. */
#ifndef BATCH_CORE_DUEPARAMS_H
#define BATCH_CORE_DUEPARAMS_H

#include <stdbool.h>
#include <stdint.h>

struct due_history {
        bool last_finished_failed;  /* the job's last finished instance failed */
        int64_t last_failed_first;  /* that instance's FirstDueTime (its due time when it
                                       covered only itself) */
        bool has_success;           /* the job has a successful instance */
        int64_t first_due_after_success; /* the first due time after the last success's,
                                            from the job's schedule */
};

struct due_params {
        int64_t due;
        int64_t first_due;
        int64_t last_due;
};

/* Computes the parameters of an instance due at `due`:
 *   - the last finished instance failed: FirstDueTime = that failed instance's
 *     FirstDueTime (its due time, unless it was itself covering earlier failures);
 *   - otherwise, after a success: FirstDueTime = the first due time after it (equal to
 *     `due` in normal running, earlier when periods were missed);
 *   - no history: FirstDueTime = due.
 * LastDueTime = due. FirstDueTime is never later than due. */
void dueparams_compute(int64_t due, const struct due_history *h, struct due_params *out);

#endif
