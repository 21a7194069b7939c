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
};
