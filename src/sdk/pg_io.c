/* pg_io.c: the built-in PostgreSQL reader (keyset pagination, one page in memory) and
 * writer (one statement per item, in the repository's transaction when it is the
 * repository). */
#include "sdk/sdk-internal.h"
#include "sdk/records.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

static int pg_class(PGresult *res, PGconn *c, const char *what, struct batch_err *reterr)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        int code = BATCH_EIO;
        if (state && !strncmp(state, "23", 2))
                code = BATCH_ESKIP;
        else if ((state && (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
                            !strncmp(state, "08", 2))) ||
                 PQstatus(c) != CONNECTION_OK)
                code = BATCH_ETRANSIENT;
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        return batch_err_set(reterr, code, "sql", "%s: %s", what, msg);
}

static int connect_or_repo(const char *conninfo, struct batch_ctx *ctx, PGconn **ret,
                           bool *own, struct batch_err *reterr)
{
        *own = conninfo != NULL;
        if (!conninfo) {
                if (!(*ret = batch_ctx_postgres(ctx)))
                        return batch_err_set(reterr, BATCH_EINVAL, "conninfo",
                                             "the repository is not PostgreSQL; give conninfo");
                return 0;
        }
        *ret = PQconnectdb(conninfo);
        if (!*ret || PQstatus(*ret) != CONNECTION_OK) {
                int r = batch_err_set(reterr, BATCH_ETRANSIENT, "conninfo", "connect: %s",
                                      *ret ? PQerrorMessage(*ret) : "out of memory");
                PQfinish(*ret);
                *ret = NULL;
                return r;
        }
        return 0;
}

/* ---- reader ---------------------------------------------------------------------------- */

struct pg_reader {
        char *conninfo, *query, *key, *sql_first, *sql_next;
        unsigned page;
        PGconn *c;
        bool own;
        PGresult *res;           /* the current page */
        int row, keycol;
        bool done;
        char *last;              /* last key read, as text */
        char **names;
        int nnames;
        struct fields f;
};

static int pr_open(void *ud, struct batch_ctx *ctx, const char *position,
                   struct batch_err *reterr)
{
        struct pg_reader *r = ud;
        int rc = connect_or_repo(r->conninfo, ctx, &r->c, &r->own, reterr);
        if (rc < 0)
                return rc;
        free(r->last);
        r->last = position && *position ? strdup(position) : NULL;
        r->done = false;
        r->keycol = -1;
        return 0;
}

static int fetch(struct pg_reader *r, struct batch_err *reterr)
{
        PQclear(r->res);
        r->res = NULL;
        r->row = 0;
        char lim[16];
        snprintf(lim, sizeof(lim), "%u", r->page);
        const char *p[] = {r->last, lim};
        PGresult *res = r->last ? PQexecParams(r->c, r->sql_next, 2, NULL, p, NULL, NULL, 0)
                                : PQexecParams(r->c, r->sql_first, 1, NULL, p + 1, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                int rc = pg_class(res, r->c, "pg reader", reterr);
                PQclear(res);
                return rc == BATCH_ESKIP ? BATCH_EIO : rc;
        }
        if (!r->names) {
                r->nnames = PQnfields(res);
                r->names = calloc((size_t)r->nnames + 1, sizeof(*r->names));
                for (int i = 0; r->names && i < r->nnames; i++) {
                        r->names[i] = strdup(PQfname(res, i));
                        if (r->names[i] && !strcmp(r->names[i], r->key))
                                r->keycol = i;
                }
        }
        if (r->keycol < 0) {
                PQclear(res);
                return batch_err_set(reterr, BATCH_EINVAL, "key", "pg reader: no column %s",
                                     r->key);
        }
        r->res = res;
        r->done = PQntuples(res) < (int)r->page;
        return 0;
}

