/* impact.c: the difference between two plans (see impact.h). */
#include "core/impact.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/lifecycle.h"
#include "core/subset.h"

static const char *const kinds[IMPACT_X_MAX] = {
        [IMPACT_ADDED] = "added",     [IMPACT_REMOVED] = "removed",
        [IMPACT_NEWLY_SKIPPED] = "newly_skipped", [IMPACT_NEW_WAIT] = "new_wait",
        [IMPACT_MOVED] = "moved",     [IMPACT_STATE] = "state",
};

const char *impact_kind_name(enum impact_kind k)
{
        return (unsigned)k < IMPACT_X_MAX ? kinds[k] : "?";
}

/* A scheduled row with its job's name, for sorting by (name, due). */
struct keyed {
        const char *job;
        const struct sim_row *row;
};

static int cmp_keyed(const void *a, const void *b)
{
        const struct keyed *x = a, *y = b;
        int c = strcmp(x->job, y->job);
        if (c)
                return c;
        return x->row->due < y->row->due ? -1 : x->row->due > y->row->due;
}

static int cmp_change(const void *a, const void *b)
{
        const struct impact_change *x = a, *y = b;
        if (x->due != y->due)
                return x->due < y->due ? -1 : 1;
        return strcmp(x->job, y->job);
}

static struct keyed *keyed_of(const struct impact_plan *p, size_t *ret_n)
{
        struct keyed *k = malloc((p->res->n ? p->res->n : 1) * sizeof(*k));
        size_t n = 0;
        if (!k)
                return NULL;
        for (size_t i = 0; i < p->res->n; i++)
                if (p->res->rows[i].scheduled && (!p->only || p->only[p->res->rows[i].job]))
                        k[n++] = (struct keyed){p->names[p->res->rows[i].job], &p->res->rows[i]};
        qsort(k, n, sizeof(*k), cmp_keyed);
        *ret_n = n;
        return k;
}

/* The change between two rows of the same job and due time, or IMPACT_X_MAX for none. */
static enum impact_kind classify(const struct sim_row *b, const struct sim_row *a)
{
        if (a->state == STATE_TIMEOUT_SKIP && b->state != STATE_TIMEOUT_SKIP)
                return IMPACT_NEWLY_SKIPPED;
        if (a->wait && !b->wait)
                return IMPACT_NEW_WAIT;
        if (a->start != b->start)
                return IMPACT_MOVED;
        if (a->state != b->state)
                return IMPACT_STATE;
        return IMPACT_X_MAX;
}

int impact_compare(const struct impact_plan *before, const struct impact_plan *after,
                   struct impact *ret)
{
        memset(ret, 0, sizeof(*ret));
        size_t nb, na;
        struct keyed *kb = keyed_of(before, &nb), *ka = kb ? keyed_of(after, &na) : NULL;
        struct impact_change *out = ka ? malloc((nb + na ? nb + na : 1) * sizeof(*out)) : NULL;
        if (!out) {
                free(kb);
                free(ka);
                return BATCH_ENOMEM;
        }
        size_t i = 0, j = 0, n = 0;
        while (i < nb || j < na) {
                int c = i == nb ? 1 : j == na ? -1 : cmp_keyed(&kb[i], &ka[j]);
                struct impact_change ch = {IMPACT_X_MAX, NULL, 0, NULL, NULL};
                if (c < 0) {
                        ch = (struct impact_change){IMPACT_REMOVED, kb[i].job, kb[i].row->due,
                                                    kb[i].row, NULL};
                        i++;
                } else if (c > 0) {
                        ch = (struct impact_change){IMPACT_ADDED, ka[j].job, ka[j].row->due, NULL,
                                                    ka[j].row};
                        j++;
                } else {
                        ch = (struct impact_change){classify(kb[i].row, ka[j].row), ka[j].job,
                                                    ka[j].row->due, kb[i].row, ka[j].row};
                        i++;
                        j++;
                }
                if (ch.kind != IMPACT_X_MAX) {
                        out[n++] = ch;
                        ret->count[ch.kind]++;
                }
        }
        free(kb);
        free(ka);
        qsort(out, n, sizeof(*out), cmp_change);
        ret->n = n;
        ret->items = out;
        return 0;
}

