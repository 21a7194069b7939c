/* deps.c: the dependency view of one day (see deps.h). */
#include "ops/deps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "defs/defs.h"
#include "ops/jobs.h"
#include "sys/zoneinfo.h"

/* One job of the view and its governing instance. */
struct node {
        struct defset set;      /* the job's definition */
        const struct job_def *j;
        bool shown;
        int64_t inst_id;        /* 0: no instance that day */
        int state;
        int64_t due;
};

void ops_tenant_window(struct store *s, const char *tenant, struct ops_tenant_window *ret)
{
        struct store_def d;
        struct batch_err err;
        ret->zone = tz_utc();
        window_init_default(&ret->window);
        if (store_def_get(s, tenant, "settings", tenant, &d, &err) < 0)
                return;
        struct defset set;
        if (ops_load_spec(d.spec, &set) == 0) {
                if (set.docs[0].kind == DEF_SETTINGS) {
                        const struct settings_def *st = &set.docs[0].u.settings;
                        if (st->timezone && zoneinfo_get(st->timezone, &ret->zone, &err) < 0)
                                ret->zone = tz_utc();
                        ret->window.start = st->window_start;
                        ret->window.end = st->window_end;
                }
                defset_release(&set);
        }
        store_def_release(&d);
}

const struct tz *ops_tenant_zone(struct store *s, const char *tenant)
{
        struct ops_tenant_window tw;
        ops_tenant_window(s, tenant, &tw);
        return tw.zone;
}

static int cmp_node(const void *a, const void *b)
{
        const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
        return strcmp(x->j->name, y->j->name);
}

/* The job named `job` among the n nodes of `by_name` (sorted by name), or NULL. */
static struct node *node_of(struct node **by_name, size_t n, const char *job)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(by_name[mid]->j->name, job);
                if (c == 0)
                        return by_name[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* The latest instance of each job due within [from, to). */
static int govern(struct store *s, const char *tenant, int64_t from, int64_t to,
                  struct node **by_name, size_t n, struct batch_err *reterr)
{
        struct store_instance_filter f = {.tenant = tenant, .state = -1, .has_due_range = true,
                                          .due_from = from, .due_to = to, .limit = 10000};
        for (;;) {
                struct store_instance_list l;
                int rc = store_instance_list(s, &f, &l, reterr);
                if (rc < 0)
                        return rc;
                for (size_t i = 0; i < l.n; i++) {
                        const struct store_instance *in = &l.items[i];
                        struct node *nd = node_of(by_name, n, in->job);
                        if (nd && in->id > nd->inst_id) {
                                nd->inst_id = in->id;
                                nd->state = in->state;
                                nd->due = in->due;
                        }
                }
                size_t got = l.n;
                if (got)
                        f.after_id = l.items[got - 1].id;
                store_instance_list_release(&l);
                if (got < f.limit)
                        return 0;
        }
}

static void put_node(struct buf *b, const struct node *nd, const struct tz *z)
{
        buf_puts(b, "{\"job\": ");
        json_put_string(b, nd->j->name);
        buf_puts(b, ", \"group\": ");
        if (nd->j->group)
                json_put_string(b, nd->j->group);
        else
                buf_puts(b, "null");
        buf_printf(b, ", \"enabled\": %s", nd->j->enabled ? "true" : "false");
        if (!nd->inst_id) {
                buf_puts(b, ", \"state\": null, \"state_code\": null, \"instance_id\": null, "
                            "\"due\": null}");
                return;
        }
        char when[ISO_FORMAT_MAX];
        buf_printf(b, ", \"state\": \"%s\", \"state_code\": %d, \"instance_id\": %lld, "
                      "\"due\": \"%s\"}",
                   state_name(nd->state), nd->state, (long long)nd->inst_id,
                   iso_format(nd->due, z, when));
}

int ops_deps_view(struct store *s, const char *tenant, const char *date, const char *group,
                  struct buf *b, struct batch_err *reterr)
{
        int y, m, d, used = 0;
        if (!date || sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
            date[10])
                return batch_err_set(reterr, BATCH_ESYNTAX, "date",
                                     "date \"%s\": YYYY-MM-DD expected", date ? date : "");
        const struct tz *z = ops_tenant_zone(s, tenant);
        int64_t from, to;
        char next[16];
        int rc = iso_parse(date, z, &from, reterr);
        if (rc < 0)
                return rc;
        /* The next day's midnight (days are not all 24 hours long). */
        int64_t noon = from + 36 * 3600;
        char buf[ISO_FORMAT_MAX];
        snprintf(next, sizeof(next), "%.10s", iso_format(noon, z, buf));
        if ((rc = iso_parse(next, z, &to, reterr)) < 0)
                return rc;

        struct store_def_list l;
        if ((rc = store_def_list(s, tenant, "job", &l, reterr)) < 0)
                return rc;
        struct node *nodes = calloc(l.n + 1, sizeof(*nodes));
        struct node **by_name = calloc(l.n + 1, sizeof(*by_name));
        if (!nodes || !by_name) {
                free(nodes);
                free(by_name);
                store_def_list_release(&l);
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        }
        size_t nn = 0;
        for (size_t i = 0; i < l.n; i++) {
                if (ops_load_spec(l.items[i].spec, &nodes[i].set) < 0 ||
                    nodes[i].set.docs[0].kind != DEF_JOB)
                        continue; /* a stored text that does not load is not shown */
                nodes[i].j = &nodes[i].set.docs[0].u.job;
                nodes[i].shown = !group || (nodes[i].j->group && !strcmp(nodes[i].j->group, group));
                by_name[nn++] = &nodes[i];
        }
        qsort(by_name, nn, sizeof(*by_name), cmp_node);
        rc = govern(s, tenant, from, to, by_name, nn, reterr);
        if (rc == 0) {
                buf_puts(b, "{\"date\": ");
                json_put_string(b, date);
                buf_puts(b, ", \"timezone\": ");
                json_put_string(b, tz_name(z));
                buf_puts(b, ",\n \"nodes\": [");
                size_t k = 0;
                for (size_t i = 0; i < l.n; i++) {
                        if (!nodes[i].j || !nodes[i].shown)
                                continue;
                        buf_puts(b, k++ ? ",\n  " : "\n  ");
                        put_node(b, &nodes[i], z);
                }
                buf_puts(b, k ? "\n ],\n \"edges\": [" : "],\n \"edges\": [");
                k = 0;
                for (size_t i = 0; i < l.n; i++) {
                        if (!nodes[i].j || !nodes[i].shown)
                                continue;
                        const struct job_def *j = nodes[i].j;
                        for (size_t e = 0; e < j->ndeps; e++) {
                                const struct node *p = node_of(by_name, nn, j->deps[e].job);
                                if (!p || !p->shown)
                                        continue;
                                buf_puts(b, k++ ? ",\n  {\"from\": " : "\n  {\"from\": ");
                                json_put_string(b, j->deps[e].job);
                                buf_puts(b, ", \"to\": ");
                                json_put_string(b, j->name);
                                buf_printf(b, ", \"mode\": \"%s\"}",
                                           j->deps[e].mode == DEPS_COMPLETION ? "completion"
                                                                               : "success");
                        }
                }
                buf_puts(b, k ? "\n ]}\n" : "]}\n");
        }
        for (size_t i = 0; i < l.n; i++)
                if (nodes[i].set.ndocs)
                        defset_release(&nodes[i].set);
        free(nodes);
        free(by_name);
        store_def_list_release(&l);
        return rc;
}
