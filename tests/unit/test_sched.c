/* Scenario tests of the scheduler core (DESIGN.md §2-§5), written from the seed's
 * scenarios: each runs the real scheduler, usually through the simulation of
 * `batchctl plan`, and states the outcome the rules prescribe. */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/sched.h"
#include "core/simulate.h"
#include "sys/zoneinfo.h"

static int64_t T(const char *iso)
{
        int64_t t;
        struct batch_err err;
        if (iso_parse(iso, tz_utc(), &t, &err) < 0)
                fail_msg("bad time %s: %s", iso, err.msg);
        return t;
}

static struct sched_job_spec job(const char *name, const char *cron)
{
        struct sched_job_spec j = {.name = name, .enabled = true, .zone = tz_utc(),
                                   .estimated_minutes = -1, .max_minutes = -1,
                                   .catchup = SCHED_CATCHUP_LATEST};
        if (cron) {
                j.has_cron = true;
                assert_int_equal(cron_parse(cron, &j.cron, NULL), 0);
        }
        return j;
}

static struct sched_tenant tenant(void)
{
        struct sched_tenant t = {.zone = tz_utc()};
        window_init_default(&t.window);
        timeout_consts_default(&t.timeouts);
        return t;
}

static struct sim_result plan(const struct sched_job_spec *jobs, size_t n,
                              const struct sched_tenant *t, const char *from, const char *to,
                              const struct sim_outcome *o, size_t no)
{
        struct sim_result r;
        assert_int_equal(sim_run(jobs, n, t, T(from), T(to), o, no, &r), 0);
        return r;
}

/* The k-th row (0-based) of job `job` in due order, or fails. */
static const struct sim_row *row(const struct sim_result *r, size_t job, size_t k)
{
        for (size_t i = 0; i < r->n; i++)
                if (r->rows[i].job == job && k-- == 0)
                        return &r->rows[i];
        fail_msg("job %zu has fewer rows", job);
        return NULL;
}

static size_t rows_of(const struct sim_result *r, size_t job)
{
        size_t n = 0;
        for (size_t i = 0; i < r->n; i++)
                n += r->rows[i].job == job;
        return n;
}

/* The seed's transitivity: A -> B -> C all due 18:30 starts C, then B, then A. */
static void test_chain_order(void **state)
{
        (void)state;
        struct sched_dep a_on_b = {1, DEPS_SUCCESS}, b_on_c = {2, DEPS_SUCCESS};
        struct sched_job_spec jobs[3] = {job("a", "30 18 * * *"), job("b", "30 18 * * *"),
                                         job("c", "30 18 * * *")};
        jobs[0].deps = &a_on_b;
        jobs[0].ndeps = 1;
        jobs[1].deps = &b_on_c;
        jobs[1].ndeps = 1;
        struct sched_tenant t = tenant();
        struct sim_result r = plan(jobs, 3, &t, "2026-03-02T18:00:00Z", "2026-03-02T20:00:00Z",
                                   NULL, 0);
        assert_int_equal(r.n, 3);
        /* Rows in due order, ties by start: C, B, A. */
        assert_int_equal(r.rows[0].job, 2);
        assert_int_equal(r.rows[1].job, 1);
        assert_int_equal(r.rows[2].job, 0);
        assert_int_equal(r.rows[0].start, T("2026-03-02T18:30:00Z"));
        assert_int_equal(r.rows[1].start, T("2026-03-02T18:31:00Z"));
        assert_int_equal(r.rows[2].start, T("2026-03-02T18:32:00Z"));
        assert_int_equal(r.rows[2].end, T("2026-03-02T18:33:00Z"));
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(r.rows[i].state, STATE_SUCCESS);
                assert_int_equal(r.rows[i].first_due, T("2026-03-02T18:30:00Z"));
                assert_int_equal(r.rows[i].last_due, T("2026-03-02T18:30:00Z"));
        }
        sim_result_release(&r);
}

/* C -> B -> A with B disabled: C runs as soon as it is due (its grandparent is not
 * inherited), and B creates no instances. */
static void test_disabled_parent(void **state)
{
        (void)state;
        struct sched_dep c_on_b = {1, DEPS_SUCCESS}, b_on_a = {0, DEPS_SUCCESS};
        struct sched_job_spec jobs[3] = {job("a", "30 18 * * *"), job("b", "30 18 * * *"),
                                         job("c", "30 18 * * *")};
        jobs[0].estimated_minutes = 30;
        jobs[1].enabled = false;
        jobs[1].deps = &b_on_a;
        jobs[1].ndeps = 1;
        jobs[2].deps = &c_on_b;
        jobs[2].ndeps = 1;
        struct sched_tenant t = tenant();
        struct sim_result r = plan(jobs, 3, &t, "2026-03-02T18:00:00Z", "2026-03-02T20:00:00Z",
                                   NULL, 0);
        assert_int_equal(rows_of(&r, 1), 0);
        assert_int_equal(row(&r, 2, 0)->start, T("2026-03-02T18:30:00Z"));
        assert_int_equal(row(&r, 0, 0)->end, T("2026-03-02T19:00:00Z"));
        sim_result_release(&r);
}

/* The outcomes given for a plan, in any order of jobs: a run takes the last one given
 * for its job and due time, else the last one for its job, else its estimate and
 * success; a field left at -1 falls through to the next. */
