/* batch.h: libbatch, the batchd SDK — chunk-oriented, restartable batch programs in C.
 *
 * A program builds a job of steps and hands it to batch_main(). A chunk step reads
 * items with a reader, passes each through an optional processor (which may filter it)
 * and writes them in chunks of `commit_interval` items with a writer; after each chunk
 * the reader's position, the writer's position and the step's saved state are committed
 * to the job repository (DESIGN §7). A tasklet step is one function, called until it
 * says it is finished. docs/sdk.md is the guide; this header is the contract.
 *
 * Conventions (STYLE.md): functions return 0 (or a documented positive value) on
 * success and a negative BATCH_E* code on failure, with detail in the optional last
 * parameter `struct batch_err *reterr`, written only on failure. Arguments are borrowed
 * unless the comment says the function takes them. Destructors accept NULL.
 *
 * Error classes: a reader, processor or writer callback that fails returns
 *   BATCH_ETRANSIENT  the operation may succeed if retried: retried with exponential
 *                     backoff and jitter up to the step's retry policy, then fatal;
 *   BATCH_ESKIP       this item is bad: it is skipped and counted (read-, process- or
 *                     write-skip), it and its error go to the dead-letter store, and the
 *                     step fails once more than skip_limit items were skipped;
 *   any other code    fatal: the step (or only its partition) fails.
 * Callbacks are called from the thread that runs the step (for a multi-threaded or
 * partitioned step, from worker threads: see batch_step_set_threads()). */
#ifndef BATCH_H
#define BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BATCH_EXTERN __attribute__((visibility("default")))

/* ---- errors ------------------------------------------------------------------------ */

/* The code base's error table and record (shared with batchd: src/common/err.h). */
#include "batch_errors.h"

/* The SDK's own codes: the two error classes a callback returns, and the outcomes the
 * runner reports. */
#define BATCH_SDK_ERR_MAP(XX)                                                                     \
        XX(ETRANSIENT, -1101, "transient error (may succeed if retried)")                         \
        XX(ESKIP, -1102, "bad item (may be skipped)")                                             \
        XX(ESKIPLIMIT, -1103, "the skip limit was exceeded")                                      \
        XX(ERETRYLIMIT, -1104, "the retries were exhausted")                                      \
        XX(ECOMPLETED, -1105, "the job instance has already completed")                           \
        XX(ERUNNING, -1106, "the job instance is running in another process")                     \
        XX(ESTOPPED, -1107, "stopped on request")                                                 \
        XX(EAUTH, -1108, "the API refused the credentials")

enum batch_sdk_errno {
#define BATCH_SDK_ERR_ENUM(name, value, desc) BATCH_##name = (value),
        BATCH_SDK_ERR_MAP(BATCH_SDK_ERR_ENUM)
#undef BATCH_SDK_ERR_ENUM
};

/* A static description of any BATCH_E* code, the SDK's included. */
BATCH_EXTERN const char *batch_error_string(int code);

/* ---- objects ------------------------------------------------------------------------ */

struct batch_job;   /* a named sequence of steps with transitions and listeners */
struct batch_step;  /* a chunk or tasklet step */
struct batch_ctx;   /* what a callback may ask about the running step (borrowed) */

/* Spring Batch's eight counts of a step execution (DESIGN §7). */
struct batch_counts {
        int64_t read, write, commit, rollback;
        int64_t read_skip, process_skip, write_skip, filter;
};

/* Exit statuses the SDK itself produces; programs may set their own (batch_ctx_set_exit). */
#define BATCH_EXIT_COMPLETED "COMPLETED"
#define BATCH_EXIT_FAILED "FAILED"
#define BATCH_EXIT_STOPPED "STOPPED"
/* Transition targets besides step names. */
#define BATCH_END "@end"   /* the job completes */
#define BATCH_FAIL "@fail" /* the job fails */

/* ---- readers, processors, writers ------------------------------------------------------
 * Each is a table of callbacks plus `ud`. The step copies the table and owns `ud` from
 * then on: destroy_cb(ud) is called when the job is freed (also when adding fails). */

