/* sqlite.c: the SQLite driver of the repository (sql.h), and SQLite's migrations.
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

#include "store/rollup.h"
#include "store/sql.h"
#include "store/sqlite/gate.h"
#include "store/store.h"

/* Migrations, in order; index i brings the schema to version i + 1. */
static const char *const migrations[] = {
        /* 1: tenants, definitions with their version history, audit log. */
        "CREATE TABLE tenants (\n"
        "  name TEXT PRIMARY KEY,\n"
        "  created_at INTEGER NOT NULL\n"
        ") STRICT;\n"
        "CREATE TABLE definitions (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  kind TEXT NOT NULL CHECK (kind IN ('job', 'calendar', 'settings')),\n"
        "  name TEXT NOT NULL,\n"
        "  version INTEGER NOT NULL,\n"
        "  spec TEXT NOT NULL,\n"
        "  updated_at INTEGER NOT NULL,\n"
        "  updated_by TEXT NOT NULL,\n"
        "  PRIMARY KEY (tenant, kind, name)\n"
        ") STRICT;\n"
        "CREATE TABLE definition_versions (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  kind TEXT NOT NULL,\n"
        "  name TEXT NOT NULL,\n"
        "  version INTEGER NOT NULL,\n"
        "  spec TEXT,\n"
        "  changed TEXT,\n"
        "  changed_at INTEGER NOT NULL,\n"
        "  changed_by TEXT NOT NULL,\n"
        "  PRIMARY KEY (tenant, kind, name, version)\n"
        ") STRICT;\n"
        "CREATE TABLE audit_log (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  at INTEGER NOT NULL,\n"
        "  actor TEXT NOT NULL,\n"
        "  action TEXT NOT NULL,\n"
        "  object TEXT NOT NULL,\n"
        "  detail TEXT\n"
        ") STRICT;\n"
        "CREATE INDEX audit_log_at ON audit_log(at);\n",
        /* 2: instances and their state transitions. */
        "CREATE TABLE instances (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  job TEXT NOT NULL,\n"
        "  scheduled INTEGER NOT NULL CHECK (scheduled IN (0, 1)),\n"
        "  due_time INTEGER NOT NULL,\n"
        "  first_due INTEGER NOT NULL,\n"
        "  last_due INTEGER NOT NULL,\n"
        "  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 12),\n"
        "  reason TEXT,\n"
        "  params TEXT,\n"
        "  trace_id TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  updated_at INTEGER NOT NULL\n"
        ") STRICT;\n"
        "CREATE UNIQUE INDEX instances_slot ON instances(tenant, job, due_time) WHERE scheduled = 1;\n"
        "CREATE INDEX instances_job_due ON instances(tenant, job, due_time);\n"
        "CREATE INDEX instances_state ON instances(tenant, state, id);\n"
        "CREATE INDEX instances_job_id ON instances(tenant, job, id);\n"
        "CREATE TABLE instance_transitions (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  instance_id INTEGER NOT NULL REFERENCES instances(id),\n"
        "  at INTEGER NOT NULL,\n"
        "  from_state INTEGER,\n"
        "  to_state INTEGER NOT NULL,\n"
        "  actor TEXT NOT NULL,\n"
        "  reason TEXT\n"
        ") STRICT;\n"
        "CREATE INDEX instance_transitions_instance ON instance_transitions(instance_id, id);\n",
        /* 3: executions (attempts), step executions, checkpoints, dead letters, alerts,
         * API tokens, nodes and leases. */
        "CREATE TABLE executions (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  instance_id INTEGER NOT NULL REFERENCES instances(id),\n"
        "  attempt INTEGER NOT NULL,\n"
        "  node TEXT,\n"
        "  pid INTEGER NOT NULL,\n"
        "  log_path TEXT,\n"
        "  started_at INTEGER NOT NULL,\n"
        "  finished_at INTEGER,\n"
        "  exit_status INTEGER,\n"
        "  error TEXT,\n"
        "  UNIQUE (instance_id, attempt)\n"
        ") STRICT;\n"
        "CREATE INDEX executions_running ON executions(finished_at) WHERE finished_at IS NULL;\n"
        "CREATE TABLE step_executions (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  execution_id INTEGER NOT NULL REFERENCES executions(id),\n"
        "  name TEXT NOT NULL,\n"
        "  status TEXT NOT NULL CHECK (status IN ('STARTED', 'COMPLETED', 'FAILED', 'STOPPED')),\n"
        "  read_count INTEGER NOT NULL CHECK (read_count >= 0),\n"
        "  write_count INTEGER NOT NULL CHECK (write_count >= 0),\n"
        "  commit_count INTEGER NOT NULL CHECK (commit_count >= 0),\n"
        "  rollback_count INTEGER NOT NULL CHECK (rollback_count >= 0),\n"
        "  read_skip_count INTEGER NOT NULL CHECK (read_skip_count >= 0),\n"
        "  process_skip_count INTEGER NOT NULL CHECK (process_skip_count >= 0),\n"
        "  write_skip_count INTEGER NOT NULL CHECK (write_skip_count >= 0),\n"
        "  filter_count INTEGER NOT NULL CHECK (filter_count >= 0),\n"
        "  exit_message TEXT,\n"
        "  started_at INTEGER NOT NULL,\n"
        "  updated_at INTEGER NOT NULL,\n"
        "  UNIQUE (execution_id, name)\n"
        ") STRICT;\n"
        "CREATE TABLE checkpoints (\n"
        "  instance_id INTEGER NOT NULL REFERENCES instances(id),\n"
        "  step TEXT NOT NULL,\n"
        "  data TEXT NOT NULL,\n"
        "  updated_at INTEGER NOT NULL,\n"
        "  PRIMARY KEY (instance_id, step)\n"
        ") STRICT;\n"
        "CREATE TABLE dead_letters (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  instance_id INTEGER NOT NULL REFERENCES instances(id),\n"
        "  step TEXT NOT NULL,\n"
        "  item TEXT NOT NULL,\n"
        "  error TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL\n"
        ") STRICT;\n"
        "CREATE INDEX dead_letters_instance ON dead_letters(instance_id, id);\n"
        "CREATE TABLE alerts (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  instance_id INTEGER REFERENCES instances(id),\n"
        "  kind TEXT NOT NULL,\n"
        "  message TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  acknowledged_at INTEGER,\n"
        "  acknowledged_by TEXT\n"
        ") STRICT;\n"
        "CREATE INDEX alerts_tenant ON alerts(tenant, id);\n"
        "CREATE TABLE api_tokens (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  name TEXT NOT NULL,\n"
        "  role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),\n"
        "  hash TEXT NOT NULL UNIQUE,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  expires_at INTEGER NOT NULL,\n"
        "  revoked_at INTEGER,\n"
        "  UNIQUE (tenant, name)\n"
        ") STRICT;\n"
        "CREATE TABLE nodes (\n"
        "  name TEXT PRIMARY KEY,\n"
        "  capacity INTEGER NOT NULL,\n"
        "  started_at INTEGER NOT NULL,\n"
        "  heartbeat_at INTEGER NOT NULL\n"
        ") STRICT;\n"
        "CREATE TABLE leases (\n"
        "  name TEXT PRIMARY KEY,\n"
        "  holder TEXT NOT NULL,\n"
        "  expires_at INTEGER NOT NULL\n"
        ") STRICT;\n",
        /* 4: operators' requests for the daemon. */
        "CREATE TABLE requests (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  instance_id INTEGER NOT NULL REFERENCES instances(id),\n"
        "  action TEXT NOT NULL CHECK (action IN ('stop', 'rerun', 'mark-success')),\n"
        "  actor TEXT NOT NULL,\n"
        "  reason TEXT,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  done_at INTEGER,\n"
        "  result INTEGER,\n"
        "  message TEXT\n"
        ") STRICT;\n"
        "CREATE INDEX requests_pending ON requests(id) WHERE done_at IS NULL;\n",
        /* 5: indexes for instance lists: every instance of a tenant in id order (the
         * newest first, keyset pages), by due time without a job, and the failed
         * executions (failed_only). */
        "CREATE INDEX instances_tenant_id ON instances(tenant, id);\n"
        "CREATE INDEX instances_tenant_due ON instances(tenant, due_time);\n"
        "CREATE INDEX executions_failed ON executions(instance_id)\n"
        "  WHERE exit_status <> 0 OR error IS NOT NULL;\n",
        /* 6: the clock of the running batchd, for other processes' time stamps. */
        "CREATE TABLE clock (\n"
        "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
        "  holder TEXT NOT NULL,\n"
        "  real_at_us INTEGER NOT NULL,\n"
        "  clock_at_us INTEGER NOT NULL,\n"
        "  rate REAL NOT NULL CHECK (rate > 0)\n"
        ") STRICT;\n",
        /* 7: alerts name their job, severity and suppressing alert; their deliveries. */
        "ALTER TABLE alerts ADD COLUMN job TEXT;\n"
        "ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'warning'\n"
        "  CHECK (severity IN ('critical', 'warning', 'info'));\n"
        "ALTER TABLE alerts ADD COLUMN suppressed_by INTEGER REFERENCES alerts(id);\n"
        "CREATE INDEX alerts_job_kind ON alerts(tenant, job, kind, id);\n"
        "CREATE TABLE alert_deliveries (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  alert_id INTEGER NOT NULL REFERENCES alerts(id),\n"
        "  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),\n"
        "  target TEXT NOT NULL,\n"
        "  state TEXT NOT NULL\n"
        "    CHECK (state IN ('pending', 'sent', 'failed', 'suppressed', 'paused')),\n"
        "  attempts INTEGER NOT NULL DEFAULT 0,\n"
        "  next_attempt_at INTEGER,\n"
        "  last_attempt_at INTEGER,\n"
        "  last_answer TEXT,\n"
        "  message_id TEXT NOT NULL,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  escalation INTEGER NOT NULL DEFAULT 0 CHECK (escalation IN (0, 1))\n"
        ") STRICT;\n"
        "CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id, id);\n"
        "CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at, id)\n"
        "  WHERE state = 'pending';\n",
        /* 8: remote runs' callback tokens (hashed) and reports; the last answer of each
         * next_due_api trigger (docs/remote-jobs.md). */
        "CREATE TABLE remote_runs (\n"
        "  execution_id INTEGER PRIMARY KEY REFERENCES executions(id),\n"
        "  instance_id INTEGER NOT NULL REFERENCES instances(id),\n"
        "  token_hash TEXT NOT NULL UNIQUE,\n"
        "  created_at INTEGER NOT NULL,\n"
        "  reported_status TEXT CHECK (reported_status IN ('success', 'failed', 'stopped')),\n"
        "  reported_message TEXT,\n"
        "  reported_at INTEGER\n"
        ") STRICT;\n"
        "CREATE INDEX remote_runs_reported ON remote_runs(execution_id)\n"
        "  WHERE reported_status IS NOT NULL;\n"
        "CREATE TABLE next_due_answers (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  job TEXT NOT NULL,\n"
        "  due_time INTEGER NOT NULL,\n"
        "  answered_at INTEGER NOT NULL,\n"
        "  PRIMARY KEY (tenant, job)\n"
        ") STRICT;\n",
        /* 9: a step execution's run metrics (a JSON object), docs/http-client.md. */
        "ALTER TABLE step_executions ADD COLUMN metrics TEXT;\n",
        /* 10: the runs figures per quarter hour and job, with their backfill
         * (src/store/rollup.h, docs/report.md). */
        ROLLUP_DDL("INTEGER") " STRICT, WITHOUT ROWID;\n"
        "CREATE INDEX run_slots_job ON run_slots(tenant, job, slot);\n" ROLLUP_BACKFILL,
        /* 11: an instance's process date, fixed when it is created (docs/scheduler.md). */
        "ALTER TABLE instances ADD COLUMN process_date TEXT;\n",
};

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
        /* tables check their column types */
        {"STRICT", " STRICT"},
        /* the rows of a JSON array of ids bound as text */
        {"IDS1", "(SELECT value FROM json_each(?1))"},
        /* index hints where the planner picks a slower index by itself */
        {"BY_STATE", " INDEXED BY instances_state"},
        {"BY_TENANT_DUE", " INDEXED BY instances_tenant_due"},
        {"BY_JOB_DUE", " INDEXED BY instances_job_due"},
        {"BY_JOB_SLOT", " INDEXED BY run_slots_job"},
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
        .migrations = migrations,
        .nmigrations = sizeof(migrations) / sizeof(migrations[0]),
        .dialect = dialect,
        SQL_DRIVER_FUNCTIONS,
};