static void test_outcome_precedence(void **state)
{
        (void)state;
        struct sched_job_spec jobs[3] = {job("a", "0 1 * * *"), job("b", "0 2 * * *"),
                                         job("c", "0 3 * * *")};
        jobs[0].estimated_minutes = 7;
        jobs[1].estimated_minutes = 7;
        jobs[2].estimated_minutes = 7;
        const int64_t b_day2 = T("2026-03-03T02:00:00Z");
        struct sim_outcome o[] = {
                {.job = 1, .minutes = 10, .result = -1},
                {.job = 0, .minutes = 20, .result = SCHED_END_FAILED},
                {.job = 1, .has_due = true, .due = b_day2, .minutes = 30, .result = -1},
                {.job = 1, .minutes = 11, .result = -1}, /* b's second word wins over 10 */
                {.job = 0, .minutes = -1, .result = SCHED_END_SUCCESS}, /* a: result only */
                {.job = 1, .has_due = true, .due = b_day2, .minutes = -1,
                 .result = SCHED_END_FAILED},
        };
        struct sched_tenant t = tenant();
        struct sim_result r = plan(jobs, 3, &t, "2026-03-02T00:00:00Z", "2026-03-03T23:00:00Z",
                                   o, sizeof(o) / sizeof(o[0]));
        for (size_t day = 0; day < 2; day++) {
                const struct sim_row *a = row(&r, 0, day);
                assert_int_equal(a->state, STATE_SUCCESS);
                assert_int_equal(a->end - a->start, 20 * 60);
                const struct sim_row *c = row(&r, 2, day);
                assert_int_equal(c->state, STATE_SUCCESS);
                assert_int_equal(c->end - c->start, 7 * 60);
        }
        const struct sim_row *b1 = row(&r, 1, 0), *b2 = row(&r, 1, 1);
        assert_int_equal(b1->state, STATE_SUCCESS);
        assert_int_equal(b1->end - b1->start, 11 * 60);
        assert_int_equal(b2->due, b_day2);
        assert_int_equal(b2->state, STATE_FAILED);
        assert_int_equal(b2->end - b2->start, 30 * 60);
        sim_result_release(&r);
}

/* A failed parent: a success-mode child waits until superseded by its next due
 * instance; a completion-mode child runs. The next instances cover the failed
 * period (FirstDueTime). */
static void test_success_vs_completion(void **state)
{
        (void)state;
        struct sched_dep on_p_success = {0, DEPS_SUCCESS}, on_p_completion = {0, DEPS_COMPLETION};
        struct sched_job_spec jobs[3] = {job("p", "30 18 * * *"), job("s", "30 18 * * *"),
                                         job("k", "30 18 * * *")};
        jobs[1].deps = &on_p_success;
        jobs[1].ndeps = 1;
        jobs[2].deps = &on_p_completion;
        jobs[2].ndeps = 1;
        struct sim_outcome fail_day1 = {.job = 0, .has_due = true,
                                        .due = T("2026-03-02T18:30:00Z"), .minutes = -1,
                                        .result = SCHED_END_FAILED};
        struct sched_tenant t = tenant();
        struct sim_result r = plan(jobs, 3, &t, "2026-03-02T00:00:00Z", "2026-03-03T23:00:00Z",
                                   &fail_day1, 1);
        assert_int_equal(row(&r, 0, 0)->state, STATE_FAILED);
        assert_int_equal(row(&r, 2, 0)->state, STATE_SUCCESS);
        assert_int_equal(row(&r, 2, 0)->start, T("2026-03-02T18:31:00Z"));
        const struct sim_row *s1 = row(&r, 1, 0);
        assert_int_equal(s1->state, STATE_TIMEOUT_SKIP);
        assert_int_equal(s1->start, 0);
        assert_string_equal(s1->reason, "superseded by 2026-03-03T18:30:00Z");
        assert_int_equal(s1->end, T("2026-03-03T18:30:00Z"));
        /* Day 2: the parent succeeds, and both day-2 instances cover day 1 too. */
        const struct sim_row *p2 = row(&r, 0, 1), *s2 = row(&r, 1, 1);
        assert_int_equal(p2->state, STATE_SUCCESS);
        assert_int_equal(p2->first_due, T("2026-03-02T18:30:00Z"));
        assert_int_equal(p2->last_due, T("2026-03-03T18:30:00Z"));
        assert_int_equal(s2->state, STATE_SUCCESS);
        assert_int_equal(s2->first_due, T("2026-03-02T18:30:00Z"));
        assert_int_equal(s2->start, T("2026-03-03T18:31:00Z"));
        /* The completion-mode child ran both days, each covering its own day. */
        assert_int_equal(row(&r, 2, 1)->first_due, T("2026-03-03T18:30:00Z"));
        sim_result_release(&r);
}

/* Window 23:00-11:00: an only-in-window job due 14:00 is skipped; one due 23:30 runs. */
static void test_window_skip(void **state)
{
        (void)state;
        struct sched_job_spec jobs[2] = {job("afternoon", "0 14 * * *"),
                                         job("night", "30 23 * * *")};
        jobs[0].window = jobs[1].window = WINDOW_POLICY_ONLY_IN;
        struct sched_tenant t = tenant();
        t.window = (struct window){23 * 60, 11 * 60};
        struct sim_result r = plan(jobs, 2, &t, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
                                   NULL, 0);
        assert_int_equal(row(&r, 0, 0)->state, STATE_TIMEOUT_SKIP);
        assert_string_equal(row(&r, 0, 0)->reason, "outside batch window");
        assert_int_equal(row(&r, 0, 0)->runs, 0);
        assert_int_equal(row(&r, 1, 0)->state, STATE_SUCCESS);
        sim_result_release(&r);
}

/* An only-in-window child still waiting for its parent when the window closes is
 * skipped; a running terminate-at-window-end job is stopped and Canceled. */
