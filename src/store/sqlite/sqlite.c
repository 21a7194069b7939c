/* sqlite.c: the embedded SQLite backend of the job repository.
 *
 * One file in WAL mode with synchronous=FULL (durable by default; DESIGN §11.3),
 * foreign keys on, a busy timeout, a quick integrity check at open, numbered
 * migrations applied in one transaction each and recorded in schema_migrations,
 * and prepared statements prepared once and reused. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

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
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

enum stmt_id {
        ST_BEGIN,
        ST_COMMIT,
        ST_ROLLBACK,
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
        [ST_BEGIN] = "BEGIN IMMEDIATE",
        [ST_COMMIT] = "COMMIT",
        [ST_ROLLBACK] = "ROLLBACK",
        [ST_TENANT_ENSURE] = "INSERT INTO tenants(name, created_at) VALUES (?1, ?2) "
                             "ON CONFLICT(name) DO NOTHING",
        [ST_DEF_LAST_VERSION] = "SELECT coalesce(max(version), 0) FROM definition_versions "
                                "WHERE tenant = ?1 AND kind = ?2 AND name = ?3",
        [ST_DEF_UPSERT] = "INSERT INTO definitions(tenant, kind, name, version, spec, updated_at, "
                          "updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                          "ON CONFLICT(tenant, kind, name) DO UPDATE SET version = ?4, spec = ?5, "
                          "updated_at = ?6, updated_by = ?7",
        [ST_DEF_VERSION_ADD] = "INSERT INTO definition_versions(tenant, kind, name, version, spec, "
                               "changed, changed_at, changed_by) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        [ST_DEF_GET] = "SELECT tenant, kind, name, version, spec, NULL, updated_at, updated_by "
                       "FROM definitions WHERE tenant = ?1 AND kind = ?2 AND name = ?3",
        [ST_DEF_LIST] = "SELECT tenant, kind, name, version, spec, NULL, updated_at, updated_by "
                        "FROM definitions WHERE (?1 IS NULL OR tenant = ?1) "
                        "AND (?2 IS NULL OR kind = ?2) ORDER BY tenant, kind, name",
        [ST_DEF_DELETE] = "DELETE FROM definitions WHERE tenant = ?1 AND kind = ?2 AND name = ?3",
        [ST_DEF_HISTORY] = "SELECT tenant, kind, name, version, spec, changed, changed_at, "
                           "changed_by FROM definition_versions "
                           "WHERE tenant = ?1 AND kind = ?2 AND name = ?3 ORDER BY version",
        [ST_AUDIT_ADD] = "INSERT INTO audit_log(at, actor, action, object, detail) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)",
        [ST_INSTANCE_INSERT] = "INSERT INTO instances(tenant, job, scheduled, due_time, first_due, "
                               "last_due, state, reason, params, trace_id, created_at, "
                               "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                               "?11)",
        [ST_INSTANCE_GET] = "SELECT id, tenant, job, scheduled, due_time, first_due, last_due, "
                            "state, reason, params, trace_id, created_at, updated_at "
                            "FROM instances WHERE id = ?1",
        [ST_INSTANCE_LIST] = "SELECT id, tenant, job, scheduled, due_time, first_due, last_due, "
                             "state, reason, params, trace_id, created_at, updated_at "
                             "FROM instances WHERE tenant = ?1 AND (?2 IS NULL OR job = ?2) "
                             "AND (?3 < 0 OR state = ?3) AND (?4 IS NULL OR due_time >= ?4) "
                             "AND (?5 IS NULL OR due_time < ?5) AND id > ?6 "
                             "ORDER BY id LIMIT ?7",
        [ST_INSTANCE_UPDATE_STATE] = "UPDATE instances SET state = ?3, reason = ?4, "
                                     "updated_at = ?5 WHERE id = ?1 AND state = ?2",
        [ST_INSTANCE_EXISTS] = "SELECT state FROM instances WHERE id = ?1",
        [ST_TRANSITION_ADD] = "INSERT INTO instance_transitions(instance_id, at, from_state, "
                              "to_state, actor, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [ST_TRANSITION_LIST] = "SELECT at, from_state, to_state, actor, reason "
                               "FROM instance_transitions WHERE instance_id = ?1 ORDER BY id",
};

struct sqlite_store {
        struct store base;
        sqlite3 *db;
        sqlite3_stmt *stmt[ST_COUNT];
        bool in_tx;
};

static int db_error(struct sqlite_store *s, struct batch_err *reterr, const char *what)
{
        return batch_err_set(reterr, BATCH_EIO, "db", "db: %s: %s", what, sqlite3_errmsg(s->db));
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
        if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int r = batch_err_set(reterr, BATCH_EIO, "db", "db: %s", msg ? msg : "error");
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

static int run(struct sqlite_store *s, sqlite3_stmt *st, struct batch_err *reterr,
               const char *what)
{
        int rc = sqlite3_step(st);
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
        if (s->in_tx)
                sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        for (int i = 0; i < ST_COUNT; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->db);
        free(s);
}

static int migrate(struct sqlite_store *s, struct batch_err *reterr)
{
        int r = exec(s,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY) "
                     "STRICT",
                     reterr);
        if (r < 0)
                return r;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1,
                               &st, NULL) != SQLITE_OK)
                return db_error(s, reterr, "reading the schema version");
        int version = 0;
        if (sqlite3_step(st) == SQLITE_ROW)
                version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (version > (int)NMIGRATIONS)
                return batch_err_set(reterr, BATCH_ESCHEMA, "db",
                                     "db: the repository has schema version %d, newer than the "
                                     "%d this batchd understands; use a newer batchd",
                                     version, (int)NMIGRATIONS);
        for (int v = version; v < (int)NMIGRATIONS; v++) {
                char rec[96];
                snprintf(rec, sizeof(rec), "INSERT INTO schema_migrations(version) VALUES (%d)",
                         v + 1);
                if ((r = exec(s, "BEGIN IMMEDIATE", reterr)) < 0)
                        return r;
                if ((r = exec(s, migrations[v], reterr)) < 0 || (r = exec(s, rec, reterr)) < 0 ||
                    (r = exec(s, "COMMIT", reterr)) < 0) {
                        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
                        return r;
                }
        }
        return 0;
}

static int sqlite_open(const char *path, struct store **ret, struct batch_err *reterr)
{
        struct sqlite_store *s = calloc(1, sizeof(*s));
        if (!s)
                return BATCH_ENOMEM;
        s->base.ops = &store_sqlite_ops;
        int r;
        if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK) {
                r = batch_err_set(reterr, BATCH_EIO, "db", "db: cannot open %s: %s", path,
                                  s->db ? sqlite3_errmsg(s->db) : "out of memory");
                goto fail;
        }
        sqlite3_busy_timeout(s->db, 5000);
        if ((r = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                         "PRAGMA foreign_keys=ON;",
                      reterr)) < 0)
                goto fail;
        sqlite3_stmt *qc;
        if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &qc, NULL) != SQLITE_OK) {
                r = db_error(s, reterr, "integrity check");
                goto fail;
        }
        const char *verdict = sqlite3_step(qc) == SQLITE_ROW
                                      ? (const char *)sqlite3_column_text(qc, 0)
                                      : NULL;
        if (!verdict || strcmp(verdict, "ok")) {
                r = batch_err_set(reterr, BATCH_EIO, "db", "db: %s failed the integrity check: %s",
                                  path, verdict ? verdict : sqlite3_errmsg(s->db));
                sqlite3_finalize(qc);
                goto fail;
        }
        sqlite3_finalize(qc);
        if ((r = migrate(s, reterr)) < 0)
                goto fail;
        for (int i = 0; i < ST_COUNT; i++) {
                if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                       &s->stmt[i], NULL) != SQLITE_OK) {
                        r = db_error(s, reterr, "preparing statements");
                        goto fail;
                }
        }
        *ret = &s->base;
        return 0;
fail:
        sqlite_close(&s->base);
        return r;
}

static int sqlite_begin(struct store *base, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        int r = run(s, stmt(s, ST_BEGIN), reterr, "begin");
        if (r == 0)
                s->in_tx = true;
        return r;
}

static int sqlite_commit(struct store *base, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        int r = run(s, stmt(s, ST_COMMIT), reterr, "commit");
        if (r == 0)
                s->in_tx = false;
        return r;
}

static void sqlite_rollback(struct store *base)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        if (s->in_tx)
                run(s, stmt(s, ST_ROLLBACK), NULL, "rollback");
        s->in_tx = false;
}

/* Runs fn inside the caller's transaction, or in one of its own. */
static int atomically(struct sqlite_store *s, struct batch_err *reterr,
                      int (*fn)(struct sqlite_store *s, void *arg, struct batch_err *reterr),
                      void *arg)
{
        if (s->in_tx)
                return fn(s, arg, reterr);
        int r = sqlite_begin(&s->base, reterr);
        if (r < 0)
                return r;
        if ((r = fn(s, arg, reterr)) < 0) {
                sqlite_rollback(&s->base);
                return r;
        }
        return sqlite_commit(&s->base, reterr);
}

