/* import-spring.h: the Spring Batch part of `batchctl import` (cmd-import-spring.c). */
#ifndef BATCH_CLI_IMPORT_SPRING_H
#define BATCH_CLI_IMPORT_SPRING_H

#include "import/springbatch.h"

/* What cli_import_spring_history wrote. */
struct spring_written {
        size_t instances, executions, steps;
};

/* Writes the instances of *h that import_spring_jobs marked for import (state >= 0) into
 * repository `db` (as cli_open_repo resolves it) with their recorded times, in one
 * transaction with an audit row; refuses (nothing written) when the repository already
 * holds an imported history of one of their jobs. `source` names the old repository in the
 * audit (never a password). Fills *ret with what it wrote (problems are printed); returns
 * an enum cli_exit. */
int cli_import_spring_history(const char *db, const char *source, struct sb_history *h,
                              struct spring_written *ret);

#endif