static void test_window_close(void **state)
{
        (void)state;
        struct sched_dep on_p = {0, DEPS_SUCCESS};
        struct sched_job_spec jobs[3] = {job("p", "0 23 * * *"), job("c", "0 23 * * *"),
                                         job("late", "0 10 * * *")};
        jobs[0].estimated_minutes = 13 * 60; /* ends at 12:00, after the window */
        jobs[1].window = WINDOW_POLICY_ONLY_IN;
        jobs[1].deps = &on_p;
        jobs[1].ndeps = 1;
        jobs[2].window = WINDOW_POLICY_ONLY_IN;
        jobs[2].terminate_at_window_end = true;
        jobs[2].estimated_minutes = 120;
        struct sched_tenant t = tenant();
        t.window = (struct window){23 * 60, 11 * 60};
        struct sim_result r = plan(jobs, 3, &t, "2026-03-02T22:00:00Z", "2026-03-03T13:00:00Z",
                                   NULL, 0);
        const struct sim_row *c = row(&r, 1, 0);
        assert_int_equal(c->state, STATE_TIMEOUT_SKIP);
        assert_string_equal(c->reason, "batch window closed");
        assert_int_equal(c->end, T("2026-03-03T11:00:00Z"));
        assert_int_equal(row(&r, 0, 0)->end, T("2026-03-03T12:00:00Z"));
        const struct sim_row *late = row(&r, 2, 0);
        assert_int_equal(late->start, T("2026-03-03T10:00:00Z"));
        assert_int_equal(late->state, STATE_CANCELED);
        assert_int_equal(late->end, T("2026-03-03T11:00:00Z"));
        sim_result_release(&r);
}

/* Pause periods skip scheduled instances due inside them. */
static void test_pause(void **state)
{
        (void)state;
        struct sched_job_spec jobs[1] = {job("daily", "0 6 * * *")};
        struct pause_period p = {T("2026-12-24T00:00:00Z"), T("2026-12-27T00:00:00Z")};
        struct sched_tenant t = tenant();
        t.pauses = &p;
        t.npauses = 1;
        struct sim_result r = plan(jobs, 1, &t, "2026-12-23T00:00:00Z", "2026-12-28T00:00:00Z",
                                   NULL, 0);
        assert_int_equal(r.n, 5);
        assert_int_equal(r.rows[0].state, STATE_SUCCESS); /* 23rd */
        for (int i = 1; i <= 3; i++) {
                assert_int_equal(r.rows[i].state, STATE_TIMEOUT_SKIP);
                assert_string_equal(r.rows[i].reason, "scheduling paused");
        }
        assert_int_equal(r.rows[4].state, STATE_SUCCESS); /* 27th */
        /* The first run after the pause covers the skipped days. */
        assert_int_equal(r.rows[4].first_due, T("2026-12-24T06:00:00Z"));
        sim_result_release(&r);
}

/* Workday-only on a holiday creates nothing at all. */
static void test_workday_holiday(void **state)
{
        (void)state;
        const int64_t holidays[] = {T("2026-12-25T00:00:00Z") / 86400};
        struct calendar cal;
        calendar_init_default(&cal);
        cal.holidays = holidays;
        cal.nholidays = 1;
        struct sched_job_spec jobs[1] = {job("close", "0 20 * * *")};
        jobs[0].workday_only = true;
        jobs[0].calendar = &cal;
        struct sched_tenant t = tenant();
        /* Wed 23rd .. Mon 28th: workdays 23, 24, 28 (25 holiday, 26/27 weekend). */
        struct sim_result r = plan(jobs, 1, &t, "2026-12-23T00:00:00Z", "2026-12-28T23:00:00Z",
                                   NULL, 0);
        assert_int_equal(r.n, 3);
        assert_int_equal(r.rows[0].due, T("2026-12-23T20:00:00Z"));
        assert_int_equal(r.rows[1].due, T("2026-12-24T20:00:00Z"));
        assert_int_equal(r.rows[2].due, T("2026-12-28T20:00:00Z"));
        sim_result_release(&r);
}

/* A job due 02:30 Europe/Berlin over the week of the spring-forward change. */
static void test_dst_week(void **state)
{
        (void)state;
        const struct tz *berlin;
        assert_int_equal(zoneinfo_get("Europe/Berlin", &berlin, NULL), 0);
        struct sched_job_spec jobs[1] = {job("night", "30 2 * * *")};
        jobs[0].zone = berlin;
        struct sched_tenant t = tenant();
        struct sim_result r = plan(jobs, 1, &t, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z",
                                   NULL, 0);
        assert_int_equal(r.n, 4);
        assert_int_equal(r.rows[0].due, T("2026-03-27T01:30:00Z")); /* CET */
        assert_int_equal(r.rows[1].due, T("2026-03-28T01:30:00Z"));
        assert_int_equal(r.rows[2].due, T("2026-03-29T01:00:00Z")); /* 03:00 CEST */
        assert_int_equal(r.rows[3].due, T("2026-03-30T00:30:00Z")); /* CEST */
        sim_result_release(&r);
}

