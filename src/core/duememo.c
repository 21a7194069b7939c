/* duememo.c: the last gap of a job's due sequence (see duememo.h). */
#include "core/duememo.h"

void due_memo_init(struct due_memo *m)
{
        *m = (struct due_memo){1, 0, false, false};
}

/* Whether x is known to be a due from the gap m holds. */
static bool known_due(const struct due_memo *m, int64_t x)
{
        return (x == m->a && m->a_due) || (x == m->b && m->b_due);
}

int64_t due_memo_next(struct due_memo *m, const struct sched_job_spec *j, int64_t after)
{
        /* The next due after x in [a, b) is b, when b is a due. */
        if (m->b_due && m->a <= after && after < m->b)
                return m->b;
        int64_t t = sched_job_next_due(j, after);
        if (t != INT64_MAX)
                *m = (struct due_memo){after, t, known_due(m, after), true};
        return t;
}

int64_t due_memo_prev(struct due_memo *m, const struct sched_job_spec *j, int64_t before)
{
        /* The last due before x in (a, b] is a, when a is a due; before b + 1 it is b. */
        if (m->a_due && m->a < before && before <= m->b)
                return m->a;
        if (m->b_due && before == m->b + 1 && m->a < m->b)
                return m->b;
        int64_t t = sched_job_prev_due(j, before);
        if (t != INT64_MIN)
                *m = (struct due_memo){t, before, true, known_due(m, before)};
        return t;
}
