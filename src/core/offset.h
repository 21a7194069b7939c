/* offset.h: the tenant's time offset for future-date testing (DESIGN.md §2.2,
 * seed 001): when enabled, the tenant's scheduling clock is real time plus a whole
 * number of days. Pure. */
#ifndef BATCH_CORE_OFFSET_H
#define BATCH_CORE_OFFSET_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define OFFSET_DAYS_MAX 36500

struct time_offset {
        bool enabled;
        int days; /* |days| <= OFFSET_DAYS_MAX */
};

/* Returns 0 when the offset is valid, else BATCH_ERANGE with a message naming
 * time_offset.days and the limit. */
int offset_check(const struct time_offset *o, struct batch_err *reterr);

/* The tenant's scheduling time at real instant t (t itself when disabled). */
int64_t offset_to_scheduling(const struct time_offset *o, int64_t real);

/* The real instant at which the tenant's clock shows `scheduling` (for timers). */
int64_t offset_to_real(const struct time_offset *o, int64_t scheduling);

#endif