/* allow_multiple_instances: false — the next instance waits, naming the live one. */
static void test_single_instance(void **state)
{
        (void)state;
        struct sched_job_spec jobs[1] = {job("poll", "*/5 * * * *")};
        jobs[0].estimated_minutes = 7;
        struct sched_tenant t = tenant();
        struct sched *s;
        assert_int_equal(sched_new(jobs, 1, &t, T("2026-03-02T00:00:00Z"), NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, T("2026-03-02T00:00:00Z"), &a), 0);
        assert_int_equal(a.n, 2);
        assert_int_equal(a.items[0].kind, SCHED_CREATE);
        assert_int_equal(a.items[1].kind, SCHED_START);
        struct sched_inst *first = a.items[1].inst;
        assert_int_equal(sched_started(s, first, T("2026-03-02T00:00:00Z")), 0);
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-02T00:05:00Z"), &a), 0);
        /* Running reported, the 00:05 instance created and waiting. */
        assert_int_equal(a.n, 3);
        assert_int_equal(a.items[0].to, STATE_RUNNING);
        assert_int_equal(a.items[1].kind, SCHED_CREATE);
        assert_int_equal(a.items[2].to, STATE_DEPENDENCY_WAIT);
        assert_string_equal(a.items[2].reason,
                            "previous instance (due 2026-03-02T00:00:00Z, Running) is still live");
        struct sched_inst *second = a.items[2].inst;
        assert_int_equal(sched_ended(s, first, SCHED_END_SUCCESS, NULL, T("2026-03-02T00:07:00Z")),
                         0);
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-02T00:07:00Z"), &a), 0);
        assert_int_equal(a.n, 2);
        assert_int_equal(a.items[0].to, STATE_SUCCESS);
        assert_int_equal(a.items[1].kind, SCHED_START);
        assert_ptr_equal(a.items[1].inst, second);
        sched_actions_release(&a);
        sched_free(s);
}

/* retry {attempts: 2, backoff_seconds: 0}: a failed run is retried in the same advance
 * that reports its failure. Each action keeps the reason it was given (DESIGN §3: every
 * transition is recorded with its reason): Failed with the run's "exit 1" (the reason
 * "node lost" of a run on a lost node is recorded the same way), then Init with
 * "retry 1 of 2", then the launch. */
static void test_retry_at_once_keeps_reasons(void **state)
{
        (void)state;
        struct sched_job_spec jobs[1] = {job("flaky", "0 1 * * *")};
        jobs[0].retry_attempts = 2;
        jobs[0].retry_backoff_s = 0;
        struct sched_tenant t = tenant();
        struct sched *s;
        assert_int_equal(sched_new(jobs, 1, &t, T("2026-03-02T00:00:00Z"), NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, T("2026-03-02T01:00:00Z"), &a), 0);
        assert_int_equal(a.n, 2);
        assert_int_equal(a.items[1].kind, SCHED_START);
        struct sched_inst *in = a.items[1].inst;
        assert_int_equal(sched_started(s, in, T("2026-03-02T01:00:00Z")), 0);
        sched_actions_clear(&a);
        assert_int_equal(sched_advance(s, T("2026-03-02T01:00:30Z"), &a), 0);
        assert_int_equal(sched_ended(s, in, SCHED_END_FAILED, "exit 1", T("2026-03-02T01:01:00Z")),
                         0);
        sched_actions_clear(&a);
        assert_int_equal(sched_advance(s, T("2026-03-02T01:01:00Z"), &a), 0);
        assert_int_equal(a.n, 3);
        assert_int_equal(a.items[0].kind, SCHED_TRANSITION);
        assert_int_equal(a.items[0].to, STATE_FAILED);
        assert_non_null(a.items[0].reason);
        assert_string_equal(a.items[0].reason, "exit 1");
        assert_int_equal(a.items[1].kind, SCHED_TRANSITION);
        assert_int_equal(a.items[1].from, STATE_FAILED);
        assert_int_equal(a.items[1].to, STATE_INIT);
        assert_string_equal(a.items[1].reason, "retry 1 of 2");
        assert_int_equal(a.items[2].kind, SCHED_START);
        assert_ptr_equal(a.items[2].inst, in);
        sched_actions_release(&a);
        sched_free(s);
}

/* ---- a waiting instance's reason follows what it waits for (docs/scheduler.md) ---- */

enum wait_event { EV_NONE, EV_STARTED, EV_FAILED, EV_SUCCESS, EV_RERUN, EV_MARK_SUCCESS };

/* What happens to the instance waited for at `at`, and the reason the waiting instance
 * must then have: reported by exactly one SCHED_REASON action when it changed (`changed`),
 * by none when it did not. */
struct wait_step {
        enum wait_event ev;
        const char *at;
        bool changed;
        const char *reason;
};

/* Applies each step to `waited` (through the public interface, as the daemon does),
 * advances, and checks what is reported about `waiting`. */
static void run_wait_steps(struct sched *s, struct sched_inst *waited, struct sched_inst *waiting,
                           const struct wait_step *steps, size_t n)
{
        struct sched_actions a = {0};
        for (size_t i = 0; i < n; i++) {
                const struct wait_step *st = &steps[i];
                int64_t at = T(st->at);
                switch (st->ev) {
                case EV_NONE: break;
                case EV_STARTED: assert_int_equal(sched_started(s, waited, at), 0); break;
                case EV_FAILED:
                        assert_int_equal(sched_ended(s, waited, SCHED_END_FAILED, "exit 1", at), 0);
                        break;
                case EV_SUCCESS:
                        assert_int_equal(sched_ended(s, waited, SCHED_END_SUCCESS, NULL, at), 0);
                        break;
                case EV_RERUN: assert_int_equal(sched_rerun(s, waited, at), 0); break;
                case EV_MARK_SUCCESS: assert_int_equal(sched_mark_success(s, waited, at), 0); break;
                }
                a.n = 0;
                assert_int_equal(sched_advance(s, at, &a), 0);
                size_t reported = 0;
                for (size_t k = 0; k < a.n; k++) {
                        if (a.items[k].kind != SCHED_REASON)
                                continue;
                        assert_ptr_equal(a.items[k].inst, waiting);
                        assert_int_equal(a.items[k].from, STATE_DEPENDENCY_WAIT);
                        assert_int_equal(a.items[k].to, STATE_DEPENDENCY_WAIT);
                        assert_string_equal(a.items[k].reason, st->reason);
                        reported++;
                }
                if (reported != (st->changed ? 1u : 0u))
                        fail_msg("step %zu (at %s): %zu reason actions, want %d", i, st->at,
                                 reported, st->changed);
                assert_int_equal(waiting->state, STATE_DEPENDENCY_WAIT);
                assert_string_equal(waiting->reason, st->reason);
        }
        sched_actions_release(&a);
}

