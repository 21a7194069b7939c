/* repo.c: the job repository, written once over the SQL driver interface (sql.h): the
 * operations of store.h (store_*) with their input checks, their statements, the rules of
 * each, and the mapping of rows to the structs of store.h. The engines differ only in
 * their drivers and the dialect tokens ({NAME}) of the statements below and of the
 * migrations (migrations.c); docs/internals/store.md.
 *
 * Statements never fail on purpose: an insert that refers to a parent row checks it
 * (INSERT ... SELECT ... WHERE EXISTS) and one that may meet a taken key says ON
 * CONFLICT DO NOTHING, so that "nothing inserted" is the answer. On PostgreSQL a failed
 * statement would abort the caller's whole transaction. An insert learns its row's id
 * from the driver (inserted_id: RETURNING on PostgreSQL; on SQLite, where RETURNING
 * halves the rate of inserts, the last rowid). */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "core/labels.h"
#include "core/lifecycle.h"
#include "store/rollup.h"
#include "store/sql.h"
#include "store/store.h"

/* A repository: a connection of a driver and the statements prepared on it. */
struct repo {
        struct store base;
        const struct sql_driver *drv;
        struct sql_conn *conn;
        struct sql_stmt **stmt;      /* by enum rs, prepared by repo_prepare */
        int *nparams;                /* the parameters of each */
        struct sql_stmt **list_stmt; /* instance lists by their conditions, on first use */
};

/* The columns read_node reads. */
#define NODE_COLS                                                                          \
        "name, capacity, started_at, heartbeat_at, labels, state, api_url, running, "         \
        "clock_offset_us, plan_ok, lease_expires_at"
/* The columns read_token and read_request read. */
#define TOKEN_COLS "id, tenant, name, role, hash, created_at, expires_at, revoked_at"
#define ALERT_COLS                                                                                 \
        "id, tenant, instance_id, kind, message, created_at, acknowledged_at, acknowledged_by, "   \
        "job, severity, suppressed_by"
/* d: alert_deliveries, a: its alert */
#define DELIVERY_COLS                                                                              \
        "d.id, d.alert_id, a.tenant, d.channel, d.target, d.state, d.attempts, "                   \
        "d.next_attempt_at, d.last_attempt_at, d.last_answer, d.message_id, d.created_at, "        \
        "d.escalation"
#define STEP_COLS                                                                                  \
        "id, execution_id, name, status, read_count, write_count, commit_count, "                  \
        "rollback_count, read_skip_count, process_skip_count, write_skip_count, "                  \
        "filter_count, exit_message, started_at, updated_at, metrics"
#define REMOTE_RUN_FROM                                                                            \
        " FROM remote_runs r JOIN executions e ON e.id = r.execution_id "                          \
        "JOIN instances i ON i.id = r.instance_id "
/* An instance's columns, as read_instance reads them; the last is its skip_count. */
#define INSTANCE_COLS                                                                              \
        "id, tenant, job, scheduled, due_time, first_due, last_due, state, reason, params, "       \
        "trace_id, created_at, updated_at, process_date, skip_count"

/* The report queries (store_report_stats): one row per instance in the range, with its
 * duration and step totals from correlated subqueries (each an index lookup), then
 * aggregated per job; the median from the middle rows. Correlated subqueries rather
 * than a join grouped by instance: the grouping sorted every row of the range in a
 * temporary b-tree, 4 times slower over 90 days on SQLite (bench/bench_report.c). Two
 * forms: for every job over instances_tenant_due, for one job over instances_job_due
 * (SQLite is told the index: left to itself, it may walk another). */
#define REPORT_STEP_SUM(expr)                                                                      \
        "(SELECT coalesce(sum(" expr "), 0) FROM executions e JOIN step_executions s "             \
        "ON s.execution_id = e.id WHERE e.instance_id = i.id)"
#define REPORT_RANGE_SQL(index, jobcond)                                                           \
        " FROM instances i" index " WHERE i.tenant = ?1 AND i.due_time >= ?2 "                     \
        "AND i.due_time < ?3 AND " jobcond
#define REPORT_PER_INSTANCE_SQL(index, jobcond)                                                    \
        "SELECT i.job AS job, i.state AS state, " REPORT_DUR_SQL " AS dur, "                       \
        REPORT_STEP_SUM("s.read_count") " AS rd, " REPORT_STEP_SUM("s.write_count") " AS wr, "     \
        REPORT_STEP_SUM("s.commit_count") " AS cm, " REPORT_STEP_SUM("s.write_skip_count")         \
        " AS ws, " REPORT_STEP_SUM("s.rollback_count") " AS rb, i.skip_count AS sk"                \
        REPORT_RANGE_SQL(index, jobcond)
#define REPORT_STATS_SQL(index, jobcond)                                                           \
        "SELECT job, count(*), sum(CASE WHEN state IN (5, 12) THEN 1 ELSE 0 END), "                \
        "sum(CASE WHEN state IN (3, 6, 7, 11) THEN 1 ELSE 0 END), "                                \
        "sum(CASE WHEN state = 8 THEN 1 ELSE 0 END), sum(CASE WHEN state = 9 THEN 1 ELSE 0 END), " \
        "sum(CASE WHEN sk > 0 AND state IN (3, 5, 6, 7, 8, 9, 12) THEN 1 ELSE 0 END), "            \
        "count(dur), coalesce(avg(dur), 0), coalesce(max(dur), 0), "                               \
        "sum(rd), sum(wr), sum(cm), sum(ws), sum(rb) FROM (" REPORT_PER_INSTANCE_SQL(              \
            index, jobcond) ") x GROUP BY job"
#define REPORT_MIDDLES_SQL(index, jobcond)                                                         \
        "SELECT job, dur FROM (SELECT job, dur, row_number() OVER (PARTITION BY job ORDER BY "     \
        "dur) AS rn, count(*) OVER (PARTITION BY job) AS cnt FROM (SELECT i.job AS "               \
        "job, " REPORT_DUR_SQL " AS dur" REPORT_RANGE_SQL(                                         \
            index, jobcond) ") x WHERE dur IS NOT NULL) y "                                        \
                            "WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2"
#define REPORT_DUES_SQL(index, jobcond)                                                            \
        "SELECT job, due_time, state FROM instances i" index " WHERE tenant = ?1 "                 \
        "AND scheduled = {TRUE} AND due_time >= ?2 AND due_time < ?3 AND " jobcond
/* The runs figures of the quarter-hour slots in a range, per job (docs/report.md "The
 * rollup"), and the instances not yet final due in it (few; instances_state). */
#define REPORT_ROLLUP_SQL(index, jobcond)                                                          \
        "SELECT job, slot, total, success, failed, skipped, canceled, found, timed, dur_sum, "     \
        "dur_max, " ROLLUP_HIST_COLS " FROM run_slots" index " WHERE tenant = ?1 AND slot >= ?2 AND " \
        "slot < ?3 AND " jobcond " ORDER BY slot"
/* The packs of a range of periods (docs/report.md "The packs"), a job's together in
 * period order. */
#define REPORT_PACKS_SQL(jobcond)                                                                  \
        "SELECT job, period, data FROM run_packs WHERE tenant = ?1 AND period >= ?2 AND "         \
        "period < ?3 AND " jobcond " ORDER BY job, period"
#define REPORT_LIVE_SQL(jobcond)                                                                   \
        "SELECT job, due_time, state, scheduled FROM instances{BY_STATE} WHERE tenant = ?1 AND "   \
        "state IN " LIVE_STATES " AND due_time >= ?2 AND due_time < ?3 AND " jobcond
/* The slot of instance ?1, recomputed from its final instances: cleared, then filled. */
#define ROLLUP_OF(col) "(SELECT " col " FROM instances WHERE id = ?1)"
#define ROLLUP_SLOT_OF "(SELECT due_time - due_time % 900 FROM instances WHERE id = ?1)"
#define ROLLUP_PERIOD_OF                                                                           \
        "(SELECT due_time - due_time % " ROLLUP_PACK_SQL " FROM instances WHERE id = ?1)"
/* The slots of instance ?1's job and pack period. */
#define PACK_OF_INSTANCE                                                                           \
        "WHERE tenant = " ROLLUP_OF("tenant") " AND job = " ROLLUP_OF("job") " AND slot >= "       \
        ROLLUP_PERIOD_OF " AND slot < " ROLLUP_PERIOD_OF " + " ROLLUP_PACK_SQL
#define REPORT_ALL "CAST(?4 AS TEXT) IS NULL"
#define REPORT_ONE "job = ?4"

/* A lease's "now" (?3): the caller's seconds, or with 0 the database's clock. */
#define LEASE_NOW "coalesce(nullif(CAST(?3 AS BIGINT), 0), {DB_NOW_S})"

/* Retention's statements by the instances in a JSON array of ids (?1). */
#define PURGE_BY_INSTANCE(table) "DELETE FROM " table " WHERE instance_id IN {IDS1}"
/* Final (DESIGN §3): Start Failed, Success, Failed, Timeout Failed, Canceled, Skipped,
 * Marked Success; not final: Init, Dependency Wait, Starting, Running, Stopping, Stop
 * Failed. */
#define FINAL_STATES "(3, 5, 6, 7, 8, 9, 12)"
#define LIVE_STATES "(0, 1, 2, 4, 10, 11)"
#define PURGE_LIVE_DUE                                                                             \
        "coalesce((SELECT min(u.due_time) FROM instances u{BY_STATE} WHERE u.tenant = i.tenant "   \
        "AND u.state IN " LIVE_STATES "), ?3)"
#define PURGE_RUNNING                                                                              \
        "EXISTS (SELECT 1 FROM executions e WHERE e.instance_id = i.id AND e.finished_at IS NULL)"
/* The claimed runs (store_claimed_runs): the instances in flight by instances_state
 * (every tenant's, so that its (tenant, state) prefix is used), each with its latest
 * execution (by attempt: executions' unique key) and whether its node is lost (?1: now,
 * 0 the database's clock). */
#define CLAIMED_RUN_SQL(cond)                                                                      \
        "SELECT i.id, i.tenant, i.state, i.claim_node, i.claim_token, e.id, e.started_at, "        \
        "e.running_at, e.finished_at, e.exit_status, e.error, CASE WHEN n.name IS NULL OR "        \
        "n.lease_expires_at <= coalesce(nullif(CAST(?1 AS BIGINT), 0), {DB_NOW_S}) THEN 1 ELSE "   \
        "0 END FROM instances i{BY_STATE} LEFT JOIN executions e ON e.id = (SELECT x.id FROM "     \
        "executions x WHERE x.instance_id = i.id ORDER BY x.attempt DESC LIMIT 1) "                \
        "LEFT JOIN nodes n ON n.name = i.claim_node WHERE i.tenant IN (SELECT name FROM "          \
        "tenants) AND i.state IN (2, 4, 10, 11) AND i.claim_node IS NOT NULL" cond " ORDER BY i.id"
/* An execution of instance ?1 (node ?2, pid ?3, log ?4, started ?5) as its next attempt,
 * one row for each row of `from` (none: one). Its instance's row is locked first, so
 * that two starts of one instance take turns. */
#define EXECUTION_INSERT(from)                                                                     \
        "INSERT INTO executions(instance_id, attempt, node, pid, log_path, started_at) "           \
        "SELECT CAST(?1 AS BIGINT), coalesce((SELECT max(attempt) FROM executions WHERE "          \
        "instance_id = ?1), 0) + 1, CAST(?2 AS TEXT), CAST(?3 AS BIGINT), CAST(?4 AS TEXT), "      \
        "CAST(?5 AS BIGINT)" from " RETURNING id, attempt"
#define DEF_LIST_COLS "tenant, kind, name, version, spec, NULL, updated_at, updated_by"
#define REQUEST_COLS                                                                               \
        "id, tenant, instance_id, action, actor, reason, created_at, done_at, result, message"

enum rs {
        RS_SCHEMA_VERSION,
        RS_SAVEPOINT,
        RS_SAVEPOINT_RELEASE,
        RS_SAVEPOINT_ROLLBACK,
        RS_TENANT_ENSURE,
        RS_DEF_LAST_VERSION,
        RS_DEF_UPSERT,
        RS_DEF_VERSION_ADD,
        RS_DEF_GET,
        RS_DEF_LIST,
        RS_DEF_LIST_TENANT,
        RS_DEF_LIST_KIND,
        RS_DEF_LIST_TENANT_KIND,
        RS_DEF_LIST_AFTER,
        RS_DEF_DELETE,
        RS_DEF_HISTORY,
        RS_AUDIT_ADD,
        RS_TOKEN_INSERT,
        RS_TOKEN_FIND,
        RS_TOKEN_LIST,
        RS_TOKEN_REVOKE,
        RS_TOKEN_EXISTS,
        RS_NODE_UPSERT,
        RS_NODE_LIST,
        RS_NODE_REPORT,
        RS_NODE_GET,
        RS_NODE_SET_STATE,
        RS_DB_NOW,
        RS_LEASE_ACQUIRE,
        RS_LEASE_RELEASE,
        RS_LEASE_CHECK,
        RS_LEASE_GET,
        RS_CLOCK_PUT,
        RS_CLOCK_DELETE,
        RS_CLOCK_GET,
        RS_REQUEST_INSERT,
        RS_REQUEST_PENDING,
        RS_REQUEST_FINISH,
        RS_REQUEST_GET,
        RS_REQUEST_EXISTS,
        RS_REQUEST_LIST,
        RS_DATA_VERSION,
        RS_DEFS_STAMP,
        RS_STEP_UPSERT,
        RS_STEP_UPDATE,
        RS_INSTANCE_SKIPS,
        RS_INSTANCE_LOCK_BY_EXEC,
        RS_STEP_LIST,
        RS_CHECKPOINT_UPSERT,
        RS_CHECKPOINT_UPDATE,
        RS_CHECKPOINT_GET,
        RS_DEAD_LETTER_INSERT,
        RS_DEAD_LETTER_LIST,
        RS_DEAD_LETTER_DELETE,
        RS_ALERT_INSERT,
        RS_ALERT_LIST,
        RS_ALERT_ACK,
        RS_ALERT_EXISTS,
        RS_ALERT_GET,
        RS_ALERT_FIND,
        RS_ALERT_UNESCALATED,
        RS_DELIVERY_INSERT,
        RS_DELIVERY_DUE,
        RS_DELIVERY_UPDATE,
        RS_DELIVERY_CLAIM,
        RS_DELIVERY_EXISTS,
        RS_DELIVERY_LIST,
        RS_REPORT_CLAIM,
        RS_REMOTE_RUN_ADD,
        RS_REMOTE_RUN_FIND,
        RS_REMOTE_RUN_REPORT,
        RS_REMOTE_RUN_EXISTS,
        RS_REMOTE_RUN_REPORTS,
        RS_NEXT_DUE_PUT,
        RS_NEXT_DUE_GET,
        RS_INSTANCE_INSERT,
        RS_INSTANCE_GET,
        RS_INSTANCE_UPDATE_STATE,
        RS_INSTANCE_STATE,
        RS_INSTANCE_SET_REASON,
        RS_TRANSITION_ADD,
        RS_TRANSITION_LIST,
        RS_CHANGES_AFTER,
        RS_CHANGE_LAST,
        RS_INSTANCE_LOCK,
        RS_EXECUTION_INSERT,
        RS_EXECUTION_FINISH,
        RS_EXECUTION_EXISTS,
        RS_EXECUTION_WITHDRAW,
        RS_EXECUTION_LIST,
        /* the report's three queries, then the same for one job (report_stmt) */
        RS_REPORT_STATS,
        RS_REPORT_MIDDLES,
        RS_REPORT_DUES,
        RS_REPORT_ROLLUP,
        RS_REPORT_LIVE,
        RS_REPORT_STATS_JOB,
        RS_REPORT_MIDDLES_JOB,
        RS_REPORT_DUES_JOB,
        RS_REPORT_ROLLUP_JOB,
        RS_REPORT_LIVE_JOB,
        RS_REPORT_PACKS,
        RS_REPORT_PACKS_JOB,
        RS_ROLLUP_CLEAR,
        RS_ROLLUP_FILL,
        RS_PACK_CLEAR,
        RS_PACK_COUNT,
        RS_PACK_FILL,
        RS_PACK_MARK,
        RS_EXECUTION_FINAL_INSTANCE,
        /* retention (docs/daemon.md "Retention") */
        RS_PURGE_CANDIDATES,
        RS_PURGE_KEEP,
        RS_PURGE_LOGS,
        RS_PURGE_DELIVERIES, /* the deletes by instance, in this order, to RS_PURGE_INSTANCES */
        RS_PURGE_ALERTS,
        RS_PURGE_DEAD_LETTERS,
        RS_PURGE_CHECKPOINTS,
        RS_PURGE_STEPS,
        RS_PURGE_REMOTE_RUNS,
        RS_PURGE_EXECUTIONS,
        RS_PURGE_TRANSITIONS,
        RS_PURGE_REQUESTS,
        RS_PURGE_INSTANCES,
        RS_PURGE_OLD_DELIVERIES, /* by age, to RS_PURGE_OLD_DEAD_LETTERS */
        RS_PURGE_OLD_ALERTS,
        RS_PURGE_OLD_DEAD_LETTERS,
        RS_REPORT_PROCESS_DATES,
        /* claims (schema 16) */
        RS_INSTANCE_OFFER,
        RS_INSTANCE_UNOFFER,
        RS_INSTANCE_OPEN_RUNS,
        RS_OFFER_OUTLOOK,
        RS_CLAIM_STOP_FAILED,
        RS_NOTIFY,
        RS_CLAIM,
        RS_CLAIM_START,
        RS_CLAIM_STARTS,
        RS_CLAIM_FENCE,
        RS_EXECUTION_RUNNING,
        RS_CLAIM_REOFFER,
        RS_CLAIMED_RUNS,
        RS_NODE_CLAIMS,
        RS_COUNT,
};