struct batch_reader {
        /* Prepares to read. `position` is what position_cb returned at the last committed
         * chunk, or NULL to start from the beginning. Optional. */
        int (*open_cb)(void *ud, struct batch_ctx *ctx, const char *position,
                       struct batch_err *reterr);
        /* Reads the next item into *ret_item (owned by the step until free_cb): returns 1
         * with an item, 0 at the end, or a negative code (class as above; after
         * BATCH_ESKIP the reader must be positioned after the bad record). Required. */
        int (*read_cb)(void *ud, void **ret_item, struct batch_err *reterr);
        /* The position after the last item read, as a malloc'ed string (*ret), which
         * open_cb must accept. Required for a restartable step; without it a restart
         * starts from the beginning. */
        int (*position_cb)(void *ud, char **ret, struct batch_err *reterr);
        /* The item as text for the dead-letter store (malloc'ed; item NULL: the raw
         * record of the last read that failed). Optional. */
        char *(*text_cb)(void *ud, const void *item);
        void (*free_cb)(void *ud, void *item); /* frees an item; optional */
        void (*close_cb)(void *ud);            /* after the step, whatever its end; optional */
        void (*destroy_cb)(void *ud);          /* frees ud; optional */
        void *ud;
};

struct batch_processor {
        /* Turns `in` into *ret_out (which may be `in` itself). Returns 0 with an output,
         * 1 to filter the item out (counted as filtered, not written), or a negative
         * code. Required. */
        int (*process_cb)(void *ud, struct batch_ctx *ctx, void *in, void **ret_out,
                          struct batch_err *reterr);
        /* Frees an output that is not the input; optional. */
        void (*free_cb)(void *ud, void *out);
        void (*destroy_cb)(void *ud);
        void *ud;
};

struct batch_writer {
        /* Prepares to write; `position` is what position_cb returned at the last
         * committed chunk (NULL at the start). Optional. */
        int (*open_cb)(void *ud, struct batch_ctx *ctx, const char *position,
                       struct batch_err *reterr);
        /* Writes n items. When `in_repository` is set this runs inside the chunk's
         * repository transaction (batch_ctx_sqlite() is its connection) and must neither
         * commit nor roll back. Required. */
        int (*write_cb)(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                        struct batch_err *reterr);
        /* Undoes the last write_cb call (writers outside the repository; the chunk scan
         * calls it after a failed write, e.g. to drop buffered rows). Optional: without
         * it a failed partial write may leave items that are written again. */
        void (*rollback_cb)(void *ud);
        /* Makes what was written durable; called before the checkpoint commits.
         * Optional. */
        int (*flush_cb)(void *ud, struct batch_err *reterr);
        /* The writer's position after the last flush (malloc'ed), given back to open_cb
         * on a restart. Optional. */
        int (*position_cb)(void *ud, char **ret, struct batch_err *reterr);
        void (*close_cb)(void *ud);
        void (*destroy_cb)(void *ud);
        /* true: writes go to the repository database in the chunk's transaction, so
         * items and checkpoint commit together (exactly-once). false: the checkpoint
         * commits after flush_cb (at-least-once; the writer must be idempotent or undo
         * to its position on open). */
        bool in_repository;
        void *ud;
};

/* A tasklet: called repeatedly, each call in its own repository transaction followed by
 * a checkpoint; returns 0 when finished, 1 to be called again, or a negative code. */
typedef int (*batch_tasklet_cb)(void *ud, struct batch_ctx *ctx, struct batch_err *reterr);

/* Listeners: every callback is optional. */
enum batch_skip_kind { BATCH_SKIP_READ, BATCH_SKIP_PROCESS, BATCH_SKIP_WRITE };

struct batch_listener {
        void (*before_job_cb)(void *ud, struct batch_ctx *ctx);
        void (*after_job_cb)(void *ud, struct batch_ctx *ctx, const char *exit_status);
        void (*before_step_cb)(void *ud, struct batch_ctx *ctx);
        void (*after_step_cb)(void *ud, struct batch_ctx *ctx, const char *exit_status,
                              const struct batch_counts *counts);
        void (*before_chunk_cb)(void *ud, struct batch_ctx *ctx);
        /* committed: false when the chunk was rolled back (the step then fails). */
        void (*after_chunk_cb)(void *ud, struct batch_ctx *ctx, bool committed);
        void (*skip_cb)(void *ud, struct batch_ctx *ctx, enum batch_skip_kind kind,
                        const char *item_text, const struct batch_err *err);
        void *ud;
};

/* Retry policy for BATCH_ETRANSIENT: at most max_attempts tries in all (1: no retry);
 * the delay before try k+1 is min(initial_delay_us * multiplier^(k-1), max_delay_us),
 * of which a random `jitter` fraction (0..1) is taken off. Default: 3 tries, 100 ms,
 * x2, 10 s, jitter 0.5. */