/* A child in 1 Dependency Wait: its reason follows its governing parent instance as it
 * starts, runs, fails (with a retry pending, then for good), is rerun, fails again and
 * is marked Manual Success (which releases the child). */
static void test_wait_reason_follows_parent(void **state)
{
        (void)state;
        struct sched_dep on_p = {0, DEPS_SUCCESS};
        struct sched_job_spec jobs[2] = {job("p", "30 18 * * *"), job("c", "30 18 * * *")};
        jobs[0].retry_attempts = 1;
        jobs[0].retry_backoff_s = 300;
        jobs[1].deps = &on_p;
        jobs[1].ndeps = 1;
        struct sched_tenant t = tenant();
        struct sched *s;
        int64_t t0 = T("2026-12-01T18:30:00Z");
        assert_int_equal(sched_new(jobs, 2, &t, t0, NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, t0, &a), 0);
        struct sched_inst *p = NULL, *c = NULL;
        for (size_t i = 0; i < a.n; i++) {
                if (a.items[i].kind == SCHED_START)
                        p = a.items[i].inst;
                if (a.items[i].kind == SCHED_TRANSITION && a.items[i].to == STATE_DEPENDENCY_WAIT)
                        c = a.items[i].inst;
                assert_int_not_equal(a.items[i].kind, SCHED_REASON); /* entering: a transition */
        }
        sched_actions_release(&a);
        assert_non_null(p);
        assert_non_null(c);
        assert_string_equal(c->reason, "waiting for p (due 2026-12-01T18:30:00Z, Starting)");
        static const struct wait_step steps[] = {
                {EV_STARTED, "2026-12-01T18:30:01Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Running)"},
                {EV_NONE, "2026-12-01T18:31:00Z", false, /* nothing changed: nothing reported */
                 "waiting for p (due 2026-12-01T18:30:00Z, Running)"},
                {EV_FAILED, "2026-12-01T18:35:00Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Failed: retry 1 of 1 at "
                 "2026-12-01T18:40:00Z)"},
                /* The retry: back to Init and launched in the same advance. */
                {EV_NONE, "2026-12-01T18:40:00Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Starting)"},
                {EV_STARTED, "2026-12-01T18:40:01Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Running)"},
                {EV_FAILED, "2026-12-01T18:45:00Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Failed: rerun it or mark it Manual "
                 "Success)"},
                {EV_RERUN, "2026-12-01T19:00:00Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Starting)"},
                {EV_STARTED, "2026-12-01T19:00:01Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Running)"},
                {EV_FAILED, "2026-12-01T19:05:00Z", true,
                 "waiting for p (due 2026-12-01T18:30:00Z, Failed: rerun it or mark it Manual "
                 "Success)"},
        };
        run_wait_steps(s, p, c, steps, sizeof(steps) / sizeof(steps[0]));
        /* Manual Success releases the child: a start, no further reason. */
        assert_int_equal(sched_mark_success(s, p, T("2026-12-01T19:10:00Z")), 0);
        a = (struct sched_actions){0};
        assert_int_equal(sched_advance(s, T("2026-12-01T19:10:00Z"), &a), 0);
        bool started = false;
        for (size_t i = 0; i < a.n; i++) {
                assert_int_not_equal(a.items[i].kind, SCHED_REASON);
                started |= a.items[i].kind == SCHED_START && a.items[i].inst == c;
        }
        assert_true(started);
        sched_actions_release(&a);
        sched_free(s);
}

/* allow_multiple_instances: false — the waiting instance's reason follows the live
 * previous instance: running, failed with a retry pending, relaunched. */
static void test_wait_reason_follows_previous(void **state)
{
        (void)state;
        struct sched_job_spec jobs[1] = {job("poll", "*/5 * * * *")};
        jobs[0].retry_attempts = 1;
        jobs[0].retry_backoff_s = 60;
        struct sched_tenant t = tenant();
        struct sched *s;
        assert_int_equal(sched_new(jobs, 1, &t, T("2026-03-02T00:00:00Z"), NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, T("2026-03-02T00:00:00Z"), &a), 0);
        assert_int_equal(a.items[1].kind, SCHED_START);
        struct sched_inst *first = a.items[1].inst;
        assert_int_equal(sched_started(s, first, T("2026-03-02T00:00:01Z")), 0);
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-02T00:05:00Z"), &a), 0);
        assert_int_equal(a.n, 3);
        assert_int_equal(a.items[2].to, STATE_DEPENDENCY_WAIT);
        struct sched_inst *second = a.items[2].inst;
        sched_actions_release(&a);
        static const struct wait_step steps[] = {
                {EV_FAILED, "2026-03-02T00:06:00Z", true,
                 "previous instance (due 2026-03-02T00:00:00Z, Failed: retry 1 of 1 at "
                 "2026-03-02T00:07:00Z) is still live"},
                {EV_NONE, "2026-03-02T00:07:00Z", true,
                 "previous instance (due 2026-03-02T00:00:00Z, Starting) is still live"},
                {EV_STARTED, "2026-03-02T00:07:01Z", true,
                 "previous instance (due 2026-03-02T00:00:00Z, Running) is still live"},
        };
        run_wait_steps(s, first, second, steps, sizeof(steps) / sizeof(steps[0]));
        sched_free(s);
}

/* Timeouts (DESIGN §5): a warning at max(5*3, 30) = 30 minutes; Timeout Failed at
 * max_minutes. */
