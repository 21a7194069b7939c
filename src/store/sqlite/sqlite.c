/* sqlite.c: the embedded SQLite backend of the job repository.
 *
 * One file in WAL mode with synchronous=FULL (durable by default; DESIGN §11.3),
 * foreign keys on, a quick integrity check at open, numbered migrations applied in
 * one transaction each and recorded in schema_migrations, and prepared statements
 * prepared once and reused. Writers take turns (gate.h): every write transaction
 * begins IMMEDIATE, after this process's earlier writers of the file (the gate), and
 * waits for other processes with a busy handler; docs/internals/sqlite-writers.md. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "common/buf.h"
#include "store/repo.h"
#include "store/sqlite/driver.h"

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
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

enum stmt_id {
        ST_BEGIN,
        ST_COMMIT,
        ST_ROLLBACK,
        ST_SAVEPOINT,
        ST_SAVEPOINT_RELEASE,
        ST_SAVEPOINT_ROLLBACK,
        ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
        [ST_BEGIN] = "BEGIN IMMEDIATE",
        [ST_COMMIT] = "COMMIT",
        [ST_ROLLBACK] = "ROLLBACK",
        [ST_SAVEPOINT] = "SAVEPOINT store_sp",
        [ST_SAVEPOINT_RELEASE] = "RELEASE store_sp",
        [ST_SAVEPOINT_ROLLBACK] = "ROLLBACK TO store_sp",
};

struct sqlite_store {
        struct repo repo;
        struct sql_conn c;
        sqlite3_stmt *stmt[ST_COUNT];
};

static int db_error(struct sqlite_store *s, struct batch_err *reterr, const char *what)
{
        return sqlite_conn_error(&s->c, reterr, what);
}

static int db_step(struct sqlite_store *s, sqlite3_stmt *st)
{
        return sqlite_conn_step(&s->c, st);
}

/* The prepared statement `id`, reset and with bindings cleared. */
static sqlite3_stmt *stmt(struct sqlite_store *s, enum stmt_id id)
{
        sqlite3_stmt *st = s->stmt[id];
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
}

static int exec(struct sqlite_store *s, const char *sql, struct batch_err *reterr)
{
        char *msg = NULL;
        if (sqlite3_exec(s->c.db, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int r = batch_err_set(reterr, BATCH_EIO, "db", "db: %s", msg ? msg : "error");
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

static int run(struct sqlite_store *s, sqlite3_stmt *st, struct batch_err *reterr,
               const char *what)
{
        int rc = db_step(s, st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return db_error(s, reterr, what);
        return 0;
}

static void sqlite_close(struct store *base)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        if (!s)
                return;
        if (s->c.in_tx) {
                sqlite3_exec(s->c.db, "ROLLBACK", NULL, NULL, NULL);
                sqlite_gate_leave(s->c.gate);
        }
        sqlite_gate_put(s->c.gate);
        repo_finish(&s->repo);
        for (int i = 0; i < ST_COUNT; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->c.db);
        free(s);
}

static int read_version(struct sqlite_store *s, int *ret, struct batch_err *reterr)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->c.db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1,
                               &st, NULL) != SQLITE_OK)
                return db_error(s, reterr, "reading the schema version");
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
                return db_error(s, reterr, "reading the schema version");
        if (*ret > (int)NMIGRATIONS)
                return batch_err_set(reterr, BATCH_ESCHEMA, "db",
                                     "db: the repository has schema version %d, newer than the "
                                     "%d this batchd understands; use a newer batchd",
                                     *ret, (int)NMIGRATIONS);
        return 0;
}

/* Each migration in its own IMMEDIATE transaction, the version read again inside it:
 * another process opening the same new file at the same moment may have applied it. */
static int migrate(struct sqlite_store *s, struct batch_err *reterr)
{
        int r = exec(s,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY) "
                     "STRICT",
                     reterr);
        int version = 0;
        if (r < 0 || (r = read_version(s, &version, reterr)) < 0)
                return r;
        while (version < (int)NMIGRATIONS) {
                if ((r = exec(s, "BEGIN IMMEDIATE", reterr)) < 0)
                        return r;
                if ((r = read_version(s, &version, reterr)) == 0 && version < (int)NMIGRATIONS) {
                        char rec[96];
                        snprintf(rec, sizeof(rec),
                                 "INSERT INTO schema_migrations(version) VALUES (%d)",
                                 version + 1);
                        if ((r = exec(s, migrations[version], reterr)) == 0 &&
                            (r = exec(s, rec, reterr)) == 0)
                                version++;
                }
                if (r < 0 || (r = exec(s, "COMMIT", reterr)) < 0) {
                        sqlite3_exec(s->c.db, "ROLLBACK", NULL, NULL, NULL);
                        return r;
                }
        }
        return 0;
}

