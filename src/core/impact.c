/* impact.c: the difference between two plans (see impact.h). */
#include "core/impact.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/impactcmp.h"
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

/* The number of jobs a plan's rows name (names must hold as many). */
static size_t njobs_of(const struct impact_plan *p)
{
        size_t n = 0;
        for (size_t i = 0; i < p->res->n; i++)
                if (p->res->rows[i].job >= n)
                        n = p->res->rows[i].job + 1;
        return n;
}

int impact_compare(const struct impact_plan *before, const struct impact_plan *after,
                   struct impact *ret)
{
        const struct impact_plan *plans[2] = {before, after};
        struct impact_cmp_side sb = {before->names, before->only, njobs_of(before)};
        struct impact_cmp_side sa = {after->names, after->only, njobs_of(after)};
        struct impact_cmp *c;
        int rc = impact_cmp_new(&sb, &sa, &c);
        if (rc < 0)
                return rc;
        /* A plan's rows are by due time: each job's in due order. */
        for (int side = 0; side < 2; side++)
                for (size_t i = 0; i < plans[side]->res->n; i++) {
                        const struct sim_row *r = &plans[side]->res->rows[i];
                        impact_cmp_row(c, side, r, sim_row_wait(plans[side]->res, r));
                }
        return impact_cmp_finish(c, ret);
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

/* The marked jobs of one side with their ancestors (*sub); *only and *names then
 * describe the jobs of *sub. */
static int subset_side(const struct impact_input *in, bool **only, const char ***names,
                       struct sched_subset *sub, size_t *simulated)
{
        int rc = sched_subset_build(in->jobs, in->njobs, *only, sub);
        if (rc < 0)
                return rc;
        bool *o = calloc(sub->n ? sub->n : 1, sizeof(*o));
        const char **nm = calloc(sub->n ? sub->n : 1, sizeof(*nm));
        if (!o || !nm) {
                free(o);
                free(nm);
                return BATCH_ENOMEM;
        }
        for (size_t k = 0; k < sub->n; k++) {
                o[k] = (*only)[sub->old_of[k]];
                nm[k] = in->jobs[sub->old_of[k]].name;
        }
        *simulated = sub->n;
        free(*only);
        *only = o;
        *names = nm;
        return 0;
}

/* True when pause period p is one of the n periods of `in`. */
static bool has_pause(const struct pause_period *in, size_t n, const struct pause_period *p)
{
        for (size_t i = 0; i < n; i++)
                if (in[i].from == p->from && in[i].to == p->to)
                        return true;
        return false;
}

/* The instant before which the two plans are the same, when the sides differ only in
 * the tenant's pause periods: then both simulations serve their instants before it
 * once (impact_run forks them there); otherwise a.from (nothing shared).
 * Why the plans are the same before it: the subsets are the same jobs in the same order
 * with the same definitions for the scheduler (same_job, the parents by index), and the
 * tenants differ in nothing but the pauses (tenant_diff); sched.c reads the pauses only in
 * create_due, for a due no later than the instant served (pause_admit), and in an
 * explanation (impact runs none). For t before the earliest `from` of a period that only
 * one side has, a period containing t is on both sides or on neither, so every due
 * created before that instant is paused on both sides or on neither, and every served
 * instant gives both schedulers the same actions. Capped at to + 1 (the whole plan). */
static int64_t fork_time(const struct impact_input *b, const struct impact_input *a,
                         const struct sched_subset *sb, const struct sched_subset *sa)
{
        if (b->from != a->from || b->to != a->to || sb->n != sa->n ||
            tenant_diff(b->tenant, a->tenant) != TD_PAUSES)
                return a->from;
        for (size_t k = 0; k < sb->n; k++) {
                const struct sched_job_spec *x = &sb->jobs[k], *y = &sa->jobs[k];
                if (strcmp(x->name, y->name) || !same_job(sb->jobs, x, sa->jobs, y))
                        return a->from;
                for (size_t d = 0; d < x->ndeps; d++)
                        if (x->deps[d].parent != y->deps[d].parent)
                                return a->from;
        }
        int64_t at = a->to < INT64_MAX ? a->to + 1 : INT64_MAX;
        const struct sched_tenant *t[2] = {b->tenant, a->tenant};
        for (int side = 0; side < 2; side++)
                for (size_t i = 0; i < t[side]->npauses; i++) {
                        const struct pause_period *p = &t[side]->pauses[i];
                        if (p->from < at && !has_pause(t[!side]->pauses, t[!side]->npauses, p))
                                at = p->from;
                }
        return at > a->from ? at : a->from;
}

/* Hands a row of the plan before (after) to the comparison. */
static void row_before(void *arg, const struct sim_row *row, const struct sim_wait *wait)
{
        impact_cmp_row(arg, 0, row, wait);
}

static void row_after(void *arg, const struct sim_row *row, const struct sim_wait *wait)
{
        impact_cmp_row(arg, 1, row, wait);
}

/* Hands a row of the common start of both plans to the comparison, as each plan's. */
static void row_both(void *arg, const struct sim_row *row, const struct sim_wait *wait)
{
        impact_cmp_row(arg, 0, row, wait);
        impact_cmp_row(arg, 1, row, wait);
}

/* Simulated time served by each side before the other catches up: the rows waiting for
 * their counterparts are those of about this long. */
#define LOCKSTEP_S 3600

int impact_run(const struct impact_input *before, const struct impact_input *after,
               struct impact *ret)
{
        struct impact im;
        memset(&im, 0, sizeof(im));
        struct sched_subset sub[2];
        memset(sub, 0, sizeof(sub));
        struct impact_cmp *c = NULL;
        struct sim *sim[2] = {NULL, NULL};
        int rc = mark_affected(before, after, &im);
        if (rc == 0)
                rc = subset_side(before, &im.only_before, &im.names_before, &sub[0],
                                 &im.simulated_before);
        if (rc == 0)
                rc = subset_side(after, &im.only_after, &im.names_after, &sub[1],
                                 &im.simulated_after);
        if (rc == 0)
                rc = impact_cmp_new(&(struct impact_cmp_side){im.names_before, im.only_before,
                                                              sub[0].n},
                                    &(struct impact_cmp_side){im.names_after, im.only_after,
                                                              sub[1].n},
                                    &c);
        /* Both plans side by side in simulated time, each row compared as soon as its
         * counterpart has come: neither plan is kept. What both plans share (fork_time)
         * is simulated once, its rows handed over as both plans', then forked. */
        const struct impact_input *in[2] = {before, after};
        sim_row_fn *to_cmp[2] = {row_before, row_after};
        struct sim_params p[2];
        for (int k = 0; k < 2; k++)
                p[k] = (struct sim_params){.jobs = sub[k].jobs, .njobs = sub[k].n,
                                           .tenant = in[k]->tenant, .from = in[k]->from,
                                           .to = in[k]->to, .waits = true, .row = to_cmp[k],
                                           .row_arg = c};
        int64_t fork_at = rc == 0 ? fork_time(before, after, &sub[0], &sub[1]) : before->from;
        if (rc == 0 && fork_at > before->from) {
                struct sim_params shared = p[0];
                shared.row = row_both;
                rc = sim_begin(&shared, &sim[0]);
                for (int64_t until = before->from; rc == 0; until += LOCKSTEP_S) {
                        rc = sim_step(sim[0], until < fork_at - 1 ? until : fork_at - 1);
                        if (until >= fork_at - 1 || sim_done(sim[0]))
                                break;
                }
                if (rc == 0 && (rc = sim_fork(sim[0], &p[1], &sim[1])) == 0)
                        sim_set_row(sim[0], row_before, c);
        }
        for (int k = 0; k < 2 && rc == 0; k++)
                if (!sim[k])
                        rc = sim_begin(&p[k], &sim[k]);
        for (int64_t step = 0; rc == 0 && !(sim_done(sim[0]) && sim_done(sim[1]));
             step += LOCKSTEP_S)
                for (int k = 0; k < 2 && rc == 0; k++)
                        rc = sim_step(sim[k], in[k]->from + step);
        for (int k = 0; k < 2; k++) {
                struct sim_result none;
                int frc = sim[k] ? sim_finish(sim[k], &none) : 0;
                if (sim[k] && frc == 0)
                        sim_result_release(&none);
                if (rc == 0)
                        rc = frc;
        }
        if (c)
                im.rows = impact_cmp_rows(c);
        struct impact diff;
        if (c) {
                int crc = impact_cmp_finish(c, &diff);
                if (rc == 0)
                        rc = crc;
                else if (crc == 0)
                        impact_release(&diff);
        }
        for (int k = 0; k < 2; k++)
                sched_subset_release(&sub[k]);
        if (rc < 0) {
                impact_release(&im);
                return rc;
        }
        im.n = diff.n;
        im.items = diff.items;
        memcpy(im.count, diff.count, sizeof(im.count));
        im.before = diff.before;
        im.after = diff.after;
        *ret = im;
        return 0;
}