static void test_timeouts(void **state)
{
        (void)state;
        struct sched_job_spec jobs[2] = {job("slow", "0 1 * * *"), job("hung", "0 1 * * *")};
        jobs[0].estimated_minutes = 5;
        jobs[0].max_minutes = 60;
        jobs[1].max_minutes = 10;
        struct sched_tenant t = tenant();
        struct sched *s;
        int64_t t0 = T("2026-03-02T01:00:00Z");
        assert_int_equal(sched_new(jobs, 2, &t, t0, NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, t0, &a), 0);
        for (size_t i = 0; i < a.n; i++)
                if (a.items[i].kind == SCHED_START)
                        assert_int_equal(sched_started(s, a.items[i].inst, t0), 0);
        a.n = 0;
        assert_int_equal(sched_advance(s, t0, &a), 0);
        /* hung: fail 10 < warn 30, so warn = 10/3*2 = 6, and fail < 30 means no warning
         * alert: the next event is Timeout Failed at 01:10. */
        assert_int_equal(sched_next_wakeup(s), T("2026-03-02T01:10:00Z"));
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-02T01:10:00Z"), &a), 0);
        assert_int_equal(a.n, 1);
        assert_int_equal(a.items[0].kind, SCHED_STOP);
        assert_string_equal(a.items[0].reason, "ran past max_minutes (10)");
        struct sched_inst *hung = a.items[0].inst;
        assert_int_equal(sched_ended(s, hung, SCHED_END_STOPPED, NULL, T("2026-03-02T01:10:05Z")),
                         0);
        assert_int_equal(hung->state, STATE_TIMEOUT_FAILED);
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-02T01:10:05Z"), &a), 0);
        assert_int_equal(sched_next_wakeup(s), T("2026-03-02T01:30:00Z"));
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-02T01:30:00Z"), &a), 0);
        assert_int_equal(a.n, 1);
        assert_int_equal(a.items[0].kind, SCHED_WARN);
        assert_string_equal(a.items[0].reason, "running longer than 30 minutes");
        assert_int_equal(a.items[0].inst->state, STATE_RUNNING);
        assert_int_equal(sched_next_wakeup(s), T("2026-03-02T02:00:00Z"));
        sched_actions_release(&a);
        sched_free(s);
}

/* retry {attempts: 2, backoff_seconds: 60, factor: 2}: three runs, 60 s then 120 s
 * after each failure. */
static void test_retries(void **state)
{
        (void)state;
        struct sched_dep on_f = {0, DEPS_COMPLETION};
        struct sched_job_spec jobs[2] = {job("flaky", "30 18 * * *"), job("after", "30 18 * * *")};
        jobs[0].retry_attempts = 2;
        jobs[0].retry_backoff_s = 60;
        jobs[0].retry_factor = 2;
        jobs[1].deps = &on_f;
        jobs[1].ndeps = 1;
        struct sim_outcome fails = {.job = 0, .minutes = -1, .result = SCHED_END_FAILED};
        struct sched_tenant t = tenant();
        struct sim_result r = plan(jobs, 2, &t, "2026-03-02T18:00:00Z", "2026-03-02T20:00:00Z",
                                   &fails, 1);
        const struct sim_row *f = row(&r, 0, 0);
        assert_int_equal(f->runs, 3);
        assert_int_equal(f->state, STATE_FAILED);
        /* 18:30-18:31, retry 18:32-18:33, retry 18:35-18:36. */
        assert_int_equal(f->start, T("2026-03-02T18:30:00Z"));
        assert_int_equal(f->end, T("2026-03-02T18:36:00Z"));
        /* The completion-mode child waits for the last retry, not the first failure. */
        assert_int_equal(row(&r, 1, 0)->start, T("2026-03-02T18:36:00Z"));
        sim_result_release(&r);
}

/* Catch-up after downtime, hourly job, down from 00:00 to 03:00. */
static void catchup_case(enum sched_catchup policy, size_t want_created, int64_t want_first_due)
{
        struct sched_job_spec jobs[1] = {job("hourly", "0 * * * *")};
        jobs[0].catchup = policy;
        struct sched_tenant t = tenant();
        struct sched *s;
        assert_int_equal(sched_new(jobs, 1, &t, T("2026-03-02T00:00:00Z"), NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, T("2026-03-02T00:00:00Z"), &a), 0);
        struct sched_inst *i0 = a.items[1].inst;
        assert_int_equal(sched_started(s, i0, T("2026-03-02T00:00:00Z")), 0);
        assert_int_equal(sched_ended(s, i0, SCHED_END_SUCCESS, NULL, T("2026-03-02T00:01:00Z")),
                         0);
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-02T03:00:10Z"), &a), 0);
        size_t created = 0;
        const struct sched_inst *last = NULL;
        for (size_t i = 0; i < a.n; i++)
                if (a.items[i].kind == SCHED_CREATE) {
                        created++;
                        last = a.items[i].inst;
                }
        assert_int_equal(created, want_created);
        assert_int_equal(last->due, T("2026-03-02T03:00:00Z"));
        assert_int_equal(last->first_due, want_first_due);
        sched_actions_release(&a);
        sched_free(s);
}

static void test_catchup(void **state)
{
        (void)state;
        /* latest: one instance covering the gap. */
        catchup_case(SCHED_CATCHUP_LATEST, 1, T("2026-03-02T01:00:00Z"));
        /* all: 01:00, 02:00, 03:00, the last covering only itself. */
        catchup_case(SCHED_CATCHUP_ALL, 3, T("2026-03-02T03:00:00Z"));
        /* none: only the due within the misfire grace (03:00, seen at 03:00:10). */
        catchup_case(SCHED_CATCHUP_NONE, 1, T("2026-03-02T01:00:00Z"));
}

