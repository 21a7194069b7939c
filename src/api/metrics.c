/* metrics.c: latency histograms in the Prometheus text format (see metrics.h). */
#include "api/metrics.h"

#include <stdio.h>

const double metrics_bucket_le[METRICS_NBUCKETS] = {
        0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025,
        0.05,   0.1,   0.25,   0.5,   1.0,    5.0};

void metrics_observe(struct metrics_histogram *h, int64_t us)
{
        if (us < 0)
                us = 0;
        size_t i = 0;
        while (i < METRICS_NBUCKETS && (double)us / 1e6 > metrics_bucket_le[i])
                i++;
        atomic_fetch_add(&h->bucket[i], 1);
        atomic_fetch_add(&h->count, 1);
        atomic_fetch_add(&h->sum_us, (uint_fast64_t)us);
}

void metrics_put_histogram(struct buf *b, const char *name, const char *help,
                           const struct metrics_histogram *h)
{
        buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
        uint64_t cum = 0;
        for (size_t i = 0; i <= METRICS_NBUCKETS; i++) {
                cum += atomic_load(&h->bucket[i]);
                if (i < METRICS_NBUCKETS)
                        buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, metrics_bucket_le[i],
                                   (unsigned long long)cum);
                else
                        buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
                                   (unsigned long long)cum);
        }
        buf_printf(b, "%s_sum %.6f\n%s_count %llu\n", name,
                   (double)atomic_load(&h->sum_us) / 1e6, name,
                   (unsigned long long)atomic_load(&h->count));
}

static void repo_lock(struct batchd_metrics *m)
{
        int free_ = 0;
        while (!atomic_compare_exchange_weak(&m->repo_lock, &free_, 1))
                free_ = 0;
}

void metrics_repo_failed(struct batchd_metrics *m, int64_t now_s, const char *msg)
{
        atomic_fetch_add(&m->repo_errors, 1);
        repo_lock(m);
        snprintf(m->repo_error, sizeof(m->repo_error), "%s", msg ? msg : "unknown error");
        int_fast64_t none = 0;
        atomic_compare_exchange_strong(&m->repo_failing_since, &none, now_s > 0 ? now_s : 1);
        atomic_store(&m->repo_lock, 0);
}

void metrics_repo_ok(struct batchd_metrics *m)
{
        atomic_store(&m->repo_failing_since, 0);
}

bool metrics_repo_degraded(struct batchd_metrics *m, int64_t *since, char *msg, size_t len)
{
        repo_lock(m);
        int64_t t = atomic_load(&m->repo_failing_since);
        if (t && len)
                snprintf(msg, len, "%s", m->repo_error);
        atomic_store(&m->repo_lock, 0);
        *since = t;
        return t != 0;
}
