/* emit.h: the canonical text of a definition document: YAML with one line per
 * top-level key, keys in a fixed order (kind, tenant, name, then alphabetical),
 * nested mappings in flow style with sorted keys, defaults left out. Byte-stable:
 * the same definitions always give the same bytes, and loading the text back gives
 * the same definitions. `apply` compares documents key by key in this form and
 * `export` writes it. */
#ifndef BATCH_DEFS_EMIT_H
#define BATCH_DEFS_EMIT_H

#include <stddef.h>

#include "common/buf.h"
#include "defs/defs.h"

struct def_field {
        const char *key; /* static */
        char *value;     /* the one-line YAML value, owned */
};

struct def_fields {
        size_t n;
        struct def_field items[32];
};

/* Fills *ret with the document's fields in canonical order. Returns 0 or
 * BATCH_ENOMEM; release with defs_fields_release() either way. */
int defs_fields(const struct def_doc *d, struct def_fields *ret);

/* Frees the values of *f and empties it. */
void defs_fields_release(struct def_fields *f);

/* Appends the document's canonical text ("key: value\n" lines) to *out. Returns 0
 * or BATCH_ENOMEM. */
int defs_emit_doc(const struct def_doc *d, struct buf *out);

/* Appends s to *out as a YAML scalar: plain when that reads back as the same
 * string in any YAML parser, else double-quoted with escapes. */
void defs_emit_scalar(struct buf *out, const char *s);

#endif