/* Operator actions release a waiting child: Manual Success of a failed parent. */
static void test_manual_success_releases(void **state)
{
        (void)state;
        struct sched_dep on_p = {0, DEPS_SUCCESS};
        struct sched_job_spec jobs[2] = {job("p", "0 2 * * *"), job("c", "0 2 * * *")};
        jobs[1].deps = &on_p;
        jobs[1].ndeps = 1;
        struct sched_tenant t = tenant();
        struct sched *s;
        int64_t t0 = T("2026-03-02T02:00:00Z");
        assert_int_equal(sched_new(jobs, 2, &t, t0, NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, t0, &a), 0);
        struct sched_inst *p = NULL, *c = NULL;
        for (size_t i = 0; i < a.n; i++) {
                if (a.items[i].kind == SCHED_START)
                        p = a.items[i].inst;
                if (a.items[i].to == STATE_DEPENDENCY_WAIT)
                        c = a.items[i].inst;
        }
        assert_non_null(p);
        assert_non_null(c);
        assert_string_equal(c->reason, "waiting for p (due 2026-03-02T02:00:00Z, Starting)");
        assert_int_equal(sched_started(s, p, t0), 0);
        assert_int_equal(sched_ended(s, p, SCHED_END_FAILED, NULL, t0 + 60), 0);
        a.n = 0;
        assert_int_equal(sched_advance(s, t0 + 60, &a), 0);
        assert_int_equal(c->state, STATE_DEPENDENCY_WAIT);
        assert_int_equal(sched_stop(s, c, NULL, t0 + 61), 0); /* not this one... */
        assert_int_equal(c->state, STATE_CANCELED);
        assert_int_equal(sched_rerun(s, c, t0 + 62), 0);      /* ...rerun it */
        assert_int_equal(sched_mark_success(s, p, t0 + 63), 0);
        a.n = 0;
        assert_int_equal(sched_advance(s, t0 + 63, &a), 0);
        assert_int_equal(c->state, STATE_STARTING);
        /* Illegal operator actions are refused. */
        assert_int_equal(sched_mark_success(s, p, t0 + 64), BATCH_EINVAL);
        assert_int_equal(sched_rerun(s, c, t0 + 64), BATCH_EINVAL);
        sched_actions_release(&a);
        sched_free(s);
}

/* A next_due_api job: the caller hands over each due time; nothing is invented. */
static void test_external_due(void **state)
{
        (void)state;
        struct sched_job_spec jobs[1] = {job("remote", NULL)};
        jobs[0].external_due = true;
        struct sched_tenant t = tenant();
        struct sched *s;
        int64_t t0 = T("2026-03-02T00:00:00Z");
        assert_int_equal(sched_new(jobs, 1, &t, t0, NULL, NULL, &s), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, t0, &a), 0);
        assert_int_equal(a.n, 0);
        assert_int_equal(sched_next_wakeup(s), INT64_MAX);
        assert_int_equal(sched_set_next_due(s, 0, T("2026-03-02T10:00:00Z")), 0);
        assert_int_equal(sched_next_wakeup(s), T("2026-03-02T10:00:00Z"));
        assert_int_equal(sched_advance(s, T("2026-03-02T10:00:00Z"), &a), 0);
        assert_int_equal(a.n, 2);
        assert_int_equal(a.items[0].kind, SCHED_CREATE);
        assert_int_equal(a.items[0].inst->due, T("2026-03-02T10:00:00Z"));
        assert_int_equal(a.items[1].kind, SCHED_START);
        /* No next due until the API answers again; an earlier one is refused. */
        assert_int_equal(sched_set_next_due(s, 0, T("2026-03-02T09:00:00Z")), BATCH_EINVAL);
        a.n = 0;
        assert_int_equal(sched_advance(s, T("2026-03-03T10:00:00Z"), &a), 0);
        for (size_t i = 0; i < a.n; i++)
                assert_int_not_equal(a.items[i].kind, SCHED_CREATE);
        sched_actions_release(&a);
        sched_free(s);
}

/* A restarted scheduler continues from restored instances: the due sequence resumes after
 * the latest one (catch-up covers the gap) and a live child keeps waiting for its parent. */
/* Retired ext ids seen by the index test. */
static bool retired_ext[4096];

static void note_retired(void *arg, const struct sched_inst *in)
{
        (void)arg;
        if (in->ext_id > 0 && in->ext_id < 4096)
                retired_ext[in->ext_id] = true;
}

/* sched_find_ext: every held instance is found by the id given with sched_set_ext_id,
 * through the growth of the index and the removal of retired instances. */
