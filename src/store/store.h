/* store.h: the job repository behind one interface (STYLE.md §F): a table of
 * function pointers per backend, and wrappers the rest of the code calls.
 *
 * Backends are chosen by the DSN: a path (or "sqlite:PATH") opens the embedded
 * SQLite backend; "postgresql://" or "postgres://" names the PostgreSQL backend.
 * Storage never reads the clock: every write takes the time (`now_s`, Unix seconds)
 * from the caller. Strings returned in structs are owned by the caller and freed
 * with the matching *_release(). Errors: 0 or a negative BATCH_E* code, with detail
 * in the optional reterr. Not thread-safe: one store per thread. */
#ifndef BATCH_STORE_STORE_H
#define BATCH_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The schema version this code writes and understands. */
#define STORE_SCHEMA_VERSION 17

struct store;

/* A definition (job, calendar or settings) as stored: its canonical text
 * (src/defs/emit.h) and version. */
struct store_def {
        char *tenant;
        char *kind;       /* "job", "calendar" or "settings" */
        char *name;       /* for settings, the tenant's name */
        int64_t version;  /* 1, 2, ... per object; a deletion is a version too */
        char *spec;       /* canonical text; NULL for a deletion in the history */
        char *changed;    /* in the history: the changed keys, comma-separated */
        int64_t changed_at;
        char *changed_by;
};

struct store_def_list {
        size_t n;
        struct store_def *items;
};

/* A job instance (DESIGN.md §3): one per job and due time for scheduled runs, one
 * per submit otherwise. Times are Unix seconds. */
struct store_instance {
        int64_t id;
        char *tenant;
        char *job;
        bool scheduled;     /* false: a submit, with no due-time slot */
        int64_t due;        /* DueTime (the submit time for a submit) */
        int64_t first_due;  /* FirstDueTime */
        int64_t last_due;   /* LastDueTime */
        int state;          /* enum instance_state */
        char *reason;       /* reason of the last transition, or NULL */
        char *params;       /* parameters as text (JSON object), or NULL */
        char *trace_id;
        int64_t created_at;
        int64_t updated_at;
        char *process_date; /* the business date it processes ("YYYY-MM-DD", or an operator's
                               ProcessDate parameter), fixed by its creator; NULL for an
                               instance created without one (before migration 10) */
        int64_t skip_count; /* read-skip + process-skip + write-skip over the step executions
                               of all its executions; > 0 is DESIGN §8's "has failure" (a
                               data failure). Filled by get and list; create ignores it. */
};

struct store_instance_list {
        size_t n;
        struct store_instance *items;
};

/* Which instances store_instance_list returns, ordered by id (creation order). */
struct store_instance_filter {
        const char *tenant;  /* required */
        const char *job;     /* NULL: every job */
        int state;           /* -1: every state */
        bool has_due_range;  /* with due_from <= due < due_to */
        int64_t due_from, due_to;
        int64_t after_id;    /* keyset cursor: ids greater than this (0: from the start);
                                with newest_first: ids smaller than this (0: from the end) */
        unsigned limit;      /* 0: 100; at most 10000 */
        bool live_only;      /* only instances not in a final state (0, 1, 2, 4, 10, 11) */
        bool scheduled_only; /* only scheduled instances (no submits) */
        bool newest_first;   /* by id descending */
        bool by_due;         /* newest due first: by due time descending, then id
                                descending (newest_first is ignored); the keyset cursor
                                is (after_due, after_id): rows before it in that order */
        int64_t after_due;   /* with by_due and after_id != 0 */
        bool failed_only;    /* only failed instances: in Start Failed, Failed, Timeout
                                Failed or Stop Failed now (3, 6, 7, 11) */
        bool has_failure;    /* only instances with a data failure: skip_count > 0 */
        const char *created_by; /* NULL: anyone; else only instances whose creation was
                                   recorded with this actor ("token:NAME", "batchctl") */
};

/* One recorded state change of an instance. */
struct store_transition {
        int64_t at;
        int from_state; /* -1 for the creation */
        int to_state;
        char *actor;
        char *reason;
};

/* One state change (a recorded transition) of an instance, as the API's event stream
 * sends it: id is the transition's, rising with every change of any tenant. */
struct store_change {
        int64_t id;
        int64_t instance_id;
        char *job;
        int from_state; /* -1 for the creation */
        int to_state;
        int64_t at;
};

struct store_change_list {
        size_t n;
        struct store_change *items;
};

struct store_transition_list {
        size_t n;
        struct store_transition *items;
};

/* One execution (attempt) of an instance: each run, rerun or retry is one. */
struct store_execution {
        int64_t id;
        int64_t instance_id;
        int attempt;        /* 1, 2, ... per instance */
        char *node;         /* the node that runs it, or NULL */
        int64_t pid;        /* process id of the run (or its supervisor), 0 when none */
        char *log_path;     /* where its output goes, or NULL */
        int64_t started_at;
        bool finished;
        int64_t finished_at;
        int exit_status;    /* when finished: the exit status, or -signal */
        char *error;        /* when finished: why it failed to start or was lost, or NULL */
};

struct store_execution_list {
        size_t n;
        struct store_execution *items;
};

/* A step execution of an execution (DESIGN §7), with Spring Batch's eight counts.
 * A partition of a partitioned step is a step of its own, named "STEP:N". */
struct store_step {
        int64_t id;
        int64_t execution_id;
        char *name;
        char *status;       /* "STARTED", "COMPLETED", "FAILED", "STOPPED" */
        int64_t read_count, write_count, commit_count, rollback_count;
        int64_t read_skip_count, process_skip_count, write_skip_count, filter_count;
        char *exit_message; /* why it failed or stopped, or NULL */
        int64_t started_at;
        int64_t updated_at;
        /* (v8) the run's metrics as one JSON object (the SDK's HTTP client counters and
         * items per minute, docs/http-client.md), or NULL; a put with NULL keeps the
         * stored value */
        char *metrics;
};

struct store_step_list {
        size_t n;
        struct store_step *items;
};

/* A dead letter: an item a step skipped, with its error (DESIGN §7). */
struct store_dead_letter {
        int64_t id;
        int64_t instance_id;
        char *job;          /* filled by the store from the instance */
        char *step;
        char *item;         /* the item as text */
        char *error;
        int64_t created_at;
};

struct store_dead_letter_list {
        size_t n;
        struct store_dead_letter *items;
};

/* Which dead letters store_dead_letter_list returns, by id. */
struct store_dead_letter_filter {
        const char *tenant;   /* required */
        const char *job;      /* NULL: every job */
        int64_t instance_id;  /* 0: every instance */
        int64_t after_id;     /* keyset cursor */
        unsigned limit;       /* 0: 100; at most 10000 */
};

/* An alert raised for operators: a timeout warning, a failure, a pause alert
 * (docs/alerts.md). */
struct store_alert {
        int64_t id;
        char *tenant;
        int64_t instance_id; /* 0: not about one instance */
        char *kind;          /* e.g. "timeout_warning", "failed" */
        char *message;
        int64_t created_at;
        bool acknowledged;
        int64_t acknowledged_at;
        char *acknowledged_by;
        char *job;           /* or NULL: not about one job (schema 7) */
        char *severity;      /* "critical", "warning" or "info"; NULL on add: "warning" */
        int64_t suppressed_by; /* 0, or the alert of the same job and kind within 10 minutes
                                  because of which this one was not sent (docs/alerts.md) */
};

/* Which alerts store_alert_find returns: newest first (by id descending). */
struct store_alert_filter {
        const char *tenant;       /* required */
        const char *job;          /* NULL: every job */
        const char *kind;         /* NULL: every kind */
        const char *severity;     /* NULL: every severity */
        bool unacknowledged_only;
        int64_t since;            /* only alerts created at or after (0: all) */
        int64_t before_id;        /* keyset cursor: ids smaller than this (0: the newest) */
        unsigned limit;           /* 0: 100; at most 10000 */
};

/* One delivery of an alert over one channel (schema 7). */
struct store_delivery {
        int64_t id;
        int64_t alert_id;
        char *tenant;             /* filled by the store from the alert */
        char *channel;            /* "email" or "webhook" */
        char *target;             /* the recipients (comma-separated) or the URL */
        char *state;              /* "pending", "sent", "failed", "suppressed", "paused" */
        int attempts;
        int64_t next_attempt_at;  /* when pending: the next attempt is due; else 0 */
        int64_t last_attempt_at;  /* 0: never attempted */
        char *last_answer;        /* the server's last answer, or NULL; never a secret */
        char *message_id;         /* Message-ID / X-Batchd-Delivery, the same on every retry */
        int64_t created_at;
        bool escalation;          /* sent because the alert stayed unacknowledged */
};

