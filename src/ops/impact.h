/* impact.h: `batchctl apply --dry-run --impact DAYS` and POST /api/v1/impact (issue 24,
 * docs/why.md): the difference between the plan of the next DAYS with the current
 * definitions and with the new ones (core/impact.h), as one JSON document. */
#ifndef BATCH_OPS_IMPACT_H
#define BATCH_OPS_IMPACT_H

#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "defs/apply.h"
#include "defs/defs.h"

/* The longest period an impact covers. */
#define OPS_IMPACT_DAYS_MAX 31

/* Simulates tenant's jobs (NULL: "default") of `before` and of `after` (both validated)
 * over the `days` days from the real time `from_real` (each in its tenant's scheduling
 * clock, DESIGN §2.2), every run taking its job's estimated_minutes and succeeding, and
 * appends the differences to *out: {"tenant", "from", "to", "days", "counts": {...},
 * "items": [...], "next_cursor": null}. Errors: BATCH_ERANGE (days not in
 * 1..OPS_IMPACT_DAYS_MAX), the model's (sched_model_build), BATCH_ENOMEM. */
int ops_impact(const struct defset *before, const struct defset *after, const char *tenant,
               int64_t from_real, int days, struct buf *out, struct batch_err *reterr);

/* The document of a planned apply (defs/apply.h) with its impact: {"changes": [{"what",
 * "kind", "tenant", "name", "keys"}...], "impact": [one ops_impact document per tenant
 * whose definitions change, by tenant name]}. The current definitions are a->stored. Same
 * errors as ops_impact, and BATCH_EFORMAT when a stored definition does not load. */
int ops_impact_apply(const struct defs_apply *a, int64_t from_real, int days, struct buf *out,
                     struct batch_err *reterr);

#endif
