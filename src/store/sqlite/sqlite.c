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

/* An instance's skip_count (struct store_instance), as a column of a query on instances. */
#define SKIP_COUNT_SQL                                                                            \
        "(SELECT COALESCE(SUM(s.read_skip_count + s.process_skip_count + s.write_skip_count), " \
        "0) FROM executions e JOIN step_executions s ON s.execution_id = e.id "                 \
        "WHERE e.instance_id = instances.id)"

/* The report queries (store_report_stats): one row per instance in the range, with its
 * duration and step totals from correlated subqueries (each an index lookup), then
 * aggregated per job; the median from the middle rows. Correlated subqueries rather
 * than a join grouped by instance: the grouping sorted every row of the range in a
 * temporary b-tree, 4 times slower over 90 days (bench/bench_report.c). Two forms: for
 * every job over instances_tenant_due, for one job over instances_job_due (INDEXED BY:
 * left to itself, SQLite may walk another index). */
#define REPORT_STEP_SUM(expr) \
        "(SELECT coalesce(sum(" expr "), 0) FROM executions e JOIN step_executions s " \
        "ON s.execution_id = e.id WHERE e.instance_id = i.id)"
#define REPORT_DUR_SQL \
        "(SELECT CASE WHEN count(e.finished_at) > 0 THEN max(e.finished_at) - " \
        "min(e.started_at) END FROM executions e WHERE e.instance_id = i.id)"
#define REPORT_RANGE_SQL(index, jobcond) \
        " FROM instances i INDEXED BY " index " WHERE i.tenant = ?1 AND i.due_time >= ?2 " \
        "AND i.due_time < ?3 AND " jobcond
#define REPORT_PER_INSTANCE_SQL(index, jobcond) \
        "SELECT i.job AS job, i.state AS state, " REPORT_DUR_SQL " AS dur, " \
        REPORT_STEP_SUM("s.read_count") " AS rd, " REPORT_STEP_SUM("s.write_count") " AS wr, " \
        REPORT_STEP_SUM("s.commit_count") " AS cm, " \
        REPORT_STEP_SUM("s.write_skip_count") " AS ws, " \
        REPORT_STEP_SUM("s.rollback_count") " AS rb, " \
        REPORT_STEP_SUM("s.read_skip_count + s.process_skip_count + s.write_skip_count") \
        " AS sk" REPORT_RANGE_SQL(index, jobcond)
#define REPORT_STATS_SQL(index, jobcond) \
        "SELECT job, count(*), sum(CASE WHEN state IN (5, 12) THEN 1 ELSE 0 END), " \
        "sum(CASE WHEN state IN (3, 6, 7, 11) THEN 1 ELSE 0 END), " \
        "sum(CASE WHEN state = 8 THEN 1 ELSE 0 END), sum(CASE WHEN state = 9 THEN 1 ELSE 0 END), " \
        "sum(CASE WHEN sk > 0 AND state IN (3, 5, 6, 7, 8, 9, 12) THEN 1 ELSE 0 END), " \
        "count(dur), coalesce(avg(dur), 0), coalesce(max(dur), 0), " \
        "sum(rd), sum(wr), sum(cm), sum(ws), sum(rb) FROM (" \
        REPORT_PER_INSTANCE_SQL(index, jobcond) ") x GROUP BY job"
#define REPORT_MIDDLES_SQL(index, jobcond) \
        "SELECT job, dur FROM (SELECT job, dur, row_number() OVER (PARTITION BY job ORDER BY " \
        "dur) AS rn, count(*) OVER (PARTITION BY job) AS cnt FROM (SELECT i.job AS job, " \
        REPORT_DUR_SQL " AS dur" REPORT_RANGE_SQL(index, jobcond) ") x WHERE dur IS NOT NULL) y " \
        "WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2"
#define REPORT_DUES_SQL(index, jobcond) \
        "SELECT job, due_time, state FROM instances INDEXED BY " index " WHERE tenant = ?1 " \
        "AND scheduled = 1 AND due_time >= ?2 AND due_time < ?3 AND " jobcond
/* An alert's columns, as read_alert reads them. */
#define ALERT_COLS                                                                                \
        "id, tenant, instance_id, kind, message, created_at, acknowledged_at, acknowledged_by, " \
        "job, severity, suppressed_by"

/* A delivery's columns (d: alert_deliveries, a: its alert), as read_delivery reads them. */
#define DELIVERY_COLS                                                                             \
        "d.id, d.alert_id, a.tenant, d.channel, d.target, d.state, d.attempts, "                 \
        "d.next_attempt_at, d.last_attempt_at, d.last_answer, d.message_id, d.created_at, " \
        "d.escalation"

