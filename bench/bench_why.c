/* bench_why.c: `why` and the impact of a change at scale (issue 24, docs/performance.md).
 *
 * The workload of bench_sched.c: 10,000 jobs (10% every 5 minutes, 90% daily at spread
 * times, each with up to two parents among earlier jobs, runs of 1-4 minutes).
 * 1. why: why_explain (the code behind `batchctl why` and GET /api/v1/jobs/{name}/why) for
 *    1,000 jobs picked at random, each at a random time of a day: the time per answer
 *    (mean, 99th percentile, worst), and the ancestors simulated per answer.
 * 2. impact: impact_run (the code behind `batchctl apply --dry-run --impact 7` and POST
 *    /api/v1/impact) over 7 days for five changes: one job's cron edited, one job
 *    disabled, one job given a new parent, 3% of the jobs changed (1% cron moved by 7
 *    minutes, 1% disabled, 1% a new parent), and the tenant's batch window (which
 *    affects every job: two full plans).
 * Prints a table; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/impact.h"
#include "bench.h"
#include "core/sched.h"
#include "core/simulate.h"
#include "core/subset.h"
#include "core/whyplan.h"

#define NJOBS 10000
#define NWHY 1000

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static struct sched_job_spec jobs[NJOBS], changed[NJOBS];
static struct sched_dep deps[NJOBS][3], cdeps[NJOBS][3];
static char names[NJOBS][16], crons[NJOBS][32], ccrons[NJOBS][32];

static int build(void)
{
        for (size_t i = 0; i < NJOBS; i++) {
                struct sched_job_spec *j = &jobs[i];
                snprintf(names[i], sizeof(names[i]), "job%05zu", i);
                unsigned m = rnd(60), h = rnd(24);
                if (i % 10 == 0)
                        snprintf(crons[i], sizeof(crons[i]), "*/5 * * * *");
                else
                        snprintf(crons[i], sizeof(crons[i]), "%u %u * * *", m, h);
                *j = (struct sched_job_spec){.name = names[i], .enabled = true, .has_cron = true,
                                             .cron_text = crons[i], .zone = tz_utc(),
                                             .estimated_minutes = 1 + (int)rnd(4),
                                             .max_minutes = -1,
                                             .catchup = SCHED_CATCHUP_LATEST};
                if (i % 10 == 3) /* 10% of the jobs run only in the batch window */
                        j->window = WINDOW_POLICY_ONLY_IN;
                if (cron_parse(crons[i], &j->cron, NULL) < 0)
                        return -1;
                size_t nd = i ? rnd(3) : 0;
                for (size_t k = 0; k < nd; k++)
                        deps[i][k] = (struct sched_dep){rnd((uint32_t)i),
                                                        rnd(2) ? DEPS_SUCCESS : DEPS_COMPLETION};
                j->deps = deps[i];
                j->ndeps = nd;
                /* The changed definitions: 1% moved by 7 minutes, 1% disabled, 1% with one
                 * more parent. */
                changed[i] = *j;
                memcpy(cdeps[i], deps[i], sizeof(deps[i]));
                changed[i].deps = cdeps[i];
                uint32_t what = rnd(100);
                if (what == 0 && i % 10) {
                        snprintf(ccrons[i], sizeof(ccrons[i]), "%u %u * * *", (m + 7) % 60, h);
                        changed[i].cron_text = ccrons[i];
                        if (cron_parse(ccrons[i], &changed[i].cron, NULL) < 0)
                                return -1;
                } else if (what == 1) {
                        changed[i].enabled = false;
                } else if (what == 2 && i) {
                        cdeps[i][nd] = (struct sched_dep){rnd((uint32_t)i), DEPS_SUCCESS};
                        changed[i].ndeps = nd + 1;
                }
        }
        return 0;
}

