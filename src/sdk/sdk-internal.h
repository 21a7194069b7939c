/* sdk-internal.h: libbatch's private structures, shared by the files of src/sdk/.
 * Nothing here is installed; the public contract is include/batch.h. */
#ifndef BATCH_SDK_INTERNAL_H
#define BATCH_SDK_INTERNAL_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "batch.h"
#include "store/store.h"

#define SDK_NAME_MAX 64
#define SDK_EXIT_MAX 32
#define SDK_JOB_CHECKPOINT "@job" /* the job's own checkpoint row (flow generation, status) */

enum sdk_step_kind { SDK_STEP_CHUNK, SDK_STEP_TASKLET, SDK_STEP_PARTITIONED };

struct batch_step {
        enum sdk_step_kind kind;
        char name[SDK_NAME_MAX];
        struct batch_reader reader;
        struct batch_processor processor;
        bool has_processor;
        struct batch_writer writer;
        unsigned commit_interval;
        int64_t skip_limit;
        struct batch_retry_policy retry;
        batch_tasklet_cb tasklet;
        void *tasklet_ud;
        void (*tasklet_destroy)(void *ud);
        /* partitioned steps; and, in a partition's own step, which one it is */
        unsigned partitions, threads;
        batch_partition_cb partition_fn;
        unsigned partition;
        char message[256];       /* why the last run of this step failed ("" if it did not) */
};

struct sdk_transition {
        char from[SDK_NAME_MAX];
        char pattern[SDK_NAME_MAX];
        char to[SDK_NAME_MAX];
};

struct batch_job {
        char name[SDK_NAME_MAX];
        struct batch_step **steps;
        size_t nsteps;
        struct sdk_transition *trans;
        size_t ntrans;
        struct batch_listener *listeners;
        size_t nlisteners;
        struct batch_http *http; /* borrowed: its counters go with the step records */
};

/* The state of one run (one execution of an instance). */
struct sdk_run {
        struct batch_job *job;
        const struct batch_run_opts *opts;
        struct store *st;
        const char *tenant;
        int64_t instance_id;
        int64_t execution_id;
        int64_t gen;             /* flow generation: checkpoints of older ones are ignored */
        int64_t request_after;   /* stop requests with larger ids count */
        int64_t next_poll_us;    /* monotonic time of the next look for a stop request */
        bool stop;               /* a stop was seen */
        struct batch_counts total;
        int64_t started_mono_us; /* when this execution started (items per minute) */
};

/* The context handed to callbacks. */
struct batch_ctx {
        struct sdk_run *run;
        struct batch_step *step;
        struct batch_counts counts;
        char *state;             /* saved state (malloc'ed) or NULL */
        char exit[SDK_EXIT_MAX];
        unsigned partition, npartitions;
};

/* The checkpoint of a step as stored (src/sdk/checkpoint.c). */
struct sdk_checkpoint {
        int64_t gen;
        bool done;
        char exit[SDK_EXIT_MAX];
        char *reader;            /* reader position, or NULL */
        char *writer;            /* writer position, or NULL */
        char *state;             /* saved state, or NULL */
};

/* True when s is text a checkpoint can hold (valid UTF-8, as JSON strings must be). */
bool sdk_text_ok(const char *s);
/* Encodes cp as text (malloc'ed in *ret). BATCH_EINVAL when the reader's position, the
 * writer's, the state or the exit status is not valid UTF-8; BATCH_ENOMEM. */
int sdk_checkpoint_encode(const struct sdk_checkpoint *cp, char **ret);
/* The same text as sdk_checkpoint_encode, written into out (cap bytes, NUL included)
 * without allocating, when every string in cp is ASCII and the text fits: its length, or
 * -1 (then use sdk_checkpoint_encode). */
ptrdiff_t sdk_checkpoint_encode_ascii(const struct sdk_checkpoint *cp, char *out, size_t cap);
/* Decodes text into *cp (fields malloc'ed; release with sdk_checkpoint_release).
 * BATCH_EFORMAT for text that is not a checkpoint (also: an exit status longer than
 * SDK_EXIT_MAX - 1 bytes, which no program can have set). */
