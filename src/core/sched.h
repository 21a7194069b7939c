/* sched.h: the scheduler's decisions (DESIGN.md §2-§5) as one pure module.
 *
 * A `struct sched` holds the jobs of one tenant and what it knows of their instances.
 * sched_advance() takes the current time (the tenant's scheduling clock) and returns
 * the actions to carry out: create an instance with its due parameters, move an
 * instance to a state with a reason, start it, warn, stop it, give a waiting instance
 * the reason that describes its wait now; and the next time it needs to be asked
 * again. The caller (the daemon, or the simulation of
 * `batchctl plan`) carries the actions out and reports what happened to runs with
 * sched_started()/sched_ended(). The module applies its own actions to its view as it
 * emits them, so the caller never has to echo them back.
 *
 * Pure: no I/O and no clock. Memory: each job keeps the instances that are live or
 * may still govern a child's instance (DESIGN §2.3), not its history; an instance no
 * longer needed is handed to the `retire` callback and freed.
 *
 * The rules chosen where DESIGN.md is silent are written in docs/scheduler.md. */
#ifndef BATCH_CORE_SCHED_H
#define BATCH_CORE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/cron.h"
#include "core/deps.h"
#include "core/pause.h"
#include "core/timeout.h"
#include "core/tz.h"
#include "core/why.h"
#include "core/window.h"

enum sched_catchup { SCHED_CATCHUP_LATEST, SCHED_CATCHUP_ALL, SCHED_CATCHUP_NONE };

/* Dues later than this behind the clock when they are first seen are "missed" and
 * follow the job's catch-up policy. */
#define SCHED_MISFIRE_GRACE_S 60

struct sched_dep {
        size_t parent; /* index of the parent job */
        enum deps_mode mode;
};

/* One job, as the scheduler needs it. Pointers are borrowed and must outlive the
 * sched. */
struct sched_job_spec {
        const char *name;
        bool enabled;
        bool has_cron;                 /* false: instances only by submit, or: */
        bool external_due;             /* due times given by sched_set_next_due (a
                                          `next_due_api` trigger, called by the daemon) */
        struct cron cron;
        const char *cron_text;         /* the expression as written (explanations; may be
                                          NULL) */
        const struct tz *zone;         /* the job's zone (cron, workdays) */
        bool workday_only;
        const struct calendar *calendar; /* NULL: Monday to Friday */
        const char *calendar_name;     /* its name (explanations), or NULL */
        enum window_policy window;
        bool terminate_at_window_end;
        bool allow_multiple;
        size_t ndeps;
        const struct sched_dep *deps;
        int retry_attempts;            /* re-runs after a failure; 0: none */
        int retry_backoff_s;
        double retry_factor;           /* <= 0 taken as 1 */
        enum sched_catchup catchup;
        int estimated_minutes;         /* -1: unset */
        int max_minutes;               /* -1: none */
};

struct sched_tenant {
        const struct tz *zone;         /* the batch window's zone */
        struct window window;
        size_t npauses;
        const struct pause_period *pauses;
        struct timeout_consts timeouts;
};

/* An instance as the scheduler sees it. The caller may read every field and give it an
 * `ext_id` (e.g. the repository's id) with sched_set_ext_id or sched_restore; the rest
 * belongs to the scheduler. */
struct sched_inst {
        /* (The fields the scheduler reads on every decision come first: one cache line.) */
        int64_t id;        /* the scheduler's own id, increasing in creation order */
        size_t job;
        int64_t due;
        int64_t prev_due;  /* start of the dependency interval (prev_due, due] */
        int64_t retry_at;  /* a retry is due then (INT64_MAX: none) */
        uint64_t touched;  /* internal: the advance that last reported it */
        size_t act_at;     /* internal: where its latest action is in that list */
        int state;
        bool scheduled;    /* false: a submit */
        bool warned;
        int stop_cause;    /* internal: why it is being stopped */
        int64_t ext_id;
        int64_t first_due, last_due;
        int64_t created_at;
        int64_t first_start_at; /* when it first started running (Running), or 0 */
        int64_t start_at;  /* when it last started running, or 0 */
        int64_t end_at;    /* when it reached its final state, or 0 */
        int runs;          /* executions so far */
        int retries;       /* retries so far */
        const char *reason; /* never NULL ("": none); the scheduler's own copy, at most
                               SCHED_REASON_MAX - 1 bytes, valid until the next
                               sched_advance after the reason changed (or the instance
                               is freed). In sched_restore's input it is borrowed for
                               the call, NULL: none */
};

/* The longest reason an instance keeps, with its NUL (a longer one is cut). */
#define SCHED_REASON_MAX 128