static int sqlite_schema_version(struct store *base, int *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_migrations", -1, &st,
                               NULL) != SQLITE_OK)
                return db_error(s, reterr, "reading the schema version");
        int r = sqlite3_step(st) == SQLITE_ROW ? 0 : db_error(s, reterr, "schema version");
        if (r == 0)
                *ret = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return r;
}

struct put_args {
        const struct store_def *d;
        int64_t now;
        const char *spec; /* NULL: a deletion */
};

static int64_t last_version(struct sqlite_store *s, const struct store_def *d)
{
        sqlite3_stmt *st = stmt(s, ST_DEF_LAST_VERSION);
        bind_text(st, 1, d->tenant);
        bind_text(st, 2, d->kind);
        bind_text(st, 3, d->name);
        int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_reset(st);
        return v;
}

static int add_version(struct sqlite_store *s, const struct put_args *a, int64_t version,
                       struct batch_err *reterr)
{
        sqlite3_stmt *st = stmt(s, ST_DEF_VERSION_ADD);
        bind_text(st, 1, a->d->tenant);
        bind_text(st, 2, a->d->kind);
        bind_text(st, 3, a->d->name);
        sqlite3_bind_int64(st, 4, version);
        bind_text(st, 5, a->spec);
        bind_text(st, 6, a->d->changed);
        sqlite3_bind_int64(st, 7, a->now);
        bind_text(st, 8, a->d->changed_by ? a->d->changed_by : "unknown");
        return run(s, st, reterr, "recording the version");
}

