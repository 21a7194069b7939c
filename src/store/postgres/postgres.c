/* postgres.c: the PostgreSQL backend of the job repository, through libpq.
 *
 * The same schema as the SQLite backend in PostgreSQL's types, numbered migrations
 * applied under an advisory lock (several nodes may start at once) and recorded in
 * schema_migrations, statements prepared once per connection, and the same
 * conditional updates. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "common/buf.h"
#include "store/postgres/driver.h"
#include "store/repo.h"

static const char *const migrations[] = {
        /* 1: tenants, definitions with their version history, audit log. */
        "CREATE TABLE tenants (name TEXT PRIMARY KEY, created_at BIGINT NOT NULL);\n"
        "CREATE TABLE definitions (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  kind TEXT NOT NULL CHECK (kind IN ('job', 'calendar', 'settings')),\n"
        "  name TEXT NOT NULL, version BIGINT NOT NULL, spec TEXT NOT NULL,\n"
        "  updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL,\n"
        "  PRIMARY KEY (tenant, kind, name));\n"
        "CREATE TABLE definition_versions (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), kind TEXT NOT NULL,\n"
        "  name TEXT NOT NULL, version BIGINT NOT NULL, spec TEXT, changed TEXT,\n"
        "  changed_at BIGINT NOT NULL, changed_by TEXT NOT NULL,\n"
        "  PRIMARY KEY (tenant, kind, name, version));\n"
        "CREATE TABLE audit_log (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,\n"
        "  object TEXT NOT NULL, detail TEXT);\n"
        "CREATE INDEX audit_log_at ON audit_log(at);\n",
        /* 2: instances and their state transitions. */
        "CREATE TABLE instances (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), job TEXT NOT NULL,\n"
        "  scheduled BOOLEAN NOT NULL, due_time BIGINT NOT NULL, first_due BIGINT NOT NULL,\n"
        "  last_due BIGINT NOT NULL, state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 12),\n"
        "  reason TEXT, params TEXT, trace_id TEXT NOT NULL,\n"
        "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
        "CREATE UNIQUE INDEX instances_slot ON instances(tenant, job, due_time) WHERE scheduled;\n"
        "CREATE INDEX instances_job_due ON instances(tenant, job, due_time);\n"
        "CREATE INDEX instances_state ON instances(tenant, state, id);\n"
        "CREATE INDEX instances_job_id ON instances(tenant, job, id);\n"
        "CREATE TABLE instance_transitions (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  instance_id BIGINT NOT NULL REFERENCES instances(id), at BIGINT NOT NULL,\n"
        "  from_state INTEGER, to_state INTEGER NOT NULL, actor TEXT NOT NULL, reason TEXT);\n"
        "CREATE INDEX instance_transitions_instance ON instance_transitions(instance_id, id);\n",
        /* 3: executions (attempts), step executions, checkpoints, dead letters, alerts,
         * API tokens, nodes and leases. */
        "CREATE TABLE executions (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  instance_id BIGINT NOT NULL REFERENCES instances(id),\n"
        "  attempt INTEGER NOT NULL, node TEXT, pid BIGINT NOT NULL, log_path TEXT,\n"
        "  started_at BIGINT NOT NULL, finished_at BIGINT, exit_status INTEGER, error TEXT,\n"
        "  UNIQUE (instance_id, attempt));\n"
        "CREATE INDEX executions_running ON executions(finished_at) WHERE finished_at IS NULL;\n"
        "CREATE TABLE step_executions (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  execution_id BIGINT NOT NULL REFERENCES executions(id), name TEXT NOT NULL,\n"
        "  status TEXT NOT NULL CHECK (status IN ('STARTED', 'COMPLETED', 'FAILED', 'STOPPED')),\n"
        "  read_count BIGINT NOT NULL CHECK (read_count >= 0),\n"
        "  write_count BIGINT NOT NULL CHECK (write_count >= 0),\n"
        "  commit_count BIGINT NOT NULL CHECK (commit_count >= 0),\n"
        "  rollback_count BIGINT NOT NULL CHECK (rollback_count >= 0),\n"
        "  read_skip_count BIGINT NOT NULL CHECK (read_skip_count >= 0),\n"
        "  process_skip_count BIGINT NOT NULL CHECK (process_skip_count >= 0),\n"
        "  write_skip_count BIGINT NOT NULL CHECK (write_skip_count >= 0),\n"
        "  filter_count BIGINT NOT NULL CHECK (filter_count >= 0),\n"
        "  exit_message TEXT, started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,\n"
        "  UNIQUE (execution_id, name));\n"
        "CREATE TABLE checkpoints (\n"
        "  instance_id BIGINT NOT NULL REFERENCES instances(id), step TEXT NOT NULL,\n"
        "  data TEXT NOT NULL, updated_at BIGINT NOT NULL,\n"
        "  PRIMARY KEY (instance_id, step));\n"
        "CREATE TABLE dead_letters (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  instance_id BIGINT NOT NULL REFERENCES instances(id), step TEXT NOT NULL,\n"
        "  item TEXT NOT NULL, error TEXT NOT NULL, created_at BIGINT NOT NULL);\n"
        "CREATE INDEX dead_letters_instance ON dead_letters(instance_id, id);\n"
        "CREATE TABLE alerts (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  instance_id BIGINT REFERENCES instances(id), kind TEXT NOT NULL,\n"
        "  message TEXT NOT NULL, created_at BIGINT NOT NULL, acknowledged_at BIGINT,\n"
        "  acknowledged_by TEXT);\n"
        "CREATE INDEX alerts_tenant ON alerts(tenant, id);\n"
        "CREATE TABLE api_tokens (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), name TEXT NOT NULL,\n"
        "  role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),\n"
        "  hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,\n"
        "  revoked_at BIGINT,\n"
        "  UNIQUE (tenant, name));\n"
        "CREATE TABLE nodes (\n"
        "  name TEXT PRIMARY KEY, capacity INTEGER NOT NULL, started_at BIGINT NOT NULL,\n"
        "  heartbeat_at BIGINT NOT NULL);\n"
        "CREATE TABLE leases (\n"
        "  name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL);\n",
        /* 4: operators' requests for the daemon. */
        "CREATE TABLE requests (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  instance_id BIGINT NOT NULL REFERENCES instances(id),\n"
        "  action TEXT NOT NULL CHECK (action IN ('stop', 'rerun', 'mark-success')),\n"
        "  actor TEXT NOT NULL, reason TEXT, created_at BIGINT NOT NULL, done_at BIGINT,\n"
        "  result INTEGER, message TEXT);\n"
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
        "  id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL,\n"
        "  real_at_us BIGINT NOT NULL, clock_at_us BIGINT NOT NULL,\n"
        "  rate DOUBLE PRECISION NOT NULL CHECK (rate > 0));\n",
        /* 7: alerts name their job, severity and suppressing alert; their deliveries. */
        "ALTER TABLE alerts ADD COLUMN job TEXT;\n"
        "ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'warning'\n"
        "  CHECK (severity IN ('critical', 'warning', 'info'));\n"
        "ALTER TABLE alerts ADD COLUMN suppressed_by BIGINT REFERENCES alerts(id);\n"
        "CREATE INDEX alerts_job_kind ON alerts(tenant, job, kind, id);\n"
        "CREATE TABLE alert_deliveries (\n"
        "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  alert_id BIGINT NOT NULL REFERENCES alerts(id),\n"
        "  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),\n"
        "  target TEXT NOT NULL,\n"
        "  state TEXT NOT NULL\n"
        "    CHECK (state IN ('pending', 'sent', 'failed', 'suppressed', 'paused')),\n"
        "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT, last_attempt_at BIGINT,\n"
        "  last_answer TEXT, message_id TEXT NOT NULL, created_at BIGINT NOT NULL,\n"
        "  escalation BOOLEAN NOT NULL DEFAULT false);\n"
        "CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id, id);\n"
        "CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at, id)\n"
        "  WHERE state = 'pending';\n",
        /* 8: remote runs' callback tokens (hashed) and reports; the last answer of each
         * next_due_api trigger (docs/remote-jobs.md). */
        "CREATE TABLE remote_runs (\n"
        "  execution_id BIGINT PRIMARY KEY REFERENCES executions(id),\n"
        "  instance_id BIGINT NOT NULL REFERENCES instances(id),\n"
        "  token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,\n"
        "  reported_status TEXT CHECK (reported_status IN ('success', 'failed', 'stopped')),\n"
        "  reported_message TEXT, reported_at BIGINT);\n"
        "CREATE INDEX remote_runs_reported ON remote_runs(execution_id)\n"
        "  WHERE reported_status IS NOT NULL;\n"
        "CREATE TABLE next_due_answers (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), job TEXT NOT NULL,\n"
        "  due_time BIGINT NOT NULL, answered_at BIGINT NOT NULL,\n"
        "  PRIMARY KEY (tenant, job));\n",
        /* 9: a step execution's run metrics (a JSON object), docs/http-client.md. */
        "ALTER TABLE step_executions ADD COLUMN metrics TEXT;\n",
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