void impact_release(struct impact *im)
{
        free(im->items);
        sim_result_release(&im->before);
        sim_result_release(&im->after);
        free(im->names_before);
        free(im->names_after);
        free(im->only_before);
        free(im->only_after);
        memset(im, 0, sizeof(*im));
}

/* ---- which jobs a change can affect ------------------------------------------------------ */

static bool same_zone(const struct tz *a, const struct tz *b)
{
        a = a ? a : tz_utc();
        b = b ? b : tz_utc();
        return a == b || !strcmp(tz_name(a), tz_name(b));
}

static bool same_days(const int64_t *a, const int64_t *b, size_t n)
{
        return n == 0 || !memcmp(a, b, n * sizeof(*a));
}

static bool same_calendar(const struct calendar *a, const struct calendar *b)
{
        if (!a || !b)
                return a == b;
        return a->workdays == b->workdays && a->nholidays == b->nholidays &&
               a->nextra == b->nextra && same_days(a->holidays, b->holidays, a->nholidays) &&
               same_days(a->extra, b->extra, a->nextra);
}

/* What differs between two tenants' settings (enum tenant_diff bits). */
enum tenant_diff {
        TD_WINDOW = 1 << 0,   /* the window or its zone: jobs with a window policy */
        TD_PAUSES = 1 << 1,   /* the pause periods: every scheduled job */
        TD_TIMEOUTS = 1 << 2, /* the timeout constants: jobs with max_minutes */
};

static unsigned tenant_diff(const struct sched_tenant *a, const struct sched_tenant *b)
{
        unsigned d = 0;
        if (!same_zone(a->zone, b->zone) || a->window.start != b->window.start ||
            a->window.end != b->window.end)
                d |= TD_WINDOW;
        if (a->npauses != b->npauses ||
            (a->npauses && memcmp(a->pauses, b->pauses, a->npauses * sizeof(*a->pauses))))
                d |= TD_PAUSES;
        if (a->timeouts.estimate_multiple != b->timeouts.estimate_multiple ||
            a->timeouts.min_execute_minutes != b->timeouts.min_execute_minutes)
                d |= TD_TIMEOUTS;
        return d;
}

/* True when a change `d` of the tenant's settings can change what happens to job j's
 * instances (window_admit and the window timers only act under a window policy; the
 * timeout constants only stop a run with max_minutes; pauses skip scheduled dues). */
static bool tenant_touches(unsigned d, const struct sched_job_spec *j)
{
        return ((d & TD_WINDOW) && j->window != WINDOW_POLICY_ANY) ||
               ((d & TD_PAUSES) && (j->has_cron || j->external_due)) ||
               ((d & TD_TIMEOUTS) && j->max_minutes > 0);
}

/* True when job a (of jobs ja) and job b (of jobs jb) have the same definition for the
 * scheduler: the same fields, and parents of the same names and modes. */
static bool same_job(const struct sched_job_spec *ja, const struct sched_job_spec *a,
                     const struct sched_job_spec *jb, const struct sched_job_spec *b)
{
        if (a->enabled != b->enabled || a->has_cron != b->has_cron ||
            a->external_due != b->external_due ||
            (a->has_cron && memcmp(&a->cron, &b->cron, sizeof(a->cron))) ||
            !same_zone(a->zone, b->zone) || a->workday_only != b->workday_only ||
            !same_calendar(a->calendar, b->calendar) || a->window != b->window ||
            a->terminate_at_window_end != b->terminate_at_window_end ||
            a->allow_multiple != b->allow_multiple || a->ndeps != b->ndeps ||
            a->retry_attempts != b->retry_attempts || a->retry_backoff_s != b->retry_backoff_s ||
            a->retry_factor != b->retry_factor || a->catchup != b->catchup ||
            a->estimated_minutes != b->estimated_minutes || a->max_minutes != b->max_minutes)
                return false;
        for (size_t d = 0; d < a->ndeps; d++)
                if (a->deps[d].mode != b->deps[d].mode ||
                    strcmp(ja[a->deps[d].parent].name, jb[b->deps[d].parent].name))
                        return false;
        return true;
}