static const char *const rs_sql[RS_COUNT] = {
        [RS_SCHEMA_VERSION] = "SELECT max(version) FROM schema_migrations",
        [RS_SAVEPOINT] = "SAVEPOINT store_sp",
        [RS_SAVEPOINT_RELEASE] = "RELEASE store_sp",
        [RS_SAVEPOINT_ROLLBACK] = "ROLLBACK TO store_sp",
        [RS_TENANT_ENSURE] = "INSERT INTO tenants(name, created_at) VALUES (?1, ?2) "
                             "ON CONFLICT (name) DO NOTHING",
        [RS_DEF_LAST_VERSION] = "SELECT coalesce(max(version), 0) FROM definition_versions "
                                "WHERE tenant = ?1 AND kind = ?2 AND name = ?3",
        [RS_DEF_UPSERT] = "INSERT INTO definitions(tenant, kind, name, version, spec, updated_at, "
                          "updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                          "ON CONFLICT (tenant, kind, name) DO UPDATE SET version = ?4, spec = ?5, "
                          "updated_at = ?6, updated_by = ?7",
        [RS_DEF_VERSION_ADD] = "INSERT INTO definition_versions(tenant, kind, name, version, spec, "
                               "changed, changed_at, changed_by) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        [RS_DEF_GET] = "SELECT tenant, kind, name, version, spec, NULL, updated_at, updated_by "
                       "FROM definitions WHERE tenant = ?1 AND kind = ?2 AND name = ?3",
        /* One statement per filter given, each able to use the key (tenant, kind,
         * name): `(?1 IS NULL OR tenant = ?1)` reads every definition, and the alert
         * worker lists the settings four times a second. A kind of every tenant: the
         * key searched per tenant. */
        [RS_DEF_LIST] = "SELECT " DEF_LIST_COLS " FROM definitions ORDER BY tenant, kind, name",
        [RS_DEF_LIST_TENANT] = "SELECT " DEF_LIST_COLS " FROM definitions WHERE tenant = ?1 "
                               "ORDER BY tenant, kind, name",
        [RS_DEF_LIST_KIND] = "SELECT " DEF_LIST_COLS " FROM definitions WHERE tenant IN (SELECT "
                             "name FROM tenants) AND kind = ?1 ORDER BY tenant, kind, name",
        [RS_DEF_LIST_TENANT_KIND] = "SELECT " DEF_LIST_COLS " FROM definitions WHERE tenant = ?1 "
                                    "AND kind = ?2 ORDER BY tenant, kind, name",
        /* A page of one tenant's kind by name after a keyset cursor (the key's order). */
        [RS_DEF_LIST_AFTER] = "SELECT " DEF_LIST_COLS " FROM definitions WHERE tenant = ?1 "
                              "AND kind = ?2 AND name > ?3 ORDER BY tenant, kind, name LIMIT ?4",
        [RS_DEF_DELETE] = "DELETE FROM definitions WHERE tenant = ?1 AND kind = ?2 AND name = ?3",
        [RS_DEF_HISTORY] = "SELECT tenant, kind, name, version, spec, changed, changed_at, "
                           "changed_by FROM definition_versions "
                           "WHERE tenant = ?1 AND kind = ?2 AND name = ?3 ORDER BY version",
        [RS_AUDIT_ADD] = "INSERT INTO audit_log(at, actor, action, object, detail) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)",
        /* A taken name or hash inserts nothing (no row returned). */
        [RS_TOKEN_INSERT] = "INSERT INTO api_tokens(tenant, name, role, hash, created_at, "
                            "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                            "ON CONFLICT DO NOTHING{RETURNING_ID}",
        [RS_TOKEN_FIND] = "SELECT " TOKEN_COLS " FROM api_tokens WHERE hash = ?1",
        [RS_TOKEN_LIST] = "SELECT " TOKEN_COLS " FROM api_tokens "
                          "WHERE (CAST(?1 AS TEXT) IS NULL OR tenant = ?1) ORDER BY id",
        [RS_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 "
                            "AND revoked_at IS NULL",
        [RS_TOKEN_EXISTS] = "SELECT 1 FROM api_tokens WHERE id = ?1",
        [RS_NODE_UPSERT] = "INSERT INTO nodes(name, capacity, started_at, heartbeat_at) "
                           "VALUES (?1, ?2, ?3, ?3) ON CONFLICT (name) DO UPDATE "
                           "SET capacity = excluded.capacity, heartbeat_at = excluded.heartbeat_at",
        [RS_NODE_LIST] = "SELECT " NODE_COLS " FROM nodes ORDER BY name",
        /* A node's own report: everything but the operator's state, which a new row
         * takes as 'active' and an existing one keeps. */
        [RS_NODE_REPORT] = "INSERT INTO nodes(name, capacity, started_at, heartbeat_at, labels, "
                           "api_url, running, clock_offset_us, plan_ok, lease_expires_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                           "ON CONFLICT (name) DO UPDATE SET capacity = excluded.capacity, "
                           "started_at = excluded.started_at, "
                           "heartbeat_at = excluded.heartbeat_at, labels = excluded.labels, "
                           "api_url = excluded.api_url, running = excluded.running, "
                           "clock_offset_us = excluded.clock_offset_us, "
                           "plan_ok = excluded.plan_ok, "
                           "lease_expires_at = excluded.lease_expires_at",
        [RS_NODE_GET] = "SELECT " NODE_COLS " FROM nodes WHERE name = ?1",
        /* Writes a row only when the state changes. */
        [RS_NODE_SET_STATE] = "UPDATE nodes SET state = ?2 WHERE name = ?1 AND state <> ?2",
        [RS_DB_NOW] = "{DB_NOW_US}",
        /* One statement, so atomic across nodes: the conflicting row is locked (the
         * whole file on SQLite), and the condition checked on its latest version. It
         * writes a row only when the lease is (now) the holder's. The epoch (schema 15)
         * is kept by a renewal (same holder, the epoch it knows, ?5) and grows by one on
         * every other take: from another holder, or by a restarted holder that does not
         * know it (docs/cluster.md). */
        [RS_LEASE_ACQUIRE] = "INSERT INTO leases(name, holder, expires_at, epoch) "
                             "VALUES (?1, ?2, " LEASE_NOW " + CAST(?4 AS BIGINT), 1) "
                             "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                             "expires_at = excluded.expires_at, epoch = CASE WHEN "
                             "leases.holder = excluded.holder AND leases.epoch = ?5 "
                             "THEN leases.epoch ELSE leases.epoch + 1 END WHERE leases.holder = "
                             "excluded.holder OR leases.expires_at <= " LEASE_NOW
                             " RETURNING epoch",
        /* Expires the lease rather than deleting it: its epoch never goes back, so an
         * old holder's epoch can never match again. */
        [RS_LEASE_RELEASE] = "UPDATE leases SET expires_at = 0 WHERE name = ?1 AND holder = ?2",
        /* The fence: inside the writer's transaction; on PostgreSQL the row is share-locked
         * until the commit, so a takeover's update waits for the fenced transaction. */
        [RS_LEASE_CHECK] = "SELECT 1 FROM leases WHERE name = ?1 AND holder = ?2 AND epoch = ?3"
                           "{FOR_SHARE}",
        [RS_LEASE_GET] = "SELECT holder, epoch, expires_at FROM leases WHERE name = ?1",
        [RS_CLOCK_PUT] = "INSERT INTO clock(id, holder, real_at_us, clock_at_us, rate) "
                         "VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET holder = ?1, "
                         "real_at_us = ?2, clock_at_us = ?3, rate = ?4",
        [RS_CLOCK_DELETE] = "DELETE FROM clock WHERE CAST(?1 AS TEXT) IS NULL OR holder = ?1",
        [RS_CLOCK_GET] = "SELECT holder, real_at_us, clock_at_us, rate FROM clock WHERE id = 1",
        /* Inserts nothing (no row returned) unless the instance exists in the tenant. */
        [RS_REQUEST_INSERT] = "INSERT INTO requests(tenant, instance_id, action, actor, reason, "
                              "created_at) SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT), "
                              "CAST(?3 AS TEXT), CAST(?4 AS TEXT), CAST(?5 AS TEXT), "
                              "CAST(?6 AS BIGINT) WHERE EXISTS (SELECT 1 FROM instances "
                              "WHERE id = ?2 AND tenant = ?1){RETURNING_ID}",
        [RS_REQUEST_PENDING] = "SELECT " REQUEST_COLS " FROM requests WHERE done_at IS NULL "
                               "ORDER BY id",
        [RS_REQUEST_FINISH] = "UPDATE requests SET done_at = ?2, result = ?3, message = ?4 "
                              "WHERE id = ?1 AND done_at IS NULL",
        [RS_REQUEST_GET] = "SELECT " REQUEST_COLS " FROM requests WHERE id = ?1",
        [RS_REQUEST_EXISTS] = "SELECT 1 FROM requests WHERE id = ?1",
        [RS_REQUEST_LIST] = "SELECT " REQUEST_COLS " FROM requests WHERE instance_id = ?1 "
                            "AND id > ?2 ORDER BY id LIMIT 1000",
        [RS_DATA_VERSION] = "{DATA_VERSION}",
        /* One row per put and per deletion of a definition, never removed. */
        [RS_DEFS_STAMP] = "SELECT count(*) FROM definition_versions",
        [RS_STEP_UPSERT] = "INSERT INTO step_executions(execution_id, name, status, read_count, "
                           "write_count, commit_count, rollback_count, read_skip_count, "
                           "process_skip_count, write_skip_count, filter_count, exit_message, "
                           "started_at, updated_at, metrics) SELECT CAST(?1 AS BIGINT), "
                           "CAST(?2 AS TEXT), CAST(?3 AS TEXT), CAST(?4 AS BIGINT), "
                           "CAST(?5 AS BIGINT), CAST(?6 AS BIGINT), CAST(?7 AS BIGINT), "
                           "CAST(?8 AS BIGINT), CAST(?9 AS BIGINT), CAST(?10 AS BIGINT), "
                           "CAST(?11 AS BIGINT), CAST(?12 AS TEXT), CAST(?13 AS BIGINT), "
                           "CAST(?13 AS BIGINT), CAST(?14 AS TEXT) "
                           "WHERE EXISTS (SELECT 1 FROM executions WHERE id = ?1) "
                           "ON CONFLICT (execution_id, name) DO UPDATE SET "
                           "status = excluded.status, read_count = excluded.read_count, "
                           "write_count = excluded.write_count, "
                           "commit_count = excluded.commit_count, "
                           "rollback_count = excluded.rollback_count, "
                           "read_skip_count = excluded.read_skip_count, "
                           "process_skip_count = excluded.process_skip_count, "
                           "write_skip_count = excluded.write_skip_count, "
                           "filter_count = excluded.filter_count, "
                           "exit_message = excluded.exit_message, "
                           "updated_at = excluded.updated_at, "
                           "metrics = coalesce(excluded.metrics, step_executions.metrics) "
                           "RETURNING id",
        /* RS_STEP_UPSERT's update of a row that is there with the same status and the
         * same skip counts (same parameters): no RETURNING (in SQLite a temporary table
         * per run), and the status is matched, not set, so its CHECK (an IN list: another
         * temporary table) is not evaluated. Matching the skip counts leaves every change
         * of them to the upsert, after which the instance's skip_count is recomputed. */
        [RS_STEP_UPDATE] = "UPDATE step_executions SET read_count = CAST(?4 AS BIGINT), "
                           "write_count = CAST(?5 AS BIGINT), commit_count = CAST(?6 AS BIGINT), "
                           "rollback_count = CAST(?7 AS BIGINT), "
                           "filter_count = CAST(?11 AS BIGINT), "
                           "exit_message = CAST(?12 AS TEXT), updated_at = CAST(?13 AS BIGINT), "
                           "metrics = coalesce(CAST(?14 AS TEXT), metrics) "
                           "WHERE execution_id = CAST(?1 AS BIGINT) AND name = CAST(?2 AS TEXT) "
                           "AND status = CAST(?3 AS TEXT) "
                           "AND read_skip_count = CAST(?8 AS BIGINT) "
                           "AND process_skip_count = CAST(?9 AS BIGINT) "
                           "AND write_skip_count = CAST(?10 AS BIGINT)",
        /* The skip_count of the instance of execution ?1: the skips of every step of
         * every execution of that instance (docs/schema.md, instances v17). */
        [RS_INSTANCE_SKIPS] = "UPDATE instances SET skip_count = (SELECT coalesce(sum("
                              "s.read_skip_count + s.process_skip_count + s.write_skip_count), "
                              "0) FROM executions e JOIN step_executions s "
                              "ON s.execution_id = e.id WHERE e.instance_id = instances.id) "
                              "WHERE id = (SELECT instance_id FROM executions WHERE id = ?1)",
        /* The row lock RS_INSTANCE_SKIPS needs first on PostgreSQL: two transactions
         * writing steps of one instance (partitions) recount one after the other, the
         * second in a statement that sees the first's steps (an UPDATE that waited for
         * the row would recount with the snapshot it started with). */
        [RS_INSTANCE_LOCK_BY_EXEC] = "SELECT 1 FROM instances WHERE id = (SELECT instance_id "
                                     "FROM executions WHERE id = ?1){FOR_NO_KEY_UPDATE}",
        [RS_STEP_LIST] = "SELECT " STEP_COLS " FROM step_executions WHERE execution_id = ?1 "
                         "ORDER BY id",
        [RS_CHECKPOINT_UPSERT] = "INSERT INTO checkpoints(instance_id, step, data, updated_at) "
                                 "SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), CAST(?3 AS TEXT), "
                                 "CAST(?4 AS BIGINT) "
                                 "WHERE EXISTS (SELECT 1 FROM instances WHERE id = ?1) "
                                 "ON CONFLICT (instance_id, step) DO UPDATE "
                                 "SET data = excluded.data, updated_at = excluded.updated_at",
        /* RS_CHECKPOINT_UPSERT's update of a row that is there (same parameters). */
        [RS_CHECKPOINT_UPDATE] = "UPDATE checkpoints SET data = CAST(?3 AS TEXT), "
                                 "updated_at = CAST(?4 AS BIGINT) "
                                 "WHERE instance_id = CAST(?1 AS BIGINT) AND step = CAST(?2 AS TEXT)",
        [RS_CHECKPOINT_GET] = "SELECT data FROM checkpoints WHERE instance_id = ?1 AND step = ?2",
        [RS_DEAD_LETTER_INSERT] = "INSERT INTO dead_letters(instance_id, step, item, error, "
                                  "created_at) SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), "
                                  "CAST(?3 AS TEXT), CAST(?4 AS TEXT), CAST(?5 AS BIGINT) "
                                  "WHERE EXISTS (SELECT 1 FROM instances WHERE id = ?1)"
                                  "{RETURNING_ID}",
        [RS_DEAD_LETTER_LIST] = "SELECT d.id, d.instance_id, i.job, d.step, d.item, d.error, "
                                "d.created_at FROM dead_letters d JOIN instances i "
                                "ON i.id = d.instance_id WHERE i.tenant = ?1 "
                                "AND (CAST(?2 AS TEXT) IS NULL OR i.job = ?2) "
                                "AND (CAST(?3 AS BIGINT) = 0 OR d.instance_id = ?3) "
                                "AND d.id > ?4 ORDER BY d.id LIMIT ?5",
        [RS_DEAD_LETTER_DELETE] = "DELETE FROM dead_letters WHERE id = ?1",
        [RS_ALERT_INSERT] = "INSERT INTO alerts(tenant, instance_id, kind, message, created_at, "
                            "job, severity, suppressed_by) "
                            "SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT), CAST(?3 AS TEXT), "
                            "CAST(?4 AS TEXT), CAST(?5 AS BIGINT), CAST(?6 AS TEXT), "
                            "CAST(?7 AS TEXT), CAST(?8 AS BIGINT) "
                            "WHERE (?2 IS NULL OR EXISTS (SELECT 1 FROM instances WHERE id = ?2)) "
                            "AND (?8 IS NULL OR EXISTS (SELECT 1 FROM alerts WHERE id = ?8))"
                            "{RETURNING_ID}",
        [RS_ALERT_LIST] = "SELECT " ALERT_COLS " FROM alerts WHERE tenant = ?1 "
                          "AND (CAST(?2 AS BIGINT) = 0 OR acknowledged_at IS NULL) "
                          "ORDER BY id DESC",
        [RS_ALERT_ACK] = "UPDATE alerts SET acknowledged_at = ?2, acknowledged_by = ?3 "
                         "WHERE id = ?1 AND acknowledged_at IS NULL",
        [RS_ALERT_EXISTS] = "SELECT 1 FROM alerts WHERE id = ?1",
        [RS_ALERT_GET] = "SELECT " ALERT_COLS " FROM alerts WHERE id = ?1",
        [RS_ALERT_FIND] = "SELECT " ALERT_COLS " FROM alerts WHERE tenant = ?1 "
                          "AND (CAST(?2 AS TEXT) IS NULL OR job = ?2) "
                          "AND (CAST(?3 AS TEXT) IS NULL OR kind = ?3) "
                          "AND (CAST(?4 AS TEXT) IS NULL OR severity = ?4) "
                          "AND (CAST(?5 AS BIGINT) = 0 OR acknowledged_at IS NULL) "
                          "AND created_at >= ?6 AND (CAST(?7 AS BIGINT) = 0 OR id < ?7) "
                          "ORDER BY id DESC LIMIT ?8",
        [RS_ALERT_UNESCALATED] = "SELECT " ALERT_COLS " FROM alerts al WHERE tenant = ?1 "
                                 "AND severity = 'critical' AND acknowledged_at IS NULL "
                                 "AND suppressed_by IS NULL AND created_at BETWEEN ?2 AND ?3 "
                                 "AND NOT EXISTS (SELECT 1 FROM alert_deliveries d "
                                 "WHERE d.alert_id = al.id AND (d.escalation = {TRUE} "
                                 "OR d.state = 'paused')) ORDER BY id LIMIT 100",
        [RS_DELIVERY_INSERT] = "INSERT INTO alert_deliveries(alert_id, channel, target, state, "
                               "next_attempt_at, message_id, created_at, escalation) "
                               "SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), CAST(?3 AS TEXT), "
                               "CAST(?4 AS TEXT), CAST(?5 AS BIGINT), CAST(?6 AS TEXT), "
                               "CAST(?7 AS BIGINT), ?8 = 1 "
                               "WHERE EXISTS (SELECT 1 FROM alerts WHERE id = ?1){RETURNING_ID}",
        [RS_DELIVERY_DUE] = "SELECT " DELIVERY_COLS " FROM alert_deliveries d JOIN alerts a "
                            "ON a.id = d.alert_id WHERE d.state = 'pending' "
                            "AND d.next_attempt_at <= ?1 ORDER BY d.next_attempt_at, d.id "
                            "LIMIT ?2",
        [RS_DELIVERY_UPDATE] = "UPDATE alert_deliveries SET state = ?2, attempts = ?3, "
                               "next_attempt_at = ?4, last_attempt_at = ?5, last_answer = ?6 "
                               "WHERE id = ?1 AND state = 'pending'",
        [RS_DELIVERY_CLAIM] = "UPDATE alert_deliveries SET next_attempt_at = ?3 WHERE id = ?1 "
                              "AND state = 'pending' AND next_attempt_at = ?2",
        [RS_DELIVERY_EXISTS] = "SELECT 1 FROM alert_deliveries WHERE id = ?1",
        [RS_DELIVERY_LIST] = "SELECT " DELIVERY_COLS " FROM alert_deliveries d JOIN alerts a "
                             "ON a.id = d.alert_id WHERE d.alert_id = ?1 ORDER BY d.id",
        /* A day's report already claimed inserts nothing: the key is the claim. */
        [RS_REPORT_CLAIM] = "INSERT INTO report_claims(tenant, date, alert_id, claimed_at) "
                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        /* A second token for an execution inserts nothing (no row returned). */
        [RS_REMOTE_RUN_ADD] = "INSERT INTO remote_runs(execution_id, instance_id, token_hash, "
                              "created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        [RS_REMOTE_RUN_FIND] = "SELECT r.execution_id, r.instance_id, i.tenant, "
                               "CASE WHEN e.finished_at IS NULL THEN 0 ELSE 1 END, "
                               "r.reported_status, r.reported_message, r.reported_at" REMOTE_RUN_FROM
                               "WHERE r.token_hash = ?1",
        [RS_REMOTE_RUN_REPORT] = "UPDATE remote_runs SET reported_status = ?2, "
                                 "reported_message = ?3, reported_at = ?4 "
                                 "WHERE execution_id = ?1 AND reported_status IS NULL "
                                 "AND (SELECT finished_at FROM executions "
                                 "WHERE id = ?1) IS NULL",
        [RS_REMOTE_RUN_EXISTS] = "SELECT 1 FROM remote_runs WHERE execution_id = ?1",
        [RS_REMOTE_RUN_REPORTS] = "SELECT r.execution_id, r.instance_id, i.tenant, 0, "
                                  "r.reported_status, r.reported_message, r.reported_at" REMOTE_RUN_FROM
                                  "WHERE r.reported_status IS NOT NULL "
                                  "AND e.finished_at IS NULL ORDER BY r.execution_id",
        [RS_NEXT_DUE_PUT] = "INSERT INTO next_due_answers(tenant, job, due_time, answered_at) "
                            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant, job) DO UPDATE SET "
                            "due_time = ?3, answered_at = ?4",
        [RS_NEXT_DUE_GET] = "SELECT due_time FROM next_due_answers WHERE tenant = ?1 AND job = ?2",
        /* A taken (tenant, job, due) slot of a scheduled instance inserts nothing. */
        [RS_INSTANCE_INSERT] = "INSERT INTO instances(tenant, job, scheduled, due_time, first_due, "
                               "last_due, state, reason, params, trace_id, created_at, "
                               "updated_at, process_date) VALUES (?1, ?2, ?3 = 1, ?4, ?5, ?6, ?7, "
                               "?8, ?9, ?10, ?11, ?11, ?12) ON CONFLICT (tenant, job, due_time) "
                               "WHERE {SLOT} "
                               "DO NOTHING{RETURNING_ID}",
        [RS_INSTANCE_GET] = "SELECT " INSTANCE_COLS " FROM instances WHERE id = ?1",
        [RS_INSTANCE_UPDATE_STATE] = "UPDATE instances SET state = ?3, reason = ?4, "
                                     "updated_at = ?5 WHERE id = ?1 AND state = ?2",
        [RS_INSTANCE_STATE] = "SELECT state FROM instances WHERE id = ?1",
        [RS_INSTANCE_SET_REASON] = "UPDATE instances SET reason = ?3, updated_at = ?4 "
                                   "WHERE id = ?1 AND state = ?2",
        [RS_TRANSITION_ADD] = "INSERT INTO instance_transitions(instance_id, at, from_state, "
                              "to_state, actor, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [RS_TRANSITION_LIST] = "SELECT at, from_state, to_state, actor, reason "
                               "FROM instance_transitions WHERE instance_id = ?1 ORDER BY id",
        [RS_CHANGES_AFTER] = "SELECT t.id, t.instance_id, i.job, t.from_state, t.to_state, t.at "
                             "FROM instance_transitions t JOIN instances i ON i.id = "
                             "t.instance_id WHERE t.id > ?1 AND i.tenant = ?2 ORDER BY t.id "
                             "LIMIT ?3",
        [RS_CHANGE_LAST] = "SELECT coalesce(max(id), 0) FROM instance_transitions",
        /* Serialises concurrent starts of one instance (the attempt number is max + 1)
         * without blocking inserts that only reference the instance. */
        [RS_INSTANCE_LOCK] = "SELECT 1 FROM instances WHERE id = ?1{FOR_NO_KEY_UPDATE}",
        [RS_EXECUTION_INSERT] = EXECUTION_INSERT(""),
        [RS_EXECUTION_FINISH] = "UPDATE executions SET finished_at = ?2, exit_status = ?3, "
                                "error = ?4 WHERE id = ?1 AND finished_at IS NULL",
        [RS_EXECUTION_EXISTS] = "SELECT 1 FROM executions WHERE id = ?1",
        [RS_EXECUTION_WITHDRAW] = "DELETE FROM executions WHERE id = ?1 AND finished_at IS NULL",
        [RS_EXECUTION_LIST] = "SELECT id, instance_id, attempt, node, pid, log_path, started_at, "
                              "finished_at, exit_status, error FROM executions "
                              "WHERE instance_id = ?1 ORDER BY attempt",
        [RS_REPORT_STATS] = REPORT_STATS_SQL("{BY_TENANT_DUE}", REPORT_ALL),
        [RS_REPORT_MIDDLES] = REPORT_MIDDLES_SQL("{BY_TENANT_DUE}", REPORT_ALL),
        [RS_REPORT_DUES] = REPORT_DUES_SQL("{BY_TENANT_DUE}", REPORT_ALL),
        [RS_REPORT_STATS_JOB] = REPORT_STATS_SQL("{BY_JOB_DUE}", REPORT_ONE),
        [RS_REPORT_MIDDLES_JOB] = REPORT_MIDDLES_SQL("{BY_JOB_DUE}", REPORT_ONE),
        [RS_REPORT_DUES_JOB] = REPORT_DUES_SQL("{BY_JOB_DUE}", REPORT_ONE),
        [RS_REPORT_ROLLUP] = REPORT_ROLLUP_SQL("", REPORT_ALL),
        [RS_REPORT_LIVE] = REPORT_LIVE_SQL(REPORT_ALL),
        [RS_REPORT_ROLLUP_JOB] = REPORT_ROLLUP_SQL("{BY_JOB_SLOT}", REPORT_ONE),
        [RS_REPORT_LIVE_JOB] = REPORT_LIVE_SQL(REPORT_ONE),
        [RS_REPORT_PACKS] = REPORT_PACKS_SQL(REPORT_ALL),
        [RS_REPORT_PACKS_JOB] = REPORT_PACKS_SQL(REPORT_ONE),
        [RS_PACK_CLEAR] = "DELETE FROM run_packs WHERE tenant = " ROLLUP_OF("tenant")
                          " AND job = " ROLLUP_OF("job") " AND period = " ROLLUP_PERIOD_OF,
        /* Only whether there are more than ROLLUP_PACK_MAX: counted up to one more. */
        [RS_PACK_COUNT] = "SELECT count(*) FROM (SELECT 1 FROM run_slots{BY_JOB_SLOT} "
                          PACK_OF_INSTANCE " LIMIT " ROLLUP_STR(ROLLUP_PACK_MAX) " + 1) x",
        [RS_PACK_FILL] = ROLLUP_PACK_INSERT("{BY_JOB_SLOT}", PACK_OF_INSTANCE),
        [RS_PACK_MARK] = "INSERT INTO run_packs(tenant, job, period, data) VALUES ("
                         ROLLUP_OF("tenant") ", " ROLLUP_OF("job") ", " ROLLUP_PERIOD_OF ", '*')",
        [RS_ROLLUP_CLEAR] = "DELETE FROM run_slots WHERE tenant = " ROLLUP_OF("tenant")
                            " AND job = " ROLLUP_OF("job") " AND slot = " ROLLUP_SLOT_OF,
        [RS_ROLLUP_FILL] = ROLLUP_INSERT(
                "FROM instances o JOIN instances i{BY_JOB_DUE} ON i.tenant = o.tenant AND "
                "i.job = o.job AND i.due_time >= o.due_time - o.due_time % 900 AND "
                "i.due_time < o.due_time - o.due_time % 900 + 900 WHERE o.id = ?1"),
        [RS_EXECUTION_FINAL_INSTANCE] = "SELECT e.instance_id FROM executions e JOIN instances i "
                                        "ON i.id = e.instance_id WHERE e.id = ?1 AND i.state IN "
                                        FINAL_STATES,
        /* The candidates' live-due subquery is told its index on SQLite: the planner's
         * pick (by due time) scans the whole tenant per row. */
        [RS_PURGE_CANDIDATES] =
            "SELECT i.id FROM instances i WHERE i.state IN " FINAL_STATES
            " AND i.updated_at < ?1 AND i.due_time < ?1 AND i.due_time < " PURGE_LIVE_DUE
            " AND EXISTS (SELECT 1 FROM instances j "
            "WHERE j.tenant = i.tenant AND j.job = i.job AND j.due_time > "
            "i.due_time AND j.due_time <= " PURGE_LIVE_DUE ") AND NOT " PURGE_RUNNING
            " ORDER BY i.id LIMIT ?2",
        [RS_PURGE_KEEP] =
            "SELECT i.id FROM instances i WHERE i.id IN {IDS1} AND i.state IN " FINAL_STATES
            " AND i.updated_at < ?2 AND NOT " PURGE_RUNNING "{FOR_UPDATE}",
        [RS_PURGE_LOGS] = "SELECT log_path FROM executions WHERE instance_id IN {IDS1} "
                          "AND log_path IS NOT NULL",
        [RS_PURGE_DELIVERIES] = "DELETE FROM alert_deliveries WHERE alert_id IN "
                                "(SELECT id FROM alerts WHERE instance_id IN {IDS1})",
        [RS_PURGE_ALERTS] = PURGE_BY_INSTANCE("alerts"),
        [RS_PURGE_DEAD_LETTERS] = PURGE_BY_INSTANCE("dead_letters"),
        [RS_PURGE_CHECKPOINTS] = PURGE_BY_INSTANCE("checkpoints"),
        [RS_PURGE_STEPS] = "DELETE FROM step_executions WHERE execution_id IN "
                           "(SELECT id FROM executions WHERE instance_id IN {IDS1})",
        [RS_PURGE_REMOTE_RUNS] = PURGE_BY_INSTANCE("remote_runs"),
        [RS_PURGE_EXECUTIONS] = PURGE_BY_INSTANCE("executions"),
        [RS_PURGE_TRANSITIONS] = PURGE_BY_INSTANCE("instance_transitions"),
        [RS_PURGE_REQUESTS] = PURGE_BY_INSTANCE("requests"),
        [RS_PURGE_INSTANCES] = "DELETE FROM instances WHERE id IN {IDS1}",
        [RS_PURGE_OLD_DELIVERIES] = "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT id "
                                    "FROM alerts WHERE created_at < ?1 ORDER BY id LIMIT ?2)",
        [RS_PURGE_OLD_ALERTS] = "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts "
                                "WHERE created_at < ?1 ORDER BY id LIMIT ?2)",
        [RS_PURGE_OLD_DEAD_LETTERS] = "DELETE FROM dead_letters WHERE id IN (SELECT id FROM "
                                      "dead_letters WHERE created_at < ?1 ORDER BY id LIMIT ?2)",
        /* Instances without a stored process date are one row per due time. */
        [RS_REPORT_PROCESS_DATES] = "SELECT job, process_date, MIN(due_time) FROM instances"
                                    "{BY_TENANT_DUE} WHERE tenant = ?1 AND due_time >= ?2 AND "
                                    "due_time < ?3 GROUP BY job, process_date, CASE WHEN "
                                    "process_date IS NULL THEN due_time END",
        /* Claims (schema 16, docs/cluster.md "Claims"). An offer clears the claim and
         * keeps the token. */
        [RS_INSTANCE_OFFER] = "UPDATE instances SET offer_labels = ?2, claim_node = NULL "
                              "WHERE id = ?1 AND state = 2",
        /* A withdrawal: only an offer nobody claimed (a claim clears offer_labels). */
        [RS_INSTANCE_UNOFFER] = "UPDATE instances SET offer_labels = NULL WHERE id = ?1 AND "
                                "offer_labels IS NOT NULL",
        [RS_INSTANCE_OPEN_RUNS] = "SELECT count(*) FROM executions WHERE instance_id = ?1 AND "
                                  "finished_at IS NULL",
        /* The offers (instances_offered) and the nodes that may claim them. */
        [RS_OFFER_OUTLOOK] = "SELECT (SELECT count(*) FROM instances WHERE offer_labels IS NOT "
                             "NULL AND state = 2), (SELECT count(*) FROM nodes WHERE state = "
                             "'active' AND lease_expires_at > coalesce(nullif(CAST(?1 AS BIGINT), "
                             "0), {DB_NOW_S}))",
        /* The stop of a claimed run did not take effect: said on its execution (still
         * unfinished) while its instance is in 10 Stopping under the claim. */
        [RS_CLAIM_STOP_FAILED] = "UPDATE executions SET error = ?3 WHERE id = ?1 AND "
                                 "finished_at IS NULL AND EXISTS (SELECT 1 FROM instances i "
                                 "WHERE i.id = executions.instance_id AND i.claim_token = ?2 "
                                 "AND i.state = 10)",
        [RS_NOTIFY] = "{NOTIFY}",
        /* The offered rows (instances_offered, by id) whose labels ({LABELS_OK}: every
         * label of offer_labels is one of ?3) match, taken with SKIP LOCKED on
         * PostgreSQL: rows another claimer holds are passed over, never waited for, and
         * a row claimed and committed meanwhile is checked again on its latest version
         * (offered no more: left out). Chosen once (MATERIALIZED): as `id IN (SELECT ...
         * LIMIT)` PostgreSQL may scan the subquery again per row and, skipping the rows
         * it has just locked itself, claim more than the limit. `offer_labels = ''`
         * first: most jobs require no label, and PostgreSQL's planner, which guesses a
         * containment (<@) keeps 0.5 % of the rows, estimates that one from its
         * statistics; with the guess alone it may prefer reading the whole table and
         * sorting it to walking instances_offered in id order. */
        [RS_CLAIM] = "WITH c AS MATERIALIZED (SELECT id FROM instances WHERE offer_labels IS "
                     "NOT NULL AND state = 2 AND (offer_labels = '' OR {LABELS_OK}) ORDER BY id "
                     "LIMIT ?2{SKIP_LOCKED}) "
                     "UPDATE instances SET claim_labels = offer_labels, offer_labels = NULL, "
                     "claim_node = ?1, claim_token = claim_token + 1 FROM c WHERE "
                     "instances.id = c.id AND offer_labels IS NOT NULL AND state = 2 "
                     "RETURNING instances.id, tenant, job, claim_token",
        /* The fence and the insert in one statement (one round trip per start): the
         * instance's row is locked by the fence (FOR NO KEY UPDATE; already held when
         * the claim is in the same transaction) and checked again on its latest
         * version if another transaction changed it meanwhile (a new claim, another
         * state: nothing inserted). The attempt is numbered in the statement's
         * snapshot: only the claim's own node starts a claimed instance, so no other
         * transaction inserts an execution of it while holding its row. */
        [RS_CLAIM_START] = "WITH f AS MATERIALIZED (SELECT id FROM instances WHERE id = ?1 AND "
                           "state = 2 AND claim_token = ?6 AND claim_node = ?2"
                           "{FOR_NO_KEY_UPDATE}) " EXECUTION_INSERT(" FROM f"),
        /* The same for many claimed runs at once (store_claim_starts): ?1 a JSON array
         * of {"i": instance, "t": claim token, "p": pid, "l": log path}, in ascending
         * instance order, each once. The fence locks every instance's row that is still
         * this node's claim in 2 Starting; a run is recorded only where the token is
         * still the one given. */
        [RS_CLAIM_STARTS] = "WITH x AS MATERIALIZED (SELECT CAST(value->>'i' AS BIGINT) AS i, "
                            "CAST(value->>'t' AS BIGINT) AS t, CAST(value->>'p' AS BIGINT) AS p, "
                            "CAST(value->>'l' AS TEXT) AS l FROM {JSON_ROWS1}), "
                            "f AS MATERIALIZED (SELECT id, claim_token FROM instances WHERE id IN "
                            "(SELECT i FROM x) AND state = 2 AND claim_node = ?2"
                            "{FOR_NO_KEY_UPDATE}) "
                            "INSERT INTO executions(instance_id, attempt, node, pid, log_path, "
                            "started_at) SELECT x.i, coalesce((SELECT max(attempt) FROM "
                            "executions WHERE instance_id = x.i), 0) + 1, CAST(?2 AS TEXT), x.p, "
                            "x.l, CAST(?3 AS BIGINT) FROM x JOIN f ON f.id = x.i AND "
                            "f.claim_token = x.t RETURNING id, instance_id, attempt",
        /* An execution's instance and claim token, the instance share-locked until the
         * transaction ends (a claim of it waits). */
        [RS_CLAIM_FENCE] = "SELECT i.id, i.claim_token, CASE WHEN e.finished_at IS NULL THEN 0 "
                           "ELSE 1 END, CASE WHEN e.running_at IS NULL THEN 0 ELSE 1 END "
                           "FROM executions e JOIN instances i ON i.id = e.instance_id "
                           "WHERE e.id = ?1{FOR_SHARE_OF_I}",
        [RS_EXECUTION_RUNNING] = "UPDATE executions SET running_at = ?2 WHERE id = ?1 AND "
                                 "finished_at IS NULL AND running_at IS NULL",
        [RS_CLAIM_REOFFER] = "UPDATE instances SET offer_labels = coalesce(claim_labels, ''), "
                             "claim_node = NULL WHERE id = ?1 AND state = 2 AND "
                             "claim_token = ?2",
        [RS_CLAIMED_RUNS] = CLAIMED_RUN_SQL(""),
        [RS_NODE_CLAIMS] = CLAIMED_RUN_SQL(" AND i.claim_node = ?2 AND e.finished_at IS NULL"),
};

