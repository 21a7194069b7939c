/* grid.c: the grid of jobs x days (see grid.h). */
#include "ops/grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "defs/defs.h"
#include "ops/deps.h"
#include "ops/jobs.h"

struct cell {
        int64_t inst_id; /* 0: none that day */
        int state;
        int64_t due;
        int runs;
};

struct row {
        char *job;
        char *group;
        bool enabled;
        struct cell *cells;
};

/* The day (0 .. n-1) whose [start[i], start[i+1]) holds t, or -1. */
static int day_of(const int64_t *start, int n, int64_t t)
{
        if (t < start[0] || t >= start[n])
                return -1;
        int lo = 0, hi = n;
        while (hi - lo > 1) {
                int mid = lo + (hi - lo) / 2;
                if (start[mid] <= t)
                        lo = mid;
                else
                        hi = mid;
        }
        return lo;
}

static void release_rows(struct row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(rows[i].job);
                free(rows[i].group);
                free(rows[i].cells);
        }
        free(rows);
}

/* load_rows's walk: the rows so far. */
struct row_page {
        const char *group;
        unsigned limit;
        int ndays;
        struct row *rows;
        size_t n;
        bool more;
};

static int row_add(const struct store_def *d, void *arg)
{
        struct row_page *p = arg;
        if (p->group && !ops_spec_may_be_of_group(d->spec, p->group))
                return 0;
        struct defset set;
        if (ops_load_spec(d->spec, &set) < 0)
                return 0; /* a stored text that does not load is not shown */
        const struct job_def *j = &set.docs[0].u.job;
        int rc = 0;
        if (set.docs[0].kind == DEF_JOB &&
            (!p->group || (j->group && !strcmp(j->group, p->group)))) {
                if (p->n == p->limit) {
                        p->more = true;
                        rc = 1;
                } else {
                        struct row *r = &p->rows[p->n++];
                        r->job = strdup(j->name);
                        r->group = j->group ? strdup(j->group) : NULL;
                        r->enabled = j->enabled;
                        r->cells = calloc((size_t)p->ndays, sizeof(*r->cells));
                        if (!r->job || (j->group && !r->group) || !r->cells)
                                rc = BATCH_ENOMEM;
                }
        }
        defset_release(&set);
        return rc;
}

/* The rows of a page: the tenant's jobs (of `group`) in name order after `after` (or
 * from the first), at most `limit`, each with ndays cells; *more: a further job exists.
 * Only the definitions looked at are read and parsed (ops_job_walk; with a group filter,
 * those whose text may name it). */
static int load_rows(struct store *s, const char *tenant, const char *group, const char *after,
                     unsigned limit, int ndays, struct row **ret, size_t *retn, bool *more,
                     struct batch_err *reterr)
{
        struct row_page p = {.group = group, .limit = limit, .ndays = ndays,
                             .rows = calloc((size_t)limit + 1, sizeof(struct row))};
        if (!p.rows)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        int rc = ops_job_walk(s, tenant, after, group ? 1000 : limit + 1, row_add, &p, reterr);
        if (rc == BATCH_ENOMEM)
                rc = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        if (rc < 0) {
                release_rows(p.rows, p.n);
                return rc;
        }
        *more = p.more;
        *ret = p.rows;
        *retn = p.n;
        return 0;
}

/* The instances of row r's job due in [start[0], start[ndays]), by day: one index range
 * read (tenant, job, due time), in pages of 10,000. */
