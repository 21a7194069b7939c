/* store.c: backend selection by DSN, the default repository path, the report's figures
 * put together, and the release functions of store.h's structs. The operations themselves,
 * with their input checks, are repo.c's (docs/internals/store.md). */
#include "store.h"

#include "core/lifecycle.h"
#include "store/rollup.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_open_flags(const char *dsn, unsigned flags, struct store **ret,
                     struct batch_err *reterr)
{
        if (!dsn || !*dsn)
                return batch_err_set(reterr, BATCH_EINVAL, "db", "db: no repository given");
        if (!strncmp(dsn, "postgresql://", 13) || !strncmp(dsn, "postgres://", 11))
                return store_postgres_ops.open(dsn, flags, ret, reterr);
        if (!strncmp(dsn, "sqlite:", 7))
                dsn += 7;
        return store_sqlite_ops.open(dsn, flags, ret, reterr);
}

int store_open(const char *dsn, struct store **ret, struct batch_err *reterr)
{
        return store_open_flags(dsn, 0, ret, reterr);
}

void store_close(struct store *s)
{
        if (s)
                s->ops->close(s);
}

int store_default_path(char *buf, size_t len)
{
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;
        if (state && *state)
                n = snprintf(buf, len, "%s/batchd/batchd.db", state);
        else if (home && *home)
                n = snprintf(buf, len, "%s/.local/state/batchd/batchd.db", home);
        else
                return BATCH_EINVAL;
        return n < 0 || (size_t)n >= len ? BATCH_EINVAL : 0;
}

void store_def_release(struct store_def *d)
{
        free(d->tenant);
        free(d->kind);
        free(d->name);
        free(d->spec);
        free(d->changed);
        free(d->changed_by);
        memset(d, 0, sizeof(*d));
}