enum stmt_id {
        ST_BEGIN,
        ST_COMMIT,
        ST_ROLLBACK,
        ST_TENANT_ENSURE,
        ST_INSTANCE_INSERT,
        ST_INSTANCE_GET,
        ST_INSTANCE_UPDATE_STATE,
        ST_INSTANCE_EXISTS,
        ST_INSTANCE_SET_REASON,
        ST_TRANSITION_ADD,
        ST_TRANSITION_LIST,
        ST_CHANGES_AFTER,
        ST_CHANGE_LAST,
        ST_EXECUTION_NEXT_ATTEMPT,
        ST_EXECUTION_INSERT,
        ST_EXECUTION_FINISH,
        ST_EXECUTION_EXISTS,
        ST_EXECUTION_WITHDRAW,
        ST_EXECUTION_LIST,
        ST_SAVEPOINT,
        ST_SAVEPOINT_RELEASE,
        ST_SAVEPOINT_ROLLBACK,
        ST_REPORT_STATS,
        ST_REPORT_MIDDLES,
        ST_REPORT_DUES,
        ST_REPORT_STATS_JOB,
        ST_REPORT_MIDDLES_JOB,
        ST_REPORT_DUES_JOB,
        /* retention (docs/daemon.md "Retention"); the candidates' live-due subquery is told
         * its index: the planner's pick (by due time) scans the whole tenant per row */
        ST_PURGE_CANDIDATES,
        ST_PURGE_KEEP,
        ST_PURGE_DELIVERIES,
        ST_PURGE_ALERTS,
        ST_PURGE_DEAD_LETTERS,
        ST_PURGE_CHECKPOINTS,
        ST_PURGE_STEPS,
        ST_PURGE_LOGS,
        ST_PURGE_REMOTE_RUNS,
        ST_PURGE_EXECUTIONS,
        ST_PURGE_TRANSITIONS,
        ST_PURGE_REQUESTS,
        ST_PURGE_INSTANCES,
        ST_PURGE_OLD_DELIVERIES,
        ST_PURGE_OLD_ALERTS,
        ST_PURGE_OLD_DEAD_LETTERS,
        ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
        [ST_BEGIN] = "BEGIN IMMEDIATE",
        [ST_COMMIT] = "COMMIT",
        [ST_ROLLBACK] = "ROLLBACK",
        [ST_PURGE_CANDIDATES] = "SELECT i.id FROM instances i WHERE i.state IN (3, 5, 6, 7, 8, 9, 12) AND i.updated_at < ?1 AND i.due_time < ?1 AND i.due_time < coalesce((SELECT min(u.due_time) FROM instances u INDEXED BY instances_state WHERE u.tenant = i.tenant AND u.state IN (0, 1, 2, 4, 10, 11)), ?3) AND EXISTS (SELECT 1 FROM instances j WHERE j.tenant = i.tenant AND j.job = i.job AND j.due_time > i.due_time AND j.due_time <= coalesce((SELECT min(u.due_time) FROM instances u INDEXED BY instances_state WHERE u.tenant = i.tenant AND u.state IN (0, 1, 2, 4, 10, 11)), ?3)) AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.instance_id = i.id AND e.finished_at IS NULL) ORDER BY i.id LIMIT ?2",
        [ST_PURGE_KEEP] = "SELECT i.id FROM instances i WHERE i.id IN (SELECT value FROM json_each(?1)) AND i.state IN (3, 5, 6, 7, 8, 9, 12) AND i.updated_at < ?2 AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.instance_id = i.id AND e.finished_at IS NULL)",
        [ST_PURGE_DELIVERIES] = "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT id FROM alerts WHERE instance_id IN (SELECT value FROM json_each(?1)))",
        [ST_PURGE_ALERTS] = "DELETE FROM alerts WHERE instance_id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_DEAD_LETTERS] = "DELETE FROM dead_letters WHERE instance_id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_CHECKPOINTS] = "DELETE FROM checkpoints WHERE instance_id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_STEPS] = "DELETE FROM step_executions WHERE execution_id IN (SELECT id FROM executions WHERE instance_id IN (SELECT value FROM json_each(?1)))",
        [ST_PURGE_LOGS] = "SELECT log_path FROM executions WHERE instance_id IN (SELECT value FROM json_each(?1)) AND log_path IS NOT NULL",
        [ST_PURGE_REMOTE_RUNS] = "DELETE FROM remote_runs WHERE instance_id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_EXECUTIONS] = "DELETE FROM executions WHERE instance_id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_TRANSITIONS] = "DELETE FROM instance_transitions WHERE instance_id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_REQUESTS] = "DELETE FROM requests WHERE instance_id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_INSTANCES] = "DELETE FROM instances WHERE id IN (SELECT value FROM json_each(?1))",
        [ST_PURGE_OLD_DELIVERIES] = "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT id FROM alerts WHERE created_at < ?1 ORDER BY id LIMIT ?2)",
        [ST_PURGE_OLD_ALERTS] = "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE created_at < ?1 ORDER BY id LIMIT ?2)",
        [ST_PURGE_OLD_DEAD_LETTERS] = "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE created_at < ?1 ORDER BY id LIMIT ?2)",
        [ST_TENANT_ENSURE] = "INSERT INTO tenants(name, created_at) VALUES (?1, ?2) "
                             "ON CONFLICT(name) DO NOTHING",

        [ST_INSTANCE_INSERT] = "INSERT INTO instances(tenant, job, scheduled, due_time, first_due, "
                               "last_due, state, reason, params, trace_id, created_at, "
                               "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                               "?11)",
        [ST_INSTANCE_GET] = "SELECT id, tenant, job, scheduled, due_time, first_due, last_due, "
                            "state, reason, params, trace_id, created_at, updated_at, "
                            SKIP_COUNT_SQL " FROM instances WHERE id = ?1",
        [ST_INSTANCE_UPDATE_STATE] = "UPDATE instances SET state = ?3, reason = ?4, "
                                     "updated_at = ?5 WHERE id = ?1 AND state = ?2",
        [ST_INSTANCE_EXISTS] = "SELECT state FROM instances WHERE id = ?1",
        [ST_INSTANCE_SET_REASON] = "UPDATE instances SET reason = ?3, updated_at = ?4 "
                                   "WHERE id = ?1 AND state = ?2",
        [ST_TRANSITION_ADD] = "INSERT INTO instance_transitions(instance_id, at, from_state, "
                              "to_state, actor, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [ST_CHANGES_AFTER] = "SELECT t.id, t.instance_id, i.job, t.from_state, t.to_state, t.at "
                             "FROM instance_transitions t JOIN instances i ON i.id = "
                             "t.instance_id WHERE t.id > ?1 AND i.tenant = ?2 ORDER BY t.id "
                             "LIMIT ?3",
        [ST_CHANGE_LAST] = "SELECT coalesce(max(id), 0) FROM instance_transitions",
        [ST_TRANSITION_LIST] = "SELECT at, from_state, to_state, actor, reason "
                               "FROM instance_transitions WHERE instance_id = ?1 ORDER BY id",
        [ST_EXECUTION_NEXT_ATTEMPT] = "SELECT coalesce(max(attempt), 0) + 1 FROM executions "
                                      "WHERE instance_id = ?1",
        [ST_EXECUTION_INSERT] = "INSERT INTO executions(instance_id, attempt, node, pid, log_path, "
                                "started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [ST_EXECUTION_FINISH] = "UPDATE executions SET finished_at = ?2, exit_status = ?3, "
                                "error = ?4 WHERE id = ?1 AND finished_at IS NULL",
        [ST_EXECUTION_EXISTS] = "SELECT 1 FROM executions WHERE id = ?1",
        [ST_EXECUTION_WITHDRAW] = "DELETE FROM executions WHERE id = ?1 AND finished_at IS NULL",
        [ST_EXECUTION_LIST] = "SELECT id, instance_id, attempt, node, pid, log_path, started_at, "
                              "finished_at, exit_status, error FROM executions "
                              "WHERE instance_id = ?1 ORDER BY attempt",
        [ST_REPORT_STATS] = REPORT_STATS_SQL("instances_tenant_due", "?4 IS NULL"),
        [ST_REPORT_MIDDLES] = REPORT_MIDDLES_SQL("instances_tenant_due", "?4 IS NULL"),
        [ST_REPORT_DUES] = REPORT_DUES_SQL("instances_tenant_due", "?4 IS NULL"),
        [ST_REPORT_STATS_JOB] = REPORT_STATS_SQL("instances_job_due", "job = ?4"),
        [ST_REPORT_MIDDLES_JOB] = REPORT_MIDDLES_SQL("instances_job_due", "job = ?4"),
        [ST_REPORT_DUES_JOB] = REPORT_DUES_SQL("instances_job_due", "job = ?4"),
        [ST_SAVEPOINT] = "SAVEPOINT store_sp",
        [ST_SAVEPOINT_RELEASE] = "RELEASE store_sp",
        [ST_SAVEPOINT_ROLLBACK] = "ROLLBACK TO store_sp",
};

