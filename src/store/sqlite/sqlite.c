/* sqlite.c: the SQLite driver of the repository (sql.h).
 *
 * One file in WAL mode with synchronous=FULL (durable by default; DESIGN §11.3),
 * foreign keys on, a quick integrity check at open when asked, statements prepared once
 * and reused. Writers take turns (gate.h): every write transaction begins IMMEDIATE,
 * after this process's earlier writers of the file (the gate), and waits for other
 * processes with a busy handler; a write outside a transaction takes its turn at the gate
 * too. docs/internals/sqlite-writers.md. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "store/sql.h"
#include "store/sqlite/gate.h"
#include "store/store.h"

/* The page cache of each connection opened from now on, in KiB; 0: SQLite's default
 * (store_set_page_cache). */
static int page_cache_kib;

void store_set_page_cache(int kib)
{
        page_cache_kib = kib > 0 ? kib : 0;
}

struct sql_conn {
        sqlite3 *db;
        bool in_tx; /* in a transaction, and holding the gate's turn */
        struct sqlite_gate *gate;
        struct sqlite_busy busy;
        sqlite3_stmt *begin, *commit, *rollback;
};

struct sql_stmt {
        struct sql_conn *c;
        sqlite3_stmt *st;
        bool row; /* the last step returned a row */
};

static int conn_error(struct sql_conn *c, struct batch_err *reterr, const char *what)
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
static int conn_step(struct sql_conn *c, sqlite3_stmt *st)
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
                return conn_error(c, reterr, "preparing statements");
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
        s->row = false;
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
        int rc = conn_step(s->c, s->st);
        s->row = rc == SQLITE_ROW;
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return conn_error(s->c, reterr, what);
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

/* A returned row's first column, else the last rowid when the statement inserted one. */
static int64_t inserted_id(struct sql_stmt *s)
{
        if (s->row)
                return sqlite3_column_int64(s->st, 0);
        return sqlite3_changes(s->c->db) > 0 ? sqlite3_last_insert_rowid(s->c->db) : 0;
}

static int64_t changes(struct sql_stmt *s)
{
        return sqlite3_changes(s->c->db);
}

static bool in_tx(struct sql_conn *c)
{
        return c->in_tx;
}

