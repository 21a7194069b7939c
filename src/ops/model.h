/* model.h: the scheduling model (sched/model.h) of a tenant's stored definitions, for the
 * read-only views that simulate or check against the schedule (report, why, impact). */
#ifndef BATCH_OPS_MODEL_H
#define BATCH_OPS_MODEL_H

#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "defs/defs.h"
#include "sched/model.h"
#include "store/store.h"

/* Loads tenant's stored definitions into *set (zeroed first) and builds *m from them.
 * On success release both (sched_model_release, then defset_release); on failure nothing
 * is held. Errors: the repository's, BATCH_EFORMAT (a stored definition does not load),
 * the model's (sched_model_build), BATCH_ENOMEM. */
int ops_load_model(struct store *s, const char *tenant, struct defset *set,
                   struct sched_model *m, struct batch_err *reterr);

/* Appends `, "key": ` and instant t as ISO text in zone z, or null for 0, INT64_MIN and
 * INT64_MAX (none): the time members of the documents that simulate (why, impact). */
void ops_put_time(struct buf *b, const char *key, int64_t t, const struct tz *z);

#endif
