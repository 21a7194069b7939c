/* migrations.c: the repository's schema, written once for every engine as numbered
 * migrations. Where the engines' DDL differs (column types, SQLite's STRICT tables and
 * 0/1 booleans) a statement says a {NAME} dialect token, which repo.c expands from the
 * driver's table before running it (docs/internals/store.md):
 *   {ROW_ID}  a generated 64-bit primary key     {INT64}  a 64-bit integer column
 *   {REAL}    a double column                    {STRICT} after each CREATE TABLE
 *   {WITHOUT_ROWID} after {STRICT}, for a table read only by its primary key
 *   {BOOL}, {FALSE} a boolean column and its false; {CHECK_SCHEDULED},
 *   {CHECK_ESCALATION} the 0/1 check of each boolean column where booleans are integers
 * A new migration is appended, never changed: repositories already hold the old ones. */
#include "store/rollup.h"
#include "store/sql.h"

const char *const sql_migrations[] = {
        /* 1: tenants, definitions with their version history, audit log. */
        "CREATE TABLE tenants (name TEXT PRIMARY KEY, created_at {INT64} NOT NULL){STRICT};\n"
        "CREATE TABLE definitions (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  kind TEXT NOT NULL CHECK (kind IN ('job', 'calendar', 'settings')),\n"
        "  name TEXT NOT NULL, version {INT64} NOT NULL, spec TEXT NOT NULL,\n"
        "  updated_at {INT64} NOT NULL, updated_by TEXT NOT NULL,\n"
        "  PRIMARY KEY (tenant, kind, name)){STRICT};\n"
        "CREATE TABLE definition_versions (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), kind TEXT NOT NULL,\n"
        "  name TEXT NOT NULL, version {INT64} NOT NULL, spec TEXT, changed TEXT,\n"
        "  changed_at {INT64} NOT NULL, changed_by TEXT NOT NULL,\n"
        "  PRIMARY KEY (tenant, kind, name, version)){STRICT};\n"
        "CREATE TABLE audit_log (id {ROW_ID},\n"
        "  at {INT64} NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,\n"
        "  object TEXT NOT NULL, detail TEXT){STRICT};\n"
        "CREATE INDEX audit_log_at ON audit_log(at);\n",
        /* 2: instances and their state transitions. */
        "CREATE TABLE instances (\n"
        "  id {ROW_ID},\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), job TEXT NOT NULL,\n"
        "  scheduled {BOOL} NOT NULL{CHECK_SCHEDULED}, due_time {INT64} NOT NULL,\n"
        "  first_due {INT64} NOT NULL, last_due {INT64} NOT NULL,\n"
        "  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 12),\n"
        "  reason TEXT, params TEXT, trace_id TEXT NOT NULL,\n"
        "  created_at {INT64} NOT NULL, updated_at {INT64} NOT NULL){STRICT};\n"
        "CREATE UNIQUE INDEX instances_slot ON instances(tenant, job, due_time) WHERE {SLOT};\n"
        "CREATE INDEX instances_job_due ON instances(tenant, job, due_time);\n"
        "CREATE INDEX instances_state ON instances(tenant, state, id);\n"
        "CREATE INDEX instances_job_id ON instances(tenant, job, id);\n"
        "CREATE TABLE instance_transitions (\n"
        "  id {ROW_ID},\n"
        "  instance_id {INT64} NOT NULL REFERENCES instances(id), at {INT64} NOT NULL,\n"
        "  from_state INTEGER, to_state INTEGER NOT NULL, actor TEXT NOT NULL,\n"
        "  reason TEXT){STRICT};\n"
        "CREATE INDEX instance_transitions_instance ON instance_transitions(instance_id, id);\n",
        /* 3: executions (attempts), step executions, checkpoints, dead letters, alerts,
         * API tokens, nodes and leases. */
        "CREATE TABLE executions (\n"
        "  id {ROW_ID},\n"
        "  instance_id {INT64} NOT NULL REFERENCES instances(id),\n"
        "  attempt INTEGER NOT NULL, node TEXT, pid {INT64} NOT NULL, log_path TEXT,\n"
        "  started_at {INT64} NOT NULL, finished_at {INT64}, exit_status INTEGER, error TEXT,\n"
        "  UNIQUE (instance_id, attempt)){STRICT};\n"
        "CREATE INDEX executions_running ON executions(finished_at) WHERE finished_at IS NULL;\n"
        "CREATE TABLE step_executions (\n"
        "  id {ROW_ID},\n"
        "  execution_id {INT64} NOT NULL REFERENCES executions(id), name TEXT NOT NULL,\n"
        "  status TEXT NOT NULL CHECK (status IN ('STARTED', 'COMPLETED', 'FAILED', 'STOPPED')),\n"
        "  read_count {INT64} NOT NULL CHECK (read_count >= 0),\n"
        "  write_count {INT64} NOT NULL CHECK (write_count >= 0),\n"
        "  commit_count {INT64} NOT NULL CHECK (commit_count >= 0),\n"
        "  rollback_count {INT64} NOT NULL CHECK (rollback_count >= 0),\n"
        "  read_skip_count {INT64} NOT NULL CHECK (read_skip_count >= 0),\n"
        "  process_skip_count {INT64} NOT NULL CHECK (process_skip_count >= 0),\n"
        "  write_skip_count {INT64} NOT NULL CHECK (write_skip_count >= 0),\n"
        "  filter_count {INT64} NOT NULL CHECK (filter_count >= 0),\n"
        "  exit_message TEXT, started_at {INT64} NOT NULL, updated_at {INT64} NOT NULL,\n"
        "  UNIQUE (execution_id, name)){STRICT};\n"
        "CREATE TABLE checkpoints (\n"
        "  instance_id {INT64} NOT NULL REFERENCES instances(id), step TEXT NOT NULL,\n"
        "  data TEXT NOT NULL, updated_at {INT64} NOT NULL,\n"
        "  PRIMARY KEY (instance_id, step)){STRICT};\n"
        "CREATE TABLE dead_letters (\n"
        "  id {ROW_ID},\n"
        "  instance_id {INT64} NOT NULL REFERENCES instances(id), step TEXT NOT NULL,\n"
        "  item TEXT NOT NULL, error TEXT NOT NULL, created_at {INT64} NOT NULL){STRICT};\n"
        "CREATE INDEX dead_letters_instance ON dead_letters(instance_id, id);\n"
        "CREATE TABLE alerts (\n"
        "  id {ROW_ID},\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  instance_id {INT64} REFERENCES instances(id), kind TEXT NOT NULL,\n"
        "  message TEXT NOT NULL, created_at {INT64} NOT NULL, acknowledged_at {INT64},\n"
        "  acknowledged_by TEXT){STRICT};\n"
        "CREATE INDEX alerts_tenant ON alerts(tenant, id);\n"
        "CREATE TABLE api_tokens (\n"
        "  id {ROW_ID},\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), name TEXT NOT NULL,\n"
        "  role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),\n"
        "  hash TEXT NOT NULL UNIQUE, created_at {INT64} NOT NULL, expires_at {INT64} NOT NULL,\n"
        "  revoked_at {INT64},\n"
        "  UNIQUE (tenant, name)){STRICT};\n"
        "CREATE TABLE nodes (\n"
        "  name TEXT PRIMARY KEY, capacity INTEGER NOT NULL, started_at {INT64} NOT NULL,\n"
        "  heartbeat_at {INT64} NOT NULL){STRICT};\n"
        "CREATE TABLE leases (\n"
        "  name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at {INT64} NOT NULL){STRICT};\n",
        /* 4: operators' requests for the daemon. */
        "CREATE TABLE requests (\n"
        "  id {ROW_ID},\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name),\n"
        "  instance_id {INT64} NOT NULL REFERENCES instances(id),\n"
        "  action TEXT NOT NULL CHECK (action IN ('stop', 'rerun', 'mark-success')),\n"
        "  actor TEXT NOT NULL, reason TEXT, created_at {INT64} NOT NULL, done_at {INT64},\n"
        "  result INTEGER, message TEXT){STRICT};\n"
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
        "  real_at_us {INT64} NOT NULL, clock_at_us {INT64} NOT NULL,\n"
        "  rate {REAL} NOT NULL CHECK (rate > 0)){STRICT};\n",
        /* 7: alerts name their job, severity and suppressing alert; their deliveries. */
        "ALTER TABLE alerts ADD COLUMN job TEXT;\n"
        "ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'warning'\n"
        "  CHECK (severity IN ('critical', 'warning', 'info'));\n"
        "ALTER TABLE alerts ADD COLUMN suppressed_by {INT64} REFERENCES alerts(id);\n"
        "CREATE INDEX alerts_job_kind ON alerts(tenant, job, kind, id);\n"
        "CREATE TABLE alert_deliveries (\n"
        "  id {ROW_ID},\n"
        "  alert_id {INT64} NOT NULL REFERENCES alerts(id),\n"
        "  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),\n"
        "  target TEXT NOT NULL,\n"
        "  state TEXT NOT NULL\n"
        "    CHECK (state IN ('pending', 'sent', 'failed', 'suppressed', 'paused')),\n"
        "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at {INT64}, last_attempt_at {INT64},\n"
        "  last_answer TEXT, message_id TEXT NOT NULL, created_at {INT64} NOT NULL,\n"
        "  escalation {BOOL} NOT NULL DEFAULT {FALSE}{CHECK_ESCALATION}){STRICT};\n"
        "CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id, id);\n"
        "CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at, id)\n"
        "  WHERE state = 'pending';\n",
        /* 8: remote runs' callback tokens (hashed) and reports; the last answer of each
         * next_due_api trigger (docs/remote-jobs.md). */
        "CREATE TABLE remote_runs (\n"
        "  execution_id {INT64} PRIMARY KEY REFERENCES executions(id),\n"
        "  instance_id {INT64} NOT NULL REFERENCES instances(id),\n"
        "  token_hash TEXT NOT NULL UNIQUE, created_at {INT64} NOT NULL,\n"
        "  reported_status TEXT CHECK (reported_status IN ('success', 'failed', 'stopped')),\n"
        "  reported_message TEXT, reported_at {INT64}){STRICT};\n"
        "CREATE INDEX remote_runs_reported ON remote_runs(execution_id)\n"
        "  WHERE reported_status IS NOT NULL;\n"
        "CREATE TABLE next_due_answers (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), job TEXT NOT NULL,\n"
        "  due_time {INT64} NOT NULL, answered_at {INT64} NOT NULL,\n"
        "  PRIMARY KEY (tenant, job)){STRICT};\n",
        /* 9: a step execution's run metrics (a JSON object), docs/http-client.md. */
        "ALTER TABLE step_executions ADD COLUMN metrics TEXT;\n",
        /* 10: the runs figures per quarter hour and job, with their backfill
         * (src/store/rollup.h, docs/report.md). */
        ROLLUP_DDL("{INT64}") "{STRICT}{WITHOUT_ROWID};\n"
        "CREATE INDEX run_slots_job ON run_slots(tenant, job, slot);\n" ROLLUP_BACKFILL,
        /* 11: an instance's process date, fixed when it is created (docs/scheduler.md). */
        "ALTER TABLE instances ADD COLUMN process_date TEXT;\n",
        /* 12: nodes as operators see them (docs/daemon.md, "Nodes"): labels, the
         * operator's state (active or draining), the API address, runs in flight, the
         * clock offset measured against the database and whether it lets the node plan,
         * and when the node's heartbeat lease ends. */
        "ALTER TABLE nodes ADD COLUMN labels TEXT NOT NULL DEFAULT '';\n"
        "ALTER TABLE nodes ADD COLUMN state TEXT NOT NULL DEFAULT 'active'\n"
        "  CHECK (state IN ('active', 'draining'));\n"
        "ALTER TABLE nodes ADD COLUMN api_url TEXT;\n"
        "ALTER TABLE nodes ADD COLUMN running INTEGER NOT NULL DEFAULT 0 CHECK (running >= 0);\n"
        "ALTER TABLE nodes ADD COLUMN clock_offset_us {INT64} NOT NULL DEFAULT 0;\n"
        "ALTER TABLE nodes ADD COLUMN plan_ok INTEGER NOT NULL DEFAULT 1\n"
        "  CHECK (plan_ok IN (0, 1));\n"
        "ALTER TABLE nodes ADD COLUMN lease_expires_at {INT64} NOT NULL DEFAULT 0;\n",
        /* 13: the daily report's claim per tenant and day, so that batchd nodes sharing
         * a repository record and send it once (docs/report.md "Once"); filled from the
         * daily_report alerts already recorded (their message ends in the date), the
         * first of each day where two nodes recorded one twice. */
        "CREATE TABLE report_claims (\n"
        "  tenant TEXT NOT NULL REFERENCES tenants(name), date TEXT NOT NULL,\n"
        "  alert_id {INT64} NOT NULL, claimed_at {INT64} NOT NULL,\n"
        "  PRIMARY KEY (tenant, date)){STRICT}{WITHOUT_ROWID};\n"
        "INSERT INTO report_claims(tenant, date, alert_id, claimed_at)\n"
        "  SELECT tenant, substr(message, length(message) - 9), min(id), min(created_at)\n"
        "  FROM alerts WHERE kind = 'daily_report'\n"
        "  GROUP BY tenant, substr(message, length(message) - 9);\n",
        /* 14: the runs figures packed per job and 14 days, filled from run_slots
         * (src/store/rollup.h, docs/report.md "The packs"). */
        ROLLUP_PACK_DDL("{INT64}") "{STRICT}{WITHOUT_ROWID};\n" ROLLUP_PACK_BACKFILL,
        /* 15: the lease's epoch, which fences a former holder's writes (docs/cluster.md). */
        "ALTER TABLE leases ADD COLUMN epoch {INT64} NOT NULL DEFAULT 0;\n",
        /* 16: claims (issue 22, docs/cluster.md "Claims"): an instance in 2 Starting is
         * offered to the nodes with the labels its job requires (offer_labels; NULL: not
         * offered, '' none), a node claims it (claim_node, claim_token + 1, the offer's
         * labels kept in claim_labels for a return) and fences its executions' writes by
         * the token; running_at is the worker's report that the job runs. */
        "ALTER TABLE instances ADD COLUMN offer_labels TEXT;\n"
        "ALTER TABLE instances ADD COLUMN claim_node TEXT;\n"
        "ALTER TABLE instances ADD COLUMN claim_labels TEXT;\n"
        "ALTER TABLE instances ADD COLUMN claim_token {INT64} NOT NULL DEFAULT 0;\n"
        "ALTER TABLE executions ADD COLUMN running_at {INT64};\n"
        "CREATE INDEX instances_offered ON instances(id) WHERE offer_labels IS NOT NULL;\n",
        /* 17: an instance's skip_count kept on its row (docs/schema.md), so that a list of
         * instances reads no executions: recomputed whenever a step execution's skip counts
         * change (store_step_put); filled from the step executions already recorded. */
        "ALTER TABLE instances ADD COLUMN skip_count {INT64} NOT NULL DEFAULT 0\n"
        "  CHECK (skip_count >= 0);\n"
        "UPDATE instances SET skip_count = (SELECT coalesce(sum(s.read_skip_count +\n"
        "    s.process_skip_count + s.write_skip_count), 0) FROM executions e\n"
        "    JOIN step_executions s ON s.execution_id = e.id WHERE e.instance_id = instances.id)\n"
        "  WHERE id IN (SELECT e.instance_id FROM executions e\n"
        "    JOIN step_executions s ON s.execution_id = e.id\n"
        "    WHERE s.read_skip_count + s.process_skip_count + s.write_skip_count > 0);\n",
};

const int sql_nmigrations = sizeof(sql_migrations) / sizeof(sql_migrations[0]);