/* An instance's skip_count (struct store_instance), as a column of a query on instances. */
#define SKIP_COUNT_SQL                                                                            \
        "(SELECT COALESCE(SUM(s.read_skip_count + s.process_skip_count + s.write_skip_count), " \
        "0)::bigint FROM executions e JOIN step_executions s ON s.execution_id = e.id "         \
        "WHERE e.instance_id = instances.id)"

/* The report queries (store_report_stats): one row per instance in the range, then
 * aggregated per job; the median from the middle rows. */
#define REPORT_PER_INSTANCE_SQL \
        "SELECT i.job AS job, i.state AS state, " \
        "CASE WHEN count(e.finished_at) > 0 THEN max(e.finished_at) - min(e.started_at) END AS dur, " \
        "coalesce(sum(s.read_count), 0) AS rd, coalesce(sum(s.write_count), 0) AS wr, " \
        "coalesce(sum(s.commit_count), 0) AS cm, coalesce(sum(s.write_skip_count), 0) AS ws, " \
        "coalesce(sum(s.rollback_count), 0) AS rb, " \
        "coalesce(sum(s.read_skip_count + s.process_skip_count + s.write_skip_count), 0) AS sk " \
        "FROM instances i LEFT JOIN executions e ON e.instance_id = i.id " \
        "LEFT JOIN step_executions s ON s.execution_id = e.id " \
        "WHERE i.tenant = $1 AND i.due_time >= $2 AND i.due_time < $3 " \
        "AND ($4::text IS NULL OR i.job = $4) GROUP BY i.id, i.job, i.state"
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
        ST_INSTANCE_LOCK,
        ST_EXECUTION_INSERT,
        ST_EXECUTION_FINISH,
        ST_EXECUTION_EXISTS,
        ST_EXECUTION_WITHDRAW,
        ST_EXECUTION_LIST,
        ST_REPORT_STATS,
        ST_REPORT_MIDDLES,
        ST_REPORT_DUES,
        /* retention (docs/daemon.md "Retention") */
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
        [ST_PURGE_CANDIDATES] = "SELECT i.id FROM instances i WHERE i.state IN (3, 5, 6, 7, 8, 9, 12) AND i.updated_at < $1 AND i.due_time < $1 AND i.due_time < coalesce((SELECT min(u.due_time) FROM instances u WHERE u.tenant = i.tenant AND u.state IN (0, 1, 2, 4, 10, 11)), $3) AND EXISTS (SELECT 1 FROM instances j WHERE j.tenant = i.tenant AND j.job = i.job AND j.due_time > i.due_time AND j.due_time <= coalesce((SELECT min(u.due_time) FROM instances u WHERE u.tenant = i.tenant AND u.state IN (0, 1, 2, 4, 10, 11)), $3)) AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.instance_id = i.id AND e.finished_at IS NULL) ORDER BY i.id LIMIT $2",
        [ST_PURGE_KEEP] = "SELECT i.id FROM instances i WHERE i.id = ANY($1::bigint[]) AND i.state IN (3, 5, 6, 7, 8, 9, 12) AND i.updated_at < $2 AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.instance_id = i.id AND e.finished_at IS NULL) FOR UPDATE",
        [ST_PURGE_DELIVERIES] = "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT id FROM alerts WHERE instance_id = ANY($1::bigint[]))",
        [ST_PURGE_ALERTS] = "DELETE FROM alerts WHERE instance_id = ANY($1::bigint[])",
        [ST_PURGE_DEAD_LETTERS] = "DELETE FROM dead_letters WHERE instance_id = ANY($1::bigint[])",
        [ST_PURGE_CHECKPOINTS] = "DELETE FROM checkpoints WHERE instance_id = ANY($1::bigint[])",
        [ST_PURGE_STEPS] = "DELETE FROM step_executions WHERE execution_id IN (SELECT id FROM executions WHERE instance_id = ANY($1::bigint[]))",
        [ST_PURGE_LOGS] = "SELECT log_path FROM executions WHERE instance_id = ANY($1::bigint[]) AND log_path IS NOT NULL",
        [ST_PURGE_REMOTE_RUNS] = "DELETE FROM remote_runs WHERE instance_id = ANY($1::bigint[])",
        [ST_PURGE_EXECUTIONS] = "DELETE FROM executions WHERE instance_id = ANY($1::bigint[])",
        [ST_PURGE_TRANSITIONS] = "DELETE FROM instance_transitions WHERE instance_id = ANY($1::bigint[])",
        [ST_PURGE_REQUESTS] = "DELETE FROM requests WHERE instance_id = ANY($1::bigint[])",
        [ST_PURGE_INSTANCES] = "DELETE FROM instances WHERE id = ANY($1::bigint[])",
        [ST_PURGE_OLD_DELIVERIES] = "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT id FROM alerts WHERE created_at < $1 ORDER BY id LIMIT $2)",
        [ST_PURGE_OLD_ALERTS] = "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE created_at < $1 ORDER BY id LIMIT $2)",
        [ST_PURGE_OLD_DEAD_LETTERS] = "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE created_at < $1 ORDER BY id LIMIT $2)",
        [ST_TENANT_ENSURE] = "INSERT INTO tenants(name, created_at) VALUES ($1, $2) "
                             "ON CONFLICT (name) DO NOTHING",
        [ST_INSTANCE_INSERT] = "INSERT INTO instances(tenant, job, scheduled, due_time, first_due, "
                               "last_due, state, reason, params, trace_id, created_at, "
                               "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                               "$11) ON CONFLICT (tenant, job, due_time) WHERE scheduled "
                               "DO NOTHING RETURNING id",
        [ST_INSTANCE_GET] = "SELECT id, tenant, job, scheduled::int, due_time, first_due, "
                            "last_due, state, reason, params, trace_id, created_at, updated_at, "
                            SKIP_COUNT_SQL " FROM instances WHERE id = $1",
        [ST_INSTANCE_UPDATE_STATE] = "UPDATE instances SET state = $3, reason = $4, "
                                     "updated_at = $5 WHERE id = $1 AND state = $2",
        [ST_INSTANCE_EXISTS] = "SELECT state FROM instances WHERE id = $1",
        [ST_INSTANCE_SET_REASON] = "UPDATE instances SET reason = $3, updated_at = $4 "
                                   "WHERE id = $1 AND state = $2",
        [ST_TRANSITION_ADD] = "INSERT INTO instance_transitions(instance_id, at, from_state, "
                              "to_state, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)",
        [ST_CHANGES_AFTER] = "SELECT t.id, t.instance_id, i.job, t.from_state, t.to_state, t.at "
                             "FROM instance_transitions t JOIN instances i ON i.id = "
                             "t.instance_id WHERE t.id > $1 AND i.tenant = $2 ORDER BY t.id "
                             "LIMIT $3",
        [ST_CHANGE_LAST] = "SELECT coalesce(max(id), 0) FROM instance_transitions",
        [ST_TRANSITION_LIST] = "SELECT at, from_state, to_state, actor, reason "
                               "FROM instance_transitions WHERE instance_id = $1 ORDER BY id",
        /* Serialises concurrent starts of one instance (the attempt number is max + 1)
         * without blocking inserts that only reference the instance. */
        [ST_INSTANCE_LOCK] = "SELECT 1 FROM instances WHERE id = $1 FOR NO KEY UPDATE",
        [ST_EXECUTION_INSERT] = "INSERT INTO executions(instance_id, attempt, node, pid, log_path, "
                                "started_at) SELECT $1::bigint, coalesce(max(attempt), 0) + 1, "
                                "$2::text, $3::bigint, $4::text, $5::bigint FROM executions "
                                "WHERE instance_id = $1 RETURNING id, attempt",
        [ST_EXECUTION_FINISH] = "UPDATE executions SET finished_at = $2, exit_status = $3, "
                                "error = $4 WHERE id = $1 AND finished_at IS NULL",
        [ST_EXECUTION_EXISTS] = "SELECT 1 FROM executions WHERE id = $1",
        [ST_EXECUTION_WITHDRAW] = "DELETE FROM executions WHERE id = $1 AND finished_at IS NULL",
        [ST_EXECUTION_LIST] = "SELECT id, instance_id, attempt, node, pid, log_path, started_at, "
                              "finished_at, exit_status, error FROM executions "
                              "WHERE instance_id = $1 ORDER BY attempt",
        /* The inserts below that reference a parent row check it first (no row: no
         * parent), so that a missing parent does not abort a caller's transaction. */
        [ST_REPORT_STATS] = "SELECT job, count(*), sum(CASE WHEN state IN (5, 12) THEN 1 ELSE 0 END), "
        "sum(CASE WHEN state IN (3, 6, 7, 11) THEN 1 ELSE 0 END), "
        "sum(CASE WHEN state = 8 THEN 1 ELSE 0 END), sum(CASE WHEN state = 9 THEN 1 ELSE 0 END), "
        "sum(CASE WHEN sk > 0 AND state IN (3, 5, 6, 7, 8, 9, 12) THEN 1 ELSE 0 END), "
        "count(dur), coalesce(avg(dur), 0), coalesce(max(dur), 0), "
        "sum(rd), sum(wr), sum(cm), sum(ws), sum(rb) FROM (" REPORT_PER_INSTANCE_SQL ") x GROUP BY job",
        [ST_REPORT_MIDDLES] = "SELECT job, dur FROM (SELECT job, dur, row_number() OVER (PARTITION BY job ORDER BY dur) AS rn, "
        "count(*) OVER (PARTITION BY job) AS cnt FROM (" REPORT_PER_INSTANCE_SQL
        ") x WHERE dur IS NOT NULL) y WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2",
        [ST_REPORT_DUES] = "SELECT job, due_time, state FROM instances WHERE tenant = $1 "
                           "AND scheduled AND due_time >= $2 AND due_time < $3 "
                           "AND ($4::text IS NULL OR job = $4)",
};

