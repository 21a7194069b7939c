/* load.h: reads definition files (YAML, DESIGN.md §2) into a defset.
 *
 * Every problem is reported as a diagnostic with file:line:column and the key;
 * loading goes on after a problem so that all of them are reported at once. */
#ifndef BATCH_DEFS_LOAD_H
#define BATCH_DEFS_LOAD_H

#include <stddef.h>

#include "common/err.h"
#include "defs/defs.h"

/* Largest definition file accepted. */
#define DEFS_FILE_MAX (4 * 1024 * 1024)

/* Parses the YAML text `data` of `len` bytes, named `file` in diagnostics, and appends
 * its documents to *set. Problems go to *diags. Returns 0 (even with diagnostics)
 * or BATCH_ENOMEM. */
int defs_load_buffer(struct defset *set, const char *file, const char *data, size_t len,
                     struct diag_list *diags);

/* Like defs_load_buffer, where a document without `kind` is of `default_kind` (files:
 * a job; an API route knows which kind it takes). */
int defs_load_buffer_as(struct defset *set, const char *file, const char *data, size_t len,
                        enum def_kind default_kind, struct diag_list *diags);

/* Loads every path: a file, or a directory whose *.yaml and *.yml files (in its
 * subdirectories too, hidden entries skipped, in path order) are loaded. Unreadable, missing or oversized files are
 * diagnostics. Returns 0 or BATCH_ENOMEM. */
int defs_load_paths(struct defset *set, char *const *paths, size_t npaths,
                    struct diag_list *diags);

#endif