static void test_find_ext(void **state)
{
        (void)state;
        memset(retired_ext, 0, sizeof(retired_ext));
        struct sched_job_spec jobs[2] = {job("a", "* * * * *"), job("b", "*/3 * * * *")};
        jobs[0].allow_multiple = true;
        struct sched_tenant t = tenant();
        struct sched *s;
        int64_t t0 = T("2026-03-02T00:00:00Z");
        assert_int_equal(sched_new(jobs, 2, &t, t0, note_retired, NULL, &s), 0);
        struct sched_actions acts = {0};
        int64_t next_ext = 1, held_max = 0;
        struct sched_inst *running[64];
        size_t nrunning = 0;
        for (int m = 0; m < 1500; m++) {
                int64_t now = t0 + 60 * m;
                /* Runs started a minute ago end now; every fifth fails. */
                for (size_t i = 0; i < nrunning; i++) {
                        assert_int_equal(sched_started(s, running[i], now), 0);
                        assert_int_equal(sched_ended(s, running[i], running[i]->ext_id % 5
                                                                        ? SCHED_END_SUCCESS
                                                                        : SCHED_END_FAILED,
                                                     NULL, now), 0);
                }
                nrunning = 0;
                acts.n = 0;
                assert_int_equal(sched_advance(s, now, &acts), 0);
                for (size_t i = 0; i < acts.n; i++) {
                        struct sched_inst *in = acts.items[i].inst;
                        if (acts.items[i].kind == SCHED_CREATE)
                                assert_int_equal(sched_set_ext_id(s, in, next_ext++), 0);
                        else if (acts.items[i].kind == SCHED_START && nrunning < 64)
                                running[nrunning++] = in;
                }
                if ((int64_t)sched_held(s) > held_max)
                        held_max = (int64_t)sched_held(s);
                /* Every id ever given: found when held, not found once retired. */
                for (int64_t e = 1; e < next_ext && e < 4096; e++) {
                        struct sched_inst *in = sched_find_ext(s, e);
                        if (retired_ext[e])
                                assert_null(in);
                        else
                                assert_true(in && in->ext_id == e);
                }
        }
        assert_true(next_ext > 1000);
        assert_true(held_max < 100); /* history is retired, so removals were exercised */
        assert_null(sched_find_ext(s, 0));
        assert_null(sched_find_ext(s, 999999));
        sched_actions_release(&acts);
        sched_free(s);
}

static void test_restore(void **state)
{
        (void)state;
        struct sched_dep on_p = {0, DEPS_SUCCESS};
        struct sched_job_spec jobs[2] = {job("p", "0 * * * *"), job("c", "0 * * * *")};
        jobs[1].deps = &on_p;
        jobs[1].ndeps = 1;
        struct sched_tenant t = tenant();
        struct sched *s;
        int64_t now = T("2026-03-02T03:00:30Z");
        assert_int_equal(sched_new(jobs, 2, &t, now, NULL, NULL, &s), 0);
        /* Before the crash: p due 01:00 was running, c due 01:00 waited for it. */
        struct sched_inst p1 = {.scheduled = true, .due = T("2026-03-02T01:00:00Z"),
                                .first_due = T("2026-03-02T01:00:00Z"),
                                .last_due = T("2026-03-02T01:00:00Z"), .state = STATE_RUNNING,
                                .ext_id = 41, .start_at = T("2026-03-02T01:00:00Z"),
                                .first_start_at = T("2026-03-02T01:00:00Z"), .runs = 1,
                                .retry_at = INT64_MAX};
        struct sched_inst c1 = {.scheduled = true, .due = T("2026-03-02T01:00:00Z"),
                                .first_due = T("2026-03-02T01:00:00Z"),
                                .last_due = T("2026-03-02T01:00:00Z"),
                                .state = STATE_DEPENDENCY_WAIT, .ext_id = 42,
                                .retry_at = INT64_MAX};
        struct sched_inst *rp, *rc;
        assert_int_equal(sched_restore(s, 0, &p1, &rp), 0);
        assert_int_equal(sched_restore(s, 1, &c1, &rc), 0);
        struct sched_actions a = {0};
        assert_int_equal(sched_advance(s, now, &a), 0);
        /* Catch-up latest: one instance per job due 03:00 covering 02:00; c's waiting
         * instance is superseded; the new c waits for the new p, which waits for the
         * restored running p (single instance). */
        const struct sched_inst *p3 = NULL, *c3 = NULL;
        for (size_t i = 0; i < a.n; i++)
                if (a.items[i].kind == SCHED_CREATE) {
                        if (a.items[i].inst->job == 0)
                                p3 = a.items[i].inst;
                        else
                                c3 = a.items[i].inst;
                }
        assert_non_null(p3);
        assert_non_null(c3);
        assert_int_equal(p3->due, T("2026-03-02T03:00:00Z"));
        assert_int_equal(p3->first_due, T("2026-03-02T02:00:00Z"));
        assert_int_equal(rc->state, STATE_TIMEOUT_SKIP);
        assert_string_equal(rc->reason, "superseded by 2026-03-02T03:00:00Z");
        assert_int_equal(p3->state, STATE_DEPENDENCY_WAIT);
        assert_int_equal(c3->state, STATE_DEPENDENCY_WAIT);
        /* c3 covers the skipped 01:00 too. */
        assert_int_equal(c3->first_due, T("2026-03-02T01:00:00Z"));
        /* The restored run ends: p3 starts. */
        assert_int_equal(sched_ended(s, rp, SCHED_END_SUCCESS, NULL, now + 10), 0);
        a.n = 0;
        assert_int_equal(sched_advance(s, now + 10, &a), 0);
        assert_int_equal(p3->state, STATE_STARTING);
        assert_int_equal(rp->ext_id, 41);
        sched_actions_release(&a);
        sched_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_chain_order),
                cmocka_unit_test(test_disabled_parent),
                cmocka_unit_test(test_outcome_precedence),
                cmocka_unit_test(test_success_vs_completion),
                cmocka_unit_test(test_window_skip),
                cmocka_unit_test(test_window_close),
                cmocka_unit_test(test_pause),
                cmocka_unit_test(test_workday_holiday),
                cmocka_unit_test(test_dst_week),
                cmocka_unit_test(test_single_instance),
                cmocka_unit_test(test_retry_at_once_keeps_reasons),
                cmocka_unit_test(test_timeouts),
                cmocka_unit_test(test_retries),
                cmocka_unit_test(test_catchup),
                cmocka_unit_test(test_manual_success_releases),
                cmocka_unit_test(test_wait_reason_follows_parent),
                cmocka_unit_test(test_wait_reason_follows_previous),
                cmocka_unit_test(test_external_due),
                cmocka_unit_test(test_restore),
                cmocka_unit_test(test_find_ext),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
