/* springbatch.h: Spring Batch's job repository (BATCH_JOB_INSTANCE, BATCH_JOB_EXECUTION,
 * BATCH_JOB_EXECUTION_PARAMS, BATCH_STEP_EXECUTION) as batchd's past instances, for
 * `batchctl import spring-batch` (docs/import.md, "Spring Batch"): the rows as read
 * (springdb.c reads them from SQLite or PostgreSQL), and the pure rules that turn them into
 * batchd instances, executions, step executions and job definitions.
 *
 * Ownership: a `struct sb_history` owns everything in it; sb_history_release() frees it. */
#ifndef BATCH_IMPORT_SPRINGBATCH_H
#define BATCH_IMPORT_SPRINGBATCH_H

#include <stdint.h>

#include "core/tz.h"
#include "import/import.h"

/* A step execution, with Spring Batch's eight counts in batchd's order (store_step). */
struct sb_step {
        char *name;
        char *status;        /* batchd's: STARTED, COMPLETED, FAILED or STOPPED */
        int64_t start, end;  /* Unix seconds; end 0 when unknown */
        int64_t read_count, write_count, commit_count, rollback_count;
        int64_t read_skip_count, process_skip_count, write_skip_count, filter_count;
        char *exit_message;  /* or NULL */
};

/* A job execution: one run (attempt) of a job instance. */
struct sb_exec {
        int64_t id;          /* JOB_EXECUTION_ID */
        int64_t create, start, end; /* Unix seconds; 0 when NULL */
        char *status;        /* Spring Batch's BatchStatus */
        char *exit_code;
        char *exit_message;
        size_t nsteps;
        struct sb_step *steps;
};

/* A job instance: a job and its identifying parameters, run by one or more executions. */
struct sb_instance {
        int64_t id;          /* JOB_INSTANCE_ID */
        char *job;           /* JOB_NAME */
        char *batchd_job;    /* the batchd job it belongs to (set by import_spring_jobs) */
        struct def_map params; /* identifying parameters of its first execution */
        int state;           /* batchd's final state (set by import_spring_jobs); -1: not imported */
        char *reason;        /* the reason recorded with it */
        size_t nexecs;
        struct sb_exec *execs; /* by JOB_EXECUTION_ID */
};

struct sb_history {
        size_t n;
        struct sb_instance *items; /* by JOB_INSTANCE_ID */
};

void sb_history_release(struct sb_history *h);

/* A Spring Batch timestamp as read: "YYYY-MM-DD HH:MM:SS[.fraction]" (also with 'T'),
 * the wall-clock time of the JVM's zone `z`, or a whole number of milliseconds since
 * 1970 (how SQLite's JDBC driver stores a timestamp by default), which is an instant.
 * Sets *ret (Unix seconds; a wall time in a DST gap gives the first instant after it,
 * one that occurs twice its first occurrence). Returns 0 or BATCH_ESYNTAX. */
int import_spring_time(const char *text, const struct tz *z, int64_t *ret);

/* batchd's step status for Spring Batch's BatchStatus of a step. */
const char *import_spring_step_status(const char *status);

/* batchd's final state of an instance whose last execution has BatchStatus `status`
 * (COMPLETED 5, FAILED 6, STOPPED 9, ABANDONED 9), or -1 for one that has not ended
 * (STARTING, STARTED, STOPPING, UNKNOWN). *reason (static) says what it was. */
int import_spring_state(const char *status, const char **reason);

/* One job definition per JOB_NAME (manual, an http job of o->service with remote_job =
 * JOB_NAME), notes for the instances that are not imported, and each instance's
 * batchd_job, state and reason. `source` names the repository in the report. Returns 0
 * or BATCH_ENOMEM. */
int import_spring_jobs(struct sb_history *h, const char *source, const struct import_opts *o,
                       struct import_result *r);

#endif
