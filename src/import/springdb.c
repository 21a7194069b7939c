/* springdb.c: reads a Spring Batch job repository (springbatch.h) from a SQLite file or
 * a PostgreSQL server, read-only. This is the one place outside src/store/ that speaks
 * SQL: the database is another program's, not batchd's repository (docs/import.md). */
#include "import/springdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/err.h"
#include "defs/params.h"
#include "store/postgres/pq.h"

/* A row: ncols column texts, NULL for SQL NULL. */
typedef int row_fn(void *arg, const char *const *cols, int ncols);

struct src {
        sqlite3 *lite;
        PGconn *pg;
};

static bool is_pg(const char *dsn)
{
        return !strncmp(dsn, "postgresql://", 13) || !strncmp(dsn, "postgres://", 11);
}

/* Runs sql, whose rows have nf (at most 16) columns, and calls fn for each row. Returns 0, fn's negative value, or BATCH_EIO with
 * the database's message in reterr. */
static int query(struct src *s, const char *sql, int nf, row_fn *fn, void *arg,
                 struct batch_err *reterr)
{
        const char *cols[16];
        if (s->pg) {
                PGresult *res = PQexec(s->pg, sql);
                if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                        int r = batch_err_set(reterr, BATCH_EIO, "source", "%s",
                                              PQerrorMessage(s->pg));
                        PQclear(res);
                        return r;
                }
                int r = 0;
                for (int i = 0; r == 0 && i < PQntuples(res); i++) {
                        for (int c = 0; c < nf; c++)
                                cols[c] = PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
                        r = fn(arg, cols, nf);
                }
                PQclear(res);
                return r;
        }
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->lite, sql, -1, &st, NULL) != SQLITE_OK)
                return batch_err_set(reterr, BATCH_EIO, "source", "%s", sqlite3_errmsg(s->lite));
        int r = 0, rc;
        if (sqlite3_column_count(st) != nf) {
                sqlite3_finalize(st);
                return batch_err_set(reterr, BATCH_EIO, "source", "unexpected columns");
        }
        while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                for (int c = 0; c < nf; c++)
                        cols[c] = (const char *)sqlite3_column_text(st, c);
                r = fn(arg, cols, nf);
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = batch_err_set(reterr, BATCH_EIO, "source", "%s", sqlite3_errmsg(s->lite));
        sqlite3_finalize(st);
        return r;
}

struct reader {
        struct sb_history *h;
        const struct tz *z;
        struct batch_err *reterr;
};

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static int read_time(struct reader *rd, const char *text, const char *what, int64_t id,
                     int64_t *ret)
{
        *ret = 0;
        if (!text)
                return 0;
        if (import_spring_time(text, rd->z, ret) < 0)
                return batch_err_set(rd->reterr, BATCH_EFORMAT, what,
                                     "%s of execution %lld: \"%.40s\" is not a timestamp", what,
                                     (long long)id, text);
        return 0;
}

static int64_t num(const char *s)
{
        return s ? strtoll(s, NULL, 10) : 0;
}

/* instance id, job name, execution id, create, start, end, status, exit code, message */
static int exec_row(void *arg, const char *const *c, int n)
{
        struct reader *rd = arg;
        struct sb_history *h = rd->h;
        if (n < 9 || !c[0] || !c[1] || !c[2])
                return batch_err_set(rd->reterr, BATCH_EFORMAT, "source",
                                     "a job execution row without its ids or job name");
        int64_t iid = num(c[0]);
        struct sb_instance *in = h->n ? &h->items[h->n - 1] : NULL;
        if (!in || in->id != iid) {
                struct sb_instance *a = realloc(h->items, (h->n + 1) * sizeof(*a));
                if (!a)
                        return BATCH_ENOMEM;
                h->items = a;
                in = &a[h->n++];
                memset(in, 0, sizeof(*in));
                in->id = iid;
                in->state = -1;
                if (!(in->job = strdup(c[1])))
                        return BATCH_ENOMEM;
        }
        struct sb_exec *e = realloc(in->execs, (in->nexecs + 1) * sizeof(*e));
        if (!e)
                return BATCH_ENOMEM;
        in->execs = e;
        e = &e[in->nexecs++];
        memset(e, 0, sizeof(*e));
        e->id = num(c[2]);
        int r;
        if ((r = read_time(rd, c[3], "CREATE_TIME", e->id, &e->create)) < 0 ||
            (r = read_time(rd, c[4], "START_TIME", e->id, &e->start)) < 0 ||
            (r = read_time(rd, c[5], "END_TIME", e->id, &e->end)) < 0)
                return r;
        e->status = dup_or_null(c[6]);
        e->exit_code = dup_or_null(c[7]);
        e->exit_message = c[8] && *c[8] ? strdup(c[8]) : NULL;
        return 0;
}

