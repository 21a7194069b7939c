/* test_impactcmp.c: the comparison of two plans as their rows come (src/core/impactcmp.c).
 * One pair of plans, written by hand, whose differences are one of each kind of
 * docs/why.md's table ("the first of: added, removed, newly skipped, new wait, moved,
 * state"), fed in five orders — each plan whole before the other, due by due, and one
 * side lagging the other by two hours — as two simulations side by side may hand them
 * over; every order must give the same list. The jobs are numbered differently on the two
 * sides (matched by name), one job is only before, one only after, one is not compared,
 * and a submitted instance is left out. */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/impactcmp.h"
#include "core/lifecycle.h"

#define H(h) ((int64_t)1798761600 + (int64_t)((h) * 3600)) /* 2027-01-01T00:00Z + h hours */

struct feed {
        int side;
        const char *job;
        double due, start; /* hours; start < 0: never started */
        int state;
        const char *waited; /* its first wait's reason, or NULL */
        bool submit;
};

static const char *const names_before[] = {"x", "y", "gone", "skip"};
static const bool compare_before[] = {true, true, true, false};
static const char *const names_after[] = {"y", "x", "new", "skip"};
static const bool compare_after[] = {true, true, true, false};

/* Each side's rows in due order per job (as a simulation hands them over). */
static const struct feed rows[] = {
        {0, "x", 1, 1, STATE_SUCCESS, NULL, false},
        {0, "x", 2, 2, STATE_SUCCESS, NULL, false},
        {0, "x", 3, 3, STATE_SUCCESS, NULL, false},
        {0, "x", 5, 5, STATE_SUCCESS, NULL, false},
        {0, "y", 1, 1.25, STATE_SUCCESS, "waiting for p", false},
        {0, "y", 2, -1, STATE_TIMEOUT_SKIP, NULL, false},
        {0, "y", 3, 3, STATE_SUCCESS, NULL, false},
        {0, "gone", 1, 1, STATE_SUCCESS, NULL, false},
        {0, "skip", 1, 1, STATE_SUCCESS, NULL, false},
        {1, "x", 2, 2, STATE_SUCCESS, NULL, false},            /* the same */
        {1, "x", 2.5, 2.5, STATE_SUCCESS, NULL, true},         /* a submit: left out */
        {1, "x", 3, -1, STATE_TIMEOUT_SKIP, NULL, false},      /* newly skipped */
        {1, "x", 4, 4, STATE_SUCCESS, NULL, false},            /* added */
        {1, "x", 5, 5.5, STATE_SUCCESS, "waiting for q", false}, /* new wait (and later) */
        {1, "y", 1, 1.5, STATE_SUCCESS, "waiting for p", false}, /* moved: waited before too */
        {1, "y", 2, 2, STATE_SUCCESS, NULL, false},            /* moved: no longer skipped */
        {1, "y", 3, 3, STATE_FAILED, NULL, false},             /* state */
        {1, "new", 2, 2, STATE_SUCCESS, NULL, false},          /* added: a new job */
        {1, "skip", 1, 2, STATE_FAILED, NULL, false},          /* not compared */
};
enum { NROWS = sizeof(rows) / sizeof(rows[0]) };

/* The list docs/why.md prescribes, by due time then job name. */
static const char *const expect[] = {
        "removed gone 1", "removed x 1", "moved y 1", "added new 2", "moved y 2",
        "newly_skipped x 3", "state y 3", "added x 4", "new_wait x 5",
};
enum { NEXPECT = sizeof(expect) / sizeof(expect[0]) };

static size_t job_index(int side, const char *name)
{
        const char *const *names = side ? names_after : names_before;
        for (size_t i = 0; i < 4; i++)
                if (!strcmp(names[i], name))
                        return i;
        fail_msg("no job %s", name);
        return 0;
}

/* Feeds the rows in the order of due + lag[side] (each side's own order kept). */
static void run_order(double lag0, double lag1)
{
        const double lag[2] = {lag0, lag1};
        struct impact_cmp_side sb = {names_before, compare_before, 4};
        struct impact_cmp_side sa = {names_after, compare_after, 4};
        struct impact_cmp *c;
        assert_int_equal(impact_cmp_new(&sb, &sa, &c), 0);
        bool fed[NROWS] = {false};
        for (size_t k = 0; k < NROWS; k++) {
                size_t best = NROWS;
                for (size_t i = 0; i < NROWS; i++)
                        if (!fed[i] && (best == NROWS || rows[i].due + lag[rows[i].side] <
                                                                 rows[best].due + lag[rows[best].side]))
                                best = i;
                fed[best] = true;
                const struct feed *f = &rows[best];
                struct sim_row r = {.id = (int64_t)best + 1, .job = job_index(f->side, f->job),
                                    .scheduled = !f->submit, .due = H(f->due),
                                    .first_due = H(f->due), .last_due = H(f->due),
                                    .start = f->start < 0 ? 0 : H(f->start),
                                    .state = f->state, .runs = f->start >= 0, .wait = 0};
                struct sim_wait w = {H(f->due), ""};
                if (f->waited)
                        snprintf(w.reason, sizeof(w.reason), "%s", f->waited);
                impact_cmp_row(c, f->side, &r, f->waited ? &w : NULL);
        }
        assert_int_equal(impact_cmp_rows(c), NROWS);
        struct impact im;
        assert_int_equal(impact_cmp_finish(c, &im), 0);
        print_message("  lag before %g h, after %g h: %zu differences\n", lag0, lag1, im.n);
        for (size_t i = 0; i < im.n; i++) {
                char line[64];
                snprintf(line, sizeof(line), "%s %s %g", impact_kind_name(im.items[i].kind),
                         im.items[i].job, (double)(im.items[i].due - H(0)) / 3600);
                if (i < NEXPECT)
                        assert_string_equal(line, expect[i]);
        }
        assert_int_equal(im.n, NEXPECT);
        const size_t count[IMPACT_X_MAX] = {[IMPACT_ADDED] = 2, [IMPACT_REMOVED] = 2,
                                            [IMPACT_NEWLY_SKIPPED] = 1, [IMPACT_NEW_WAIT] = 1,
                                            [IMPACT_MOVED] = 2, [IMPACT_STATE] = 1};
        assert_memory_equal(im.count, count, sizeof(count));
        /* The rows kept are the two plans' own, with their first waits. */
        const struct impact_change *nw = &im.items[8], *mv = &im.items[2];
        assert_null(sim_row_wait(&im.before, nw->before));
        assert_string_equal(sim_row_wait(&im.after, nw->after)->reason, "waiting for q");
        assert_int_equal(nw->after->start, H(5.5));
        assert_string_equal(sim_row_wait(&im.before, mv->before)->reason, "waiting for p");
        assert_int_equal(mv->before->start, H(1.25));
        assert_int_equal(mv->after->start, H(1.5));
        assert_null(im.items[0].after);   /* removed */
        assert_null(im.items[3].before);  /* added */
        assert_int_equal(im.items[5].after->state, STATE_TIMEOUT_SKIP);
        impact_release(&im);
}

static void test_orders(void **state)
{
        (void)state;
        run_order(0, 1000); /* the whole plan before, then the one after */
        run_order(1000, 0); /* the other way round */
        run_order(0, 0);    /* due by due */
        run_order(0, 2);    /* the plan after two hours behind */
        run_order(2, 0);    /* the plan before two hours behind */
}

int main(void)
{
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_orders)};
        return cmocka_run_group_tests(tests, NULL, NULL);
}
