/* Property tests of the scheduler core: random dependency DAGs of hundreds of jobs with
 * random schedules, durations and failures, simulated over several days. Whatever the
 * draw, DESIGN §2.3 and §11.1 must hold:
 *   - no child starts before its governing parent instance has finished (in success
 *     mode: succeeded);
 *   - no scheduled instance is created twice for a (job, due) slot;
 *   - every instance due early enough has reached a final state by the end.
 * And the scheduler's index (docs/internals/sched-index.md) changes nothing: advancing
 * by it gives, step by step, what deciding every job on every advance gives; nor does
 * copying a scheduler (sched_copy) half way, nor forking the simulation of two plans that
 * differ only in pause periods (impact_run) where they start to differ. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/impact.h"
#include "core/lifecycle.h"
#include "core/sched.h"
#include "core/simulate.h"

#define NJOBS 300
#define DAYS 4

/* A small deterministic generator (xorshift64*), so every run draws the same DAGs. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

struct world {
        struct sched_job_spec jobs[NJOBS];
        struct sched_dep deps[NJOBS][3];
        char names[NJOBS][16];
        struct sim_outcome outcomes[NJOBS];
        size_t noutcomes;
};

static void draw(struct world *w, uint64_t seed)
{
        memset(w, 0, sizeof(*w));
        rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
        for (size_t i = 0; i < NJOBS; i++) {
                struct sched_job_spec *j = &w->jobs[i];
                snprintf(w->names[i], sizeof(w->names[i]), "j%zu", i);
                j->name = w->names[i];
                j->enabled = rnd(20) != 0; /* about 5% disabled */
                j->zone = tz_utc();
                j->has_cron = true;
                char cron[64];
                switch (rnd(4)) {
                case 0: snprintf(cron, sizeof(cron), "%u * * * *", rnd(60)); break;
                case 1: snprintf(cron, sizeof(cron), "*/15 * * * *"); break;
                default: snprintf(cron, sizeof(cron), "%u %u * * *", rnd(60), rnd(24)); break;
                }
                assert_int_equal(cron_parse(cron, &j->cron, NULL), 0);
                j->estimated_minutes = 1 + (int)rnd(20);
                j->max_minutes = rnd(5) == 0 ? 10 : -1;
                j->allow_multiple = rnd(4) == 0;
                j->catchup = SCHED_CATCHUP_LATEST;
                if (rnd(6) == 0) {
                        j->retry_attempts = 1 + (int)rnd(2);
                        j->retry_backoff_s = 60;
                        j->retry_factor = 2;
                }
                size_t nd = i ? rnd(4) : 0;
                for (size_t k = 0; k < nd; k++) {
                        w->deps[i][k].parent = rnd((uint32_t)i);
                        w->deps[i][k].mode = rnd(2) ? DEPS_SUCCESS : DEPS_COMPLETION;
                }
                j->deps = w->deps[i];
                j->ndeps = nd;
                if (rnd(8) == 0)
                        w->outcomes[w->noutcomes++] = (struct sim_outcome){
                                .job = i, .minutes = -1, .result = SCHED_END_FAILED};
        }
}

/* Each job's rows, in due order, to find governing instances quickly. */
struct by_job {
        size_t n[NJOBS];
        const struct sim_row **rows[NJOBS];
};

static void index_rows(const struct sim_result *r, struct by_job *b)
{
        memset(b, 0, sizeof(*b));
        for (size_t i = 0; i < r->n; i++)
                b->n[r->rows[i].job]++;
        for (size_t j = 0; j < NJOBS; j++) {
                b->rows[j] = calloc(b->n[j] ? b->n[j] : 1, sizeof(*b->rows[j]));
                assert_non_null(b->rows[j]);
                b->n[j] = 0;
        }
        for (size_t i = 0; i < r->n; i++) {
                size_t j = r->rows[i].job;
                b->rows[j][b->n[j]++] = &r->rows[i];
        }
}

/* The row of job `job` with the latest due in (lo, hi], or NULL. */
static const struct sim_row *governing(const struct by_job *b, size_t job, int64_t lo,
                                       int64_t hi)
{
        size_t a = 0, z = b->n[job];
        while (a < z) {
                size_t m = a + (z - a) / 2;
                if (b->rows[job][m]->due <= hi)
                        a = m + 1;
                else
                        z = m;
        }
        return a > 0 && b->rows[job][a - 1]->due > lo ? b->rows[job][a - 1] : NULL;
}

