/* docindex.c: documents found by binary search (see docindex.h). */
#include "defs/docindex.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/* A document's kind, tenant and name, or what is looked for: the same, or (kind NULL)
 * a tenant. */
struct doc_key {
        const char *kind, *tenant, *name;
};

static struct doc_key key_of(const struct def_doc *d)
{
        return (struct doc_key){def_kind_name(d->kind), def_doc_tenant(d), def_doc_name(d)};
}

/* By kind, tenant and name; by tenant alone when a has no kind. */
static int key_cmp(const struct doc_key *a, const struct doc_key *b)
{
        int c = a->kind ? strcmp(a->kind, b->kind) : 0;
        if (!c)
                c = strcmp(a->tenant, b->tenant);
        return c || !a->kind ? c : strcmp(a->name, b->name);
}

static int by_key(const void *pa, const void *pb, void *arg)
{
        const struct defset *set = arg;
        struct doc_key a = key_of(&set->docs[*(const size_t *)pa]);
        struct doc_key b = key_of(&set->docs[*(const size_t *)pb]);
        return key_cmp(&a, &b);
}

static int by_tenant(const void *pa, const void *pb, void *arg)
{
        const struct defset *set = arg;
        return strcmp(def_doc_tenant(&set->docs[*(const size_t *)pa]),
                      def_doc_tenant(&set->docs[*(const size_t *)pb]));
}

/* bsearch's comparison: the key sought against an indexed document. */
struct sought {
        const struct defset *set;
        struct doc_key key;
};

static int find_cmp(const void *pk, const void *pdoc)
{
        const struct sought *k = pk;
        struct doc_key d = key_of(&k->set->docs[*(const size_t *)pdoc]);
        return key_cmp(&k->key, &d);
}

int doc_index_build(struct doc_index *x, const struct defset *set, size_t n)
{
        *x = (struct doc_index){.set = set, .n = n};
        x->by_key = malloc((n ? n : 1) * sizeof(size_t));
        x->by_tenant = malloc((n ? n : 1) * sizeof(size_t));
        if (!x->by_key || !x->by_tenant)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < n; i++)
                x->by_key[i] = x->by_tenant[i] = i;
        qsort_r(x->by_key, n, sizeof(size_t), by_key, (void *)set);
        qsort_r(x->by_tenant, n, sizeof(size_t), by_tenant, (void *)set);
        return 0;
}

void doc_index_release(struct doc_index *x)
{
        free(x->by_key);
        free(x->by_tenant);
        *x = (struct doc_index){0};
}

const struct def_doc *doc_index_find(const struct doc_index *x, const char *kind,
                                     const char *tenant, const char *name)
{
        struct sought k = {x->set, {kind, tenant, name}};
        const size_t *at = bsearch(&k, x->by_key, x->n, sizeof(size_t), find_cmp);
        return at ? &x->set->docs[*at] : NULL;
}

const struct def_doc *doc_index_find_like(const struct doc_index *x, const struct def_doc *like)
{
        struct doc_key k = key_of(like);
        return doc_index_find(x, k.kind, k.tenant, k.name);
}

bool doc_index_has_tenant(const struct doc_index *x, const char *tenant)
{
        struct sought k = {x->set, {NULL, tenant, NULL}};
        return bsearch(&k, x->by_tenant, x->n, sizeof(size_t), find_cmp) != NULL;
}