struct pg_store {
        struct repo repo;
        struct sql_conn c;
        char sqlstate[6]; /* SQLSTATE of the last failed statement run(), "" after success */
};

#define PG_FOREIGN_KEY_VIOLATION "23503"
#define PG_UNIQUE_VIOLATION "23505"

static int pg_error(struct pg_store *s, struct batch_err *reterr, const char *what)
{
        return postgres_conn_error(&s->c, reterr, what);
}

static int exec_sql(struct pg_store *s, const char *sql, struct batch_err *reterr)
{
        PGresult *res = PQexec(s->c.pg, sql);
        ExecStatusType st = PQresultStatus(res);
        int r = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : pg_error(s, reterr, sql);
        PQclear(res);
        return r;
}

/* Runs prepared statement `id` with text parameters (NULL entries are SQL NULL).
 * Returns the result (caller clears it) or NULL after setting reterr. */
static PGresult *run(struct pg_store *s, enum stmt_id id, int n, const char *const *params,
                     struct batch_err *reterr, const char *what)
{
        char name[16];
        snprintf(name, sizeof(name), "s%d", (int)id);
        PGresult *res = PQexecPrepared(s->c.pg, name, n, params, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(res);
        s->sqlstate[0] = '\0';
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
                snprintf(s->sqlstate, sizeof(s->sqlstate), "%s", code ? code : "");
                pg_error(s, reterr, what);
                PQclear(res);
                return NULL;
        }
        return res;
}

static int run_cmd(struct pg_store *s, enum stmt_id id, int n, const char *const *params,
                   struct batch_err *reterr, const char *what, long *ret_rows)
{
        PGresult *res = run(s, id, n, params, reterr, what);
        if (!res)
                return reterr ? reterr->code : BATCH_EIO;
        if (ret_rows)
                *ret_rows = atol(PQcmdTuples(res));
        PQclear(res);
        return 0;
}

#define I64(buf, v) (snprintf((buf), sizeof(buf), "%lld", (long long)(v)), (buf))

static void pg_close(struct store *base)
{
        struct pg_store *s = (struct pg_store *)base;
        if (!s)
                return;
        if (s->c.in_tx)
                PQclear(PQexec(s->c.pg, "ROLLBACK"));
        repo_finish(&s->repo);
        PQfinish(s->c.pg);
        free(s);
}

