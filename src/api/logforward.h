/* logforward.h: the log of a run on another node (docs/api.md, "Logs of runs on other
 * nodes"): a run's log file stays on the node that ran it, and the API of any other node
 * answers GET /api/v1/instances/{id}/log by asking that node's API (its address from the
 * `nodes` table) with the caller's own Authorization, and relaying the answer as it
 * comes (status, type, Content-Range, body; a follow stream streamed). Internal to
 * src/api. */
#ifndef BATCH_API_LOGFORWARD_H
#define BATCH_API_LOGFORWARD_H

#include <stdbool.h>
#include <stdint.h>

#include "api/request.h"

/* The header a forwarded request carries: the node asked serves it from its own files
 * or answers 404, never forwards it again. */
#define LOGFORWARD_HEADER "X-Batchd-Forwarded-By"

/* Answers r with the log of execution `exec_id` of instance `id`, which node `node`
 * ran, from that node's API (`follow`: as a stream). 503 when the node has no API
 * address, 502 naming the node and the reason when it does not answer. Returns 0 or -1
 * (after a problem), like a handler. */
int logforward(struct api_req *r, const char *node, int64_t id, int64_t exec_id, bool follow);

#endif
