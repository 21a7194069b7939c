/* record.c: struct batch_record, the item type of the built-in readers and writers:
 * one allocation holding the pointer arrays and the strings. */
#include "sdk/sdk-internal.h"
#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

const char *batch_record_get(const struct batch_record *rec, const char *name)
{
        for (size_t i = 0; rec && i < rec->n; i++)
                if (rec->names[i] && !strcmp(rec->names[i], name))
                        return rec->values[i];
        return NULL;
}

struct batch_record *batch_record_new(size_t n, const char *const *names,
                                      const char *const *values)
{
        size_t bytes = sizeof(struct batch_record) + 2 * n * sizeof(char *);
        for (size_t i = 0; i < n; i++) {
                bytes += strlen(names && names[i] ? names[i] : "") + 1;
                if (values[i])
                        bytes += strlen(values[i]) + 1;
        }
        struct batch_record *rec = malloc(bytes);
        if (!rec)
                return NULL;
        const char **nm = (const char **)(rec + 1);
        char **vals = (char **)(nm + n);
        char *p = (char *)(vals + n);
        for (size_t i = 0; i < n; i++) {
                const char *s = names && names[i] ? names[i] : "";
                size_t l = strlen(s) + 1;
                memcpy(p, s, l);
                nm[i] = p;
                p += l;
                if (values[i]) {
                        l = strlen(values[i]) + 1;
                        memcpy(p, values[i], l);
                        vals[i] = p;
                        p += l;
                } else {
                        vals[i] = NULL;
                }
        }
        rec->n = n;
        rec->names = nm;
        rec->values = vals;
        rec->number = 0;
        return rec;
}

void batch_record_free(struct batch_record *rec)
{
        free(rec);
}

char *batch_record_to_csv(const struct batch_record *rec, char delimiter)
{
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < rec->n; i++) {
                if (i)
                        buf_add(&b, &delimiter, 1);
                const char *v = rec->values[i] ? rec->values[i] : "";
                if (v[strcspn(v, "\"\r\n")] || strchr(v, delimiter)) {
                        buf_add(&b, "\"", 1);
                        for (const char *c = v; *c; c++) {
                                if (*c == '"')
                                        buf_add(&b, "\"", 1);
                                buf_add(&b, c, 1);
                        }
                        buf_add(&b, "\"", 1);
                } else {
                        buf_puts(&b, v);
                }
        }
        if (b.err) {
                buf_release(&b);
                return NULL;
        }
        char *s = buf_detach(&b);
        return s;
}