static int migrate(struct pg_store *s, struct batch_err *reterr)
{
        int r;
        /* One node migrates at a time; the others wait and then find nothing to do. */
        if ((r = exec_sql(s, "SELECT pg_advisory_lock(7311)", reterr)) < 0)
                return r;
        if ((r = exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                             "PRIMARY KEY)",
                          reterr)) < 0)
                goto out;
        PGresult *res = PQexec(s->c.pg, "SELECT coalesce(max(version), 0) FROM schema_migrations");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                r = pg_error(s, reterr, "reading the schema version");
                PQclear(res);
                goto out;
        }
        int version = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
        if (version > (int)NMIGRATIONS) {
                r = batch_err_set(reterr, BATCH_ESCHEMA, "db",
                                  "db: the repository has schema version %d, newer than the %d "
                                  "this batchd understands; use a newer batchd",
                                  version, (int)NMIGRATIONS);
                goto out;
        }
        for (int v = version; v < (int)NMIGRATIONS; v++) {
                char rec[96];
                snprintf(rec, sizeof(rec), "INSERT INTO schema_migrations(version) VALUES (%d)",
                         v + 1);
                if ((r = exec_sql(s, "BEGIN", reterr)) < 0)
                        goto out;
                if ((r = exec_sql(s, migrations[v], reterr)) < 0 ||
                    (r = exec_sql(s, rec, reterr)) < 0 || (r = exec_sql(s, "COMMIT", reterr)) < 0) {
                        PQclear(PQexec(s->c.pg, "ROLLBACK"));
                        goto out;
                }
        }
        r = 0;
out:
        PQclear(PQexec(s->c.pg, "SELECT pg_advisory_unlock(7311)"));
        return r;
}

static int pg_open(const char *dsn, unsigned flags, struct store **ret,
                   struct batch_err *reterr)
{
        (void)flags; /* PostgreSQL checks its own pages (data checksums, WAL) */
        int r = pq_load(reterr);
        if (r < 0)
                return r;
        struct pg_store *s = calloc(1, sizeof(*s));
        if (!s)
                return BATCH_ENOMEM;
        s->repo.base.ops = &store_postgres_ops;
        s->repo.drv = &postgres_driver;
        s->repo.conn = &s->c;
        s->c.pg = PQconnectdb(dsn);
        if (!s->c.pg || PQstatus(s->c.pg) != CONNECTION_OK) {
                r = s->c.pg ? pg_error(s, reterr, "cannot connect")
                            : batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
                goto fail;
        }
        if ((r = exec_sql(s, "SET client_min_messages = warning", reterr)) < 0 ||
            (r = migrate(s, reterr)) < 0)
                goto fail;
        for (int i = 0; i < ST_COUNT; i++) {
                char name[16];
                snprintf(name, sizeof(name), "s%d", i);
                PGresult *res = PQprepare(s->c.pg, name, stmt_sql[i], 0, NULL);
                bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
                PQclear(res);
                if (!ok) {
                        r = pg_error(s, reterr, "preparing statements");
                        goto fail;
                }
        }
        if ((r = repo_prepare(&s->repo, reterr)) < 0)
                goto fail;
        *ret = &s->repo.base;
        return 0;
fail:
        pg_close(&s->repo.base);
        return r;
}

static int pg_begin(struct store *base, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        int r = exec_sql(s, "BEGIN", reterr);
        if (r == 0)
                s->c.in_tx = true;
        return r;
}

static int pg_commit(struct store *base, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        PGresult *res = PQexec(s->c.pg, "COMMIT");
        int r = 0;
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                r = pg_error(s, reterr, "COMMIT");
        else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
                /* A statement failed inside the transaction: PostgreSQL rolled it back. */
                r = batch_err_set(reterr, BATCH_EIO, "db",
                                  "db: the transaction was rolled back after an earlier error");
        PQclear(res);
        s->c.in_tx = false;
        return r;
}

static void pg_rollback(struct store *base)
{
        struct pg_store *s = (struct pg_store *)base;
        if (s->c.in_tx)
                PQclear(PQexec(s->c.pg, "ROLLBACK"));
        s->c.in_tx = false;
}

static int atomically(struct pg_store *s, struct batch_err *reterr,
                      int (*fn)(struct pg_store *s, void *arg, struct batch_err *reterr), void *arg)
{
        if (s->c.in_tx)
                return fn(s, arg, reterr);
        int r = pg_begin(&s->repo.base, reterr);
        if (r < 0)
                return r;
        if ((r = fn(s, arg, reterr)) < 0) {
                pg_rollback(&s->repo.base);
                return r;
        }
        return pg_commit(&s->repo.base, reterr);
}

static int pg_schema_version(struct store *base, int *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        PGresult *res = PQexec(s->c.pg, "SELECT max(version) FROM schema_migrations");
        int r = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : pg_error(s, reterr, "schema version");
        if (r == 0)
                *ret = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
        return r;
}

