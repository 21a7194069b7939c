/* apply.h: applying definition files to the repository, as `batchctl apply PATH...`
 * and `batchd --defs DIR` do (docs/definitions.md).
 *
 * Two steps, so that a caller can show the changes before writing them:
 * defs_apply_plan() loads the files, validates them together with what stays in the
 * repository, and compares each document with its stored version; defs_apply_write()
 * then records every creation, change and (with prune) deletion, each with an audit
 * row, in one transaction. Validation problems change nothing. */
#ifndef BATCH_DEFS_APPLY_H
#define BATCH_DEFS_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "defs/defs.h"
#include "ops/secrets.h"
#include "store/store.h"

enum defs_change_kind {
        DEFS_CREATED,
        DEFS_CHANGED,
        DEFS_UNCHANGED,
        DEFS_DELETED,
        DEFS_CHANGE_X_MAX,
};

/* One document of the files (or, with prune, one stored definition to delete). */
struct defs_change {
        enum defs_change_kind what;
        const char *kind, *tenant, *name; /* borrowed from the plan */
        char *spec;                       /* canonical text to store; NULL for a deletion */
        char keys[512];                   /* "created", or the changed keys comma-separated */
};

/* A plan: caller-owned storage, zero it (or defs_apply_init) before defs_apply_plan and
 * release it with defs_apply_release whatever happened. */
struct defs_apply {
        struct secrets *secrets;           /* set by the caller before planning: encrypts
                                              secret values (ops/secrets.h); NULL: a job
                                              with a secret value cannot be planned */
        struct defset set;                 /* the files' documents, then the stored ones kept */
        struct diag_list diags;            /* validation problems (nothing may be written) */
        struct store_def_list stored;
        size_t n;
        struct defs_change *changes;       /* in file order, then the deletions */
        size_t count[DEFS_CHANGE_X_MAX];  /* changes of each kind */
};

/* Zeroes *a. */
void defs_apply_init(struct defs_apply *a);

/* Frees what *a holds and zeroes it; accepts an initialised, empty plan. */
void defs_apply_release(struct defs_apply *a);

/* The change kind's word: "created", "changed", "unchanged", "deleted". */
const char *defs_change_name(enum defs_change_kind k);

/* Plans applying the definition files or directories `paths` to repository s: loads
 * them, validates them together with the stored definitions that stay (with `prune`,
 * the stored definitions of the files' tenants that the files no longer hold are to be
 * deleted and take no part), and lists each document's change in a->changes. The
 * values of secret keys are encrypted with a->secrets in the text to store; one that
 * decrypts to the stored value keeps the stored text (secrets_seal_doc), so an unchanged
 * secret is no change. Returns 0; BATCH_EINVAL when the definitions have problems (listed
 * in a->diags, unsorted); BATCH_ENOMEM; a secrets_seal_doc error (no usable key, or an
 * encrypted value that does not decrypt); or the repository's error. Reads only (but may
 * create a missing key file, secrets_setup). */
int defs_apply_plan(struct store *s, char *const *paths, size_t npaths, bool prune,
                    struct defs_apply *a, struct batch_err *reterr);

/* Like defs_apply_plan, for the definition text `text` (one or more YAML documents;
 * JSON is YAML too) named `label` in diagnostics, e.g. an API request body. */
int defs_apply_plan_text(struct store *s, const char *label, const char *text, size_t len,
                         struct defs_apply *a, struct batch_err *reterr);

/* Plans deleting the stored definition (tenant, kind, name): what stays is validated
 * without it (a job another depends on, a calendar a job names: BATCH_EINVAL with the
 * problems in a->diags). BATCH_ENOENT when there is no such definition. */
int defs_apply_plan_delete(struct store *s, const char *tenant, const char *kind,
                           const char *name, struct defs_apply *a, struct batch_err *reterr);

/* The number of definitions a planned apply would write (created, changed, deleted). */
size_t defs_apply_writes(const struct defs_apply *a);

/* Records the planned changes in one transaction, each with an audit row naming
 * `actor`, at `now_s`. Does nothing when there is nothing to write. Returns 0, or the
 * repository's error after rolling everything back. */
int defs_apply_write(struct store *s, const struct defs_apply *a, const char *actor,
                     int64_t now_s, struct batch_err *reterr);

#endif
