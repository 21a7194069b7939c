/* nodes.h: the nodes sharing a repository as operators see them (docs/daemon.md,
 * "Nodes"), one implementation for the REST API and batchctl --db: a node as JSON, and
 * drain / undrain audited with the change. */
#ifndef BATCH_OPS_NODES_H
#define BATCH_OPS_NODES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "store/store.h"

/* What a node is now, from its row and the database's time `db_now_s`: "lost" once its
 * lease ended (no heartbeat for three intervals), else "drained" (draining, no run left),
 * "draining", or "active". Static text. */
const char *ops_node_status(const struct store_node *n, int64_t db_now_s);

/* Appends node n's JSON object to b: name, state (the operator's), status
 * (ops_node_status), capacity, running, labels (an array), api_url, started_at,
 * heartbeat_at, heartbeat_age_seconds, lease_expires_at, clock_offset_seconds, may_plan.
 * Times are on the database's clock (`db_now_s` is its now). */
void ops_put_node(struct buf *b, const struct store_node *n, int64_t db_now_s);

/* Sets node `name` to `state` ("active" or "draining") for `actor` at `now_s`, audited
 * ("node-drain" / "node-undrain") in the same transaction when it changes; *ret_changed
 * says whether it did. BATCH_ENOENT when there is no such node. */
int ops_node_set_state(struct store *s, const char *name, const char *state, const char *actor,
                       int64_t now_s, bool *ret_changed, struct batch_err *reterr);

#endif
