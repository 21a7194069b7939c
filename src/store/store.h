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

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The schema version this code writes and understands. */
#define STORE_SCHEMA_VERSION 1

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

void store_def_release(struct store_def *d);
void store_def_list_release(struct store_def_list *l);

extern const struct store_ops store_sqlite_ops;

#endif
