/* driver.c: the SQLite driver (sql.h): the cursor over sqlite3_stmt, with writes
 * outside a transaction taking their turn at the gate (gate.h). */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/driver.h"

struct sql_stmt {
        struct sql_conn *c;
        sqlite3_stmt *st;
};

int sqlite_conn_error(struct sql_conn *c, struct batch_err *reterr, const char *what)
{
        if ((sqlite3_errcode(c->db) & 0xff) == SQLITE_BUSY)
                return batch_err_set(reterr, BATCH_EIO, "db",
                                     "db: %s: %s (another process kept it locked for %d s)", what,
                                     sqlite3_errmsg(c->db), SQLITE_WRITE_WAIT_S);
        return batch_err_set(reterr, BATCH_EIO, "db", "db: %s: %s", what, sqlite3_errmsg(c->db));
}

/* The turn ends when the step returns; a RETURNING statement's lock lasts until its
 * reset, which the next writer's busy handler waits out. When the turn does not come,
 * the statement runs anyway, waited for by the busy handler alone. */
int sqlite_conn_step(struct sql_conn *c, sqlite3_stmt *st)
{
        if (c->in_tx || sqlite3_stmt_readonly(st) || sqlite3_stmt_busy(st) ||
            sqlite_gate_enter(c->gate, NULL) < 0)
                return sqlite3_step(st);
        int rc = sqlite3_step(st);
        sqlite_gate_leave(c->gate);
        return rc;
}

static int prepare(struct sql_conn *c, const char *sql, struct sql_stmt **ret,
                   struct batch_err *reterr)
{
        struct sql_stmt *s = calloc(1, sizeof(*s));
        if (!s)
                return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
        s->c = c;
        if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) !=
            SQLITE_OK) {
                free(s);
                return sqlite_conn_error(c, reterr, "preparing statements");
        }
        *ret = s;
        return 0;
}

static void finalize(struct sql_stmt *s)
{
        if (s) {
                sqlite3_finalize(s->st);
                free(s);
        }
}

static void reset(struct sql_stmt *s)
{
        sqlite3_reset(s->st);
        sqlite3_clear_bindings(s->st);
}

static void bind_int64(struct sql_stmt *s, int i, int64_t v)
{
        sqlite3_bind_int64(s->st, i, v);
}

static void bind_double(struct sql_stmt *s, int i, double v)
{
        sqlite3_bind_double(s->st, i, v);
}

static void bind_text(struct sql_stmt *s, int i, const char *v)
{
        if (v)
                sqlite3_bind_text(s->st, i, v, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(s->st, i);
}

static int step(struct sql_stmt *s, const char *what, struct batch_err *reterr)
{
        int rc = sqlite_conn_step(s->c, s->st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return sqlite_conn_error(s->c, reterr, what);
}

static bool column_null(struct sql_stmt *s, int i)
{
        return sqlite3_column_type(s->st, i) == SQLITE_NULL;
}

static int64_t column_int64(struct sql_stmt *s, int i)
{
        return sqlite3_column_int64(s->st, i);
}

static double column_double(struct sql_stmt *s, int i)
{
        return sqlite3_column_double(s->st, i);
}

static const char *column_text(struct sql_stmt *s, int i)
{
        return (const char *)sqlite3_column_text(s->st, i);
}

static int64_t changes(struct sql_stmt *s)
{
        return sqlite3_changes(s->c->db);
}

static bool in_tx(struct sql_conn *c)
{
        return c->in_tx;
}

/* SQLite's side of the dialect points (docs/internals/store.md). */
static const struct sql_token dialect[] = {
        /* a boolean column's true (SQLite stores 0 and 1) */
        {"TRUE", "1"},
        /* the rows of a JSON array of ids bound as text */
        {"IDS1", "(SELECT value FROM json_each(?1))"},
        /* index hints where the planner picks a slower index by itself */
        {"BY_STATE", " INDEXED BY instances_state"},
        {"BY_TENANT_DUE", " INDEXED BY instances_tenant_due"},
        {"BY_JOB_DUE", " INDEXED BY instances_job_due"},
        /* row locks: one writer at a time holds the whole file */
        {"FOR_UPDATE", ""},
        {"FOR_NO_KEY_UPDATE", ""},
        /* the predicate of the partial index instances_slot, as the migration wrote it */
        {"SLOT", "scheduled = 1"},
        /* a number that changes whenever another connection commits a write */
        {"DATA_VERSION", "PRAGMA data_version"},
        {NULL, NULL},
};

const struct sql_driver sqlite_driver = {
        .name = "sqlite",
        .dialect = dialect,
        .row_locks = false,
        .prepare = prepare,
        .finalize = finalize,
        .reset = reset,
        .bind_int64 = bind_int64,
        .bind_double = bind_double,
        .bind_text = bind_text,
        .step = step,
        .column_null = column_null,
        .column_int64 = column_int64,
        .column_double = column_double,
        .column_text = column_text,
        .changes = changes,
        .in_tx = in_tx,
};
