/* postgres.c: the PostgreSQL driver of the repository (sql.h) over libpq (pq.h), and
 * PostgreSQL's migrations: the same schema as SQLite's in PostgreSQL's types, applied
 * under an advisory lock (several nodes may start at once). Statements are prepared once
 * per connection and run with text parameters; their result is read row by row. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "store/postgres/pq.h"
#include "store/rollup.h"
#include "store/sql.h"

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
        /* 10: the runs figures per quarter hour and job, with their backfill
         * (src/store/rollup.h, docs/report.md). */
        ROLLUP_DDL("BIGINT") ";\n"
        "CREATE INDEX run_slots_job ON run_slots(tenant, job, slot);\n" ROLLUP_BACKFILL,
        /* 11: an instance's process date, fixed when it is created (docs/scheduler.md). */
        "ALTER TABLE instances ADD COLUMN process_date TEXT;\n",
};
struct sql_conn {
        PGconn *pg;
        bool in_tx;
        int nstmt; /* statements prepared, for their names */
};

#define MAX_PARAMS 32

struct sql_stmt {
        struct sql_conn *c;
        char name[16];
        int nparams;
        char *param[MAX_PARAMS]; /* NULL: SQL NULL */
        PGresult *res;           /* of the current run */
        int row;                 /* the current row of res, -1 before the first */
};

static int conn_error(struct sql_conn *c, struct batch_err *reterr, const char *what)
{
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c->pg));
        msg[strcspn(msg, "\n")] = '\0';
        return batch_err_set(reterr, BATCH_EIO, "db", "db: %s: %s", what, msg);
}

/* sql with ?N made $N (outside quoted text), and its highest N in *ret_n. */
static char *renumber(const char *sql, int *ret_n)
{
        char *out = malloc(strlen(sql) + 1);
        if (!out)
                return NULL;
        char *o = out, quote = 0;
        *ret_n = 0;
        for (const char *p = sql; *p; p++) {
                if (quote && *p == quote)
                        quote = 0;
                else if (!quote && (*p == '\'' || *p == '"'))
                        quote = *p;
                if (!quote && *p == '?' && p[1] >= '0' && p[1] <= '9') {
                        *o++ = '$';
                        int n = atoi(p + 1);
                        if (n > *ret_n)
                                *ret_n = n;
                        continue;
                }
                *o++ = *p;
        }
        *o = '\0';
        return out;
}

static int prepare(struct sql_conn *c, const char *sql, struct sql_stmt **ret,
                   struct batch_err *reterr)
{
        struct sql_stmt *s = calloc(1, sizeof(*s));
        int n = 0;
        char *text = s ? renumber(sql, &n) : NULL;
        if (!text || n > MAX_PARAMS) {
                free(s);
                free(text);
                return batch_err_set(reterr, text ? BATCH_EINVAL : BATCH_ENOMEM, "db",
                                     text ? "db: too many parameters" : "db: out of memory");
        }
        s->c = c;
        s->nparams = n;
        s->row = -1;
        snprintf(s->name, sizeof(s->name), "r%d", c->nstmt++);
        PGresult *res = PQprepare(c->pg, s->name, text, 0, NULL);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        free(text);
        if (!ok) {
                free(s);
                return conn_error(c, reterr, "preparing statements");
        }
        *ret = s;
        return 0;
}

static void reset(struct sql_stmt *s)
{
        for (int i = 0; i < s->nparams; i++) {
                free(s->param[i]);
                s->param[i] = NULL;
        }
        PQclear(s->res);
        s->res = NULL;
        s->row = -1;
}

static void finalize(struct sql_stmt *s)
{
        if (s) {
                reset(s);
                free(s);
        }
}

/* A parameter that cannot be copied (no memory) stays NULL: the statement then finds
 * nothing or fails on its NOT NULL column. */
static void bind_text(struct sql_stmt *s, int i, const char *v)
{
        if (i < 1 || i > s->nparams)
                return;
        free(s->param[i - 1]);
        s->param[i - 1] = v ? strdup(v) : NULL;
}

static void bind_int64(struct sql_stmt *s, int i, int64_t v)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%lld", (long long)v);
        bind_text(s, i, buf);
}

static void bind_double(struct sql_stmt *s, int i, double v)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%.17g", v);
        bind_text(s, i, buf);
}

static int step(struct sql_stmt *s, const char *what, struct batch_err *reterr)
{
        if (!s->res) {
                s->res = PQexecPrepared(s->c->pg, s->name, s->nparams,
                                        (const char *const *)s->param, NULL, NULL, 0);
                ExecStatusType st = PQresultStatus(s->res);
                if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                        PQclear(s->res);
                        s->res = NULL;
                        return conn_error(s->c, reterr, what);
                }
        }
        return ++s->row < PQntuples(s->res) ? 1 : 0;
}

static bool column_null(struct sql_stmt *s, int i)
{
        return PQgetisnull(s->res, s->row, i);
}

