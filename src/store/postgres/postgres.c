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

#include "store/store.h"

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
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

enum stmt_id {
        ST_TENANT_ENSURE,
        ST_DEF_LAST_VERSION,
        ST_DEF_UPSERT,
        ST_DEF_VERSION_ADD,
        ST_DEF_GET,
        ST_DEF_LIST,
        ST_DEF_DELETE,
        ST_DEF_HISTORY,
        ST_AUDIT_ADD,
        ST_INSTANCE_INSERT,
        ST_INSTANCE_GET,
        ST_INSTANCE_LIST,
        ST_INSTANCE_UPDATE_STATE,
        ST_INSTANCE_EXISTS,
        ST_TRANSITION_ADD,
        ST_TRANSITION_LIST,
        ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
        [ST_TENANT_ENSURE] = "INSERT INTO tenants(name, created_at) VALUES ($1, $2) "
                             "ON CONFLICT (name) DO NOTHING",
        [ST_DEF_LAST_VERSION] = "SELECT coalesce(max(version), 0) FROM definition_versions "
                                "WHERE tenant = $1 AND kind = $2 AND name = $3",
        [ST_DEF_UPSERT] = "INSERT INTO definitions(tenant, kind, name, version, spec, updated_at, "
                          "updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                          "ON CONFLICT (tenant, kind, name) DO UPDATE SET version = $4, spec = $5, "
                          "updated_at = $6, updated_by = $7",
        [ST_DEF_VERSION_ADD] = "INSERT INTO definition_versions(tenant, kind, name, version, spec, "
                               "changed, changed_at, changed_by) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [ST_DEF_GET] = "SELECT tenant, kind, name, version, spec, NULL, updated_at, updated_by "
                       "FROM definitions WHERE tenant = $1 AND kind = $2 AND name = $3",
        [ST_DEF_LIST] = "SELECT tenant, kind, name, version, spec, NULL, updated_at, updated_by "
                        "FROM definitions WHERE ($1::text IS NULL OR tenant = $1) "
                        "AND ($2::text IS NULL OR kind = $2) ORDER BY tenant, kind, name",
        [ST_DEF_DELETE] = "DELETE FROM definitions WHERE tenant = $1 AND kind = $2 AND name = $3",
        [ST_DEF_HISTORY] = "SELECT tenant, kind, name, version, spec, changed, changed_at, "
                           "changed_by FROM definition_versions "
                           "WHERE tenant = $1 AND kind = $2 AND name = $3 ORDER BY version",
        [ST_AUDIT_ADD] = "INSERT INTO audit_log(at, actor, action, object, detail) "
                         "VALUES ($1, $2, $3, $4, $5)",
        [ST_INSTANCE_INSERT] = "INSERT INTO instances(tenant, job, scheduled, due_time, first_due, "
                               "last_due, state, reason, params, trace_id, created_at, "
                               "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                               "$11) ON CONFLICT (tenant, job, due_time) WHERE scheduled "
                               "DO NOTHING RETURNING id",
        [ST_INSTANCE_GET] = "SELECT id, tenant, job, scheduled::int, due_time, first_due, "
                            "last_due, state, reason, params, trace_id, created_at, updated_at "
                            "FROM instances WHERE id = $1",
        [ST_INSTANCE_LIST] = "SELECT id, tenant, job, scheduled::int, due_time, first_due, "
                             "last_due, state, reason, params, trace_id, created_at, updated_at "
                             "FROM instances WHERE tenant = $1 AND ($2::text IS NULL OR job = $2) "
                             "AND ($3::int < 0 OR state = $3) "
                             "AND ($4::bigint IS NULL OR due_time >= $4) "
                             "AND ($5::bigint IS NULL OR due_time < $5) AND id > $6 "
                             "ORDER BY id LIMIT $7",
        [ST_INSTANCE_UPDATE_STATE] = "UPDATE instances SET state = $3, reason = $4, "
                                     "updated_at = $5 WHERE id = $1 AND state = $2",
        [ST_INSTANCE_EXISTS] = "SELECT state FROM instances WHERE id = $1",
        [ST_TRANSITION_ADD] = "INSERT INTO instance_transitions(instance_id, at, from_state, "
                              "to_state, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)",
        [ST_TRANSITION_LIST] = "SELECT at, from_state, to_state, actor, reason "
                               "FROM instance_transitions WHERE instance_id = $1 ORDER BY id",
};

struct pg_store {
        struct store base;
        PGconn *conn;
        bool in_tx;
};

static int pg_error(struct pg_store *s, struct batch_err *reterr, const char *what)
{
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(s->conn));
        msg[strcspn(msg, "\n")] = '\0';
        return batch_err_set(reterr, BATCH_EIO, "db", "db: %s: %s", what, msg);
}