struct batch_retry_policy {
        unsigned max_attempts;
        int64_t initial_delay_us;
        int64_t max_delay_us;
        double multiplier;
        double jitter;
};

/* ---- building a job ------------------------------------------------------------------ */

/* A new job named `name` (letters, digits, '-', '_', '.'). NULL when out of memory or
 * the name is not valid. Free with batch_job_free(). */
BATCH_EXTERN struct batch_job *batch_job_new(const char *name);

/* Frees the job, its steps and their readers', processors' and writers' ud. */
BATCH_EXTERN struct batch_job *batch_job_free(struct batch_job *job);

/* A chunk step. Copies the tables and takes their ud (destroyed also on failure).
 * processor may be NULL. commit_interval >= 1. NULL when out of memory or invalid. */
BATCH_EXTERN struct batch_step *batch_chunk_step_new(const char *name,
                                                     const struct batch_reader *reader,
                                                     const struct batch_processor *processor,
                                                     const struct batch_writer *writer,
                                                     unsigned commit_interval);

/* A tasklet step; `destroy` (optional) frees ud with the job. */
BATCH_EXTERN struct batch_step *batch_tasklet_step_new(const char *name, batch_tasklet_cb fn,
                                                       void *ud, void (*destroy)(void *ud));

/* Adds the step at the end of the job's sequence; the job takes it (freed even when
 * this fails). BATCH_EEXIST when the name is taken, BATCH_EINVAL for a NULL step. */
BATCH_EXTERN int batch_job_add_step(struct batch_job *job, struct batch_step *step,
                                    struct batch_err *reterr);

/* Conditional flow: after step `from` ends with an exit status matching `pattern` (an
 * fnmatch(3) pattern, e.g. "FAILED" or "*"), go to `to` (a step name, BATCH_END or
 * BATCH_FAIL). Transitions are tried in the order added. Without a matching one, a
 * FAILED step fails the job, a STOPPED step stops it, and any other exit status goes
 * on to the next step in sequence. BATCH_ENOENT for an unknown step (checked at run). */
BATCH_EXTERN int batch_job_on(struct batch_job *job, const char *from, const char *pattern,
                              const char *to, struct batch_err *reterr);

/* Adds a listener (copied). */
BATCH_EXTERN int batch_job_add_listener(struct batch_job *job, const struct batch_listener *l,
                                        struct batch_err *reterr);

/* A partitioned step: `partitions` chunk steps named "NAME:0" .. "NAME:N-1", each with
 * its own reader, processor, writer and checkpoint, run on at most `threads` threads.
 * At each run fn(ud, i, partitions, ...) fills partition i's tables (the processor's
 * process_cb may stay NULL for none); the partition takes their ud's. A fatal error
 * stops only its partition; the others finish; the step fails if any partition failed
 * (stops if any stopped), and its exit message names each partition's written, skipped
 * and failed state. A restart runs only the partitions that did not complete. Callbacks
 * and listeners are then called from the worker threads (one partition per thread at a
 * time), each partition with its own repository connection. The skip limit and retry
 * policy set on this step apply to each partition. */
typedef int (*batch_partition_cb)(void *ud, unsigned partition, unsigned partitions,
                                  struct batch_reader *ret_reader,
                                  struct batch_processor *ret_processor,
                                  struct batch_writer *ret_writer, struct batch_err *reterr);

BATCH_EXTERN struct batch_step *batch_partitioned_step_new(const char *name, unsigned partitions,
                                                           unsigned threads,
                                                           unsigned commit_interval,
                                                           batch_partition_cb fn, void *ud,
                                                           void (*destroy)(void *ud));

/* Chunk step settings; each returns 0 or BATCH_EINVAL. */
BATCH_EXTERN int batch_step_set_skip_limit(struct batch_step *step, int64_t skip_limit);
BATCH_EXTERN int batch_step_set_retry(struct batch_step *step,
                                      const struct batch_retry_policy *policy);
/* Multi-threaded chunk step: up to `throttle` threads read (one at a time, the reader
 * is locked) and process chunks in parallel; the step's own thread writes and commits
 * them in read order, so the checkpoint is the low-water mark of the contiguous finished
 * chunks and a restart resumes exactly after it. The processor, the reader's text_cb
 * (with an item) and skip listeners are then called from several threads; the writer
 * and the other reader callbacks from one thread at a time. 1: single-threaded. */
BATCH_EXTERN int batch_step_set_threads(struct batch_step *step, unsigned throttle);

