/* The impact of five typical changes (issue 24, docs/why.md): a cron edit, a new parent,
 * a calendar holiday, a window change and disabling a job, and of a pause period. Each
 * compares the plan of 2026-12-01T00:00Z..2026-12-03T00:00Z (Tuesday and Wednesday) with
 * the current and the new definitions, through the real scheduler, and checks the list of
 * differences against the one DESIGN.md's rules prescribe, entry by entry. */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/impact.h"
#include "core/isotime.h"
#include "defs/load.h"
#include "ops/impact.h"
#include "sched/model.h"

#define EXEC "executor: {exec: {command: [/bin/true]}}\n"

/* The current definitions: extract (22:00, 30 min) -> load (22:00, 20 min, only in the
 * 21:00-07:00 window); report on workdays of calendar de at 06:00. */
#define EXTRACT "name: extract\n" EXEC "trigger: {cron: \"0 22 * * *\"}\nestimated_minutes: 30\n"
#define LOAD(cron, deps)                                                                      \
        "---\nname: load\n" EXEC "trigger: {cron: \"" cron "\"}\nestimated_minutes: 20\n"       \
        "window: only_in_window\ndepends_on: [" deps "]\n"
#define REPORT "---\nname: report\n" EXEC "trigger: {cron: \"0 6 * * *\"}\nworkday_only: true\n" \
               "calendar: de\n"
#define CAL(holidays) "---\nkind: calendar\nname: de\nholidays: [" holidays "]\n"
#define SETTINGS(start) "---\nkind: settings\ntenant: default\nbatch_window: {start: \"" start \
                        "\", end: \"07:00\"}\n"

#define BASE EXTRACT LOAD("0 22 * * *", "{job: extract}") REPORT CAL("") SETTINGS("21:00")

struct impact_case {
        const char *name;
        const char *after;
        const char *expect[6]; /* "kind job due", in order */
};

static const struct impact_case cases[] = {
        {"a cron edit: load moves from 22:00 to 22:30",
         EXTRACT LOAD("30 22 * * *", "{job: extract}") REPORT CAL("") SETTINGS("21:00"),
         {"removed load 2026-12-01T22:00:00Z", "added load 2026-12-01T22:30:00Z",
          "removed load 2026-12-02T22:00:00Z", "added load 2026-12-02T22:30:00Z"}},
        {"a new parent: report now waits for fx (06:00, 45 min)",
         EXTRACT LOAD("0 22 * * *", "{job: extract}") REPORT "depends_on: [{job: fx}]\n"
         CAL("") SETTINGS("21:00")
         "---\nname: fx\n" EXEC "trigger: {cron: \"0 6 * * *\"}\nestimated_minutes: 45\n",
         {"added fx 2026-12-01T06:00:00Z", "new_wait report 2026-12-01T06:00:00Z",
          "added fx 2026-12-02T06:00:00Z", "new_wait report 2026-12-02T06:00:00Z"}},
        {"a calendar holiday: no report on 2026-12-02",
         EXTRACT LOAD("0 22 * * *", "{job: extract}") REPORT CAL("2026-12-02") SETTINGS("21:00"),
         {"removed report 2026-12-02T06:00:00Z"}},
        {"a window change: 23:00-07:00 leaves load's 22:00 outside",
         EXTRACT LOAD("0 22 * * *", "{job: extract}") REPORT CAL("") SETTINGS("23:00"),
         {"newly_skipped load 2026-12-01T22:00:00Z", "newly_skipped load 2026-12-02T22:00:00Z"}},
        {"disabling a job: extract goes, load no longer waits for it",
         EXTRACT "enabled: false\n" LOAD("0 22 * * *", "{job: extract}") REPORT CAL("")
                 SETTINGS("21:00"),
         {"removed extract 2026-12-01T22:00:00Z", "moved load 2026-12-01T22:00:00Z",
          "removed extract 2026-12-02T22:00:00Z", "moved load 2026-12-02T22:00:00Z"}},
        /* DESIGN 2.2: a scheduled instance due in a pause is recorded as Timeout Skip. Only
         * the pause differs: impact_run simulates up to 05:00 once and forks there. */
        {"a pause period: 2026-12-02 05:00-07:00 skips the report's 06:00",
         BASE "pause: [{from: \"2026-12-02T05:00:00Z\", to: \"2026-12-02T07:00:00Z\"}]\n",
         {"newly_skipped report 2026-12-02T06:00:00Z"}},
};

static int64_t T(const char *iso)
{
        int64_t t;
        assert_int_equal(iso_parse(iso, tz_utc(), &t, NULL), 0);
        return t;
}