static int exec(struct sql_conn *c, const char *sql, struct batch_err *reterr)
{
        char *msg = NULL;
        if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int r = batch_err_set(reterr, BATCH_EIO, "db", "db: %s", msg ? msg : "error");
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

/* Runs one of the connection's transaction statements. */
static int run_tx(struct sql_conn *c, sqlite3_stmt *st, const char *what, struct batch_err *reterr)
{
        int rc = conn_step(c, st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : conn_error(c, reterr, what);
}

static void conn_close(struct sql_conn *c)
{
        if (!c)
                return;
        if (c->in_tx) {
                sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
                sqlite_gate_leave(c->gate);
        }
        sqlite_gate_put(c->gate);
        sqlite3_finalize(c->begin);
        sqlite3_finalize(c->commit);
        sqlite3_finalize(c->rollback);
        sqlite3_close(c->db);
        free(c);
}

/* PRAGMA quick_check: BATCH_EIO with SQLite's first finding unless it says "ok". */
static int quick_check(struct sql_conn *c, const char *path, struct batch_err *reterr)
{
        sqlite3_stmt *qc;
        if (sqlite3_prepare_v2(c->db, "PRAGMA quick_check", -1, &qc, NULL) != SQLITE_OK)
                return conn_error(c, reterr, "integrity check");
        const char *verdict =
            sqlite3_step(qc) == SQLITE_ROW ? (const char *)sqlite3_column_text(qc, 0) : NULL;
        int r = 0;
        if (!verdict || strcmp(verdict, "ok"))
                r = batch_err_set(reterr, BATCH_EIO, "db", "db: %s failed the integrity check: %s",
                                  path, verdict ? verdict : sqlite3_errmsg(c->db));
        sqlite3_finalize(qc);
        /* The check read every page: give back the cache it filled (2 MB by default). */
        sqlite3_db_release_memory(c->db);
        return r;
}

static int conn_open(const char *path, unsigned flags, struct sql_conn **ret,
                     struct batch_err *reterr)
{
        struct sql_conn *c = calloc(1, sizeof(*c));
        if (!c)
                return BATCH_ENOMEM;
        int r;
        if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK) {
                r = batch_err_set(reterr, BATCH_EIO, "db", "db: cannot open %s: %s", path,
                                  c->db ? sqlite3_errmsg(c->db) : "out of memory");
                goto fail;
        }
        sqlite_busy_init(c->db, &c->busy);
        /* Switching a new file to WAL needs it alone: another process opening it at the
         * same moment makes this fail with SQLITE_BUSY at once (the busy handler does not
         * cover it), so try again for up to 5 s. */
        for (int tries = 0;; tries++) {
                r = exec(c, "PRAGMA journal_mode=WAL", reterr);
                if (r == 0 || sqlite3_errcode(c->db) != SQLITE_BUSY || tries == 500)
                        break;
                sqlite3_sleep(10);
        }
        if (r < 0 || (r = exec(c, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", reterr)) < 0)
                goto fail;
        if (page_cache_kib) {
                char pragma[48];
                snprintf(pragma, sizeof(pragma), "PRAGMA cache_size=-%d", page_cache_kib);
                if ((r = exec(c, pragma, reterr)) < 0)
                        goto fail;
        }
        if ((r = sqlite_gate_get(c->db, &c->gate, reterr)) < 0)
                goto fail;
        if ((flags & STORE_OPEN_CHECK) && (r = quick_check(c, path, reterr)) < 0)
                goto fail;
        const char *sql[] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
        sqlite3_stmt **st[] = {&c->begin, &c->commit, &c->rollback};
        for (int i = 0; i < 3; i++) {
                if (sqlite3_prepare_v3(c->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, st[i], NULL) !=
                    SQLITE_OK) {
                        r = conn_error(c, reterr, "preparing statements");
                        goto fail;
                }
        }
        *ret = c;
        return 0;
fail:
        conn_close(c);
        return r;
}

/* BEGIN IMMEDIATE: the transaction holds SQLite's write lock from its start, so no
 * statement in it can meet SQLITE_BUSY (a deferred transaction that reads first and
 * then writes fails with SQLITE_BUSY_SNAPSHOT when another connection wrote meanwhile,
 * and no busy handler can help it). Before it, the turn at the gate. */
static int begin(struct sql_conn *c, struct batch_err *reterr)
{
        int r = sqlite_gate_enter(c->gate, reterr);
        if (r < 0)
                return r;
        c->in_tx = true; /* conn_step: BEGIN IMMEDIATE is a write, and the turn is ours */
        if ((r = run_tx(c, c->begin, "begin", reterr)) < 0) {
                c->in_tx = false;
                sqlite_gate_leave(c->gate);
        }
        return r;
}

static int commit(struct sql_conn *c, struct batch_err *reterr)
{
        int r = run_tx(c, c->commit, "commit", reterr);
        /* A failed COMMIT leaves the transaction open for the caller's rollback, unless
         * SQLite rolled it back itself (I/O error, disk full). */
        if (r == 0 || sqlite3_get_autocommit(c->db)) {
                c->in_tx = false;
                sqlite_gate_leave(c->gate);
        }
        return r;
}

static void rollback(struct sql_conn *c)
{
        if (!c->in_tx)
                return;
        run_tx(c, c->rollback, "rollback", NULL);
        c->in_tx = false;
        sqlite_gate_leave(c->gate);
}

static void *native(struct sql_conn *c)
{
        return c->db;
}

/* SQLite's side of the dialect points (docs/internals/store.md). */
static const struct sql_token dialect[] = {
        /* a boolean column's true (SQLite stores 0 and 1) */
        {"TRUE", "1"},
        /* how an insert tells its new row's id: here the last rowid (inserted_id), since
         * RETURNING halves the rate of inserts */
        {"RETURNING_ID", ""},
        /* tables check their column types, which are INTEGER (64 bits), REAL and TEXT;
         * a boolean is an INTEGER checked to be 0 or 1 */
        {"STRICT", " STRICT"},
        {"WITHOUT_ROWID", ", WITHOUT ROWID"},
        {"INT64", "INTEGER"},
        {"ROW_ID", "INTEGER PRIMARY KEY"},
        {"REAL", "REAL"},
        {"BOOL", "INTEGER"},
        {"FALSE", "0"},
        {"CHECK_SCHEDULED", " CHECK (scheduled IN (0, 1))"},
        {"CHECK_ESCALATION", " CHECK (escalation IN (0, 1))"},
        /* the rows of a JSON array of ids bound as text */
        {"IDS1", "(SELECT value FROM json_each(?1))"},
        /* ?1, a JSON array: one row per element, its column `value` */
        {"JSON_ROWS1", "json_each(?1)"},
        /* index hints where the planner picks a slower index by itself */
        {"BY_STATE", " INDEXED BY instances_state"},
        {"BY_TENANT_DUE", " INDEXED BY instances_tenant_due"},
        {"BY_JOB_DUE", " INDEXED BY instances_job_due"},
        {"BY_JOB_SLOT", " INDEXED BY run_slots_job"},
        /* row locks: one writer at a time holds the whole file */
        {"FOR_UPDATE", ""},
        {"GROUP_CONCAT", "group_concat"},
        {"FOR_NO_KEY_UPDATE", ""},
        {"FOR_SHARE", ""},
        /* the time, whole seconds since 1970 (an expression) */
        {"DB_NOW_S", "CAST(strftime('%s', 'now') AS INTEGER)"},
        /* the predicate of the partial index instances_slot, as the migration wrote it */
        {"SLOT", "scheduled = 1"},
        /* a number that changes whenever another connection commits a write */
        {"DATA_VERSION", "PRAGMA data_version"},
        /* the database server's time, microseconds since 1970 (here: this machine's) */
        {"DB_NOW_US", "SELECT CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"},
        /* claims (schema 16): no label of offer_labels (made a JSON array: labels hold
         * no quote) missing from ?3; one writer at a time, so nothing to skip or lock;
         * no notifications (a statement that does nothing) */
        {"LABELS_OK", "NOT EXISTS (SELECT 1 FROM json_each('[\"' || replace(offer_labels, "
                      "',', '\",\"') || '\"]') l WHERE l.value <> '' AND "
                      "instr(',' || ?3 || ',', ',' || l.value || ',') = 0)"},
        {"SKIP_LOCKED", ""},
        {"FOR_SHARE_OF_I", ""},
        {"NOTIFY", "SELECT CAST(?1 AS TEXT) WHERE 0"},
        {NULL, NULL},
};

const struct sql_driver sqlite_driver = {
        .name = "sqlite",
        .dialect = dialect,
        SQL_DRIVER_FUNCTIONS,
};
