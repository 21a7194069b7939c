/* metrics.h: counters the daemon and the API keep for GET /metrics (Prometheus text
 * format 0.0.4). Updated with atomics from any thread; read without locks. */
#ifndef BATCH_API_METRICS_H
#define BATCH_API_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Upper bounds (seconds) of the latency histograms' buckets; +Inf is implicit. */
#define METRICS_NBUCKETS 15
extern const double metrics_bucket_le[METRICS_NBUCKETS];

struct metrics_histogram {
        atomic_uint_fast64_t bucket[METRICS_NBUCKETS + 1]; /* not cumulative; last: +Inf */
        atomic_uint_fast64_t count;
        atomic_uint_fast64_t sum_us;
};

struct batchd_metrics {
        atomic_uint_fast64_t runs_started;
        atomic_uint_fast64_t runs_finished;
        atomic_int_fast64_t queue_depth;         /* instances waiting for a free run slot */
        atomic_int_fast64_t runs_active;
        struct metrics_histogram trigger_latency; /* due time (or submit) -> child started */
        struct metrics_histogram repo_latency;    /* one repository transaction of the daemon */
        struct metrics_histogram http_latency;    /* one API request */
        atomic_uint_fast64_t http_requests[6];   /* by status class: [1]=1xx .. [5]=5xx */
        /* The daemon's write path (GET /healthz): degraded from a transaction that
         * failed until one that wrote commits (metrics_repo_failed, metrics_repo_ok). */
        atomic_uint_fast64_t repo_errors;        /* the daemon's failed transactions */
        atomic_int_fast64_t repo_failing_since;  /* unix seconds of the first failure; 0: ok */
        atomic_int repo_lock;                    /* guards repo_error (a spin lock) */
        char repo_error[256];                    /* the last failure's message */
        /* This node (daemon/node.h): set by the scheduler's thread at each heartbeat. */
        char node_name[64];                      /* set once, before the API starts */
        atomic_int node_measured;                /* the clock offset below was measured */
        atomic_int_fast64_t node_offset_us;      /* its clock minus the database's */
        atomic_int_fast64_t node_max_skew_us;    /* max_clock_skew */
        atomic_int node_may_plan;                /* 1: within it (node_may_plan) */
        atomic_int node_draining;                /* 1: its row says draining */
};

/* Counts one failed repository transaction of the daemon, with its message; from now
 * on (the first failure's time) the write path is degraded. */
void metrics_repo_failed(struct batchd_metrics *m, int64_t now_s, const char *msg);

/* A transaction that wrote committed: the write path is healthy again. */
void metrics_repo_ok(struct batchd_metrics *m);

/* When the write path is degraded: true, the time of the first failure in *since and
 * the last failure's message in msg (len bytes). False when it is healthy. */
bool metrics_repo_degraded(struct batchd_metrics *m, int64_t *since, char *msg, size_t len);

/* Records one observation of `us` microseconds. */
void metrics_observe(struct metrics_histogram *h, int64_t us);

/* Appends a histogram in the text format under `name` with `help`. */
void metrics_put_histogram(struct buf *b, const char *name, const char *help,
                           const struct metrics_histogram *h);

#endif