struct store_delivery_list {
        size_t n;
        struct store_delivery *items;
};

struct store_alert_list {
        size_t n;
        struct store_alert *items;
};

/* An API token. Only a hash of the secret is stored; the secret itself never reaches
 * the repository. */
struct store_token {
        int64_t id;
        char *tenant;
        char *name;
        char *role;         /* "viewer", "operator" or "admin" */
        char *hash;         /* e.g. hex SHA-256 of the secret */
        int64_t created_at;
        int64_t expires_at; /* 0: never */
        bool revoked;
        int64_t revoked_at;
};

struct store_token_list {
        size_t n;
        struct store_token *items;
};

/* A node of a cluster (DESIGN §9), as it last reported itself. */
struct store_node {
        char *name;
        int capacity;             /* run slots (batchd's max_runs) */
        int64_t started_at;       /* when this batchd process started, Unix seconds */
        int64_t heartbeat_at;     /* its last heartbeat, Unix seconds on the database's clock */
        /* schema 12 (docs/daemon.md, "Nodes") */
        char *labels;             /* canonical labels (core/labels.h), "" for none */
        char *state;              /* the operator's: "active" or "draining" */
        char *api_url;            /* http://HOST:PORT its API answers on, or NULL (no API) */
        int running;              /* runs in flight at the heartbeat */
        int64_t clock_offset_us;  /* its clock minus the database's */
        bool plan_ok;             /* the offset is within its max_clock_skew */
        int64_t lease_expires_at; /* heartbeat_at + its lease: past it, the node is lost */
};

struct store_node_list {
        size_t n;
        struct store_node *items;
};

/* A lease as stored. */
struct store_lease {
        char holder[128];
        int64_t epoch;
        int64_t expires_at; /* wall-clock seconds; 0 after a release */
};

/* An operator's request about an instance that only the daemon can carry out (stop,
 * rerun, mark-success), queued in the repository by batchctl or the API; the daemon
 * records the result. */
struct store_request {
        int64_t id;
        char *tenant;
        int64_t instance_id;
        char *action;       /* "stop", "rerun" or "mark-success" */
        char *actor;
        char *reason;       /* or NULL */
        int64_t created_at;
        bool done;
        int64_t done_at;
        int result;         /* when done: 0, or a negative BATCH_E* code */
        char *message;      /* when done: what happened, or why it was refused */
};

struct store_request_list {
        size_t n;
        struct store_request *items;
};

/* The clock a running batchd keeps (docs/daemon.md "The virtual clock"), published so
 * that other processes on the repository (batchctl --db) stamp times with it: at real
 * time real_at_us it showed clock_at_us, and it runs at `rate` clock seconds per real
 * second. */
struct store_clock {
        char *holder;        /* which batchd published it */
        int64_t real_at_us;  /* Unix microseconds, real time */
        int64_t clock_at_us; /* Unix microseconds, the clock's time then */
        double rate;         /* > 0 */
};

/* Report figures (docs/report.md) of one job over the instances due in a range
 * [from, to): submits are counted too (their due time is the submit time). An
 * instance's duration runs from the start of its first execution to the end of its
 * last finished one; instances without a finished execution have none. */
struct store_report_stats {
        char *job;
        int64_t total;       /* instances */
        int64_t success;     /* in 5 Success or 12 Manual Success */
        int64_t failed;      /* in 3, 6, 7 or 11 (store_instance_filter.failed_only) */
        int64_t skipped;     /* in 8 Timeout Skip */
        int64_t canceled;    /* in 9 Canceled */
        int64_t has_failure; /* in a final state with skip_count > 0 (DESIGN §8) */
        int64_t timed;       /* instances with a duration */
        double avg_s;        /* their mean duration in seconds (0 when timed == 0) */
        double p50_s;        /* their median duration (the mean of the middle two for an
                                even count; 0 when timed == 0) */
        int64_t max_s;       /* their longest duration (0 when timed == 0) */
        /* totals over the step executions of all their executions */
        int64_t read_count, write_count, commit_count, write_skip_count, rollback_count;
};

struct store_report_stats_list {
        size_t n;
        struct store_report_stats *items; /* by job name (byte order) */
};

/* A scheduled instance's due time and state, for the frequency check. */
struct store_report_due {
        char *job;
        int64_t due;
        int state;
        bool scheduled; /* filled by store_report_live only */
};

/* A job's process date among its instances due in a range (store_report_process_dates). */
struct store_report_pdate {
        char *job;
        char *process_date; /* NULL: instances created without one */
        int64_t due;        /* the earliest due time of the row's instances */
};

struct store_report_pdate_list {
        size_t n;
        struct store_report_pdate *items; /* by job name (byte order), then process date */
};

struct store_report_due_list {
        size_t n;
        struct store_report_due *items; /* by job name (byte order), then due time */
};

/* One row of the runs rollup (schema 10, src/store/rollup.h, docs/report.md "The
 * rollup"): the final instances of a job due in one quarter hour [slot, slot + 900). */
#define STORE_ROLLUP_BUCKETS 24
struct store_report_slot {
        char *job;                                         /* valid during the callback */
        int64_t slot;
        int64_t total, success, failed, skipped, canceled; /* final instances */
        int64_t found;                     /* scheduled ones not ended in Timeout Skip */
        int64_t timed, dur_sum, dur_max;   /* those with a duration */
        int64_t hist[STORE_ROLLUP_BUCKETS]; /* durations by bucket */
};

/* Called for each rollup row; a negative return (a BATCH_* code, reterr set) stops. */
typedef int store_report_slot_fn(const struct store_report_slot *row, void *ctx,
                                 struct batch_err *reterr);

/* A backend's raw answer for the median: the middle one or two durations per job. */
struct store_report_middle {
        char *job;
        int64_t dur_s;
};

struct store_report_middle_list {
        size_t n;
        struct store_report_middle *items;
};

/* The callback token of one execution of a remote (http) job (schema 8,
 * docs/remote-jobs.md): only its hash is stored. The token works while the execution
 * has not ended. A callback's final report waits here until the daemon applies it. */
struct store_remote_run {
        int64_t execution_id;
        int64_t instance_id;
        char *tenant;           /* the instance's (filled by find) */
        bool finished;          /* the execution has ended (filled by find) */
        char *reported_status;  /* "success", "failed" or "stopped" from a callback, or NULL */
        char *reported_message; /* or NULL */
        int64_t reported_at;    /* 0: nothing reported */
};

struct store_remote_run_list {
        size_t n;
        struct store_remote_run *items;
};
struct store_purge;

/* ---- claims (schema 16, docs/cluster.md "Claims") ---------------------------------
 * The planner offers an instance in 2 Starting; nodes claim offered instances up to
 * their free run slots and record its executions, each write fenced by the instance's
 * claim token (+1 at every claim), so that a node whose claim was taken over changes
 * nothing (DESIGN §11.2). A worker never changes an instance's state: the planner reads
 * the claimed runs back (store_claimed_runs) and records the transitions. Labels are
 * canonical texts (core/labels.h labels_parse: sorted, comma-joined; "" for none). */

struct store_claim { /* an instance a claim took */
        int64_t instance_id;
        char *tenant;
        char *job;
        int64_t token; /* its claim token after this claim */
};
struct store_claim_list {
        size_t n;
        struct store_claim *items;
};

/* One claimed run to record with store_claim_starts: in, the instance, the claim token
 * store_claim gave, the pid and log path (copied); out, its execution's id and attempt
 * (0 and 0 when it was not recorded). */
struct store_claim_run {
        int64_t instance_id, token, pid;
        const char *log_path;
        int64_t exec_id;
        int attempt;
};

/* A claimed run as the planner follows it. */
struct store_claimed_run {
        int64_t instance_id;
        char *tenant;
        int state;   /* the instance's */
        char *node;  /* claim_node */
        int64_t token;
        int64_t exec_id;                /* its latest execution; 0: none */
        int64_t started_at, running_at; /* running_at 0: not reported */
        bool finished;
        int exit_status; /* when finished */
        char *error;     /* when finished, or NULL */
        bool node_lost;  /* the claim's node has no row in nodes, or its
                            lease_expires_at is at or before now_s */
};
struct store_claimed_run_list {
        size_t n;
        struct store_claimed_run *items;
};

