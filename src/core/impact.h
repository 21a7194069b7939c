/* impact.h: what a change of definitions does to the schedule (issue 24, docs/why.md):
 * the difference between two plans of the same period (simulate.h), one with the current
 * definitions and one with the new ones — runs added, removed, moved, newly skipped, new
 * waits. Instances are matched by job name and due time. Pure. */
#ifndef BATCH_CORE_IMPACT_H
#define BATCH_CORE_IMPACT_H

#include <stdbool.h>
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

/* One plan: its rows (as sim_run_params gives them) and the names of its jobs
 * (rows[i].job indexes names; names are unique), and which jobs to compare (NULL: all).
 * Borrowed. */
struct impact_plan {
        const struct sim_result *res;
        const char *const *names;
        const bool *only;
};

/* One difference. Its rows are those of the impact it belongs to (before, after). */
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
        /* The rows the items point into (of the differences only), with their waits: */
        struct sim_result before, after;
        /* Held by impact_run: */
        const char **names_before, **names_after;
        bool *only_before, *only_after;
        size_t affected;              /* jobs whose instances may differ (by name) */
        size_t simulated_before, simulated_after; /* jobs simulated: those and their ancestors */
        size_t rows;                  /* instances the two plans made (of the jobs simulated) */
};

/* One side of impact_run: a tenant's jobs (sched.h) and the period to plan. Borrowed. */
struct impact_input {
        const struct sched_job_spec *jobs;
        size_t njobs;
        const struct sched_tenant *tenant;
        int64_t from, to;
};

/* Compares the plans' scheduled instances (submits are left out) and fills *ret with one
 * change per instance that differs, the first that applies of: added, removed, newly
 * skipped, new wait, moved, state. Returns 0 or BATCH_ENOMEM. Release with
 * impact_release. */
int impact_compare(const struct impact_plan *before, const struct impact_plan *after,
                   struct impact *ret);

/* Plans both sides with the simulation (every run taking its job's estimated_minutes and
 * succeeding) and compares them into *ret (release with impact_release). The two plans
 * are simulated side by side and compared as their instances come (impactcmp.h), so
 * neither is kept: memory grows with the differences, not the plans. Only the jobs a
 * change can affect are simulated and compared: jobs whose definition differs (matched by
 * name; a job only one side has counts as changed), the jobs a change of the tenant's
 * settings concerns (a window change: jobs with a window policy; pauses: every scheduled
 * job; timeout constants: jobs with max_minutes) and, on either side, their descendants,
 * together with their ancestors (subset.h). Returns 0, BATCH_EINVAL (a dependency out of range) or
 * BATCH_ENOMEM. */
int impact_run(const struct impact_input *before, const struct impact_input *after,
               struct impact *ret);

void impact_release(struct impact *im);

/* The kind's word: "added", "removed", "newly_skipped", "new_wait", "moved", "state". */
const char *impact_kind_name(enum impact_kind k);

#endif