/* The conditions of an instance list (struct store_instance_filter) that are in its SQL;
 * a list's statement is built from the conditions its filter sets, so that SQLite can
 * use the index that fits them ("(?2 IS NULL OR job = ?2)" would keep it from any). */
enum list_flags {
        LIST_JOB = 1 << 0,
        LIST_STATE = 1 << 1,
        LIST_DUE = 1 << 2,
        LIST_AFTER = 1 << 3,
        LIST_LIVE = 1 << 4,
        LIST_SCHEDULED = 1 << 5,
        LIST_FAILED = 1 << 6,
        LIST_CREATED_BY = 1 << 7,
        LIST_DESC = 1 << 8,
        LIST_HAS_FAILURE = 1 << 9,
        LIST_BY_DUE = 1 << 10,
        LIST_COMBINATIONS = 1 << 11,
};

struct sqlite_store {
        struct repo repo;
        struct sql_conn c;
        sqlite3_stmt *stmt[ST_COUNT];
        /* Instance list statements by enum list_flags, prepared on first use. */
        sqlite3_stmt *list_stmt[LIST_COMBINATIONS];
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

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
        if (v)
                sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
        else
                sqlite3_bind_null(st, i);
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
        for (int i = 0; i < LIST_COMBINATIONS; i++)
                sqlite3_finalize(s->list_stmt[i]);
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

/* Runs fn inside the caller's transaction, or in one of its own. */
static int atomically(struct sqlite_store *s, struct batch_err *reterr,
                      int (*fn)(struct sqlite_store *s, void *arg, struct batch_err *reterr),
                      void *arg)
{
        if (s->c.in_tx)
                return fn(s, arg, reterr);
        int r = sqlite_begin(&s->repo.base, reterr);
        if (r < 0)
                return r;
        if ((r = fn(s, arg, reterr)) < 0 || (r = sqlite_commit(&s->repo.base, reterr)) < 0)
                sqlite_rollback(&s->repo.base);
        return r;
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

static int ensure_tenant(struct sqlite_store *s, const char *tenant, int64_t now,
                         struct batch_err *reterr)
{
        sqlite3_stmt *st = stmt(s, ST_TENANT_ENSURE);
        bind_text(st, 1, tenant);
        sqlite3_bind_int64(st, 2, now);
        return run(s, st, reterr, "creating the tenant");
}

static char *col_text(sqlite3_stmt *st, int i)
{
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *)t) : NULL;
}

/* Runs a conditional update `st` of row `id` that applies once (finish, acknowledge,
 * revoke): when it changed nothing, BATCH_ESTALE if the row exists (checked with
 * `exists`) or BATCH_ENOENT. `noun` names the row, `done` what already happened. */
static int update_once(struct sqlite_store *s, sqlite3_stmt *st, enum stmt_id exists, int64_t id,
                       const char *noun, const char *done, struct batch_err *reterr)
{
        int r = run(s, st, reterr, noun);
        if (r < 0 || sqlite3_changes(s->c.db) > 0)
                return r;
        st = stmt(s, exists);
        sqlite3_bind_int64(st, 1, id);
        int rc = db_step(s, st);
        sqlite3_reset(st);
        if (rc == SQLITE_ROW)
                return batch_err_set(reterr, BATCH_ESTALE, "id",
                                     "%s %lld has already %s: nothing changed", noun,
                                     (long long)id, done);
        if (rc != SQLITE_DONE)
                return db_error(s, reterr, noun);
        return batch_err_set(reterr, BATCH_ENOENT, "id", "no %s %lld", noun, (long long)id);
}

/* Reads every row of `st` into a growing array of `size`-byte items (each zeroed, then
 * filled by read_row, which returns 0 or BATCH_ENOMEM). On error the items read so far
 * stay in *items and *n for the caller to release. */