struct store_ops {
        int version;
        const char *name;
        int (*open)(const char *dsn, unsigned flags, struct store **ret,
                    struct batch_err *reterr);
        void (*close)(struct store *s);
        int (*begin)(struct store *s, struct batch_err *reterr);
        int (*commit)(struct store *s, struct batch_err *reterr);
        void (*rollback)(struct store *s);
        int (*schema_version)(struct store *s, int *ret, struct batch_err *reterr);
        int (*def_put)(struct store *s, const struct store_def *d, int64_t now_s,
                       struct batch_err *reterr);
        int (*def_get)(struct store *s, const char *tenant, const char *kind, const char *name,
                       struct store_def *ret, struct batch_err *reterr);
        int (*def_list)(struct store *s, const char *tenant, const char *kind,
                        struct store_def_list *ret, struct batch_err *reterr);
        int (*def_delete)(struct store *s, const char *tenant, const char *kind,
                          const char *name, const char *actor, int64_t now_s,
                          struct batch_err *reterr);
        int (*def_history)(struct store *s, const char *tenant, const char *kind,
                           const char *name, struct store_def_list *ret, struct batch_err *reterr);
        int (*audit_add)(struct store *s, int64_t now_s, const char *actor, const char *action,
                         const char *object, const char *detail, struct batch_err *reterr);
        int (*instance_create)(struct store *s, const struct store_instance *in, const char *actor,
                               int64_t now_s, int64_t *ret_id, struct batch_err *reterr);
        int (*instance_get)(struct store *s, int64_t id, struct store_instance *ret,
                            struct batch_err *reterr);
        int (*instance_list)(struct store *s, const struct store_instance_filter *f,
                             struct store_instance_list *ret, struct batch_err *reterr);
        int (*instance_transition)(struct store *s, int64_t id, int from, int to,
                                   const char *actor, const char *reason, int64_t now_s,
                                   struct batch_err *reterr);
        int (*instance_history)(struct store *s, int64_t id, struct store_transition_list *ret,
                                struct batch_err *reterr);
        int (*execution_start)(struct store *s, const struct store_execution *e, int64_t now_s,
                               int64_t *ret_id, int *ret_attempt, struct batch_err *reterr);
        int (*execution_finish)(struct store *s, int64_t id, int exit_status, const char *error,
                                int64_t now_s, struct batch_err *reterr);
        int (*execution_withdraw)(struct store *s, int64_t id, struct batch_err *reterr);
        int (*execution_list)(struct store *s, int64_t instance_id,
                              struct store_execution_list *ret, struct batch_err *reterr);
        int (*step_put)(struct store *s, const struct store_step *st, int64_t now_s,
                        int64_t *ret_id, struct batch_err *reterr);
        int (*step_list)(struct store *s, int64_t execution_id, struct store_step_list *ret,
                         struct batch_err *reterr);
        int (*checkpoint_put)(struct store *s, int64_t instance_id, const char *step,
                              const char *data, int64_t now_s, struct batch_err *reterr);
        int (*checkpoint_get)(struct store *s, int64_t instance_id, const char *step,
                              char **ret, struct batch_err *reterr);
        int (*dead_letter_add)(struct store *s, const struct store_dead_letter *d, int64_t now_s,
                               int64_t *ret_id, struct batch_err *reterr);
        int (*dead_letter_list)(struct store *s, const struct store_dead_letter_filter *f,
                                struct store_dead_letter_list *ret, struct batch_err *reterr);
        int (*dead_letter_delete)(struct store *s, int64_t id, struct batch_err *reterr);
        int (*alert_add)(struct store *s, const struct store_alert *a, int64_t now_s,
                         int64_t *ret_id, struct batch_err *reterr);
        int (*alert_list)(struct store *s, const char *tenant, bool unacknowledged_only,
                          struct store_alert_list *ret, struct batch_err *reterr);
        int (*alert_ack)(struct store *s, int64_t id, const char *actor, int64_t now_s,
                         struct batch_err *reterr);
        int (*token_add)(struct store *s, const struct store_token *t, int64_t now_s,
                         int64_t *ret_id, struct batch_err *reterr);
        int (*token_find)(struct store *s, const char *hash, struct store_token *ret,
                          struct batch_err *reterr);
        int (*token_list)(struct store *s, const char *tenant, struct store_token_list *ret,
                          struct batch_err *reterr);
        int (*token_revoke)(struct store *s, int64_t id, int64_t now_s, struct batch_err *reterr);
        int (*node_heartbeat)(struct store *s, const char *name, int capacity, int64_t now_s,
                              struct batch_err *reterr);
        int (*node_list)(struct store *s, struct store_node_list *ret, struct batch_err *reterr);
        int (*lease_acquire)(struct store *s, const char *name, const char *holder,
                             int64_t now_s, int ttl_s, int64_t known_epoch, bool *ret_held,
                             int64_t *ret_epoch, struct batch_err *reterr);
        int (*lease_release)(struct store *s, const char *name, const char *holder,
                             struct batch_err *reterr);
        int (*request_add)(struct store *s, const struct store_request *r, int64_t now_s,
                           int64_t *ret_id, struct batch_err *reterr);
        int (*request_pending)(struct store *s, struct store_request_list *ret,
                               struct batch_err *reterr);
        int (*request_finish)(struct store *s, int64_t id, int result, const char *message,
                              int64_t now_s, struct batch_err *reterr);
        int (*request_get)(struct store *s, int64_t id, struct store_request *ret,
                           struct batch_err *reterr);
        int (*data_version)(struct store *s, int64_t *ret, struct batch_err *reterr);
        /* version 2: what the SDK needs (savepoints, the native handle, an instance's
         * requests). */
        int (*savepoint)(struct store *s, struct batch_err *reterr);
        int (*savepoint_release)(struct store *s, struct batch_err *reterr);
        void (*savepoint_rollback)(struct store *s);
        void *(*native)(struct store *s);
        int (*request_list)(struct store *s, int64_t instance_id, int64_t after_id,
                            struct store_request_list *ret, struct batch_err *reterr);
        /* version 3: a waiting instance's reason follows its wait; the published clock
         * (schema 6). */
        int (*instance_set_reason)(struct store *s, int64_t id, int state, const char *reason,
                                   int64_t now_s, struct batch_err *reterr);
        int (*clock_publish)(struct store *s, const struct store_clock *c,
                             struct batch_err *reterr);
        int (*clock_withdraw)(struct store *s, const char *holder, struct batch_err *reterr);
        int (*clock_get)(struct store *s, struct store_clock *ret, struct batch_err *reterr);
        /* report (version 4): the daily report's and the runs route's figures, computed
         * in SQL. stats rows come in any order without p50_s; middles are the one or two
         * middle durations per job; store.c sorts and merges them. */
        int (*report_stats)(struct store *s, const char *tenant, int64_t from, int64_t to,
                            const char *job, struct store_report_stats_list *ret,
                            struct batch_err *reterr);
        int (*report_middles)(struct store *s, const char *tenant, int64_t from, int64_t to,
                              const char *job, struct store_report_middle_list *ret,
                              struct batch_err *reterr);
        int (*report_dues)(struct store *s, const char *tenant, int64_t from, int64_t to,
                           const char *job, struct store_report_due_list *ret,
                           struct batch_err *reterr);
        /* alerts: version 4 (schema 7): alert rows with job, severity and suppression,
         * and their deliveries. */
        int (*alert_get)(struct store *s, int64_t id, struct store_alert *ret,
                         struct batch_err *reterr);
        int (*alert_find)(struct store *s, const struct store_alert_filter *f,
                          struct store_alert_list *ret, struct batch_err *reterr);
        int (*delivery_add)(struct store *s, const struct store_delivery *d, int64_t now_s,
                            int64_t *ret_id, struct batch_err *reterr);
        int (*delivery_due)(struct store *s, int64_t now_s, unsigned limit,
                            struct store_delivery_list *ret, struct batch_err *reterr);
        int (*delivery_update)(struct store *s, int64_t id, const struct store_delivery *o,
                               int64_t now_s, struct batch_err *reterr);
        int (*delivery_list)(struct store *s, int64_t alert_id, struct store_delivery_list *ret,
                             struct batch_err *reterr);
        int (*alert_unescalated)(struct store *s, const char *tenant, int64_t from_s,
                                 int64_t to_s, struct store_alert_list *ret,
                                 struct batch_err *reterr);
        /* version 5 (schema 8): remote runs' callback tokens and reports; the last
         * answer of each next_due_api trigger. */
        int (*remote_run_add)(struct store *s, int64_t execution_id, int64_t instance_id,
                              const char *token_hash, int64_t now_s, struct batch_err *reterr);
        int (*remote_run_find)(struct store *s, const char *token_hash,
                               struct store_remote_run *ret, struct batch_err *reterr);
        int (*remote_run_report)(struct store *s, int64_t execution_id, const char *status,
                                 const char *message, int64_t now_s, struct batch_err *reterr);
        int (*remote_run_reports)(struct store *s, struct store_remote_run_list *ret,
                                  struct batch_err *reterr);
        int (*next_due_put)(struct store *s, const char *tenant, const char *job, int64_t due,
                            int64_t now_s, struct batch_err *reterr);
        int (*next_due_get)(struct store *s, const char *tenant, const char *job,
                            int64_t *ret_due, struct batch_err *reterr);
        /* version 6: the API's event stream (state changes after a transition id). */
        int (*changes_after)(struct store *s, const char *tenant, int64_t after_id,
                             unsigned limit, struct store_change_list *ret,
                             struct batch_err *reterr);
        int (*change_last_id)(struct store *s, int64_t *ret, struct batch_err *reterr);
        /* version 7: retention (no schema change) */
        int (*purge_step)(struct store *s, int64_t cutoff, unsigned limit,
                          struct store_purge *ret, struct batch_err *reterr);
        /* version 8 (schema 10): the runs figures from the rollup, and the instances not
         * yet final (job, due, state) due in a range. */
        int (*report_slots)(struct store *s, const char *tenant, int64_t from, int64_t to,
                            const char *job, store_report_slot_fn *fn, void *ctx,
                            struct batch_err *reterr);
        int (*report_live)(struct store *s, const char *tenant, int64_t from, int64_t to,
                           const char *job, struct store_report_due_list *ret,
                           struct batch_err *reterr);
        /* version 9: one worker's claim on a pending delivery (no schema change). */
        int (*delivery_claim)(struct store *s, int64_t id, int64_t seen_next, int64_t until,
                              struct batch_err *reterr);
        /* version 10 (schema 11): instances' stored process dates */
        int (*report_process_dates)(struct store *s, const char *tenant, int64_t from,
                                    int64_t to, struct store_report_pdate_list *ret,
                                    struct batch_err *reterr);
        /* version 11 (schema 13, 14): the daily report's claim per tenant and day; the
         * runs figures read from their packs. */
        int (*report_claim)(struct store *s, const char *tenant, const char *date,
                            int64_t alert_id, int64_t now_s, struct batch_err *reterr);
        int (*report_packs)(struct store *s, const char *tenant, int64_t from, int64_t to,
                            const char *job, store_report_slot_fn *fn, void *ctx,
                            struct batch_err *reterr);
        /* version 11 (schema 15): the lease's epoch and the fence (docs/cluster.md). */
        int (*lease_check)(struct store *s, const char *name, const char *holder,
                           int64_t epoch, struct batch_err *reterr);
        int (*lease_get)(struct store *s, const char *name, struct store_lease *ret,
                         struct batch_err *reterr);
        /* version 12 (schema 16): claims (docs/cluster.md "Claims"). */
        int (*instance_offer)(struct store *s, int64_t id, const char *labels,
                              struct batch_err *reterr);
        int (*instance_unoffer)(struct store *s, int64_t id, bool *ret_withdrawn,
                                struct batch_err *reterr);
        int (*offer_outlook)(struct store *s, int64_t now_s, int64_t *ret_offered,
                             int64_t *ret_nodes, struct batch_err *reterr);
        int (*defs_stamp)(struct store *s, int64_t *ret, struct batch_err *reterr);
        int (*claim_stop_failed)(struct store *s, int64_t exec_id, int64_t token,
                                 const char *why, struct batch_err *reterr);
        int (*claim)(struct store *s, const char *node, const char *labels, unsigned limit,
                     struct store_claim_list *ret, struct batch_err *reterr);
        int (*claim_start)(struct store *s, int64_t token, const struct store_execution *e,
                           int64_t now_s, int64_t *ret_id, int *ret_attempt,
                           struct batch_err *reterr);
        /* version 13: many claimed runs' executions in one statement. */
        int (*claim_starts)(struct store *s, const char *node, struct store_claim_run *runs,
                            size_t n, int64_t now_s, size_t *ret_started,
                            struct batch_err *reterr);
        int (*claim_running)(struct store *s, int64_t exec_id, int64_t token, int64_t now_s,
                             struct batch_err *reterr);
        int (*claim_finish)(struct store *s, int64_t exec_id, int64_t token, int exit_status,
                            const char *error, int64_t now_s, struct batch_err *reterr);
        int (*claim_return)(struct store *s, int64_t exec_id, int64_t token,
                            struct batch_err *reterr);
        int (*claimed_runs)(struct store *s, int64_t now_s, struct store_claimed_run_list *ret,
                            struct batch_err *reterr);
        int (*node_claims)(struct store *s, const char *node, int64_t now_s,
                           struct store_claimed_run_list *ret, struct batch_err *reterr);
        int (*notify)(struct store *s, const char *channel, struct batch_err *reterr);
};

