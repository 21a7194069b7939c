/* alerts.h: what the REST API and batchctl (on a repository) do with alerts
 * (docs/alerts.md): list, get, explain why an alert was or was not delivered, and
 * acknowledge, as one implementation. */
#ifndef BATCH_OPS_ALERTS_H
#define BATCH_OPS_ALERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "store/store.h"

/* Appends the JSON object of an alert to b: id, tenant, job, instance, kind, severity,
 * message, created_at, suppressed_by, acknowledged, acknowledged_at, acknowledged_by. */
void ops_put_alert(struct buf *b, const struct store_alert *a);

/* Appends {"items": [...], "next_cursor": "ID" | null} for the filter (newest first;
 * the cursor goes into f->before_id for the next page) to b. */
int ops_alert_list(struct store *s, const struct store_alert_filter *f, struct buf *b,
                   struct batch_err *reterr);

/* The alert `id` of `tenant` with its deliveries (release both); BATCH_ENOENT when there
 * is none in that tenant. */
int ops_alert_get(struct store *s, const char *tenant, int64_t id, struct store_alert *ret,
                  struct store_delivery_list *ret_deliveries, struct batch_err *reterr);

/* Appends to b, one sentence per line, why alert a was or was not delivered, from its
 * records: suppressed by M, paused, no recipient, sent at T, pending with the next
 * attempt's time, given up with the server's answer (docs/alerts.md, "Explain"). */
void ops_alert_explain(const struct store_alert *a, const struct store_delivery_list *d,
                       struct buf *b);

/* Appends the alert's JSON object with "deliveries" (and, with explain, "explain": the
 * lines of ops_alert_explain) to b. */
void ops_put_alert_detail(struct buf *b, const struct store_alert *a,
                          const struct store_delivery_list *d, bool explain);

/* A delivery's target as shown: e-mail recipients as they are, a webhook URL cut after
 * its host (its path and query often carry a token). Into buf (len bytes). */
const char *ops_delivery_target(const struct store_delivery *d, char *buf, size_t len);

/* Acknowledges alert `id` of `tenant` by `actor` at `now`, audited ("alert-ack") in the
 * same transaction. BATCH_ENOENT when the tenant has no such alert, BATCH_ESTALE when it
 * was already acknowledged. */
int ops_alert_ack(struct store *s, const char *tenant, int64_t id, const char *actor,
                  int64_t now, struct batch_err *reterr);

#endif
