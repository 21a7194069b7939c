/* sqlite_writer.c: the built-in SQLite writer — one statement per item, parameters bound
 * from the record's fields by name (:name, @name, $name) or number (?N). Into the
 * repository (path NULL) it runs inside the chunk's transaction, so items and checkpoint
 * commit together (exactly-once); into another file each write is its own transaction
 * (at-least-once: make the statement idempotent, e.g. INSERT OR IGNORE on a key), begun
 * IMMEDIATE after this process's earlier writers of that file (the store's gate, so
 * that partitions writing one file take turns; docs/internals/sqlite-writers.md).
 * A constraint violation is a write skip; SQLITE_BUSY/LOCKED are transient. */
#include "sdk/sdk-internal.h"
#include "store/sqlite/gate.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct sqlite_writer {
        char *path;
        char *sql;
        sqlite3 *db;             /* own connection, or the repository's (borrowed) */
        bool own;
        struct sqlite_busy busy; /* own connection: its busy handler and gate */
        struct sqlite_gate *gate;
        sqlite3_stmt *st;
        const char *const *names; /* the names the binding map was made for */
        size_t nnames;
        int *map;                /* parameter i+1 -> field index, -1: NULL */
        int nparams;
};

static int classify(sqlite3 *db, int rc, struct batch_err *reterr)
{
        int primary = rc & 0xff;
        int code = primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH ||
                                   primary == SQLITE_TOOBIG
                           ? BATCH_ESKIP
                   : primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? BATCH_ETRANSIENT
                                                                        : BATCH_EIO;
        return batch_err_set(reterr, code, "sql", "sqlite writer: %s", sqlite3_errmsg(db));
}

static int sw_open(void *ud, struct batch_ctx *ctx, const char *position,
                   struct batch_err *reterr)
{
        (void)position;
        struct sqlite_writer *w = ud;
        if (w->own) {
                if (sqlite3_open_v2(w->path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                    NULL) != SQLITE_OK)
                        return batch_err_set(reterr, BATCH_EIO, "path", "%s: %s", w->path,
                                             w->db ? sqlite3_errmsg(w->db) : "out of memory");
                sqlite_busy_init(w->db, &w->busy);
                sqlite3_exec(w->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
                int rc = sqlite_gate_get(w->db, &w->gate, reterr);
                if (rc < 0)
                        return rc;
        } else if (!(w->db = batch_ctx_sqlite(ctx))) {
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "sqlite writer: the repository is not SQLite; give a path");
        }
        if (sqlite3_prepare_v3(w->db, w->sql, -1, SQLITE_PREPARE_PERSISTENT, &w->st, NULL) !=
            SQLITE_OK)
                return batch_err_set(reterr, BATCH_EINVAL, "sql", "sqlite writer: %s",
                                     sqlite3_errmsg(w->db));
        w->nparams = sqlite3_bind_parameter_count(w->st);
        w->names = NULL;
        free(w->map);
        w->map = calloc((size_t)w->nparams + 1, sizeof(*w->map));
        return w->map ? 0 : BATCH_ENOMEM;
}

/* Which field each parameter takes, for records with these names. */
static void make_map(struct sqlite_writer *w, const struct batch_record *rec)
{
        for (int i = 1; i <= w->nparams; i++) {
                const char *p = sqlite3_bind_parameter_name(w->st, i);
                int idx = i - 1;
                if (p && (p[0] == ':' || p[0] == '@' || p[0] == '$')) {
                        idx = -1;
                        for (size_t k = 0; k < rec->n; k++)
                                if (!strcmp(rec->names[k], p + 1))
                                        idx = (int)k;
                } else if (p && p[0] == '?') {
                        idx = atoi(p + 1) - 1;
                }
                w->map[i - 1] = idx >= 0 && (size_t)idx < rec->n ? idx : -1;
        }
        w->names = rec->names;
        w->nnames = rec->n;
}

static int put(struct sqlite_writer *w, const struct batch_record *rec, struct batch_err *reterr)
{
        if (rec->names != w->names || rec->n != w->nnames)
                make_map(w, rec);
        sqlite3_reset(w->st);
        for (int i = 0; i < w->nparams; i++) {
                const char *v = w->map[i] >= 0 ? rec->values[w->map[i]] : NULL;
                if (v)
                        sqlite3_bind_text(w->st, i + 1, v, -1, SQLITE_STATIC);
                else
                        sqlite3_bind_null(w->st, i + 1);
        }
        int rc = sqlite3_step(w->st);
        sqlite3_reset(w->st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return classify(w->db, rc, reterr);
        return 0;
}

static int sw_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                    struct batch_err *reterr)
{
        (void)ctx;
        struct sqlite_writer *w = ud;
        int rc = w->own ? sqlite_gate_enter(w->gate, reterr) : 0;
        if (rc < 0)
                return rc;
        if (w->own && sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
                sqlite_gate_leave(w->gate);
                return classify(w->db, sqlite3_extended_errcode(w->db), reterr);
        }
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = put(w, items[i], reterr);
        if (w->own) {
                if (rc == 0 && sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
                        rc = classify(w->db, sqlite3_extended_errcode(w->db), reterr);
                if (rc < 0 && !sqlite3_get_autocommit(w->db))
                        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
                sqlite_gate_leave(w->gate);
        }
        return rc;
}

static void sw_close(void *ud)
{
        struct sqlite_writer *w = ud;
        sqlite3_finalize(w->st);
        w->st = NULL;
        if (w->own) {
                sqlite3_close(w->db);
                sqlite_gate_put(w->gate);
                w->gate = NULL;
        }
        w->db = NULL;
}

static void sw_destroy(void *ud)
{
        struct sqlite_writer *w = ud;
        sw_close(w);
        free(w->map);
        free(w->path);
        free(w->sql);
        free(w);
}

int batch_sqlite_writer(struct batch_writer *out, const struct batch_sqlite_writer_options *o,
                        struct batch_err *reterr)
{
        if (!o || !o->sql)
                return batch_err_set(reterr, BATCH_EINVAL, "sql", "sqlite writer: no statement");
        struct sqlite_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return BATCH_ENOMEM;
        w->own = o->path != NULL;
        w->path = sdk_strdup(o->path);
        w->sql = strdup(o->sql);
        if (!w->sql || (o->path && !w->path)) {
                sw_destroy(w);
                return BATCH_ENOMEM;
        }
        *out = (struct batch_writer){.open_cb = sw_open, .write_cb = sw_write,
                                     .close_cb = sw_close, .destroy_cb = sw_destroy,
                                     .in_repository = !w->own, .ud = w};
        return 0;
}