/* A job index with its name, for matching the sides by name. */
struct named {
        const char *name;
        size_t i;
};

static int cmp_named(const void *a, const void *b)
{
        return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static struct named *by_name(const struct impact_input *in)
{
        struct named *v = malloc((in->njobs ? in->njobs : 1) * sizeof(*v));
        if (!v)
                return NULL;
        for (size_t i = 0; i < in->njobs; i++)
                v[i] = (struct named){in->jobs[i].name, i};
        qsort(v, in->njobs, sizeof(*v), cmp_named);
        return v;
}

/* Marks every descendant of a marked job of `jobs`. Returns 0 or BATCH_ENOMEM. */
static int mark_descendants(const struct sched_job_spec *jobs, size_t n, bool *mark)
{
        size_t *start = calloc(n + 2, sizeof(*start)), nedges = 0;
        if (!start)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < n; i++)
                for (size_t d = 0; d < jobs[i].ndeps; d++) {
                        start[jobs[i].deps[d].parent + 1]++;
                        nedges++;
                }
        for (size_t i = 0; i < n; i++)
                start[i + 1] += start[i];
        size_t *child = malloc((nedges ? nedges : 1) * sizeof(*child));
        size_t *fill = calloc(n ? n : 1, sizeof(*fill));
        size_t *stack = malloc((n ? n : 1) * sizeof(*stack)), top = 0;
        int rc = child && fill && stack ? 0 : BATCH_ENOMEM;
        for (size_t i = 0; i < n && rc == 0; i++)
                for (size_t d = 0; d < jobs[i].ndeps; d++) {
                        size_t p = jobs[i].deps[d].parent;
                        child[start[p] + fill[p]++] = i;
                }
        for (size_t i = 0; i < n && rc == 0; i++)
                if (mark[i])
                        stack[top++] = i;
        while (top && rc == 0) {
                size_t j = stack[--top];
                for (size_t k = start[j]; k < start[j + 1]; k++)
                        if (!mark[child[k]]) {
                                mark[child[k]] = true;
                                stack[top++] = child[k];
                        }
        }
        free(start);
        free(child);
        free(fill);
        free(stack);
        return rc;
}

