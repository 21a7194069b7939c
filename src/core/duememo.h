/* duememo.h: remembers what a job's due sequence (sched_job_next_due, sched_job_prev_due)
 * answered last, so that the queries the scheduler repeats about the same stretch of a
 * job's dues are answered without computing the cron again. Pure.
 *
 * A memo holds one gap of the sequence: (a, b) with no due strictly between them, and
 * whether a and b are dues themselves. sched_job_next_due(x) = t tells that (x, t) is
 * such a gap and t a due; sched_job_prev_due(x) = t that (t, x) is one and t a due. A
 * query inside the gap is answered from it; any other is computed and its gap kept. The
 * answers are exactly the functions' (tests/unit/test_duememo.c). */
#ifndef BATCH_CORE_DUEMEMO_H
#define BATCH_CORE_DUEMEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sched.h"

struct due_memo {
        int64_t a, b;      /* no due in (a, b); a > b: nothing known */
        bool a_due, b_due; /* a (b) is a due */
};

/* An empty memo. */
void due_memo_init(struct due_memo *m);

/* sched_job_next_due(j, after), through m (which must only ever see job j). */
int64_t due_memo_next(struct due_memo *m, const struct sched_job_spec *j, int64_t after);

/* sched_job_prev_due(j, before), through m (which must only ever see job j). */
int64_t due_memo_prev(struct due_memo *m, const struct sched_job_spec *j, int64_t before);

#endif