enum sched_action_kind {
        SCHED_CREATE,     /* a new instance (state Init): persist it */
        SCHED_TRANSITION, /* inst moved from `from` to `to` with `reason` */
        SCHED_START,      /* inst moved from `from` to 2 Starting: launch it */
        SCHED_STOP,       /* inst moved from `from` to 10 Stopping: terminate the run */
        SCHED_WARN,       /* inst ran past its warning time: raise an alert */
        SCHED_REASON,     /* inst stays in 1 Dependency Wait (from = to = 1) but what it
                             waits for changed: record `reason` as its reason */
};

struct sched_action {
        enum sched_action_kind kind;
        struct sched_inst *inst; /* valid until the next call into the sched */
        int from, to;
        const char *reason;      /* the reason it was given (inst->reason while the
                                    instance keeps it, else a copy the list holds), valid
                                    until the next call into the sched or the list's
                                    sched_actions_clear */
};

struct sched_text; /* copies of reasons an instance changed after an earlier action */

struct sched_actions {
        size_t n, cap;
        struct sched_action *items;
        struct sched_text *text;
};

/* Called with every instance the scheduler forgets (final and no longer needed),
 * just before it is freed. A job's instances come in the order of their due times
 * (the oldest is forgotten first, and sched_free hands over the rest in that order). */
typedef void sched_retire_fn(void *arg, const struct sched_inst *inst);

struct sched;

/* Creates a scheduler for njobs jobs (borrowed: `jobs` must outlive the sched) that starts
 * planning at `start`: dues before it are not created (a restarting daemon passes the
 * last due it created instead, see sched_resume_job). Returns 0, BATCH_EINVAL (a
 * dependency index out of range) or BATCH_ENOMEM. Free with sched_free(). */
int sched_new(const struct sched_job_spec *jobs, size_t njobs, const struct sched_tenant *tenant,
              int64_t start, sched_retire_fn *retire, void *retire_arg, struct sched **ret);

/* Frees the scheduler; every instance still held is passed to retire first. */
void sched_free(struct sched *s);

/* Makes *ret a copy of s that goes on from here as s would: the same held instances (ids,
 * states and every field, in memory of its own, each job's in the same places), the same
 * index, timers, due memos, counters and queued transitions. The copy reads the specs
 * `jobs` (borrowed, s's number of jobs) and the settings `tenant` from now on, and hands
 * the instances it retires to `retire`. It acts as a scheduler created with jobs and
 * tenant and driven as s was only when that one would have acted as s did so far: jobs
 * must be the same definitions for the scheduler (fields and dependencies by index), and
 * tenant may differ only in what nothing so far has read; the caller checks that (for
 * pause periods, impact.c's fork_time). The timeouts are computed again from jobs and
 * tenant, as sched_new does. s must not be explaining (sched_set_why): BATCH_EINVAL.
 * Returns 0, BATCH_EINVAL or BATCH_ENOMEM (then nothing is retired and s is untouched).
 * A held instance's copy is found with sched_counterpart. */
int sched_copy(const struct sched *s, const struct sched_job_spec *jobs,
               const struct sched_tenant *tenant, sched_retire_fn *retire, void *retire_arg,
               struct sched **ret);

/* The copy's instance for r, an instance s holds, where copy was made from s by
 * sched_copy and neither has changed since; NULL when s does not hold r. O(instances
 * r's job holds). */
struct sched_inst *sched_counterpart(const struct sched *s, struct sched *copy,
                                     const struct sched_inst *r);

/* Decides what to do at time `now` and appends the actions to *out (which the caller
 * empties between calls with sched_actions_clear and frees with sched_actions_release).
 * Each action keeps the reason it was given, also when the same advance moves its
 * instance on (a failure retried at once: Failed "exit 1", then Init "retry 1 of 3"). Returns
 * 0 or BATCH_ENOMEM. */
int sched_advance(struct sched *s, int64_t now, struct sched_actions *out);

/* The next instant at which sched_advance has something to do on its own (a due
 * time, a window closing, a timeout, a retry), INT64_MAX when nothing. Valid after
 * sched_advance; events the caller reports may bring it forward. */
int64_t sched_next_wakeup(const struct sched *s);

/* Restores an instance a previous scheduler created (read back from the repository when
 * a daemon starts): the fields scheduled, due, first_due, last_due, state, reason,
 * ext_id, created_at, first_start_at, start_at, end_at, runs, retries and retry_at
 * (INT64_MAX: none) of *in are taken; the
 * scheduler gives it its own id. Nothing is reported for it. For a scheduled instance,
 * the job's due times continue after the latest restored one (dues between it and the
 * clock follow the job's catch-up policy), and dues from the earliest restored one on
 * count as planned. Restore every live instance, each job's latest scheduled instance,
 * and the parent instances live children may be governed by. *ret (optional) is the held
 * instance. BATCH_EINVAL for an unknown job or state, BATCH_ENOMEM. */
