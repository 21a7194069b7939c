/* driver.h: the SQLite driver of the repository (sql.h), and the connection it drives.
 * The connection's fields are the SQLite engine's own (sqlite.c opens it). */
#ifndef BATCH_STORE_SQLITE_DRIVER_H
#define BATCH_STORE_SQLITE_DRIVER_H

#include <stdbool.h>
#include <sqlite3.h>

#include "store/sql.h"
#include "store/sqlite/gate.h"

struct sql_conn {
        sqlite3 *db;
        bool in_tx; /* in a transaction, and holding the gate's turn */
        struct sqlite_gate *gate;
        struct sqlite_busy busy;
};

extern const struct sql_driver sqlite_driver;

/* sqlite3_step, except that a statement that writes outside a transaction (autocommit)
 * first waits for its turn at the gate, as a transaction does. */
int sqlite_conn_step(struct sql_conn *c, sqlite3_stmt *st);

/* BATCH_EIO "db: WHAT: SQLite's message" (saying how long it waited when busy). */
int sqlite_conn_error(struct sql_conn *c, struct batch_err *reterr, const char *what);

#endif
