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
#define STORE_SCHEMA_VERSION 2

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
        int64_t after_id;    /* keyset cursor: ids greater than this (0: from the start) */
        unsigned limit;      /* 0: 100; at most 10000 */
};

/* One recorded state change of an instance. */
struct store_transition {
        int64_t at;
        int from_state; /* -1 for the creation */
        int to_state;
        char *actor;
        char *reason;
};

struct store_transition_list {
        size_t n;
        struct store_transition *items;
};

struct store_ops {
        int version;
        const char *name;
        int (*open)(const char *dsn, struct store **ret, struct batch_err *reterr);
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
};

/* Every backend's struct starts with this. */
struct store {
        const struct store_ops *ops;
};

/* Opens the repository named by `dsn`, applying schema migrations. Errors:
 * BATCH_EINVAL (unknown or unbuilt backend), BATCH_ESCHEMA (written by a newer
 * version), BATCH_EIO (cannot open or corrupt). */
int store_open(const char *dsn, struct store **ret, struct batch_err *reterr);

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

/* The instance's recorded transitions, oldest first. */
int store_instance_history(struct store *s, int64_t id, struct store_transition_list *ret,
                           struct batch_err *reterr);

void store_instance_release(struct store_instance *in);
void store_instance_list_release(struct store_instance_list *l);
void store_transition_list_release(struct store_transition_list *l);

void store_def_release(struct store_def *d);
void store_def_list_release(struct store_def_list *l);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_postgres_ops;

#endif
