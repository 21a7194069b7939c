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

/* ---- helpers for the operations below ----------------------------------------- */

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
        .instance_create = repo_instance_create,
        .instance_get = repo_instance_get,
        .instance_list = repo_instance_list,
        .instance_transition = repo_instance_transition,
        .instance_set_reason = repo_instance_set_reason,
        .clock_publish = repo_clock_publish,
        .clock_withdraw = repo_clock_withdraw,
        .clock_get = repo_clock_get,
        /* report */
        .report_stats = repo_report_stats,
        .report_middles = repo_report_middles,
        .report_dues = repo_report_dues,
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
        .purge_step = repo_purge_step,
};