/* ---- running ------------------------------------------------------------------------- */

struct batch_param {
        const char *name;
        const char *value;
};

struct batch_run_opts {
        const char *db;          /* repository DSN (SQLite path or postgresql:// URL) */
        const char *tenant;      /* NULL: "default" */
        /* Identifying parameters: with the job name they identify the job instance. */
        const struct batch_param *params;
        size_t nparams;
        /* Non-identifying parameters (visible to the program, not part of the identity). */
        const struct batch_param *extra;
        size_t nextra;
        /* Run by batchd: the instance and execution it created (0: run by hand). */
        int64_t instance_id;
        int64_t execution_id;
        bool anew;               /* run a completed instance again from the start */
        bool handle_sigterm;     /* install a SIGTERM/SIGINT handler for cooperative stop */
        int64_t stop_poll_us;    /* how often to look for a stop in the repository (0: 1 s) */
};

struct batch_result {
        int64_t instance_id;
        int64_t execution_id;
        char exit_status[32];    /* COMPLETED, FAILED, STOPPED */
        struct batch_counts counts; /* summed over the steps run by this execution */
};

/* Runs (or resumes) the job instance. Returns 0 with *ret filled when the job ran to an
 * end (COMPLETED, FAILED or STOPPED: see ret->exit_status), BATCH_ECOMPLETED when the
 * instance already completed and !opts->anew, BATCH_ERUNNING when another live process
 * runs it, or another code when the repository could not be used. */
BATCH_EXTERN int batch_job_run(struct batch_job *job, const struct batch_run_opts *opts,
                               struct batch_result *ret, struct batch_err *reterr);

/* The whole program: reads the run from the environment when started by batchd
 * (BATCH_DB, BATCH_INSTANCE_ID, BATCH_EXECUTION_ID, BATCH_PARAM_*), otherwise from the
 * command line: `--db DSN [--tenant T] [--anew] [name=value ...] [--extra name=value]`.
 * Prints a summary on stderr. Returns the exit status for main(): 0 COMPLETED,
 * 1 FAILED, 2 usage, 3 refused (completed or running), 4 STOPPED. Does not free job. */
BATCH_EXTERN int batch_main(struct batch_job *job, int argc, char **argv);

/* Asks every running job in this process to stop after its current chunk
 * (async-signal-safe). */
BATCH_EXTERN void batch_request_stop(void);

/* ---- serving jobs to batchd (the remote-job protocol) ------------------------------------ */

/* A service that lets batchd run libbatch jobs as remote (http executor) jobs
 * (docs/remote-jobs.md is the protocol, docs/sdk.md "Serving jobs to batchd" the guide):
 * batchd POSTs a start to {context_path}, GETs {context_path}/executions/{id} and POSTs
 * {context_path}/executions/{id}/stop; the service runs the job (batch_job_run, on a
 * thread per start) in its own job repository `db`, identified by the batchd instance
 * (identifying parameter `batchd_instance`, so batchd's retry of an instance resumes
 * from its last checkpoint), with the start's parameters (#DueTime... included) as
 * non-identifying ones, reports the steps' eight counts to batchd's callback URL after
 * chunks (at most every progress_ms) and the final status at the end, and turns a stop
 * into the cooperative stop of the run (after its current chunk). Runs of one job take
 * turns. An unknown job name is answered 404 NoSuchJobException. */
struct batch_service;

struct batch_service_opts {
        const char *listen;        /* "IPv4:PORT" (port 0: any free one); NULL: "127.0.0.1:0" */
        const char *context_path;  /* e.g. "/batch"; NULL: "" */
        const char *db;            /* the service's job repository (required) */
        const char *tenant;        /* NULL: "default" */
        const char *bearer_token;  /* requests must carry "Authorization: Bearer <it>";
                                      NULL: none. Copied; never logged */
        int64_t progress_ms;       /* at most one progress callback per run this often
                                      (0: 1000) */
};

/* Creates a service (not yet listening). Options are copied. BATCH_EINVAL without db,
 * BATCH_ENOMEM. Free with batch_service_free. */
BATCH_EXTERN int batch_service_new(const struct batch_service_opts *o,
                                   struct batch_service **ret, struct batch_err *reterr);

/* Serves `job` (borrowed: it must outlive the service; a listener is added to it) as
 * remote job `remote_name` (1 to 200 bytes). Before batch_service_start only.
 * BATCH_EINVAL, BATCH_EEXIST (the name is taken), BATCH_ENOMEM. */