/* What one retention step removed (store_purge_step). */
struct store_purge {
        int64_t instances, transitions, executions, steps, checkpoints, requests;
        int64_t dead_letters, alerts, deliveries;
        size_t nlogs;
        char **logs; /* the log files of the purged executions (remove after the commit) */
};

/* One step of retention (docs/daemon.md, "Retention"): deletes at most `limit` instances
 * that ended before `cutoff` (Unix seconds) with everything that refers to them
 * (transitions, executions, step executions, checkpoints, dead letters, alerts and their
 * deliveries, requests), and at most `limit` alerts (with their deliveries) and dead
 * letters created before `cutoff`, in one transaction; the instances are chosen before it
 * (reading, no lock held), and checked again in it. An instance is kept when it is not
 * final (DESIGN §3), changed at or after `cutoff`, has an execution not finished, is its
 * job's latest (by due time), or may still govern an unfinished instance of its tenant
 * (it is due at or after the tenant's oldest unfinished instance, or it is its job's
 * latest due before that). Counts and log paths into *ret (release it with
 * store_purge_release); nothing is deleted on error. */
int store_purge_step(struct store *s, int64_t cutoff, unsigned limit, struct store_purge *ret,
                     struct batch_err *reterr);

void store_purge_release(struct store_purge *p);

/* Every backend's struct starts with this. */
struct store {
        const struct store_ops *ops;
};

/* Opens the repository named by `dsn`, applying schema migrations. Errors:
 * BATCH_EINVAL (unknown or unbuilt backend), BATCH_ESCHEMA (written by a newer
 * version), BATCH_EIO (cannot open or corrupt). */
int store_open(const char *dsn, struct store **ret, struct batch_err *reterr);

/* store_open's options. */
enum store_open_flag {
        /* Check the repository's integrity first (SQLite: PRAGMA quick_check, which reads
         * the whole file: about a second per GB). batchd does it once at start (DESIGN
         * §11.3); batchctl, the SDK and the API's connections do not. */
        STORE_OPEN_CHECK = 1,
};

/* store_open with flags (a combination of enum store_open_flag). */
int store_open_flags(const char *dsn, unsigned flags, struct store **ret,
                     struct batch_err *reterr);

/* Caps the page cache of every SQLite connection this process opens from now on at
 * `kib` KiB (SQLite's default is 2,000 KiB per connection; `kib` <= 0 restores it).
 * batchd's connections read a few pages per statement, which the kernel's page cache
 * also holds (docs/daemon.md, "Memory"). Nothing for other backends. Not thread-safe:
 * call it before the connections are opened. */
void store_set_page_cache(int kib);

/* Closes the store (NULL is ignored); an open transaction is rolled back. */
void store_close(struct store *s);

/* The default repository path: $XDG_STATE_HOME/batchd/batchd.db or
 * ~/.local/state/batchd/batchd.db; written into buf (len bytes). Returns 0 or
 * BATCH_EINVAL when neither variable is set or the path does not fit. */
int store_default_path(char *buf, size_t len);

/* Transactions: every multi-row change of a caller goes between begin and commit;
 * rollback undoes all of it. Operations outside a transaction commit by themselves. */
int store_begin(struct store *s, struct batch_err *reterr);
int store_commit(struct store *s, struct batch_err *reterr);
void store_rollback(struct store *s);

/* The schema version recorded in the database. */
int store_schema_version(struct store *s, int *ret, struct batch_err *reterr);

/* Creates the definition or stores a new version of it, recording d->changed
 * (changed keys) and d->changed_by. d->version is ignored; the stored version is one
 * more than the latest, deletions included. */