static int do_put(struct sqlite_store *s, void *arg, struct batch_err *reterr)
{
        struct put_args *a = arg;
        sqlite3_stmt *st = stmt(s, ST_TENANT_ENSURE);
        bind_text(st, 1, a->d->tenant);
        sqlite3_bind_int64(st, 2, a->now);
        int r = run(s, st, reterr, "creating the tenant");
        if (r < 0)
                return r;
        int64_t version = last_version(s, a->d);
        if (version < 0)
                return db_error(s, reterr, "reading the version");
        version++;
        st = stmt(s, ST_DEF_UPSERT);
        bind_text(st, 1, a->d->tenant);
        bind_text(st, 2, a->d->kind);
        bind_text(st, 3, a->d->name);
        sqlite3_bind_int64(st, 4, version);
        bind_text(st, 5, a->spec);
        sqlite3_bind_int64(st, 6, a->now);
        bind_text(st, 7, a->d->changed_by ? a->d->changed_by : "unknown");
        if ((r = run(s, st, reterr, "storing the definition")) < 0)
                return r;
        return add_version(s, a, version, reterr);
}

static int sqlite_def_put(struct store *base, const struct store_def *d, int64_t now_s,
                          struct batch_err *reterr)
{
        if (!d->tenant || !d->kind || !d->name || !d->spec)
                return batch_err_set(reterr, BATCH_EINVAL, "definition",
                                     "definition: tenant, kind, name and spec are required");
        struct put_args a = {d, now_s, d->spec};
        return atomically((struct sqlite_store *)base, reterr, do_put, &a);
}

static char *col_text(sqlite3_stmt *st, int i)
{
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *)t) : NULL;
}