static int collect(struct sqlite_store *s, sqlite3_stmt *st, size_t size, void **items,
                   size_t *n, int (*read_row)(sqlite3_stmt *st, void *item),
                   struct batch_err *reterr)
{
        size_t cap = 0;
        int rc, r = 0;
        *items = NULL;
        *n = 0;
        while ((rc = db_step(s, st)) == SQLITE_ROW) {
                if (*n == cap) {
                        cap = cap ? cap * 2 : 8;
                        void *grown = realloc(*items, cap * size);
                        if (!grown) {
                                r = BATCH_ENOMEM;
                                break;
                        }
                        *items = grown;
                }
                void *item = (char *)*items + *n * size;
                memset(item, 0, size);
                (*n)++;
                if ((r = read_row(st, item)) < 0)
                        break;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = db_error(s, reterr, "reading");
        sqlite3_reset(st);
        return r;
}

static int64_t col_int64_or_0(sqlite3_stmt *st, int i)
{
        return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static unsigned page_limit(unsigned limit)
{
        return limit == 0 ? 100 : limit > 10000 ? 10000 : limit;
}


/* ---- instances ------------------------------------------------------------ */

struct transition_args {
        int64_t id;
        int from, to;
        const char *actor, *reason;
        int64_t now;
};

static int add_transition(struct sqlite_store *s, const struct transition_args *a,
                          struct batch_err *reterr)
{
        sqlite3_stmt *st = stmt(s, ST_TRANSITION_ADD);
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_int64(st, 2, a->now);
        if (a->from >= 0)
                sqlite3_bind_int(st, 3, a->from);
        sqlite3_bind_int(st, 4, a->to);
        bind_text(st, 5, a->actor ? a->actor : "system");
        bind_text(st, 6, a->reason);
        return run(s, st, reterr, "recording the transition");
}

struct create_args {
        const struct store_instance *in;
        const char *actor;
        int64_t now;
        int64_t id;
};

static int do_create(struct sqlite_store *s, void *arg, struct batch_err *reterr)
{
        struct create_args *a = arg;
        const struct store_instance *in = a->in;
        int r = ensure_tenant(s, in->tenant, a->now, reterr);
        if (r < 0)
                return r;
        sqlite3_stmt *st = stmt(s, ST_INSTANCE_INSERT);
        bind_text(st, 1, in->tenant);
        bind_text(st, 2, in->job);
        sqlite3_bind_int(st, 3, in->scheduled ? 1 : 0);
        sqlite3_bind_int64(st, 4, in->due);
        sqlite3_bind_int64(st, 5, in->first_due);
        sqlite3_bind_int64(st, 6, in->last_due);
        sqlite3_bind_int(st, 7, in->state);
        bind_text(st, 8, in->reason);
        bind_text(st, 9, in->params);
        bind_text(st, 10, in->trace_id);
        sqlite3_bind_int64(st, 11, a->now);
        int rc = db_step(s, st);
        sqlite3_reset(st);
        if (rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(s->c.db) == SQLITE_CONSTRAINT_UNIQUE)
                return batch_err_set(reterr, BATCH_EEXIST, "due",
                                     "job %s of tenant %s already has an instance due at %lld",
                                     in->job, in->tenant, (long long)in->due);
        if (rc != SQLITE_DONE)
                return db_error(s, reterr, "creating the instance");
        a->id = sqlite3_last_insert_rowid(s->c.db);
        struct transition_args t = {a->id, -1, in->state, a->actor, in->reason, a->now};
        return add_transition(s, &t, reterr);
}

static int sqlite_instance_create(struct store *base, const struct store_instance *in,
                                  const char *actor, int64_t now_s, int64_t *ret_id,
                                  struct batch_err *reterr)
{
        struct create_args a = {in, actor, now_s, 0};
        int r = atomically((struct sqlite_store *)base, reterr, do_create, &a);
        if (r == 0)
                *ret_id = a.id;
        return r;
}

static int read_instance(sqlite3_stmt *st, struct store_instance *in)
{
        memset(in, 0, sizeof(*in));
        in->id = sqlite3_column_int64(st, 0);
        in->tenant = col_text(st, 1);
        in->job = col_text(st, 2);
        in->scheduled = sqlite3_column_int(st, 3) != 0;
        in->due = sqlite3_column_int64(st, 4);
        in->first_due = sqlite3_column_int64(st, 5);
        in->last_due = sqlite3_column_int64(st, 6);
        in->state = sqlite3_column_int(st, 7);
        in->reason = col_text(st, 8);
        in->params = col_text(st, 9);
        in->trace_id = col_text(st, 10);
        in->created_at = sqlite3_column_int64(st, 11);
        in->updated_at = sqlite3_column_int64(st, 12);
        in->skip_count = sqlite3_column_int64(st, 13);
        if (!in->tenant || !in->job || !in->trace_id) {
                store_instance_release(in);
                return BATCH_ENOMEM;
        }
        return 0;
}

static int sqlite_instance_get(struct store *base, int64_t id, struct store_instance *ret,
                               struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_INSTANCE_GET);
        sqlite3_bind_int64(st, 1, id);
        int rc = db_step(s, st), r;
        if (rc == SQLITE_ROW)
                r = read_instance(st, ret);
        else if (rc == SQLITE_DONE)
                r = batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld", (long long)id);
        else
                r = db_error(s, reterr, "reading the instance");
        sqlite3_reset(st);
        return r;
}

static int read_instance_row(sqlite3_stmt *st, void *item)
{
        return read_instance(st, item);
}

static unsigned list_flags(const struct store_instance_filter *f)
{
        return (f->job ? LIST_JOB : 0) | (f->state >= 0 ? LIST_STATE : 0) |
               (f->has_due_range ? LIST_DUE : 0) | (f->after_id != 0 ? LIST_AFTER : 0) |
               (f->live_only ? LIST_LIVE : 0) | (f->scheduled_only ? LIST_SCHEDULED : 0) |
               (f->failed_only ? LIST_FAILED : 0) | (f->created_by ? LIST_CREATED_BY : 0) |
               (f->newest_first && !f->by_due ? LIST_DESC : 0) |
               (f->has_failure ? LIST_HAS_FAILURE : 0) | (f->by_due ? LIST_BY_DUE : 0);
}

struct sql_text {
        char s[2048];
        size_t n;
        bool truncated;
};

static void sql_add(struct sql_text *t, const char *part)
{
        size_t len = strlen(part);
        if (t->n + len >= sizeof(t->s)) {
                t->truncated = true;
                return;
        }
        memcpy(t->s + t->n, part, len + 1);
        t->n += len;
}

/* The SQL of an instance list with the conditions in `flags`, with named parameters
 * (:tenant, :job, :state, :due_from, :due_to, :after, :created_by, :limit). */
static const char *list_sql(unsigned flags, struct sql_text *t)
{
        sql_add(t, "SELECT id, tenant, job, scheduled, due_time, first_due, last_due, state, "
                   "reason, params, trace_id, created_at, updated_at, " SKIP_COUNT_SQL
                   " FROM instances WHERE tenant = :tenant");
        if (flags & LIST_JOB)
                sql_add(t, " AND job = :job");
        if (flags & LIST_STATE)
                sql_add(t, " AND state = :state");
        if (flags & LIST_DUE)
                sql_add(t, " AND due_time >= :due_from AND due_time < :due_to");
        /* By due time: a row-value keyset, which SQLite matches to the (tenant[, job],
         * due_time) index whose entries end with the rowid: no sort, no scan of the
         * range's other rows. */
        if ((flags & LIST_AFTER) && (flags & LIST_BY_DUE))
                sql_add(t, " AND (due_time, id) < (:after_due, :after)");
        else if (flags & LIST_AFTER)
                sql_add(t, flags & LIST_DESC ? " AND id < :after" : " AND id > :after");
        /* Not final: Init, Dependency Wait, Starting, Running, Stopping, Stop Failed. */
        if (flags & LIST_LIVE)
                sql_add(t, " AND state IN (0, 1, 2, 4, 10, 11)");
        if (flags & LIST_SCHEDULED)
                sql_add(t, " AND scheduled = 1");
        /* Start Failed, Failed, Timeout Failed, Stop Failed. */
        if (flags & LIST_FAILED)
                sql_add(t, " AND state IN (3, 6, 7, 11)");
        if (flags & LIST_HAS_FAILURE)
                sql_add(t, " AND " SKIP_COUNT_SQL " > 0");
        /* The creation is the one transition without a from_state. */
        if (flags & LIST_CREATED_BY)
                sql_add(t, " AND EXISTS (SELECT 1 FROM instance_transitions c "
                           "WHERE c.instance_id = instances.id AND c.from_state IS NULL "
                           "AND c.actor = :created_by)");
        sql_add(t, flags & LIST_BY_DUE ? " ORDER BY due_time DESC, id DESC LIMIT :limit"
                   : flags & LIST_DESC     ? " ORDER BY id DESC LIMIT :limit"
                                           : " ORDER BY id LIMIT :limit");
        return t->truncated ? NULL : t->s;
}

/* *ret is the statement for an instance list with these conditions, reset and with
 * bindings cleared; prepared on first use and kept until the store is closed. */
static int list_stmt(struct sqlite_store *s, unsigned flags, sqlite3_stmt **ret,
                     struct batch_err *reterr)
{
        sqlite3_stmt *st = s->list_stmt[flags];
        if (st) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                *ret = st;
                return 0;
        }
        struct sql_text t = {.n = 0};
        const char *sql = list_sql(flags, &t);
        if (!sql)
                return batch_err_set(reterr, BATCH_EIO, "db",
                                     "db: the instance list query is too long");
        if (sqlite3_prepare_v3(s->c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
            SQLITE_OK)
                return db_error(s, reterr, "preparing the instance list");
        s->list_stmt[flags] = st;
        *ret = st;
        return 0;
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
        bind_text(st, sqlite3_bind_parameter_index(st, name), v);
}

static void bind_named_int64(sqlite3_stmt *st, const char *name, int64_t v)
{
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v);
}

