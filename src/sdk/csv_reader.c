/* csv_reader.c: the built-in CSV reader — RFC 4180 quoting ("" inside quotes, line ends
 * inside quotes), CRLF or LF, a header line naming the fields, restart by byte offset
 * (the position is "OFFSET:RECORDS"). A malformed record is a read skip. */
#include "sdk/sdk-internal.h"
#include "sdk/filebuf.h"
#include "sdk/records.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct csv_reader {
        char *path;
        char *path_param;
        char delim;
        bool header;
        bool strict;
        char **names;            /* field names (header or options) */
        size_t nnames;
        struct filebuf fb;
        bool open;
        int64_t recno;           /* records returned or skipped so far */
        char *bad;               /* raw text of the last malformed record */
        struct fields f;         /* scratch for one record's fields */
        struct record_pool pool; /* records given back, reused (records.h) */
};

static void free_names(struct csv_reader *c)
{
        for (size_t i = 0; i < c->nnames; i++)
                free(c->names[i]);
        free(c->names);
        c->names = NULL;
        c->nnames = 0;
}

/* Splits raw[0..len) into fields. 0, or BATCH_ESKIP with the reason. */
static int split(struct csv_reader *c, const char *raw, size_t len, struct batch_err *reterr)
{
        struct fields *f = &c->f;
        fields_reset(f);
        size_t i = 0;
        for (;;) {
                if (fields_begin(f) < 0)
                        return batch_err_set(reterr, BATCH_ENOMEM, "record", "out of memory");
                if (i < len && raw[i] == '"') {
                        i++;
                        for (;;) {
                                if (i >= len)
                                        return batch_err_set(reterr, BATCH_ESKIP, "record",
                                                             "record %" PRId64 ": unterminated "
                                                             "quoted field",
                                                             c->recno);
                                if (raw[i] == '"') {
                                        if (i + 1 < len && raw[i + 1] == '"') {
                                                fields_add(f, "\"", 1);
                                                i += 2;
                                                continue;
                                        }
                                        i++;
                                        break;
                                }
                                size_t j = i;
                                while (j < len && raw[j] != '"')
                                        j++;
                                fields_add(f, raw + i, j - i);
                                i = j;
                        }
                        if (i < len && raw[i] != c->delim)
                                return batch_err_set(reterr, BATCH_ESKIP, "record",
                                                     "record %" PRId64 ": text after a closing "
                                                     "quote",
                                                     c->recno);
                } else {
                        const char *d = memchr(raw + i, c->delim, len - i);
                        size_t j = d ? (size_t)(d - raw) : len;
                        fields_add(f, raw + i, j - i);
                        i = j;
                }
                if (fields_end(f) < 0)
                        return batch_err_set(reterr, BATCH_ENOMEM, "record", "out of memory");
                if (i >= len)
                        return 0;
                i++; /* the delimiter */
        }
}

static int read_header(struct csv_reader *c, struct batch_err *reterr)
{
        const char *raw;
        size_t len;
        bool unterminated;
        int r = filebuf_next(&c->fb, true, &raw, &len, &unterminated, reterr);
        if (r <= 0)
                return r < 0 ? r
                             : batch_err_set(reterr, BATCH_EFORMAT, "header",
                                             "%s: no header line", c->path);
        if ((r = split(c, raw, len, reterr)) < 0)
                return batch_err_set(reterr, BATCH_EFORMAT, "header", "%s: bad header: %s",
                                     c->path, reterr ? reterr->msg : "");
        free_names(c);
        c->names = calloc(c->f.n ? c->f.n : 1, sizeof(*c->names));
        if (!c->names)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < c->f.n; i++)
                if (!(c->names[c->nnames++] = strdup(fields_value(&c->f, i))))
                        return BATCH_ENOMEM;
        return 0;
}

static int csv_open(void *ud, struct batch_ctx *ctx, const char *position,
                    struct batch_err *reterr)
{
        struct csv_reader *c = ud;
        const char *path = c->path_param ? batch_ctx_param(ctx, c->path_param) : c->path;
        if (!path)
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "csv reader: parameter %s is not set", c->path_param);
        if (path != c->path) {
                free(c->path);
                if (!(c->path = strdup(path)))
                        return BATCH_ENOMEM;
        }
        long long off = 0, recs = 0;
        if (position && sscanf(position, "%lld:%lld", &off, &recs) != 2)
                return batch_err_set(reterr, BATCH_EFORMAT, "position",
                                     "csv reader: bad position %s", position);
        int r = filebuf_open(&c->fb, c->path, 0, reterr);
        if (r < 0)
                return r;
        c->open = true;
        c->recno = 0;
        if (c->header && (r = read_header(c, reterr)) < 0)
                return r;
        if (position) {
                filebuf_close(&c->fb);
                c->open = false;
                if ((r = filebuf_open(&c->fb, c->path, off, reterr)) < 0)
                        return r;
                c->open = true;
                c->recno = recs;
        }
        return 0;
}