static char *val(PGresult *res, int row, int col)
{
        return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

static long long num(PGresult *res, int row, int col)
{
        return atoll(PQgetvalue(res, row, col));
}

/* Whether val() failed for lack of memory: the column is not NULL but the copy is. */
static bool lost(PGresult *res, int row, int col, const char *v)
{
        return !v && !PQgetisnull(res, row, col);
}

static int oom(struct batch_err *reterr)
{
        return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
}

/* Reads every row of `res` into a fresh array of `size`-byte items (zeroed by calloc, then
 * filled by read_row, which returns 0 or BATCH_ENOMEM). The array is never NULL on success,
 * even for no rows. On error the items read so far, the failing one included, stay in
 * *items and *n for the caller to release. Does not set reterr; res stays the caller's. */
static int collect(PGresult *res, size_t size, void **items, size_t *n,
                   int (*read_row)(PGresult *res, int row, void *item))
{
        int rows = PQntuples(res), r = 0;
        *n = 0;
        *items = calloc(rows ? (size_t)rows : 1, size);
        if (!*items)
                return BATCH_ENOMEM;
        for (int i = 0; r == 0 && i < rows; i++) {
                (*n)++;
                r = read_row(res, i, (char *)*items + (size_t)i * size);
        }
        return r;
}

/* Runs statement `id` and reads its rows into *items and *n with read_row (collect).
 * *items and *n are set first, so the caller can release the list whatever the result.
 * BATCH_EIO when the statement failed, BATCH_ENOMEM (with reterr) when reading did. */
static int run_list(struct pg_store *s, enum stmt_id id, int n, const char *const *params,
                    const char *what, size_t size, void **items, size_t *nitems,
                    int (*read_row)(PGresult *res, int row, void *item), struct batch_err *reterr)
{
        *items = NULL;
        *nitems = 0;
        PGresult *res = run(s, id, n, params, reterr, what);
        if (!res)
                return BATCH_EIO;
        int r = collect(res, size, items, nitems, read_row);
        PQclear(res);
        return r < 0 ? oom(reterr) : 0;
}

static int ensure_tenant(struct pg_store *s, const char *tenant, int64_t now,
                         struct batch_err *reterr)
{
        char at[24];
        const char *p[] = {tenant, I64(at, now)};
        return run_cmd(s, ST_TENANT_ENSURE, 2, p, reterr, "creating the tenant", NULL);
}

/* ---- instances ------------------------------------------------------------ */

struct transition_args {
        int64_t id;
        int from, to;
        const char *actor, *reason;
        int64_t now;
};

static int add_transition(struct pg_store *s, const struct transition_args *a,
                          struct batch_err *reterr)
{
        char id[24], at[24], from[24], to[24];
        const char *p[] = {I64(id, a->id), I64(at, a->now), a->from >= 0 ? I64(from, a->from) : NULL,
                           I64(to, a->to), a->actor ? a->actor : "system", a->reason};
        return run_cmd(s, ST_TRANSITION_ADD, 6, p, reterr, "recording the transition", NULL);
}

struct create_args {
        const struct store_instance *in;
        const char *actor;
        int64_t now;
        int64_t id;
};

static int do_create(struct pg_store *s, void *arg, struct batch_err *reterr)
{
        struct create_args *a = arg;
        const struct store_instance *in = a->in;
        int r = ensure_tenant(s, in->tenant, a->now, reterr);
        if (r < 0)
                return r;
        char due[24], first[24], last[24], state[24], now[24];
        const char *p[] = {in->tenant,        in->job,           in->scheduled ? "t" : "f",
                           I64(due, in->due), I64(first, in->first_due),
                           I64(last, in->last_due), I64(state, in->state),
                           in->reason,        in->params,        in->trace_id,
                           I64(now, a->now)};
        PGresult *res = run(s, ST_INSTANCE_INSERT, 11, p, reterr, "creating the instance");
        if (!res)
                return BATCH_EIO;
        int rows = PQntuples(res);
        if (rows)
                a->id = num(res, 0, 0);
        PQclear(res);
        if (!rows)
                return batch_err_set(reterr, BATCH_EEXIST, "due",
                                     "job %s of tenant %s already has an instance due at %lld",
                                     in->job, in->tenant, (long long)in->due);
        struct transition_args t = {a->id, -1, in->state, a->actor, in->reason, a->now};
        return add_transition(s, &t, reterr);
}

static int pg_instance_create(struct store *base, const struct store_instance *in,
                              const char *actor, int64_t now_s, int64_t *ret_id,
                              struct batch_err *reterr)
{
        struct create_args a = {in, actor, now_s, 0};
        int r = atomically((struct pg_store *)base, reterr, do_create, &a);
        if (r == 0)
                *ret_id = a.id;
        return r;
}

static int read_instance(PGresult *res, int row, void *item)
{
        struct store_instance *in = item;
        in->id = num(res, row, 0);
        in->tenant = val(res, row, 1);
        in->job = val(res, row, 2);
        in->scheduled = num(res, row, 3) != 0;
        in->due = num(res, row, 4);
        in->first_due = num(res, row, 5);
        in->last_due = num(res, row, 6);
        in->state = (int)num(res, row, 7);
        in->reason = val(res, row, 8);
        in->params = val(res, row, 9);
        in->trace_id = val(res, row, 10);
        in->created_at = num(res, row, 11);
        in->updated_at = num(res, row, 12);
        in->skip_count = num(res, row, 13);
        return in->tenant && in->job && in->trace_id ? 0 : BATCH_ENOMEM;
}

static int pg_instance_get(struct store *base, int64_t id, struct store_instance *ret,
                           struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char ids[24];
        const char *p[] = {I64(ids, id)};
        PGresult *res = run(s, ST_INSTANCE_GET, 1, p, reterr, "reading the instance");
        if (!res)
                return BATCH_EIO;
        int r;
        if (!PQntuples(res)) {
                r = batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld", (long long)id);
        } else {
                memset(ret, 0, sizeof(*ret));
                if ((r = read_instance(res, 0, ret)) < 0)
                        store_instance_release(ret);
        }
        PQclear(res);
        return r;
}

/* An instance list's SQL, built from only the conditions its filter sets (so that the
 * planner can use the index that fits them), and its parameters, $1, $2, ... in order. */
struct list_query {
        char sql[2048];
        size_t n;
        bool truncated;
        int nparams;
        const char *params[10];
        char state[24], from[24], to[24], after_due[24], after[24], limit[24];
};

static void list_add(struct list_query *q, const char *part)
{
        int w = snprintf(q->sql + q->n, sizeof(q->sql) - q->n, "%s", part);
        if (w < 0 || (size_t)w >= sizeof(q->sql) - q->n)
                q->truncated = true;
        else
                q->n += (size_t)w;
}

/* Appends `part` and then the marker ($1, $2, ...) of `value`, the next parameter. */
static void list_param(struct list_query *q, const char *part, const char *value)
{
        char ph[16];
        if (q->nparams == (int)(sizeof(q->params) / sizeof(q->params[0]))) {
                q->truncated = true;
                return;
        }
        q->params[q->nparams++] = value;
        snprintf(ph, sizeof(ph), "$%d", q->nparams);
        list_add(q, part);
        list_add(q, ph);
}

static void list_query_build(struct list_query *q, const struct store_instance_filter *f)
{
        unsigned lim = f->limit ? f->limit : 100;
        list_param(q, "SELECT id, tenant, job, scheduled::int, due_time, first_due, last_due, "
                      "state, reason, params, trace_id, created_at, updated_at, " SKIP_COUNT_SQL
                      " FROM instances WHERE tenant = ",
                   f->tenant);
        if (f->job)
                list_param(q, " AND job = ", f->job);
        if (f->state >= 0)
                list_param(q, " AND state = ", I64(q->state, f->state));
        if (f->has_due_range) {
                list_param(q, " AND due_time >= ", I64(q->from, f->due_from));
                list_param(q, " AND due_time < ", I64(q->to, f->due_to));
        }
        if (f->after_id != 0 && f->by_due) {
                list_param(q, " AND (due_time, id) < (", I64(q->after_due, f->after_due));
                list_param(q, ", ", I64(q->after, f->after_id));
                list_add(q, ")");
        } else if (f->after_id != 0) {
                list_param(q, f->newest_first ? " AND id < " : " AND id > ",
                           I64(q->after, f->after_id));
        }
        /* Not final: Init, Dependency Wait, Starting, Running, Stopping, Stop Failed. */
        if (f->live_only)
                list_add(q, " AND state IN (0, 1, 2, 4, 10, 11)");
        if (f->scheduled_only)
                list_add(q, " AND scheduled");
        /* Start Failed, Failed, Timeout Failed, Stop Failed. */
        if (f->failed_only)
                list_add(q, " AND state IN (3, 6, 7, 11)");
        if (f->has_failure)
                list_add(q, " AND " SKIP_COUNT_SQL " > 0");
        /* The creation is the one transition without a from_state. */
        if (f->created_by) {
                list_param(q, " AND EXISTS (SELECT 1 FROM instance_transitions c "
                              "WHERE c.instance_id = instances.id AND c.from_state IS NULL "
                              "AND c.actor = ",
                           f->created_by);
                list_add(q, ")");
        }
        list_param(q, f->by_due         ? " ORDER BY due_time DESC, id DESC LIMIT "
                      : f->newest_first ? " ORDER BY id DESC LIMIT "
                                        : " ORDER BY id LIMIT ",
                   I64(q->limit, lim > 10000 ? 10000 : lim));
}

static int pg_instance_list(struct store *base, const struct store_instance_filter *f,
                            struct store_instance_list *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        struct list_query *q = calloc(1, sizeof(*q));
        if (!q)
                return oom(reterr);
        list_query_build(q, f);
        if (q->truncated) {
                free(q);
                return batch_err_set(reterr, BATCH_EIO, "db",
                                     "db: the instance list query is too long");
        }
        /* Unnamed and planned for these values: which index fits depends on them. */
        PGresult *res = PQexecParams(s->c.pg, q->sql, q->nparams, NULL, q->params, NULL, NULL, 0);
        free(q);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
                snprintf(s->sqlstate, sizeof(s->sqlstate), "%s", code ? code : "");
                PQclear(res);
                return pg_error(s, reterr, "listing instances");
        }
        s->sqlstate[0] = '\0';
        int r = collect(res, sizeof(*ret->items), (void **)&ret->items, &ret->n, read_instance);
        PQclear(res);
        if (r < 0) {
                store_instance_list_release(ret);
                return oom(reterr);
        }
        return 0;
}

