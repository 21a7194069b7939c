/* docindex.h: the first n documents of a defset sorted by kind, tenant and name, and by
 * tenant, so that a document is found by binary search. A scan per lookup made `apply`
 * into a repository of 40,000 jobs take a minute and `diff` of 100,000 run for hours
 * (docs/performance.md). The index holds document indexes, not pointers: loading more
 * documents into the set moves its array, and the index stays valid. */
#ifndef BATCH_DEFS_DOCINDEX_H
#define BATCH_DEFS_DOCINDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "defs/defs.h"

struct doc_index {
        const struct defset *set;
        size_t n;
        size_t *by_key;    /* sorted by kind, tenant, name */
        size_t *by_tenant; /* sorted by tenant */
};

/* Indexes the first n documents of set (which must outlive the index). Returns 0 or
 * BATCH_ENOMEM; doc_index_release after either. */
int doc_index_build(struct doc_index *x, const struct defset *set, size_t n);

/* Frees the index's arrays; *x is empty afterwards. */
void doc_index_release(struct doc_index *x);

/* The document of this kind ("job", "calendar", "settings"), tenant and name among the
 * indexed ones (borrowed from the set), or NULL. */
const struct def_doc *doc_index_find(const struct doc_index *x, const char *kind,
                                     const char *tenant, const char *name);

/* The indexed document of the same kind, tenant and name as `like` (which may be of
 * another set), or NULL. */
const struct def_doc *doc_index_find_like(const struct doc_index *x, const struct def_doc *like);

/* Whether any indexed document is of this tenant. */
bool doc_index_has_tenant(const struct doc_index *x, const char *tenant);

#endif