static int sqlite_instance_list(struct store *base, const struct store_instance_filter *f,
                                struct store_instance_list *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        unsigned flags = list_flags(f);
        sqlite3_stmt *st;
        int r = list_stmt(s, flags, &st, reterr);
        if (r < 0)
                return r;
        bind_named_text(st, ":tenant", f->tenant);
        if (flags & LIST_JOB)
                bind_named_text(st, ":job", f->job);
        if (flags & LIST_STATE)
                bind_named_int64(st, ":state", f->state);
        if (flags & LIST_DUE) {
                bind_named_int64(st, ":due_from", f->due_from);
                bind_named_int64(st, ":due_to", f->due_to);
        }
        if (flags & LIST_AFTER)
                bind_named_int64(st, ":after", f->after_id);
        if ((flags & LIST_AFTER) && (flags & LIST_BY_DUE))
                bind_named_int64(st, ":after_due", f->after_due);
        if (flags & LIST_CREATED_BY)
                bind_named_text(st, ":created_by", f->created_by);
        bind_named_int64(st, ":limit", page_limit(f->limit));
        r = collect(s, st, sizeof(*ret->items), (void **)&ret->items, &ret->n,
                        read_instance_row, reterr);
        if (r < 0)
                store_instance_list_release(ret);
        return r;
}

/* After a conditional update (WHERE id = ? AND state = ?) changed no row: why. */
static int not_in_state(struct sqlite_store *s, int64_t id, int state, struct batch_err *reterr)
{
        sqlite3_stmt *st = stmt(s, ST_INSTANCE_EXISTS);
        sqlite3_bind_int64(st, 1, id);
        int rc = db_step(s, st);
        int cur = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld",
                                     (long long)id);
        return batch_err_set(reterr, BATCH_ESTALE, "state",
                             "instance %lld is in state %d, not %d: nothing changed",
                             (long long)id, cur, state);
}

static int do_transition(struct sqlite_store *s, void *arg, struct batch_err *reterr)
{
        struct transition_args *a = arg;
        sqlite3_stmt *st = stmt(s, ST_INSTANCE_UPDATE_STATE);
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_int(st, 2, a->from);
        sqlite3_bind_int(st, 3, a->to);
        bind_text(st, 4, a->reason);
        sqlite3_bind_int64(st, 5, a->now);
        int r = run(s, st, reterr, "changing the state");
        if (r < 0)
                return r;
        if (sqlite3_changes(s->c.db) == 0)
                return not_in_state(s, a->id, a->from, reterr);
        return add_transition(s, a, reterr);
}

