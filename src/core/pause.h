/* pause.h: a tenant's pause periods (DESIGN.md §2.2): scheduled instances due
 * inside one are recorded as Timeout Skip. Pure. */
#ifndef BATCH_CORE_PAUSE_H
#define BATCH_CORE_PAUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAUSE_REASON "scheduling paused"

struct pause_period {
        int64_t from; /* inclusive, Unix seconds */
        int64_t to;   /* exclusive */
};

/* True when due time t falls in one of the n periods [from, to). */
bool pause_contains(const struct pause_period *p, size_t n, int64_t t);

/* The reason a scheduled instance due at t is skipped (PAUSE_REASON), or NULL. */
const char *pause_admit(const struct pause_period *p, size_t n, int64_t t);

#endif