static int cmp_slot(const void *a, const void *b)
{
        const struct sim_row *x = *(const struct sim_row *const *)a;
        const struct sim_row *y = *(const struct sim_row *const *)b;
        if (x->job != y->job)
                return x->job < y->job ? -1 : 1;
        return x->due < y->due ? -1 : x->due > y->due;
}

static void check_world(uint64_t seed)
{
        static struct world w;
        draw(&w, seed);
        struct sched_tenant t = {.zone = tz_utc()};
        window_init_default(&t.window);
        timeout_consts_default(&t.timeouts);
        const int64_t from = 1772323200; /* 2026-03-01T00:00:00Z */
        const int64_t to = from + DAYS * 86400;
        struct sim_result r;
        assert_int_equal(sim_run(w.jobs, NJOBS, &t, from, to, w.outcomes, w.noutcomes, &r), 0);
        assert_true(r.n > 1000);

        /* No slot twice. */
        const struct sim_row **slots = calloc(r.n, sizeof(*slots));
        assert_non_null(slots);
        for (size_t i = 0; i < r.n; i++)
                slots[i] = &r.rows[i];
        qsort(slots, r.n, sizeof(*slots), cmp_slot);
        for (size_t i = 1; i < r.n; i++)
                assert_false(slots[i]->job == slots[i - 1]->job &&
                             slots[i]->due == slots[i - 1]->due);
        free(slots);

        static struct by_job idx;
        index_rows(&r, &idx);
        for (size_t i = 0; i < r.n; i++) {
                const struct sim_row *c = &r.rows[i];
                const struct sched_job_spec *cj = &w.jobs[c->job];
                assert_true(cj->enabled); /* disabled jobs create nothing */
                /* Everything due a day before the end has finished. */
                if (c->due < to - 86400)
                        assert_true(state_is_final(c->state));
                if (!c->start)
                        continue;
                int64_t prev = sched_job_prev_due(cj, c->due);
                for (size_t k = 0; k < cj->ndeps; k++) {
                        const struct sched_dep *d = &cj->deps[k];
                        if (!w.jobs[d->parent].enabled)
                                continue;
                        const struct sim_row *p = governing(&idx, d->parent, prev, c->due);
                        if (!p)
                                continue;
                        /* The governing parent finished before the child started... */
                        assert_true(state_is_final(p->state));
                        assert_true(p->end != 0 && p->end <= c->start);
                        /* ...and succeeded, in success mode. */
                        if (d->mode == DEPS_SUCCESS)
                                assert_true(state_is_success(p->state));
                }
        }
        for (size_t j = 0; j < NJOBS; j++)
                free(idx.rows[j]);
        sim_result_release(&r);
}

static void test_random_dags(void **state)
{
        (void)state;
        for (uint64_t seed = 1; seed <= 12; seed++)
                check_world(seed);
}

/* ---- the index against a full recomputation ---------------------------------------- */

/* A run the driver below has started, ending at `at`, seen by both schedulers. */
struct run {
        int64_t at;
        struct sched_inst *a, *b;
        enum sched_end how;
};

/* The two lists hold the same actions: kind, instance (by the scheduler's id), states and
 * reason. */
static void same_actions(const struct sched_actions *a, const struct sched_actions *b)
{
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                const struct sched_action *x = &a->items[i], *y = &b->items[i];
                assert_int_equal(x->kind, y->kind);
                assert_int_equal(x->inst->id, y->inst->id);
                assert_int_equal(x->from, y->from);
                assert_int_equal(x->to, y->to);
                assert_int_equal(x->reason == NULL, y->reason == NULL);
                if (x->reason)
                        assert_string_equal(x->reason, y->reason);
                assert_int_equal(x->inst->state, y->inst->state);
        }
}

/* Replaces *s by a copy of itself (sched_copy) and frees the original, so that anything
 * the copy shared with it would be a use after free (ASan). The runs in flight move to
 * the copy's instances; each gets an ext_id first, which the copy must find. */