/* After a conditional update (WHERE id = $1 AND state = $2) changed no row: why. */
static int not_in_state(struct pg_store *s, int64_t id, int state, struct batch_err *reterr)
{
        char ids[24];
        const char *p[] = {I64(ids, id)};
        PGresult *res = run(s, ST_INSTANCE_EXISTS, 1, p, reterr, "reading the state");
        if (!res)
                return BATCH_EIO;
        int found = PQntuples(res);
        int cur = found ? (int)num(res, 0, 0) : -1;
        PQclear(res);
        if (!found)
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld",
                                     (long long)id);
        return batch_err_set(reterr, BATCH_ESTALE, "state",
                             "instance %lld is in state %d, not %d: nothing changed",
                             (long long)id, cur, state);
}

static int do_transition(struct pg_store *s, void *arg, struct batch_err *reterr)
{
        struct transition_args *a = arg;
        char id[24], from[24], to[24], at[24];
        const char *p[] = {I64(id, a->id), I64(from, a->from), I64(to, a->to), a->reason,
                           I64(at, a->now)};
        long rows = 0;
        int r = run_cmd(s, ST_INSTANCE_UPDATE_STATE, 5, p, reterr, "changing the state", &rows);
        if (r < 0)
                return r;
        if (rows == 0)
                return not_in_state(s, a->id, a->from, reterr);
        return add_transition(s, a, reterr);
}

static int pg_instance_transition(struct store *base, int64_t id, int from, int to,
                                  const char *actor, const char *reason, int64_t now_s,
                                  struct batch_err *reterr)
{
        struct transition_args a = {id, from, to, actor, reason, now_s};
        return atomically((struct pg_store *)base, reterr, do_transition, &a);
}

static int pg_instance_set_reason(struct store *base, int64_t id, int state, const char *reason,
                                  int64_t now_s, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char ids[24], st[24], at[24];
        const char *p[] = {I64(ids, id), I64(st, state), reason, I64(at, now_s)};
        long rows = 0;
        int r = run_cmd(s, ST_INSTANCE_SET_REASON, 4, p, reterr, "changing the reason", &rows);
        if (r < 0)
                return r;
        return rows == 0 ? not_in_state(s, id, state, reterr) : 0;
}

static int read_transition(PGresult *res, int row, void *item)
{
        struct store_transition *t = item;
        t->at = num(res, row, 0);
        t->from_state = PQgetisnull(res, row, 1) ? -1 : (int)num(res, row, 1);
        t->to_state = (int)num(res, row, 2);
        t->actor = val(res, row, 3);
        t->reason = val(res, row, 4);
        return t->actor ? 0 : BATCH_ENOMEM;
}

static int pg_instance_history(struct store *base, int64_t id, struct store_transition_list *ret,
                               struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char ids[24];
        const char *p[] = {I64(ids, id)};
        int r = run_list(s, ST_TRANSITION_LIST, 1, p, "reading the history", sizeof(*ret->items),
                         (void **)&ret->items, &ret->n, read_transition, reterr);
        if (r < 0)
                store_transition_list_release(ret);
        return r;
}

static int read_change(PGresult *res, int row, void *item)
{
        struct store_change *c = item;
        c->id = num(res, row, 0);
        c->instance_id = num(res, row, 1);
        c->job = val(res, row, 2);
        c->from_state = PQgetisnull(res, row, 3) ? -1 : (int)num(res, row, 3);
        c->to_state = (int)num(res, row, 4);
        c->at = num(res, row, 5);
        return c->job ? 0 : BATCH_ENOMEM;
}

static int pg_changes_after(struct store *base, const char *tenant, int64_t after_id,
                            unsigned limit, struct store_change_list *ret,
                            struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char after[24], lim[24];
        const char *p[] = {I64(after, after_id), tenant, I64(lim, (int64_t)limit)};
        int r = run_list(s, ST_CHANGES_AFTER, 3, p, "reading the changes", sizeof(*ret->items),
                         (void **)&ret->items, &ret->n, read_change, reterr);
        if (r < 0)
                store_change_list_release(ret);
        return r;
}

static int pg_change_last_id(struct store *base, int64_t *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        PGresult *res = run(s, ST_CHANGE_LAST, 0, NULL, reterr, "reading the last change");
        if (!res)
                return BATCH_EIO;
        *ret = PQntuples(res) ? num(res, 0, 0) : 0;
        PQclear(res);
        return 0;
}

/* ---- helpers for the operations below ----------------------------------------- */

/* After a conditional update that changed nothing: BATCH_ESTALE when row `id` exists
 * (statement `st` selects it), BATCH_ENOENT when it does not. */
static int stale_or_missing(struct pg_store *s, enum stmt_id st, int64_t id, const char *noun,
                            const char *done, struct batch_err *reterr)
{
        char ids[24];
        const char *p[] = {I64(ids, id)};
        PGresult *res = run(s, st, 1, p, reterr, "reading the row");
        if (!res)
                return BATCH_EIO;
        int found = PQntuples(res);
        PQclear(res);
        if (found)
                return batch_err_set(reterr, BATCH_ESTALE, "id", "%s %lld %s: nothing changed",
                                     noun, (long long)id, done);
        return batch_err_set(reterr, BATCH_ENOENT, "id", "no %s %lld", noun, (long long)id);
}

/* ---- executions ------------------------------------------------------------- */

struct exec_args {
        const struct store_execution *e;
        int64_t now;
        int64_t id;
        int attempt;
};