BATCH_EXTERN int batch_service_add_job(struct batch_service *s, const char *remote_name,
                                       struct batch_job *job, struct batch_err *reterr);

/* Opens the repository and starts listening (threads of its own; returns at once).
 * BATCH_EINVAL (listen is not IPv4:PORT), BATCH_EIO (cannot listen), or the
 * repository's error. Call curl-using code's curl_global_init before threads exist:
 * this call runs it too. */
BATCH_EXTERN int batch_service_start(struct batch_service *s, struct batch_err *reterr);

/* The port it listens on (after batch_service_start). */
BATCH_EXTERN unsigned batch_service_port(const struct batch_service *s);

/* Stops listening, asks the runs still going to stop (after their current chunk),
 * waits for them and their final reports, and frees everything. NULL is ignored;
 * returns NULL. */
BATCH_EXTERN struct batch_service *batch_service_free(struct batch_service *s);

/* ---- the step context ------------------------------------------------------------------ */

/* A parameter's value (borrowed, valid during the run): identifying and extra
 * parameters, then BATCH_PARAM_<NAME> from the environment; "#DueTime",
 * "#FirstDueTime" and "#LastDueTime" give batchd's due times, "#ProcessDate" its process
 * date (YYYY-MM-DD). NULL when unset. */
BATCH_EXTERN const char *batch_ctx_param(struct batch_ctx *ctx, const char *name);
BATCH_EXTERN const char *batch_ctx_job_name(struct batch_ctx *ctx);
BATCH_EXTERN const char *batch_ctx_step_name(struct batch_ctx *ctx);
BATCH_EXTERN int64_t batch_ctx_instance_id(struct batch_ctx *ctx);
BATCH_EXTERN int64_t batch_ctx_execution_id(struct batch_ctx *ctx);
/* The step's counts so far in this execution (borrowed). */
BATCH_EXTERN const struct batch_counts *batch_ctx_counts(struct batch_ctx *ctx);
/* The step's saved state: a string committed with each checkpoint and given back on a
 * restart (NULL when none). set copies it; BATCH_EINVAL for text that is not UTF-8,
 * BATCH_ENOMEM. */
BATCH_EXTERN const char *batch_ctx_state(struct batch_ctx *ctx);
BATCH_EXTERN int batch_ctx_set_state(struct batch_ctx *ctx, const char *state);
/* Sets the step's exit status (at most 31 bytes of UTF-8) for conditional flow;
 * BATCH_EINVAL otherwise. */
BATCH_EXTERN int batch_ctx_set_exit(struct batch_ctx *ctx, const char *exit_status);
/* The repository's SQLite connection (a `sqlite3 *`), inside the chunk's transaction
 * while write_cb or a tasklet runs; NULL when the repository is not SQLite. */
BATCH_EXTERN void *batch_ctx_sqlite(struct batch_ctx *ctx);
/* The repository's PostgreSQL connection (a `PGconn *`), in the chunk's transaction
 * while write_cb or a tasklet runs; NULL when the repository is not PostgreSQL. */
BATCH_EXTERN void *batch_ctx_postgres(struct batch_ctx *ctx);
/* The partition number and count of a partitioned step (0 and 1 otherwise). */
BATCH_EXTERN unsigned batch_ctx_partition(struct batch_ctx *ctx, unsigned *ret_count);

/* ---- records: the items of the built-in readers and writers ------------------------------ */

/* One record: n fields, each with a name (shared, may be "" when unnamed) and a value
 * (NUL-terminated; NULL for SQL NULL). Owned by the step; free with batch_record_free. */
struct batch_record {
        size_t n;
        const char *const *names;
        char **values;
        int64_t number;          /* 1-based record number in its source */
};

/* The value of field `name`, or NULL when there is none (borrowed). */
BATCH_EXTERN const char *batch_record_get(const struct batch_record *rec, const char *name);
/* A new record with n fields copied from names/values (values may hold NULLs). The
 * names array is copied too. NULL when out of memory. */
BATCH_EXTERN struct batch_record *batch_record_new(size_t n, const char *const *names,
                                                   const char *const *values);
BATCH_EXTERN void batch_record_free(struct batch_record *rec);
/* The record as one CSV line without the line end (malloc'ed; NULL on ENOMEM). */
BATCH_EXTERN char *batch_record_to_csv(const struct batch_record *rec, char delimiter);

/* ---- built-in readers and writers (all restartable) -------------------------------------- */