/* The conditions of an instance list (struct store_instance_filter) that are in its SQL;
 * a list's statement is built from the conditions its filter sets, so that the planner
 * can use the index that fits them ("(?2 IS NULL OR job = ?2)" would keep SQLite from
 * any). */
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

static const char *const delivery_states[] = {"pending", "sent", "failed", "suppressed",
                                              "paused", NULL};

/* Whether v is one of the NULL-ended set. */
static bool is_one_of(const char *v, const char *const *set)
{
        for (; v && *set; set++)
                if (strcmp(v, *set) == 0)
                        return true;
        return false;
}

/* ---- statements ------------------------------------------------------------- */

static int oom(struct batch_err *reterr)
{
        return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
}

/* `sql` with its {NAME} tokens replaced from the dialect table, in a new string; NULL
 * (with reterr) for an unknown token or no memory. */
static char *expand(const struct sql_token *dialect, const char *sql, struct batch_err *reterr)
{
        struct buf out;
        buf_init(&out, 0);
        for (const char *p = sql; *p;) {
                const char *open = strchr(p, '{'), *end = open ? strchr(open, '}') : NULL;
                if (!end) {
                        buf_puts(&out, p);
                        break;
                }
                buf_add(&out, p, (size_t)(open - p));
                const struct sql_token *t = dialect;
                while (t->name && (strlen(t->name) != (size_t)(end - open - 1) ||
                                   strncmp(t->name, open + 1, (size_t)(end - open - 1))))
                        t++;
                if (!t->name) {
                        batch_err_set(reterr, BATCH_EIO, "db", "db: no dialect for %.*s",
                                      (int)(end - open + 1), open);
                        buf_release(&out);
                        return NULL;
                }
                buf_puts(&out, t->text);
                p = end + 1;
        }
        char *text = out.err ? NULL : buf_detach(&out);
        buf_release(&out);
        if (!text)
                oom(reterr);
        return text;
}

