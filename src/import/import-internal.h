/* import-internal.h: what the translators of import.h share: building job documents
 * with batchd's defaults, unique names, and the report. An allocation failure sets
 * r->oom and the helper returns NULL or does nothing; translators check r->oom at the
 * end. */
#ifndef BATCH_IMPORT_INTERNAL_H
#define BATCH_IMPORT_INTERNAL_H

#include "import/import.h"

/* The file name as kept in the result (borrowed, valid until release), added once. */
const char *imp_file(struct import_result *r, const char *file);

/* Appends a job document at file:line with the defaults of a definition file and a
 * unique name made from `base` by import_slug (`fallback` when that is empty; "-2",
 * "-3"... when taken). Returns the job (borrowed, valid until the next imp_job) or
 * NULL. */
struct job_def *imp_job(struct import_result *r, const char *file, int line, const char *base,
                        const char *fallback);

/* Takes back the job imp_job appended last (an entry that turned out not to translate). */
void imp_job_drop(struct import_result *r);

/* Appends a note to the report (printf-style message); subject may be NULL. */
void imp_note(struct import_result *r, enum import_kind kind, const char *file, int line,
              const char *subject, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A heap copy of s (NULL stays NULL), or of its first n bytes. */
char *imp_strdup(struct import_result *r, const char *s);
char *imp_strndup(struct import_result *r, const char *s, size_t n);

/* Sets key to a copy of val in the map (replacing an earlier value). */
void imp_map_set(struct import_result *r, struct def_map *m, const char *key, const char *val);

/* Appends a copy of s to the list. */
void imp_list_add(struct import_result *r, struct def_list *l, const char *s);

/* Copies every entry of src into dst. */
void imp_map_copy(struct import_result *r, struct def_map *dst, const struct def_map *src);

#endif
