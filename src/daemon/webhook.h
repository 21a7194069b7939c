/* webhook.h: posting one JSON alert to an HTTP(S) webhook with libcurl, optionally signed
 * with HMAC-SHA256 (docs/alerts.md). The secret is never logged nor returned. */
#ifndef BATCH_DAEMON_WEBHOOK_H
#define BATCH_DAEMON_WEBHOOK_H

#include <stddef.h>

#include "common/err.h"

struct webhook_target {
        const char *url;        /* http:// or https:// */
        const char *secret;     /* NULL: unsigned; else header X-Batchd-Signature: sha256=<hex
                                 * HMAC-SHA256 of "<timestamp>.<body>"> and X-Batchd-Timestamp */
        long timeout_s;         /* 0: 30 */
};

/* POSTs body (JSON, len bytes) to t with the headers Content-Type: application/json and
 * X-Batchd-Delivery: delivery_id (the same for every retry, so a receiver can drop
 * repeats). `now_s` is the timestamp signed. Returns 0 on a 2xx answer; otherwise a
 * negative BATCH_E* with reterr naming the status or the transport error. *ret_status
 * (optional) gets the HTTP status (0: none), *ret_answer (optional, malloc'd, caller
 * frees) the first 512 bytes of the answer's body, or NULL. */
int webhook_post(const struct webhook_target *t, const char *body, size_t len,
                 const char *delivery_id, long long now_s, long *ret_status, char **ret_answer,
                 struct batch_err *reterr);

#endif