static int exec_sql(struct pg_store *s, const char *sql, struct batch_err *reterr)
{
        PGresult *res = PQexec(s->conn, sql);
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
        PGresult *res = PQexecPrepared(s->conn, name, n, params, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
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
        if (s->in_tx)
                PQclear(PQexec(s->conn, "ROLLBACK"));
        PQfinish(s->conn);
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
        PGresult *res = PQexec(s->conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
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
                        PQclear(PQexec(s->conn, "ROLLBACK"));
                        goto out;
                }
        }
        r = 0;
out:
        PQclear(PQexec(s->conn, "SELECT pg_advisory_unlock(7311)"));
        return r;
}

static int pg_open(const char *dsn, struct store **ret, struct batch_err *reterr)
{
        struct pg_store *s = calloc(1, sizeof(*s));
        if (!s)
                return BATCH_ENOMEM;
        s->base.ops = &store_postgres_ops;
        s->conn = PQconnectdb(dsn);
        int r;
        if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
                r = s->conn ? pg_error(s, reterr, "cannot connect")
                            : batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
                goto fail;
        }
        if ((r = exec_sql(s, "SET client_min_messages = warning", reterr)) < 0 ||
            (r = migrate(s, reterr)) < 0)
                goto fail;
        for (int i = 0; i < ST_COUNT; i++) {
                char name[16];
                snprintf(name, sizeof(name), "s%d", i);
                PGresult *res = PQprepare(s->conn, name, stmt_sql[i], 0, NULL);
                bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
                PQclear(res);
                if (!ok) {
                        r = pg_error(s, reterr, "preparing statements");
                        goto fail;
                }
        }
        *ret = &s->base;
        return 0;
fail:
        pg_close(&s->base);
        return r;
}

static int pg_begin(struct store *base, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        int r = exec_sql(s, "BEGIN", reterr);
        if (r == 0)
                s->in_tx = true;
        return r;
}

static int pg_commit(struct store *base, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        int r = exec_sql(s, "COMMIT", reterr);
        s->in_tx = false;
        return r;
}

static void pg_rollback(struct store *base)
{
        struct pg_store *s = (struct pg_store *)base;
        if (s->in_tx)
                PQclear(PQexec(s->conn, "ROLLBACK"));
        s->in_tx = false;
}

static int atomically(struct pg_store *s, struct batch_err *reterr,
                      int (*fn)(struct pg_store *s, void *arg, struct batch_err *reterr), void *arg)
{
        if (s->in_tx)
                return fn(s, arg, reterr);
        int r = pg_begin(&s->base, reterr);
        if (r < 0)
                return r;
        if ((r = fn(s, arg, reterr)) < 0) {
                pg_rollback(&s->base);
                return r;
        }
        return pg_commit(&s->base, reterr);
}

