/* alertpolicy.h: which alerts are sent, held or counted, and when a delivery is tried
 * again (docs/alerts.md). Pure: the caller passes the records and the time.
 *
 * Kinds and their severities:
 *   failed, start_failed, timeout_failed, stop_failed   critical  (event "failure")
 *   timeout_warning                                      warning   (event "timeout")
 *   partial_failure   Success with skipped items         warning   (event "partial_failure")
 *   long_run          ran more than 150% of its estimate warning   (event "long_run")
 *   token_refresh_failures  a run's HTTP client had more than 2 refresh failures
 *                                                        warning   (event "failure")
 *   recovered         succeeded after a failure alert    info      (follows "failure")
 * timeout_failed alerts when either "failure" or "timeout" is on. */
#ifndef BATCH_CORE_ALERTPOLICY_H
#define BATCH_CORE_ALERTPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pause.h"

/* Alerts of the same job and kind within this many seconds of the last one not
 * suppressed are recorded and counted, not sent. */
#define ALERT_SUPPRESS_S 600

/* A run longer than this percentage of its estimate raises long_run. */
#define ALERT_LONG_RUN_PERCENT 150

/* Delivery retries: the first after 30 s, each next delay doubled up to 30 min; a
 * delivery still failing 24 h after its alert was raised is given up (failed). */
#define ALERT_RETRY_FIRST_S 30
#define ALERT_RETRY_MAX_S 1800
#define ALERT_GIVE_UP_S 86400

/* The severity of a kind ("critical", "warning" or "info"), or NULL for an unknown kind. */
const char *alertpolicy_severity(const char *kind);

/* Whether alerts of `kind` are on, given the events listed in `on` (n items; n == 0:
 * the default, failure and timeout). */
bool alertpolicy_enabled(const char *kind, const char *const *on, size_t n);

/* An earlier alert of the same job, as the policy needs it. */
struct alertpolicy_past {
        int64_t id;
        const char *kind;
        int64_t created;
        int64_t suppressed_by; /* 0: not suppressed */
};

enum alertpolicy_verdict {
        ALERTPOLICY_SEND,     /* record it with pending deliveries */
        ALERTPOLICY_SUPPRESS, /* record it, deliveries "suppressed", by out->suppressed_by */
        ALERTPOLICY_PAUSED,   /* record it, deliveries "paused": inside an alert pause */
        ALERTPOLICY_NOT_YET,  /* record nothing: fewer consecutive failures than after_failures */
};

struct alertpolicy_in {
        const char *kind;
        int64_t now;
        /* The job's alerts of this kind, newest first (what store_alert_recent returns
         * for the last 24 hours is enough: a suppression window is 10 minutes). */
        const struct alertpolicy_past *past;
        size_t npast;
        const struct pause_period *pauses; /* the tenant's alert pause periods */
        size_t npauses;
        int consecutive_failures; /* failure kinds: the failed instances in a row, this one
                                     included */
        int after_failures;       /* 0 or 1: every failure alerts */
};

struct alertpolicy_out {
        enum alertpolicy_verdict verdict;
        int64_t suppressed_by;    /* SUPPRESS: the alert whose window this one falls in */
        int64_t since_alert;      /* SEND: the last alert not suppressed (0: none) ... */
        int suppressed_count;     /* ... and how many were suppressed since it */
};

/* Decides what becomes of a new alert. A pause wins over suppression (a paused alert
 * is not counted into the next message); suppression is by the newest alert of the
 * same kind that was not itself suppressed, when it is less than ALERT_SUPPRESS_S old. */
void alertpolicy_decide(const struct alertpolicy_in *in, struct alertpolicy_out *out);

/* Whether a success now is a recovery: among the job's alerts (newest first), the
 * newest of the failure kinds and "recovered" is a failure kind. */
bool alertpolicy_recovers(const struct alertpolicy_past *past, size_t npast);

/* Whether a run of `minutes` is long for `estimated_minutes` (> 0). */
bool alertpolicy_long_run(int64_t run_seconds, int estimated_minutes);

/* A run whose token refreshes failed more than this many times raises
 * token_refresh_failures (seed 000: "token refresh fails more than twice in a single
 * batch job"). */
#define ALERT_REFRESH_FAILURES_MAX 2

/* Whether `refresh_failures` (the run's, from its step metrics) raises
 * token_refresh_failures. */
bool alertpolicy_refresh_failures(int64_t refresh_failures);

/* After failed attempt number `attempts` (1, 2, ...) of a delivery whose alert was
 * raised at `created`: true and *ret_next (the next attempt's time) to try again, or
 * false when it is given up (ALERT_GIVE_UP_S after `created`). */
bool alertpolicy_retry(int attempts, int64_t created, int64_t now, int64_t *ret_next);

#endif