int store_def_put(struct store *s, const struct store_def *d, int64_t now_s,
                  struct batch_err *reterr);

/* The current definition; BATCH_ENOENT when there is none (or it was deleted). */
int store_def_get(struct store *s, const char *tenant, const char *kind, const char *name,
                  struct store_def *ret, struct batch_err *reterr);

/* Current definitions, by tenant, kind and name; tenant/kind NULL mean all. */
int store_def_list(struct store *s, const char *tenant, const char *kind,
                   struct store_def_list *ret, struct batch_err *reterr);

/* At most `limit` current definitions of one tenant and kind whose names come after
 * `after` (NULL: from the first), by name: a page of a keyset walk. *ret is the caller's
 * (store_def_list_release), empty when none is left. */
int store_def_list_after(struct store *s, const char *tenant, const char *kind,
                         const char *after, unsigned limit, struct store_def_list *ret,
                         struct batch_err *reterr);

/* Deletes the definition, recording the deletion as a version. BATCH_ENOENT when absent. */
int store_def_delete(struct store *s, const char *tenant, const char *kind, const char *name,
                     const char *actor, int64_t now_s, struct batch_err *reterr);

/* Every version of a definition, oldest first (deletions have spec NULL). */
int store_def_history(struct store *s, const char *tenant, const char *kind, const char *name,
                      struct store_def_list *ret, struct batch_err *reterr);

/* Appends to the audit log. */
int store_audit_add(struct store *s, int64_t now_s, const char *actor, const char *action,
                    const char *object, const char *detail, struct batch_err *reterr);

/* Creates an instance in state in->state (normally 0 Init) and records its creation
 * as the first transition, in one transaction; *ret_id is its id. A scheduled
 * instance whose (tenant, job, due) slot is taken fails with BATCH_EEXIST and changes
 * nothing (DESIGN §11.1). */
int store_instance_create(struct store *s, const struct store_instance *in, const char *actor,
                          int64_t now_s, int64_t *ret_id, struct batch_err *reterr);

/* The instance `id`; BATCH_ENOENT when there is none. */
int store_instance_get(struct store *s, int64_t id, struct store_instance *ret,
                       struct batch_err *reterr);

/* Instances matching *f, by id. */
int store_instance_list(struct store *s, const struct store_instance_filter *f,
                        struct store_instance_list *ret, struct batch_err *reterr);

/* Moves instance `id` from state `from` to `to` with actor and reason, as a conditional
 * update (DESIGN §11.2) that also appends to its history, in one transaction.
 * Errors: BATCH_EINVAL for a transition docs/states.md does not allow (nothing is
 * written), BATCH_ESTALE when the instance is no longer in `from`, BATCH_ENOENT when
 * there is no such instance. */
int store_instance_transition(struct store *s, int64_t id, int from, int to, const char *actor,
                              const char *reason, int64_t now_s, struct batch_err *reterr);

/* Replaces the reason of instance `id` while it is in state `state`, as a conditional
 * update (DESIGN §11.2: `… WHERE id = ? AND state = ?`) that also sets its updated_at
 * to now_s. Its state is unchanged, so no transition is recorded: this is how a
 * waiting instance's reason follows what it waits for (docs/scheduler.md). Errors:
 * BATCH_ESTALE when the instance is no longer in `state` (nothing is written),
 * BATCH_ENOENT when there is no such instance. */
int store_instance_set_reason(struct store *s, int64_t id, int state, const char *reason,
                              int64_t now_s, struct batch_err *reterr);

/* The instance's recorded transitions, oldest first. */
int store_instance_history(struct store *s, int64_t id, struct store_transition_list *ret,
                           struct batch_err *reterr);

/* Records the start of a new execution of e->instance_id (node, pid, log_path from
 * *e); its attempt number is one more than the instance's last. *ret_id and
 * *ret_attempt are set. BATCH_ENOENT when the instance does not exist. */
int store_execution_start(struct store *s, const struct store_execution *e, int64_t now_s,
                          int64_t *ret_id, int *ret_attempt, struct batch_err *reterr);

/* Records how execution `id` ended, once: a second finish (a late or duplicate
 * report) changes nothing and returns BATCH_ESTALE; BATCH_ENOENT when there is none. */
int store_execution_finish(struct store *s, int64_t id, int exit_status, const char *error,
                           int64_t now_s, struct batch_err *reterr);

/* Removes execution `id`, which never started (its supervisor got no go: the daemon
 * stopped between recording it and letting it start), so that the attempt is launched
 * again under the same number. Only an unfinished execution with no step executions
 * can be withdrawn: BATCH_ESTALE when it has finished, BATCH_ENOENT when there is none. */
int store_execution_withdraw(struct store *s, int64_t id, struct batch_err *reterr);

/* The executions of an instance, by attempt. */
int store_execution_list(struct store *s, int64_t instance_id, struct store_execution_list *ret,
                         struct batch_err *reterr);

/* Creates or updates the step execution (st->execution_id, st->name): status, the
 * eight counts and exit_message are replaced; started_at is kept from the creation.
 * *ret_id (optional) is its id. BATCH_ENOENT when the execution does not exist,
 * BATCH_EINVAL for an unknown status or a negative count (nothing is written). When
 * the skip counts change, the instance's skip_count is counted again with the row. */
int store_step_put(struct store *s, const struct store_step *st, int64_t now_s, int64_t *ret_id,
                   struct batch_err *reterr);

/* The step executions of an execution, by id (creation order). */
int store_step_list(struct store *s, int64_t execution_id, struct store_step_list *ret,
                    struct batch_err *reterr);

/* Replaces the checkpoint of step `step` of an instance with `data` (text, e.g. a
 * JSON object of the reader's position and saved state). Checkpoints belong to the
 * instance, not the execution, so a restart resumes from them; inside a caller's
 * transaction it commits together with the items written (exactly-once, DESIGN §7).
 * BATCH_ENOENT when the instance does not exist. */
int store_checkpoint_put(struct store *s, int64_t instance_id, const char *step, const char *data,
                         int64_t now_s, struct batch_err *reterr);

/* The checkpoint of a step, as a string the caller frees; *ret is NULL (and 0 is
 * returned) when the step has none yet. */
int store_checkpoint_get(struct store *s, int64_t instance_id, const char *step, char **ret,
                         struct batch_err *reterr);

/* Adds a dead letter for d->instance_id (step, item, error); d->job and d->id are
 * ignored. BATCH_ENOENT when the instance does not exist. */
int store_dead_letter_add(struct store *s, const struct store_dead_letter *d, int64_t now_s,
                          int64_t *ret_id, struct batch_err *reterr);

/* Dead letters matching *f, by id. */
int store_dead_letter_list(struct store *s, const struct store_dead_letter_filter *f,
                           struct store_dead_letter_list *ret, struct batch_err *reterr);

/* Removes a dead letter (after it was retried successfully, or purged).
 * BATCH_ENOENT when there is none. */
int store_dead_letter_delete(struct store *s, int64_t id, struct batch_err *reterr);

/* Raises an alert (tenant, instance_id or 0, kind, message, job or NULL, severity or
 * NULL for "warning", suppressed_by or 0). BATCH_EINVAL for an unknown severity,
 * BATCH_ENOENT when the instance or the suppressing alert does not exist. Put its
 * deliveries (store_delivery_add) in the same transaction. */
int store_alert_add(struct store *s, const struct store_alert *a, int64_t now_s, int64_t *ret_id,
                    struct batch_err *reterr);

/* The tenant's alerts, newest first; only those not yet acknowledged when asked. */
int store_alert_list(struct store *s, const char *tenant, bool unacknowledged_only,
                     struct store_alert_list *ret, struct batch_err *reterr);

/* Acknowledges an alert, once: BATCH_ESTALE when it already was, BATCH_ENOENT when
 * there is none. */
int store_alert_ack(struct store *s, int64_t id, const char *actor, int64_t now_s,
                    struct batch_err *reterr);

/* Stores a token (tenant, name, role, hash, expires_at). BATCH_EEXIST when the tenant
 * already has a token of that name or the hash is taken, BATCH_EINVAL for an unknown
 * role. */
int store_token_add(struct store *s, const struct store_token *t, int64_t now_s, int64_t *ret_id,
                    struct batch_err *reterr);

/* The token with this hash, revoked or expired ones included (the caller decides);
 * BATCH_ENOENT when there is none. */
int store_token_find(struct store *s, const char *hash, struct store_token *ret,
                     struct batch_err *reterr);