struct batch_csv_options {
        const char *path;        /* the file; or */
        const char *path_param;  /* the parameter that names it */
        char delimiter;          /* 0: ',' */
        bool header;             /* the first line names the fields */
        const char *const *names; /* field names when !header (n_names of them) */
        size_t n_names;
        bool strict_width;       /* a record with another number of fields is a read skip */
};

/* Fills *r with a CSV reader (RFC 4180 quoting, CRLF or LF; restart by byte offset).
 * Items are struct batch_record. BATCH_EINVAL, BATCH_ENOMEM. */
BATCH_EXTERN int batch_csv_reader(struct batch_reader *r, const struct batch_csv_options *o,
                                  struct batch_err *reterr);

struct batch_csv_writer_options {
        const char *path;
        const char *path_param;
        char delimiter;
        const char *const *columns; /* fields written, by name, in this order (also the
                                       header line); NULL: every field of each record */
        size_t n_columns;
        bool header;
        bool fsync;              /* fdatasync before each checkpoint (default: on unless
                                    no_fsync) */
        bool no_fsync;
};

/* Fills *w with a CSV writer of struct batch_record items. On a restart it truncates
 * the file back to the offset of the last checkpoint, so the file holds each record
 * once. */
BATCH_EXTERN int batch_csv_writer(struct batch_writer *w,
                                  const struct batch_csv_writer_options *o,
                                  struct batch_err *reterr);

/* Fills *r with a JSON-lines reader: each line one JSON object, whose members become
 * the record's fields (strings as they are, other values as JSON text, null as NULL).
 * A line that is not a JSON object is a read skip. Restart by byte offset. */
BATCH_EXTERN int batch_jsonl_reader(struct batch_reader *r, const struct batch_csv_options *o,
                                    struct batch_err *reterr);

struct batch_sqlite_reader_options {
        const char *path;        /* the database file; NULL: the repository itself */
        const char *query;       /* a SELECT; its rows are read ordered by key */
        const char *key;         /* a column of the query, unique, integer or text */
        unsigned page_size;      /* rows per query (0: 1000) */
};

/* Fills *r with a SQLite reader that pages through `query` by key (keyset pagination:
 * `WHERE key > last ORDER BY key LIMIT page`); the position is the last key read.
 * Items are struct batch_record with the query's column names. */
BATCH_EXTERN int batch_sqlite_reader(struct batch_reader *r,
                                     const struct batch_sqlite_reader_options *o,
                                     struct batch_err *reterr);

struct batch_sqlite_writer_options {
        const char *path;        /* the database file; NULL: the repository itself, in the
                                    chunk's transaction (exactly-once) */
        /* An SQL statement run once per item: named parameters (:name, @name, $name) take
         * the record's field of that name, ?N takes field N (1-based). A statement
         * failing with a constraint error is a write skip. */
        const char *sql;
};

BATCH_EXTERN int batch_sqlite_writer(struct batch_writer *w,
                                     const struct batch_sqlite_writer_options *o,
                                     struct batch_err *reterr);

struct batch_pg_reader_options {
        const char *conninfo;    /* libpq connection string; NULL: the repository itself */
        const char *query;       /* a SELECT; its rows are read ordered by key */
        const char *key;         /* a unique column of the query */
        unsigned page_size;      /* rows per query (0: 1000) */
};

/* Fills *r with a PostgreSQL reader paging through `query` by key (keyset pagination;
 * the position is the last key, as text, compared in the key column's own type). Items
 * are struct batch_record. */
BATCH_EXTERN int batch_pg_reader(struct batch_reader *r, const struct batch_pg_reader_options *o,
                                 struct batch_err *reterr);

struct batch_pg_writer_options {
        const char *conninfo;    /* NULL: the repository itself, in the chunk's transaction
                                    (exactly-once) */
        const char *sql;         /* a statement with $1..$n */
        const char *const *fields; /* the record field for each $i (NULL: field i) */
        size_t n_fields;
};

/* Fills *w with a PostgreSQL writer: the statement once per item. An integrity
 * violation (SQLSTATE class 23) is a write skip; a serialization failure, deadlock or
 * lost connection (40001, 40P01, class 08) is transient. */
BATCH_EXTERN int batch_pg_writer(struct batch_writer *w, const struct batch_pg_writer_options *o,
                                 struct batch_err *reterr);

