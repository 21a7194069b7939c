/* sqlite_reader.c: the built-in SQLite reader — keyset pagination over a query:
 * `SELECT * FROM (query) WHERE key > last ORDER BY key LIMIT page`, one page at a time
 * (no statement stays open across a commit). The position is the last key read, typed
 * ("i:42", "t:abc", "r:1.5"). */
#include "sdk/sdk-internal.h"
#include "sdk/records.h"
#include "store/sqlite/gate.h"
#include "common/buf.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct sqlite_reader {
        char *path, *query, *key;
        unsigned page;
        sqlite3 *db;
        bool own;
        struct sqlite_busy busy; /* own connection: its busy handler */
        sqlite3_stmt *first, *next;
        char **names;
        size_t nnames;
        int keycol;
        struct batch_record **rows; /* the current page */
        char **keys;             /* the typed key of each row */
        size_t nrows, at;
        bool done;               /* the last page was short */
        char *last;              /* typed key of the last row returned, or NULL */
        struct fields f;
};

static char *typed_key(sqlite3_stmt *st, int col)
{
        struct buf b;
        buf_init(&b, 0);
        switch (sqlite3_column_type(st, col)) {
        case SQLITE_INTEGER: buf_printf(&b, "i:%lld", (long long)sqlite3_column_int64(st, col)); break;
        case SQLITE_FLOAT: buf_printf(&b, "r:%.17g", sqlite3_column_double(st, col)); break;
        default:
                buf_puts(&b, "t:");
                buf_puts(&b, (const char *)sqlite3_column_text(st, col) ?: "");
        }
        return b.err ? (buf_release(&b), NULL) : buf_detach(&b);
}

static void bind_key(sqlite3_stmt *st, const char *k)
{
        if (k[0] == 'i')
                sqlite3_bind_int64(st, 1, strtoll(k + 2, NULL, 10));
        else if (k[0] == 'r')
                sqlite3_bind_double(st, 1, strtod(k + 2, NULL));
        else
                sqlite3_bind_text(st, 1, k + 2, -1, SQLITE_TRANSIENT);
}

static void drop_page(struct sqlite_reader *r)
{
        for (size_t i = r->at; i < r->nrows; i++)
                batch_record_free(r->rows[i]);
        for (size_t i = 0; i < r->nrows; i++)
                free(r->keys[i]);
        r->nrows = r->at = 0;
}

static int sr_open(void *ud, struct batch_ctx *ctx, const char *position,
                   struct batch_err *reterr)
{
        struct sqlite_reader *r = ud;
        if (position && position[0] && (position[1] != ':' || !strchr("irt", position[0])))
                return batch_err_set(reterr, BATCH_EFORMAT, "position",
                                     "sqlite reader: bad position %s", position);
        if (r->own) {
                if (sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
                        return batch_err_set(reterr, BATCH_EIO, "path", "%s: %s", r->path,
                                             r->db ? sqlite3_errmsg(r->db) : "out of memory");
                sqlite_busy_init(r->db, &r->busy);
        } else if (!(r->db = batch_ctx_sqlite(ctx))) {
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "sqlite reader: the repository is not SQLite; give a path");
        }
        /* Two statements: the first page, and the pages after a key. */
        char *sql_first = sqlite3_mprintf("SELECT * FROM (%s) ORDER BY \"%w\" LIMIT ?2", r->query,
                                          r->key);
        char *sql_next = sqlite3_mprintf("SELECT * FROM (%s) WHERE \"%w\" > ?1 ORDER BY \"%w\" "
                                         "LIMIT ?2",
                                         r->query, r->key, r->key);
        int rc = sql_first && sql_next ? 0 : BATCH_ENOMEM;
        if (rc == 0 && (sqlite3_prepare_v2(r->db, sql_first, -1, &r->first, NULL) != SQLITE_OK ||
                        sqlite3_prepare_v2(r->db, sql_next, -1, &r->next, NULL) != SQLITE_OK))
                rc = batch_err_set(reterr, BATCH_EINVAL, "query", "sqlite reader: %s",
                                   sqlite3_errmsg(r->db));
        sqlite3_free(sql_first);
        sqlite3_free(sql_next);
        if (rc < 0)
                return rc;
        int ncol = sqlite3_column_count(r->first);
        r->keycol = -1;
        r->names = calloc((size_t)ncol + 1, sizeof(*r->names));
        if (!r->names)
                return BATCH_ENOMEM;
        for (int i = 0; i < ncol; i++) {
                if (!(r->names[r->nnames++] = strdup(sqlite3_column_name(r->first, i))))
                        return BATCH_ENOMEM;
                if (!strcmp(r->names[i], r->key))
                        r->keycol = i;
        }
        if (r->keycol < 0)
                return batch_err_set(reterr, BATCH_EINVAL, "key",
                                     "sqlite reader: the query has no column %s", r->key);
        free(r->last);
        r->last = position && position[0] ? strdup(position) : NULL;
        r->done = false;
        return 0;
}