int sdk_checkpoint_decode(const char *text, struct sdk_checkpoint *cp, struct batch_err *reterr);
void sdk_checkpoint_release(struct sdk_checkpoint *cp);

/* Monotonic and wall clocks, microseconds / seconds. */
int64_t sdk_mono_us(void);
int64_t sdk_wall_s(void);

/* The delay before retry number `attempt` (1 = the first retry) under policy p, with
 * jitter drawn from *seed. */
int64_t sdk_backoff_us(const struct batch_retry_policy *p, unsigned attempt, uint64_t *seed);
/* Sleeps us microseconds, waking early when a stop is requested. */
void sdk_sleep_us(int64_t us);
/* The default retry policy. */
void sdk_retry_default(struct batch_retry_policy *p);

/* Stop: the process-wide flag set by batch_request_stop() and the signal handler. */
extern volatile sig_atomic_t sdk_stop_flag;
/* True when this run should stop after the current chunk: the flag, or (at most every
 * stop_poll_us) a stop request for the instance in the repository. */
bool sdk_stop_requested(struct sdk_run *run);

/* Runs one step; *ret_exit gets its exit status (COMPLETED, FAILED, STOPPED or the
 * program's own). Returns 0 when the step ran to one of those ends, or a negative code
 * when the repository failed (the step is then left as it is). */
int sdk_chunk_step_run(struct sdk_run *run, struct batch_step *step,
                       const struct sdk_checkpoint *cp, char ret_exit[SDK_EXIT_MAX],
                       struct batch_err *reterr);
int sdk_partitioned_step_run(struct sdk_run *run, struct batch_step *step,
                             char ret_exit[SDK_EXIT_MAX], struct batch_err *reterr);
int sdk_tasklet_step_run(struct sdk_run *run, struct batch_step *step,
                         const struct sdk_checkpoint *cp, char ret_exit[SDK_EXIT_MAX],
                         struct batch_err *reterr);

/* Frees a step and its readers', processors' and writers' ud (NULL is ignored). */
struct batch_step *sdk_step_free(struct batch_step *st);

/* Runs step `st` of the run: skipped when its checkpoint (of this generation) says it
 * completed, else resumed from it. */
int sdk_run_step(struct sdk_run *run, struct batch_step *st, char exit[SDK_EXIT_MAX],
                 struct batch_err *reterr);

/* Records the step execution row (status and counts) — inside the caller's transaction
 * when there is one. */
int sdk_step_record(struct sdk_run *run, struct batch_ctx *ctx, const char *status,
                    const char *message, struct batch_err *reterr);
/* Writes the step's checkpoint row. */
int sdk_checkpoint_save(struct sdk_run *run, const char *step, const struct sdk_checkpoint *cp,
                        struct batch_err *reterr);

/* Adds a dead letter for the step (inside the caller's transaction). */
int sdk_dead_letter(struct sdk_run *run, const char *step, const char *item, const char *error,
                    struct batch_err *reterr);

/* Listener fan-out. */
void sdk_emit_before_step(struct sdk_run *run, struct batch_ctx *ctx);
void sdk_emit_after_step(struct sdk_run *run, struct batch_ctx *ctx, const char *exit);
void sdk_emit_before_chunk(struct sdk_run *run, struct batch_ctx *ctx);
void sdk_emit_after_chunk(struct sdk_run *run, struct batch_ctx *ctx, bool committed);
void sdk_emit_skip(struct sdk_run *run, struct batch_ctx *ctx, enum batch_skip_kind kind,
                   const char *item, const struct batch_err *err);

/* The step record's metrics (src/sdk/http.c): the client's counters and the items per
 * minute of counts c over elapsed_us, as one JSON object in out. */
void sdk_http_metrics_json(struct batch_http *h, const struct batch_counts *c, int64_t elapsed_us,
                           char *out, size_t outlen);

/* Adds counts b into a. */
void sdk_counts_add(struct batch_counts *a, const struct batch_counts *b);

/* strdup that tolerates NULL. */
char *sdk_strdup(const char *s);

#endif