static int do_execution_start(struct pg_store *s, void *arg, struct batch_err *reterr)
{
        struct exec_args *a = arg;
        char inst[24], pid[24], now[24];
        const char *lock[] = {I64(inst, a->e->instance_id)};
        PGresult *res = run(s, ST_INSTANCE_LOCK, 1, lock, reterr, "reading the instance");
        if (!res)
                return BATCH_EIO;
        int found = PQntuples(res);
        PQclear(res);
        if (!found)
                return batch_err_set(reterr, BATCH_ENOENT, "instance_id", "no instance %lld",
                                     (long long)a->e->instance_id);
        const char *p[] = {inst, a->e->node, I64(pid, a->e->pid), a->e->log_path,
                           I64(now, a->now)};
        res = run(s, ST_EXECUTION_INSERT, 5, p, reterr, "recording the execution");
        if (!res)
                return BATCH_EIO;
        int r = 0;
        if (PQntuples(res) == 1) {
                a->id = num(res, 0, 0);
                a->attempt = (int)num(res, 0, 1);
        } else {
                r = batch_err_set(reterr, BATCH_EIO, "db",
                                  "db: recording the execution: no row returned");
        }
        PQclear(res);
        return r;
}

static int pg_execution_start(struct store *base, const struct store_execution *e, int64_t now_s,
                              int64_t *ret_id, int *ret_attempt, struct batch_err *reterr)
{
        struct exec_args a = {e, now_s, 0, 0};
        int r = atomically((struct pg_store *)base, reterr, do_execution_start, &a);
        if (r == 0) {
                *ret_id = a.id;
                *ret_attempt = a.attempt;
        }
        return r;
}

static int pg_execution_finish(struct store *base, int64_t id, int exit_status, const char *error,
                               int64_t now_s, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char ids[24], at[24], status[24];
        const char *p[] = {I64(ids, id), I64(at, now_s), I64(status, exit_status), error};
        long rows = 0;
        int r = run_cmd(s, ST_EXECUTION_FINISH, 4, p, reterr, "finishing the execution", &rows);
        if (r < 0 || rows > 0)
                return r;
        return stale_or_missing(s, ST_EXECUTION_EXISTS, id, "execution", "has already finished",
                                reterr);
}

static int pg_execution_withdraw(struct store *base, int64_t id, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char ids[24];
        const char *p[] = {I64(ids, id)};
        long rows = 0;
        int r = run_cmd(s, ST_EXECUTION_WITHDRAW, 1, p, reterr, "withdrawing the execution",
                        &rows);
        if (r < 0 || rows > 0)
                return r;
        return stale_or_missing(s, ST_EXECUTION_EXISTS, id, "execution", "has already finished",
                                reterr);
}

static int read_execution(PGresult *res, int row, void *item)
{
        struct store_execution *e = item;
        e->id = num(res, row, 0);
        e->instance_id = num(res, row, 1);
        e->attempt = (int)num(res, row, 2);
        e->node = val(res, row, 3);
        e->pid = num(res, row, 4);
        e->log_path = val(res, row, 5);
        e->started_at = num(res, row, 6);
        e->finished = !PQgetisnull(res, row, 7);
        e->finished_at = num(res, row, 7); /* "" (NULL) reads as 0 */
        e->exit_status = (int)num(res, row, 8);
        e->error = val(res, row, 9);
        if (lost(res, row, 3, e->node) || lost(res, row, 5, e->log_path) ||
            lost(res, row, 9, e->error))
                return BATCH_ENOMEM;
        return 0;
}

static int pg_execution_list(struct store *base, int64_t instance_id,
                             struct store_execution_list *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char ids[24];
        const char *p[] = {I64(ids, instance_id)};
        int r = run_list(s, ST_EXECUTION_LIST, 1, p, "listing executions", sizeof(*ret->items),
                         (void **)&ret->items, &ret->n, read_execution, reterr);
        if (r < 0)
                store_execution_list_release(ret);
        return r;
}

static int pg_savepoint(struct store *base, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        if (!s->c.in_tx)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: a savepoint needs a transaction");
        return exec_sql(s, "SAVEPOINT store_sp", reterr);
}

static int pg_savepoint_release(struct store *base, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        if (!s->c.in_tx)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: a savepoint needs a transaction");
        return exec_sql(s, "RELEASE SAVEPOINT store_sp", reterr);
}

static void pg_savepoint_rollback(struct store *base)
{
        struct pg_store *s = (struct pg_store *)base;
        if (!s->c.in_tx)
                return;
        if (exec_sql(s, "ROLLBACK TO SAVEPOINT store_sp", NULL) == 0)
                exec_sql(s, "RELEASE SAVEPOINT store_sp", NULL);
}

static void *pg_native(struct store *base)
{
        return ((struct pg_store *)base)->c.pg;
}

/* ---- report ----------------------------------------------------------------- */

static int read_report_stats(PGresult *res, int row, void *item)
{
        struct store_report_stats *p = item;
        p->job = val(res, row, 0);
        int64_t *v[] = {&p->total, &p->success, &p->failed, &p->skipped, &p->canceled,
                        &p->has_failure, &p->timed};
        for (int i = 0; i < 7; i++)
                *v[i] = num(res, row, 1 + i);
        p->avg_s = strtod(PQgetvalue(res, row, 8), NULL);
        p->max_s = num(res, row, 9);
        int64_t *c[] = {&p->read_count, &p->write_count, &p->commit_count, &p->write_skip_count,
                        &p->rollback_count};
        for (int i = 0; i < 5; i++)
                *c[i] = num(res, row, 10 + i);
        return lost(res, row, 0, p->job) ? BATCH_ENOMEM : 0;
}

static int read_report_middle(PGresult *res, int row, void *item)
{
        struct store_report_middle *p = item;
        p->job = val(res, row, 0);
        p->dur_s = num(res, row, 1);
        return lost(res, row, 0, p->job) ? BATCH_ENOMEM : 0;
}

static int read_report_due(PGresult *res, int row, void *item)
{
        struct store_report_due *p = item;
        p->job = val(res, row, 0);
        p->due = num(res, row, 1);
        p->state = (int)num(res, row, 2);
        return lost(res, row, 0, p->job) ? BATCH_ENOMEM : 0;
}

static int pg_report_stats(struct store *base, const char *tenant, int64_t from, int64_t to,
                           const char *job, struct store_report_stats_list *ret,
                           struct batch_err *reterr)
{
        char f[24], t[24];
        const char *p[] = {tenant, I64(f, from), I64(t, to), job};
        int r = run_list((struct pg_store *)base, ST_REPORT_STATS, 4, p, "reading report figures",
                         sizeof(*ret->items), (void **)&ret->items, &ret->n, read_report_stats,
                         reterr);
        if (r < 0)
                store_report_stats_list_release(ret);
        return r;
}

static int pg_report_middles(struct store *base, const char *tenant, int64_t from, int64_t to,
                             const char *job, struct store_report_middle_list *ret,
                             struct batch_err *reterr)
{
        char f[24], t[24];
        const char *p[] = {tenant, I64(f, from), I64(t, to), job};
        int r = run_list((struct pg_store *)base, ST_REPORT_MIDDLES, 4, p,
                         "reading report durations", sizeof(*ret->items), (void **)&ret->items,
                         &ret->n, read_report_middle, reterr);
        if (r < 0)
                store_report_middle_list_release(ret);
        return r;
}