static int pg_schema_version(struct store *base, int *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        PGresult *res = PQexec(s->conn, "SELECT max(version) FROM schema_migrations");
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

/* ---- definitions ------------------------------------------------------------ */

struct put_args {
        const struct store_def *d;
        int64_t now;
        const char *spec;
};

static int64_t last_version(struct pg_store *s, const struct store_def *d,
                            struct batch_err *reterr)
{
        const char *p[] = {d->tenant, d->kind, d->name};
        PGresult *res = run(s, ST_DEF_LAST_VERSION, 3, p, reterr, "reading the version");
        if (!res)
                return -1;
        int64_t v = num(res, 0, 0);
        PQclear(res);
        return v;
}

static int add_version(struct pg_store *s, const struct put_args *a, int64_t version,
                       struct batch_err *reterr)
{
        char v[24], at[24];
        const char *p[] = {a->d->tenant, a->d->kind, a->d->name, I64(v, version), a->spec,
                           a->d->changed, I64(at, a->now),
                           a->d->changed_by ? a->d->changed_by : "unknown"};
        return run_cmd(s, ST_DEF_VERSION_ADD, 8, p, reterr, "recording the version", NULL);
}

static int ensure_tenant(struct pg_store *s, const char *tenant, int64_t now,
                         struct batch_err *reterr)
{
        char at[24];
        const char *p[] = {tenant, I64(at, now)};
        return run_cmd(s, ST_TENANT_ENSURE, 2, p, reterr, "creating the tenant", NULL);
}

static int do_put(struct pg_store *s, void *arg, struct batch_err *reterr)
{
        struct put_args *a = arg;
        int r = ensure_tenant(s, a->d->tenant, a->now, reterr);
        if (r < 0)
                return r;
        int64_t version = last_version(s, a->d, reterr);
        if (version < 0)
                return BATCH_EIO;
        version++;
        char v[24], at[24];
        const char *p[] = {a->d->tenant, a->d->kind, a->d->name, I64(v, version), a->spec,
                           I64(at, a->now), a->d->changed_by ? a->d->changed_by : "unknown"};
        if ((r = run_cmd(s, ST_DEF_UPSERT, 7, p, reterr, "storing the definition", NULL)) < 0)
                return r;
        return add_version(s, a, version, reterr);
}

static int pg_def_put(struct store *base, const struct store_def *d, int64_t now_s,
                      struct batch_err *reterr)
{
        if (!d->tenant || !d->kind || !d->name || !d->spec)
                return batch_err_set(reterr, BATCH_EINVAL, "definition",
                                     "definition: tenant, kind, name and spec are required");
        struct put_args a = {d, now_s, d->spec};
        return atomically((struct pg_store *)base, reterr, do_put, &a);
}

static int read_def(PGresult *res, int row, struct store_def *d)
{
        memset(d, 0, sizeof(*d));
        d->tenant = val(res, row, 0);
        d->kind = val(res, row, 1);
        d->name = val(res, row, 2);
        d->version = num(res, row, 3);
        d->spec = val(res, row, 4);
        d->changed = val(res, row, 5);
        d->changed_at = num(res, row, 6);
        d->changed_by = val(res, row, 7);
        if (!d->tenant || !d->kind || !d->name || !d->changed_by) {
                store_def_release(d);
                return BATCH_ENOMEM;
        }
        return 0;
}

static int read_defs(PGresult *res, struct store_def_list *ret)
{
        int n = PQntuples(res);
        struct store_def_list l = {0, calloc(n ? (size_t)n : 1, sizeof(struct store_def))};
        if (!l.items)
                return BATCH_ENOMEM;
        for (int i = 0; i < n; i++) {
                if (read_def(res, i, &l.items[i]) < 0) {
                        store_def_list_release(&l);
                        return BATCH_ENOMEM;
                }
                l.n++;
        }
        *ret = l;
        return 0;
}

static int pg_def_get(struct store *base, const char *tenant, const char *kind, const char *name,
                      struct store_def *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        const char *p[] = {tenant, kind, name};
        PGresult *res = run(s, ST_DEF_GET, 3, p, reterr, "reading the definition");
        if (!res)
                return BATCH_EIO;
        int r = PQntuples(res) ? read_def(res, 0, ret)
                               : batch_err_set(reterr, BATCH_ENOENT, "name",
                                               "no %s named \"%s\" in tenant %s", kind, name,
                                               tenant);
        PQclear(res);
        return r;
}

static int pg_def_list(struct store *base, const char *tenant, const char *kind,
                       struct store_def_list *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        const char *p[] = {tenant, kind};
        PGresult *res = run(s, ST_DEF_LIST, 2, p, reterr, "listing definitions");
        if (!res)
                return BATCH_EIO;
        int r = read_defs(res, ret);
        PQclear(res);
        return r;
}

static int do_delete(struct pg_store *s, void *arg, struct batch_err *reterr)
{
        struct put_args *a = arg;
        const char *p[] = {a->d->tenant, a->d->kind, a->d->name};
        long rows = 0;
        int r = run_cmd(s, ST_DEF_DELETE, 3, p, reterr, "deleting the definition", &rows);
        if (r < 0)
                return r;
        if (rows == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "name", "no %s named \"%s\" in tenant %s",
                                     a->d->kind, a->d->name, a->d->tenant);
        int64_t version = last_version(s, a->d, reterr);
        if (version < 0)
                return BATCH_EIO;
        return add_version(s, a, version + 1, reterr);
}

static int pg_def_delete(struct store *base, const char *tenant, const char *kind,
                         const char *name, const char *actor, int64_t now_s,
                         struct batch_err *reterr)
{
        struct store_def d = {.tenant = (char *)tenant,
                              .kind = (char *)kind,
                              .name = (char *)name,
                              .changed = (char *)"deleted",
                              .changed_by = (char *)actor};
        struct put_args a = {&d, now_s, NULL};
        return atomically((struct pg_store *)base, reterr, do_delete, &a);
}

static int pg_def_history(struct store *base, const char *tenant, const char *kind,
                          const char *name, struct store_def_list *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        const char *p[] = {tenant, kind, name};
        PGresult *res = run(s, ST_DEF_HISTORY, 3, p, reterr, "reading the history");
        if (!res)
                return BATCH_EIO;
        int r = read_defs(res, ret);
        PQclear(res);
        return r;
}

static int pg_audit_add(struct store *base, int64_t now_s, const char *actor, const char *action,
                        const char *object, const char *detail, struct batch_err *reterr)
{
        char at[24];
        const char *p[] = {I64(at, now_s), actor, action, object, detail};
        return run_cmd((struct pg_store *)base, ST_AUDIT_ADD, 5, p, reterr,
                       "writing the audit log", NULL);
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

static int read_instance(PGresult *res, int row, struct store_instance *in)
{
        memset(in, 0, sizeof(*in));
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
        if (!in->tenant || !in->job || !in->trace_id) {
                store_instance_release(in);
                return BATCH_ENOMEM;
        }
        return 0;
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
        int r = PQntuples(res) ? read_instance(res, 0, ret)
                               : batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld",
                                               (long long)id);
        PQclear(res);
        return r;
}

static int pg_instance_list(struct store *base, const struct store_instance_filter *f,
                            struct store_instance_list *ret, struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char state[24], from[24], to[24], after[24], limit[24];
        unsigned lim = f->limit ? f->limit : 100;
        const char *p[] = {f->tenant,
                           f->job,
                           I64(state, f->state),
                           f->has_due_range ? I64(from, f->due_from) : NULL,
                           f->has_due_range ? I64(to, f->due_to) : NULL,
                           I64(after, f->after_id),
                           I64(limit, lim > 10000 ? 10000 : lim)};
        PGresult *res = run(s, ST_INSTANCE_LIST, 7, p, reterr, "listing instances");
        if (!res)
                return BATCH_EIO;
        int n = PQntuples(res), r = 0;
        struct store_instance_list l = {0, calloc(n ? (size_t)n : 1, sizeof(struct store_instance))};
        if (!l.items)
                r = BATCH_ENOMEM;
        for (int i = 0; r == 0 && i < n; i++) {
                if ((r = read_instance(res, i, &l.items[i])) == 0)
                        l.n++;
        }
        PQclear(res);
        if (r < 0) {
                store_instance_list_release(&l);
                return r;
        }
        *ret = l;
        return 0;
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
        if (rows == 0) {
                PGresult *res = run(s, ST_INSTANCE_EXISTS, 1, p, reterr, "reading the state");
                if (!res)
                        return BATCH_EIO;
                int found = PQntuples(res);
                int cur = found ? (int)num(res, 0, 0) : -1;
                PQclear(res);
                if (!found)
                        return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld",
                                             (long long)a->id);
                return batch_err_set(reterr, BATCH_ESTALE, "state",
                                     "instance %lld is in state %d, not %d: nothing changed",
                                     (long long)a->id, cur, a->from);
        }
        return add_transition(s, a, reterr);
}

