/* whyplan.h: answers "why did, or will, job J run, wait or not run at time T" (issue 24,
 * docs/why.md) with the simulation behind `batchctl plan` (simulate.h) following one
 * instance (why.h): the explanation is what the scheduler's rules did in that
 * simulation, step by step, not a second reading of the rules.
 *
 * Only the job and its ancestors (parents, their parents, ...) are simulated: nothing
 * else can change what happens to the job's instances. Pure: no I/O, no clock. */
#ifndef BATCH_CORE_WHYPLAN_H
#define BATCH_CORE_WHYPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/offset.h"
#include "core/simulate.h"
#include "core/why.h"

/* How far after the due time (or after the start of the forecast, when later) the
 * forecast follows an instance at most. */
#define WHY_FOLLOW_MAX_S (7 * 86400)

struct why_query {
        const struct sched_job_spec *jobs; /* the tenant's jobs (sched.h), borrowed */
        size_t njobs;
        const struct sched_tenant *tenant;
        const struct time_offset *offset;  /* the tenant's time offset, or NULL */
        size_t job;                        /* the job asked about */
        int64_t at;                        /* the time asked about (scheduling clock) */
        int64_t ext_id;                    /* non-zero: explain the restored instance with
                                              this ext_id instead (`at` is ignored) */
        int64_t start;                     /* where the simulation starts; INT64_MIN: at the
                                              job's previous due time (so that its previous
                                              instance and the parents' instances that
                                              govern the due time are simulated) */
        const struct sim_restore *restore; /* instances the simulation starts with */
        size_t nrestore;
        const struct sim_outcome *outcomes; /* how runs go (simulate.h); default: each takes
                                               its job's estimated_minutes and succeeds */
        size_t noutcomes;
};

struct why_answer {
        int64_t due;          /* the due time explained; INT64_MAX when none */
        bool at_is_due;       /* `at` is one of the job's due times */
        int64_t from, to;     /* the simulated period; both 0 when nothing was simulated */
        bool has_row;         /* the instance was created (or restored): */
        struct sim_row row;   /* it, as the simulation left it (row.job is q->job) */
        struct why why;       /* the steps in order (why.steps[0..why.n)) */
};

/* Explains q into *ret (release with why_answer_release, also after an error). For a job
 * that creates no instances by its trigger (disabled, manual, next_due_api) or is never
 * due again, the answer is one step and nothing is simulated. Otherwise the due time is
 * `at` when it is one, else the next one after it, preceded by the steps that say why
 * nothing was due earlier (the cron's fire times and, for workday-only jobs, the days
 * the calendar skipped). Returns 0, BATCH_EINVAL (job out of range, or no restored
 * instance has ext_id) or BATCH_ENOMEM. */
int why_explain(const struct why_query *q, struct why_answer *ret);

void why_answer_release(struct why_answer *a);


#endif