/* The tenant's tokens (NULL: every tenant's), by id. */
int store_token_list(struct store *s, const char *tenant, struct store_token_list *ret,
                     struct batch_err *reterr);

/* Revokes a token; BATCH_ESTALE when it already was, BATCH_ENOENT when there is none. */
int store_token_revoke(struct store *s, int64_t id, int64_t now_s, struct batch_err *reterr);

/* Records that node `name` is alive now with this capacity (created on first call). */
int store_node_heartbeat(struct store *s, const char *name, int capacity, int64_t now_s,
                         struct batch_err *reterr);

/* Every node, by name. */
int store_node_list(struct store *s, struct store_node_list *ret, struct batch_err *reterr);

/* Records node n's own report (every field but `state`): creates the row ('active') on
 * the first call, else replaces those fields and keeps the operator's state. BATCH_EINVAL
 * without a name or with a negative capacity or count. */
int store_node_report(struct store *s, const struct store_node *n, struct batch_err *reterr);

/* Node `name` into *ret (release with store_node_release); BATCH_ENOENT when none. */
int store_node_get(struct store *s, const char *name, struct store_node *ret,
                   struct batch_err *reterr);

/* Sets node `name`'s operator state to "active" or "draining" (else BATCH_EINVAL);
 * *ret_changed tells whether it was another before. BATCH_ENOENT when there is no such
 * node. Runs in the caller's transaction, if any (the API audits in the same one). */
int store_node_set_state(struct store *s, const char *name, const char *state,
                         bool *ret_changed, struct batch_err *reterr);

/* The database server's time now, microseconds since 1970 (PostgreSQL's
 * clock_timestamp(); on SQLite this machine's real time). */
int store_db_now_us(struct store *s, int64_t *ret, struct batch_err *reterr);

/* Takes or renews the lease `name` (e.g. "planner") for `holder` until now + ttl_s:
 * *ret_held is true when holder has it now — it was free, expired (expiry <= now) or
 * already holder's — and false when another holder's lease is still valid. Atomic
 * across nodes sharing the repository (DESIGN §9). now_s 0: the database's clock (the
 * daemon's way: the nodes' wall clocks then do not matter to the lease), else the
 * caller's time (tests). *ret_epoch (optional; 0 when not
 * held): the lease's epoch (schema 12), kept when holder renews with the epoch it
 * knows (known_epoch), one more than the row's last on any other take (a new holder,
 * or holder without knowing it: 0 after a restart); a new lease starts at 1. */
int store_lease_acquire(struct store *s, const char *name, const char *holder, int64_t now_s,
                        int ttl_s, int64_t known_epoch, bool *ret_held, int64_t *ret_epoch,
                        struct batch_err *reterr);

/* Gives the lease up (expires it, keeping its epoch) if holder has it; otherwise
 * changes nothing. */
int store_lease_release(struct store *s, const char *name, const char *holder,
                        struct batch_err *reterr);

/* The fence (DESIGN §11.2): 0 when lease `name` still names holder at epoch, else
 * BATCH_ESTALE. Called first in a transaction; on PostgreSQL it share-locks the lease
 * row until the transaction ends, so a takeover waits for it (docs/cluster.md). */
int store_lease_check(struct store *s, const char *name, const char *holder, int64_t epoch,
                      struct batch_err *reterr);

/* Lease `name` into *ret; BATCH_ENOENT when it was never taken. */
int store_lease_get(struct store *s, const char *name, struct store_lease *ret,
                    struct batch_err *reterr);

/* Publishes c as the repository's clock, replacing any published one (one batchd
 * clock per repository: the last started). BATCH_EINVAL for a rate <= 0 or no holder. */
int store_clock_publish(struct store *s, const struct store_clock *c, struct batch_err *reterr);

/* Withdraws the published clock if `holder` published it (NULL: whoever did);
 * otherwise changes nothing. */
int store_clock_withdraw(struct store *s, const char *holder, struct batch_err *reterr);

/* The published clock (release with store_clock_release); BATCH_ENOENT when none is
 * published (times are real time). */
int store_clock_get(struct store *s, struct store_clock *ret, struct batch_err *reterr);

void store_clock_release(struct store_clock *c);

/* Queues a request (r->tenant, instance_id, action, actor, reason) for the daemon.
 * BATCH_EINVAL for an unknown action, BATCH_ENOENT when the instance does not exist. */
int store_request_add(struct store *s, const struct store_request *r, int64_t now_s,
                      int64_t *ret_id, struct batch_err *reterr);

/* The requests not yet done, oldest first (every tenant). */
int store_request_pending(struct store *s, struct store_request_list *ret,
                          struct batch_err *reterr);

/* Records the result of request `id`, once: BATCH_ESTALE when it was already done,
 * BATCH_ENOENT when there is none. */
int store_request_finish(struct store *s, int64_t id, int result, const char *message,
                         int64_t now_s, struct batch_err *reterr);

/* The request `id`; BATCH_ENOENT when there is none. */
int store_request_get(struct store *s, int64_t id, struct store_request *ret,
                      struct batch_err *reterr);

/* A number that changes whenever a definition is put or deleted (the count of their
 * versions, which only grows), and not otherwise: cheaper to compare than the
 * definitions themselves, which a daemon reads again only when it moved. */
int store_defs_stamp(struct store *s, int64_t *ret, struct batch_err *reterr);

/* A number that changes whenever another connection (another process) has committed a
 * change to the repository since this store was opened, so a daemon can tell cheaply
 * whether to look again. */
int store_data_version(struct store *s, int64_t *ret, struct batch_err *reterr);

/* The state changes of tenant's instances recorded after transition id after_id, oldest
 * first, at most `limit` (1 to 10000); *ret is the caller's (store_change_list_release).
 * Errors: the repository's. */
int store_changes_after(struct store *s, const char *tenant, int64_t after_id, unsigned limit,
                        struct store_change_list *ret, struct batch_err *reterr);

/* The id of the latest recorded transition of any instance (0 when none). */
int store_change_last_id(struct store *s, int64_t *ret, struct batch_err *reterr);

void store_change_list_release(struct store_change_list *l);

/* Savepoints inside the caller's transaction (one level): store_savepoint marks the
 * current point, store_savepoint_release keeps what was done since and forgets the mark,
 * store_savepoint_rollback undoes what was done since the mark and forgets it.
 * BATCH_EINVAL outside a transaction. */
int store_savepoint(struct store *s, struct batch_err *reterr);
int store_savepoint_release(struct store *s, struct batch_err *reterr);
void store_savepoint_rollback(struct store *s);

/* The backend's own connection (borrowed, valid until store_close): a `sqlite3 *` when
 * *ret_kind (optional) is "sqlite", a `PGconn *` when it is "postgres". For code that
 * writes its own tables in the repository's transaction (the SDK's SQL writers). */
void *store_native(struct store *s, const char **ret_kind);

/* Gives back the memory the connection holds but does not need now: SQLite's cached pages
 * that no statement uses (sqlite3_db_release_memory; the cache fills again as pages are
 * read); nothing for other backends. For a long-lived process after a large read (batchd
 * after loading its schedulers). */
void store_release_memory(struct store *s);

/* The requests about instance `instance_id` with ids greater than after_id, done or
 * not, oldest first (at most 1000). */
int store_request_list(struct store *s, int64_t instance_id, int64_t after_id,
                       struct store_request_list *ret, struct batch_err *reterr);

/* The report figures (struct store_report_stats) per job of `tenant` over the instances
 * due in [from, to), of every job or only of `job` (NULL: every job), by job name;
 * jobs without instances in the range have no row. */
int store_report_stats(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, struct store_report_stats_list *ret,
                       struct batch_err *reterr);

/* The due times and states of the scheduled instances of `tenant` (of `job`, or every
 * job when NULL) due in [from, to), by job name then due time. */
int store_report_dues(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_due_list *ret,
                      struct batch_err *reterr);

/* The runs figures (docs/report.md "The runs figures") per job of `tenant` over the
 * instances due in [from, to), from the rollup kept as instances become final, plus the
 * instances not yet final: total, success, failed (Stop Failed included), skipped,
 * canceled, timed, avg_s, max_s, and p50_s (exact for one or two timed runs, else
 * estimated within a histogram bucket); has_failure and the step totals are 0. `from`
 * and `to` are multiples of 900 s (a day's bounds in any zone). By job name. Sums per
 * job with a linear search: for a job or a few (report_runs_build streams
 * store_report_slots instead). */
int store_report_runs(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_stats_list *ret,
                      struct batch_err *reterr);