static int read_def(sqlite3_stmt *st, struct store_def *d)
{
        memset(d, 0, sizeof(*d));
        d->tenant = col_text(st, 0);
        d->kind = col_text(st, 1);
        d->name = col_text(st, 2);
        d->version = sqlite3_column_int64(st, 3);
        d->spec = col_text(st, 4);
        d->changed = col_text(st, 5);
        d->changed_at = sqlite3_column_int64(st, 6);
        d->changed_by = col_text(st, 7);
        if (!d->tenant || !d->kind || !d->name || !d->changed_by) {
                store_def_release(d);
                return BATCH_ENOMEM;
        }
        return 0;
}

static int sqlite_def_get(struct store *base, const char *tenant, const char *kind,
                          const char *name, struct store_def *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_DEF_GET);
        bind_text(st, 1, tenant);
        bind_text(st, 2, kind);
        bind_text(st, 3, name);
        int rc = sqlite3_step(st), r;
        if (rc == SQLITE_ROW)
                r = read_def(st, ret);
        else if (rc == SQLITE_DONE)
                r = batch_err_set(reterr, BATCH_ENOENT, "name", "no %s named \"%s\" in tenant %s",
                                  kind, name, tenant);
        else
                r = db_error(s, reterr, "reading the definition");
        sqlite3_reset(st);
        return r;
}

static int read_list(struct sqlite_store *s, sqlite3_stmt *st, struct store_def_list *ret,
                     struct batch_err *reterr)
{
        struct store_def_list l = {0, NULL};
        size_t cap = 0;
        int rc, r = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (l.n == cap) {
                        cap = cap ? cap * 2 : 16;
                        struct store_def *items = realloc(l.items, cap * sizeof(*items));
                        if (!items) {
                                r = BATCH_ENOMEM;
                                break;
                        }
                        l.items = items;
                }
                if ((r = read_def(st, &l.items[l.n])) < 0)
                        break;
                l.n++;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = db_error(s, reterr, "listing definitions");
        sqlite3_reset(st);
        if (r < 0) {
                store_def_list_release(&l);
                return r;
        }
        *ret = l;
        return 0;
}

static int sqlite_def_list(struct store *base, const char *tenant, const char *kind,
                           struct store_def_list *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_DEF_LIST);
        bind_text(st, 1, tenant);
        bind_text(st, 2, kind);
        return read_list(s, st, ret, reterr);
}

static int do_delete(struct sqlite_store *s, void *arg, struct batch_err *reterr)
{
        struct put_args *a = arg;
        sqlite3_stmt *st = stmt(s, ST_DEF_DELETE);
        bind_text(st, 1, a->d->tenant);
        bind_text(st, 2, a->d->kind);
        bind_text(st, 3, a->d->name);
        int r = run(s, st, reterr, "deleting the definition");
        if (r < 0)
                return r;
        if (sqlite3_changes(s->db) == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "name", "no %s named \"%s\" in tenant %s",
                                     a->d->kind, a->d->name, a->d->tenant);
        int64_t version = last_version(s, a->d);
        if (version < 0)
                return db_error(s, reterr, "reading the version");
        return add_version(s, a, version + 1, reterr);
}

static int sqlite_def_delete(struct store *base, const char *tenant, const char *kind,
                             const char *name, const char *actor, int64_t now_s,
                             struct batch_err *reterr)
{
        struct store_def d = {.tenant = (char *)tenant,
                              .kind = (char *)kind,
                              .name = (char *)name,
                              .changed = (char *)"deleted",
                              .changed_by = (char *)actor};
        struct put_args a = {&d, now_s, NULL};
        return atomically((struct sqlite_store *)base, reterr, do_delete, &a);
}

static int sqlite_def_history(struct store *base, const char *tenant, const char *kind,
                              const char *name, struct store_def_list *ret,
                              struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_DEF_HISTORY);
        bind_text(st, 1, tenant);
        bind_text(st, 2, kind);
        bind_text(st, 3, name);
        return read_list(s, st, ret, reterr);
}

