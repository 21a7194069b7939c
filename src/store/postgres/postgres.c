/* postgres.c: the PostgreSQL driver of the repository (sql.h) over libpq (pq.h).
 * Migrations run under an advisory lock (several nodes may start at once). Statements
 * are prepared once per connection and run with text parameters; their result is read
 * row by row. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "store/postgres/pq.h"
#include "store/sql.h"

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
        {"WITHOUT_ROWID", ""},
        {"INT64", "BIGINT"},
        {"ROW_ID", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
        {"REAL", "DOUBLE PRECISION"},
        {"BOOL", "BOOLEAN"},
        {"FALSE", "false"},
        {"CHECK_SCHEDULED", ""},
        {"CHECK_ESCALATION", ""},
        {"IDS1", "(SELECT value::bigint FROM json_array_elements_text(CAST(?1 AS json)))"},
        /* ?1, a JSON array: one row per element, its column `value` (json) */
        {"JSON_ROWS1", "json_array_elements(CAST(?1 AS json))"},
        {"BY_STATE", ""},
        {"BY_TENANT_DUE", ""},
        {"BY_JOB_DUE", ""},
        {"BY_JOB_SLOT", ""},
        {"FOR_UPDATE", " FOR UPDATE"},
        {"GROUP_CONCAT", "string_agg"},
        {"FOR_NO_KEY_UPDATE", " FOR NO KEY UPDATE"},
        {"FOR_SHARE", " FOR SHARE"},
        /* the server's time, whole seconds since 1970 (an expression) */
        {"DB_NOW_S", "CAST(floor(extract(epoch FROM clock_timestamp())) AS BIGINT)"},
        {"SLOT", "scheduled"},
        /* The number of transaction ids below the snapshot's xmax that are no longer in
         * progress: it grows with every commit (or abort) of a writing transaction, of
         * this cluster, and stays put otherwise (reads assign no transaction id). Taken
         * from a snapshot, so a change not yet visible to a later query is one this
         * number has not counted yet either. */
        {"DATA_VERSION", "SELECT pg_snapshot_xmax(s)::text::bigint - "
                         "(SELECT count(*) FROM pg_snapshot_xip(s)) "
                         "FROM pg_current_snapshot() AS s"},
        /* the server's time, microseconds since 1970: clock_timestamp(), the time of the
         * call (now() is the transaction's start) */
        {"DB_NOW_US", "SELECT CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT)"},
        /* claims (schema 16): every label of offer_labels among ?3's (string_to_array
         * of '' is the empty array, contained in any); rows other claimers hold are
         * passed over; notifications delivered at commit */
        {"LABELS_OK", "string_to_array(offer_labels, ',') <@ "
                      "string_to_array(CAST(?3 AS TEXT), ',')"},
        {"SKIP_LOCKED", " FOR UPDATE SKIP LOCKED"},
        {"FOR_SHARE_OF_I", " FOR SHARE OF i"},
        {"NOTIFY", "SELECT pg_notify(CAST(?1 AS TEXT), '')"},
        {NULL, NULL},
};

const struct sql_driver postgres_driver = {
        .name = "postgres",
        /* One node migrates at a time; the others wait and then find nothing to do. */
        .migrate_lock = "SELECT pg_advisory_lock(7311)",
        .migrate_unlock = "SELECT pg_advisory_unlock(7311)",
        .dialect = dialect,
        SQL_DRIVER_FUNCTIONS,
};