static struct sb_exec *find_exec(struct sb_history *h, int64_t id, struct sb_instance **ret_in)
{
        for (size_t i = 0; i < h->n; i++)
                for (size_t k = 0; k < h->items[i].nexecs; k++)
                        if (h->items[i].execs[k].id == id) {
                                if (ret_in)
                                        *ret_in = &h->items[i];
                                return &h->items[i].execs[k];
                        }
        return NULL;
}

/* execution id, step name, start, end, status, commit, read, filter, write, read skip,
 * write skip, process skip, rollback, exit message */
static int step_row(void *arg, const char *const *c, int n)
{
        struct reader *rd = arg;
        if (n < 14 || !c[0] || !c[1])
                return batch_err_set(rd->reterr, BATCH_EFORMAT, "source",
                                     "a step execution row without its execution or name");
        struct sb_exec *e = find_exec(rd->h, num(c[0]), NULL);
        if (!e)
                return 0; /* a step of an execution that is not read: not imported */
        struct sb_step *s = realloc(e->steps, (e->nsteps + 1) * sizeof(*s));
        if (!s)
                return BATCH_ENOMEM;
        e->steps = s;
        s = &s[e->nsteps++];
        memset(s, 0, sizeof(*s));
        s->name = strdup(c[1]);
        s->status = strdup(import_spring_step_status(c[4]));
        s->exit_message = c[13] && *c[13] ? strdup(c[13]) : NULL;
        if (!s->name || !s->status)
                return BATCH_ENOMEM;
        int r;
        if ((r = read_time(rd, c[2], "STEP START_TIME", e->id, &s->start)) < 0 ||
            (r = read_time(rd, c[3], "STEP END_TIME", e->id, &s->end)) < 0)
                return r;
        s->commit_count = num(c[5]);
        s->read_count = num(c[6]);
        s->filter_count = num(c[7]);
        s->write_count = num(c[8]);
        s->read_skip_count = num(c[9]);
        s->write_skip_count = num(c[10]);
        s->process_skip_count = num(c[11]);
        s->rollback_count = num(c[12]);
        return 0;
}

/* execution id, parameter name, value: the identifying parameters of each instance's
 * first execution become its parameters */
static int param_row(void *arg, const char *const *c, int n)
{
        struct reader *rd = arg;
        struct sb_instance *in = NULL;
        if (n < 3 || !c[0] || !c[1])
                return 0;
        struct sb_exec *e = find_exec(rd->h, num(c[0]), &in);
        if (!e || e != &in->execs[0])
                return 0;
        struct def_map *m = &in->params;
        char **k = realloc(m->keys, (m->n + 1) * sizeof(*k));
        if (!k)
                return BATCH_ENOMEM;
        m->keys = k;
        char **v = realloc(m->vals, (m->n + 1) * sizeof(*v));
        if (!v)
                return BATCH_ENOMEM;
        m->vals = v;
        m->keys[m->n] = strdup(c[1]);
        m->vals[m->n] = strdup(c[2] ? c[2] : "");
        if (!m->keys[m->n] || !m->vals[m->n]) {
                free(m->keys[m->n]);
                free(m->vals[m->n]);
                return BATCH_ENOMEM;
        }
        m->n++;
        return 0;
}