/* PRAGMA quick_check: BATCH_EIO with SQLite's first finding unless it says "ok". */
static int quick_check(struct sqlite_store *s, const char *path, struct batch_err *reterr)
{
        sqlite3_stmt *qc;
        if (sqlite3_prepare_v2(s->c.db, "PRAGMA quick_check", -1, &qc, NULL) != SQLITE_OK)
                return db_error(s, reterr, "integrity check");
        const char *verdict = sqlite3_step(qc) == SQLITE_ROW
                                      ? (const char *)sqlite3_column_text(qc, 0)
                                      : NULL;
        int r = 0;
        if (!verdict || strcmp(verdict, "ok"))
                r = batch_err_set(reterr, BATCH_EIO, "db", "db: %s failed the integrity check: %s",
                                  path, verdict ? verdict : sqlite3_errmsg(s->c.db));
        sqlite3_finalize(qc);
        return r;
}

static int sqlite_open(const char *path, unsigned flags, struct store **ret,
                       struct batch_err *reterr)
{
        struct sqlite_store *s = calloc(1, sizeof(*s));
        if (!s)
                return BATCH_ENOMEM;
        s->repo.base.ops = &store_sqlite_ops;
        s->repo.drv = &sqlite_driver;
        s->repo.conn = &s->c;
        int r;
        if (sqlite3_open_v2(path, &s->c.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK) {
                r = batch_err_set(reterr, BATCH_EIO, "db", "db: cannot open %s: %s", path,
                                  s->c.db ? sqlite3_errmsg(s->c.db) : "out of memory");
                goto fail;
        }
        sqlite_busy_init(s->c.db, &s->c.busy);
        /* Switching a new file to WAL needs it alone: another process opening it at the
         * same moment makes this fail with SQLITE_BUSY at once (the busy handler does not
         * cover it), so try again for up to 5 s. */
        for (int tries = 0;; tries++) {
                r = exec(s, "PRAGMA journal_mode=WAL", reterr);
                if (r == 0 || sqlite3_errcode(s->c.db) != SQLITE_BUSY || tries == 500)
                        break;
                sqlite3_sleep(10);
        }
        if (r < 0 || (r = exec(s, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", reterr)) < 0)
                goto fail;
        if ((r = sqlite_gate_get(s->c.db, &s->c.gate, reterr)) < 0)
                goto fail;
        if ((flags & STORE_OPEN_CHECK) && (r = quick_check(s, path, reterr)) < 0)
                goto fail;
        if ((r = migrate(s, reterr)) < 0)
                goto fail;
        for (int i = 0; i < ST_COUNT; i++) {
                if (sqlite3_prepare_v3(s->c.db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                       &s->stmt[i], NULL) != SQLITE_OK) {
                        r = db_error(s, reterr, "preparing statements");
                        goto fail;
                }
        }
        if ((r = repo_prepare(&s->repo, reterr)) < 0)
                goto fail;
        *ret = &s->repo.base;
        return 0;
fail:
        sqlite_close(&s->repo.base);
        return r;
}

/* BEGIN IMMEDIATE: the transaction holds SQLite's write lock from its start, so no
 * statement in it can meet SQLITE_BUSY (a deferred transaction that reads first and
 * then writes fails with SQLITE_BUSY_SNAPSHOT when another connection wrote meanwhile,
 * and no busy handler can help it). Before it, the turn at the gate. */
static int sqlite_begin(struct store *base, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        int r = sqlite_gate_enter(s->c.gate, reterr);
        if (r < 0)
                return r;
        s->c.in_tx = true; /* db_step: BEGIN IMMEDIATE is a write, and the turn is ours */
        if ((r = run(s, stmt(s, ST_BEGIN), reterr, "begin")) < 0) {
                s->c.in_tx = false;
                sqlite_gate_leave(s->c.gate);
        }
        return r;
}

static int sqlite_commit(struct store *base, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        int r = run(s, stmt(s, ST_COMMIT), reterr, "commit");
        /* A failed COMMIT leaves the transaction open for the caller's rollback, unless
         * SQLite rolled it back itself (I/O error, disk full). */
        if (r == 0 || sqlite3_get_autocommit(s->c.db)) {
                s->c.in_tx = false;
                sqlite_gate_leave(s->c.gate);
        }
        return r;
}

static void sqlite_rollback(struct store *base)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        if (!s->c.in_tx)
                return;
        run(s, stmt(s, ST_ROLLBACK), NULL, "rollback");
        s->c.in_tx = false;
        sqlite_gate_leave(s->c.gate);
}

static int sqlite_schema_version(struct store *base, int *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->c.db, "SELECT max(version) FROM schema_migrations", -1, &st,
                               NULL) != SQLITE_OK)
                return db_error(s, reterr, "reading the schema version");
        int r = db_step(s, st) == SQLITE_ROW ? 0 : db_error(s, reterr, "schema version");
        if (r == 0)
                *ret = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return r;
}


static int sqlite_savepoint(struct store *base, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        if (!s->c.in_tx)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: a savepoint needs a transaction");
        return run(s, stmt(s, ST_SAVEPOINT), reterr, "savepoint");
}

static int sqlite_savepoint_release(struct store *base, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        if (!s->c.in_tx)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: a savepoint needs a transaction");
        return run(s, stmt(s, ST_SAVEPOINT_RELEASE), reterr, "releasing the savepoint");
}

static void sqlite_savepoint_rollback(struct store *base)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        if (!s->c.in_tx)
                return;
        /* ROLLBACK TO keeps the savepoint; RELEASE then forgets it. */
        if (run(s, stmt(s, ST_SAVEPOINT_ROLLBACK), NULL, "rolling back to the savepoint") == 0)
                run(s, stmt(s, ST_SAVEPOINT_RELEASE), NULL, "releasing the savepoint");
}

