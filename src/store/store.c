/* store.c: backend selection by DSN, the default repository path, the report's figures
 * put together, and the release functions of store.h's structs. The operations themselves,
 * with their input checks, are repo.c's (docs/internals/store.md). */
#include "store.h"

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

void store_node_list_release(struct store_node_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].name);
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
