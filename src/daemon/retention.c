/* retention.c: the retention worker (see retention.h). */
#include "daemon/retention.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "daemon/dlog.h"
#include "store/store.h"

struct retention {
        struct store *st;
        struct dclock *clock;
        int days, interval_s;
        char logs_dir[4096]; /* "<state_dir>/logs/" */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stop;
};

/* Waits up to ms of real time; false when asked to stop. */
static bool pause_ms(struct retention *w, int64_t ms)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&w->lock);
        while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &ts) == 0)
                ;
        bool go = !w->stop;
        pthread_mutex_unlock(&w->lock);
        return go;
}

/* Removes a purged run's log file when it lies in batchd's own logs directory. */
static void remove_log(struct retention *w, const char *path)
{
        size_t n = strlen(w->logs_dir);
        if (!path || strncmp(path, w->logs_dir, n) || strstr(path + n, "/") || strstr(path, ".."))
                return;
        unlink(path); /* a run without output has no file: nothing to do */
}

static void pass(struct retention *w)
{
        struct store_purge sum = {0};
        int steps = 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int64_t cutoff = dclock_now(w->clock) - (int64_t)w->days * 86400;
        for (;;) {
                struct store_purge p;
                struct batch_err err = {0};
                if (store_purge_step(w->st, cutoff, RETENTION_STEP, &p, &err) < 0) {
                        dlog("error", NULL, 0, 0, NULL, "retention: %s; trying again at the next "
                                                         "pass", err.msg);
                        break;
                }
                steps++;
                /* The pages this step freed went to the WAL: copy them back here, so that
                 * the loop's next commit does not pay for the checkpoint SQLite otherwise
                 * runs in whichever connection commits past its threshold. */
                const char *kind = NULL;
                void *native = store_native(w->st, &kind);
                if (kind && !strcmp(kind, "sqlite"))
                        sqlite3_wal_checkpoint_v2(native, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                                  NULL);
                for (size_t i = 0; i < p.nlogs; i++)
                        remove_log(w, p.logs[i]);
                sum.instances += p.instances;
                sum.transitions += p.transitions;
                sum.executions += p.executions;
                sum.steps += p.steps;
                sum.checkpoints += p.checkpoints;
                sum.requests += p.requests;
                sum.dead_letters += p.dead_letters;
                sum.alerts += p.alerts;
                sum.deliveries += p.deliveries;
                sum.nlogs += p.nlogs;
                bool more = p.instances + p.alerts + p.dead_letters > 0;
                store_purge_release(&p);
                if (!more || !pause_ms(w, RETENTION_PAUSE_MS))
                        break;
        }
        if (sum.instances + sum.alerts + sum.dead_letters == 0)
                return;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        char detail[512];
        snprintf(detail, sizeof(detail),
                 "older than %d days: %lld instances (%lld transitions, %lld executions, %lld "
                 "step executions, %lld checkpoints, %lld requests, %zu log files), %lld alerts "
                 "(%lld deliveries), %lld dead letters",
                 w->days, (long long)sum.instances, (long long)sum.transitions,
                 (long long)sum.executions, (long long)sum.steps, (long long)sum.checkpoints,
                 (long long)sum.requests, sum.nlogs, (long long)sum.alerts,
                 (long long)sum.deliveries, (long long)sum.dead_letters);
        dlog("info", NULL, 0, 0, NULL, "retention: purged %s in %d steps (%ld ms)", detail, steps, ms);
        struct batch_err err;
        if (store_audit_add(w->st, dclock_now(w->clock), "batchd", "retention", "repository", detail,
                            &err) < 0)
                dlog("error", NULL, 0, 0, NULL, "retention: auditing: %s", err.msg);
}

static void *worker_main(void *arg)
{
        struct retention *w = arg;
        if (!pause_ms(w, 5000))
                return NULL;
        do
                pass(w);
        while (pause_ms(w, (int64_t)w->interval_s * 1000));
        return NULL;
}

int retention_start(const char *dsn, struct dclock *clock, int days, int interval_s,
                    const char *state_dir, struct retention **ret, struct batch_err *reterr)
{
        struct retention *w = calloc(1, sizeof(*w));
        if (!w)
                return BATCH_ENOMEM;
        int r = store_open(dsn, &w->st, reterr);
        if (r < 0) {
                free(w);
                return r;
        }
        w->clock = clock;
        w->days = days;
        w->interval_s = interval_s;
        snprintf(w->logs_dir, sizeof(w->logs_dir), "%s/logs/", state_dir);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cond, &ca);
        pthread_condattr_destroy(&ca);
        pthread_mutex_init(&w->lock, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
                store_close(w->st);
                pthread_cond_destroy(&w->cond);
                pthread_mutex_destroy(&w->lock);
                free(w);
                return batch_err_set(reterr, BATCH_EIO, "retention",
                                     "cannot start the retention thread");
        }
        *ret = w;
        return 0;
}

void retention_stop(struct retention *w)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        store_close(w->st);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
}