/* Marks the jobs of each side that a change can affect (im->only_before, only_after). */
static int mark_affected(const struct impact_input *b, const struct impact_input *a,
                         struct impact *im)
{
        size_t nb = b->njobs, na = a->njobs;
        im->only_before = calloc(nb ? nb : 1, sizeof(bool));
        im->only_after = calloc(na ? na : 1, sizeof(bool));
        struct named *sb = by_name(b), *sa = by_name(a);
        long *twin_b = malloc((nb ? nb : 1) * sizeof(*twin_b));
        long *twin_a = malloc((na ? na : 1) * sizeof(*twin_a));
        int rc = im->only_before && im->only_after && sb && sa && twin_b && twin_a
                         ? 0
                         : BATCH_ENOMEM;
        if (rc == 0) {
                unsigned td = tenant_diff(b->tenant, a->tenant);
                for (size_t i = 0; i < nb; i++)
                        twin_b[i] = -1;
                for (size_t i = 0; i < na; i++)
                        twin_a[i] = -1;
                for (size_t x = 0, y = 0; x < nb && y < na;) {
                        int c = strcmp(sb[x].name, sa[y].name);
                        if (c == 0) {
                                twin_b[sb[x].i] = (long)sa[y].i;
                                twin_a[sa[y].i] = (long)sb[x].i;
                        }
                        x += c <= 0;
                        y += c >= 0;
                }
                for (size_t i = 0; i < nb; i++)
                        im->only_before[i] = tenant_touches(td, &b->jobs[i]) || twin_b[i] < 0 ||
                                             !same_job(b->jobs, &b->jobs[i], a->jobs,
                                                       &a->jobs[twin_b[i]]);
                for (size_t i = 0; i < na; i++)
                        im->only_after[i] = tenant_touches(td, &a->jobs[i]) || twin_a[i] < 0 ||
                                            im->only_before[twin_a[i]];
        }
        /* Descendants on both sides, carried across by name, until nothing changes. */
        for (bool grew = true; grew && rc == 0;) {
                grew = false;
                if ((rc = mark_descendants(b->jobs, nb, im->only_before)) < 0 ||
                    (rc = mark_descendants(a->jobs, na, im->only_after)) < 0)
                        break;
                for (size_t i = 0; i < nb; i++)
                        if (twin_b[i] >= 0 && im->only_before[i] != im->only_after[twin_b[i]]) {
                                im->only_before[i] = im->only_after[twin_b[i]] = true;
                                grew = true;
                        }
        }
        for (size_t i = 0; i < na && rc == 0; i++)
                im->affected += im->only_after[i];
        for (size_t i = 0; i < nb && rc == 0; i++)
                im->affected += im->only_before[i] && twin_b[i] < 0;
        free(sb);
        free(sa);
        free(twin_b);
        free(twin_a);
        return rc;
}

/* Simulates the marked jobs of one side (and their ancestors) into *res; *only and *names
 * then describe the part simulated. */
static int plan_side(const struct impact_input *in, bool **only, const char ***names,
                     struct sim_result *res, size_t *simulated)
{
        struct sched_subset sub;
        int rc = sched_subset_build(in->jobs, in->njobs, *only, &sub);
        bool *o = rc == 0 ? calloc(sub.n ? sub.n : 1, sizeof(*o)) : NULL;
        const char **nm = rc == 0 ? calloc(sub.n ? sub.n : 1, sizeof(*nm)) : NULL;
        if (rc == 0 && (!o || !nm))
                rc = BATCH_ENOMEM;
        for (size_t k = 0; rc == 0 && k < sub.n; k++) {
                o[k] = (*only)[sub.old_of[k]];
                nm[k] = in->jobs[sub.old_of[k]].name;
        }
        struct sim_params p = {.jobs = sub.jobs, .njobs = sub.n, .tenant = in->tenant,
                               .from = in->from, .to = in->to, .waits = true};
        if (rc == 0)
                rc = sim_run_params(&p, res);
        *simulated = sub.n;
        sched_subset_release(&sub);
        free(*only);
        *only = o;
        *names = nm;
        return rc;
}

int impact_run(const struct impact_input *before, const struct impact_input *after,
               struct impact *ret)
{
        struct impact im;
        memset(&im, 0, sizeof(im));
        int rc = mark_affected(before, after, &im);
        if (rc == 0)
                rc = plan_side(before, &im.only_before, &im.names_before, &im.before,
                               &im.simulated_before);
        if (rc == 0)
                rc = plan_side(after, &im.only_after, &im.names_after, &im.after,
                               &im.simulated_after);
        struct impact diff;
        if (rc == 0)
                rc = impact_compare(
                        &(struct impact_plan){&im.before, im.names_before, im.only_before},
                        &(struct impact_plan){&im.after, im.names_after, im.only_after}, &diff);
        if (rc < 0) {
                impact_release(&im);
                return rc;
        }
        im.n = diff.n;
        im.items = diff.items;
        memcpy(im.count, diff.count, sizeof(im.count));
        *ret = im;
        return 0;
}