/* Calls fn for each rollup row of `tenant` (of `job`, or every job when NULL) whose
 * slot is in [from, to), by slot (one query, rows streamed: a tenant's 90 days are a
 * million rows). Errors: the store's, or fn's. */
int store_report_slots(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, store_report_slot_fn *fn, void *ctx,
                       struct batch_err *reterr);

/* Calls fn for the same rows as store_report_slots, read from their packs (schema 14,
 * docs/report.md "The packs": a few rows per job instead of one per quarter hour), by
 * job (each job's rows together; the jobs in no defined order) and by slot within a
 * job. `row->job` is valid during the call only. Errors: the store's, BATCH_EIO for a
 * pack that is not readable, or fn's. */
int store_report_packs(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, store_report_slot_fn *fn, void *ctx,
                       struct batch_err *reterr);

/* The instances of `tenant` (of `job`, or every job) due in [from, to) that are not
 * final (0, 1, 2, 4, 10, 11): job, due, state, scheduled; by due time. */
int store_report_live(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_due_list *ret,
                      struct batch_err *reterr);

/* The median of `timed` durations summing to `sum`, longest `max`, from their rollup
 * histogram: exact for one or two (the mean), else the rank timed/2 interpolated
 * linearly inside its bucket (the last bucket ends at max). 0 when timed is 0. */
double store_rollup_median(const int64_t *hist, int64_t timed, int64_t sum, int64_t max);

/* The distinct process dates of the instances (scheduled and submitted) of `tenant` due
 * in [from, to), per job: one row per job and stored process date, and one per due time
 * of the instances stored without one (created before schema 11), for the caller to
 * compute. */
int store_report_process_dates(struct store *s, const char *tenant, int64_t from, int64_t to,
                               struct store_report_pdate_list *ret, struct batch_err *reterr);

void store_report_pdate_list_release(struct store_report_pdate_list *l);
void store_report_stats_list_release(struct store_report_stats_list *l);
void store_report_due_list_release(struct store_report_due_list *l);
void store_report_middle_list_release(struct store_report_middle_list *l);

/* The alert `id`; BATCH_ENOENT when there is none. Release with store_alert_release. */
int store_alert_get(struct store *s, int64_t id, struct store_alert *ret,
                    struct batch_err *reterr);

/* Alerts matching *f, newest first. */
int store_alert_find(struct store *s, const struct store_alert_filter *f,
                     struct store_alert_list *ret, struct batch_err *reterr);

/* The tenant's alerts of `job` and `kind` (NULL: every kind) created at or after
 * since_s, newest first, at most 1000: what suppression and recovery look at. */
int store_alert_recent(struct store *s, const char *tenant, const char *job, const char *kind,
                       int64_t since_s, struct store_alert_list *ret, struct batch_err *reterr);

/* Records a delivery of alert d->alert_id (channel, target, state, next_attempt_at,
 * message_id, escalation; attempts and answers start empty). BATCH_EINVAL for an unknown channel
 * or state or no target or message id, BATCH_ENOENT when the alert does not exist. */
int store_delivery_add(struct store *s, const struct store_delivery *d, int64_t now_s,
                       int64_t *ret_id, struct batch_err *reterr);

/* The pending deliveries whose next attempt is due (next_attempt_at <= now_s), the
 * earliest first, at most `limit` (0: 100). */
int store_delivery_due(struct store *s, int64_t now_s, unsigned limit,
                       struct store_delivery_list *ret, struct batch_err *reterr);

/* Claims pending delivery `id` for one attempt, so that of several workers on one
 * repository (batchd nodes sharing a PostgreSQL) only one sends it: moves its
 * next_attempt_at from `seen_next` (as store_delivery_due read it) to `until` (the
 * claim's end), a conditional update. 0: claimed, send it; BATCH_ESTALE: another
 * worker claimed or recorded it since (do not send); BATCH_ENOENT: no such delivery.
 * A worker that dies holding a claim leaves the delivery pending: it is due again at
 * `until`. */
int store_delivery_claim(struct store *s, int64_t id, int64_t seen_next, int64_t until,
                         struct batch_err *reterr);

/* Claims the daily report of `date` (YYYY-MM-DD) for `tenant`, so that of several
 * batchd nodes on one repository only one records and sends it (schema 13, table
 * report_claims, key tenant and date; docs/report.md "Once"): inserts the claim naming
 * `alert_id`, the daily_report alert the caller adds in the same transaction. 0:
 * claimed; BATCH_EEXIST: the day was claimed before (the caller rolls back and sends
 * nothing); BATCH_EINVAL: no tenant or not a 10-character date. On PostgreSQL a
 * concurrent claim of the same day waits for the first one's transaction, then finds
 * the key taken. */
int store_report_claim(struct store *s, const char *tenant, const char *date, int64_t alert_id,
                       int64_t now_s, struct batch_err *reterr);

/* Records the outcome of one attempt of pending delivery `id`: o->state (pending again
 * for a retry, sent or failed), o->attempts, o->next_attempt_at, o->last_answer, and
 * last_attempt_at = now_s; a conditional update (DESIGN §11.2). BATCH_ESTALE when the
 * delivery is no longer pending (nothing is written), BATCH_ENOENT when there is none,
 * BATCH_EINVAL for an unknown state. */
int store_delivery_update(struct store *s, int64_t id, const struct store_delivery *o,
                          int64_t now_s, struct batch_err *reterr);

/* The deliveries of an alert, by id. */
int store_delivery_list(struct store *s, int64_t alert_id, struct store_delivery_list *ret,
                        struct batch_err *reterr);

/* The tenant's critical alerts created in [from_s, to_s] that are not acknowledged,
 * not suppressed, have no paused delivery and no escalation delivery yet, oldest first
 * (at most 100): the ones to escalate (docs/alerts.md). */
int store_alert_unescalated(struct store *s, const char *tenant, int64_t from_s, int64_t to_s,
                            struct store_alert_list *ret, struct batch_err *reterr);

/* Records the callback token (its hash) of execution `execution_id` of instance
 * `instance_id`. BATCH_EEXIST when the execution has one or the hash is taken. */
int store_remote_run_add(struct store *s, int64_t execution_id, int64_t instance_id,
                         const char *token_hash, int64_t now_s, struct batch_err *reterr);

/* The remote run whose token has this hash (with its instance's tenant and whether its
 * execution ended); BATCH_ENOENT when none. Release with store_remote_run_release. */
int store_remote_run_find(struct store *s, const char *token_hash, struct store_remote_run *ret,
                          struct batch_err *reterr);

/* Records the final report ("success", "failed" or "stopped", with an optional message)
 * of an execution's callback, for the daemon to apply. The first one counts:
 * BATCH_ESTALE when one was already recorded or the execution has ended, BATCH_ENOENT
 * when the execution has no remote run, BATCH_EINVAL for another status. */
int store_remote_run_report(struct store *s, int64_t execution_id, const char *status,
                            const char *message, int64_t now_s, struct batch_err *reterr);

/* The remote runs with a final report whose execution has not ended yet (the reports
 * the daemon has still to apply), by execution id. */
int store_remote_run_reports(struct store *s, struct store_remote_run_list *ret,
                             struct batch_err *reterr);

/* Keeps `due` (Unix seconds) as the last answer of the next_due_api trigger of the
 * tenant's job, replacing the one before. */
int store_next_due_put(struct store *s, const char *tenant, const char *job, int64_t due,
                       int64_t now_s, struct batch_err *reterr);

/* The last kept answer of the job's next_due_api trigger; BATCH_ENOENT when none. */
int store_next_due_get(struct store *s, const char *tenant, const char *job, int64_t *ret_due,
                       struct batch_err *reterr);

void store_remote_run_release(struct store_remote_run *r);
void store_remote_run_list_release(struct store_remote_run_list *l);
void store_alert_release(struct store_alert *a);
void store_delivery_list_release(struct store_delivery_list *l);
void store_request_release(struct store_request *r);
void store_request_list_release(struct store_request_list *l);
void store_step_list_release(struct store_step_list *l);
void store_dead_letter_list_release(struct store_dead_letter_list *l);
void store_alert_list_release(struct store_alert_list *l);
void store_token_release(struct store_token *t);
void store_token_list_release(struct store_token_list *l);
void store_node_list_release(struct store_node_list *l);
void store_node_release(struct store_node *n);
void store_execution_list_release(struct store_execution_list *l);
void store_instance_release(struct store_instance *in);
void store_instance_list_release(struct store_instance_list *l);
void store_transition_list_release(struct store_transition_list *l);

void store_def_release(struct store_def *d);
void store_def_list_release(struct store_def_list *l);