static int fetch(struct sqlite_reader *r, struct batch_err *reterr)
{
        drop_page(r);
        sqlite3_stmt *st = r->last ? r->next : r->first;
        sqlite3_reset(st);
        if (r->last)
                bind_key(st, r->last);
        sqlite3_bind_int(st, 2, (int)r->page);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                fields_reset(&r->f);
                for (size_t i = 0; i < r->nnames; i++) {
                        const char *v = (const char *)sqlite3_column_text(st, (int)i);
                        if (!v) {
                                fields_null(&r->f);
                                continue;
                        }
                        fields_begin(&r->f);
                        fields_add(&r->f, v, (size_t)sqlite3_column_bytes(st, (int)i));
                        fields_end(&r->f);
                }
                struct batch_record *rec = fields_record(&r->f, (const char *const *)r->names,
                                                         r->nnames);
                char *k = typed_key(st, r->keycol);
                if (!rec || !k) {
                        batch_record_free(rec);
                        free(k);
                        sqlite3_reset(st);
                        return BATCH_ENOMEM;
                }
                r->rows[r->nrows] = rec;
                r->keys[r->nrows++] = k;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                int primary = rc & 0xff;
                return batch_err_set(reterr,
                                     primary == SQLITE_BUSY || primary == SQLITE_LOCKED
                                             ? BATCH_ETRANSIENT
                                             : BATCH_EIO,
                                     "query", "sqlite reader: %s", sqlite3_errmsg(r->db));
        }
        r->done = r->nrows < r->page;
        return 0;
}

static int sr_read(void *ud, void **ret, struct batch_err *reterr)
{
        struct sqlite_reader *r = ud;
        if (r->at == r->nrows) {
                if (r->done)
                        return 0;
                int rc = fetch(r, reterr);
                if (rc < 0)
                        return rc;
                if (r->nrows == 0)
                        return 0;
        }
        char *k = strdup(r->keys[r->at]);
        if (!k)
                return BATCH_ENOMEM;
        free(r->last);
        r->last = k;
        *ret = r->rows[r->at++];
        return 1;
}

static int sr_position(void *ud, char **ret, struct batch_err *reterr)
{
        struct sqlite_reader *r = ud;
        if (!(*ret = strdup(r->last ? r->last : "")))
                return batch_err_set(reterr, BATCH_ENOMEM, "position", "out of memory");
        return 0;
}

static char *sr_text(void *ud, const void *item)
{
        (void)ud;
        return item ? batch_record_to_csv(item, ',') : NULL;
}

static void sr_free(void *ud, void *item)
{
        (void)ud;
        batch_record_free(item);
}

static void sr_close(void *ud)
{
        struct sqlite_reader *r = ud;
        drop_page(r);
        sqlite3_finalize(r->first);
        sqlite3_finalize(r->next);
        r->first = r->next = NULL;
        if (r->own)
                sqlite3_close(r->db);
        r->db = NULL;
        for (size_t i = 0; i < r->nnames; i++)
                free(r->names[i]);
        free(r->names);
        r->names = NULL;
        r->nnames = 0;
}

static void sr_destroy(void *ud)
{
        struct sqlite_reader *r = ud;
        sr_close(r);
        free(r->rows);
        free(r->keys);
        free(r->last);
        free(r->path);
        free(r->query);
        free(r->key);
        fields_release(&r->f);
        free(r);
}

int batch_sqlite_reader(struct batch_reader *out, const struct batch_sqlite_reader_options *o,
                        struct batch_err *reterr)
{
        if (!o || !o->query || !o->key)
                return batch_err_set(reterr, BATCH_EINVAL, "query",
                                     "sqlite reader: query and key are required");
        struct sqlite_reader *r = calloc(1, sizeof(*r));
        if (!r)
                return BATCH_ENOMEM;
        r->own = o->path != NULL;
        r->page = o->page_size ? o->page_size : 1000;
        r->path = sdk_strdup(o->path);
        r->query = strdup(o->query);
        r->key = strdup(o->key);
        r->rows = calloc(r->page, sizeof(*r->rows));
        r->keys = calloc(r->page, sizeof(*r->keys));
        if (!r->query || !r->key || !r->rows || !r->keys || (o->path && !r->path)) {
                sr_destroy(r);
                return BATCH_ENOMEM;
        }
        *out = (struct batch_reader){.open_cb = sr_open, .read_cb = sr_read,
                                     .position_cb = sr_position, .text_cb = sr_text,
                                     .free_cb = sr_free, .close_cb = sr_close,
                                     .destroy_cb = sr_destroy, .ud = r};
        return 0;
}