static int csv_read(void *ud, void **ret, struct batch_err *reterr)
{
        struct csv_reader *c = ud;
        for (;;) {
                const char *raw;
                size_t len;
                bool unterminated;
                int r = filebuf_next(&c->fb, true, &raw, &len, &unterminated, reterr);
                if (r <= 0)
                        return r;
                if (len == 0)
                        continue; /* an empty line is no record */
                c->recno++;
                free(c->bad);
                c->bad = NULL;
                r = unterminated ? batch_err_set(reterr, BATCH_ESKIP, "record",
                                                 "record %" PRId64 ": unterminated quoted field",
                                                 c->recno)
                                 : split(c, raw, len, reterr);
                if (r == 0 && c->nnames && (c->strict || c->header) && c->f.n != c->nnames)
                        r = batch_err_set(reterr, BATCH_ESKIP, "record",
                                          "record %" PRId64 ": %zu fields, the header has %zu",
                                          c->recno, c->f.n, c->nnames);
                if (r == BATCH_ESKIP) {
                        c->bad = strndup(raw, len);
                        return r;
                }
                if (r < 0)
                        return r;
                struct batch_record *rec = fields_record_pooled(
                        &c->pool, &c->f, (const char *const *)c->names, c->nnames);
                if (!rec)
                        return batch_err_set(reterr, BATCH_ENOMEM, "record", "out of memory");
                rec->number = c->recno;
                *ret = rec;
                return 1;
        }
}

static int csv_position(void *ud, char **ret, struct batch_err *reterr)
{
        struct csv_reader *c = ud;
        char buf[64];
        snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64, filebuf_offset(&c->fb), c->recno);
        if (!(*ret = strdup(buf)))
                return batch_err_set(reterr, BATCH_ENOMEM, "position", "out of memory");
        return 0;
}

static char *csv_text(void *ud, const void *item)
{
        struct csv_reader *c = ud;
        if (!item)
                return sdk_strdup(c->bad);
        return batch_record_to_csv(item, c->delim);
}

static void csv_free(void *ud, void *item)
{
        struct csv_reader *c = ud;
        record_pool_put(&c->pool, item);
}

static void csv_close(void *ud)
{
        struct csv_reader *c = ud;
        if (c->open)
                filebuf_close(&c->fb);
        c->open = false;
}

static void csv_destroy(void *ud)
{
        struct csv_reader *c = ud;
        csv_close(c);
        free_names(c);
        free(c->path);
        free(c->path_param);
        free(c->bad);
        fields_release(&c->f);
        record_pool_release(&c->pool);
        free(c);
}

/* Shared by the CSV and JSON-lines readers: the options checked and copied. */
static struct csv_reader *reader_new(const struct batch_csv_options *o, struct batch_err *reterr)
{
        if (!o || (!o->path == !o->path_param)) {
                batch_err_set(reterr, BATCH_EINVAL, "path", "reader: give path or path_param");
                return NULL;
        }
        struct csv_reader *c = calloc(1, sizeof(*c));
        if (!c) {
                batch_err_set(reterr, BATCH_ENOMEM, "reader", "out of memory");
                return NULL;
        }
        record_pool_init(&c->pool);
        c->delim = o->delimiter ? o->delimiter : ',';
        c->header = o->header;
        c->strict = o->strict_width;
        c->path = sdk_strdup(o->path);
        c->path_param = sdk_strdup(o->path_param);
        bool ok = (!o->path || c->path) && (!o->path_param || c->path_param);
        if (ok && !o->header && o->n_names) {
                c->names = calloc(o->n_names, sizeof(*c->names));
                ok = c->names != NULL;
                for (size_t i = 0; ok && i < o->n_names; i++)
                        ok = (c->names[c->nnames++] = strdup(o->names[i])) != NULL;
        }
        if (!ok) {
                csv_destroy(c);
                batch_err_set(reterr, BATCH_ENOMEM, "reader", "out of memory");
                return NULL;
        }
        return c;
}

int batch_csv_reader(struct batch_reader *r, const struct batch_csv_options *o,
                     struct batch_err *reterr)
{
        struct csv_reader *c = reader_new(o, reterr);
        if (!c)
                return reterr ? reterr->code : BATCH_EINVAL;
        *r = (struct batch_reader){.open_cb = csv_open, .read_cb = csv_read,
                                   .position_cb = csv_position, .text_cb = csv_text,
                                   .free_cb = csv_free, .close_cb = csv_close,
                                   .destroy_cb = csv_destroy, .ud = c};
        return 0;
}