static void copy_over(struct sched **s, const struct world *w, const struct sched_tenant *t,
                      struct run *runs, size_t nruns, int64_t *next_ext)
{
        for (size_t k = 0; k < nruns; k++)
                if (runs[k].a->ext_id == 0)
                        assert_int_equal(sched_set_ext_id(*s, runs[k].a, ++*next_ext), 0);
        struct sched *c;
        assert_int_equal(sched_copy(*s, w->jobs, t, NULL, NULL, &c), 0);
        assert_int_equal(sched_held(c), sched_held(*s));
        assert_int_equal(sched_next_wakeup(c), sched_next_wakeup(*s));
        for (size_t k = 0; k < nruns; k++) {
                struct sched_inst *r = sched_counterpart(*s, c, runs[k].a);
                assert_non_null(r);
                assert_ptr_not_equal(r, runs[k].a);
                assert_int_equal(r->id, runs[k].a->id);
                assert_int_equal(r->state, runs[k].a->state);
                assert_ptr_equal(sched_find_ext(c, r->ext_id), r);
                runs[k].a = r;
        }
        sched_free(*s);
        *s = c;
}

/* Both schedulers of a draw in lock step, one following its index (sched_advance) and one
 * deciding every job on every advance (sched_set_full_scan), over two days with batch
 * windows, a pause, retries, timeouts, failures, submits, operator stops, reruns and
 * Manual Success marks: every advance gives the same actions, the same next wake-up and
 * the same number of held instances. */
