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
};

/* ---- statements ------------------------------------------------------------- */

/* `sql` with its {NAME} tokens replaced from the dialect table, in a new string; NULL
 * (with reterr) for an unknown token or no memory. */
static char *expand(const struct sql_token *dialect, const char *sql, struct batch_err *reterr)
{
        size_t cap = strlen(sql) + 1, n = 0;
        for (const struct sql_token *t = dialect; t->name; t++)
                cap += strlen(t->text) * 4;
        char *out = malloc(cap);
        if (!out) {
                batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
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
                return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
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
                return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
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
                return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
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
        return batch_err_set(reterr, BATCH_ENOMEM, "db", "db: out of memory");
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