int sched_restore(struct sched *s, size_t job, const struct sched_inst *in,
                  struct sched_inst **ret);

/* Records a submit of job `job` at `now`; *ret is the new instance (Init), also
 * reported as SCHED_CREATE by the next sched_advance. BATCH_EINVAL for an unknown job. */
int sched_submit(struct sched *s, size_t job, int64_t now, struct sched_inst **ret);

/* Sets the next due time of an external-due job (its `next_due_api` answer). It is
 * acted on like a cron due time; after it is created the job has no next due until
 * the caller sets one again. BATCH_EINVAL when the job is not external-due or `due` is
 * not after the job's last due. */
int sched_set_next_due(struct sched *s, size_t job, int64_t due);

/* The run of inst was confirmed (2 Starting -> 4 Running) at `now`. */
int sched_started(struct sched *s, struct sched_inst *inst, int64_t now);

enum sched_end {
        SCHED_END_SUCCESS,      /* exit status 0 */
        SCHED_END_FAILED,       /* non-zero exit, killed, lost */
        SCHED_END_START_FAILED, /* could not be launched */
        SCHED_END_STOPPED,      /* ended after being stopped */
};

/* The run of inst ended at `now`: the scheduler moves it to its final state (5, 6, 3,
 * or for a stopped run 9 Canceled or 7 Timeout Failed) with `reason` (may be NULL) and
 * plans a retry when the job has one left. BATCH_EINVAL when inst is not running. */
int sched_ended(struct sched *s, struct sched_inst *inst, enum sched_end how, const char *reason,
                int64_t now);

/* Operator actions (DESIGN §3): stop a waiting, starting or running instance; rerun
 * a final one; mark one Manual Success. BATCH_EINVAL when its state does not allow it.
 * The resulting transitions are reported by the next sched_advance. */
int sched_stop(struct sched *s, struct sched_inst *inst, const char *reason, int64_t now);
int sched_rerun(struct sched *s, struct sched_inst *inst, int64_t now);
int sched_mark_success(struct sched *s, struct sched_inst *inst, int64_t now);

/* A stop did not take effect (the kill failed): 10 Stopping -> 11 Stop Failed. */
int sched_stop_failed(struct sched *s, struct sched_inst *inst, int64_t now);

/* The instance with the scheduler's id `id`, or NULL when it was retired. */
struct sched_inst *sched_find(struct sched *s, int64_t id);

/* The held instance whose ext_id is `ext_id` (given by sched_set_ext_id or
 * sched_restore), or NULL. O(1): held instances are indexed by ext_id (ext_id 0 is no
 * id). */
struct sched_inst *sched_find_ext(struct sched *s, int64_t ext_id);

/* Gives the held instance inst the caller's id `ext_id` (non-zero, unique among held
 * instances) and indexes it for sched_find_ext. Returns 0, or BATCH_ENOMEM (the id is
 * set and sched_find_ext falls back to a scan). */
int sched_set_ext_id(struct sched *s, struct sched_inst *inst, int64_t ext_id);

/* The number of instances the scheduler holds (live ones and those kept to govern
 * children). */
size_t sched_held(const struct sched *s);

/* The number of transitions the scheduler has made (creations included). */
uint64_t sched_transitions(const struct sched *s);

/* Empties the list for the next advance, keeping its array; the actions' reasons are
 * no longer valid. */
void sched_actions_clear(struct sched_actions *a);

/* Frees the list's memory (it may be used again as an empty list). */
void sched_actions_release(struct sched_actions *a);

/* Follows the instance w names (why.h): from now on every rule the scheduler applies to
 * it is appended to w's steps as it decides (docs/why.md). w is borrowed and must
 * outlive the sched, or be detached with sched_set_why(s, NULL). */
void sched_set_why(struct sched *s, struct why *w);

/* For tests: with `on`, every advance looks at every job for its dues and decides every
 * job in every pass until a pass changes nothing, instead of following the index of due
 * times, timers and dirty jobs (docs/internals/sched-index.md). The actions are the same
 * either way, only slower: this is the full recomputation the index is tested against.
 * Call it before anything else on s; not with sched_set_why (the extra decisions add
 * steps). */
void sched_set_full_scan(struct sched *s, bool on);

/* The job's next due time after `after` (INT64_MAX when none): its cron fire times,
 * skipping non-workdays for workday-only jobs. */
int64_t sched_job_next_due(const struct sched_job_spec *j, int64_t after);

/* The job's last due time before `before` (INT64_MIN when none). */
int64_t sched_job_prev_due(const struct sched_job_spec *j, int64_t before);

#endif