static int fill_row(struct store *s, const char *tenant, struct row *r, const int64_t *start,
                    int ndays, struct batch_err *reterr)
{
        struct store_instance_filter f = {.tenant = tenant,
                                          .job = r->job,
                                          .state = -1,
                                          .has_due_range = true,
                                          .due_from = start[0],
                                          .due_to = start[ndays],
                                          .limit = 10000};
        for (;;) {
                struct store_instance_list l;
                int rc = store_instance_list(s, &f, &l, reterr);
                if (rc < 0)
                        return rc;
                for (size_t i = 0; i < l.n; i++) {
                        const struct store_instance *in = &l.items[i];
                        int day = day_of(start, ndays, in->due);
                        if (day < 0)
                                continue;
                        struct cell *c = &r->cells[day];
                        c->runs++;
                        if (in->id > c->inst_id) {
                                c->inst_id = in->id;
                                c->state = in->state;
                                c->due = in->due;
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

static void put_cell(struct buf *b, const struct cell *c, const struct tz *z)
{
        if (!c->inst_id) {
                buf_puts(b, "null");
                return;
        }
        char when[ISO_FORMAT_MAX];
        buf_printf(b,
                   "{\"instance_id\": %lld, \"state\": \"%s\", \"state_code\": %d, "
                   "\"due\": \"%s\", \"runs\": %d}",
                   (long long)c->inst_id, state_name(c->state), c->state,
                   iso_format(c->due, z, when), c->runs);
}

int ops_grid_view(struct store *s, const char *tenant, const char *to, int ndays, const char *group,
                  const char *after, unsigned limit, struct buf *b, struct batch_err *reterr)
{
        int y, m, d, used = 0;
        if (!to || sscanf(to, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 || to[10])
                return batch_err_set(reterr, BATCH_ESYNTAX, "to", "to \"%s\": YYYY-MM-DD expected",
                                     to ? to : "");
        if (ndays < 1 || ndays > OPS_GRID_MAX_DAYS)
                return batch_err_set(reterr, BATCH_ESYNTAX, "days", "days %d: 1 to %d expected",
                                     ndays, OPS_GRID_MAX_DAYS);
        const struct tz *z = ops_tenant_zone(s, tenant);
        /* start[i]: the midnight that begins day i (oldest first); start[ndays]: the end.
         * Days are walked from noon to noon, as not all days are 24 hours long. */
        int64_t start[OPS_GRID_MAX_DAYS + 1];
        char dates[OPS_GRID_MAX_DAYS + 1][16];
        char iso[ISO_FORMAT_MAX];
        int rc;
        snprintf(dates[ndays - 1], sizeof(dates[0]), "%s", to);
        for (int i = ndays - 1; i >= 0; i--) {
                if ((rc = iso_parse(dates[i], z, &start[i], reterr)) < 0)
                        return rc;
                if (i)
                        snprintf(dates[i - 1], sizeof(dates[0]), "%.10s",
                                 iso_format(start[i] - 12 * 3600, z, iso));
        }
        snprintf(dates[ndays], sizeof(dates[0]), "%.10s",
                 iso_format(start[ndays - 1] + 36 * 3600, z, iso));
        if ((rc = iso_parse(dates[ndays], z, &start[ndays], reterr)) < 0)
                return rc;

        struct row *rows = NULL;
        size_t n = 0;
        bool more = false;
        if ((rc = load_rows(s, tenant, group, after, limit, ndays, &rows, &n, &more, reterr)) < 0)
                return rc;
        for (size_t i = 0; rc == 0 && i < n; i++)
                rc = fill_row(s, tenant, &rows[i], start, ndays, reterr);
        if (rc == 0) {
                buf_puts(b, "{\"timezone\": ");
                json_put_string(b, tz_name(z));
                buf_puts(b, ", \"days\": [");
                for (int i = 0; i < ndays; i++)
                        buf_printf(b, "%s\"%s\"", i ? ", " : "", dates[i]);
                buf_puts(b, "],\n \"jobs\": [");
                for (size_t i = 0; i < n; i++) {
                        buf_puts(b, i ? ",\n  {\"job\": " : "\n  {\"job\": ");
                        json_put_string(b, rows[i].job);
                        buf_puts(b, ", \"group\": ");
                        if (rows[i].group)
                                json_put_string(b, rows[i].group);
                        else
                                buf_puts(b, "null");
                        buf_printf(b, ", \"enabled\": %s, \"cells\": [",
                                   rows[i].enabled ? "true" : "false");
                        for (int k = 0; k < ndays; k++) {
                                if (k)
                                        buf_puts(b, ", ");
                                put_cell(b, &rows[i].cells[k], z);
                        }
                        buf_puts(b, "]}");
                }
                buf_puts(b, n ? "\n ],\n \"next_cursor\": " : "],\n \"next_cursor\": ");
                if (more)
                        json_put_string(b, rows[n - 1].job);
                else
                        buf_puts(b, "null");
                buf_puts(b, "}\n");
        }
        release_rows(rows, n);
        return rc;
}