/* Booleans come as "t" and "f". */
static int64_t column_int64(struct sql_stmt *s, int i)
{
        const char *v = PQgetvalue(s->res, s->row, i);
        return *v == 't' ? 1 : atoll(v);
}

static double column_double(struct sql_stmt *s, int i)
{
        return strtod(PQgetvalue(s->res, s->row, i), NULL);
}

static const char *column_text(struct sql_stmt *s, int i)
{
        return PQgetisnull(s->res, s->row, i) ? NULL : PQgetvalue(s->res, s->row, i);
}

static int64_t inserted_id(struct sql_stmt *s)
{
        return s->res && PQntuples(s->res) > 0 ? atoll(PQgetvalue(s->res, 0, 0)) : 0;
}

static int64_t changes(struct sql_stmt *s)
{
        return s->res ? atoll(PQcmdTuples(s->res)) : 0;
}

static bool in_tx(struct sql_conn *c)
{
        return c->in_tx;
}

static int exec(struct sql_conn *c, const char *sql, struct batch_err *reterr)
{
        PGresult *res = PQexec(c->pg, sql);
        ExecStatusType st = PQresultStatus(res);
        int r = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : conn_error(c, reterr, sql);
        PQclear(res);
        return r;
}

static void conn_close(struct sql_conn *c)
{
        if (!c)
                return;
        if (c->in_tx)
                PQclear(PQexec(c->pg, "ROLLBACK"));
        PQfinish(c->pg);
        free(c);
}

static int conn_open(const char *dsn, unsigned flags, struct sql_conn **ret,
                     struct batch_err *reterr)
{
        (void)flags; /* PostgreSQL checks its own pages (data checksums, WAL) */
        int r = pq_load(reterr);
        if (r < 0)
                return r;
        struct sql_conn *c = calloc(1, sizeof(*c));
        if (!c)
                return BATCH_ENOMEM;
        c->pg = PQconnectdb(dsn);
        if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
                r = c->pg ? conn_error(c, reterr, "cannot connect")
                          : batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
                conn_close(c);
                return r;
        }
        if ((r = exec(c, "SET client_min_messages = warning", reterr)) < 0) {
                conn_close(c);
                return r;
        }
        *ret = c;
        return 0;
}

static int begin(struct sql_conn *c, struct batch_err *reterr)
{
        int r = exec(c, "BEGIN", reterr);
        if (r == 0)
                c->in_tx = true;
        return r;
}

static int commit(struct sql_conn *c, struct batch_err *reterr)
{
        PGresult *res = PQexec(c->pg, "COMMIT");
        int r = 0;
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                r = conn_error(c, reterr, "COMMIT");
        else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
                /* A statement failed inside the transaction: PostgreSQL rolled it back. */
                r = batch_err_set(reterr, BATCH_EIO, "db",
                                  "db: the transaction was rolled back after an earlier error");
        PQclear(res);
        c->in_tx = false;
        return r;
}

static void rollback(struct sql_conn *c)
{
        if (c->in_tx)
                PQclear(PQexec(c->pg, "ROLLBACK"));
        c->in_tx = false;
}

static void *native(struct sql_conn *c)
{
        return c->pg;
}

/* PostgreSQL's side of the dialect points (docs/internals/store.md). */
static const struct sql_token dialect[] = {
        {"TRUE", "true"},
        {"RETURNING_ID", " RETURNING id"},
        {"STRICT", ""},
        {"IDS1", "(SELECT value::bigint FROM json_array_elements_text(CAST(?1 AS json)))"},
        {"BY_STATE", ""},
        {"BY_TENANT_DUE", ""},
        {"BY_JOB_DUE", ""},
        {"BY_JOB_SLOT", ""},
        {"FOR_UPDATE", " FOR UPDATE"},
        {"FOR_NO_KEY_UPDATE", " FOR NO KEY UPDATE"},
        {"SLOT", "scheduled"},
        /* The number of transaction ids below the snapshot's xmax that are no longer in
         * progress: it grows with every commit (or abort) of a writing transaction, of
         * this cluster, and stays put otherwise (reads assign no transaction id). Taken
         * from a snapshot, so a change not yet visible to a later query is one this
         * number has not counted yet either. */
        {"DATA_VERSION", "SELECT pg_snapshot_xmax(s)::text::bigint - "
                         "(SELECT count(*) FROM pg_snapshot_xip(s)) "
                         "FROM pg_current_snapshot() AS s"},
        {NULL, NULL},
};

const struct sql_driver postgres_driver = {
        .name = "postgres",
        .migrations = migrations,
        .nmigrations = sizeof(migrations) / sizeof(migrations[0]),
        /* One node migrates at a time; the others wait and then find nothing to do. */
        .migrate_lock = "SELECT pg_advisory_lock(7311)",
        .migrate_unlock = "SELECT pg_advisory_unlock(7311)",
        .dialect = dialect,
        SQL_DRIVER_FUNCTIONS,
};