static int sqlite_instance_transition(struct store *base, int64_t id, int from, int to,
                                      const char *actor, const char *reason, int64_t now_s,
                                      struct batch_err *reterr)
{
        struct transition_args a = {id, from, to, actor, reason, now_s};
        return atomically((struct sqlite_store *)base, reterr, do_transition, &a);
}

static int sqlite_instance_set_reason(struct store *base, int64_t id, int state,
                                      const char *reason, int64_t now_s, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_INSTANCE_SET_REASON);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, state);
        bind_text(st, 3, reason);
        sqlite3_bind_int64(st, 4, now_s);
        int r = run(s, st, reterr, "changing the reason");
        if (r < 0)
                return r;
        return sqlite3_changes(s->c.db) == 0 ? not_in_state(s, id, state, reterr) : 0;
}

static int sqlite_instance_history(struct store *base, int64_t id,
                                   struct store_transition_list *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_TRANSITION_LIST);
        sqlite3_bind_int64(st, 1, id);
        struct store_transition_list l = {0, NULL};
        size_t cap = 0;
        int rc, r = 0;
        while ((rc = db_step(s, st)) == SQLITE_ROW) {
                if (l.n == cap) {
                        cap = cap ? cap * 2 : 8;
                        struct store_transition *items = realloc(l.items, cap * sizeof(*items));
                        if (!items) {
                                r = BATCH_ENOMEM;
                                break;
                        }
                        l.items = items;
                }
                struct store_transition *t = &l.items[l.n++];
                t->at = sqlite3_column_int64(st, 0);
                t->from_state = sqlite3_column_type(st, 1) == SQLITE_NULL
                                        ? -1
                                        : sqlite3_column_int(st, 1);
                t->to_state = sqlite3_column_int(st, 2);
                t->actor = col_text(st, 3);
                t->reason = col_text(st, 4);
                if (!t->actor) {
                        r = BATCH_ENOMEM;
                        break;
                }
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = db_error(s, reterr, "reading the history");
        sqlite3_reset(st);
        if (r < 0) {
                store_transition_list_release(&l);
                return r;
        }
        *ret = l;
        return 0;
}

static int sqlite_changes_after(struct store *base, const char *tenant, int64_t after_id,
                                unsigned limit, struct store_change_list *ret,
                                struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_CHANGES_AFTER);
        sqlite3_bind_int64(st, 1, after_id);
        bind_text(st, 2, tenant);
        sqlite3_bind_int64(st, 3, limit);
        struct store_change_list l = {0, NULL};
        size_t cap = 0;
        int rc, r = 0;
        while ((rc = db_step(s, st)) == SQLITE_ROW) {
                if (l.n == cap) {
                        cap = cap ? cap * 2 : 16;
                        struct store_change *items = realloc(l.items, cap * sizeof(*items));
                        if (!items) {
                                r = BATCH_ENOMEM;
                                break;
                        }
                        l.items = items;
                }
                struct store_change *c = &l.items[l.n++];
                c->id = sqlite3_column_int64(st, 0);
                c->instance_id = sqlite3_column_int64(st, 1);
                c->job = col_text(st, 2);
                c->from_state = sqlite3_column_type(st, 3) == SQLITE_NULL
                                        ? -1
                                        : sqlite3_column_int(st, 3);
                c->to_state = sqlite3_column_int(st, 4);
                c->at = sqlite3_column_int64(st, 5);
                if (!c->job) {
                        r = BATCH_ENOMEM;
                        break;
                }
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = db_error(s, reterr, "reading the changes");
        sqlite3_reset(st);
        if (r == BATCH_ENOMEM)
                batch_err_set(reterr, r, NULL, "out of memory");
        if (r < 0) {
                store_change_list_release(&l);
                return r;
        }
        *ret = l;
        return 0;
}

static int sqlite_change_last_id(struct store *base, int64_t *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_CHANGE_LAST);
        int rc = db_step(s, st);
        int r = 0;
        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_int64(st, 0);
        else
                r = db_error(s, reterr, "reading the last change");
        sqlite3_reset(st);
        return r;
}

/* ---- executions ------------------------------------------------------------- */

struct exec_args {
        const struct store_execution *e;
        int64_t now;
        int64_t id;
        int attempt;
};

static int do_execution_start(struct sqlite_store *s, void *arg, struct batch_err *reterr)
{
        struct exec_args *a = arg;
        sqlite3_stmt *st = stmt(s, ST_INSTANCE_EXISTS);
        sqlite3_bind_int64(st, 1, a->e->instance_id);
        int rc = db_step(s, st);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
                return rc == SQLITE_DONE ? batch_err_set(reterr, BATCH_ENOENT, "id",
                                                         "no instance %lld",
                                                         (long long)a->e->instance_id)
                                         : db_error(s, reterr, "reading the instance");
        st = stmt(s, ST_EXECUTION_NEXT_ATTEMPT);
        sqlite3_bind_int64(st, 1, a->e->instance_id);
        a->attempt = db_step(s, st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 1;
        sqlite3_reset(st);
        st = stmt(s, ST_EXECUTION_INSERT);
        sqlite3_bind_int64(st, 1, a->e->instance_id);
        sqlite3_bind_int(st, 2, a->attempt);
        bind_text(st, 3, a->e->node);
        sqlite3_bind_int64(st, 4, a->e->pid);
        bind_text(st, 5, a->e->log_path);
        sqlite3_bind_int64(st, 6, a->now);
        int r = run(s, st, reterr, "recording the execution");
        if (r == 0)
                a->id = sqlite3_last_insert_rowid(s->c.db);
        return r;
}

static int sqlite_execution_start(struct store *base, const struct store_execution *e,
                                  int64_t now_s, int64_t *ret_id, int *ret_attempt,
                                  struct batch_err *reterr)
{
        struct exec_args a = {e, now_s, 0, 0};
        int r = atomically((struct sqlite_store *)base, reterr, do_execution_start, &a);
        if (r == 0) {
                *ret_id = a.id;
                *ret_attempt = a.attempt;
        }
        return r;
}

static int sqlite_execution_finish(struct store *base, int64_t id, int exit_status,
                                   const char *error, int64_t now_s, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_EXECUTION_FINISH);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now_s);
        sqlite3_bind_int(st, 3, exit_status);
        bind_text(st, 4, error);
        return update_once(s, st, ST_EXECUTION_EXISTS, id, "execution", "finished", reterr);
}