static void load(const char *yaml, struct defset *set)
{
        struct diag_list diags = {0, NULL};
        memset(set, 0, sizeof(*set));
        assert_int_equal(defs_load_buffer(set, "test", yaml, strlen(yaml), &diags), 0);
        for (size_t i = 0; i < diags.n; i++)
                print_message("diag: %s\n", diags.items[i].msg);
        assert_int_equal(diags.n, 0);
        diag_list_release(&diags);
}

static void plan(const struct defset *set, struct sched_model *m, struct sim_result *r,
                 const char **names)
{
        assert_int_equal(sched_model_build(set, NULL, m, NULL), 0);
        assert_true(m->njobs <= 8);
        for (size_t i = 0; i < m->njobs; i++)
                names[i] = m->jobs[i].name;
        struct sim_params p = {.jobs = m->jobs, .njobs = m->njobs, .tenant = &m->tenant,
                               .from = T("2026-12-01T00:00:00Z"),
                               .to = T("2026-12-03T00:00:00Z"), .waits = true};
        assert_int_equal(sim_run_params(&p, r), 0);
}

static void run_case(void **state)
{
        const struct impact_case *c = *state;
        struct defset before, after;
        load(BASE, &before);
        load(c->after, &after);
        struct sched_model mb, ma;
        struct sim_result rb, ra;
        const char *nb[8], *na[8];
        plan(&before, &mb, &rb, nb);
        plan(&after, &ma, &ra, na);
        size_t nexp = 0;
        while (nexp < 6 && c->expect[nexp])
                nexp++;
        /* Every job planned on both sides and compared, and impact_run, which plans only
         * the jobs the change can affect: both give the expected list. */
        struct impact full, part;
        assert_int_equal(impact_compare(&(struct impact_plan){&rb, nb, NULL},
                                        &(struct impact_plan){&ra, na, NULL}, &full),
                         0);
        struct impact_input ib = {mb.jobs, mb.njobs, &mb.tenant, T("2026-12-01T00:00:00Z"),
                                  T("2026-12-03T00:00:00Z")};
        struct impact_input ia = {ma.jobs, ma.njobs, &ma.tenant, ib.from, ib.to};
        assert_int_equal(impact_run(&ib, &ia, &part), 0);
        print_message("  (affected %zu, simulated %zu / %zu of %zu / %zu jobs)\n", part.affected,
                      part.simulated_before, part.simulated_after, mb.njobs, ma.njobs);
        const struct impact *lists[2] = {&full, &part};
        for (int l = 0; l < 2; l++) {
                const struct impact *im = lists[l];
                for (size_t i = 0; i < im->n; i++) {
                        char line[128], iso[ISO_FORMAT_MAX];
                        snprintf(line, sizeof(line), "%s %s %s",
                                 impact_kind_name(im->items[i].kind), im->items[i].job,
                                 iso_format_utc(im->items[i].due, iso));
                        print_message("  %s\n", line);
                        if (i < nexp)
                                assert_string_equal(line, c->expect[i]);
                }
                assert_int_equal(im->n, nexp);
        }
        impact_release(&full);
        impact_release(&part);
        sim_result_release(&rb);
        sim_result_release(&ra);
        sched_model_release(&mb);
        sched_model_release(&ma);
        defset_release(&before);
        defset_release(&after);
}

/* The document of ops_impact: the counts and items of the same comparison, and a refused
 * period. */
static void test_document(void **state)
{
        (void)state;
        struct defset before, after;
        load(BASE, &before);
        load(cases[2].after, &after);
        struct buf b;
        buf_init(&b, 0);
        struct batch_err err;
        assert_int_equal(ops_impact(&before, &after, NULL, T("2026-12-01T00:00:00Z"), 2, &b, &err),
                         0);
        buf_puts(&b, "");
        assert_non_null(strstr(b.data, "\"counts\": {\"added\": 0, \"removed\": 1, "
                                       "\"newly_skipped\": 0, \"new_wait\": 0, \"moved\": 0, "
                                       "\"state\": 0}"));
        assert_non_null(strstr(b.data, "{\"kind\": \"removed\", \"job\": \"report\", \"due\": "
                                       "\"2026-12-02T06:00:00+00:00\", \"before\": {\"state\": 5"));
        assert_int_equal(ops_impact(&before, &after, NULL, 0, 32, &b, &err), BATCH_ERANGE);
        assert_non_null(strstr(err.msg, "32 days is not in 1..31"));
        buf_release(&b);
        defset_release(&before);
        defset_release(&after);
}

int main(void)
{
        enum { N = sizeof(cases) / sizeof(cases[0]) };
        struct CMUnitTest tests[N + 1];
        for (size_t i = 0; i < N; i++)
                tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL,
                                               (void *)&cases[i]};
        tests[N] = (struct CMUnitTest)cmocka_unit_test(test_document);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
