/* simulate.h: runs the scheduler (sched.h) against a simulated clock over a period,
 * treating every run as taking a given time and ending as told: the forecast of
 * `batchctl plan` and the test oracle of the daemon. Pure. */
#ifndef BATCH_CORE_SIMULATE_H
#define BATCH_CORE_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sched.h"

/* What a job's runs do: for all of its runs, or (has_due) only for the run due at
 * `due`. A run-specific outcome wins over a job-wide one, field by field. */
struct sim_outcome {
        size_t job;
        bool has_due;
        int64_t due;
        int minutes;      /* < 0: not set (the job's estimated_minutes, default 1) */
        int result;       /* -1: not set; else SCHED_END_SUCCESS or SCHED_END_FAILED */
};

/* One instance as the simulation ended it. */
struct sim_row {
        int64_t id;
        size_t job;
        bool scheduled;
        int64_t due, first_due, last_due;
        int64_t start;    /* when its first run started, 0 when it never ran */
        int64_t end;      /* when it reached its final state, 0 when it did not */
        int state;
        int runs;
        char reason[SCHED_REASON_MAX];
        uint32_t wait;          /* 1 + the index in the result's waits of its first wait
                                   (1 Dependency Wait); 0 when it never waited, or when
                                   waits were not recorded (sim_params.waits) */
};

/* An instance's first wait: when it began and the reason it began with. */
struct sim_wait {
        int64_t since;
        char reason[SCHED_REASON_MAX];
};

struct sim_result {
        size_t n;
        struct sim_row *rows;   /* by due time, then start, then creation */
        uint64_t transitions;   /* transitions made by the scheduler */
        size_t peak_held;       /* most instances the scheduler held at once */
        size_t nwaits;
        struct sim_wait *waits; /* the first waits of the rows that waited (sim_row.wait) */
};

/* The order of a result's rows (sim_result.rows), for a caller that keeps streamed rows
 * (sim_params.row) and sorts them itself: <0 when the row with due time due_a, first
 * start start_a (0: never started, which sorts last) and id id_a comes first, >0 when
 * the other does, 0 for the same row. */
int sim_row_order(int64_t due_a, int64_t start_a, int64_t id_a, int64_t due_b, int64_t start_b,
                  int64_t id_b);

/* The first wait of row w of r, or NULL when it never waited. */
const struct sim_wait *sim_row_wait(const struct sim_result *r, const struct sim_row *w);

/* Simulates [from, to] and fills *ret (freed with sim_result_release). Returns 0,
 * BATCH_EINVAL (bad job index in an outcome or dependency) or BATCH_ENOMEM. */
int sim_run(const struct sched_job_spec *jobs, size_t njobs, const struct sched_tenant *tenant,
            int64_t from, int64_t to, const struct sim_outcome *outcomes, size_t noutcomes,
            struct sim_result *ret);

/* An instance the simulation starts with (read from a repository): the fields of `inst`
 * that sched_restore takes. A run in flight (2 Starting, 4 Running) ends, in the
 * simulation, when its outcome says, counted from inst.start_at (from `from` for 2
 * Starting), and not before `from`; a run being stopped (10, 11) ends at `from`. */
struct sim_restore {
        size_t job;
        struct sched_inst inst;         /* (inst.reason is not read: `reason` is) */
        char reason[SCHED_REASON_MAX];
};

/* Takes each instance as it leaves the simulation (sim_params.row), instead of the
 * result keeping it: a job's rows come in the order of their due times (sched.h's retire
 * order). `wait` is the row's first wait, or NULL. Both are borrowed for the call. */
typedef void sim_row_fn(void *arg, const struct sim_row *row, const struct sim_wait *wait);

/* Everything sim_run takes, and more (borrowed for the call). */
struct sim_params {
        const struct sched_job_spec *jobs;
        size_t njobs;
        const struct sched_tenant *tenant;
        int64_t from, to;
        const struct sim_outcome *outcomes;
        size_t noutcomes;
        const struct sim_restore *restore; /* restored in order before the first advance */
        size_t nrestore;
        struct why *why;   /* follow this instance (why.h); NULL: none. The simulation then
                              stops as soon as it reached a final state. */
        bool waits;        /* record each instance's first wait (sim_row.wait); sim_run
                              does not (a plan prints no such column) */
        sim_row_fn *row;   /* streaming: each row to row(row_arg, ...), none kept in the
                              result (its n is 0); NULL: kept */
        void *row_arg;
};

/* sim_run with restored instances and an explanation. Same returns; BATCH_EINVAL also
 * for a restore entry sched_restore refuses. */
int sim_run_params(const struct sim_params *p, struct sim_result *ret);

/* The same simulation served a period at a time, e.g. two plans side by side in
 * simulated time (impact.c). sim_begin creates the scheduler and restores p's instances
 * (p is copied; what it points to is borrowed until sim_finish); sim_step serves every instant
 * up to `until` (never past p->to); sim_finish retires every instance still held, fills
 * *ret as sim_run_params does, and frees the simulation (also after an error).
 * sim_run_params(p) is sim_begin(p), sim_step(INT64_MAX), sim_finish. sim_begin returns
 * 0, BATCH_EINVAL or BATCH_ENOMEM; sim_step and sim_finish 0 or the run's first error
 * (after which sim_step serves nothing more). */
struct sim;
int sim_begin(const struct sim_params *p, struct sim **ret);
int sim_step(struct sim *sim, int64_t until);
/* True when nothing is left to serve: p->to is passed, an explained instance is final,
 * or an error stopped the run. */
bool sim_done(const struct sim *sim);
int sim_finish(struct sim *sim, struct sim_result *ret);

/* Makes *ret a second simulation that goes on from where `sim` is (between two sim_step
 * calls) as sim would, but with p's jobs, tenant, outcomes and row callback: the same
 * instances (sched_copy), runs in flight, first waits and instant to serve. For two plans
 * that are the same so far (impact.c serves their common start once): p's jobs must be
 * sim's for the scheduler, and what differs (p's tenant, outcomes) must not have acted on
 * anything sim served; the caller checks that (sched_copy's contract). Both sim and p
 * must stream their rows (p->row), with the same from, to, waits and number of jobs;
 * sim must not be explaining (p->why) nor have failed. sim is not changed. Returns 0,
 * BATCH_EINVAL or BATCH_ENOMEM. */
int sim_fork(const struct sim *sim, const struct sim_params *p, struct sim **ret);

/* From now on, sim's rows go to row(row_arg, ...) (a streamed simulation only: nothing
 * when sim was begun without p->row). */
void sim_set_row(struct sim *sim, sim_row_fn *row, void *row_arg);

void sim_result_release(struct sim_result *r);

#endif
