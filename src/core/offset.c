/* offset.c: the tenant clock shift. */
#include "offset.h"

int offset_check(const struct time_offset *o, struct batch_err *reterr)
{
        if (o->days < -OFFSET_DAYS_MAX || o->days > OFFSET_DAYS_MAX)
                return batch_err_set(reterr, BATCH_ERANGE, "time_offset.days",
                                     "time_offset.days: %d is out of range -%d to %d", o->days,
                                     OFFSET_DAYS_MAX, OFFSET_DAYS_MAX);
        return 0;
}

int64_t offset_to_scheduling(const struct time_offset *o, int64_t real)
{
        return o->enabled ? real + (int64_t)o->days * 86400 : real;
}

int64_t offset_to_real(const struct time_offset *o, int64_t scheduling)
{
        return o->enabled ? scheduling - (int64_t)o->days * 86400 : scheduling;
}
