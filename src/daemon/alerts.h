/* alerts.h: the daemon's alerts (docs/alerts.md): raising an alert row with its
 * deliveries when an instance fails, runs long, ends with skipped items or recovers,
 * and the delivery worker, a thread of its own with its own repository connection that
 * sends the pending deliveries by e-mail (mail.h) and webhook (webhook.h), retrying
 * with backoff. */
#ifndef BATCH_DAEMON_ALERTS_H
#define BATCH_DAEMON_ALERTS_H

#include <stdint.h>

#include "common/err.h"
#include "daemon/clock.h"
#include "defs/defs.h"
#include "store/store.h"

/* An event about one instance of a job. */
struct alert_event {
        const char *tenant;
        const char *job;
        int64_t instance_id;
        const char *kind;    /* a kind of core/alertpolicy.h */
        const char *message; /* what happened, in a sentence */
};

/* Raises ev in the caller's transaction on `st`, as the tenant's settings (found in
 * `set`, or none) and the job's definition `job` (or NULL) say: nothing when its event
 * is not on or the job has failed fewer times in a row than its after_failures; else
 * an alert row with one delivery per channel that has a target: pending (sent by the
 * worker), suppressed (the same job and kind alerted less than 10 minutes ago) or
 * paused (inside an alert pause). *ret_id (optional) is the alert's id, 0 when none was
 * raised. Returns 0 or the store's error. Not thread-safe (the caller's store). */
int alerts_raise(struct store *st, const struct defset *set, const struct job_def *job,
                 const struct alert_event *ev, int64_t now, int64_t *ret_id,
                 struct batch_err *reterr);

/* The events of a final transition of instance `instance_id` to state `to` (DESIGN §3)
 * at `now`: a failure kind for 3, 6, 7 and 11; for 5 Success, partial_failure when its
 * steps skipped items, long_run when it ran (run_s seconds) more than 150% of its
 * estimate, and recovered when the job's last failure alert has had no recovery yet.
 * Each through alerts_raise. Returns 0 or the first store error. */
int alerts_on_transition(struct store *st, const struct defset *set, const struct job_def *job,
                         const char *tenant, int64_t instance_id, int to, const char *reason,
                         int64_t run_s, int64_t now, struct batch_err *reterr);

struct alerts_worker;

/* Starts the delivery worker on its own connection to `dsn`, reading the time from
 * `clock` (already read once by the caller; shared read-only from then on). It looks
 * for due deliveries every second and when woken. Returns 0 or the store's error. */
int alerts_worker_start(const char *dsn, struct dclock *clock, struct alerts_worker **ret,
                        struct batch_err *reterr);

/* Wakes the worker to look for due deliveries now (after a commit that raised alerts). */
void alerts_worker_wake(struct alerts_worker *w);

/* Stops the worker: it finishes the delivery it is sending (bounded by the transports'
 * timeouts), records it, and exits; then its connection is closed. NULL is ignored. */
void alerts_worker_stop(struct alerts_worker *w);

#endif
