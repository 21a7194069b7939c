/* springdb.h: reading a Spring Batch job repository (springbatch.h) from its database. */
#ifndef BATCH_IMPORT_SPRINGDB_H
#define BATCH_IMPORT_SPRINGDB_H

#include "common/err.h"
#include "core/tz.h"
#include "import/springbatch.h"

/* Reads every job instance with its executions, their step executions and the
 * identifying parameters of its first execution from `dsn`: a SQLite file (opened
 * read-only) or a postgresql:// connection string, the schema of Spring Batch 4 or 5.
 * Times without a zone are wall-clock times of `z`. Errors: BATCH_EIO (cannot open,
 * or a table is missing, with the database's message), BATCH_EFORMAT (a timestamp that
 * is not one), BATCH_ENOMEM; *ret is set only on success. */
int springdb_read(const char *dsn, const struct tz *z, struct sb_history *ret,
                  struct batch_err *reterr);

#endif
