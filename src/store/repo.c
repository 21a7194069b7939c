/* repo.c: the job repository, written once over the SQL driver interface (sql.h):
 * its statements, the rules of each operation, and the mapping of rows to the structs of
 * store.h. The engines differ only in their drivers, their migrations and the dialect
 * tokens ({NAME}) below; docs/internals/store.md.
 *
 * Statements never fail on purpose: an insert that refers to a parent row checks it
 * (INSERT ... SELECT ... WHERE EXISTS) and one that may meet a taken key says ON
 * CONFLICT DO NOTHING, both RETURNING what they wrote, so that "no row" is the answer.
 * On PostgreSQL a failed statement would abort the caller's whole transaction. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/repo.h"

/* The columns read_token and read_request read. */
#define TOKEN_COLS "id, tenant, name, role, hash, created_at, expires_at, revoked_at"
#define REQUEST_COLS \
        "id, tenant, instance_id, action, actor, reason, created_at, done_at, result, message"

enum rs {
        RS_TENANT_ENSURE,
        RS_DEF_LAST_VERSION,
        RS_DEF_UPSERT,
        RS_DEF_VERSION_ADD,
        RS_DEF_GET,
        RS_DEF_LIST,
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
        RS_LEASE_ACQUIRE,
        RS_LEASE_RELEASE,
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
        RS_COUNT,
};