static int sqlite_audit_add(struct store *base, int64_t now_s, const char *actor,
                            const char *action, const char *object, const char *detail,
                            struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_AUDIT_ADD);
        sqlite3_bind_int64(st, 1, now_s);
        bind_text(st, 2, actor);
        bind_text(st, 3, action);
        bind_text(st, 4, object);
        bind_text(st, 5, detail);
        return run(s, st, reterr, "writing the audit log");
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
        sqlite3_stmt *st = stmt(s, ST_TENANT_ENSURE);
        bind_text(st, 1, in->tenant);
        sqlite3_bind_int64(st, 2, a->now);
        int r = run(s, st, reterr, "creating the tenant");
        if (r < 0)
                return r;
        st = stmt(s, ST_INSTANCE_INSERT);
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
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_CONSTRAINT && sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
                return batch_err_set(reterr, BATCH_EEXIST, "due",
                                     "job %s of tenant %s already has an instance due at %lld",
                                     in->job, in->tenant, (long long)in->due);
        if (rc != SQLITE_DONE)
                return db_error(s, reterr, "creating the instance");
        a->id = sqlite3_last_insert_rowid(s->db);
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
        int rc = sqlite3_step(st), r;
        if (rc == SQLITE_ROW)
                r = read_instance(st, ret);
        else if (rc == SQLITE_DONE)
                r = batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld", (long long)id);
        else
                r = db_error(s, reterr, "reading the instance");
        sqlite3_reset(st);
        return r;
}

static int sqlite_instance_list(struct store *base, const struct store_instance_filter *f,
                                struct store_instance_list *ret, struct batch_err *reterr)
{
        struct sqlite_store *s = (struct sqlite_store *)base;
        sqlite3_stmt *st = stmt(s, ST_INSTANCE_LIST);
        bind_text(st, 1, f->tenant);
        bind_text(st, 2, f->job);
        sqlite3_bind_int(st, 3, f->state);
        if (f->has_due_range) {
                sqlite3_bind_int64(st, 4, f->due_from);
                sqlite3_bind_int64(st, 5, f->due_to);
        }
        sqlite3_bind_int64(st, 6, f->after_id);
        unsigned limit = f->limit ? f->limit : 100;
        sqlite3_bind_int(st, 7, (int)(limit > 10000 ? 10000 : limit));
        struct store_instance_list l = {0, NULL};
        size_t cap = 0;
        int rc, r = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (l.n == cap) {
                        cap = cap ? cap * 2 : 16;
                        struct store_instance *items = realloc(l.items, cap * sizeof(*items));
                        if (!items) {
                                r = BATCH_ENOMEM;
                                break;
                        }
                        l.items = items;
                }
                if ((r = read_instance(st, &l.items[l.n])) < 0)
                        break;
                l.n++;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = db_error(s, reterr, "listing instances");
        sqlite3_reset(st);
        if (r < 0) {
                store_instance_list_release(&l);
                return r;
        }
        *ret = l;
        return 0;
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
        if (sqlite3_changes(s->db) == 0) {
                st = stmt(s, ST_INSTANCE_EXISTS);
                sqlite3_bind_int64(st, 1, a->id);
                int rc = sqlite3_step(st);
                int cur = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
                sqlite3_reset(st);
                if (rc != SQLITE_ROW)
                        return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld",
                                             (long long)a->id);
                return batch_err_set(reterr, BATCH_ESTALE, "state",
                                     "instance %lld is in state %d, not %d: nothing changed",
                                     (long long)a->id, cur, a->from);
        }
        return add_transition(s, a, reterr);
}

static int sqlite_instance_transition(struct store *base, int64_t id, int from, int to,
                                      const char *actor, const char *reason, int64_t now_s,
                                      struct batch_err *reterr)
{
        struct transition_args a = {id, from, to, actor, reason, now_s};
        return atomically((struct sqlite_store *)base, reterr, do_transition, &a);
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
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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

const struct store_ops store_sqlite_ops = {
        .version = 1,
        .name = "sqlite",
        .open = sqlite_open,
        .close = sqlite_close,
        .begin = sqlite_begin,
        .commit = sqlite_commit,
        .rollback = sqlite_rollback,
        .schema_version = sqlite_schema_version,
        .def_put = sqlite_def_put,
        .def_get = sqlite_def_get,
        .def_list = sqlite_def_list,
        .def_delete = sqlite_def_delete,
        .def_history = sqlite_def_history,
        .audit_add = sqlite_audit_add,
        .instance_create = sqlite_instance_create,
        .instance_get = sqlite_instance_get,
        .instance_list = sqlite_instance_list,
        .instance_transition = sqlite_instance_transition,
        .instance_history = sqlite_instance_history,
};