static int pr_read(void *ud, void **ret, struct batch_err *reterr)
{
        struct pg_reader *r = ud;
        if (!r->res || r->row >= PQntuples(r->res)) {
                if (r->done && r->res)
                        return 0;
                int rc = fetch(r, reterr);
                if (rc < 0)
                        return rc;
                if (PQntuples(r->res) == 0)
                        return 0;
        }
        fields_reset(&r->f);
        for (int i = 0; i < r->nnames; i++) {
                if (PQgetisnull(r->res, r->row, i)) {
                        fields_null(&r->f);
                        continue;
                }
                fields_begin(&r->f);
                fields_add(&r->f, PQgetvalue(r->res, r->row, i),
                           (size_t)PQgetlength(r->res, r->row, i));
                fields_end(&r->f);
        }
        struct batch_record *rec = fields_record(&r->f, (const char *const *)r->names,
                                                 (size_t)r->nnames);
        char *k = strdup(PQgetvalue(r->res, r->row, r->keycol));
        if (!rec || !k) {
                batch_record_free(rec);
                free(k);
                return batch_err_set(reterr, BATCH_ENOMEM, "record", "out of memory");
        }
        free(r->last);
        r->last = k;
        r->row++;
        *ret = rec;
        return 1;
}

static int pr_position(void *ud, char **ret, struct batch_err *reterr)
{
        struct pg_reader *r = ud;
        if (!(*ret = strdup(r->last ? r->last : "")))
                return batch_err_set(reterr, BATCH_ENOMEM, "position", "out of memory");
        return 0;
}

static char *pr_text(void *ud, const void *item)
{
        (void)ud;
        return item ? batch_record_to_csv(item, ',') : NULL;
}

static void pr_free(void *ud, void *item)
{
        (void)ud;
        batch_record_free(item);
}

static void pr_close(void *ud)
{
        struct pg_reader *r = ud;
        PQclear(r->res);
        r->res = NULL;
        if (r->own)
                PQfinish(r->c);
        r->c = NULL;
        for (int i = 0; r->names && i < r->nnames; i++)
                free(r->names[i]);
        free(r->names);
        r->names = NULL;
        r->nnames = 0;
}

static void pr_destroy(void *ud)
{
        struct pg_reader *r = ud;
        pr_close(r);
        free(r->conninfo);
        free(r->query);
        free(r->key);
        free(r->sql_first);
        free(r->sql_next);
        free(r->last);
        fields_release(&r->f);
        free(r);
}

/* "key" quoted as an identifier. */
static char *ident(const char *s)
{
        size_t n = strlen(s);
        char *q = malloc(2 * n + 3), *p = q;
        if (!q)
                return NULL;
        *p++ = '"';
        for (; *s; s++) {
                if (*s == '"')
                        *p++ = '"';
                *p++ = *s;
        }
        *p++ = '"';
        *p = '\0';
        return q;
}

int batch_pg_reader(struct batch_reader *out, const struct batch_pg_reader_options *o,
                    struct batch_err *reterr)
{
        if (!o || !o->query || !o->key)
                return batch_err_set(reterr, BATCH_EINVAL, "query",
                                     "pg reader: query and key are required");
        struct pg_reader *r = calloc(1, sizeof(*r));
        if (!r)
                return BATCH_ENOMEM;
        r->page = o->page_size ? o->page_size : 1000;
        r->conninfo = sdk_strdup(o->conninfo);
        r->query = strdup(o->query);
        r->key = strdup(o->key);
        char *k = ident(o->key);
        size_t n = strlen(o->query) + 2 * (k ? strlen(k) : 0) + 128;
        r->sql_first = malloc(n);
        r->sql_next = malloc(n);
        if (!r->query || !r->key || !k || !r->sql_first || !r->sql_next ||
            (o->conninfo && !r->conninfo)) {
                free(k);
                pr_destroy(r);
                return BATCH_ENOMEM;
        }
        snprintf(r->sql_first, n, "SELECT * FROM (%s) AS q ORDER BY %s LIMIT $1::int", o->query,
                 k);
        snprintf(r->sql_next, n, "SELECT * FROM (%s) AS q WHERE %s > $1 ORDER BY %s LIMIT $2::int",
                 o->query, k, k);
        free(k);
        *out = (struct batch_reader){.open_cb = pr_open, .read_cb = pr_read,
                                     .position_cb = pr_position, .text_cb = pr_text,
                                     .free_cb = pr_free, .close_cb = pr_close,
                                     .destroy_cb = pr_destroy, .ud = r};
        return 0;
}