static int repo_prepare(struct repo *r, struct batch_err *reterr)
{
        r->stmt = calloc(RS_COUNT, sizeof(*r->stmt));
        r->nparams = calloc(RS_COUNT, sizeof(*r->nparams));
        if (!r->stmt || !r->nparams)
                return oom(reterr);
        for (int i = 0; i < RS_COUNT; i++) {
                char *sql = expand(r->drv->dialect, rs_sql[i], reterr);
                if (!sql)
                        return reterr ? reterr->code : BATCH_EIO;
                for (const char *p = strchr(sql, '?'); p; p = strchr(p + 1, '?'))
                        if (atoi(p + 1) > r->nparams[i])
                                r->nparams[i] = atoi(p + 1);
                int ret = r->drv->prepare(r->conn, sql, &r->stmt[i], reterr);
                free(sql);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

static void repo_finish(struct repo *r)
{
        for (int i = 0; r->list_stmt && i < LIST_COMBINATIONS; i++)
                if (r->list_stmt[i])
                        r->drv->finalize(r->list_stmt[i]);
        free(r->list_stmt);
        r->list_stmt = NULL;
        for (int i = 0; r->stmt && i < RS_COUNT; i++)
                if (r->stmt[i])
                        r->drv->finalize(r->stmt[i]);
        free(r->stmt);
        free(r->nparams);
        r->stmt = NULL;
        r->nparams = NULL;
}

/* Statement `id`, reset, with its parameters bound from the arguments as `fmt` says, one
 * letter each: t text (NULL: SQL NULL), i int64_t, n int, b bool, d double, z int64_t
 * with 0 meaning NULL, - none (left NULL, for the caller to bind). */
static struct sql_stmt *q(struct repo *r, enum rs id, const char *fmt, ...)
{
        struct sql_stmt *st = r->stmt[id];
        assert(strlen(fmt) == (size_t)r->nparams[id]); /* one letter per parameter */
        r->drv->reset(st);
        va_list ap;
        va_start(ap, fmt);
        for (int i = 1; *fmt; fmt++, i++) {
                switch (*fmt) {
                case 't':
                        r->drv->bind_text(st, i, va_arg(ap, const char *));
                        break;
                case 'i':
                        r->drv->bind_int64(st, i, va_arg(ap, int64_t));
                        break;
                case 'n':
                        r->drv->bind_int64(st, i, va_arg(ap, int));
                        break;
                case 'b':
                        r->drv->bind_int64(st, i, va_arg(ap, int) ? 1 : 0);
                        break;
                case 'd':
                        r->drv->bind_double(st, i, va_arg(ap, double));
                        break;
                case 'z': {
                        int64_t v = va_arg(ap, int64_t);
                        if (v)
                                r->drv->bind_int64(st, i, v);
                        break;
                }
                }
        }
        va_end(ap);
        return st;
}

/* Runs st to its first row: 1 with the row to read (reset st after), 0 with none, or
 * an error (st reset). */
static int first(struct repo *r, struct sql_stmt *st, const char *what, struct batch_err *reterr)
{
        int ret = r->drv->step(st, what, reterr);
        if (ret <= 0)
                r->drv->reset(st);
        return ret;
}

/* Runs st once and resets it: 0 or an error. *ret_changes (optional): the rows it wrote. */
static int run(struct repo *r, struct sql_stmt *st, const char *what, int64_t *ret_changes,
               struct batch_err *reterr)
{
        int ret = r->drv->step(st, what, reterr);
        if (ret_changes)
                *ret_changes = r->drv->changes(st);
        r->drv->reset(st);
        return ret < 0 ? ret : 0;
}

/* Runs st for one integer: the first column of its first row, or `none` without a row.
 * 0 or an error. */
static int one_int(struct repo *r, struct sql_stmt *st, int64_t none, int64_t *ret,
                   const char *what, struct batch_err *reterr)
{
        int got = first(r, st, what, reterr);
        if (got < 0)
                return got;
        *ret = got ? r->drv->column_int64(st, 0) : none;
        if (got)
                r->drv->reset(st);
        return 0;
}

/* Runs an insert that says {RETURNING_ID} (or RETURNING id, for an upsert): *ret_id is
 * its row's id, 0 when it wrote none. 0 or an error. */
static int insert(struct repo *r, struct sql_stmt *st, const char *what, int64_t *ret_id,
                  struct batch_err *reterr)
{
        int ret = r->drv->step(st, what, reterr);
        *ret_id = ret < 0 ? 0 : r->drv->inserted_id(st);
        r->drv->reset(st);
        return ret < 0 ? ret : 0;
}

/* Column i as a new string (NULL for SQL NULL; *lost set when the copy failed). */
static char *col_text(struct repo *r, struct sql_stmt *st, int i, bool *lost)
{
        const char *t = r->drv->column_text(st, i);
        char *c = t && !r->drv->column_null(st, i) ? strdup(t) : NULL;
        if (!c && t && !r->drv->column_null(st, i))
                *lost = true;
        return c;
}

static int64_t col_int(struct repo *r, struct sql_stmt *st, int i)
{
        return r->drv->column_int64(st, i);
}

/* A row reader: fills item from st's current row; true when memory ran out. */
typedef bool read_row_fn(struct repo *r, struct sql_stmt *st, void *item);

/* Reads every row of st into a new array of `size`-byte items (zeroed, then filled by
 * read; never NULL on success). On error the items read so far, the failing one
 * included, stay in *items and *n for the caller to release. */
static int collect(struct repo *r, struct sql_stmt *st, size_t size, void **items, size_t *n,
                   read_row_fn *read, const char *what, struct batch_err *reterr)
{
        size_t cap = 8;
        int got;
        *n = 0;
        if (!(*items = calloc(cap, size))) {
                r->drv->reset(st);
                return oom(reterr);
        }
        while ((got = r->drv->step(st, what, reterr)) == 1) {
                if (*n == cap) {
                        void *grown = realloc(*items, cap * 2 * size);
                        if (!grown)
                                break;
                        *items = grown;
                        memset((char *)grown + cap * size, 0, cap * size);
                        cap *= 2;
                }
                if (read(r, st, (char *)*items + (*n)++ * size))
                        break;
        }
        r->drv->reset(st);
        if (got == 1)
                return oom(reterr);
        return got;
}

/* collect() into a list of store.h (its items and n). */
#define COLLECT(r, st, list, read, what, reterr)                                                   \
        collect(r, st, sizeof(*(list)->items), (void **)&(list)->items, &(list)->n, read, what,    \
                reterr)

/* Runs fn inside the caller's transaction, or in one of its own, which is rolled back
 * unless fn returns 0 (a positive answer: nothing to keep). fn's answer. */
static int atomically(struct repo *r, struct batch_err *reterr,
                      int (*fn)(struct repo *r, void *arg, struct batch_err *reterr), void *arg)
{
        if (r->drv->in_tx(r->conn))
                return fn(r, arg, reterr);
        int ret = r->drv->begin(r->conn, reterr);
        if (ret < 0)
                return ret;
        if ((ret = fn(r, arg, reterr)) != 0 || (ret = r->drv->commit(r->conn, reterr)) < 0)
                r->drv->rollback(r->conn);
        return ret;
}

/* Runs st for its first row, read into item (zeroed first, `size` bytes) by read: 1,
 * 0 without a row, or an error (BATCH_ENOMEM when reading failed; item released by
 * the caller then). */
static int one_row(struct repo *r, struct sql_stmt *st, void *item, size_t size, read_row_fn *read,
                   const char *what, struct batch_err *reterr)
{
        memset(item, 0, size);
        int got = first(r, st, what, reterr);
        if (got <= 0)
                return got;
        bool lost = read(r, st, item);
        r->drv->reset(st);
        return lost ? oom(reterr) : 1;
}

/* After a conditional update of row `id` that applies once (finish, acknowledge, revoke)
 * wrote `rows`: 0 when it did, else BATCH_ESTALE if the row exists (`exists` finds it)
 * or BATCH_ENOENT. `noun` names the row, `done` what already happened. */
static int once(struct repo *r, int64_t rows, enum rs exists, int64_t id, const char *noun,
                const char *done, struct batch_err *reterr)
{
        if (rows > 0)
                return 0;
        int got = first(r, q(r, exists, "i", id), noun, reterr);
        if (got < 0)
                return got;
        r->drv->reset(r->stmt[exists]);
        if (got)
                return batch_err_set(reterr, BATCH_ESTALE, "id",
                                     "%s %lld has already %s: nothing changed", noun, (long long)id,
                                     done);
        return batch_err_set(reterr, BATCH_ENOENT, "id", "no %s %lld", noun, (long long)id);
}

/* Runs an update that applies once (see once). */
static int update_once(struct repo *r, struct sql_stmt *st, enum rs exists, int64_t id,
                       const char *noun, const char *done, struct batch_err *reterr)
{
        int64_t rows;
        int ret = run(r, st, noun, &rows, reterr);
        return ret < 0 ? ret : once(r, rows, exists, id, noun, done, reterr);
}

/* ---- definitions ------------------------------------------------------------ */

struct put_args {
        const struct store_def *d;
        int64_t now;
        const char *spec; /* NULL: a deletion */
};

static int add_version(struct repo *r, const struct put_args *a, int64_t version,
                       struct batch_err *reterr)
{
        const struct store_def *d = a->d;
        return run(r,
                   q(r, RS_DEF_VERSION_ADD, "tttittit", d->tenant, d->kind, d->name, version,
                     a->spec, d->changed, a->now, d->changed_by ? d->changed_by : "unknown"),
                   "recording the version", NULL, reterr);
}

static int ensure_tenant(struct repo *r, const char *tenant, int64_t now, struct batch_err *reterr)
{
        return run(r, q(r, RS_TENANT_ENSURE, "ti", tenant, now), "creating the tenant", NULL,
                   reterr);
}

/* An insert into a tenant's rows (bound by q, saying {RETURNING_ID}), run after the
 * tenant's own row is made sure of. */
struct tenant_insert {
        const char *tenant;
        int64_t now;
        struct sql_stmt *st;
        const char *what;
        int64_t id; /* the new row's */
};

/* For atomically: 0, 1 when the insert wrote no row (nothing is kept), or an error. */
static int do_tenant_insert(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct tenant_insert *a = arg;
        int ret = ensure_tenant(r, a->tenant, a->now, reterr);
        if (ret == 0 && (ret = insert(r, a->st, a->what, &a->id, reterr)) == 0 && a->id == 0)
                ret = 1;
        return ret;
}

static int last_version(struct repo *r, const struct store_def *d, int64_t *ret,
                        struct batch_err *reterr)
{
        return one_int(r, q(r, RS_DEF_LAST_VERSION, "ttt", d->tenant, d->kind, d->name), 0, ret,
                       "reading the version", reterr);
}

static int do_put(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct put_args *a = arg;
        const struct store_def *d = a->d;
        int64_t version;
        int ret = ensure_tenant(r, d->tenant, a->now, reterr);
        if (ret < 0 || (ret = last_version(r, d, &version, reterr)) < 0)
                return ret;
        ret = run(r,
                  q(r, RS_DEF_UPSERT, "tttitit", d->tenant, d->kind, d->name, version + 1, a->spec,
                    a->now, d->changed_by ? d->changed_by : "unknown"),
                  "storing the definition", NULL, reterr);
        return ret < 0 ? ret : add_version(r, a, version + 1, reterr);
}

int store_def_put(struct store *s, const struct store_def *d, int64_t now_s,
                  struct batch_err *reterr)
{
        if (!d->tenant || !d->kind || !d->name || !d->spec)
                return batch_err_set(reterr, BATCH_EINVAL, "definition",
                                     "definition: tenant, kind, name and spec are required");
        struct put_args a = {d, now_s, d->spec};
        return atomically((struct repo *)s, reterr, do_put, &a);
}

static bool read_def(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_def *d = item;
        bool lost = false;
        d->tenant = col_text(r, st, 0, &lost);
        d->kind = col_text(r, st, 1, &lost);
        d->name = col_text(r, st, 2, &lost);
        d->version = col_int(r, st, 3);
        d->spec = col_text(r, st, 4, &lost);
        d->changed = col_text(r, st, 5, &lost);
        d->changed_at = col_int(r, st, 6);
        d->changed_by = col_text(r, st, 7, &lost);
        return lost || !d->tenant || !d->kind || !d->name || !d->changed_by;
}

int store_def_get(struct store *s, const char *tenant, const char *kind, const char *name,
                  struct store_def *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int got = one_row(r, q(r, RS_DEF_GET, "ttt", tenant, kind, name), ret, sizeof(*ret),
                          read_def, "reading the definition", reterr);
        if (got < 0)
                store_def_release(ret);
        return got ? (got < 0 ? got : 0)
                   : batch_err_set(reterr, BATCH_ENOENT, "name", "no %s named \"%s\" in tenant %s",
                                   kind, name, tenant);
}

static int def_list(struct repo *r, struct sql_stmt *st, struct store_def_list *ret,
                    struct batch_err *reterr)
{
        int e = COLLECT(r, st, ret, read_def, "listing definitions", reterr);
        return e < 0 ? (store_def_list_release(ret), e) : e;
}

int store_def_list(struct store *s, const char *tenant, const char *kind,
                   struct store_def_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = tenant && kind ? q(r, RS_DEF_LIST_TENANT_KIND, "tt", tenant, kind)
                              : tenant       ? q(r, RS_DEF_LIST_TENANT, "t", tenant)
                              : kind         ? q(r, RS_DEF_LIST_KIND, "t", kind)
                                             : q(r, RS_DEF_LIST, "");
        return def_list(r, st, ret, reterr);
}

int store_def_list_after(struct store *s, const char *tenant, const char *kind,
                         const char *after, unsigned limit, struct store_def_list *ret,
                         struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return def_list(r, q(r, RS_DEF_LIST_AFTER, "ttti", tenant, kind, after ? after : "",
                             (int64_t)limit),
                        ret, reterr);
}

static int do_delete(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct put_args *a = arg;
        const struct store_def *d = a->d;
        int64_t rows, version;
        int ret = run(r, q(r, RS_DEF_DELETE, "ttt", d->tenant, d->kind, d->name),
                      "deleting the definition", &rows, reterr);
        if (ret < 0)
                return ret;
        if (rows == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "name",
                                     "no %s named \"%s\" in tenant %s", d->kind, d->name,
                                     d->tenant);
        if ((ret = last_version(r, d, &version, reterr)) < 0)
                return ret;
        return add_version(r, a, version + 1, reterr);
}

int store_def_delete(struct store *s, const char *tenant, const char *kind, const char *name,
                     const char *actor, int64_t now_s, struct batch_err *reterr)
{
        struct store_def d = {.tenant = (char *)tenant,
                              .kind = (char *)kind,
                              .name = (char *)name,
                              .changed = (char *)"deleted",
                              .changed_by = (char *)actor};
        struct put_args a = {&d, now_s, NULL};
        return atomically((struct repo *)s, reterr, do_delete, &a);
}

int store_def_history(struct store *s, const char *tenant, const char *kind, const char *name,
                      struct store_def_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return def_list(r, q(r, RS_DEF_HISTORY, "ttt", tenant, kind, name), ret, reterr);
}

int store_audit_add(struct store *s, int64_t now_s, const char *actor, const char *action,
                    const char *object, const char *detail, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_AUDIT_ADD, "itttt", now_s, actor, action, object, detail),
                   "writing the audit log", NULL, reterr);
}

/* ---- API tokens ------------------------------------------------------------- */

int store_token_add(struct store *s, const struct store_token *t, int64_t now_s,
                    int64_t *ret_id, struct batch_err *reterr)
{
        static const char *const roles[] = {"viewer", "operator", "admin", NULL};
        if (!t->tenant || !*t->tenant || !t->name || !*t->name || !t->hash || !*t->hash)
                return batch_err_set(reterr, BATCH_EINVAL, "name",
                                     "a token needs a tenant, a name and a hash");
        if (!is_one_of(t->role, roles))
                return batch_err_set(reterr, BATCH_EINVAL, "role",
                                     "role \"%s\" is not one of viewer, operator, admin",
                                     t->role ? t->role : "");
        struct repo *r = (struct repo *)s;
        struct tenant_insert a = {t->tenant, now_s,
                                  q(r, RS_TOKEN_INSERT, "ttttii", t->tenant, t->name, t->role,
                                    t->hash, now_s, t->expires_at),
                                  "storing the token", 0};
        int ret = atomically(r, reterr, do_tenant_insert, &a);
        if (ret == 1)
                return batch_err_set(reterr, BATCH_EEXIST, "name",
                                     "tenant %s already has a token named \"%s\" (or one with "
                                     "the same secret)",
                                     t->tenant, t->name);
        if (ret == 0 && ret_id)
                *ret_id = a.id;
        return ret;
}

static bool read_token(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_token *t = item;
        bool lost = false;
        t->id = col_int(r, st, 0);
        t->tenant = col_text(r, st, 1, &lost);
        t->name = col_text(r, st, 2, &lost);
        t->role = col_text(r, st, 3, &lost);
        t->hash = col_text(r, st, 4, &lost);
        t->created_at = col_int(r, st, 5);
        t->expires_at = col_int(r, st, 6);
        t->revoked = !r->drv->column_null(st, 7);
        t->revoked_at = t->revoked ? col_int(r, st, 7) : 0;
        return lost || !t->tenant || !t->name || !t->role || !t->hash;
}

int store_token_find(struct store *s, const char *hash, struct store_token *ret,
                     struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int got = one_row(r, q(r, RS_TOKEN_FIND, "t", hash), ret, sizeof(*ret), read_token,
                          "reading the token", reterr);
        if (got < 0)
                store_token_release(ret);
        return got ? (got < 0 ? got : 0)
                   : batch_err_set(reterr, BATCH_ENOENT, "token", "no such token");
}

int store_token_list(struct store *s, const char *tenant, struct store_token_list *ret,
                     struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_TOKEN_LIST, "t", tenant), ret, read_token,
                        "listing tokens", reterr);
        return e < 0 ? (store_token_list_release(ret), e) : e;
}

int store_token_revoke(struct store *s, int64_t id, int64_t now_s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return update_once(r, q(r, RS_TOKEN_REVOKE, "ii", id, now_s), RS_TOKEN_EXISTS, id, "token",
                           "been revoked", reterr);
}

/* ---- nodes and leases (DESIGN §9) ----------------------------------------------- */

int store_node_heartbeat(struct store *s, const char *name, int capacity, int64_t now_s,
                         struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_NODE_UPSERT, "tni", name, capacity, now_s), "recording the heartbeat",
                   NULL, reterr);
}

static bool read_node(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_node *n = item;
        bool lost = false;
        n->name = col_text(r, st, 0, &lost);
        n->capacity = (int)col_int(r, st, 1);
        n->started_at = col_int(r, st, 2);
        n->heartbeat_at = col_int(r, st, 3);
        n->labels = col_text(r, st, 4, &lost);
        n->state = col_text(r, st, 5, &lost);
        n->api_url = col_text(r, st, 6, &lost);
        n->running = (int)col_int(r, st, 7);
        n->clock_offset_us = col_int(r, st, 8);
        n->plan_ok = col_int(r, st, 9) != 0;
        n->lease_expires_at = col_int(r, st, 10);
        return lost || !n->name || !n->labels || !n->state;
}

int store_node_list(struct store *s, struct store_node_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_NODE_LIST, ""), ret, read_node, "listing nodes", reterr);
        return e < 0 ? (store_node_list_release(ret), e) : e;
}

int store_node_report(struct store *s, const struct store_node *n, struct batch_err *reterr)
{
        if (!n->name || !*n->name || n->capacity < 0 || n->running < 0)
                return batch_err_set(reterr, BATCH_EINVAL, "node",
                                     "a node's report needs a name, a capacity and a count of "
                                     "runs that are not negative");
        struct repo *r = (struct repo *)s;
        return run(r,
                   q(r, RS_NODE_REPORT, "tniittnibi", n->name, n->capacity, n->started_at,
                     n->heartbeat_at, n->labels ? n->labels : "", n->api_url, n->running,
                     n->clock_offset_us, n->plan_ok, n->lease_expires_at),
                   "recording the node's heartbeat", NULL, reterr);
}

int store_node_get(struct store *s, const char *name, struct store_node *ret,
                   struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int got = one_row(r, q(r, RS_NODE_GET, "t", name), ret, sizeof(*ret), read_node,
                          "reading the node", reterr);
        if (got < 0)
                store_node_release(ret);
        return got ? (got < 0 ? got : 0)
                   : batch_err_set(reterr, BATCH_ENOENT, "node", "no node \"%s\"", name);
}

int store_node_set_state(struct store *s, const char *name, const char *state,
                         bool *ret_changed, struct batch_err *reterr)
{
        if (!state || (strcmp(state, "active") && strcmp(state, "draining")))
                return batch_err_set(reterr, BATCH_EINVAL, "state",
                                     "a node's state is active or draining, not \"%s\"",
                                     state ? state : "");
        struct repo *r = (struct repo *)s;
        int64_t rows;
        int ret = run(r, q(r, RS_NODE_SET_STATE, "tt", name, state), "changing the node's state",
                      &rows, reterr);
        if (ret < 0)
                return ret;
        if (rows == 0) {
                struct store_node n;
                if ((ret = store_node_get(s, name, &n, reterr)) < 0)
                        return ret;
                store_node_release(&n);
        }
        *ret_changed = rows > 0;
        return 0;
}

int store_db_now_us(struct store *s, int64_t *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return one_int(r, q(r, RS_DB_NOW, ""), 0, ret, "reading the database's time", reterr);
}

int store_lease_acquire(struct store *s, const char *name, const char *holder, int64_t now_s,
                        int ttl_s, int64_t known_epoch, bool *ret_held, int64_t *ret_epoch,
                        struct batch_err *reterr)
{
        if (ttl_s <= 0 || !name || !*name || !holder || !*holder || known_epoch < 0)
                return batch_err_set(reterr, BATCH_EINVAL, "lease",
                                     "a lease needs a name, a holder, a positive ttl and an "
                                     "epoch >= 0");
        struct repo *r = (struct repo *)s;
        int64_t epoch;
        int ret = one_int(r, q(r, RS_LEASE_ACQUIRE, "ttini", name, holder, now_s, ttl_s,
                               known_epoch),
                          0, &epoch, "taking the lease", reterr);
        if (ret == 0) {
                *ret_held = epoch > 0;
                if (ret_epoch)
                        *ret_epoch = epoch;
        }
        return ret;
}

int store_lease_release(struct store *s, const char *name, const char *holder,
                        struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_LEASE_RELEASE, "tt", name, holder), "releasing the lease", NULL,
                   reterr);
}

int store_lease_check(struct store *s, const char *name, const char *holder, int64_t epoch,
                      struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int64_t held;
        int ret = one_int(r, q(r, RS_LEASE_CHECK, "tti", name, holder, epoch), 0, &held,
                          "checking the lease", reterr);
        if (ret == 0 && !held)
                ret = batch_err_set(reterr, BATCH_ESTALE, "lease",
                                    "lease %s: %s no longer holds it at epoch %lld", name,
                                    holder, (long long)epoch);
        return ret;
}

int store_lease_get(struct store *s, const char *name, struct store_lease *ret,
                    struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_LEASE_GET, "t", name);
        memset(ret, 0, sizeof(*ret));
        int got = first(r, st, "reading the lease", reterr);
        if (got < 0)
                return got;
        if (!got)
                return batch_err_set(reterr, BATCH_ENOENT, "lease", "no lease %s", name);
        const char *h = r->drv->column_text(st, 0);
        snprintf(ret->holder, sizeof(ret->holder), "%s", h ? h : "");
        ret->epoch = col_int(r, st, 1);
        ret->expires_at = col_int(r, st, 2);
        r->drv->reset(st);
        return 0;
}

/* ---- the published clock ------------------------------------------------------- */

int store_clock_publish(struct store *s, const struct store_clock *c,
                        struct batch_err *reterr)
{
        if (!c->holder || !*c->holder)
                return batch_err_set(reterr, BATCH_EINVAL, "holder", "holder: required");
        if (!(c->rate > 0))
                return batch_err_set(reterr, BATCH_EINVAL, "rate", "rate: %g is not > 0",
                                     c->rate);
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_CLOCK_PUT, "tiid", c->holder, c->real_at_us, c->clock_at_us, c->rate),
                   "publishing the clock", NULL, reterr);
}

int store_clock_withdraw(struct store *s, const char *holder, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_CLOCK_DELETE, "t", holder), "withdrawing the clock", NULL, reterr);
}

static bool read_clock(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_clock *c = item;
        bool lost = false;
        c->holder = col_text(r, st, 0, &lost);
        c->real_at_us = col_int(r, st, 1);
        c->clock_at_us = col_int(r, st, 2);
        c->rate = r->drv->column_double(st, 3);
        return lost || !c->holder;
}

int store_clock_get(struct store *s, struct store_clock *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct store_clock c;
        int got = one_row(r, q(r, RS_CLOCK_GET, ""), &c, sizeof(c), read_clock, "reading the clock",
                          reterr);
        if (got == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "clock", "no clock is published");
        if (got > 0)
                *ret = c;
        return got < 0 ? got : 0;
}

/* ---- operators' requests ------------------------------------------------------- */

int store_request_add(struct store *s, const struct store_request *rq, int64_t now_s,
                      int64_t *ret_id, struct batch_err *reterr)
{
        static const char *const actions[] = {"stop", "rerun", "mark-success", NULL};
        if (!is_one_of(rq->action, actions))
                return batch_err_set(reterr, BATCH_EINVAL, "action",
                                     "action \"%s\" is not one of stop, rerun, mark-success",
                                     rq->action ? rq->action : "");
        if (!rq->tenant || !*rq->tenant || !rq->actor || !*rq->actor)
                return batch_err_set(reterr, BATCH_EINVAL, "actor",
                                     "a request needs a tenant and an actor");
        struct repo *r = (struct repo *)s;
        struct tenant_insert a = {rq->tenant, now_s,
                                  q(r, RS_REQUEST_INSERT, "tittti", rq->tenant, rq->instance_id,
                                    rq->action, rq->actor, rq->reason, now_s),
                                  "queueing the request", 0};
        int ret = atomically(r, reterr, do_tenant_insert, &a);
        if (ret == 1)
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld in tenant %s",
                                     (long long)rq->instance_id, rq->tenant);
        if (ret == 0 && ret_id)
                *ret_id = a.id;
        return ret;
}

static bool read_request(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_request *rq = item;
        bool lost = false;
        rq->id = col_int(r, st, 0);
        rq->tenant = col_text(r, st, 1, &lost);
        rq->instance_id = col_int(r, st, 2);
        rq->action = col_text(r, st, 3, &lost);
        rq->actor = col_text(r, st, 4, &lost);
        rq->reason = col_text(r, st, 5, &lost);
        rq->created_at = col_int(r, st, 6);
        rq->done = !r->drv->column_null(st, 7);
        rq->done_at = rq->done ? col_int(r, st, 7) : 0;
        rq->result = r->drv->column_null(st, 8) ? 0 : (int)col_int(r, st, 8);
        rq->message = col_text(r, st, 9, &lost);
        return lost || !rq->tenant || !rq->action || !rq->actor;
}

