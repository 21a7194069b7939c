/* records.c: gathering field values and making records of them (records.h). */
#include "sdk/records.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void fields_reset(struct fields *f)
{
        f->len = 0;
        f->n = 0;
}

void fields_release(struct fields *f)
{
        free(f->text);
        free(f->start);
        memset(f, 0, sizeof(*f));
}

static int reserve(struct fields *f, size_t n)
{
        if (f->len + n <= f->cap)
                return 0;
        size_t c = f->cap ? f->cap : 256;
        while (c < f->len + n)
                c *= 2;
        char *t = realloc(f->text, c);
        if (!t)
                return -1;
        f->text = t;
        f->cap = c;
        return 0;
}

int fields_begin(struct fields *f)
{
        if (f->n == f->capn) {
                size_t c = f->capn ? f->capn * 2 : 16;
                size_t *s = realloc(f->start, c * sizeof(*s));
                if (!s)
                        return -12;
                f->start = s;
                f->capn = c;
        }
        f->start[f->n++] = f->len;
        return 0;
}

int fields_add(struct fields *f, const char *s, size_t n)
{
        if (reserve(f, n) < 0)
                return -12;
        memcpy(f->text + f->len, s, n);
        f->len += n;
        return 0;
}

int fields_end(struct fields *f)
{
        return fields_add(f, "", 1);
}

int fields_null(struct fields *f)
{
        if (fields_begin(f) < 0)
                return -12;
        f->start[f->n - 1] = SIZE_MAX;
        return 0;
}

const char *fields_value(const struct fields *f, size_t i)
{
        return f->start[i] == SIZE_MAX ? NULL : f->text + f->start[i];
}

struct batch_record *fields_record(const struct fields *f, const char *const *names,
                                   size_t nnames)
{
        size_t n = f->n;
        size_t bytes = sizeof(struct batch_record) + 2 * n * sizeof(char *) + f->len;
        struct batch_record *rec = malloc(bytes);
        if (!rec)
                return NULL;
        const char **nm = (const char **)(rec + 1);
        char **vals = (char **)(nm + n);
        char *text = (char *)(vals + n);
        memcpy(text, f->text, f->len);
        for (size_t i = 0; i < n; i++) {
                nm[i] = i < nnames ? names[i] : "";
                vals[i] = f->start[i] == SIZE_MAX ? NULL : text + f->start[i];
        }
        rec->n = n;
        rec->names = nm;
        rec->values = vals;
        rec->number = 0;
        return rec;
}