/* ---- the HTTP client for token-protected APIs (docs/http-client.md) ---------------------
 * One client per API, shared by all threads of the program: connections are kept and
 * reused (a pool of libcurl handles), transient failures (no connection, timeouts, 408,
 * 425, 429, 5xx) are retried with exponential backoff and full jitter honouring
 * Retry-After, and the token manager logs in, keeps the access and refresh tokens in
 * memory only, refreshes at `refresh_fraction` of the access token's lifetime (from the
 * JWT's exp, else the token response's expires_in), refreshes once and retries on a 401,
 * and logs in again when the refresh is refused — one refresh at a time however many
 * threads need one. No token or secret is ever written anywhere by the client, and the
 * error messages it makes are redacted. */

struct batch_http;

enum batch_http_auth {
        BATCH_HTTP_AUTH_NONE,               /* no Authorization header */
        BATCH_HTTP_AUTH_CLIENT_CREDENTIALS, /* login with client_id + client_secret */
        BATCH_HTTP_AUTH_PASSWORD,           /* login with username + password (+ client_id) */
        BATCH_HTTP_AUTH_BEARER,             /* a fixed token (bearer_token), never refreshed */
};

struct batch_http_options {
        const char *base_url;       /* required: "http://host:port[/prefix]"; paths are appended */
        int64_t connect_timeout_ms; /* 0: 5000 */
        int64_t timeout_ms;         /* per attempt; 0: 30000 */
        unsigned max_attempts;      /* tries in all for a transient failure; 0: 4 */
        int64_t backoff_base_ms;    /* first retry's ceiling; 0: 100 */
        int64_t backoff_max_ms;     /* the ceiling's cap; 0: 10000 */
        int64_t max_retry_after_ms; /* the longest Retry-After honoured; 0: 60000 */
        enum batch_http_auth auth;
        const char *login_path;     /* POST, JSON; NULL: "/api/auth/login" */
        const char *refresh_path;   /* POST {"refresh_token":…}; NULL: "/api/auth/refresh" */
        const char *client_id;
        const char *client_secret;
        const char *username;
        const char *password;
        const char *bearer_token;
        double refresh_fraction;    /* 0: 0.9 */
};

/* A new client (options and strings copied; secrets are wiped on free). BATCH_EINVAL
 * naming the option when one is missing or out of range, BATCH_ENOMEM. No request is
 * made yet: the first request logs in. Thread-safe once made. */
BATCH_EXTERN struct batch_http *batch_http_new(const struct batch_http_options *o,
                                               struct batch_err *reterr);
/* Frees the client and wipes its tokens and secrets. NULL is ignored; returns NULL. */
BATCH_EXTERN struct batch_http *batch_http_free(struct batch_http *h);

struct batch_http_request {
        const char *method;          /* "GET", "PUT", "POST", "PATCH", "DELETE" */
        const char *path;            /* appended to base_url; query included */
        const char *body;            /* JSON text sent as application/json, or NULL */
        const char *if_match;        /* If-Match value (e.g. "\"7\""), or NULL */
        const char *idempotency_key; /* Idempotency-Key value, or NULL */
};

struct batch_http_response {
        long status;                 /* the final attempt's HTTP status */
        char *body;                  /* malloc'ed, NUL-terminated (may hold NULs: see len) */
        size_t len;
        char etag[128];              /* the ETag header, "" when none */
        unsigned attempts;           /* tries made, the 401 retry included */
};

/* Sends the request. 0 with *ret filled (release with batch_http_response_release) when
 * a final answer came: any status the rules do not retry (2xx, 3xx, 4xx but 401, 408,
 * 425, 429) — the caller looks at ret->status (a 409 is the caller's to judge).
 * BATCH_ESKIP when the transient failures outlasted max_attempts or a 401 persisted
 * after a refresh: reterr's message names the method, path, last status (or transport
 * error), tries and a redacted excerpt of the body, so the chunk step puts the item in
 * the dead-letter store. BATCH_EAUTH when the login is refused (fatal: the credentials
 * are wrong), BATCH_ERANGE for a response larger than 16 MiB, BATCH_EINVAL for a bad
 * request, BATCH_ENOMEM. Thread-safe. */
BATCH_EXTERN int batch_http_send(struct batch_http *h, const struct batch_http_request *req,
                                 struct batch_http_response *ret, struct batch_err *reterr);
BATCH_EXTERN void batch_http_response_release(struct batch_http_response *r);

