/* bench_sched.c: the scheduler core and `batchctl plan`'s simulation at scale.
 *
 * 1. plan: 10,000 jobs (10% every 5 minutes, 90% daily at spread times, each with up to
 *    two parents among earlier jobs, 5% of jobs failing) simulated over one day:
 *    wall time, instances, transitions per second, the most instances the scheduler
 *    held at once, and the process's peak RSS.
 * 2. the same over three days, to show memory follows live instances, not history.
 * Prints a table; asserts nothing (docs/performance.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "core/sched.h"
#include "core/simulate.h"

#define NJOBS 10000

int main(void)
{
        static struct sched_job_spec jobs[NJOBS];
        static struct sched_dep deps[NJOBS][2];
        static char names[NJOBS][16];
        static struct sim_outcome outcomes[NJOBS];
        size_t noutcomes = 0;
        for (size_t i = 0; i < NJOBS; i++) {
                struct sched_job_spec *j = &jobs[i];
                snprintf(names[i], sizeof(names[i]), "job%05zu", i);
                char cron[32];
                if (i % 10 == 0)
                        snprintf(cron, sizeof(cron), "*/5 * * * *");
                else
                        snprintf(cron, sizeof(cron), "%u %u * * *", rnd(60), rnd(24));
                *j = (struct sched_job_spec){.name = names[i], .enabled = true, .has_cron = true,
                                             .zone = tz_utc(), .estimated_minutes = 1 + (int)rnd(4),
                                             .max_minutes = -1,
                                             .catchup = SCHED_CATCHUP_LATEST};
                if (cron_parse(cron, &j->cron, NULL) < 0)
                        return 1;
                size_t nd = i ? rnd(3) : 0;
                for (size_t k = 0; k < nd; k++)
                        deps[i][k] = (struct sched_dep){rnd((uint32_t)i),
                                                        rnd(2) ? DEPS_SUCCESS : DEPS_COMPLETION};
                j->deps = deps[i];
                j->ndeps = nd;
                if (rnd(20) == 0)
                        outcomes[noutcomes++] = (struct sim_outcome){
                                .job = i, .minutes = -1, .result = SCHED_END_FAILED};
        }
        struct sched_tenant t = {.zone = tz_utc()};
        window_init_default(&t.window);
        timeout_consts_default(&t.timeouts);
        const int64_t from = 1772323200; /* 2026-03-01T00:00:00Z */
        printf("%-34s %9s %10s %12s %14s %10s %12s\n", "case", "seconds", "instances",
               "transitions", "transitions/s", "peak held", "peak RSS MiB");
        for (int days = 1; days <= 3; days += 2) {
                struct sim_result r;
                double t0 = now_s();
                if (sim_run(jobs, NJOBS, &t, from, from + days * 86400 - 1, outcomes, noutcomes,
                            &r) < 0)
                        return 1;
                double dt = now_s() - t0;
                char name[64];
                snprintf(name, sizeof(name), "plan %d jobs, %d day%s", NJOBS, days,
                         days > 1 ? "s" : "");
                printf("%-34s %9.2f %10zu %12llu %14.0f %10zu %12.1f\n", name, dt, r.n,
                       (unsigned long long)r.transitions, (double)r.transitions / dt,
                       r.peak_held, (double)peak_rss_kib() / 1024.0);
                sim_result_release(&r);
        }
        return 0;
}