/* Offers instance `id`, in 2 Starting, to the nodes: its claim is cleared (claim_node
 * NULL; the token is kept) and it is marked offered with `labels`, the labels its job
 * requires (canonical; "" for none; else BATCH_EINVAL). On PostgreSQL also
 * pg_notify('batchd_offer', '') in the same transaction. BATCH_ESTALE (nothing
 * changed) when the instance is not in 2 Starting or has an unfinished execution (a
 * claimed run in flight: its row is locked first, so a claim being committed counts),
 * BATCH_ENOENT when there is none.
 * Runs in the caller's transaction, if any (else in one of its own). */
int store_instance_offer(struct store *s, int64_t id, const char *labels,
                         struct batch_err *reterr);

/* Withdraws the offer of instance `id` when nobody claimed it: *ret_withdrawn true when
 * it was offered (it is offered no more), false when it was claimed or never offered.
 * For a stop of an offered instance (the planner moves it out of 2 Starting in the same
 * transaction, so no claim can take it afterwards). Runs in the caller's transaction. */
int store_instance_unoffer(struct store *s, int64_t id, bool *ret_withdrawn,
                           struct batch_err *reterr);

/* How many instances are offered (*ret_offered) and how many nodes may claim them
 * (*ret_nodes: active, not draining, their heartbeat lease not passed at now_s; 0: the
 * database's clock), so that a node takes its share of a burst (docs/cluster.md). */
int store_offer_outlook(struct store *s, int64_t now_s, int64_t *ret_offered,
                        int64_t *ret_nodes, struct batch_err *reterr);

/* Claims up to `limit` (1..1000, else BATCH_EINVAL) offered instances, lowest id first,
 * whose required labels are all among `labels` (canonical, else BATCH_EINVAL: an exact
 * match of each comma-separated label), for node `node`: each is no longer offered,
 * gets claim_node = node and claim_token + 1 (the labels it was offered with are kept
 * for store_claim_return). On PostgreSQL the rows are taken with FOR UPDATE SKIP
 * LOCKED, so concurrent claimers never take one instance twice and never wait for each
 * other (a claimer may then get fewer than limit while others hold rows); on SQLite
 * the write lock serialises claimers. Only instances in 2 Starting are claimed. Meant
 * to run inside the caller's transaction (the caller records the executions of what it
 * claimed, with store_claim_start, in the same one); without one it runs in its own.
 * The list (possibly empty; by instance id) into *ret, released with
 * store_claim_list_release. */
int store_claim(struct store *s, const char *node, const char *labels, unsigned limit,
                struct store_claim_list *ret, struct batch_err *reterr);

void store_claim_list_release(struct store_claim_list *l);

/* Records a new execution of the claimed instance e->instance_id (as
 * store_execution_start: node, pid, log_path, attempt numbering), fenced: BATCH_ESTALE
 * and nothing recorded unless the instance is in 2 Starting with claim_token == token
 * and claim_node == e->node (also when there is no such instance). The instance's row
 * is locked (PostgreSQL) until the caller's transaction ends. */
int store_claim_start(struct store *s, int64_t token, const struct store_execution *e,
                      int64_t now_s, int64_t *ret_id, int *ret_attempt,
                      struct batch_err *reterr);

/* Records the executions of n (0..1000) claimed runs of node `node` in one statement,
 * each as store_claim_start would: runs[i] is recorded when its instance is in 2
 * Starting with claim_token == runs[i].token and claim_node == node, and left out
 * (exec_id 0) otherwise; the number recorded into *ret_started. The runs must be in
 * ascending instance order, each once (BATCH_EINVAL otherwise, nothing recorded). On an
 * error nothing is recorded and every exec_id is 0. The rows recorded are locked
 * (PostgreSQL) until the caller's transaction ends. */
int store_claim_starts(struct store *s, const char *node, struct store_claim_run *runs,
                       size_t n, int64_t now_s, size_t *ret_started, struct batch_err *reterr);

/* Execution `exec_id`'s job is running: running_at = now_s, once. BATCH_ESTALE (nothing
 * changed) when it has finished, already has running_at, or its instance's claim_token
 * is no longer `token`; BATCH_ENOENT when there is no such execution. The fence
 * share-locks the instance's row (PostgreSQL), so a concurrent claim waits for it. */
int store_claim_running(struct store *s, int64_t exec_id, int64_t token, int64_t now_s,
                        struct batch_err *reterr);

/* Records how execution `exec_id` ended, as store_execution_finish does (including its
 * rollup refresh), fenced: BATCH_ESTALE (nothing changed) when it already finished or
 * its instance's claim_token is no longer `token`; BATCH_ENOENT when there is no such
 * execution. On PostgreSQL also pg_notify('batchd_run', '') in the same transaction. */
int store_claim_finish(struct store *s, int64_t exec_id, int64_t token, int exit_status,
                       const char *error, int64_t now_s, struct batch_err *reterr);

/* The stop of claimed run `exec_id` did not take effect (its node's SIGKILL did not end
 * it): `why` is written as the unfinished execution's error, for the planner to record
 * 11 Stop Failed, with pg_notify('batchd_run'). Fenced: BATCH_ESTALE (nothing changed)
 * unless the execution is unfinished and its instance is in 10 Stopping with
 * claim_token == token. */
int store_claim_stop_failed(struct store *s, int64_t exec_id, int64_t token, const char *why,
                            struct batch_err *reterr);

/* Gives a claim back: execution `exec_id` of the claimed instance never started (its
 * supervisor got no go). Withdraws the execution (as store_execution_withdraw) and,
 * when the instance is still in 2 Starting, offers it again with the labels it had
 * been offered with (claim_node NULL; the token kept); an instance the planner moved
 * on meanwhile (e.g. canceled) only loses the execution. Fenced like
 * store_claim_running: BATCH_ESTALE (nothing changed) when the execution has finished,
 * has reported running, or the claim_token is no longer `token`; BATCH_ENOENT when
 * there is no such execution. */
int store_claim_return(struct store *s, int64_t exec_id, int64_t token,
                       struct batch_err *reterr);

/* Every claimed instance (claim_node not NULL) in 2 Starting, 4 Running, 10 Stopping or
 * 11 Stop Failed, with its latest execution (by attempt), by instance id. now_s 0: the
 * database's clock (as store_lease_acquire takes it) for node_lost. Reads the
 * instances by instances_state (tenant, state): cheap when few runs are in flight.
 * Release with store_claimed_run_list_release. */
int store_claimed_runs(struct store *s, int64_t now_s, struct store_claimed_run_list *ret,
                       struct batch_err *reterr);

/* The runs of node `node`: every instance claimed by it in 2, 4, 10 or 11 whose latest
 * execution has not finished (or that has no execution yet: exec_id 0): the same rows
 * as store_claimed_runs (node_lost computed too). For a node's restart (re-watch its
 * supervisors) and to find the runs to stop (state 10). */
int store_node_claims(struct store *s, const char *node, int64_t now_s,
                      struct store_claimed_run_list *ret, struct batch_err *reterr);

void store_claimed_run_list_release(struct store_claimed_run_list *l);

/* pg_notify(channel, '') in the caller's transaction (delivered at its commit; at once
 * without one); nothing on SQLite. BATCH_EINVAL for an empty channel. */
int store_notify(struct store *s, const char *channel, struct batch_err *reterr);

/* A connection that LISTENs to PostgreSQL notifications (store_notify), for an epoll
 * loop: PostgreSQL only (src/store/postgres/listen.c). */
struct store_listener;

/* Connects to `dsn` (postgresql:// or postgres://) and LISTENs to the `nchannels`
 * channels (1..16; each 1 to 63 of [a-z0-9_]), into *ret (close with
 * store_listener_close). BATCH_EINVAL for another DSN (SQLite has no notifications:
 * batch_errors.h has no "not supported" code) or a bad channel, BATCH_EIO when the
 * server cannot be reached, BATCH_ENOMEM. */
int store_listen(const char *dsn, const char *const *channels, size_t nchannels,
                 struct store_listener **ret, struct batch_err *reterr);

/* The connection's socket: poll it for input (borrowed; valid until close). */
int store_listener_fd(const struct store_listener *l);

/* Consumes what arrived, without blocking: returns how many notifications (0 or more),
 * or BATCH_EIO when the connection broke (the caller closes it and listens again
 * later). */
int store_listener_drain(struct store_listener *l, struct batch_err *reterr);

/* Closes the connection (NULL is ignored). */
void store_listener_close(struct store_listener *l);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_postgres_ops;

#endif