/* ---- writer ---------------------------------------------------------------------------- */

struct pg_writer {
        char *conninfo, *sql;
        char **fields;
        size_t nfields;
        PGconn *c;
        bool own;
};

static int pw_open(void *ud, struct batch_ctx *ctx, const char *position,
                   struct batch_err *reterr)
{
        (void)position;
        struct pg_writer *w = ud;
        return connect_or_repo(w->conninfo, ctx, &w->c, &w->own, reterr);
}

static int pw_put(struct pg_writer *w, const struct batch_record *rec, struct batch_err *reterr)
{
        size_t n = w->nfields ? w->nfields : rec->n;
        const char *vals[64];
        if (n > 64)
                return batch_err_set(reterr, BATCH_ERANGE, "sql", "pg writer: over 64 parameters");
        for (size_t i = 0; i < n; i++)
                vals[i] = w->nfields ? batch_record_get(rec, w->fields[i])
                                     : (i < rec->n ? rec->values[i] : NULL);
        PGresult *res = PQexecParams(w->c, w->sql, (int)n, NULL, vals, NULL, NULL, 0);
        int rc = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK
                         ? 0
                         : pg_class(res, w->c, "pg writer", reterr);
        PQclear(res);
        return rc;
}

static int pw_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                    struct batch_err *reterr)
{
        (void)ctx;
        struct pg_writer *w = ud;
        int rc = 0;
        if (w->own)
                PQclear(PQexec(w->c, "BEGIN"));
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = pw_put(w, items[i], reterr);
        if (w->own) {
                PGresult *res = PQexec(w->c, rc == 0 ? "COMMIT" : "ROLLBACK");
                if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
                        rc = pg_class(res, w->c, "pg writer: commit", reterr);
                PQclear(res);
        }
        return rc;
}

static void pw_close(void *ud)
{
        struct pg_writer *w = ud;
        if (w->own)
                PQfinish(w->c);
        w->c = NULL;
}

static void pw_destroy(void *ud)
{
        struct pg_writer *w = ud;
        pw_close(w);
        for (size_t i = 0; i < w->nfields; i++)
                free(w->fields[i]);
        free(w->fields);
        free(w->conninfo);
        free(w->sql);
        free(w);
}

int batch_pg_writer(struct batch_writer *out, const struct batch_pg_writer_options *o,
                    struct batch_err *reterr)
{
        if (!o || !o->sql)
                return batch_err_set(reterr, BATCH_EINVAL, "sql", "pg writer: no statement");
        struct pg_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return BATCH_ENOMEM;
        w->conninfo = sdk_strdup(o->conninfo);
        w->sql = strdup(o->sql);
        bool ok = w->sql && (!o->conninfo || w->conninfo);
        if (ok && o->n_fields) {
                ok = (w->fields = calloc(o->n_fields, sizeof(*w->fields))) != NULL;
                for (size_t i = 0; ok && i < o->n_fields; i++)
                        ok = (w->fields[w->nfields++] = strdup(o->fields[i])) != NULL;
        }
        if (!ok) {
                pw_destroy(w);
                return BATCH_ENOMEM;
        }
        *out = (struct batch_writer){.open_cb = pw_open, .write_cb = pw_write,
                                     .close_cb = pw_close, .destroy_cb = pw_destroy,
                                     .in_repository = o->conninfo == NULL, .ud = w};
        return 0;
}
