/* model.h: builds the scheduler's view of one tenant (core/sched.h) from loaded
 * definitions (defs/defs.h): cron expressions parsed, zones loaded from the system's
 * zoneinfo, calendars, dependencies as job indexes, the tenant's window, pauses and
 * timeout constants. This is an edge (it reads zoneinfo); the scheduler itself is pure.
 *
 * Jobs are in name order. A job with a `next_due_api` trigger is external-due: its due
 * times come from an HTTP call the daemon makes and hands to sched_set_next_due (so it
 * has none in `batchctl plan`). */
#ifndef BATCH_SCHED_MODEL_H
#define BATCH_SCHED_MODEL_H

#include <stddef.h>

#include "common/err.h"
#include "core/offset.h"
#include "core/sched.h"
#include "defs/defs.h"

struct sched_model {
        size_t njobs;
        struct sched_job_spec *jobs;        /* names borrowed from the defset */
        const struct job_def **defs;        /* defs[i] is the definition of jobs[i] */
        struct sched_dep *deps;             /* all jobs' dependencies */
        size_t ncalendars;
        struct calendar *calendars;
        struct pause_period *pauses;
        struct sched_tenant tenant;
        struct time_offset offset;          /* the tenant's clock = real time + offset */
        const char *scheduler_user;         /* who submits its scheduled runs (borrowed
                                               from the defset, or SETTINGS_SCHEDULER_USER) */
};

/* Builds the model of tenant `tenant` (NULL: "default") from *set, which must outlive
 * the model and should have passed defs_validate(). Errors, with the job and key in
 * reterr: BATCH_ESYNTAX (a cron expression), BATCH_ENOZONE (a zone), BATCH_ENOENT (an
 * unknown parent or calendar), BATCH_ENOMEM. */
int sched_model_build(const struct defset *set, const char *tenant, struct sched_model *ret,
                      struct batch_err *reterr);

/* The index of job `name` in the model, or -1. */
long sched_model_find(const struct sched_model *m, const char *name);

void sched_model_release(struct sched_model *m);

#endif
