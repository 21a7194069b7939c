/* test_simstep.c: a plan served a period at a time, its rows handed over as they leave
 * (simulate.h: sim_begin, sim_step, sim_finish, sim_params.row), is the plan of
 * sim_run_params: the same instances, ended the same way, the same transitions and
 * first waits, whatever the steps; and each job's rows come in the order of their due
 * times, as impactcmp.h requires. 60 jobs drawn at random (crons every 5 minutes to
 * daily, up to three parents, windows, retries, runs that fail) over 3 days. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lifecycle.h"
#include "core/simulate.h"

#define NJOBS 60

static uint64_t seed = 7;

static uint32_t rnd(uint32_t n)
{
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        return (uint32_t)(seed >> 33) % n;
}

static struct sched_job_spec jobs[NJOBS];
static struct sched_dep deps[NJOBS][3];
static char crons[NJOBS][32];
static struct sim_outcome outcomes[NJOBS];

static void draw(void)
{
        for (size_t i = 0; i < NJOBS; i++) {
                struct sched_job_spec *j = &jobs[i];
                switch (rnd(3)) {
                case 0: snprintf(crons[i], sizeof(crons[i]), "*/5 * * * *"); break;
                case 1: snprintf(crons[i], sizeof(crons[i]), "%u * * * *", rnd(60)); break;
                default: snprintf(crons[i], sizeof(crons[i]), "%u %u * * *", rnd(60), rnd(24));
                }
                *j = (struct sched_job_spec){.name = "j", .enabled = true, .has_cron = true,
                                             .cron_text = crons[i], .zone = tz_utc(),
                                             .estimated_minutes = 1 + (int)rnd(30),
                                             .max_minutes = rnd(5) == 0 ? 20 : -1,
                                             .allow_multiple = rnd(4) == 0,
                                             .catchup = SCHED_CATCHUP_LATEST};
                assert_int_equal(cron_parse(crons[i], &j->cron, NULL), 0);
                if (rnd(4) == 0)
                        j->window = rnd(2) ? WINDOW_POLICY_ONLY_IN : WINDOW_POLICY_NOT_IN;
                if (rnd(5) == 0) {
                        j->retry_attempts = 1 + (int)rnd(2);
                        j->retry_backoff_s = 120;
                }
                size_t nd = i ? rnd(4) : 0;
                for (size_t k = 0; k < nd; k++)
                        deps[i][k] = (struct sched_dep){rnd((uint32_t)i),
                                                        rnd(2) ? DEPS_SUCCESS : DEPS_COMPLETION};
                j->deps = deps[i];
                j->ndeps = nd;
                outcomes[i] = (struct sim_outcome){i, false, 0, -1,
                                                   rnd(6) == 0 ? SCHED_END_FAILED : -1};
        }
}

/* A row handed over, with its first wait's reason ("-": none). */
struct taken {
        struct sim_row row;
        char waited[128];
};

struct got {
        size_t n, cap;
        struct taken *rows;
        int64_t last_due[NJOBS];
        size_t out_of_order;
};

static void take(void *arg, const struct sim_row *row, const struct sim_wait *wait)
{
        struct got *g = arg;
        if (g->n == g->cap) {
                g->cap = g->cap ? 2 * g->cap : 1024;
                g->rows = realloc(g->rows, g->cap * sizeof(*g->rows));
                assert_non_null(g->rows);
        }
        if (row->due < g->last_due[row->job])
                g->out_of_order++;
        g->last_due[row->job] = row->due;
        g->rows[g->n].row = *row;
        snprintf(g->rows[g->n].waited, sizeof(g->rows[0].waited), "%s",
                 wait ? wait->reason : "-");
        g->n++;
}

static int by_id(const void *a, const void *b)
{
        const struct sim_row *x = a, *y = b;
        return x->id < y->id ? -1 : x->id > y->id;
}

static int taken_by_id(const void *a, const void *b)
{
        return by_id(&((const struct taken *)a)->row, &((const struct taken *)b)->row);
}

static void test_steps(void **state)
{
        (void)state;
        draw();
        struct sched_tenant t = {.zone = tz_utc()};
        window_init_default(&t.window);
        timeout_consts_default(&t.timeouts);
        const int64_t from = 1798761600; /* 2027-01-01T00:00Z */
        struct sim_params p = {.jobs = jobs, .njobs = NJOBS, .tenant = &t, .from = from,
                               .to = from + 3 * 86400, .outcomes = outcomes,
                               .noutcomes = NJOBS, .waits = true};
        struct sim_result whole;
        assert_int_equal(sim_run_params(&p, &whole), 0);
        assert_true(whole.n > 5000);
        /* The plan's rows by creation (ids are given in creation order). */
        struct sim_row *ref = malloc(whole.n * sizeof(*ref));
        assert_non_null(ref);
        memcpy(ref, whole.rows, whole.n * sizeof(*ref));
        qsort(ref, whole.n, sizeof(*ref), by_id);
        size_t waited = 0, skipped = 0, failed = 0;
        for (size_t i = 0; i < whole.n; i++) {
                waited += ref[i].wait != 0;
                skipped += ref[i].state == STATE_TIMEOUT_SKIP;
                failed += ref[i].state == STATE_FAILED;
        }
        print_message("  the plan: %zu rows, %zu waited, %zu skipped, %zu failed\n", whole.n,
                      waited, skipped, failed);
        assert_true(waited > 100 && skipped > 100 && failed > 100);
        const int64_t steps[] = {1, 59, 600, 3600, 86400, INT64_MAX / 4};
        for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
                struct got g;
                memset(&g, 0, sizeof(g));
                for (size_t i = 0; i < NJOBS; i++)
                        g.last_due[i] = INT64_MIN;
                struct sim_params ps = p;
                ps.row = take;
                ps.row_arg = &g;
                struct sim *sim;
                assert_int_equal(sim_begin(&ps, &sim), 0);
                for (int64_t until = from; !sim_done(sim); until += steps[s])
                        assert_int_equal(sim_step(sim, until), 0);
                struct sim_result streamed;
                assert_int_equal(sim_finish(sim, &streamed), 0);
                print_message("  steps of %lld s: %zu rows (the plan: %zu)\n",
                              (long long)steps[s], g.n, whole.n);
                assert_int_equal(streamed.n, 0);
                assert_int_equal(streamed.transitions, whole.transitions);
                assert_int_equal(streamed.peak_held, whole.peak_held);
                assert_int_equal(g.out_of_order, 0);
                assert_int_equal(g.n, whole.n);
                qsort(g.rows, g.n, sizeof(*g.rows), taken_by_id);
                for (size_t i = 0; i < g.n; i++) {
                        const struct sim_row *a = &ref[i], *b = &g.rows[i].row;
                        const struct sim_wait *aw = sim_row_wait(&whole, a);
                        assert_int_equal(a->id, b->id);
                        assert_int_equal(a->job, b->job);
                        assert_int_equal(a->due, b->due);
                        assert_int_equal(a->first_due, b->first_due);
                        assert_int_equal(a->last_due, b->last_due);
                        assert_int_equal(a->start, b->start);
                        assert_int_equal(a->end, b->end);
                        assert_int_equal(a->state, b->state);
                        assert_int_equal(a->runs, b->runs);
                        assert_string_equal(a->reason, b->reason);
                        assert_string_equal(aw ? aw->reason : "-", g.rows[i].waited);
                }
                free(g.rows);
        }
        free(ref);
        sim_result_release(&whole);
}

int main(void)
{
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_steps)};
        return cmocka_run_group_tests(tests, NULL, NULL);
}
