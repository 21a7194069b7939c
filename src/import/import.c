/* import.c: the parts of `batchctl import` that every format shares (import.h,
 * import-internal.h): the report, job documents with the defaults of a definition file,
 * and names. */
#include "import/import-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void import_result_release(struct import_result *r)
{
        defset_release(&r->set);
        for (size_t i = 0; i < r->nnotes; i++) {
                free(r->notes[i].subject);
                free(r->notes[i].msg);
        }
        free(r->notes);
        memset(r, 0, sizeof(*r));
}

char *imp_strndup(struct import_result *r, const char *s, size_t n)
{
        if (!s)
                return NULL;
        char *c = strndup(s, n);
        if (!c)
                r->oom = true;
        return c;
}

char *imp_strdup(struct import_result *r, const char *s)
{
        return s ? imp_strndup(r, s, strlen(s)) : NULL;
}

const char *imp_file(struct import_result *r, const char *file)
{
        struct defset *set = &r->set;
        for (size_t i = 0; i < set->nfiles; i++)
                if (!strcmp(set->files[i], file))
                        return set->files[i];
        char **files = realloc(set->files, (set->nfiles + 1) * sizeof(*files));
        char *copy = strdup(file);
        if (!files || !copy) {
                if (files)
                        set->files = files;
                free(copy);
                r->oom = true;
                return "";
        }
        set->files = files;
        files[set->nfiles] = copy;
        return files[set->nfiles++];
}

void imp_note(struct import_result *r, enum import_kind kind, const char *file, int line,
              const char *subject, const char *fmt, ...)
{
        struct import_note *notes = realloc(r->notes, (r->nnotes + 1) * sizeof(*notes));
        if (!notes) {
                r->oom = true;
                return;
        }
        r->notes = notes;
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0) {
                r->oom = true;
                return;
        }
        struct import_note *note = &notes[r->nnotes];
        note->kind = kind;
        note->file = imp_file(r, file);
        note->line = line;
        note->subject = imp_strdup(r, subject);
        note->msg = msg;
        r->nnotes++;
        r->count[kind]++;
}

void import_slug(const char *text, char *out, size_t len)
{
        size_t n = 0;
        char prev = 0; /* the previous input character */
        if (len == 0)
                return;
        for (const char *p = text; *p && n + 2 < len; p++) {
                char c = *p, put;
                if (c >= 'A' && c <= 'Z') {
                        if ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9'))
                                if (n && out[n - 1] != '-')
                                        out[n++] = '-';
                        put = (char)(c - 'A' + 'a');
                } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                           c == '.') {
                        put = c;
                } else {
                        put = '-';
                }
                prev = c;
                if (put == '-' && (n == 0 || out[n - 1] == '-'))
                        continue;
                if (n == 0 && (put == '_' || put == '.'))
                        continue;
                out[n++] = put;
        }
        while (n && (out[n - 1] == '-' || out[n - 1] == '.' || out[n - 1] == '_'))
                n--;
        out[n] = 0;
}

static bool name_taken(const struct defset *set, const char *name)
{
        for (size_t i = 0; i < set->ndocs; i++)
                if (set->docs[i].kind == DEF_JOB && !strcmp(set->docs[i].u.job.name, name))
                        return true;
        return false;
}

struct job_def *imp_job(struct import_result *r, const char *file, int line, const char *base,
                        const char *fallback)
{
        char slug[121], name[140];
        import_slug(base ? base : "", slug, sizeof(slug));
        if (!*slug)
                import_slug(fallback, slug, sizeof(slug));
        snprintf(name, sizeof(name), "%s", slug);
        for (int k = 2; name_taken(&r->set, name); k++)
                snprintf(name, sizeof(name), "%s-%d", slug, k);
        struct defset *set = &r->set;
        struct def_doc *docs = realloc(set->docs, (set->ndocs + 1) * sizeof(*docs));
        if (!docs) {
                r->oom = true;
                return NULL;
        }
        set->docs = docs;
        struct def_doc *d = &docs[set->ndocs];
        memset(d, 0, sizeof(*d));
        d->kind = DEF_JOB;
        d->pos.file = imp_file(r, file);
        d->pos.line = line;
        d->pos.col = 1;
        struct job_def *j = &d->u.job;
        j->tenant = imp_strdup(r, "default");
        j->name = imp_strdup(r, name);
        j->type = JOB_MANUAL;
        j->enabled = true;
        j->estimated_minutes = -1;
        j->max_minutes = -1;
        j->retry_backoff_seconds = 60;
        j->retry_factor = 2.0;
        if (!j->tenant || !j->name) {
                free(j->tenant);
                free(j->name);
                r->oom = true;
                return NULL;
        }
        set->ndocs++;
        return j;
}

void imp_job_drop(struct import_result *r)
{
        if (r->set.ndocs)
                def_doc_release(&r->set.docs[--r->set.ndocs]);
}

static bool grow(struct import_result *r, char ***items, size_t n, char ***vals)
{
        char **a = realloc(*items, (n + 1) * sizeof(*a));
        if (!a) {
                r->oom = true;
                return false;
        }
        *items = a;
        if (vals) {
                char **b = realloc(*vals, (n + 1) * sizeof(*b));
                if (!b) {
                        r->oom = true;
                        return false;
                }
                *vals = b;
        }
        return true;
}

void imp_map_set(struct import_result *r, struct def_map *m, const char *key, const char *val)
{
        char *v = imp_strdup(r, val);
        if (!v)
                return;
        for (size_t i = 0; i < m->n; i++)
                if (!strcmp(m->keys[i], key)) {
                        free(m->vals[i]);
                        m->vals[i] = v;
                        return;
                }
        char *k = imp_strdup(r, key);
        if (!k || !grow(r, &m->keys, m->n, &m->vals)) {
                free(k);
                free(v);
                return;
        }
        m->keys[m->n] = k;
        m->vals[m->n++] = v;
}

void imp_map_copy(struct import_result *r, struct def_map *dst, const struct def_map *src)
{
        for (size_t i = 0; i < src->n; i++)
                imp_map_set(r, dst, src->keys[i], src->vals[i]);
}

void imp_list_add(struct import_result *r, struct def_list *l, const char *s)
{
        char *c = imp_strdup(r, s);
        if (!c || !grow(r, &l->items, l->n, NULL)) {
                free(c);
                return;
        }
        l->items[l->n++] = c;
}