static void check_index_world(uint64_t seed)
{
        static struct world w;
        draw(&w, seed);
        for (size_t i = 0; i < NJOBS; i++) { /* windows, on top of draw()'s jobs */
                uint32_t k = rnd(10);
                w.jobs[i].window = k == 0 ? WINDOW_POLICY_ONLY_IN
                                   : k == 1 ? WINDOW_POLICY_NOT_IN
                                            : WINDOW_POLICY_ANY;
                w.jobs[i].terminate_at_window_end = k == 0 && rnd(2);
        }
        const int64_t from = 1772323200; /* 2026-03-01T00:00:00Z */
        const int64_t to = from + 2 * 86400;
        struct pause_period pause = {from + 86400 + 3 * 3600, from + 86400 + 6 * 3600};
        struct sched_tenant t = {.zone = tz_utc(), .pauses = &pause, .npauses = 1};
        window_init_default(&t.window);
        timeout_consts_default(&t.timeouts);
        struct sched *a, *b;
        assert_int_equal(sched_new(w.jobs, NJOBS, &t, from, NULL, NULL, &a), 0);
        assert_int_equal(sched_new(w.jobs, NJOBS, &t, from, NULL, NULL, &b), 0);
        sched_set_full_scan(b, true);
        struct sched_actions xa = {0}, xb = {0};
        struct run *runs = NULL;
        size_t nruns = 0, cap = 0, advances = 0, ends = 0, nfailed = 0, capfailed = 0,
               operated = 0;
        int64_t *failed = NULL; /* ids of instances that ended without success */
        int64_t now = from, next_ext = 0;
        /* `a` goes on as a copy of itself twice, before the pause and in it, each time
         * right after runs ended (their transitions wait in its queue for the advance). */
        const int64_t copy_at[2] = {from + 86400 + 2 * 3600 + 17 * 60, from + 86400 + 4 * 3600};
        size_t ncopies = 0;
        while (now <= to) {
                xa.n = xb.n = 0;
                assert_int_equal(sched_advance(a, now, &xa), 0);
                assert_int_equal(sched_advance(b, now, &xb), 0);
                advances++;
                same_actions(&xa, &xb);
                assert_int_equal(sched_next_wakeup(a), sched_next_wakeup(b));
                assert_int_equal(sched_held(a), sched_held(b));
                bool busy = xa.n > 0;
                for (size_t i = 0; i < xa.n; i++) {
                        struct sched_action *x = &xa.items[i], *y = &xb.items[i];
                        if (x->kind == SCHED_TRANSITION && state_is_final(x->to) &&
                            !state_is_success(x->to)) {
                                if (nfailed == capfailed) {
                                        capfailed = capfailed ? 2 * capfailed : 64;
                                        failed = realloc(failed, capfailed * sizeof(*failed));
                                        assert_non_null(failed);
                                }
                                failed[nfailed++] = x->inst->id;
                        }
                        if (x->kind == SCHED_START) {
                                assert_int_equal(sched_started(a, x->inst, now), 0);
                                assert_int_equal(sched_started(b, y->inst, now), 0);
                                if (nruns == cap) {
                                        cap = cap ? 2 * cap : 64;
                                        runs = realloc(runs, cap * sizeof(*runs));
                                        assert_non_null(runs);
                                }
                                bool fails = rnd(6) == 0;
                                runs[nruns++] = (struct run){now + 60 * (1 + (int64_t)rnd(30)),
                                                             x->inst, y->inst,
                                                             fails ? SCHED_END_FAILED
                                                                   : SCHED_END_SUCCESS};
                        } else if (x->kind == SCHED_STOP) {
                                for (size_t k = 0; k < nruns; k++)
                                        if (runs[k].a == x->inst) {
                                                runs[k] = runs[--nruns];
                                                break;
                                        }
                                assert_int_equal(sched_ended(a, x->inst, SCHED_END_STOPPED, NULL,
                                                             now), 0);
                                assert_int_equal(sched_ended(b, y->inst, SCHED_END_STOPPED, NULL,
                                                             now), 0);
                        }
                }
                /* Runs end in the order of their ends, then of their instances. */
                for (;;) {
                        size_t m = SIZE_MAX;
                        for (size_t k = 0; k < nruns; k++)
                                if (runs[k].at <= now &&
                                    (m == SIZE_MAX || runs[k].a->id < runs[m].a->id))
                                        m = k;
                        if (m == SIZE_MAX)
                                break;
                        struct run r = runs[m];
                        runs[m] = runs[--nruns];
                        assert_int_equal(sched_ended(a, r.a, r.how, NULL, now), 0);
                        assert_int_equal(sched_ended(b, r.b, r.how, NULL, now), 0);
                        busy = true;
                        ends++;
                        if (ncopies < 2 && now >= copy_at[ncopies]) {
                                copy_over(&a, &w, &t, runs, nruns, &next_ext);
                                ncopies++;
                        }
                }
                if (busy)
                        continue;
                /* Now and then an operator submits a job or stops a run. */
                uint32_t op = rnd(40);
                if (op == 0) {
                        size_t job = rnd(NJOBS);
                        assert_int_equal(sched_submit(a, job, now, NULL), 0);
                        assert_int_equal(sched_submit(b, job, now, NULL), 0);
                        continue;
                }
                if (op == 1 && nruns) {
                        size_t k = rnd((uint32_t)nruns);
                        assert_int_equal(sched_stop(a, runs[k].a, "test stop", now), 0);
                        assert_int_equal(sched_stop(b, runs[k].b, "test stop", now), 0);
                        continue;
                }
                if (op == 2 && nfailed) { /* rerun or mark one that ended without success */
                        int64_t id = failed[rnd((uint32_t)nfailed)];
                        struct sched_inst *ia = sched_find(a, id), *ib = sched_find(b, id);
                        assert_int_equal(ia == NULL, ib == NULL);
                        if (ia) {
                                bool rerun = rnd(2);
                                int ra = rerun ? sched_rerun(a, ia, now)
                                               : sched_mark_success(a, ia, now);
                                int rb = rerun ? sched_rerun(b, ib, now)
                                               : sched_mark_success(b, ib, now);
                                assert_int_equal(ra, rb);
                                operated += ra == 0;
                                if (ra == 0)
                                        continue;
                        }
                }
                int64_t next = sched_next_wakeup(a);
                for (size_t k = 0; k < nruns; k++)
                        if (runs[k].at < next)
                                next = runs[k].at;
                now = next > now ? next : now + 1;
        }
        assert_true(advances > 1000);
        assert_true(ends > 1000);
        assert_true(operated > 5);
        assert_int_equal(ncopies, 2);
        free(runs);
        free(failed);
        sched_actions_release(&xa);
        sched_actions_release(&xb);
        sched_free(a);
        sched_free(b);
}

static void test_index_matches_full_scan(void **state)
{
        (void)state;
        for (uint64_t seed = 101; seed <= 104; seed++)
                check_index_world(seed);
}

/* The impact of a change of pause periods alone (impact_run, which simulates the plans'
 * common start once and forks it where a period only one side has begins) is the one of
 * the two whole plans each simulated on its own (sim_run_params) and compared
 * (impact_compare): the same changes, in the same order. The sides share one period and
 * each has one of its own, at times drawn per seed. */