static int pg_instance_transition(struct store *base, int64_t id, int from, int to,
                                  const char *actor, const char *reason, int64_t now_s,
                                  struct batch_err *reterr)
{
        struct transition_args a = {id, from, to, actor, reason, now_s};
        return atomically((struct pg_store *)base, reterr, do_transition, &a);
}

static int pg_instance_history(struct store *base, int64_t id, struct store_transition_list *ret,
                               struct batch_err *reterr)
{
        struct pg_store *s = (struct pg_store *)base;
        char ids[24];
        const char *p[] = {I64(ids, id)};
        PGresult *res = run(s, ST_TRANSITION_LIST, 1, p, reterr, "reading the history");
        if (!res)
                return BATCH_EIO;
        int n = PQntuples(res), r = 0;
        struct store_transition_list l = {0, calloc(n ? (size_t)n : 1,
                                                    sizeof(struct store_transition))};
        if (!l.items)
                r = BATCH_ENOMEM;
        for (int i = 0; r == 0 && i < n; i++) {
                struct store_transition *t = &l.items[i];
                t->at = num(res, i, 0);
                t->from_state = PQgetisnull(res, i, 1) ? -1 : (int)num(res, i, 1);
                t->to_state = (int)num(res, i, 2);
                t->actor = val(res, i, 3);
                t->reason = val(res, i, 4);
                l.n++;
                if (!t->actor)
                        r = BATCH_ENOMEM;
        }
        PQclear(res);
        if (r < 0) {
                store_transition_list_release(&l);
                return r;
        }
        *ret = l;
        return 0;
}

const struct store_ops store_postgres_ops = {
        .version = 1,
        .name = "postgres",
        .open = pg_open,
        .close = pg_close,
        .begin = pg_begin,
        .commit = pg_commit,
        .rollback = pg_rollback,
        .schema_version = pg_schema_version,
        .def_put = pg_def_put,
        .def_get = pg_def_get,
        .def_list = pg_def_list,
        .def_delete = pg_def_delete,
        .def_history = pg_def_history,
        .audit_add = pg_audit_add,
        .instance_create = pg_instance_create,
        .instance_get = pg_instance_get,
        .instance_list = pg_instance_list,
        .instance_transition = pg_instance_transition,
        .instance_history = pg_instance_history,
};