static int request_list(struct repo *r, struct sql_stmt *st, struct store_request_list *ret,
                        struct batch_err *reterr)
{
        int e = COLLECT(r, st, ret, read_request, "listing requests", reterr);
        return e < 0 ? (store_request_list_release(ret), e) : e;
}

int store_request_pending(struct store *s, struct store_request_list *ret,
                          struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return request_list(r, q(r, RS_REQUEST_PENDING, ""), ret, reterr);
}

int store_request_list(struct store *s, int64_t instance_id, int64_t after_id,
                       struct store_request_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return request_list(r, q(r, RS_REQUEST_LIST, "ii", instance_id, after_id), ret, reterr);
}

int store_request_finish(struct store *s, int64_t id, int result, const char *message,
                         int64_t now_s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return update_once(r, q(r, RS_REQUEST_FINISH, "iint", id, now_s, result, message),
                           RS_REQUEST_EXISTS, id, "request", "been done", reterr);
}

int store_request_get(struct store *s, int64_t id, struct store_request *ret,
                      struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int got = one_row(r, q(r, RS_REQUEST_GET, "i", id), ret, sizeof(*ret), read_request,
                          "reading the request", reterr);
        if (got < 0)
                store_request_release(ret);
        return got ? (got < 0 ? got : 0)
                   : batch_err_set(reterr, BATCH_ENOENT, "id", "no request %lld", (long long)id);
}

int store_data_version(struct store *s, int64_t *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return one_int(r, q(r, RS_DATA_VERSION, ""), 0, ret, "reading the data version", reterr);
}

int store_defs_stamp(struct store *s, int64_t *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return one_int(r, q(r, RS_DEFS_STAMP, ""), 0, ret, "reading the definitions' stamp",
                       reterr);
}

/* Runs an insert (insert()) that inserts nothing when its parent row is missing: that is
 * BATCH_ENOENT "no PARENT N" (`field`). *ret_id (optional): the new row's id. */
static int insert_child(struct repo *r, struct sql_stmt *st, const char *what, const char *field,
                        const char *parent, int64_t parent_id, int64_t *ret_id,
                        struct batch_err *reterr)
{
        int64_t id;
        int ret = insert(r, st, what, &id, reterr);
        if (ret < 0)
                return ret;
        if (id == 0)
                return batch_err_set(reterr, BATCH_ENOENT, field, "no %s %lld", parent,
                                     (long long)parent_id);
        if (ret_id)
                *ret_id = id;
        return 0;
}

static unsigned page_limit(unsigned limit)
{
        return limit == 0 ? 100 : limit > 10000 ? 10000 : limit;
}

/* ---- step executions and checkpoints --------------------------------------------- */

struct step_put {
        const struct store_step *in;
        int64_t now_s;
        int64_t *ret_id;
};

/* store_step_put's upsert of the row, and the instance's skip_count counted again (the
 * row is new, or its status or skip counts changed). For atomically(). */
static int step_upsert(struct repo *r, void *arg, struct batch_err *reterr)
{
        const struct step_put *a = arg;
        const struct store_step *in = a->in;
        struct sql_stmt *st =
            q(r, RS_STEP_UPSERT, "ittiiiiiiiitit", in->execution_id, in->name, in->status,
              in->read_count, in->write_count, in->commit_count, in->rollback_count,
              in->read_skip_count, in->process_skip_count, in->write_skip_count, in->filter_count,
              in->exit_message, a->now_s, in->metrics);
        int ret = insert_child(r, st, "recording the step", "execution_id", "execution",
                               in->execution_id, a->ret_id, reterr);
        int64_t rows;
        if (ret < 0 ||
            (ret = one_int(r, q(r, RS_INSTANCE_LOCK_BY_EXEC, "i", in->execution_id), 0, &rows,
                           "locking the instance", reterr)) < 0)
                return ret;
        return run(r, q(r, RS_INSTANCE_SKIPS, "i", in->execution_id),
                   "counting the instance's skipped items", NULL, reterr);
}

int store_step_put(struct store *s, const struct store_step *in, int64_t now_s,
                   int64_t *ret_id, struct batch_err *reterr)
{
        static const char *const statuses[] = {"STARTED", "COMPLETED", "FAILED", "STOPPED", NULL};
        if (!in->name || !*in->name)
                return batch_err_set(reterr, BATCH_EINVAL, "name", "a step needs a name");
        if (!is_one_of(in->status, statuses))
                return batch_err_set(reterr, BATCH_EINVAL, "status",
                                     "step status \"%s\" is not one of STARTED, COMPLETED, "
                                     "FAILED, STOPPED",
                                     in->status ? in->status : "");
        const int64_t counts[] = {in->read_count,       in->write_count,
                                  in->commit_count,     in->rollback_count,
                                  in->read_skip_count,  in->process_skip_count,
                                  in->write_skip_count, in->filter_count};
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
                if (counts[i] < 0)
                        return batch_err_set(reterr, BATCH_EINVAL, "count",
                                             "step %s: a count cannot be negative (%lld)", in->name,
                                             (long long)counts[i]);
        struct repo *r = (struct repo *)s;
        /* A step's row is written at its start and again at each of its chunks: when the
         * caller needs no id, a plain update of the row when it is there with this status
         * and these skip counts, else the upsert (a new row, a new status, new skips) and
         * the instance's skip_count with it. The same row either way (the foreign key: a
         * row has its execution). */
        if (!ret_id) {
                int64_t rows;
                int ret = run(r,
                              q(r, RS_STEP_UPDATE, "ittiiiiiiiitit", in->execution_id, in->name,
                                in->status, in->read_count, in->write_count, in->commit_count,
                                in->rollback_count, in->read_skip_count, in->process_skip_count,
                                in->write_skip_count, in->filter_count, in->exit_message, now_s,
                                in->metrics),
                              "recording the step", &rows, reterr);
                if (ret < 0 || rows > 0)
                        return ret;
        }
        struct step_put a = {in, now_s, ret_id};
        return atomically(r, reterr, step_upsert, &a);
}

static bool read_step(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_step *p = item;
        bool lost = false;
        p->id = col_int(r, st, 0);
        p->execution_id = col_int(r, st, 1);
        p->name = col_text(r, st, 2, &lost);
        p->status = col_text(r, st, 3, &lost);
        int64_t *counts[] = {&p->read_count,       &p->write_count,     &p->commit_count,
                             &p->rollback_count,   &p->read_skip_count, &p->process_skip_count,
                             &p->write_skip_count, &p->filter_count};
        for (int i = 0; i < 8; i++)
                *counts[i] = col_int(r, st, 4 + i);
        p->exit_message = col_text(r, st, 12, &lost);
        p->started_at = col_int(r, st, 13);
        p->updated_at = col_int(r, st, 14);
        p->metrics = col_text(r, st, 15, &lost);
        return lost || !p->name || !p->status;
}

int store_step_list(struct store *s, int64_t execution_id, struct store_step_list *ret,
                    struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_STEP_LIST, "i", execution_id), ret, read_step,
                        "listing steps", reterr);
        return e < 0 ? (store_step_list_release(ret), e) : e;
}

int store_checkpoint_put(struct store *s, int64_t instance_id, const char *step,
                         const char *data, int64_t now_s, struct batch_err *reterr)
{
        if (!step || !*step || !data)
                return batch_err_set(reterr, BATCH_EINVAL, "step",
                                     "a checkpoint needs a step name and data");
        struct repo *r = (struct repo *)s;
        int64_t rows;
        /* Saved at each chunk: an update of the row, the upsert only when there is none. */
        int ret = run(r, q(r, RS_CHECKPOINT_UPDATE, "itti", instance_id, step, data, now_s),
                      "saving the checkpoint", &rows, reterr);
        if (ret < 0 || rows > 0)
                return ret;
        ret = run(r, q(r, RS_CHECKPOINT_UPSERT, "itti", instance_id, step, data, now_s),
                  "saving the checkpoint", &rows, reterr);
        if (ret == 0 && rows == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "instance_id", "no instance %lld",
                                     (long long)instance_id);
        return ret;
}

int store_checkpoint_get(struct store *s, int64_t instance_id, const char *step, char **ret,
                         struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_CHECKPOINT_GET, "it", instance_id, step);
        *ret = NULL;
        int got = first(r, st, "reading the checkpoint", reterr);
        if (got <= 0)
                return got;
        bool lost = false;
        *ret = col_text(r, st, 0, &lost);
        r->drv->reset(st);
        return lost ? oom(reterr) : 0;
}

/* ---- dead letters ---------------------------------------------------------------- */

int store_dead_letter_add(struct store *s, const struct store_dead_letter *d, int64_t now_s,
                          int64_t *ret_id, struct batch_err *reterr)
{
        if (!d->step || !*d->step || !d->item || !d->error)
                return batch_err_set(reterr, BATCH_EINVAL, "step",
                                     "a dead letter needs a step, an item and an error");
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st =
            q(r, RS_DEAD_LETTER_INSERT, "ittti", d->instance_id, d->step, d->item, d->error, now_s);
        return insert_child(r, st, "adding the dead letter", "instance_id", "instance",
                            d->instance_id, ret_id, reterr);
}

static bool read_dead_letter(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_dead_letter *d = item;
        bool lost = false;
        d->id = col_int(r, st, 0);
        d->instance_id = col_int(r, st, 1);
        d->job = col_text(r, st, 2, &lost);
        d->step = col_text(r, st, 3, &lost);
        d->item = col_text(r, st, 4, &lost);
        d->error = col_text(r, st, 5, &lost);
        d->created_at = col_int(r, st, 6);
        return lost || !d->job || !d->step || !d->item || !d->error;
}

int store_dead_letter_list(struct store *s, const struct store_dead_letter_filter *f,
                           struct store_dead_letter_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_DEAD_LETTER_LIST, "ttiin", f->tenant, f->job, f->instance_id,
                                f->after_id, (int)page_limit(f->limit));
        int e = COLLECT(r, st, ret, read_dead_letter, "listing dead letters", reterr);
        return e < 0 ? (store_dead_letter_list_release(ret), e) : e;
}

int store_dead_letter_delete(struct store *s, int64_t id, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int64_t rows;
        int ret =
            run(r, q(r, RS_DEAD_LETTER_DELETE, "i", id), "deleting the dead letter", &rows, reterr);
        if (ret == 0 && rows == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no dead letter %lld",
                                     (long long)id);
        return ret;
}

/* ---- alerts and their deliveries (docs/internals/alerts.md) -------------------------- */

int store_alert_add(struct store *s, const struct store_alert *al, int64_t now_s,
                    int64_t *ret_id, struct batch_err *reterr)
{
        if (!al->tenant || !*al->tenant || !al->kind || !*al->kind || !al->message)
                return batch_err_set(reterr, BATCH_EINVAL, "kind",
                                     "an alert needs a tenant, a kind and a message");
        if (al->severity && strcmp(al->severity, "critical") && strcmp(al->severity, "warning") &&
            strcmp(al->severity, "info"))
                return batch_err_set(reterr, BATCH_EINVAL, "severity",
                                     "severity: \"%.40s\" is not critical, warning or info",
                                     al->severity);
        struct repo *r = (struct repo *)s;
        struct tenant_insert a = {al->tenant, now_s,
                                  q(r, RS_ALERT_INSERT, "tzttittz", al->tenant, al->instance_id,
                                    al->kind, al->message, now_s, al->job,
                                    al->severity ? al->severity : "warning", al->suppressed_by),
                                  "raising the alert", 0};
        int ret = atomically(r, reterr, do_tenant_insert, &a);
        bool sup = al->suppressed_by && !al->instance_id;
        if (ret == 1)
                return batch_err_set(reterr, BATCH_ENOENT, sup ? "suppressed_by" : "instance_id",
                                     "no %s %lld", sup ? "alert" : "instance",
                                     (long long)(sup ? al->suppressed_by : al->instance_id));
        if (ret == 0 && ret_id)
                *ret_id = a.id;
        return ret;
}

static bool read_alert(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_alert *a = item;
        bool lost = false;
        a->id = col_int(r, st, 0);
        a->tenant = col_text(r, st, 1, &lost);
        a->instance_id = r->drv->column_null(st, 2) ? 0 : col_int(r, st, 2);
        a->kind = col_text(r, st, 3, &lost);
        a->message = col_text(r, st, 4, &lost);
        a->created_at = col_int(r, st, 5);
        a->acknowledged = !r->drv->column_null(st, 6);
        a->acknowledged_at = a->acknowledged ? col_int(r, st, 6) : 0;
        a->acknowledged_by = col_text(r, st, 7, &lost);
        a->job = col_text(r, st, 8, &lost);
        a->severity = col_text(r, st, 9, &lost);
        a->suppressed_by = r->drv->column_null(st, 10) ? 0 : col_int(r, st, 10);
        return lost || !a->tenant || !a->kind || !a->message || !a->severity;
}

static int alert_list(struct repo *r, struct sql_stmt *st, struct store_alert_list *ret,
                      struct batch_err *reterr)
{
        int e = COLLECT(r, st, ret, read_alert, "listing alerts", reterr);
        return e < 0 ? (store_alert_list_release(ret), e) : e;
}

int store_alert_list(struct store *s, const char *tenant, bool unacknowledged_only,
                     struct store_alert_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return alert_list(r, q(r, RS_ALERT_LIST, "tb", tenant, unacknowledged_only), ret, reterr);
}

int store_alert_find(struct store *s, const struct store_alert_filter *f,
                     struct store_alert_list *ret, struct batch_err *reterr)
{
        if (!f->tenant)
                return batch_err_set(reterr, BATCH_EINVAL, "tenant",
                                     "an alert list needs a tenant");
        struct repo *r = (struct repo *)s;
        return alert_list(r,
                          q(r, RS_ALERT_FIND, "ttttbiin", f->tenant, f->job, f->kind, f->severity,
                            f->unacknowledged_only, f->since, f->before_id,
                            (int)page_limit(f->limit)),
                          ret, reterr);
}

int store_alert_recent(struct store *s, const char *tenant, const char *job, const char *kind,
                       int64_t since_s, struct store_alert_list *ret, struct batch_err *reterr)
{
        struct store_alert_filter f = {.tenant = tenant, .job = job, .kind = kind,
                                       .since = since_s, .limit = 1000};
        if (!job)
                return batch_err_set(reterr, BATCH_EINVAL, "job", "recent alerts need a job");
        return store_alert_find(s, &f, ret, reterr);
}

int store_alert_unescalated(struct store *s, const char *tenant, int64_t from_s, int64_t to_s,
                            struct store_alert_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return alert_list(r, q(r, RS_ALERT_UNESCALATED, "tii", tenant, from_s, to_s), ret, reterr);
}

int store_alert_ack(struct store *s, int64_t id, const char *actor, int64_t now_s,
                    struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return update_once(r, q(r, RS_ALERT_ACK, "iit", id, now_s, actor ? actor : "system"),
                           RS_ALERT_EXISTS, id, "alert", "been acknowledged", reterr);
}

int store_alert_get(struct store *s, int64_t id, struct store_alert *ret,
                    struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int got = one_row(r, q(r, RS_ALERT_GET, "i", id), ret, sizeof(*ret), read_alert,
                          "reading the alert", reterr);
        if (got < 0)
                store_alert_release(ret);
        return got ? (got < 0 ? got : 0)
                   : batch_err_set(reterr, BATCH_ENOENT, "id", "no alert %lld", (long long)id);
}

/* A delivery's next attempt is NULL unless it is pending. */
static void bind_next(struct repo *r, struct sql_stmt *st, int i, const char *state, int64_t next)
{
        if (!strcmp(state, "pending"))
                r->drv->bind_int64(st, i, next);
}

int store_delivery_add(struct store *s, const struct store_delivery *d, int64_t now_s,
                       int64_t *ret_id, struct batch_err *reterr)
{
        static const char *const channels[] = {"email", "webhook", NULL};
        if (!is_one_of(d->channel, channels))
                return batch_err_set(reterr, BATCH_EINVAL, "channel",
                                     "channel: a delivery goes by email or webhook");
        if (!is_one_of(d->state, delivery_states))
                return batch_err_set(reterr, BATCH_EINVAL, "state",
                                     "state: not a delivery state");
        if (!d->target || !*d->target || !d->message_id || !*d->message_id)
                return batch_err_set(reterr, BATCH_EINVAL, "target",
                                     "a delivery needs a target and a message id");
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_DELIVERY_INSERT, "ittt-tib", d->alert_id, d->channel,
                                d->target, d->state, d->message_id, now_s, d->escalation);
        bind_next(r, st, 5, d->state, d->next_attempt_at);
        return insert_child(r, st, "recording the delivery", "alert_id", "alert", d->alert_id,
                            ret_id, reterr);
}

static bool read_delivery(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_delivery *d = item;
        bool lost = false;
        d->id = col_int(r, st, 0);
        d->alert_id = col_int(r, st, 1);
        d->tenant = col_text(r, st, 2, &lost);
        d->channel = col_text(r, st, 3, &lost);
        d->target = col_text(r, st, 4, &lost);
        d->state = col_text(r, st, 5, &lost);
        d->attempts = (int)col_int(r, st, 6);
        d->next_attempt_at = r->drv->column_null(st, 7) ? 0 : col_int(r, st, 7);
        d->last_attempt_at = r->drv->column_null(st, 8) ? 0 : col_int(r, st, 8);
        d->last_answer = col_text(r, st, 9, &lost);
        d->message_id = col_text(r, st, 10, &lost);
        d->created_at = col_int(r, st, 11);
        d->escalation = col_int(r, st, 12) != 0;
        return lost || !d->tenant || !d->channel || !d->target || !d->state || !d->message_id;
}

static int delivery_list(struct repo *r, struct sql_stmt *st, struct store_delivery_list *ret,
                         struct batch_err *reterr)
{
        int e = COLLECT(r, st, ret, read_delivery, "listing deliveries", reterr);
        return e < 0 ? (store_delivery_list_release(ret), e) : e;
}

int store_delivery_due(struct store *s, int64_t now_s, unsigned limit,
                       struct store_delivery_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return delivery_list(r, q(r, RS_DELIVERY_DUE, "in", now_s, (int)page_limit(limit)), ret,
                             reterr);
}

int store_delivery_list(struct store *s, int64_t alert_id, struct store_delivery_list *ret,
                        struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return delivery_list(r, q(r, RS_DELIVERY_LIST, "i", alert_id), ret, reterr);
}

int store_delivery_update(struct store *s, int64_t id, const struct store_delivery *o,
                          int64_t now_s, struct batch_err *reterr)
{
        if (!is_one_of(o->state, delivery_states))
                return batch_err_set(reterr, BATCH_EINVAL, "state",
                                     "state: not a delivery state");
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st =
            q(r, RS_DELIVERY_UPDATE, "itn-it", id, o->state, o->attempts, now_s, o->last_answer);
        bind_next(r, st, 4, o->state, o->next_attempt_at);
        return update_once(r, st, RS_DELIVERY_EXISTS, id, "delivery", "been sent or given up",
                           reterr);
}

int store_delivery_claim(struct store *s, int64_t id, int64_t seen_next, int64_t until,
                         struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return update_once(r, q(r, RS_DELIVERY_CLAIM, "iii", id, seen_next, until),
                           RS_DELIVERY_EXISTS, id, "delivery", "been claimed or recorded",
                           reterr);
}

int store_report_claim(struct store *s, const char *tenant, const char *date, int64_t alert_id,
                       int64_t now_s, struct batch_err *reterr)
{
        if (!tenant || !*tenant || !date || strlen(date) != 10)
                return batch_err_set(reterr, BATCH_EINVAL, "date",
                                     "a report claim needs a tenant and a YYYY-MM-DD date");
        struct repo *r = (struct repo *)s;
        int64_t rows;
        int ret = run(r, q(r, RS_REPORT_CLAIM, "ttii", tenant, date, alert_id, now_s),
                      "claiming the daily report", &rows, reterr);
        if (ret == 0 && rows == 0)
                return batch_err_set(reterr, BATCH_EEXIST, "date",
                                     "the daily report %s of tenant %s is already recorded", date,
                                     tenant);
        return ret;
}

/* ---- remote runs and next_due_api answers (docs/remote-jobs.md) --------------------- */

int store_remote_run_add(struct store *s, int64_t execution_id, int64_t instance_id,
                         const char *token_hash, int64_t now_s, struct batch_err *reterr)
{
        if (!token_hash || !*token_hash)
                return batch_err_set(reterr, BATCH_EINVAL, "token", "a remote run needs a token");
        struct repo *r = (struct repo *)s;
        int64_t rows;
        int ret = run(r,
                      q(r, RS_REMOTE_RUN_ADD, "iiti", execution_id, instance_id, token_hash, now_s),
                      "recording the remote run", &rows, reterr);
        if (ret == 0 && rows == 0)
                return batch_err_set(reterr, BATCH_EEXIST, "execution",
                                     "execution %lld already has a callback token",
                                     (long long)execution_id);
        return ret;
}

