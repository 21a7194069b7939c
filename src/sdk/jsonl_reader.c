/* jsonl_reader.c: the built-in JSON-lines reader — one JSON object per line, its members
 * as the record's fields; restart by byte offset ("OFFSET:RECORDS"). A line that is not
 * a JSON object is a read skip. */
#include "sdk/sdk-internal.h"
#include "sdk/filebuf.h"
#include "sdk/records.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct jsonl_reader {
        char *path, *path_param;
        struct filebuf fb;
        bool open;
        int64_t recno;
        char *bad;
        struct fields f;
        char **names;            /* names of the current record (owned; records borrow) */
        size_t nnames, capnames;
        /* Records borrow names: every record's names live until the reader closes. */
        char **all;
        size_t nall, capall;
};

static const char *intern(struct jsonl_reader *j, const char *name)
{
        for (size_t i = 0; i < j->nall; i++)
                if (!strcmp(j->all[i], name))
                        return j->all[i];
        if (j->nall == j->capall) {
                size_t c = j->capall ? j->capall * 2 : 32;
                char **a = realloc(j->all, c * sizeof(*a));
                if (!a)
                        return NULL;
                j->all = a;
                j->capall = c;
        }
        return j->all[j->nall++] = strdup(name);
}

static int jl_open(void *ud, struct batch_ctx *ctx, const char *position,
                   struct batch_err *reterr)
{
        struct jsonl_reader *j = ud;
        const char *path = j->path_param ? batch_ctx_param(ctx, j->path_param) : j->path;
        if (!path)
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "jsonl reader: parameter %s is not set", j->path_param);
        long long off = 0, recs = 0;
        if (position && sscanf(position, "%lld:%lld", &off, &recs) != 2)
                return batch_err_set(reterr, BATCH_EFORMAT, "position",
                                     "jsonl reader: bad position %s", position);
        int r = filebuf_open(&j->fb, path, off, reterr);
        if (r < 0)
                return r;
        j->open = true;
        j->recno = recs;
        return 0;
}

static int jl_read(void *ud, void **ret, struct batch_err *reterr)
{
        struct jsonl_reader *j = ud;
        for (;;) {
                const char *raw;
                size_t len;
                bool unterminated;
                int r = filebuf_next(&j->fb, false, &raw, &len, &unterminated, reterr);
                if (r <= 0)
                        return r;
                if (len == 0)
                        continue;
                j->recno++;
                free(j->bad);
                j->bad = NULL;
                json_error_t jerr;
                json_t *o = json_loadb(raw, len, 0, &jerr);
                if (!o || !json_is_object(o)) {
                        json_decref(o);
                        j->bad = strndup(raw, len);
                        return batch_err_set(reterr, BATCH_ESKIP, "record",
                                             "line %" PRId64 ": not a JSON object: %s", j->recno,
                                             o ? "another JSON value" : jerr.text);
                }
                fields_reset(&j->f);
                const char *key;
                json_t *v;
                size_t n = 0;
                const char **names = malloc((json_object_size(o) + 1) * sizeof(*names));
                r = names ? 0 : BATCH_ENOMEM;
                json_object_foreach(o, key, v)
                {
                        if (r < 0)
                                break;
                        if (!(names[n++] = intern(j, key))) {
                                r = BATCH_ENOMEM;
                                break;
                        }
                        if (json_is_null(v)) {
                                r = fields_null(&j->f);
                        } else if (json_is_string(v)) {
                                r = fields_begin(&j->f);
                                fields_add(&j->f, json_string_value(v), json_string_length(v));
                                fields_end(&j->f);
                        } else {
                                char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                                r = s ? fields_begin(&j->f) : BATCH_ENOMEM;
                                if (s) {
                                        fields_add(&j->f, s, strlen(s));
                                        fields_end(&j->f);
                                }
                                free(s);
                        }
                }
                json_decref(o);
                struct batch_record *rec = r == 0 ? fields_record(&j->f, names, n) : NULL;
                free(names);
                if (!rec)
                        return batch_err_set(reterr, BATCH_ENOMEM, "record", "out of memory");
                rec->number = j->recno;
                *ret = rec;
                return 1;
        }
}

static int jl_position(void *ud, char **ret, struct batch_err *reterr)
{
        struct jsonl_reader *j = ud;
        char buf[64];
        snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64, filebuf_offset(&j->fb), j->recno);
        if (!(*ret = strdup(buf)))
                return batch_err_set(reterr, BATCH_ENOMEM, "position", "out of memory");
        return 0;
}

static char *jl_text(void *ud, const void *item)
{
        struct jsonl_reader *j = ud;
        if (!item)
                return sdk_strdup(j->bad);
        const struct batch_record *rec = item;
        json_t *o = json_object();
        for (size_t i = 0; o && i < rec->n; i++)
                json_object_set_new(o, rec->names[i],
                                    rec->values[i] ? json_string(rec->values[i]) : json_null());
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        return s;
}

static void jl_free(void *ud, void *item)
{
        (void)ud;
        batch_record_free(item);
}

static void jl_close(void *ud)
{
        struct jsonl_reader *j = ud;
        if (j->open)
                filebuf_close(&j->fb);
        j->open = false;
}

static void jl_destroy(void *ud)
{
        struct jsonl_reader *j = ud;
        jl_close(j);
        for (size_t i = 0; i < j->nall; i++)
                free(j->all[i]);
        free(j->all);
        free(j->names);
        free(j->path);
        free(j->path_param);
        free(j->bad);
        fields_release(&j->f);
        free(j);
}

int batch_jsonl_reader(struct batch_reader *r, const struct batch_csv_options *o,
                       struct batch_err *reterr)
{
        if (!o || (!o->path == !o->path_param))
                return batch_err_set(reterr, BATCH_EINVAL, "path",
                                     "jsonl reader: give path or path_param");
        struct jsonl_reader *j = calloc(1, sizeof(*j));
        if (!j)
                return BATCH_ENOMEM;
        j->path = sdk_strdup(o->path);
        j->path_param = sdk_strdup(o->path_param);
        if ((o->path && !j->path) || (o->path_param && !j->path_param)) {
                jl_destroy(j);
                return BATCH_ENOMEM;
        }
        *r = (struct batch_reader){.open_cb = jl_open, .read_cb = jl_read,
                                   .position_cb = jl_position, .text_cb = jl_text,
                                   .free_cb = jl_free, .close_cb = jl_close,
                                   .destroy_cb = jl_destroy, .ud = j};
        return 0;
}
