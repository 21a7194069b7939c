/* why.h: `batchctl why` and GET /api/v1/jobs/{name}/why (issue 24, docs/why.md) as one
 * JSON document, computed by the core's explanation (core/whyplan.h) from a repository or
 * from definition files. */
#ifndef BATCH_OPS_WHY_H
#define BATCH_OPS_WHY_H

#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "defs/defs.h"
#include "store/store.h"

struct ops_why_query {
        const char *tenant;   /* NULL: "default" */
        const char *job;
        const char *at;       /* ISO time on the tenant's scheduling clock (without an offset:
                                 in the tenant's zone); NULL: now */
        int64_t instance;     /* non-zero: explain this instance of the job instead (a
                                 repository is needed) */
        int64_t now_real;     /* the real time now, Unix seconds */
};

/* Explains q from repository s: its definitions, and the instances it recorded — a due
 * time still to come is forecast from now on from the live instances; one that has come
 * is replayed from the job's previous due time with the recorded run times and results;
 * an instance is followed from now on. Appends the document to *out. Errors (in reterr):
 * BATCH_ENOENT (no such job, or no such instance of it), BATCH_ESYNTAX / BATCH_ERANGE (a
 * bad `at`), BATCH_EINVAL (at and instance together), the repository's, BATCH_ENOMEM. */
int ops_why_repo(struct store *s, const struct ops_why_query *q, struct buf *out,
                 struct batch_err *reterr);

/* The same from definitions alone (validated `set`): a forecast from the job's previous
 * due time where every run takes its job's estimated_minutes and succeeds. */
int ops_why_defs(const struct defset *set, const struct ops_why_query *q, struct buf *out,
                 struct batch_err *reterr);

#endif