static bool read_remote_run(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_remote_run *rr = item;
        bool lost = false;
        rr->execution_id = col_int(r, st, 0);
        rr->instance_id = col_int(r, st, 1);
        rr->tenant = col_text(r, st, 2, &lost);
        rr->finished = col_int(r, st, 3) != 0;
        rr->reported_status = col_text(r, st, 4, &lost);
        rr->reported_message = col_text(r, st, 5, &lost);
        rr->reported_at = r->drv->column_null(st, 6) ? 0 : col_int(r, st, 6);
        return lost || !rr->tenant;
}

int store_remote_run_find(struct store *s, const char *token_hash,
                          struct store_remote_run *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int got = one_row(r, q(r, RS_REMOTE_RUN_FIND, "t", token_hash), ret, sizeof(*ret),
                          read_remote_run, "reading the remote run", reterr);
        if (got < 0)
                store_remote_run_release(ret);
        return got ? (got < 0 ? got : 0)
                   : batch_err_set(reterr, BATCH_ENOENT, "token", "no such callback token");
}

int store_remote_run_report(struct store *s, int64_t execution_id, const char *status,
                            const char *message, int64_t now_s, struct batch_err *reterr)
{
        static const char *const statuses[] = {"success", "failed", "stopped", NULL};
        if (!is_one_of(status, statuses))
                return batch_err_set(reterr, BATCH_EINVAL, "status",
                                     "a final status is success, failed or stopped");
        struct repo *r = (struct repo *)s;
        int64_t rows;
        int ret = run(r, q(r, RS_REMOTE_RUN_REPORT, "itti", execution_id, status, message, now_s),
                      "recording the remote run's report", &rows, reterr);
        if (ret < 0 || rows == 1)
                return ret;
        struct sql_stmt *st = q(r, RS_REMOTE_RUN_EXISTS, "i", execution_id);
        int got = first(r, st, "reading the remote run", reterr);
        if (got < 0)
                return got;
        if (!got)
                return batch_err_set(reterr, BATCH_ENOENT, "execution",
                                     "execution %lld is not a remote run", (long long)execution_id);
        r->drv->reset(st);
        return batch_err_set(reterr, BATCH_ESTALE, "status",
                             "execution %lld has already ended or reported its end",
                             (long long)execution_id);
}

int store_remote_run_reports(struct store *s, struct store_remote_run_list *ret,
                             struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_REMOTE_RUN_REPORTS, ""), ret, read_remote_run,
                        "listing remote runs", reterr);
        return e < 0 ? (store_remote_run_list_release(ret), e) : e;
}

struct next_due_args {
        const char *tenant, *job;
        int64_t due, now;
};

static int do_next_due_put(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct next_due_args *a = arg;
        int ret = ensure_tenant(r, a->tenant, a->now, reterr);
        return ret < 0 ? ret
                       : run(r, q(r, RS_NEXT_DUE_PUT, "ttii", a->tenant, a->job, a->due, a->now),
                             "keeping the next due time", NULL, reterr);
}

int store_next_due_put(struct store *s, const char *tenant, const char *job, int64_t due,
                       int64_t now_s, struct batch_err *reterr)
{
        struct next_due_args a = {tenant, job, due, now_s};
        return atomically((struct repo *)s, reterr, do_next_due_put, &a);
}

int store_next_due_get(struct store *s, const char *tenant, const char *job, int64_t *ret_due,
                       struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_NEXT_DUE_GET, "tt", tenant, job);
        int got = first(r, st, "reading the next due time", reterr);
        if (got <= 0)
                return got < 0 ? got
                               : batch_err_set(reterr, BATCH_ENOENT, "job",
                                               "no next due time kept for %s/%s", tenant, job);
        *ret_due = col_int(r, st, 0);
        r->drv->reset(st);
        return 0;
}

/* ---- instances ------------------------------------------------------------------- */

struct transition_args {
        int64_t id;
        int from, to;
        const char *actor, *reason;
        int64_t now;
};

/* Recomputes the runs figures of instance id's quarter-hour slot from its final
 * instances (the rollup, docs/report.md), then its job's pack of the period from the
 * slots, inside the caller's transaction. */
static int rollup_refresh(struct repo *r, int64_t id, struct batch_err *reterr)
{
        enum rs steps[] = {RS_ROLLUP_CLEAR, RS_ROLLUP_FILL, RS_PACK_CLEAR};
        int ret = 0;
        int64_t n = 0;
        for (size_t i = 0; ret == 0 && i < sizeof(steps) / sizeof(steps[0]); i++)
                ret = run(r, q(r, steps[i], "i", id), "updating the runs figures", NULL, reterr);
        if (ret == 0)
                ret = one_int(r, q(r, RS_PACK_COUNT, "i", id), 0, &n, "updating the runs figures",
                              reterr);
        return ret < 0 ? ret
                       : run(r, q(r, n > ROLLUP_PACK_MAX ? RS_PACK_MARK : RS_PACK_FILL, "i", id),
                             "updating the runs figures", NULL, reterr);
}

static int add_transition(struct repo *r, const struct transition_args *a, struct batch_err *reterr)
{
        struct sql_stmt *st = q(r, RS_TRANSITION_ADD, "ii-ntt", a->id, a->now, a->to,
                                a->actor ? a->actor : "system", a->reason);
        if (a->from >= 0)
                r->drv->bind_int64(st, 3, a->from);
        return run(r, st, "recording the transition", NULL, reterr);
}

struct create_args {
        const struct store_instance *in;
        const char *actor;
        int64_t now;
        int64_t id;
};

static int do_create(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct create_args *a = arg;
        const struct store_instance *in = a->in;
        int ret = ensure_tenant(r, in->tenant, a->now, reterr);
        if (ret < 0 || (ret = insert(r,
                                     q(r, RS_INSTANCE_INSERT, "ttbiiintttit", in->tenant, in->job,
                                       in->scheduled, in->due, in->first_due, in->last_due,
                                       in->state, in->reason, in->params, in->trace_id, a->now,
                                       in->process_date),
                                     "creating the instance", &a->id, reterr)) < 0)
                return ret;
        if (a->id == 0)
                return batch_err_set(reterr, BATCH_EEXIST, "due",
                                     "job %s of tenant %s already has an instance due at %lld",
                                     in->job, in->tenant, (long long)in->due);
        struct transition_args t = {a->id, -1, in->state, a->actor, in->reason, a->now};
        ret = add_transition(r, &t, reterr);
        return ret < 0 || !state_is_final(in->state) ? ret : rollup_refresh(r, a->id, reterr);
}

int store_instance_create(struct store *s, const struct store_instance *in, const char *actor,
                          int64_t now_s, int64_t *ret_id, struct batch_err *reterr)
{
        if (!in->tenant || !in->job || !in->trace_id || !state_name(in->state))
                return batch_err_set(reterr, BATCH_EINVAL, "instance",
                                     "instance: tenant, job, trace id and a valid state are "
                                     "required");
        struct create_args a = {in, actor, now_s, 0};
        int ret = atomically((struct repo *)s, reterr, do_create, &a);
        if (ret == 0)
                *ret_id = a.id;
        return ret;
}

static bool read_instance(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_instance *in = item;
        bool lost = false;
        in->id = col_int(r, st, 0);
        in->tenant = col_text(r, st, 1, &lost);
        in->job = col_text(r, st, 2, &lost);
        in->scheduled = col_int(r, st, 3) != 0;
        in->due = col_int(r, st, 4);
        in->first_due = col_int(r, st, 5);
        in->last_due = col_int(r, st, 6);
        in->state = (int)col_int(r, st, 7);
        in->reason = col_text(r, st, 8, &lost);
        in->params = col_text(r, st, 9, &lost);
        in->trace_id = col_text(r, st, 10, &lost);
        in->created_at = col_int(r, st, 11);
        in->updated_at = col_int(r, st, 12);
        in->process_date = col_text(r, st, 13, &lost);
        in->skip_count = col_int(r, st, 14);
        return lost || !in->tenant || !in->job || !in->trace_id;
}

int store_instance_get(struct store *s, int64_t id, struct store_instance *ret,
                       struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int got = one_row(r, q(r, RS_INSTANCE_GET, "i", id), ret, sizeof(*ret), read_instance,
                          "reading the instance", reterr);
        if (got < 0)
                store_instance_release(ret);
        return got ? (got < 0 ? got : 0)
                   : batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld", (long long)id);
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

/* The SQL of an instance list with the conditions in `flags`; its parameters are
 * numbered in the order list_bind binds them. */
static void list_sql(unsigned flags, char *sql, size_t len)
{
        int n = 1;
#define P "?%d"
#define ADD(...) snprintf(sql + strlen(sql), len - strlen(sql), __VA_ARGS__)
        ADD("SELECT " INSTANCE_COLS " FROM instances WHERE tenant = " P, n++);
        if (flags & LIST_JOB)
                ADD(" AND job = " P, n++);
        if (flags & LIST_STATE)
                ADD(" AND state = " P, n++);
        if (flags & LIST_DUE)
                ADD(" AND due_time >= " P " AND due_time < " P, n, n + 1), n += 2;
        /* By due time: a row-value keyset, which SQLite matches to the (tenant[, job],
         * due_time) index whose entries end with the rowid: no sort, no scan of the
         * range's other rows. */
        if ((flags & LIST_AFTER) && (flags & LIST_BY_DUE))
                ADD(" AND (due_time, id) < (" P ", " P ")", n, n + 1), n += 2;
        else if (flags & LIST_AFTER)
                ADD(flags & LIST_DESC ? " AND id < " P : " AND id > " P, n++);
        if (flags & LIST_LIVE)
                ADD(" AND state IN " LIVE_STATES);
        if (flags & LIST_SCHEDULED)
                ADD(" AND scheduled = {TRUE}");
        /* Start Failed, Failed, Timeout Failed, Stop Failed. */
        if (flags & LIST_FAILED)
                ADD(" AND state IN (3, 6, 7, 11)");
        if (flags & LIST_HAS_FAILURE)
                ADD(" AND skip_count > 0");
        /* The creation is the one transition without a from_state. */
        if (flags & LIST_CREATED_BY)
                ADD(" AND EXISTS (SELECT 1 FROM instance_transitions c WHERE c.instance_id = "
                    "instances.id AND c.from_state IS NULL AND c.actor = " P ")",
                    n++);
        ADD(flags & LIST_BY_DUE ? " ORDER BY due_time DESC, id DESC LIMIT " P
            : flags & LIST_DESC ? " ORDER BY id DESC LIMIT " P
                                : " ORDER BY id LIMIT " P,
            n);
#undef ADD
#undef P
}

/* *ret: the statement for an instance list with these conditions, prepared on first use
 * and kept until the store is closed. */
static int list_stmt(struct repo *r, unsigned flags, struct sql_stmt **ret,
                     struct batch_err *reterr)
{
        if (!r->list_stmt && !(r->list_stmt = calloc(LIST_COMBINATIONS, sizeof(*r->list_stmt))))
                return oom(reterr);
        if (!r->list_stmt[flags]) {
                char sql[2048] = "";
                list_sql(flags, sql, sizeof(sql));
                char *text = expand(r->drv->dialect, sql, reterr);
                int e = text ? r->drv->prepare(r->conn, text, &r->list_stmt[flags], reterr)
                             : BATCH_ENOMEM;
                free(text);
                if (e < 0)
                        return e;
        }
        *ret = r->list_stmt[flags];
        r->drv->reset(*ret);
        return 0;
}

int store_instance_list(struct store *s, const struct store_instance_filter *f,
                        struct store_instance_list *ret, struct batch_err *reterr)
{
        if (!f->tenant)
                return batch_err_set(reterr, BATCH_EINVAL, "tenant", "tenant: required");
        struct repo *r = (struct repo *)s;
        unsigned flags = list_flags(f);
        struct sql_stmt *st;
        int e = list_stmt(r, flags, &st, reterr), n = 1;
        if (e < 0)
                return e;
        r->drv->bind_text(st, n++, f->tenant);
        if (flags & LIST_JOB)
                r->drv->bind_text(st, n++, f->job);
        if (flags & LIST_STATE)
                r->drv->bind_int64(st, n++, f->state);
        if (flags & LIST_DUE) {
                r->drv->bind_int64(st, n++, f->due_from);
                r->drv->bind_int64(st, n++, f->due_to);
        }
        if ((flags & LIST_AFTER) && (flags & LIST_BY_DUE))
                r->drv->bind_int64(st, n++, f->after_due);
        if (flags & LIST_AFTER)
                r->drv->bind_int64(st, n++, f->after_id);
        if (flags & LIST_CREATED_BY)
                r->drv->bind_text(st, n++, f->created_by);
        r->drv->bind_int64(st, n, page_limit(f->limit));
        e = COLLECT(r, st, ret, read_instance, "listing instances", reterr);
        return e < 0 ? (store_instance_list_release(ret), e) : e;
}

/* After a conditional update (WHERE id = ?1 AND state = ?2) changed no row: why. */
static int not_in_state(struct repo *r, int64_t id, int state, struct batch_err *reterr)
{
        int64_t cur;
        int ret =
            one_int(r, q(r, RS_INSTANCE_STATE, "i", id), -1, &cur, "reading the state", reterr);
        if (ret < 0)
                return ret;
        if (cur < 0)
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld", (long long)id);
        return batch_err_set(reterr, BATCH_ESTALE, "state",
                             "instance %lld is in state %d, not %d: nothing changed", (long long)id,
                             (int)cur, state);
}

static int do_transition(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct transition_args *a = arg;
        int64_t rows;
        int ret = run(
            r, q(r, RS_INSTANCE_UPDATE_STATE, "innti", a->id, a->from, a->to, a->reason, a->now),
            "changing the state", &rows, reterr);
        if (ret < 0)
                return ret;
        if (rows == 0)
                return not_in_state(r, a->id, a->from, reterr);
        ret = add_transition(r, a, reterr);
        return ret < 0 || !(state_is_final(a->from) || state_is_final(a->to)) ? ret
                                                                   : rollup_refresh(r, a->id, reterr);
}

int store_instance_transition(struct store *s, int64_t id, int from, int to,
                              const char *actor, const char *reason, int64_t now_s,
                              struct batch_err *reterr)
{
        if (!state_transition_ok(from, to))
                return batch_err_set(reterr, BATCH_EINVAL, "state",
                                     "state: %s -> %s is not a legal transition (docs/states.md)",
                                     state_name(from) ? state_name(from) : "?",
                                     state_name(to) ? state_name(to) : "?");
        struct transition_args a = {id, from, to, actor, reason, now_s};
        return atomically((struct repo *)s, reterr, do_transition, &a);
}

int store_instance_set_reason(struct store *s, int64_t id, int state, const char *reason,
                              int64_t now_s, struct batch_err *reterr)
{
        if (!state_name(state))
                return batch_err_set(reterr, BATCH_EINVAL, "state", "state: %d is not a state",
                                     state);
        struct repo *r = (struct repo *)s;
        int64_t rows;
        int ret = run(r, q(r, RS_INSTANCE_SET_REASON, "inti", id, state, reason, now_s),
                      "changing the reason", &rows, reterr);
        return ret < 0 || rows ? ret : not_in_state(r, id, state, reterr);
}

static bool read_transition(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_transition *t = item;
        bool lost = false;
        t->at = col_int(r, st, 0);
        t->from_state = r->drv->column_null(st, 1) ? -1 : (int)col_int(r, st, 1);
        t->to_state = (int)col_int(r, st, 2);
        t->actor = col_text(r, st, 3, &lost);
        t->reason = col_text(r, st, 4, &lost);
        return lost || !t->actor;
}

int store_instance_history(struct store *s, int64_t id, struct store_transition_list *ret,
                           struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_TRANSITION_LIST, "i", id), ret, read_transition,
                        "reading the history", reterr);
        return e < 0 ? (store_transition_list_release(ret), e) : e;
}

static bool read_change(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_change *c = item;
        bool lost = false;
        c->id = col_int(r, st, 0);
        c->instance_id = col_int(r, st, 1);
        c->job = col_text(r, st, 2, &lost);
        c->from_state = r->drv->column_null(st, 3) ? -1 : (int)col_int(r, st, 3);
        c->to_state = (int)col_int(r, st, 4);
        c->at = col_int(r, st, 5);
        return lost || !c->job;
}

int store_changes_after(struct store *s, const char *tenant, int64_t after_id, unsigned limit,
                        struct store_change_list *ret, struct batch_err *reterr)
{
        if (limit < 1 || limit > 10000)
                return batch_err_set(reterr, BATCH_EINVAL, "limit", "limit %u: 1 to 10000",
                                     limit);
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_CHANGES_AFTER, "iti", after_id, tenant, (int64_t)limit),
                        ret, read_change, "reading the changes", reterr);
        return e < 0 ? (store_change_list_release(ret), e) : e;
}

int store_change_last_id(struct store *s, int64_t *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return one_int(r, q(r, RS_CHANGE_LAST, ""), 0, ret, "reading the last change", reterr);
}

/* ---- executions ------------------------------------------------------------------ */

struct exec_args {
        const struct store_execution *e;
        int64_t now;
        int64_t id;
        int attempt;
};

/* The instance's row is locked first where writers lock rows: two starts of one instance
 * then take turns, and the second numbers its attempt after the first's. */
static int do_execution_start(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct exec_args *a = arg;
        const struct store_execution *e = a->e;
        struct sql_stmt *st = q(r, RS_INSTANCE_LOCK, "i", e->instance_id);
        int got = first(r, st, "reading the instance", reterr);
        if (got <= 0)
                return got < 0 ? got
                               : batch_err_set(reterr, BATCH_ENOENT, "instance_id",
                                               "no instance %lld", (long long)e->instance_id);
        r->drv->reset(st);
        st = q(r, RS_EXECUTION_INSERT, "ititi", e->instance_id, e->node, e->pid, e->log_path,
               a->now);
        if ((got = first(r, st, "recording the execution", reterr)) <= 0)
                return got < 0 ? got
                               : batch_err_set(reterr, BATCH_EIO, "db",
                                               "db: recording the execution: no row returned");
        a->id = col_int(r, st, 0);
        a->attempt = (int)col_int(r, st, 1);
        r->drv->reset(st);
        return 0;
}

int store_execution_start(struct store *s, const struct store_execution *e, int64_t now_s,
                          int64_t *ret_id, int *ret_attempt, struct batch_err *reterr)
{
        struct exec_args a = {e, now_s, 0, 0};
        int ret = atomically((struct repo *)s, reterr, do_execution_start, &a);
        if (ret == 0) {
                *ret_id = a.id;
                *ret_attempt = a.attempt;
        }
        return ret;
}

struct finish_args {
        int64_t id;
        int exit_status;
        const char *error;
        int64_t now;
};

/* An execution that ends after its instance became final (a stop) changes the
 * instance's duration: its slot's figures are refreshed in the same transaction. */
static int do_execution_finish(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct finish_args *a = arg;
        int64_t inst = 0;
        int ret = update_once(r, q(r, RS_EXECUTION_FINISH, "iint", a->id, a->now, a->exit_status,
                                   a->error),
                              RS_EXECUTION_EXISTS, a->id, "execution", "finished", reterr);
        if (ret < 0 || (ret = one_int(r, q(r, RS_EXECUTION_FINAL_INSTANCE, "i", a->id), 0, &inst,
                                      "reading the instance", reterr)) < 0)
                return ret;
        return inst ? rollup_refresh(r, inst, reterr) : 0;
}

int store_execution_finish(struct store *s, int64_t id, int exit_status, const char *error,
                           int64_t now_s, struct batch_err *reterr)
{
        struct finish_args a = {id, exit_status, error, now_s};
        return atomically((struct repo *)s, reterr, do_execution_finish, &a);
}

int store_execution_withdraw(struct store *s, int64_t id, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return update_once(r, q(r, RS_EXECUTION_WITHDRAW, "i", id), RS_EXECUTION_EXISTS, id,
                           "execution", "finished", reterr);
}

static bool read_execution(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_execution *e = item;
        bool lost = false;
        e->id = col_int(r, st, 0);
        e->instance_id = col_int(r, st, 1);
        e->attempt = (int)col_int(r, st, 2);
        e->node = col_text(r, st, 3, &lost);
        e->pid = col_int(r, st, 4);
        e->log_path = col_text(r, st, 5, &lost);
        e->started_at = col_int(r, st, 6);
        e->finished = !r->drv->column_null(st, 7);
        e->finished_at = e->finished ? col_int(r, st, 7) : 0;
        e->exit_status = r->drv->column_null(st, 8) ? 0 : (int)col_int(r, st, 8);
        e->error = col_text(r, st, 9, &lost);
        return lost;
}

int store_execution_list(struct store *s, int64_t instance_id,
                         struct store_execution_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_EXECUTION_LIST, "i", instance_id), ret, read_execution,
                        "listing executions", reterr);
        return e < 0 ? (store_execution_list_release(ret), e) : e;
}

