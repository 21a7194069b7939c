/* dlq.h: what the REST API and batchctl (on a repository) do with dead letters (items a
 * step skipped, with their errors: DESIGN §7, docs/sdk.md), as one implementation. */
#ifndef BATCH_OPS_DLQ_H
#define BATCH_OPS_DLQ_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "store/store.h"

/* Appends the JSON object of a dead letter to b: id, instance, job, step, item, error,
 * created_at. */
void ops_put_dead_letter(struct buf *b, const struct store_dead_letter *d);

/* Appends {"items": [...], "next_cursor": "ID" | null} for the filter to b. Errors of
 * the store are returned with *reterr set. */
int ops_dead_letter_list(struct store *s, const struct store_dead_letter_filter *f,
                         struct buf *b, struct batch_err *reterr);

/* Deletes the dead letters of `tenant` that match `job` (NULL: any) and `instance` (0:
 * any) in one transaction with an audit row ("dlq-purge" by `actor` at `now`);
 * *ret_n is how many. On error nothing is deleted. */
int ops_dead_letter_purge(struct store *s, const char *tenant, const char *job,
                          int64_t instance, const char *actor, int64_t now, size_t *ret_n,
                          struct batch_err *reterr);

#endif
