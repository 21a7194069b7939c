/* subset.h: a part of a tenant's jobs as a scheduler input of its own (sched.h): some jobs
 * and all their ancestors (parents, their parents, ...), with the dependencies renumbered.
 * What happens to a job's instances depends only on its own definition, its ancestors'
 * and the tenant's settings, so simulating such a part gives those jobs exactly the
 * instances a simulation of every job gives them (why, impact: docs/why.md). Pure. */
#ifndef BATCH_CORE_SUBSET_H
#define BATCH_CORE_SUBSET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sched.h"

struct sched_subset {
        size_t n;
        size_t *old_of;               /* new index -> old, ascending */
        long *new_of;                 /* old index -> new, -1 when left out */
        struct sched_job_spec *jobs;  /* copies, deps pointing into `deps` */
        struct sched_dep *deps;
};

/* Keeps the jobs i with keep[i] and their ancestors, in their original order. Returns 0,
 * BATCH_EINVAL (a parent index out of range) or BATCH_ENOMEM; release *ret with
 * sched_subset_release in every case. */
int sched_subset_build(const struct sched_job_spec *jobs, size_t njobs, const bool *keep,
                       struct sched_subset *ret);

void sched_subset_release(struct sched_subset *s);

#endif