static int sqlite_execution_withdraw(struct store *base, int64_t id, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_EXECUTION_WITHDRAW);
        sqlite3_bind_int64(st, 1, id);
        return update_once(s, st, ST_EXECUTION_EXISTS, id, "execution", "finished", reterr);
}

static int read_execution(sqlite3_stmt *st, void *item)
{
        struct store_execution *e = item;
        e->id = sqlite3_column_int64(st, 0);
        e->instance_id = sqlite3_column_int64(st, 1);
        e->attempt = sqlite3_column_int(st, 2);
        e->node = col_text(st, 3);
        e->pid = sqlite3_column_int64(st, 4);
        e->log_path = col_text(st, 5);
        e->started_at = sqlite3_column_int64(st, 6);
        e->finished = sqlite3_column_type(st, 7) != SQLITE_NULL;
        e->finished_at = col_int64_or_0(st, 7);
        e->exit_status = (int)col_int64_or_0(st, 8);
        e->error = col_text(st, 9);
        return 0;
}

static int sqlite_execution_list(struct store *base, int64_t instance_id,
                                 struct store_execution_list *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_EXECUTION_LIST);
        sqlite3_bind_int64(st, 1, instance_id);
        int r = collect(s, st, sizeof(*ret->items), (void **)&ret->items, &ret->n, read_execution,
                        reterr);
        if (r < 0)
                store_execution_list_release(ret);
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

/* ---- report ----------------------------------------------------------------- */

static int read_report_stats(sqlite3_stmt *st, void *item)
{
        struct store_report_stats *p = item;
        p->job = col_text(st, 0);
        int64_t *v[] = {&p->total, &p->success, &p->failed, &p->skipped, &p->canceled,
                        &p->has_failure, &p->timed};
        for (int i = 0; i < 7; i++)
                *v[i] = sqlite3_column_int64(st, 1 + i);
        p->avg_s = sqlite3_column_double(st, 8);
        p->max_s = sqlite3_column_int64(st, 9);
        int64_t *c[] = {&p->read_count, &p->write_count, &p->commit_count, &p->write_skip_count,
                        &p->rollback_count};
        for (int i = 0; i < 5; i++)
                *c[i] = sqlite3_column_int64(st, 10 + i);
        return p->job ? 0 : BATCH_ENOMEM;
}

static int read_report_middle(sqlite3_stmt *st, void *item)
{
        struct store_report_middle *p = item;
        p->job = col_text(st, 0);
        p->dur_s = sqlite3_column_int64(st, 1);
        return p->job ? 0 : BATCH_ENOMEM;
}

static int read_report_due(sqlite3_stmt *st, void *item)
{
        struct store_report_due *p = item;
        p->job = col_text(st, 0);
        p->due = sqlite3_column_int64(st, 1);
        p->state = sqlite3_column_int(st, 2);
        return p->job ? 0 : BATCH_ENOMEM;
}

/* Binds the report queries' four parameters. */
static sqlite3_stmt *report_stmt(struct sqlite_store *s, enum stmt_id id, const char *tenant,
                                 int64_t from, int64_t to, const char *job)
{
        /* Each statement has a second form for one job, right after the three. */
        sqlite3_stmt *st = stmt(s, job ? id + (ST_REPORT_STATS_JOB - ST_REPORT_STATS) : id);
        bind_text(st, 1, tenant);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        bind_text(st, 4, job);
        return st;
}

static int sqlite_report_stats(struct store *base, const char *tenant, int64_t from, int64_t to,
                               const char *job, struct store_report_stats_list *ret,
                               struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = report_stmt(s, ST_REPORT_STATS, tenant, from, to, job);
        int r = collect(s, st, sizeof(*ret->items), (void **)&ret->items, &ret->n,
                        read_report_stats, reterr);
        if (r < 0)
                store_report_stats_list_release(ret);
        return r;
}

static int sqlite_report_middles(struct store *base, const char *tenant, int64_t from, int64_t to,
                                 const char *job, struct store_report_middle_list *ret,
                                 struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = report_stmt(s, ST_REPORT_MIDDLES, tenant, from, to, job);
        int r = collect(s, st, sizeof(*ret->items), (void **)&ret->items, &ret->n,
                        read_report_middle, reterr);
        if (r < 0)
                store_report_middle_list_release(ret);
        return r;
}

static int sqlite_report_dues(struct store *base, const char *tenant, int64_t from, int64_t to,
                              const char *job, struct store_report_due_list *ret,
                              struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = report_stmt(s, ST_REPORT_DUES, tenant, from, to, job);
        int r = collect(s, st, sizeof(*ret->items), (void **)&ret->items, &ret->n,
                        read_report_due, reterr);
        if (r < 0)
                store_report_due_list_release(ret);
        return r;
}

/* ---- retention ------------------------------------------------------------------- */

struct purge_args {
        const char *ids; /* JSON array of the instances to delete */
        int64_t cutoff;
        unsigned limit;
        struct store_purge *ret;
};

static int64_t changes_of(struct sqlite_store *s, enum stmt_id id, const char *ids, int64_t a,
                          int64_t b, int nargs, struct batch_err *reterr, int *rc)
{
        sqlite3_stmt *st = stmt(s, id);
        if (nargs == 1) {
                sqlite3_bind_text(st, 1, ids, -1, SQLITE_STATIC);
        } else {
                sqlite3_bind_int64(st, 1, a);
                sqlite3_bind_int64(st, 2, b);
        }
        if (*rc == 0)
                *rc = run(s, st, reterr, "retention: deleting");
        return *rc == 0 ? sqlite3_changes(s->c.db) : 0;
}