static int pg_report_dues(struct store *base, const char *tenant, int64_t from, int64_t to,
                          const char *job, struct store_report_due_list *ret,
                          struct batch_err *reterr)
{
        char f[24], t[24];
        const char *p[] = {tenant, I64(f, from), I64(t, to), job};
        int r = run_list((struct pg_store *)base, ST_REPORT_DUES, 4, p, "reading due times",
                         sizeof(*ret->items), (void **)&ret->items, &ret->n, read_report_due,
                         reterr);
        if (r < 0)
                store_report_due_list_release(ret);
        return r;
}

/* ---- retention ------------------------------------------------------------------- */

struct purge_args {
        const char *ids; /* PostgreSQL array text of the instances to delete */
        int64_t cutoff;
        unsigned limit;
        struct store_purge *ret;
};

/* Runs a purge statement: with the id array alone (nargs 1), or with cutoff and limit. */
static int64_t purged(struct pg_store *s, enum stmt_id id, const struct purge_args *a, int nargs,
                      struct batch_err *reterr, int *r)
{
        char c[24], l[24];
        const char *one[] = {a->ids};
        const char *two[] = {I64(c, a->cutoff), I64(l, a->limit)};
        long rows = 0;
        if (*r == 0)
                *r = run_cmd(s, id, nargs, nargs == 1 ? one : two, reterr, "retention: deleting",
                             &rows);
        return *r == 0 ? rows : 0;
}

/* Reads the first column of each row of `id` (params p) into a PostgreSQL array text
 * ("{1,2}") in *out, or appends them to p->logs when logs. */
static int purge_column(struct pg_store *s, enum stmt_id id, int n, const char *const *p,
                        struct buf *out, struct store_purge *logs, struct batch_err *reterr)
{
        PGresult *res = run(s, id, n, p, reterr, "retention: choosing");
        if (!res)
                return reterr ? reterr->code : BATCH_EIO;
        int rows = PQntuples(res), r = 0;
        if (out)
                buf_puts(out, "{");
        for (int i = 0; i < rows && r == 0; i++) {
                const char *v = PQgetvalue(res, i, 0);
                if (out) {
                        buf_printf(out, "%s%s", i ? "," : "", v);
                        continue;
                }
                char **grown = realloc(logs->logs, (logs->nlogs + 1) * sizeof(*grown));
                char *path = strdup(v);
                if (grown)
                        logs->logs = grown;
                if (!grown || !path) {
                        free(path);
                        r = batch_err_set(reterr, BATCH_ENOMEM, "retention", "out of memory");
                        break;
                }
                logs->logs[logs->nlogs++] = path;
        }
        if (out)
                buf_puts(out, "}");
        PQclear(res);
        if (r == 0 && out && out->err)
                r = batch_err_set(reterr, BATCH_ENOMEM, "retention", "out of memory");
        return r;
}

static int do_purge(struct pg_store *s, void *arg, struct batch_err *reterr)
{
        struct purge_args *a = arg;
        struct store_purge *p = a->ret;
        struct buf keep;
        buf_init(&keep, 0);
        char c[24];
        const char *kp[] = {a->ids, I64(c, a->cutoff)};
        int r = purge_column(s, ST_PURGE_KEEP, 2, kp, &keep, NULL, reterr);
        if (r == 0 && strcmp(keep.data, "{}")) {
                struct purge_args k = *a;
                k.ids = keep.data;
                const char *lp[] = {keep.data};
                r = purge_column(s, ST_PURGE_LOGS, 1, lp, NULL, p, reterr);
                p->deliveries += purged(s, ST_PURGE_DELIVERIES, &k, 1, reterr, &r);
                p->alerts += purged(s, ST_PURGE_ALERTS, &k, 1, reterr, &r);
                p->dead_letters += purged(s, ST_PURGE_DEAD_LETTERS, &k, 1, reterr, &r);
                p->checkpoints += purged(s, ST_PURGE_CHECKPOINTS, &k, 1, reterr, &r);
                p->steps += purged(s, ST_PURGE_STEPS, &k, 1, reterr, &r);
                purged(s, ST_PURGE_REMOTE_RUNS, &k, 1, reterr, &r);
                p->executions += purged(s, ST_PURGE_EXECUTIONS, &k, 1, reterr, &r);
                p->transitions += purged(s, ST_PURGE_TRANSITIONS, &k, 1, reterr, &r);
                p->requests += purged(s, ST_PURGE_REQUESTS, &k, 1, reterr, &r);
                p->instances += purged(s, ST_PURGE_INSTANCES, &k, 1, reterr, &r);
        }
        buf_release(&keep);
        p->deliveries += purged(s, ST_PURGE_OLD_DELIVERIES, a, 2, reterr, &r);
        p->alerts += purged(s, ST_PURGE_OLD_ALERTS, a, 2, reterr, &r);
        p->dead_letters += purged(s, ST_PURGE_OLD_DEAD_LETTERS, a, 2, reterr, &r);
        return r;
}

static int pg_purge_step(struct store *base, int64_t cutoff, unsigned limit,
                         struct store_purge *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        memset(ret, 0, sizeof(*ret));
        struct buf ids;
        buf_init(&ids, 0);
        char c[24], l[24], m[24];
        const char *p[] = {I64(c, cutoff), I64(l, limit), I64(m, INT64_MAX)};
        int r = purge_column(s, ST_PURGE_CANDIDATES, 3, p, &ids, NULL, reterr);
        if (r == 0) {
                struct purge_args a = {ids.data, cutoff, limit, ret};
                r = atomically(s, reterr, do_purge, &a);
        }
        buf_release(&ids);
        if (r < 0)
                store_purge_release(ret);
        return r;
}

const struct store_ops store_postgres_ops = {
        .version = 7,
        .name = "postgres",
        .open = pg_open,
        .close = pg_close,
        .begin = pg_begin,
        .commit = pg_commit,
        .rollback = pg_rollback,
        .schema_version = pg_schema_version,
        .def_put = repo_def_put,
        .def_get = repo_def_get,
        .def_list = repo_def_list,
        .def_delete = repo_def_delete,
        .def_history = repo_def_history,
        .audit_add = repo_audit_add,
        .instance_create = pg_instance_create,
        .instance_get = pg_instance_get,
        .instance_list = pg_instance_list,
        .instance_transition = pg_instance_transition,
        .instance_set_reason = pg_instance_set_reason,
        .clock_publish = repo_clock_publish,
        .clock_withdraw = repo_clock_withdraw,
        .clock_get = repo_clock_get,
        /* report */
        .report_stats = pg_report_stats,
        .report_middles = pg_report_middles,
        .report_dues = pg_report_dues,
        .instance_history = pg_instance_history,
        .changes_after = pg_changes_after,
        .change_last_id = pg_change_last_id,
        .execution_start = pg_execution_start,
        .execution_finish = pg_execution_finish,
        .execution_withdraw = pg_execution_withdraw,
        .execution_list = pg_execution_list,
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
        .savepoint = pg_savepoint,
        .savepoint_release = pg_savepoint_release,
        .savepoint_rollback = pg_savepoint_rollback,
        .native = pg_native,
        .request_list = repo_request_list,
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
        .purge_step = pg_purge_step,
};
