/* records.c: gathering field values and making records of them (records.h). */
#include "sdk/records.h"

#include <malloc.h>
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

/* Lays the gathered values out in rec, a block of at least record_bytes(f) bytes. */
static struct batch_record *fill(struct batch_record *rec, const struct fields *f,
                                 const char *const *names, size_t nnames)
{
        size_t n = f->n;
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

static size_t record_bytes(const struct fields *f)
{
        return sizeof(struct batch_record) + 2 * f->n * sizeof(char *) + f->len;
}

struct batch_record *fields_record(const struct fields *f, const char *const *names,
                                   size_t nnames)
{
        struct batch_record *rec = malloc(record_bytes(f));
        return rec ? fill(rec, f, names, nnames) : NULL;
}

void record_pool_init(struct record_pool *p)
{
        pthread_mutex_init(&p->lock, NULL);
        p->head = NULL;
        p->n = 0;
}

void record_pool_release(struct record_pool *p)
{
        while (p->head) {
                void *next = *(void **)p->head;
                free(p->head);
                p->head = next;
        }
        p->n = 0;
        pthread_mutex_destroy(&p->lock);
}

struct batch_record *fields_record_pooled(struct record_pool *p, const struct fields *f,
                                          const char *const *names, size_t nnames)
{
        size_t bytes = record_bytes(f);
        pthread_mutex_lock(&p->lock);
        void *b = p->head;
        if (b) {
                p->head = *(void **)b;
                p->n--;
        }
        pthread_mutex_unlock(&p->lock);
        if (b && malloc_usable_size(b) < bytes) {
                void *nb = realloc(b, bytes);
                if (!nb)
                        free(b);
                b = nb;
        } else if (!b) {
                b = malloc(bytes);
        }
        return b ? fill(b, f, names, nnames) : NULL;
}

void record_pool_put(struct record_pool *p, struct batch_record *rec)
{
        if (!rec)
                return;
        pthread_mutex_lock(&p->lock);
        if (p->n < RECORD_POOL_MAX) {
                *(void **)rec = p->head;
                p->head = rec;
                p->n++;
                rec = NULL;
        }
        pthread_mutex_unlock(&p->lock);
        free(rec);
}