int main(void)
{
        if (build() < 0)
                return 1;
        struct sched_tenant t = {.zone = tz_utc()};
        window_init_default(&t.window);
        timeout_consts_default(&t.timeouts);
        const int64_t day0 = 1772323200; /* 2026-03-01T00:00:00Z */

        /* 1. why */
        static double took[NWHY];
        size_t steps = 0, ancestors = 0;
        double t0 = now_s(), c0 = cpu_s();
        for (size_t k = 0; k < NWHY; k++) {
                size_t job = rnd(NJOBS);
                int64_t at = day0 + 86400 + rnd(86400);
                double a = now_s();
                struct why_query q = {.jobs = jobs, .njobs = NJOBS, .tenant = &t, .job = job,
                                      .at = at, .start = INT64_MIN};
                struct why_answer ans;
                if (why_explain(&q, &ans) < 0)
                        return 1;
                took[k] = now_s() - a;
                steps += ans.why.n;
                why_answer_release(&ans);
                bool keep[NJOBS] = {false};
                keep[job] = true;
                struct sched_subset sub;
                if (sched_subset_build(jobs, NJOBS, keep, &sub) < 0)
                        return 1;
                ancestors += sub.n;
                sched_subset_release(&sub);
        }
        double total = now_s() - t0, cpu = cpu_s() - c0;
        qsort(took, NWHY, sizeof(*took), cmp_double);
        printf("%-44s %10s %10s %10s %10s %12s\n", "case", "mean ms", "p99 ms", "max ms",
               "steps", "peak RSS MiB");
        printf("%-44s %10.3f %10.3f %10.3f %10.1f %12.1f\n",
               "why, 10,000 jobs, 1,000 answers", total / NWHY * 1e3, took[NWHY * 99 / 100] * 1e3,
               took[NWHY - 1] * 1e3, (double)steps / NWHY, peak_rss_kib() / 1024.0);
        printf("  (jobs simulated per answer, the job and its ancestors: %.1f on average; "
               "CPU time per answer %.3f ms)\n",
               (double)ancestors / NWHY, cpu / NWHY * 1e3);

        /* 2. impact of 7 days */
        printf("\n%-44s %9s %9s %9s %10s %10s %9s %12s\n", "case", "seconds", "cpu s", "affected",
               "simulated", "instances", "changes", "peak RSS MiB");
        static struct sched_job_spec one[NJOBS];
        static struct sched_dep onedep[3];
        struct sched_tenant t2 = t, t3 = t;
        t2.window = (struct window){23 * 60, 7 * 60};
        struct pause_period pause = {day0 + 2 * 86400, day0 + 3 * 86400};
        t3.pauses = &pause;
        t3.npauses = 1;
        struct {
                const char *name;
                const struct sched_job_spec *after;
                const struct sched_tenant *tenant;
        } cases[] = {
                {"impact 7 days: cron edit of one job", one, &t},
                {"impact 7 days: one job disabled", one, &t},
                {"impact 7 days: a new parent for one job", one, &t},
                {"impact 7 days: 3% of the jobs changed", changed, &t},
                {"impact 7 days: the tenant's batch window", jobs, &t2},
                {"impact 7 days: a pause period (every job)", jobs, &t3},
        };
        const char *only = getenv("BENCH_WHY_CASE"); /* e.g. 3: that impact case alone */
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
                if (only && (size_t)atoi(only) != k)
                        continue;
                memcpy(one, jobs, sizeof(one));
                size_t target = 101; /* a daily job early in the graph: it has descendants */
                if (k == 0) {
                        if (cron_parse("7 3 * * *", &one[target].cron, NULL) < 0)
                                return 1;
                } else if (k == 1) {
                        one[target].enabled = false;
                } else if (k == 2) {
                        memcpy(onedep, jobs[target].deps, jobs[target].ndeps * sizeof(*onedep));
                        onedep[jobs[target].ndeps] = (struct sched_dep){17, DEPS_SUCCESS};
                        one[target].deps = onedep;
                        one[target].ndeps++;
                }
                struct impact_input ib = {jobs, NJOBS, &t, day0, day0 + 7 * 86400};
                struct impact_input ia = {cases[k].after, NJOBS, cases[k].tenant, day0,
                                          day0 + 7 * 86400};
                struct impact im;
                double a = now_s(), ca = cpu_s();
                if (impact_run(&ib, &ia, &im) < 0)
                        return 1;
                double b = now_s(), cb = cpu_s();
                printf("%-44s %9.2f %9.2f %9zu %10zu %10zu %9zu %12.1f\n", cases[k].name, b - a,
                       cb - ca,
                       im.affected, im.simulated_after, im.rows, im.n,
                       peak_rss_kib() / 1024.0);
                impact_release(&im);
        }
        return 0;
}