void store_def_list_release(struct store_def_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_def_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_change_list_release(struct store_change_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->n = 0;
        l->items = NULL;
}

void store_instance_release(struct store_instance *in)
{
        free(in->tenant);
        free(in->job);
        free(in->reason);
        free(in->params);
        free(in->trace_id);
        free(in->process_date);
        memset(in, 0, sizeof(*in));
}

void store_instance_list_release(struct store_instance_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_instance_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_transition_list_release(struct store_transition_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].actor);
                free(l->items[i].reason);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_execution_list_release(struct store_execution_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].node);
                free(l->items[i].log_path);
                free(l->items[i].error);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_step_list_release(struct store_step_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].name);
                free(l->items[i].status);
                free(l->items[i].exit_message);
                free(l->items[i].metrics);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_dead_letter_list_release(struct store_dead_letter_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].job);
                free(l->items[i].step);
                free(l->items[i].item);
                free(l->items[i].error);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_delivery_list_release(struct store_delivery_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                struct store_delivery *d = &l->items[i];
                free(d->tenant);
                free(d->channel);
                free(d->target);
                free(d->state);
                free(d->last_answer);
                free(d->message_id);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_alert_release(struct store_alert *a)
{
        free(a->tenant);
        free(a->kind);
        free(a->message);
        free(a->acknowledged_by);
        free(a->job);
        free(a->severity);
        memset(a, 0, sizeof(*a));
}

void store_alert_list_release(struct store_alert_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_alert_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_token_release(struct store_token *t)
{
        free(t->tenant);
        free(t->name);
        free(t->role);
        free(t->hash);
        memset(t, 0, sizeof(*t));
}

void store_token_list_release(struct store_token_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_token_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_node_release(struct store_node *n)
{
        if (!n)
                return;
        free(n->name);
        free(n->labels);
        free(n->state);
        free(n->api_url);
        n->name = n->labels = n->state = n->api_url = NULL;
}

void store_node_list_release(struct store_node_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_node_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_clock_release(struct store_clock *c)
{
        if (!c)
                return;
        free(c->holder);
        c->holder = NULL;
}

void store_request_release(struct store_request *r)
{
        free(r->tenant);
        free(r->action);
        free(r->actor);
        free(r->reason);
        free(r->message);
        memset(r, 0, sizeof(*r));
}

void store_request_list_release(struct store_request_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                store_request_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void *store_native(struct store *s, const char **ret_kind)
{
        if (ret_kind)
                *ret_kind = s->ops->name;
        return s->ops->native(s);
}

void store_release_memory(struct store *s)
{
        const char *kind;
        void *db = store_native(s, &kind);
        if (db && !strcmp(kind, "sqlite"))
                sqlite3_db_release_memory(db);
}

/* ---- report ----------------------------------------------------------------- */

static int cmp_stats(const void *a, const void *b)
{
        return strcmp(((const struct store_report_stats *)a)->job,
                      ((const struct store_report_stats *)b)->job);
}

static int cmp_due(const void *a, const void *b)
{
        const struct store_report_due *x = a, *y = b;
        int c = strcmp(x->job, y->job);
        return c ? c : (x->due < y->due ? -1 : x->due > y->due);
}

int store_report_stats(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, struct store_report_stats_list *ret,
                       struct batch_err *reterr)
{
        if (s->ops->version < 4 || !s->ops->report_stats)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no report figures", s->ops->name);
        struct store_report_stats_list l = {0};
        struct store_report_middle_list m = {0};
        int r = s->ops->report_stats(s, tenant, from, to, job, &l, reterr);
        if (r == 0)
                r = s->ops->report_middles(s, tenant, from, to, job, &m, reterr);
        if (r < 0) {
                store_report_stats_list_release(&l);
                store_report_middle_list_release(&m);
                return r;
        }
        if (l.n > 1)
                qsort(l.items, l.n, sizeof(*l.items), cmp_stats);
        /* The median is the middle duration, or the mean of the middle two. */
        for (size_t i = 0; i < m.n; i++) {
                struct store_report_stats key = {.job = m.items[i].job};
                struct store_report_stats *st =
                        l.n ? bsearch(&key, l.items, l.n, sizeof(*l.items), cmp_stats) : NULL;
                if (!st || st->timed == 0)
                        continue;
                st->p50_s += (double)m.items[i].dur_s / (st->timed % 2 ? 1.0 : 2.0);
        }
        store_report_middle_list_release(&m);
        *ret = l;
        return 0;
}

int store_report_dues(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_due_list *ret,
                      struct batch_err *reterr)
{
        if (s->ops->version < 4 || !s->ops->report_dues)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no report figures", s->ops->name);
        int r = s->ops->report_dues(s, tenant, from, to, job, ret, reterr);
        if (r == 0 && ret->n > 1)
                qsort(ret->items, ret->n, sizeof(*ret->items), cmp_due);
        return r;
}

static int cmp_pdate(const void *a, const void *b)
{
        const struct store_report_pdate *x = a, *y = b;
        int c = strcmp(x->job, y->job);
        if (c || !x->process_date || !y->process_date)
                return c ? c : (x->process_date == NULL) - (y->process_date == NULL);
        return strcmp(x->process_date, y->process_date);
}

int store_report_process_dates(struct store *s, const char *tenant, int64_t from, int64_t to,
                               struct store_report_pdate_list *ret, struct batch_err *reterr)
{
        if (s->ops->version < 10 || !s->ops->report_process_dates)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no process dates", s->ops->name);
        int r = s->ops->report_process_dates(s, tenant, from, to, ret, reterr);
        if (r == 0 && ret->n > 1)
                qsort(ret->items, ret->n, sizeof(*ret->items), cmp_pdate);
        return r;
}

void store_report_pdate_list_release(struct store_report_pdate_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].job);
                free(l->items[i].process_date);
        }
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_report_stats_list_release(struct store_report_stats_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_report_due_list_release(struct store_report_due_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_report_middle_list_release(struct store_report_middle_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].job);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

_Static_assert(STORE_ROLLUP_BUCKETS == ROLLUP_BUCKETS, "one histogram");

double store_rollup_median(const int64_t *hist, int64_t timed, int64_t sum, int64_t max)
{
        static const int64_t edge[ROLLUP_BUCKETS] = ROLLUP_EDGES;
        if (timed <= 0)
                return 0;
        if (timed <= 2)
                return (double)sum / (double)timed;
        double rank = (double)timed / 2, cum = 0;
        for (int b = 0; b < ROLLUP_BUCKETS; b++) {
                if (hist[b] == 0 || cum + (double)hist[b] < rank) {
                        cum += (double)hist[b];
                        continue;
                }
                double lo = (double)edge[b];
                double hi = b + 1 < ROLLUP_BUCKETS ? (double)edge[b + 1] : (double)max;
                if (hi > (double)max)
                        hi = (double)max;
                if (lo > hi)
                        lo = hi;
                return lo + (hi - lo) * (rank - cum) / (double)hist[b];
        }
        return (double)max;
}

static int need_v8(struct store *s, struct batch_err *reterr)
{
        if (s->ops->version < 8 || !s->ops->report_slots)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no runs figures", s->ops->name);
        return 0;
}

int store_report_slots(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, store_report_slot_fn *fn, void *ctx,
                       struct batch_err *reterr)
{
        int r = need_v8(s, reterr);
        return r < 0 ? r : s->ops->report_slots(s, tenant, from, to, job, fn, ctx, reterr);
}

int store_report_packs(struct store *s, const char *tenant, int64_t from, int64_t to,
                       const char *job, store_report_slot_fn *fn, void *ctx,
                       struct batch_err *reterr)
{
        if (s->ops->version < 11 || !s->ops->report_packs)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "db: the %s backend has no packed runs figures",
                                     s->ops->name);
        return s->ops->report_packs(s, tenant, from, to, job, fn, ctx, reterr);
}

static int cmp_due_time(const void *a, const void *b)
{
        const struct store_report_due *x = a, *y = b;
        return x->due < y->due ? -1 : x->due > y->due;
}

int store_report_live(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_due_list *ret,
                      struct batch_err *reterr)
{
        memset(ret, 0, sizeof(*ret));
        int r = need_v8(s, reterr);
        if (r == 0)
                r = s->ops->report_live(s, tenant, from, to, job, ret, reterr);
        if (r == 0 && ret->n > 1)
                qsort(ret->items, ret->n, sizeof(*ret->items), cmp_due_time);
        return r;
}

/* store_report_runs' sums per job, with the histograms for the median. */
struct runs_acc {
        struct store_report_stats_list l;
        size_t cap;
        int64_t (*hist)[STORE_ROLLUP_BUCKETS];
        int64_t *dur_sum;
};

static struct store_report_stats *runs_acc_job(struct runs_acc *a, const char *job,
                                               size_t *ret_i)
{
        for (size_t i = 0; i < a->l.n; i++)
                if (strcmp(a->l.items[i].job, job) == 0) {
                        *ret_i = i;
                        return &a->l.items[i];
                }
        if (a->l.n == a->cap) {
                size_t c = a->cap * 2 + 8;
                struct store_report_stats *g = realloc(a->l.items, c * sizeof(*g));
                int64_t(*h)[STORE_ROLLUP_BUCKETS] = g ? realloc(a->hist, c * sizeof(*h)) : NULL;
                int64_t *d = h ? realloc(a->dur_sum, c * sizeof(*d)) : NULL;
                if (g)
                        a->l.items = g;
                if (h)
                        a->hist = h;
                if (!d)
                        return NULL;
                a->dur_sum = d;
                a->cap = c;
        }
        *ret_i = a->l.n;
        struct store_report_stats *st = &a->l.items[a->l.n];
        memset(st, 0, sizeof(*st));
        memset(a->hist[a->l.n], 0, sizeof(a->hist[0]));
        a->dur_sum[a->l.n] = 0;
        if (!(st->job = strdup(job)))
                return NULL;
        a->l.n++;
        return st;
}

static int runs_acc_add(const struct store_report_slot *p, void *ctx, struct batch_err *reterr)
{
        struct runs_acc *a = ctx;
        size_t i;
        struct store_report_stats *st = runs_acc_job(a, p->job, &i);
        if (!st)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        st->total += p->total;
        st->success += p->success;
        st->failed += p->failed;
        st->skipped += p->skipped;
        st->canceled += p->canceled;
        st->timed += p->timed;
        if (p->dur_max > st->max_s)
                st->max_s = p->dur_max;
        a->dur_sum[i] += p->dur_sum;
        for (int b = 0; b < STORE_ROLLUP_BUCKETS; b++)
                a->hist[i][b] += p->hist[b];
        return 0;
}

int store_report_runs(struct store *s, const char *tenant, int64_t from, int64_t to,
                      const char *job, struct store_report_stats_list *ret,
                      struct batch_err *reterr)
{
        struct runs_acc a = {0};
        struct store_report_due_list live = {0};
        int r = store_report_slots(s, tenant, from, to, job, runs_acc_add, &a, reterr);
        if (r == 0)
                r = store_report_live(s, tenant, from, to, job, &live, reterr);
        for (size_t i = 0; r == 0 && i < a.l.n; i++) {
                struct store_report_stats *st = &a.l.items[i];
                st->avg_s = st->timed ? (double)a.dur_sum[i] / (double)st->timed : 0;
                st->p50_s = store_rollup_median(a.hist[i], st->timed, a.dur_sum[i], st->max_s);
        }
        /* The instances not yet final: counted in total (11 Stop Failed as failed). */
        for (size_t i = 0; r == 0 && i < live.n; i++) {
                size_t k;
                struct store_report_stats *st = runs_acc_job(&a, live.items[i].job, &k);
                if (!st) {
                        r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                        break;
                }
                st->total++;
                st->failed += live.items[i].state == STATE_STOP_FAILED;
        }
        free(a.hist);
        free(a.dur_sum);
        store_report_due_list_release(&live);
        if (r < 0) {
                store_report_stats_list_release(&a.l);
                return r;
        }
        if (a.l.n > 1)
                qsort(a.l.items, a.l.n, sizeof(*a.l.items), cmp_stats);
        *ret = a.l;
        return 0;
}

/* ---- remote runs and retention ------------------------------------------------- */

void store_remote_run_release(struct store_remote_run *r)
{
        if (!r)
                return;
        free(r->tenant);
        free(r->reported_status);
        free(r->reported_message);
        memset(r, 0, sizeof(*r));
}

void store_remote_run_list_release(struct store_remote_run_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                store_remote_run_release(&l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

void store_purge_release(struct store_purge *p)
{
        for (size_t i = 0; i < p->nlogs; i++)
                free(p->logs[i]);
        free(p->logs);
        p->logs = NULL;
        p->nlogs = 0;
}