/* The client's counters since batch_http_new (a consistent-enough snapshot). */
struct batch_http_metrics {
        int64_t requests;           /* attempts sent (token requests not included) */
        int64_t by_class[6];        /* [0] no response (transport error), [k] kxx responses */
        int64_t retries;            /* attempts after a transient failure */
        int64_t auth_retries;       /* attempts repeated after a 401 */
        int64_t logins;             /* successful logins, the first included */
        int64_t reauths;            /* logins after the first (refresh refused or impossible) */
        int64_t refresh_proactive;  /* refreshes made because the token was due */
        int64_t refresh_on_401;     /* refreshes made because of a 401 */
        int64_t refresh_failures;   /* refreshes refused or failed */
};
BATCH_EXTERN void batch_http_metrics(struct batch_http *h, struct batch_http_metrics *ret);

/* Records h's counters with the job's step executions: every checkpoint (and the end of
 * each step) stores them, with the items per minute since the execution started, as the
 * step execution's `metrics` (a JSON object: docs/http-client.md), which the API and
 * `batchctl instance get` show. The job borrows h: it must outlive batch_job_run /
 * batch_main. NULL stops recording. */
BATCH_EXTERN void batch_job_set_http(struct batch_job *job, struct batch_http *h);

/* The Idempotency-Key of item `item_key` in the running step: derived from the job
 * instance, the step's name and the key, so a retried or restarted chunk sends the
 * same key again ("batch-<instance>-<step>-<key>", percent-encoded). 0, or
 * BATCH_ERANGE when it does not fit in outlen (128 is always enough for keys of up to
 * 32 bytes and step names of the SDK's 63). */
BATCH_EXTERN int batch_http_idempotency_key(struct batch_ctx *ctx, const char *item_key,
                                            char *out, size_t outlen);

/* Submits job `job` to the batchd whose API `h` talks to (seed 001's
 * BatchClientAPI.submitJob): POST /api/v1/jobs/{job}/submit with {"params": {...}} (the
 * job's parameters overridden by these, copied). `h` is made with base_url the daemon's
 * API (e.g. "http://127.0.0.1:8080") and, usually, BATCH_HTTP_AUTH_BEARER with an
 * operator API token; it retries and handles tokens as for any request. 0 with
 * *ret_instance_id the new instance; BATCH_ENOENT no such job, BATCH_EEXIST the job is
 * disabled or allows one live instance and has one, BATCH_EAUTH the token was refused
 * (401/403), BATCH_EINVAL a bad job name or parameters (400), BATCH_ESKIP the daemon
 * stayed unreachable or failing through the retries, BATCH_EIO another answer; the
 * message carries the API's `detail`. A submit retried after a lost answer may create a
 * second instance: batchd's API has no idempotency keys (docs/http-client.md). */
BATCH_EXTERN int batch_client_submit(struct batch_http *h, const char *job,
                                     const struct batch_param *params, size_t nparams,
                                     int64_t *ret_instance_id, struct batch_err *reterr);

/* ---- related items: all or nothing (docs/http-client.md, "Groups") --------------------
 * Items that belong together (the work orders of one production order) are applied as a
 * group: each in turn, and when one fails the ones already applied are undone, newest
 * first, through the program's compensation. A reader that returns a whole group as one
 * item makes the group one dead letter when this fails. */
struct batch_group_ops {
        /* Applies one item: 0, or a negative code (any code fails the group). Required. */
        int (*apply_cb)(void *ud, struct batch_ctx *ctx, void *item, struct batch_err *reterr);
        /* Undoes an applied item: 0, or a negative code. Required. */
        int (*compensate_cb)(void *ud, struct batch_ctx *ctx, void *item,
                             struct batch_err *reterr);
        void *ud;
};

/* Applies the n items of group `group_key` all or nothing. 0 when every item applied.
 * BATCH_ESKIP when one failed and every item applied before it was compensated: the
 * message names the group, the failed item (1-based), its error and the number
 * compensated — returned from a processor, the group's item becomes one dead letter.
 * BATCH_EIO when a compensation failed too (the group is then partly applied; the
 * message names the items left applied): fatal, the step stops for an operator.
 * Writes one audit line per attempt on stderr (the run's log under batchd):
 * "batch-audit: group=KEY instance=I step=S items=N result=applied|compensated|partial
 * [failed_item=K compensated=C] [error=…]". Thread-safe as the callbacks are. */
BATCH_EXTERN int batch_group_apply(struct batch_ctx *ctx, const char *group_key,
                                   void *const *items, size_t n,
                                   const struct batch_group_ops *ops, struct batch_err *reterr);

#ifdef __cplusplus
}
#endif

#endif
