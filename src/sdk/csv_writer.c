/* csv_writer.c: the built-in CSV writer. Rows are gathered in memory and written and
 * fdatasync'ed by flush_cb before the checkpoint commits; the position is the file's
 * length after that flush. On a restart the file is truncated back to the checkpointed
 * length, so rows of a chunk whose checkpoint never committed disappear and are written
 * again: each row ends up in the file once. */
#include "sdk/sdk-internal.h"
#include "common/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct csv_writer {
        char *path, *path_param;
        char delim;
        char **columns;
        size_t ncolumns;
        bool header, fsync;
        int fd;
        int64_t offset;          /* file length after the last flush */
        struct buf pending;      /* rows not yet written */
        size_t mark;             /* pending.len before the last write_cb */
};

static void put_field(struct buf *b, const char *v, char delim)
{
        if (!v)
                return;
        if (v[strcspn(v, "\"\r\n")] || strchr(v, delim)) {
                buf_add(b, "\"", 1);
                for (const char *c = v; *c; c++) {
                        if (*c == '"')
                                buf_add(b, "\"", 1);
                        buf_add(b, c, 1);
                }
                buf_add(b, "\"", 1);
        } else {
                buf_puts(b, v);
        }
}

static int write_all(int fd, const char *s, size_t n, struct batch_err *reterr)
{
        while (n) {
                ssize_t w = write(fd, s, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return batch_err_set(reterr, BATCH_EIO, "path", "csv writer: %s",
                                             strerror(errno));
                s += w;
                n -= (size_t)w;
        }
        return 0;
}

static int cw_open(void *ud, struct batch_ctx *ctx, const char *position,
                   struct batch_err *reterr)
{
        struct csv_writer *w = ud;
        const char *path = w->path_param ? batch_ctx_param(ctx, w->path_param) : w->path;
        if (!path)
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "csv writer: parameter %s is not set", w->path_param);
        if (path != w->path) {
                free(w->path);
                if (!(w->path = strdup(path)))
                        return BATCH_ENOMEM;
        }
        long long off = 0;
        if (position && sscanf(position, "%lld", &off) != 1)
                return batch_err_set(reterr, BATCH_EFORMAT, "position",
                                     "csv writer: bad position %s", position);
        w->fd = open(w->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (w->fd < 0)
                return batch_err_set(reterr, BATCH_EIO, "path", "%s: %s", w->path,
                                     strerror(errno));
        /* Back to the last checkpoint (or empty at the start). */
        if (ftruncate(w->fd, (off_t)off) < 0 || lseek(w->fd, (off_t)off, SEEK_SET) < 0)
                return batch_err_set(reterr, BATCH_EIO, "path", "%s: %s", w->path,
                                     strerror(errno));
        w->offset = off;
        buf_init(&w->pending, 0);
        w->mark = 0;
        if (!position && w->header && w->ncolumns) {
                for (size_t i = 0; i < w->ncolumns; i++) {
                        if (i)
                                buf_add(&w->pending, &w->delim, 1);
                        put_field(&w->pending, w->columns[i], w->delim);
                }
                buf_add(&w->pending, "\n", 1);
        }
        return 0;
}

static int cw_write(void *ud, struct batch_ctx *ctx, void *const *items, size_t n,
                    struct batch_err *reterr)
{
        (void)ctx;
        struct csv_writer *w = ud;
        w->mark = w->pending.len;
        for (size_t k = 0; k < n; k++) {
                const struct batch_record *rec = items[k];
                size_t nf = w->ncolumns ? w->ncolumns : rec->n;
                for (size_t i = 0; i < nf; i++) {
                        if (i)
                                buf_add(&w->pending, &w->delim, 1);
                        put_field(&w->pending,
                                  w->ncolumns ? batch_record_get(rec, w->columns[i])
                                              : rec->values[i],
                                  w->delim);
                }
                buf_add(&w->pending, "\n", 1);
        }
        if (w->pending.err)
                return batch_err_set(reterr, BATCH_ENOMEM, "csv", "csv writer: out of memory");
        return 0;
}

static void cw_rollback(void *ud)
{
        struct csv_writer *w = ud;
        w->pending.len = w->mark;
        if (w->pending.cap)
                w->pending.data[w->mark] = '\0';
}

static int cw_flush(void *ud, struct batch_err *reterr)
{
        struct csv_writer *w = ud;
        int r = write_all(w->fd, w->pending.data, w->pending.len, reterr);
        if (r == 0 && w->fsync && fdatasync(w->fd) < 0)
                r = batch_err_set(reterr, BATCH_EIO, "path", "csv writer: fdatasync: %s",
                                  strerror(errno));
        if (r < 0) {
                /* Leave the file as at the last flush. */
                if (ftruncate(w->fd, (off_t)w->offset) == 0)
                        lseek(w->fd, (off_t)w->offset, SEEK_SET);
                return r;
        }
        w->offset += (int64_t)w->pending.len;
        w->pending.len = 0;
        w->mark = 0;
        return 0;
}

static int cw_position(void *ud, char **ret, struct batch_err *reterr)
{
        struct csv_writer *w = ud;
        char b[32];
        snprintf(b, sizeof(b), "%" PRId64, w->offset);
        if (!(*ret = strdup(b)))
                return batch_err_set(reterr, BATCH_ENOMEM, "position", "out of memory");
        return 0;
}

static void cw_close(void *ud)
{
        struct csv_writer *w = ud;
        if (w->fd >= 0)
                close(w->fd);
        w->fd = -1;
        buf_release(&w->pending);
}

static void cw_destroy(void *ud)
{
        struct csv_writer *w = ud;
        cw_close(w);
        for (size_t i = 0; i < w->ncolumns; i++)
                free(w->columns[i]);
        free(w->columns);
        free(w->path);
        free(w->path_param);
        free(w);
}

int batch_csv_writer(struct batch_writer *out, const struct batch_csv_writer_options *o,
                     struct batch_err *reterr)
{
        if (!o || (!o->path == !o->path_param))
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "csv writer: give path or path_param");
        struct csv_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return BATCH_ENOMEM;
        w->fd = -1;
        buf_init(&w->pending, 0);
        w->delim = o->delimiter ? o->delimiter : ',';
        w->header = o->header;
        w->fsync = !o->no_fsync;
        w->path = sdk_strdup(o->path);
        w->path_param = sdk_strdup(o->path_param);
        bool ok = (!o->path || w->path) && (!o->path_param || w->path_param);
        if (ok && o->n_columns) {
                ok = (w->columns = calloc(o->n_columns, sizeof(*w->columns))) != NULL;
                for (size_t i = 0; ok && i < o->n_columns; i++)
                        ok = (w->columns[w->ncolumns++] = strdup(o->columns[i])) != NULL;
        }
        if (!ok) {
                cw_destroy(w);
                return batch_err_set(reterr, BATCH_ENOMEM, "csv", "out of memory");
        }
        *out = (struct batch_writer){.open_cb = cw_open, .write_cb = cw_write,
                                     .rollback_cb = cw_rollback, .flush_cb = cw_flush,
                                     .position_cb = cw_position, .close_cb = cw_close,
                                     .destroy_cb = cw_destroy, .ud = w};
        return 0;
}