/* ---- claims (schema 16, docs/cluster.md "Claims") --------------------------------- */

/* 0 when `labels` is a canonical label text (labels_parse gives it back unchanged),
 * else BATCH_EINVAL naming `field`. */
static int canonical_labels(const char *labels, const char *field, struct batch_err *reterr)
{
        char canon[LABELS_TEXT_MAX];
        if (!labels || labels_parse(labels, canon, sizeof(canon), reterr) < 0 ||
            strcmp(canon, labels) != 0)
                return batch_err_set(reterr, BATCH_EINVAL, field,
                                     "%s: not a canonical label text (sorted, comma-joined)",
                                     field);
        return 0;
}

static int notify(struct repo *r, const char *channel, struct batch_err *reterr)
{
        return run(r, q(r, RS_NOTIFY, "t", channel), "notifying", NULL, reterr);
}

int store_notify(struct store *s, const char *channel, struct batch_err *reterr)
{
        if (!channel || !*channel)
                return batch_err_set(reterr, BATCH_EINVAL, "channel", "a channel is required");
        return notify((struct repo *)s, channel, reterr);
}

struct offer_args {
        int64_t id;
        const char *labels;
};

/* The instance's row is locked first, then its executions read: a claim of it in
 * progress (which holds the row) has committed its execution by then, so a run in
 * flight is never offered again beside itself. */
static int do_offer(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct offer_args *a = arg;
        int64_t rows, open = 0;
        int ret = one_int(r, q(r, RS_INSTANCE_LOCK, "i", a->id), 0, &rows, "reading the instance",
                          reterr);
        if (ret < 0 || (ret = one_int(r, q(r, RS_INSTANCE_OPEN_RUNS, "i", a->id), 0, &open,
                                      "reading the instance's executions", reterr)) < 0)
                return ret;
        if (open > 0)
                return batch_err_set(reterr, BATCH_ESTALE, "id", "instance %lld has a run in "
                                     "flight: not offered", (long long)a->id);
        ret = run(r, q(r, RS_INSTANCE_OFFER, "it", a->id, a->labels), "offering the instance",
                  &rows, reterr);
        if (ret < 0)
                return ret;
        if (rows == 0)
                return not_in_state(r, a->id, STATE_STARTING, reterr);
        return notify(r, "batchd_offer", reterr);
}

int store_instance_offer(struct store *s, int64_t id, const char *labels,
                         struct batch_err *reterr)
{
        int ret = canonical_labels(labels, "labels", reterr);
        struct offer_args a = {id, labels};
        return ret < 0 ? ret : atomically((struct repo *)s, reterr, do_offer, &a);
}

int store_instance_unoffer(struct store *s, int64_t id, bool *ret_withdrawn,
                           struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int64_t rows = 0;
        int ret = run(r, q(r, RS_INSTANCE_UNOFFER, "i", id), "withdrawing the offer", &rows,
                      reterr);
        *ret_withdrawn = ret == 0 && rows > 0;
        return ret;
}

int store_offer_outlook(struct store *s, int64_t now_s, int64_t *ret_offered,
                        int64_t *ret_nodes, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_OFFER_OUTLOOK, "i", now_s);
        int got = first(r, st, "reading the offers", reterr);
        if (got <= 0)
                return got < 0 ? got : batch_err_set(reterr, BATCH_EIO, "db", "db: reading the "
                                                     "offers: no row returned");
        *ret_offered = col_int(r, st, 0);
        *ret_nodes = col_int(r, st, 1);
        r->drv->reset(st);
        return 0;
}

int store_claim_stop_failed(struct store *s, int64_t exec_id, int64_t token, const char *why,
                            struct batch_err *reterr)
{
        if (!why || !*why)
                return batch_err_set(reterr, BATCH_EINVAL, "why", "a reason is required");
        struct repo *r = (struct repo *)s;
        int64_t rows = 0;
        int ret = run(r, q(r, RS_CLAIM_STOP_FAILED, "iit", exec_id, token, why),
                      "recording the failed stop", &rows, reterr);
        if (ret == 0 && rows == 0)
                return batch_err_set(reterr, BATCH_ESTALE, "id", "execution %lld: not in flight "
                                     "under claim %lld in 10 Stopping: nothing changed",
                                     (long long)exec_id, (long long)token);
        return ret < 0 ? ret : notify(r, "batchd_run", reterr);
}

static bool read_claim(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_claim *c = item;
        bool lost = false;
        c->instance_id = col_int(r, st, 0);
        c->tenant = col_text(r, st, 1, &lost);
        c->job = col_text(r, st, 2, &lost);
        c->token = col_int(r, st, 3);
        return lost;
}

static int cmp_claim(const void *a, const void *b)
{
        int64_t x = ((const struct store_claim *)a)->instance_id;
        int64_t y = ((const struct store_claim *)b)->instance_id;
        return (x > y) - (x < y);
}

struct claim_args {
        const char *node, *labels;
        unsigned limit;
        struct store_claim_list *ret;
};

static int do_claim(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct claim_args *a = arg;
        int e = COLLECT(r, q(r, RS_CLAIM, "tit", a->node, (int64_t)a->limit, a->labels), a->ret,
                        read_claim, "claiming instances", reterr);
        if (e < 0)
                store_claim_list_release(a->ret);
        else /* RETURNING's order is the engine's */
                qsort(a->ret->items, a->ret->n, sizeof(*a->ret->items), cmp_claim);
        return e;
}

int store_claim(struct store *s, const char *node, const char *labels, unsigned limit,
                struct store_claim_list *ret, struct batch_err *reterr)
{
        if (!node || !*node)
                return batch_err_set(reterr, BATCH_EINVAL, "node", "a claim needs a node");
        if (limit < 1 || limit > 1000)
                return batch_err_set(reterr, BATCH_EINVAL, "limit",
                                     "limit: %u is not in 1..1000", limit);
        int e = canonical_labels(labels, "labels", reterr);
        if (e < 0)
                return e;
        struct store_claim_list l = {0, NULL};
        struct claim_args a = {node, labels, limit, &l};
        e = atomically((struct repo *)s, reterr, do_claim, &a);
        if (e == 0)
                *ret = l;
        else
                store_claim_list_release(&l);
        return e;
}

void store_claim_list_release(struct store_claim_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].tenant);
                free(l->items[i].job);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

struct claim_start_args {
        struct exec_args x;
        int64_t token;
};

/* The fence locks the instance's row (where writers lock rows) as store_execution_start
 * does, and the execution is numbered the same way (EXECUTION_INSERT), in one statement. */
static int do_claim_start(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct claim_start_args *a = arg;
        const struct store_execution *e = a->x.e;
        struct sql_stmt *st = q(r, RS_CLAIM_START, "ititii", e->instance_id, e->node, e->pid,
                                e->log_path, a->x.now, a->token);
        int got = first(r, st, "recording the execution", reterr);
        if (got <= 0)
                return got < 0 ? got
                               : batch_err_set(reterr, BATCH_ESTALE, "token",
                                               "instance %lld is not in 2 Starting under claim "
                                               "%lld of node %s: nothing recorded",
                                               (long long)e->instance_id, (long long)a->token,
                                               e->node);
        a->x.id = col_int(r, st, 0);
        a->x.attempt = (int)col_int(r, st, 1);
        r->drv->reset(st);
        return 0;
}

int store_claim_start(struct store *s, int64_t token, const struct store_execution *e,
                      int64_t now_s, int64_t *ret_id, int *ret_attempt,
                      struct batch_err *reterr)
{
        if (!e->node)
                return batch_err_set(reterr, BATCH_EINVAL, "node",
                                     "a claimed execution needs its node");
        struct claim_start_args a = {{e, now_s, 0, 0}, token};
        int ret = atomically((struct repo *)s, reterr, do_claim_start, &a);
        if (ret == 0) {
                *ret_id = a.x.id;
                *ret_attempt = a.x.attempt;
        }
        return ret;
}

struct claim_starts_args {
        const char *node;
        struct store_claim_run *runs;
        size_t n;
        int64_t now;
        size_t started;
};

static int do_claim_starts(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct claim_starts_args *a = arg;
        struct buf b;
        buf_init(&b, 0);
        buf_puts(&b, "[");
        for (size_t i = 0; i < a->n; i++) {
                const struct store_claim_run *c = &a->runs[i];
                buf_printf(&b, "%s{\"i\":%lld,\"t\":%lld,\"p\":%lld,\"l\":", i ? "," : "",
                           (long long)c->instance_id, (long long)c->token, (long long)c->pid);
                json_put_string(&b, c->log_path);
                buf_puts(&b, "}");
        }
        buf_puts(&b, "]");
        char *rows = buf_detach(&b);
        if (!rows)
                return batch_err_set(reterr, BATCH_ENOMEM, "runs", "out of memory");
        struct sql_stmt *st = q(r, RS_CLAIM_STARTS, "tti", rows, a->node, a->now);
        int got;
        size_t k = 0; /* RETURNING's order is the engine's: found by instance */
        while ((got = r->drv->step(st, "recording the executions", reterr)) > 0) {
                int64_t inst = col_int(r, st, 1);
                size_t lo = 0, hi = a->n;
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;
                        if (a->runs[mid].instance_id < inst)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo < a->n && a->runs[lo].instance_id == inst) {
                        a->runs[lo].exec_id = col_int(r, st, 0);
                        a->runs[lo].attempt = (int)col_int(r, st, 2);
                        k++;
                }
        }
        r->drv->reset(st);
        free(rows);
        a->started = k;
        return got < 0 ? got : 0;
}

int store_claim_starts(struct store *s, const char *node, struct store_claim_run *runs,
                       size_t n, int64_t now_s, size_t *ret_started, struct batch_err *reterr)
{
        if (!node || !*node)
                return batch_err_set(reterr, BATCH_EINVAL, "node",
                                     "a claimed execution needs its node");
        if (n > 1000)
                return batch_err_set(reterr, BATCH_EINVAL, "runs",
                                     "runs: %zu is not in 0..1000", n);
        for (size_t i = 0; i < n; i++) {
                if (i && runs[i].instance_id <= runs[i - 1].instance_id)
                        return batch_err_set(reterr, BATCH_EINVAL, "runs",
                                             "runs[%zu]: instance %lld after %lld: the runs "
                                             "must be in ascending instance order, each once",
                                             i, (long long)runs[i].instance_id,
                                             (long long)runs[i - 1].instance_id);
                runs[i].exec_id = 0;
                runs[i].attempt = 0;
        }
        *ret_started = 0;
        if (n == 0)
                return 0;
        struct claim_starts_args a = {node, runs, n, now_s, 0};
        int ret = atomically((struct repo *)s, reterr, do_claim_starts, &a);
        if (ret == 0)
                *ret_started = a.started;
        else
                for (size_t i = 0; i < n; i++)
                        runs[i].exec_id = 0, runs[i].attempt = 0;
        return ret;
}

/* What a claimed execution's writes are fenced by. */
enum fence_flags {
        FENCE_NOT_RUNNING = 1 << 0, /* also stale once it reported running */
};

/* The fence of a write about execution `exec_id` under claim `token`: 0 with its
 * instance's id in *ret_instance when the instance's claim_token is still token and the
 * execution has not finished (nor, with FENCE_NOT_RUNNING, reported running); else
 * BATCH_ESTALE, or BATCH_ENOENT without such an execution. */
static int claim_fence(struct repo *r, int64_t exec_id, int64_t token, unsigned flags,
                       int64_t *ret_instance, struct batch_err *reterr)
{
        struct sql_stmt *st = q(r, RS_CLAIM_FENCE, "i", exec_id);
        int got = first(r, st, "checking the claim", reterr);
        if (got <= 0)
                return got < 0 ? got
                               : batch_err_set(reterr, BATCH_ENOENT, "id", "no execution %lld",
                                               (long long)exec_id);
        int64_t inst = col_int(r, st, 0), cur = col_int(r, st, 1);
        bool finished = col_int(r, st, 2) != 0, running = col_int(r, st, 3) != 0;
        r->drv->reset(st);
        if (cur != token)
                return batch_err_set(reterr, BATCH_ESTALE, "token",
                                     "instance %lld is under claim %lld, not %lld: nothing "
                                     "changed",
                                     (long long)inst, (long long)cur, (long long)token);
        if (finished || (running && (flags & FENCE_NOT_RUNNING)))
                return batch_err_set(reterr, BATCH_ESTALE, "id",
                                     "execution %lld has already %s: nothing changed",
                                     (long long)exec_id, finished ? "finished" : "run");
        *ret_instance = inst;
        return 0;
}

struct claim_exec_args {
        int64_t exec_id, token, now;
        int exit_status;
        const char *error;
};

static int do_claim_running(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct claim_exec_args *a = arg;
        int64_t inst;
        int ret = claim_fence(r, a->exec_id, a->token, FENCE_NOT_RUNNING, &inst, reterr);
        return ret < 0 ? ret
                       : update_once(r, q(r, RS_EXECUTION_RUNNING, "ii", a->exec_id, a->now),
                                     RS_EXECUTION_EXISTS, a->exec_id, "execution",
                                     "finished or run", reterr);
}

int store_claim_running(struct store *s, int64_t exec_id, int64_t token, int64_t now_s,
                        struct batch_err *reterr)
{
        struct claim_exec_args a = {exec_id, token, now_s, 0, NULL};
        return atomically((struct repo *)s, reterr, do_claim_running, &a);
}

static int do_claim_finish(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct claim_exec_args *a = arg;
        int64_t inst;
        int ret = claim_fence(r, a->exec_id, a->token, 0, &inst, reterr);
        struct finish_args f = {a->exec_id, a->exit_status, a->error, a->now};
        if (ret < 0 || (ret = do_execution_finish(r, &f, reterr)) < 0)
                return ret;
        return notify(r, "batchd_run", reterr);
}

int store_claim_finish(struct store *s, int64_t exec_id, int64_t token, int exit_status,
                       const char *error, int64_t now_s, struct batch_err *reterr)
{
        struct claim_exec_args a = {exec_id, token, now_s, exit_status, error};
        return atomically((struct repo *)s, reterr, do_claim_finish, &a);
}

static int do_claim_return(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct claim_exec_args *a = arg;
        int64_t inst;
        int ret = claim_fence(r, a->exec_id, a->token, FENCE_NOT_RUNNING, &inst, reterr);
        if (ret < 0 || (ret = store_execution_withdraw(&r->base, a->exec_id, reterr)) < 0)
                return ret;
        /* Offered again only while still Starting (the planner may have moved on). */
        int64_t rows = 0;
        ret = run(r, q(r, RS_CLAIM_REOFFER, "ii", inst, a->token), "offering the instance again",
                  &rows, reterr);
        return ret < 0 || rows == 0 ? ret : notify(r, "batchd_offer", reterr);
}

int store_claim_return(struct store *s, int64_t exec_id, int64_t token,
                       struct batch_err *reterr)
{
        struct claim_exec_args a = {exec_id, token, 0, 0, NULL};
        return atomically((struct repo *)s, reterr, do_claim_return, &a);
}

static bool read_claimed_run(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_claimed_run *c = item;
        bool lost = false;
        c->instance_id = col_int(r, st, 0);
        c->tenant = col_text(r, st, 1, &lost);
        c->state = (int)col_int(r, st, 2);
        c->node = col_text(r, st, 3, &lost);
        c->token = col_int(r, st, 4);
        c->exec_id = r->drv->column_null(st, 5) ? 0 : col_int(r, st, 5);
        c->started_at = r->drv->column_null(st, 6) ? 0 : col_int(r, st, 6);
        c->running_at = r->drv->column_null(st, 7) ? 0 : col_int(r, st, 7);
        c->finished = !r->drv->column_null(st, 8);
        c->exit_status = r->drv->column_null(st, 9) ? 0 : (int)col_int(r, st, 9);
        c->error = col_text(r, st, 10, &lost);
        c->node_lost = col_int(r, st, 11) != 0;
        return lost;
}

int store_claimed_runs(struct store *s, int64_t now_s, struct store_claimed_run_list *ret,
                       struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_CLAIMED_RUNS, "i", now_s), ret, read_claimed_run,
                        "listing the claimed runs", reterr);
        return e < 0 ? (store_claimed_run_list_release(ret), e) : e;
}

int store_node_claims(struct store *s, const char *node, int64_t now_s,
                      struct store_claimed_run_list *ret, struct batch_err *reterr)
{
        if (!node)
                return batch_err_set(reterr, BATCH_EINVAL, "node", "a node is required");
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, q(r, RS_NODE_CLAIMS, "it", now_s, node), ret, read_claimed_run,
                        "listing the node's runs", reterr);
        return e < 0 ? (store_claimed_run_list_release(ret), e) : e;
}

void store_claimed_run_list_release(struct store_claimed_run_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].tenant);
                free(l->items[i].node);
                free(l->items[i].error);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

/* ---- report ---------------------------------------------------------------------- */

static bool read_report_stats(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_report_stats *p = item;
        bool lost = false;
        p->job = col_text(r, st, 0, &lost);
        int64_t *v[] = {&p->total,    &p->success,     &p->failed, &p->skipped,
                        &p->canceled, &p->has_failure, &p->timed};
        for (int i = 0; i < 7; i++)
                *v[i] = col_int(r, st, 1 + i);
        p->avg_s = r->drv->column_double(st, 8);
        p->max_s = col_int(r, st, 9);
        int64_t *c[] = {&p->read_count, &p->write_count, &p->commit_count, &p->write_skip_count,
                        &p->rollback_count};
        for (int i = 0; i < 5; i++)
                *c[i] = col_int(r, st, 10 + i);
        return lost || !p->job;
}

static bool read_report_middle(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_report_middle *p = item;
        bool lost = false;
        p->job = col_text(r, st, 0, &lost);
        p->dur_s = col_int(r, st, 1);
        return lost || !p->job;
}

static bool read_report_due(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_report_due *p = item;
        bool lost = false;
        p->job = col_text(r, st, 0, &lost);
        p->due = col_int(r, st, 1);
        p->state = (int)col_int(r, st, 2);
        return lost || !p->job;
}

/* Report statement `id` (its form for one job when job is set), bound. */
static struct sql_stmt *report_stmt(struct repo *r, enum rs id, const char *tenant, int64_t from,
                                    int64_t to, const char *job)
{
        return q(r, job ? id + (RS_REPORT_STATS_JOB - RS_REPORT_STATS) : id, "tiit", tenant, from,
                 to, job);
}

static int repo_report_stats(struct store *s, const char *tenant, int64_t from, int64_t to,
                             const char *job, struct store_report_stats_list *ret,
                             struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, report_stmt(r, RS_REPORT_STATS, tenant, from, to, job),
                        ret, read_report_stats, "reading the report", reterr);
        return e < 0 ? (store_report_stats_list_release(ret), e) : e;
}

static int repo_report_middles(struct store *s, const char *tenant, int64_t from, int64_t to,
                               const char *job, struct store_report_middle_list *ret,
                               struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, report_stmt(r, RS_REPORT_MIDDLES, tenant, from, to, job),
                        ret, read_report_middle, "reading the report", reterr);
        return e < 0 ? (store_report_middle_list_release(ret), e) : e;
}

static int repo_report_dues(struct store *s, const char *tenant, int64_t from, int64_t to,
                            const char *job, struct store_report_due_list *ret,
                            struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = COLLECT(r, report_stmt(r, RS_REPORT_DUES, tenant, from, to, job),
                        ret, read_report_due, "reading the report", reterr);
        return e < 0 ? (store_report_due_list_release(ret), e) : e;
}

/* The histogram of a slot with at most two timed runs, which is not stored: one or two
 * durations are known from their sum and maximum. */
static void hist_of_few(struct store_report_slot *p)
{
        memset(p->hist, 0, sizeof(p->hist));
        if (p->timed == 2) {
                p->hist[rollup_bucket(p->dur_max)]++;
                p->hist[rollup_bucket(p->dur_sum - p->dur_max)]++;
        } else if (p->timed == 1) {
                p->hist[rollup_bucket(p->dur_sum)]++;
        }
}

/* The figures of a row of REPORT_ROLLUP_SQL (its columns after the job) into p. */
static void read_slot_row(struct repo *r, struct sql_stmt *st, struct store_report_slot *p)
{
        int64_t *v[] = {&p->slot,     &p->total, &p->success, &p->failed,  &p->skipped,
                        &p->canceled, &p->found, &p->timed,   &p->dur_sum, &p->dur_max};
        for (int i = 0; i < 10; i++)
                *v[i] = col_int(r, st, 1 + i);
        /* One or two durations are known from their sum and maximum: the histogram's 24
         * columns are read only for more (most rows). */
        if (p->timed > 2)
                for (int i = 0; i < STORE_ROLLUP_BUCKETS; i++)
                        p->hist[i] = col_int(r, st, 11 + i);
        else
                hist_of_few(p);
}