static const char sql_execs[] =
        "SELECT i.JOB_INSTANCE_ID, i.JOB_NAME, e.JOB_EXECUTION_ID, e.CREATE_TIME, e.START_TIME, "
        "e.END_TIME, e.STATUS, e.EXIT_CODE, e.EXIT_MESSAGE FROM BATCH_JOB_INSTANCE i "
        "JOIN BATCH_JOB_EXECUTION e ON e.JOB_INSTANCE_ID = i.JOB_INSTANCE_ID "
        "ORDER BY i.JOB_INSTANCE_ID, e.JOB_EXECUTION_ID";
static const char sql_steps[] =
        "SELECT JOB_EXECUTION_ID, STEP_NAME, START_TIME, END_TIME, STATUS, COMMIT_COUNT, "
        "READ_COUNT, FILTER_COUNT, WRITE_COUNT, READ_SKIP_COUNT, WRITE_SKIP_COUNT, "
        "PROCESS_SKIP_COUNT, ROLLBACK_COUNT, EXIT_MESSAGE FROM BATCH_STEP_EXECUTION "
        "ORDER BY JOB_EXECUTION_ID, STEP_EXECUTION_ID";
/* Spring Batch 5 keeps a parameter as one text value; 4 and before by type. */
static const char sql_params5[] =
        "SELECT JOB_EXECUTION_ID, PARAMETER_NAME, PARAMETER_VALUE FROM "
        "BATCH_JOB_EXECUTION_PARAMS WHERE IDENTIFYING = 'Y' ORDER BY JOB_EXECUTION_ID, "
        "PARAMETER_NAME";
static const char sql_params4[] =
        "SELECT JOB_EXECUTION_ID, KEY_NAME, CASE TYPE_CD WHEN 'STRING' THEN STRING_VAL "
        "WHEN 'LONG' THEN CAST(LONG_VAL AS VARCHAR(40)) WHEN 'DOUBLE' THEN "
        "CAST(DOUBLE_VAL AS VARCHAR(40)) ELSE CAST(DATE_VAL AS VARCHAR(40)) END FROM "
        "BATCH_JOB_EXECUTION_PARAMS WHERE IDENTIFYING = 'Y' ORDER BY JOB_EXECUTION_ID, KEY_NAME";

int springdb_read(const char *dsn, const struct tz *z, struct sb_history *ret,
                  struct batch_err *reterr)
{
        struct src s = {0};
        int r = 0;
        if (is_pg(dsn)) {
                if ((r = pq_load(reterr)) < 0)
                        return r;
                s.pg = PQconnectdb(dsn);
                if (!s.pg)
                        return BATCH_ENOMEM;
                if (PQstatus(s.pg) != CONNECTION_OK) {
                        r = batch_err_set(reterr, BATCH_EIO, "source", "cannot connect: %s",
                                          PQerrorMessage(s.pg));
                        PQfinish(s.pg);
                        return r;
                }
                PQclear(PQexec(s.pg, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"));
        } else if (sqlite3_open_v2(dsn, &s.lite, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
                r = batch_err_set(reterr, BATCH_EIO, "source", "cannot open %s: %s", dsn,
                                  s.lite ? sqlite3_errmsg(s.lite) : "out of memory");
                sqlite3_close(s.lite);
                return r;
        }
        struct sb_history h = {0};
        struct reader rd = {&h, z, reterr};
        struct batch_err ignored;
        r = query(&s, sql_execs, 9, exec_row, &rd, reterr);
        if (r == 0)
                r = query(&s, sql_steps, 14, step_row, &rd, reterr);
        if (r == 0 && query(&s, sql_params5, 3, param_row, &rd, &ignored) < 0) {
                for (size_t i = 0; i < h.n; i++)
                        def_map_release(&h.items[i].params);
                r = query(&s, sql_params4, 3, param_row, &rd, reterr);
        }
        if (r == BATCH_ENOMEM)
                batch_err_set(reterr, r, NULL, "out of memory");
        if (s.pg)
                PQfinish(s.pg);
        else
                sqlite3_close(s.lite);
        if (r < 0) {
                sb_history_release(&h);
                return r;
        }
        *ret = h;
        return 0;
}