static int do_purge(struct sqlite_store *s, void *arg, struct batch_err *reterr)
{
        struct purge_args *a = arg;
        struct store_purge *p = a->ret;
        /* What is still eligible now, inside the write transaction. */
        struct buf keep;
        buf_init(&keep, 0);
        buf_puts(&keep, "[");
        sqlite3_stmt *st = stmt(s, ST_PURGE_KEEP);
        sqlite3_bind_text(st, 1, a->ids, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, a->cutoff);
        int rc, n = 0;
        while ((rc = db_step(s, st)) == SQLITE_ROW)
                buf_printf(&keep, "%s%lld", n++ ? "," : "", (long long)sqlite3_column_int64(st, 0));
        sqlite3_reset(st);
        buf_puts(&keep, "]");
        if (rc != SQLITE_DONE || keep.err) {
                buf_release(&keep);
                return rc != SQLITE_DONE ? db_error(s, reterr, "retention: choosing")
                                         : batch_err_set(reterr, BATCH_ENOMEM, "retention", "out of memory");
        }
        int r = 0;
        if (n) {
                /* the log files, removed by the caller once this commits */
                st = stmt(s, ST_PURGE_LOGS);
                sqlite3_bind_text(st, 1, keep.data, -1, SQLITE_STATIC);
                while ((rc = db_step(s, st)) == SQLITE_ROW && r == 0) {
                        char **grown = realloc(p->logs, (p->nlogs + 1) * sizeof(*grown));
                        char *path = strdup((const char *)sqlite3_column_text(st, 0));
                        if (!grown || !path) {
                                free(path);
                                if (grown)
                                        p->logs = grown;
                                r = batch_err_set(reterr, BATCH_ENOMEM, "retention", "out of memory");
                                break;
                        }
                        p->logs = grown;
                        p->logs[p->nlogs++] = path;
                }
                sqlite3_reset(st);
                if (r == 0 && rc != SQLITE_DONE)
                        r = db_error(s, reterr, "retention: reading log paths");
                const char *k = keep.data;
                p->deliveries += changes_of(s, ST_PURGE_DELIVERIES, k, 0, 0, 1, reterr, &r);
                p->alerts += changes_of(s, ST_PURGE_ALERTS, k, 0, 0, 1, reterr, &r);
                p->dead_letters += changes_of(s, ST_PURGE_DEAD_LETTERS, k, 0, 0, 1, reterr, &r);
                p->checkpoints += changes_of(s, ST_PURGE_CHECKPOINTS, k, 0, 0, 1, reterr, &r);
                p->steps += changes_of(s, ST_PURGE_STEPS, k, 0, 0, 1, reterr, &r);
                changes_of(s, ST_PURGE_REMOTE_RUNS, k, 0, 0, 1, reterr, &r);
                p->executions += changes_of(s, ST_PURGE_EXECUTIONS, k, 0, 0, 1, reterr, &r);
                p->transitions += changes_of(s, ST_PURGE_TRANSITIONS, k, 0, 0, 1, reterr, &r);
                p->requests += changes_of(s, ST_PURGE_REQUESTS, k, 0, 0, 1, reterr, &r);
                p->instances += changes_of(s, ST_PURGE_INSTANCES, k, 0, 0, 1, reterr, &r);
        }
        buf_release(&keep);
        /* alerts and dead letters older than the cutoff, whatever their instance */
        p->deliveries += changes_of(s, ST_PURGE_OLD_DELIVERIES, NULL, a->cutoff, a->limit, 2, reterr, &r);
        p->alerts += changes_of(s, ST_PURGE_OLD_ALERTS, NULL, a->cutoff, a->limit, 2, reterr, &r);
        p->dead_letters +=
                changes_of(s, ST_PURGE_OLD_DEAD_LETTERS, NULL, a->cutoff, a->limit, 2, reterr, &r);
        return r;
}

static int sqlite_purge_step(struct store *base, int64_t cutoff, unsigned limit,
                             struct store_purge *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        memset(ret, 0, sizeof(*ret));
        /* Choosing reads, outside the write transaction: the scan never holds the lock. */
        struct buf ids;
        buf_init(&ids, 0);
        buf_puts(&ids, "[");
        sqlite3_stmt *st = stmt(s, ST_PURGE_CANDIDATES);
        sqlite3_bind_int64(st, 1, cutoff);
        sqlite3_bind_int64(st, 2, limit);
        sqlite3_bind_int64(st, 3, INT64_MAX);
        int rc, n = 0;
        while ((rc = db_step(s, st)) == SQLITE_ROW)
                buf_printf(&ids, "%s%lld", n++ ? "," : "", (long long)sqlite3_column_int64(st, 0));
        sqlite3_reset(st);
        buf_puts(&ids, "]");
        if (rc != SQLITE_DONE) {
                buf_release(&ids);
                return db_error(s, reterr, "retention: choosing instances");
        }
        struct purge_args a = {ids.data, cutoff, limit, ret};
        int r = ids.err ? batch_err_set(reterr, BATCH_ENOMEM, "retention", "out of memory")
                        : atomically(s, reterr, do_purge, &a);
        buf_release(&ids);
        if (r < 0)
                store_purge_release(ret);
        return r;
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
        .instance_create = sqlite_instance_create,
        .instance_get = sqlite_instance_get,
        .instance_list = sqlite_instance_list,
        .instance_transition = sqlite_instance_transition,
        .instance_set_reason = sqlite_instance_set_reason,
        .clock_publish = repo_clock_publish,
        .clock_withdraw = repo_clock_withdraw,
        .clock_get = repo_clock_get,
        .instance_history = sqlite_instance_history,
        .changes_after = sqlite_changes_after,
        .change_last_id = sqlite_change_last_id,
        .execution_start = sqlite_execution_start,
        .execution_finish = sqlite_execution_finish,
        .execution_withdraw = sqlite_execution_withdraw,
        .execution_list = sqlite_execution_list,
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
        .report_stats = sqlite_report_stats,
        .report_middles = sqlite_report_middles,
        .report_dues = sqlite_report_dues,
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
        .purge_step = sqlite_purge_step,
};