static int repo_report_slots(struct store *s, const char *tenant, int64_t from, int64_t to,
                             const char *job, store_report_slot_fn *fn, void *ctx,
                             struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = report_stmt(r, RS_REPORT_ROLLUP, tenant, from, to, job);
        int got = 0, ret = 0;
        while (ret == 0 && (got = r->drv->step(st, "reading the runs figures", reterr)) == 1) {
                bool lost = false;
                struct store_report_slot p = {.job = col_text(r, st, 0, &lost)};
                read_slot_row(r, st, &p);
                ret = lost || !p.job ? batch_err_set(reterr, BATCH_ENOMEM, "db", "out of memory")
                                     : fn(&p, ctx, reterr);
                free(p.job);
        }
        r->drv->reset(st);
        return ret < 0 ? ret : got < 0 ? got : 0;
}

/* Reads one non-negative decimal number at *p, moving past it. False when there is
 * none. */
static bool pack_num(const char **p, int64_t *ret)
{
        const char *c = *p;
        int64_t v = 0;
        if (*c < '0' || *c > '9')
                return false;
        for (; *c >= '0' && *c <= '9'; c++)
                v = v * 10 + (*c - '0');
        *p = c;
        *ret = v;
        return true;
}

/* Parses one slot of a pack (rollup.h, ROLLUP_PACK_ENTRY) at *p into e, moving past it
 * and its ';'. False when the text is not one. */
static bool pack_entry(const char **p, int64_t period, struct store_report_slot *e)
{
        int64_t q;
        if (!pack_num(p, &q) || *(*p)++ != ':')
                return false;
        e->slot = period + q * ROLLUP_SLOT_S;
        int64_t *v[] = {&e->total, &e->success, &e->failed, &e->skipped, &e->canceled,
                        &e->found, &e->timed,   &e->dur_sum, &e->dur_max};
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
                if ((i && *(*p)++ != ',') || !pack_num(p, v[i]))
                        return false;
        if (e->timed > 2) {
                for (int b = 0; b < STORE_ROLLUP_BUCKETS; b++)
                        if (*(*p)++ != ',' || !pack_num(p, &e->hist[b]))
                                return false;
        } else {
                hist_of_few(e);
        }
        if (**p == ';')
                (*p)++;
        else if (**p)
                return false;
        return true;
}

static int cmp_slot(const void *a, const void *b)
{
        const struct store_report_slot *x = a, *y = b;
        return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Calls fn for the rollup rows of `job` in [from, to) from run_slots, by slot. */
static int dense_slots(struct repo *r, const char *tenant, int64_t from, int64_t to,
                       const char *job, store_report_slot_fn *fn, void *ctx,
                       struct batch_err *reterr)
{
        struct sql_stmt *st = report_stmt(r, RS_REPORT_ROLLUP, tenant, from, to, job);
        int got = 0, ret = 0;
        while (ret == 0 && (got = r->drv->step(st, "reading the runs figures", reterr)) == 1) {
                struct store_report_slot p = {.job = (char *)job};
                read_slot_row(r, st, &p);
                ret = fn(&p, ctx, reterr);
        }
        r->drv->reset(st);
        return ret < 0 ? ret : got < 0 ? got : 0;
}

static int repo_report_packs(struct store *s, const char *tenant, int64_t from, int64_t to,
                             const char *job, store_report_slot_fn *fn, void *ctx,
                             struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, job ? RS_REPORT_PACKS_JOB : RS_REPORT_PACKS, "tiit", tenant,
                                from - from % ROLLUP_PACK_S, to, job);
        struct store_report_slot *e = NULL;
        size_t cap = 0;
        int got = 0, ret = 0;
        while (ret == 0 && (got = r->drv->step(st, "reading the runs figures", reterr)) == 1) {
                const char *name = r->drv->column_text(st, 0);
                int64_t period = col_int(r, st, 1);
                const char *p = r->drv->column_text(st, 2);
                size_t n = 0;
                bool sorted = true;
                if (name && p && strcmp(p, "*") == 0) {
                        /* Not packed (ROLLUP_PACK_MAX): the period's slots of the job. */
                        ret = dense_slots(r, tenant, from > period ? from : period,
                                          to < period + ROLLUP_PACK_S ? to : period + ROLLUP_PACK_S,
                                          name, fn, ctx, reterr);
                        continue;
                }
                while (p && *p && ret == 0) {
                        if (n == cap) {
                                size_t c = cap ? cap * 2 : 64;
                                struct store_report_slot *g = realloc(e, c * sizeof(*g));
                                if (!g) {
                                        ret = batch_err_set(reterr, BATCH_ENOMEM, "db",
                                                            "out of memory");
                                        break;
                                }
                                e = g;
                                cap = c;
                        }
                        if (!pack_entry(&p, period, &e[n]))
                                ret = batch_err_set(reterr, BATCH_EIO, "db",
                                                    "db: the runs figures of job %s at %lld are "
                                                    "not readable",
                                                    name ? name : "?", (long long)period);
                        else if (n && e[n].slot < e[n - 1].slot)
                                sorted = false;
                        n++;
                }
                if (ret < 0)
                        break;
                if (!name)
                        ret = batch_err_set(reterr, BATCH_ENOMEM, "db", "out of memory");
                if (!sorted)
                        qsort(e, n, sizeof(*e), cmp_slot);
                for (size_t i = 0; ret == 0 && i < n; i++) {
                        if (e[i].slot < from || e[i].slot >= to)
                                continue;
                        e[i].job = (char *)name;
                        ret = fn(&e[i], ctx, reterr);
                }
        }
        r->drv->reset(st);
        free(e);
        return ret < 0 ? ret : got < 0 ? got : 0;
}

static bool read_report_live(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_report_due *p = item;
        bool lost = false;
        p->job = col_text(r, st, 0, &lost);
        p->due = col_int(r, st, 1);
        p->state = (int)col_int(r, st, 2);
        p->scheduled = col_int(r, st, 3) != 0;
        return lost || !p->job;
}

static int repo_report_live(struct store *s, const char *tenant, int64_t from, int64_t to,
                            const char *job, struct store_report_due_list *ret,
                            struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e =
            collect(r, report_stmt(r, RS_REPORT_LIVE, tenant, from, to, job), sizeof(*ret->items),
                    (void **)&ret->items, &ret->n, read_report_live, "reading the report", reterr);
        if (e < 0)
                store_report_due_list_release(ret);
        return e;
}

static bool read_report_pdate(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_report_pdate *p = item;
        bool lost = false;
        p->job = col_text(r, st, 0, &lost);
        p->process_date = col_text(r, st, 1, &lost);
        p->due = col_int(r, st, 2);
        return lost || !p->job;
}

static int repo_report_process_dates(struct store *s, const char *tenant, int64_t from,
                                     int64_t to, struct store_report_pdate_list *ret,
                                     struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = collect(r, q(r, RS_REPORT_PROCESS_DATES, "tii", tenant, from, to),
                        sizeof(*ret->items), (void **)&ret->items, &ret->n, read_report_pdate,
                        "reading the report", reterr);
        if (e < 0)
                store_report_pdate_list_release(ret);
        return e;
}

/* ---- retention ------------------------------------------------------------------- */

/* The first column of every row of st as a JSON array of ids in *out. */
static int id_array(struct repo *r, struct sql_stmt *st, struct buf *out, int *ret_n,
                    struct batch_err *reterr)
{
        int got, n = 0;
        buf_puts(out, "[");
        while ((got = r->drv->step(st, "retention: choosing", reterr)) == 1)
                buf_printf(out, "%s%lld", n++ ? "," : "", (long long)col_int(r, st, 0));
        r->drv->reset(st);
        buf_puts(out, "]");
        *ret_n = n;
        if (got == 0 && out->err)
                return batch_err_set(reterr, BATCH_ENOMEM, "retention", "out of memory");
        return got;
}

/* Runs a delete of retention unless an earlier one failed (*ret); the rows it deleted. */
static int64_t purged(struct repo *r, struct sql_stmt *st, int *ret, struct batch_err *reterr)
{
        int64_t rows = 0;
        if (*ret == 0)
                *ret = run(r, st, "retention: deleting", &rows, reterr);
        else
                r->drv->reset(st);
        return *ret == 0 ? rows : 0;
}

struct purge_args {
        const char *ids; /* JSON array of the instances to delete */
        int64_t cutoff;
        unsigned limit;
        struct store_purge *ret;
};

static bool read_log(struct repo *r, struct sql_stmt *st, void *item)
{
        bool lost = false;
        *(char **)item = col_text(r, st, 0, &lost);
        return lost || !*(char **)item;
}

static int do_purge(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct purge_args *a = arg;
        struct store_purge *p = a->ret;
        /* What is still eligible now, inside the write transaction. */
        struct buf keep;
        buf_init(&keep, 0);
        int n, ret = id_array(r, q(r, RS_PURGE_KEEP, "ti", a->ids, a->cutoff), &keep, &n, reterr);
        if (ret == 0 && n) {
                /* the log files, removed by the caller once this commits */
                const char *k = keep.data;
                ret = collect(r, q(r, RS_PURGE_LOGS, "t", k), sizeof(char *), (void **)&p->logs,
                              &p->nlogs, read_log, "retention: reading log paths", reterr);
                int64_t *counts[] = {&p->deliveries,  &p->alerts,      &p->dead_letters,
                                     &p->checkpoints, &p->steps,       NULL,
                                     &p->executions,  &p->transitions, &p->requests,
                                     &p->instances};
                for (int i = 0; i <= RS_PURGE_INSTANCES - RS_PURGE_DELIVERIES; i++) {
                        int64_t rows =
                            purged(r, q(r, RS_PURGE_DELIVERIES + i, "t", k), &ret, reterr);
                        if (counts[i])
                                *counts[i] += rows;
                }
        }
        buf_release(&keep);
        /* alerts and dead letters older than the cutoff, whatever their instance */
        int64_t *old[] = {&p->deliveries, &p->alerts, &p->dead_letters};
        for (int i = 0; i < 3; i++)
                *old[i] +=
                    purged(r, q(r, RS_PURGE_OLD_DELIVERIES + i, "in", a->cutoff, (int)a->limit),
                           &ret, reterr);
        return ret;
}

int store_purge_step(struct store *s, int64_t cutoff, unsigned limit, struct store_purge *ret,
                     struct batch_err *reterr)
{
        memset(ret, 0, sizeof(*ret));
        if (limit == 0)
                return batch_err_set(reterr, BATCH_EINVAL, "limit", "the limit must be positive");
        struct repo *r = (struct repo *)s;
        /* Choosing reads, outside the write transaction: the scan never holds the lock. */
        struct buf ids;
        buf_init(&ids, 0);
        int n, e = id_array(r, q(r, RS_PURGE_CANDIDATES, "iii", cutoff, (int64_t)limit, INT64_MAX),
                            &ids, &n, reterr);
        struct purge_args a = {ids.data, cutoff, limit, ret};
        if (e == 0)
                e = atomically(r, reterr, do_purge, &a);
        buf_release(&ids);
        if (e < 0)
                store_purge_release(ret);
        return e;
}

/* ---- the repository: open, migrations, transactions ------------------------------ */

/* The recorded schema version, by a statement of its own (the repository's statements
 * are prepared after the migrations). */
static int read_version(struct repo *r, int *ret, struct batch_err *reterr)
{
        struct sql_stmt *st;
        int got = r->drv->prepare(r->conn,
                                  "SELECT coalesce(max(version), 0) FROM "
                                  "schema_migrations",
                                  &st, reterr);
        if (got < 0)
                return got;
        if ((got = r->drv->step(st, "reading the schema version", reterr)) > 0)
                *ret = (int)r->drv->column_int64(st, 0);
        r->drv->finalize(st);
        if (got <= 0)
                return got < 0 ? got
                               : batch_err_set(reterr, BATCH_EIO, "db",
                                               "db: reading the schema version: no row");
        if (*ret > sql_nmigrations)
                return batch_err_set(reterr, BATCH_ESCHEMA, "db",
                                     "db: the repository has schema version %d, newer than the "
                                     "%d this batchd understands; use a newer batchd",
                                     *ret, sql_nmigrations);
        return 0;
}

/* Each migration in its own transaction, the version read again inside it: another
 * process opening the same new database at the same moment may have applied it. */
static int migrate(struct repo *r, struct batch_err *reterr)
{
        const struct sql_driver *d = r->drv;
        char *create = expand(d->dialect,
                              "CREATE TABLE IF NOT EXISTS schema_migrations "
                              "(version INTEGER PRIMARY KEY){STRICT}",
                              reterr);
        int version = 0, ret = create ? 0 : BATCH_ENOMEM;
        if (ret == 0 && d->migrate_lock)
                ret = d->exec(r->conn, d->migrate_lock, reterr);
        if (ret == 0 && (ret = d->exec(r->conn, create, reterr)) == 0)
                ret = read_version(r, &version, reterr);
        while (ret == 0 && version < sql_nmigrations) {
                if ((ret = d->begin(r->conn, reterr)) < 0)
                        break;
                if ((ret = read_version(r, &version, reterr)) == 0 && version < sql_nmigrations) {
                        char rec[96], *ddl = expand(d->dialect, sql_migrations[version], reterr);
                        snprintf(rec, sizeof(rec),
                                 "INSERT INTO schema_migrations(version) VALUES (%d)", version + 1);
                        if (!ddl)
                                ret = reterr ? reterr->code : BATCH_EIO;
                        else if ((ret = d->exec(r->conn, ddl, reterr)) == 0 &&
                                 (ret = d->exec(r->conn, rec, reterr)) == 0)
                                version++;
                        free(ddl);
                }
                if (ret < 0 || (ret = d->commit(r->conn, reterr)) < 0)
                        d->rollback(r->conn);
        }
        if (d->migrate_unlock && r->conn)
                d->exec(r->conn, d->migrate_unlock, NULL);
        free(create);
        return ret;
}

static void repo_close(struct store *s)
{
        struct repo *r = (struct repo *)s;
        if (!r)
                return;
        repo_finish(r);
        r->drv->close(r->conn);
        free(r);
}

/* Opens a repository of `ops` on driver `drv`. */
static int repo_open(const struct store_ops *ops, const struct sql_driver *drv, const char *dsn,
                     unsigned flags, struct store **ret, struct batch_err *reterr)
{
        struct repo *r = calloc(1, sizeof(*r));
        if (!r)
                return BATCH_ENOMEM;
        r->base.ops = ops;
        r->drv = drv;
        int e = drv->open(dsn, flags, &r->conn, reterr);
        if (e < 0) {
                free(r);
                return e;
        }
        if ((e = migrate(r, reterr)) < 0 || (e = repo_prepare(r, reterr)) < 0) {
                repo_close(&r->base);
                return e;
        }
        *ret = &r->base;
        return 0;
}

int store_begin(struct store *s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return r->drv->begin(r->conn, reterr);
}

int store_commit(struct store *s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return r->drv->commit(r->conn, reterr);
}

void store_rollback(struct store *s)
{
        struct repo *r = (struct repo *)s;
        r->drv->rollback(r->conn);
}

int store_schema_version(struct store *s, int *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int64_t v;
        int e =
            one_int(r, q(r, RS_SCHEMA_VERSION, ""), 0, &v, "reading the schema version", reterr);
        if (e == 0)
                *ret = (int)v;
        return e;
}

int store_savepoint(struct store *s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        if (!r->drv->in_tx(r->conn))
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: a savepoint needs a transaction");
        return run(r, q(r, RS_SAVEPOINT, ""), "savepoint", NULL, reterr);
}

int store_savepoint_release(struct store *s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        if (!r->drv->in_tx(r->conn))
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: a savepoint needs a transaction");
        return run(r, q(r, RS_SAVEPOINT_RELEASE, ""), "releasing the savepoint", NULL, reterr);
}

void store_savepoint_rollback(struct store *s)
{
        struct repo *r = (struct repo *)s;
        if (!r->drv->in_tx(r->conn))
                return;
        /* ROLLBACK TO keeps the savepoint; RELEASE then forgets it. */
        if (run(r, q(r, RS_SAVEPOINT_ROLLBACK, ""), "rolling back to the savepoint", NULL, NULL) ==
            0)
                run(r, q(r, RS_SAVEPOINT_RELEASE, ""), "releasing the savepoint", NULL, NULL);
}

static void *repo_native(struct store *s)
{
        struct repo *r = (struct repo *)s;
        return r->drv->native(r->conn);
}

/* An engine's table of store.h: its name, open and close; its operations are the
 * repository's own store_* functions above, the same for every engine, which callers of
 * store.h call directly. */
#define REPO_OPS(engine, open_fn)                                                                  \
        {                                                                                          \
                .version = 13, .name = engine, .open = open_fn, .close = repo_close,               \
                .begin = store_begin, .commit = store_commit, .rollback = store_rollback,          \
                .schema_version = store_schema_version, .def_put = store_def_put,                  \
                .def_get = store_def_get, .def_list = store_def_list,                              \
                .def_delete = store_def_delete, .def_history = store_def_history,                  \
                .audit_add = store_audit_add, .instance_create = store_instance_create,            \
                .instance_get = store_instance_get, .instance_list = store_instance_list,          \
                .instance_transition = store_instance_transition,                                  \
                .instance_history = store_instance_history,                                        \
                .execution_start = store_execution_start,                                          \
                .execution_finish = store_execution_finish,                                        \
                .execution_withdraw = store_execution_withdraw,                                    \
                .execution_list = store_execution_list, .step_put = store_step_put,                \
                .step_list = store_step_list, .checkpoint_put = store_checkpoint_put,              \
                .checkpoint_get = store_checkpoint_get, .dead_letter_add = store_dead_letter_add,  \
                .dead_letter_list = store_dead_letter_list,                                        \
                .dead_letter_delete = store_dead_letter_delete, .alert_add = store_alert_add,      \
                .alert_list = store_alert_list, .alert_ack = store_alert_ack,                      \
                .token_add = store_token_add, .token_find = store_token_find,                      \
                .token_list = store_token_list, .token_revoke = store_token_revoke,                \
                .node_heartbeat = store_node_heartbeat, .node_list = store_node_list,              \
                .lease_acquire = store_lease_acquire, .lease_release = store_lease_release,        \
                .request_add = store_request_add, .request_pending = store_request_pending,        \
                .request_finish = store_request_finish, .request_get = store_request_get,          \
                .data_version = store_data_version, .savepoint = store_savepoint,                  \
                .savepoint_release = store_savepoint_release,                                      \
                .savepoint_rollback = store_savepoint_rollback, .native = repo_native,             \
                .request_list = store_request_list,                                                \
                .instance_set_reason = store_instance_set_reason,                                  \
                .clock_publish = store_clock_publish, .clock_withdraw = store_clock_withdraw,      \
                .clock_get = store_clock_get, .report_stats = repo_report_stats,                   \
                .report_middles = repo_report_middles, .report_dues = repo_report_dues,            \
                .alert_get = store_alert_get, .alert_find = store_alert_find,                      \
                .delivery_add = store_delivery_add, .delivery_due = store_delivery_due,            \
                .delivery_update = store_delivery_update, .delivery_list = store_delivery_list,    \
                .alert_unescalated = store_alert_unescalated,                                      \
                .remote_run_add = store_remote_run_add, .remote_run_find = store_remote_run_find,  \
                .remote_run_report = store_remote_run_report,                                      \
                .remote_run_reports = store_remote_run_reports,                                    \
                .next_due_put = store_next_due_put, .next_due_get = store_next_due_get,            \
                .changes_after = store_changes_after, .change_last_id = store_change_last_id,      \
                .purge_step = store_purge_step,                                                    \
                .report_slots = repo_report_slots, .report_live = repo_report_live,                \
                .delivery_claim = store_delivery_claim,                                            \
                .report_process_dates = repo_report_process_dates,                                 \
                .report_claim = store_report_claim, .report_packs = repo_report_packs,             \
                .lease_check = store_lease_check, .lease_get = store_lease_get,                    \
                .instance_offer = store_instance_offer,                                            \
                .instance_unoffer = store_instance_unoffer,                                        \
                .offer_outlook = store_offer_outlook, .defs_stamp = store_defs_stamp,              \
                .claim_stop_failed = store_claim_stop_failed,                                      \
                .claim = store_claim,                                                              \
                .claim_start = store_claim_start, .claim_starts = store_claim_starts,              \
                .claim_running = store_claim_running,                                              \
                .claim_finish = store_claim_finish, .claim_return = store_claim_return,            \
                .claimed_runs = store_claimed_runs, .node_claims = store_node_claims,              \
                .notify = store_notify,                                                            \
        }

static int sqlite_open(const char *dsn, unsigned flags, struct store **ret,
                       struct batch_err *reterr)
{
        return repo_open(&store_sqlite_ops, &sqlite_driver, dsn, flags, ret, reterr);
}

static int postgres_open(const char *dsn, unsigned flags, struct store **ret,
                         struct batch_err *reterr)
{
        return repo_open(&store_postgres_ops, &postgres_driver, dsn, flags, ret, reterr);
}

const struct store_ops store_sqlite_ops = REPO_OPS("sqlite", sqlite_open);
const struct store_ops store_postgres_ops = REPO_OPS("postgres", postgres_open);