static void check_pause_fork(uint64_t seed)
{
        static struct world w;
        draw(&w, seed);
        const int64_t from = 1772323200; /* 2026-03-01T00:00:00Z */
        const int64_t to = from + 2 * 86400;
        int64_t shared = from + 3600 * (2 + (int64_t)rnd(6));
        int64_t own_b = from + 3600 * (10 + (int64_t)rnd(20)) + 60 * (int64_t)rnd(60);
        int64_t own_a = from + 3600 * (10 + (int64_t)rnd(20)) + 60 * (int64_t)rnd(60);
        struct pause_period pb[2] = {{shared, shared + 3600}, {own_b, own_b + 5400}};
        struct pause_period pa[2] = {{shared, shared + 3600}, {own_a, own_a + 3 * 3600}};
        struct sched_tenant tb = {.zone = tz_utc(), .pauses = pb, .npauses = 2};
        window_init_default(&tb.window);
        timeout_consts_default(&tb.timeouts);
        struct sched_tenant ta = tb;
        ta.pauses = pa;
        struct impact part, full;
        struct impact_input ib = {w.jobs, NJOBS, &tb, from, to};
        struct impact_input ia = {w.jobs, NJOBS, &ta, from, to};
        assert_int_equal(impact_run(&ib, &ia, &part), 0);
        struct sim_result rb, ra;
        struct sim_params p = {.jobs = w.jobs, .njobs = NJOBS, .tenant = &tb, .from = from,
                               .to = to, .waits = true};
        assert_int_equal(sim_run_params(&p, &rb), 0);
        p.tenant = &ta;
        assert_int_equal(sim_run_params(&p, &ra), 0);
        const char *names[NJOBS];
        for (size_t i = 0; i < NJOBS; i++)
                names[i] = w.names[i];
        assert_int_equal(impact_compare(&(struct impact_plan){&rb, names, NULL},
                                        &(struct impact_plan){&ra, names, NULL}, &full),
                         0);
        assert_true(full.n > 10); /* the periods of one side skip dues of the other's */
        assert_int_equal(part.n, full.n);
        assert_int_equal(part.rows, rb.n + ra.n);
        for (int k = 0; k < IMPACT_X_MAX; k++)
                assert_int_equal(part.count[k], full.count[k]);
        for (size_t i = 0; i < full.n; i++) {
                const struct impact_change *x = &part.items[i], *y = &full.items[i];
                assert_int_equal(x->kind, y->kind);
                assert_string_equal(x->job, y->job);
                assert_int_equal(x->due, y->due);
                assert_int_equal(x->before ? x->before->state : -1,
                                 y->before ? y->before->state : -1);
                assert_int_equal(x->after ? x->after->state : -1,
                                 y->after ? y->after->state : -1);
                assert_int_equal(x->after ? x->after->start : -1,
                                 y->after ? y->after->start : -1);
        }
        impact_release(&part);
        impact_release(&full);
        sim_result_release(&rb);
        sim_result_release(&ra);
}

static void test_pause_fork_matches_whole_plans(void **state)
{
        (void)state;
        for (uint64_t seed = 201; seed <= 204; seed++)
                check_pause_fork(seed);
}

/* The same pause periods in another order: tenant_diff sees a change, but no period is
 * only one side's, so the whole plan is simulated once (forked at its end): no
 * differences, and the rows counted as both plans' (twice the plan's). */
static void test_pause_fork_same_periods(void **state)
{
        (void)state;
        static struct world w;
        draw(&w, 205);
        const int64_t from = 1772323200; /* 2026-03-01T00:00:00Z */
        const int64_t to = from + 86400;
        struct pause_period pb[2] = {{from + 3600, from + 7200}, {from + 36000, from + 43200}};
        struct pause_period pa[2] = {pb[1], pb[0]};
        struct sched_tenant tb = {.zone = tz_utc(), .pauses = pb, .npauses = 2};
        window_init_default(&tb.window);
        timeout_consts_default(&tb.timeouts);
        struct sched_tenant ta = tb;
        ta.pauses = pa;
        struct impact im;
        struct impact_input ib = {w.jobs, NJOBS, &tb, from, to};
        struct impact_input ia = {w.jobs, NJOBS, &ta, from, to};
        assert_int_equal(impact_run(&ib, &ia, &im), 0);
        struct sim_result r;
        struct sim_params p = {.jobs = w.jobs, .njobs = NJOBS, .tenant = &tb, .from = from,
                               .to = to, .waits = true};
        assert_int_equal(sim_run_params(&p, &r), 0);
        assert_true(r.n > 1000);
        assert_int_equal(im.n, 0);
        assert_int_equal(im.rows, 2 * r.n);
        impact_release(&im);
        sim_result_release(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_random_dags),
                cmocka_unit_test(test_index_matches_full_scan),
                cmocka_unit_test(test_pause_fork_matches_whole_plans),
                cmocka_unit_test(test_pause_fork_same_periods),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