static const char *const rs_sql[RS_COUNT] = {
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
        [RS_DEF_LIST] = "SELECT tenant, kind, name, version, spec, NULL, updated_at, updated_by "
                        "FROM definitions WHERE (CAST(?1 AS TEXT) IS NULL OR tenant = ?1) "
                        "AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2) ORDER BY tenant, kind, name",
        [RS_DEF_DELETE] = "DELETE FROM definitions WHERE tenant = ?1 AND kind = ?2 AND name = ?3",
        [RS_DEF_HISTORY] = "SELECT tenant, kind, name, version, spec, changed, changed_at, "
                           "changed_by FROM definition_versions "
                           "WHERE tenant = ?1 AND kind = ?2 AND name = ?3 ORDER BY version",
        [RS_AUDIT_ADD] = "INSERT INTO audit_log(at, actor, action, object, detail) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)",
        /* A taken name or hash inserts nothing (no row returned). */
        [RS_TOKEN_INSERT] = "INSERT INTO api_tokens(tenant, name, role, hash, created_at, "
                            "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                            "ON CONFLICT DO NOTHING RETURNING id",
        [RS_TOKEN_FIND] = "SELECT " TOKEN_COLS " FROM api_tokens WHERE hash = ?1",
        [RS_TOKEN_LIST] = "SELECT " TOKEN_COLS " FROM api_tokens "
                          "WHERE (CAST(?1 AS TEXT) IS NULL OR tenant = ?1) ORDER BY id",
        [RS_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 "
                            "AND revoked_at IS NULL",
        [RS_TOKEN_EXISTS] = "SELECT 1 FROM api_tokens WHERE id = ?1",
        [RS_NODE_UPSERT] = "INSERT INTO nodes(name, capacity, started_at, heartbeat_at) "
                           "VALUES (?1, ?2, ?3, ?3) ON CONFLICT (name) DO UPDATE "
                           "SET capacity = excluded.capacity, heartbeat_at = excluded.heartbeat_at",
        [RS_NODE_LIST] = "SELECT name, capacity, started_at, heartbeat_at FROM nodes ORDER BY name",
        /* One statement, so atomic across nodes: the conflicting row is locked (the
         * whole file on SQLite), and the condition checked on its latest version. RETURNING
         * yields the row only when it was inserted or updated. */
        [RS_LEASE_ACQUIRE] = "INSERT INTO leases(name, holder, expires_at) "
                             "VALUES (?1, ?2, CAST(?3 AS BIGINT) + CAST(?4 AS BIGINT)) "
                             "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                             "expires_at = excluded.expires_at WHERE leases.holder = "
                             "excluded.holder OR leases.expires_at <= ?3 RETURNING holder",
        [RS_LEASE_RELEASE] = "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
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
                              "WHERE id = ?2 AND tenant = ?1) RETURNING id",
        [RS_REQUEST_PENDING] = "SELECT " REQUEST_COLS " FROM requests WHERE done_at IS NULL "
                               "ORDER BY id",
        [RS_REQUEST_FINISH] = "UPDATE requests SET done_at = ?2, result = ?3, message = ?4 "
                              "WHERE id = ?1 AND done_at IS NULL",
        [RS_REQUEST_GET] = "SELECT " REQUEST_COLS " FROM requests WHERE id = ?1",
        [RS_REQUEST_EXISTS] = "SELECT 1 FROM requests WHERE id = ?1",
        [RS_REQUEST_LIST] = "SELECT " REQUEST_COLS " FROM requests WHERE instance_id = ?1 "
                            "AND id > ?2 ORDER BY id LIMIT 1000",
        [RS_DATA_VERSION] = "{DATA_VERSION}",
};

/* ---- statements ------------------------------------------------------------- */

static int oom(struct batch_err *reterr)
{
        return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
}

/* `sql` with its {NAME} tokens replaced from the dialect table, in a new string; NULL
 * (with reterr) for an unknown token or no memory. */
static char *expand(const struct sql_token *dialect, const char *sql, struct batch_err *reterr)
{
        size_t cap = strlen(sql) + 1, n = 0;
        for (const struct sql_token *t = dialect; t->name; t++)
                cap += strlen(t->text) * 4;
        char *out = malloc(cap);
        if (!out) {
                oom(reterr);
                return NULL;
        }
        for (const char *p = sql; *p;) {
                const char *end = *p == '{' ? strchr(p, '}') : NULL;
                if (!end) {
                        out[n++] = *p++;
                        continue;
                }
                const struct sql_token *t = dialect;
                while (t->name && (strlen(t->name) != (size_t)(end - p - 1) ||
                                   strncmp(t->name, p + 1, (size_t)(end - p - 1))))
                        t++;
                if (!t->name || n + strlen(t->text) >= cap) {
                        batch_err_set(reterr, BATCH_EIO, "db", "db: no dialect for %.*s",
                                      (int)(end - p + 1), p);
                        free(out);
                        return NULL;
                }
                n += (size_t)sprintf(out + n, "%s", t->text);
                p = end + 1;
        }
        out[n] = '\0';
        return out;
}

int repo_prepare(struct repo *r, struct batch_err *reterr)
{
        if (!(r->stmt = calloc(RS_COUNT, sizeof(*r->stmt))))
                return oom(reterr);
        for (int i = 0; i < RS_COUNT; i++) {
                char *sql = expand(r->drv->dialect, rs_sql[i], reterr);
                if (!sql)
                        return reterr ? reterr->code : BATCH_EIO;
                int ret = r->drv->prepare(r->conn, sql, &r->stmt[i], reterr);
                free(sql);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

void repo_finish(struct repo *r)
{
        for (int i = 0; r->stmt && i < RS_COUNT; i++)
                if (r->stmt[i])
                        r->drv->finalize(r->stmt[i]);
        free(r->stmt);
        r->stmt = NULL;
}

/* Statement `id`, reset, with its parameters bound from the arguments as `fmt` says, one
 * letter each: t text (NULL: SQL NULL), i int64_t, n int, b bool, d double. */
static struct sql_stmt *q(struct repo *r, enum rs id, const char *fmt, ...)
{
        struct sql_stmt *st = r->stmt[id];
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

/* Runs fn inside the caller's transaction, or in one of its own. */
static int atomically(struct repo *r, struct batch_err *reterr,
                      int (*fn)(struct repo *r, void *arg, struct batch_err *reterr), void *arg)
{
        if (r->drv->in_tx(r->conn))
                return fn(r, arg, reterr);
        int ret = r->base.ops->begin(&r->base, reterr);
        if (ret < 0)
                return ret;
        if ((ret = fn(r, arg, reterr)) < 0 || (ret = r->base.ops->commit(&r->base, reterr)) < 0)
                r->base.ops->rollback(&r->base);
        return ret;
}

/* Runs st for its first row, read into item (zeroed first, `size` bytes) by read: 1,
 * 0 without a row, or an error (BATCH_ENOMEM when reading failed; item released by
 * the caller then). */
static int one_row(struct repo *r, struct sql_stmt *st, void *item, size_t size,
                   read_row_fn *read, const char *what, struct batch_err *reterr)
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
                                     "%s %lld has already %s: nothing changed", noun,
                                     (long long)id, done);
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

static int ensure_tenant(struct repo *r, const char *tenant, int64_t now,
                         struct batch_err *reterr)
{
        return run(r, q(r, RS_TENANT_ENSURE, "ti", tenant, now), "creating the tenant", NULL,
                   reterr);
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

int repo_def_put(struct store *s, const struct store_def *d, int64_t now_s,
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

int repo_def_get(struct store *s, const char *tenant, const char *kind, const char *name,
                 struct store_def *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_DEF_GET, "ttt", tenant, kind, name);
        int got = first(r, st, "reading the definition", reterr);
        if (got <= 0)
                return got < 0 ? got
                               : batch_err_set(reterr, BATCH_ENOENT, "name",
                                               "no %s named \"%s\" in tenant %s", kind, name,
                                               tenant);
        memset(ret, 0, sizeof(*ret));
        bool lost = read_def(r, st, ret);
        r->drv->reset(st);
        if (!lost)
                return 0;
        store_def_release(ret);
        return oom(reterr);
}

static int def_list(struct repo *r, struct sql_stmt *st, struct store_def_list *ret,
                    struct batch_err *reterr)
{
        int e = collect(r, st, sizeof(*ret->items), (void **)&ret->items, &ret->n, read_def,
                        "listing definitions", reterr);
        if (e < 0)
                store_def_list_release(ret);
        return e;
}

int repo_def_list(struct store *s, const char *tenant, const char *kind,
                  struct store_def_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return def_list(r, q(r, RS_DEF_LIST, "tt", tenant, kind), ret, reterr);
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
                return batch_err_set(reterr, BATCH_ENOENT, "name", "no %s named \"%s\" in tenant %s",
                                     d->kind, d->name, d->tenant);
        if ((ret = last_version(r, d, &version, reterr)) < 0)
                return ret;
        return add_version(r, a, version + 1, reterr);
}

int repo_def_delete(struct store *s, const char *tenant, const char *kind, const char *name,
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

int repo_def_history(struct store *s, const char *tenant, const char *kind, const char *name,
                     struct store_def_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return def_list(r, q(r, RS_DEF_HISTORY, "ttt", tenant, kind, name), ret, reterr);
}

int repo_audit_add(struct store *s, int64_t now_s, const char *actor, const char *action,
                   const char *object, const char *detail, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_AUDIT_ADD, "itttt", now_s, actor, action, object, detail),
                   "writing the audit log", NULL, reterr);
}

/* ---- API tokens ------------------------------------------------------------- */

struct token_args {
        const struct store_token *t;
        int64_t now;
        int64_t id;
};

static int do_token_add(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct token_args *a = arg;
        const struct store_token *t = a->t;
        int ret = ensure_tenant(r, t->tenant, a->now, reterr);
        if (ret < 0 || (ret = one_int(r,
                                      q(r, RS_TOKEN_INSERT, "ttttii", t->tenant, t->name, t->role,
                                        t->hash, a->now, t->expires_at),
                                      0, &a->id, "storing the token", reterr)) < 0)
                return ret;
        if (a->id == 0)
                return batch_err_set(reterr, BATCH_EEXIST, "name",
                                     "tenant %s already has a token named \"%s\" (or one with "
                                     "the same secret)",
                                     t->tenant, t->name);
        return 0;
}

int repo_token_add(struct store *s, const struct store_token *t, int64_t now_s, int64_t *ret_id,
                   struct batch_err *reterr)
{
        struct token_args a = {t, now_s, 0};
        int ret = atomically((struct repo *)s, reterr, do_token_add, &a);
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

int repo_token_find(struct store *s, const char *hash, struct store_token *ret,
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

int repo_token_list(struct store *s, const char *tenant, struct store_token_list *ret,
                    struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = collect(r, q(r, RS_TOKEN_LIST, "t", tenant), sizeof(*ret->items),
                        (void **)&ret->items, &ret->n, read_token, "listing tokens", reterr);
        if (e < 0)
                store_token_list_release(ret);
        return e;
}

int repo_token_revoke(struct store *s, int64_t id, int64_t now_s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return update_once(r, q(r, RS_TOKEN_REVOKE, "ii", id, now_s), RS_TOKEN_EXISTS, id,
                           "token", "been revoked", reterr);
}

/* ---- nodes and leases (DESIGN §9) ----------------------------------------------- */

int repo_node_heartbeat(struct store *s, const char *name, int capacity, int64_t now_s,
                        struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_NODE_UPSERT, "tni", name, capacity, now_s),
                   "recording the heartbeat", NULL, reterr);
}

static bool read_node(struct repo *r, struct sql_stmt *st, void *item)
{
        struct store_node *n = item;
        bool lost = false;
        n->name = col_text(r, st, 0, &lost);
        n->capacity = (int)col_int(r, st, 1);
        n->started_at = col_int(r, st, 2);
        n->heartbeat_at = col_int(r, st, 3);
        return lost || !n->name;
}

int repo_node_list(struct store *s, struct store_node_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        int e = collect(r, q(r, RS_NODE_LIST, ""), sizeof(*ret->items), (void **)&ret->items,
                        &ret->n, read_node, "listing nodes", reterr);
        if (e < 0)
                store_node_list_release(ret);
        return e;
}

int repo_lease_acquire(struct store *s, const char *name, const char *holder, int64_t now_s,
                       int ttl_s, bool *ret_held, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct sql_stmt *st = q(r, RS_LEASE_ACQUIRE, "ttin", name, holder, now_s, ttl_s);
        int got = first(r, st, "taking the lease", reterr);
        if (got > 0)
                r->drv->reset(st);
        if (got >= 0)
                *ret_held = got > 0;
        return got < 0 ? got : 0;
}

int repo_lease_release(struct store *s, const char *name, const char *holder,
                       struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r, q(r, RS_LEASE_RELEASE, "tt", name, holder), "releasing the lease", NULL,
                   reterr);
}

/* ---- the published clock ------------------------------------------------------- */

int repo_clock_publish(struct store *s, const struct store_clock *c, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return run(r,
                   q(r, RS_CLOCK_PUT, "tiid", c->holder, c->real_at_us, c->clock_at_us, c->rate),
                   "publishing the clock", NULL, reterr);
}

int repo_clock_withdraw(struct store *s, const char *holder, struct batch_err *reterr)
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

int repo_clock_get(struct store *s, struct store_clock *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        struct store_clock c;
        int got = one_row(r, q(r, RS_CLOCK_GET, ""), &c, sizeof(c), read_clock,
                          "reading the clock", reterr);
        if (got == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "clock", "no clock is published");
        if (got > 0)
                *ret = c;
        return got < 0 ? got : 0;
}

/* ---- operators' requests ------------------------------------------------------- */

struct request_args {
        const struct store_request *q;
        int64_t now;
        int64_t id;
};

static int do_request_add(struct repo *r, void *arg, struct batch_err *reterr)
{
        struct request_args *a = arg;
        const struct store_request *rq = a->q;
        int ret = ensure_tenant(r, rq->tenant, a->now, reterr);
        if (ret < 0 || (ret = one_int(r,
                                      q(r, RS_REQUEST_INSERT, "tittti", rq->tenant,
                                        rq->instance_id, rq->action, rq->actor, rq->reason,
                                        a->now),
                                      0, &a->id, "queueing the request", reterr)) < 0)
                return ret;
        if (a->id == 0)
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld in tenant %s",
                                     (long long)rq->instance_id, rq->tenant);
        return 0;
}

int repo_request_add(struct store *s, const struct store_request *rq, int64_t now_s,
                     int64_t *ret_id, struct batch_err *reterr)
{
        struct request_args a = {rq, now_s, 0};
        int ret = atomically((struct repo *)s, reterr, do_request_add, &a);
        if (ret == 0)
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
        int e = collect(r, st, sizeof(*ret->items), (void **)&ret->items, &ret->n, read_request,
                        "listing requests", reterr);
        if (e < 0)
                store_request_list_release(ret);
        return e;
}

int repo_request_pending(struct store *s, struct store_request_list *ret,
                         struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return request_list(r, q(r, RS_REQUEST_PENDING, ""), ret, reterr);
}

int repo_request_list(struct store *s, int64_t instance_id, int64_t after_id,
                      struct store_request_list *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return request_list(r, q(r, RS_REQUEST_LIST, "ii", instance_id, after_id), ret, reterr);
}

int repo_request_finish(struct store *s, int64_t id, int result, const char *message,
                        int64_t now_s, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return update_once(r, q(r, RS_REQUEST_FINISH, "iint", id, now_s, result, message),
                           RS_REQUEST_EXISTS, id, "request", "been done", reterr);
}

int repo_request_get(struct store *s, int64_t id, struct store_request *ret,
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

int repo_data_version(struct store *s, int64_t *ret, struct batch_err *reterr)
{
        struct repo *r = (struct repo *)s;
        return one_int(r, q(r, RS_DATA_VERSION, ""), 0, ret, "reading the data version", reterr);
}
