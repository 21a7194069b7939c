/* sql.h: the small SQL driver interface the repository (repo.c) runs its statements
 * through; one driver per engine (sqlite/sqlite.c, postgres/postgres.c). The shape is a
 * cursor: prepare once, then per use bind, step row by row, read columns, reset.
 * docs/internals/store.md has the layers and how to add an engine.
 *
 * A driver also owns its connection: open (with the engine's own settings and checks)
 * and transactions. The schema's migrations are written once (migrations.c), with
 * dialect tokens where the engines' DDL differs; repo.c applies them.
 *
 * Statements reach a driver written once: parameters as ?1 ?2 ... (the PostgreSQL
 * driver renumbers them $1 $2 ...), and the few points where the engines' SQL really
 * differs as {NAME} tokens, expanded by repo.c from the driver's dialect table. */
#ifndef BATCH_STORE_SQL_H
#define BATCH_STORE_SQL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct sql_conn; /* one connection of a driver */
struct sql_stmt; /* one prepared statement of a connection */

/* One dialect point: the text that replaces {name} in a statement. */
struct sql_token {
        const char *name;
        const char *text;
};

struct sql_driver {
        const char *name;
        /* Run around applying migrations (NULL: nothing): several nodes may open one
         * database at once. */
        const char *migrate_lock, *migrate_unlock;

        /* Connects to `dsn` with the engine's settings; flags: enum store_open_flag.
         * BATCH_EIO (or BATCH_EINVAL, BATCH_ENOMEM) saying why not. */
        int (*open)(const char *dsn, unsigned flags, struct sql_conn **ret,
                    struct batch_err *reterr);
        /* Closes the connection (NULL is ignored), rolling back an open transaction. */
        void (*close)(struct sql_conn *c);
        /* A write transaction: begin waits for the engine's write turn where it has one. A
         * failed commit leaves the transaction for rollback unless the engine ended it. */
        int (*begin)(struct sql_conn *c, struct batch_err *reterr);
        int (*commit)(struct sql_conn *c, struct batch_err *reterr);
        void (*rollback)(struct sql_conn *c);
        /* Runs one or more statements without parameters or rows (migrations). */
        int (*exec)(struct sql_conn *c, const char *sql, struct batch_err *reterr);
        /* The engine's own handle (sqlite3 *, PGconn *). */
        void *(*native)(struct sql_conn *c);

        /* The dialect table, ended by {NULL, NULL}: every {NAME} a statement holds must
         * be in it (repo.c refuses to prepare one that is not). */
        const struct sql_token *dialect;
        /* Prepares `sql` (tokens already expanded) for repeated use. BATCH_EIO with the
         * engine's message. */
        int (*prepare)(struct sql_conn *c, const char *sql, struct sql_stmt **ret,
                       struct batch_err *reterr);
        void (*finalize)(struct sql_stmt *st);
        /* Ends the statement's current run and clears its bindings. */
        void (*reset)(struct sql_stmt *st);
        /* Parameter i (from 1). Text is copied; NULL binds SQL NULL. Booleans are bound
         * as 0 or 1. */
        void (*bind_int64)(struct sql_stmt *st, int i, int64_t v);
        void (*bind_double)(struct sql_stmt *st, int i, double v);
        void (*bind_text)(struct sql_stmt *st, int i, const char *v);
        /* Runs the statement (first call after reset) or moves to its next row: 1 with a
         * row to read, 0 when done, or a negative batch error with reterr saying `what`
         * failed and the engine's reason. */
        int (*step)(struct sql_stmt *st, const char *what, struct batch_err *reterr);
        /* Column i (from 0) of the current row. Booleans read as 0 or 1; text stays valid
         * until the next step or reset. */
        bool (*column_null)(struct sql_stmt *st, int i);
        int64_t (*column_int64)(struct sql_stmt *st, int i);
        double (*column_double)(struct sql_stmt *st, int i);
        const char *(*column_text)(struct sql_stmt *st, int i);
        /* The id of the row the statement's last run inserted (or, with RETURNING id,
         * wrote), 0 when none; read before reset. The statement says {RETURNING_ID}. */
        int64_t (*inserted_id)(struct sql_stmt *st);
        /* The rows the statement's last run inserted, updated or deleted. */
        int64_t (*changes)(struct sql_stmt *st);
        /* Whether the connection is inside a transaction. */
        bool (*in_tx)(struct sql_conn *c);
};

/* The function entries of a driver, for its initializer: each driver's file names its
 * (static) functions after the entries they fill. */
#define SQL_DRIVER_FUNCTIONS                                                                \
        .open = conn_open, .close = conn_close, .begin = begin, .commit = commit,         \
        .rollback = rollback, .exec = exec, .native = native, .prepare = prepare,         \
        .finalize = finalize, .reset = reset, .bind_int64 = bind_int64,                   \
        .bind_double = bind_double, .bind_text = bind_text, .step = step,                 \
        .column_null = column_null, .column_int64 = column_int64,                         \
        .column_double = column_double, .column_text = column_text,                       \
        .inserted_id = inserted_id, .changes = changes, .in_tx = in_tx

/* The numbered migrations of every engine (migrations.c): sql_migrations[i], its dialect
 * tokens expanded, brings the schema to version i + 1. */
extern const char *const sql_migrations[];
extern const int sql_nmigrations;

extern const struct sql_driver sqlite_driver;
extern const struct sql_driver postgres_driver;

#endif
