/* retention.h: the daemon's retention worker (docs/daemon.md, "Retention"): a thread of
 * its own, with its own repository connection, that deletes what is older than the
 * configured age in small steps (store_purge_step), so that the loop's transactions
 * never wait long for the repository's write lock. */
#ifndef BATCH_DAEMON_RETENTION_H
#define BATCH_DAEMON_RETENTION_H

#include <stdint.h>

#include "common/err.h"
#include "daemon/clock.h"

/* Instances per step (and alerts, dead letters). */
#define RETENTION_STEP 100
/* Real time between two steps of a pass. */
#define RETENTION_PAUSE_MS 100

struct retention;

/* Starts the worker on its own connection to `dsn`: a pass 5 s after the start and then
 * every `interval_s` seconds of real time deletes what ended (or was created, for
 * alerts and dead letters) more than `days` days before `clock`'s now, step by step
 * until nothing is left, and removes the purged runs' log files that lie under
 * `state_dir`/logs/. Each pass that deleted something is logged and audited (action
 * `retention`, actor `batchd`). Returns 0 or the store's error. */
int retention_start(const char *dsn, struct dclock *clock, int days, int interval_s,
                    const char *state_dir, struct retention **ret, struct batch_err *reterr);

/* Stops the worker (it finishes the step it is in) and closes its connection. NULL is
 * ignored. */
void retention_stop(struct retention *w);

#endif
