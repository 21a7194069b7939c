/* timeout.c: §5 arithmetic, in whole minutes as the seed computes it. */
#include "timeout.h"

void timeout_consts_default(struct timeout_consts *k)
{
        k->estimate_multiple = TIMEOUT_ESTIMATE_MULTIPLE;
        k->min_execute_minutes = TIMEOUT_MIN_EXECUTE_MINUTES;
}

void timeout_plan_compute(int estimated_minutes, int max_minutes, const struct timeout_consts *k,
                          struct timeout_plan *out)
{
        long est = estimated_minutes < 0 ? 1 : estimated_minutes;
        long warn = est * k->estimate_multiple;
        if (warn < k->min_execute_minutes)
                warn = k->min_execute_minutes;
        int fail = max_minutes > 0 ? max_minutes : -1;
        if (fail >= 0 && fail < warn)
                warn = fail / 3 * 2;
        out->warn_minutes = (int)warn;
        out->fail_minutes = fail;
        out->warn_alert = !(fail >= 0 && fail < TIMEOUT_NO_WARNING_BELOW);
}

int64_t timeout_warn_at(const struct timeout_plan *p, int64_t start)
{
        return p->warn_alert ? start + (int64_t)p->warn_minutes * 60 : INT64_MAX;
}

int64_t timeout_fail_at(const struct timeout_plan *p, int64_t start)
{
        return p->fail_minutes >= 0 ? start + (int64_t)p->fail_minutes * 60 : INT64_MAX;
}