static void *sqlite_native(struct store *base)
{
        return ((struct sqlite_store *)base)->c.db;
}

const struct store_ops store_sqlite_ops = {
        .version = 7,
        .name = "sqlite",
        .open = sqlite_open,
        .close = sqlite_close,
        .begin = sqlite_begin,
        .commit = sqlite_commit,
        .rollback = sqlite_rollback,
        .schema_version = sqlite_schema_version,
        .def_put = repo_def_put,
        .def_get = repo_def_get,
        .def_list = repo_def_list,
        .def_delete = repo_def_delete,
        .def_history = repo_def_history,
        .audit_add = repo_audit_add,
        .instance_create = repo_instance_create,
        .instance_get = repo_instance_get,
        .instance_list = repo_instance_list,
        .instance_transition = repo_instance_transition,
        .instance_set_reason = repo_instance_set_reason,
        .clock_publish = repo_clock_publish,
        .clock_withdraw = repo_clock_withdraw,
        .clock_get = repo_clock_get,
        .instance_history = repo_instance_history,
        .changes_after = repo_changes_after,
        .change_last_id = repo_change_last_id,
        .execution_start = repo_execution_start,
        .execution_finish = repo_execution_finish,
        .execution_withdraw = repo_execution_withdraw,
        .execution_list = repo_execution_list,
        .step_put = repo_step_put,
        .step_list = repo_step_list,
        .checkpoint_put = repo_checkpoint_put,
        .checkpoint_get = repo_checkpoint_get,
        .dead_letter_add = repo_dead_letter_add,
        .dead_letter_list = repo_dead_letter_list,
        .dead_letter_delete = repo_dead_letter_delete,
        .alert_add = repo_alert_add,
        .alert_list = repo_alert_list,
        .alert_ack = repo_alert_ack,
        .token_add = repo_token_add,
        .token_find = repo_token_find,
        .token_list = repo_token_list,
        .token_revoke = repo_token_revoke,
        .node_heartbeat = repo_node_heartbeat,
        .node_list = repo_node_list,
        .lease_acquire = repo_lease_acquire,
        .lease_release = repo_lease_release,
        .request_add = repo_request_add,
        .request_pending = repo_request_pending,
        .request_finish = repo_request_finish,
        .request_get = repo_request_get,
        .data_version = repo_data_version,
        .savepoint = sqlite_savepoint,
        .savepoint_release = sqlite_savepoint_release,
        .savepoint_rollback = sqlite_savepoint_rollback,
        .native = sqlite_native,
        .request_list = repo_request_list,
        /* report */
        .report_stats = repo_report_stats,
        .report_middles = repo_report_middles,
        .report_dues = repo_report_dues,
        .alert_get = repo_alert_get,
        .alert_find = repo_alert_find,
        .delivery_add = repo_delivery_add,
        .delivery_due = repo_delivery_due,
        .delivery_update = repo_delivery_update,
        .delivery_list = repo_delivery_list,
        .alert_unescalated = repo_alert_unescalated,
        .remote_run_add = repo_remote_run_add,
        .remote_run_find = repo_remote_run_find,
        .remote_run_report = repo_remote_run_report,
        .remote_run_reports = repo_remote_run_reports,
        .next_due_put = repo_next_due_put,
        .next_due_get = repo_next_due_get,
        .purge_step = repo_purge_step,
};
