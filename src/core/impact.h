/* impact.h: what a change of definitions does to the schedule (issue 24, docs/why.md):
 * the difference between two plans of the same period (simulate.h), one with the current
 * definitions and one with the new ones — runs added, removed, moved, newly skipped, new
 * waits. Instances are matched by job name and due time. Pure. */
#ifndef BATCH_CORE_IMPACT_H
#define BATCH_CORE_IMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "core/simulate.h"

enum impact_kind {
        IMPACT_ADDED,         /* a due time only the new plan has */
        IMPACT_REMOVED,       /* a due time only the current plan has */
        IMPACT_NEWLY_SKIPPED, /* ends in 8 Timeout Skip now, and did not before */
        IMPACT_NEW_WAIT,      /* waits (1 Dependency Wait) now, and did not before */
        IMPACT_MOVED,         /* starts at another time */
        IMPACT_STATE,         /* ends in another state (e.g. no longer skipped) */
        IMPACT_X_MAX,
};

/* One plan: its rows and the names of its jobs (rows[i].job indexes names). Borrowed. */
struct impact_plan {
        const struct sim_result *res;
        const char *const *names;
};

/* One difference. Pointers borrow from the plans. */
struct impact_change {
        enum impact_kind kind;
        const char *job;
        int64_t due;
        const struct sim_row *before; /* NULL for IMPACT_ADDED */
        const struct sim_row *after;  /* NULL for IMPACT_REMOVED */
};

struct impact {
        size_t n;
        struct impact_change *items;  /* by due time, then job name */
        size_t count[IMPACT_X_MAX];
};

/* Compares the plans' scheduled instances (submits are left out) and fills *ret with one
 * change per instance that differs, the first that applies of: added, removed, newly
 * skipped, new wait, moved, state. Returns 0 or BATCH_ENOMEM. Release with
 * impact_release. */
int impact_compare(const struct impact_plan *before, const struct impact_plan *after,
                   struct impact *ret);

void impact_release(struct impact *im);

/* The kind's word: "added", "removed", "newly_skipped", "new_wait", "moved", "state". */
const char *impact_kind_name(enum impact_kind k);

#endif
