/* Table-driven tests of `why` (issue 24, docs/why.md): one case per scheduling rule. Each
 * case is a set of definitions (the YAML an operator writes), a job and a time; the
 * expected explanation — the rules that must appear, in this order, with their verdict
 * and the values they must name — and the instance's final state are written from
 * DESIGN.md, not from what the code printed. The explanation comes from the real
 * scheduler (src/core/sched.c) run by the simulation of `batchctl plan`. */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/whyplan.h"
#include "defs/load.h"
#include "sched/model.h"

struct expect {
        const char *rule;    /* why_rule_name */
        const char *verdict; /* why_verdict_name */
        const char *text;    /* a part of the step's text (NULL: any) */
};

struct restored {
        const char *job;
        int64_t ext_id;
        const char *due;
        int state;
        const char *start; /* start_at of a running instance, or NULL */
        const char *reason;
};

struct why_case {
        const char *name;
        const char *yaml;
        const char *job;
        const char *at;
        const char *start;          /* the forecast's start, NULL: the previous due time */
        const char *outcome_job;    /* one job-wide outcome, or NULL */
        int outcome_minutes;        /* -1: not set */
        int outcome_result;         /* -1: not set */
        int offset_days;            /* the tenant's time offset, 0: none */
        int64_t ext_id;             /* explain this restored instance */
        struct restored restore[3];
        int state;                  /* the instance's state at the end, -1: no instance */
        const char *due;            /* the due time explained, NULL: none */
        struct expect steps[8];     /* in this order (others may come between) */
};

#define SETTINGS(window_start, window_end)                                                    \
        "---\nkind: settings\ntenant: default\nbatch_window: {start: \"" window_start           \
        "\", end: \"" window_end "\"}\n"

#define EXEC "executor: {exec: {command: [/bin/true]}}\n"

static const struct why_case cases[] = {
        {.name = "cron: the due time and a plain run (2.1, 4, 3)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"30 23 * * *\"}\n",
         .job = "a", .at = "2026-12-01T23:30:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-01T23:30:00Z",
         .steps = {{"cron", "due", "\"30 23 * * *\" in UTC fires at 2026-12-01T23:30:00Z"},
                   {"pause", "pass", "none of the 0 pause periods"},
                   {"batch window", "pass", "window: any"},
                   {"start", "run", "nothing holds it back"},
                   {"run end", "done", "Success"}}},
        {.name = "next due: nothing due at the time asked (2.1)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"30 23 * * *\"}\n",
         .job = "a", .at = "2026-12-01T12:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-01T23:30:00Z",
         .steps = {{"next due", "none", "fired last at 2026-11-30T23:30:00Z and fires next at "
                                        "2026-12-01T23:30:00Z"},
                   {"next due", "due", "is 2026-12-01T23:30:00Z"},
                   {"cron", "due", "fires at 2026-12-01T23:30:00Z"}}},
        {.name = "calendar: holiday, weekend, extra workday (2.2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 6 * * *\"}\nworkday_only: true\n"
                 "calendar: de-workdays\n---\nkind: calendar\nname: de-workdays\n"
                 "workdays: [MON, TUE, WED, THU, FRI]\nholidays: [2026-12-25, 2026-12-26]\n"
                 "extra_workdays: [2026-12-27]\n",
         .job = "a", .at = "2026-12-25T06:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-27T06:00:00Z",
         .steps = {{"calendar", "skip", "2026-12-25 (Fri): a holiday of calendar de-workdays"},
                   {"calendar", "skip", "2026-12-26 (Sat): a holiday of calendar de-workdays"},
                   {"next due", "due", "is 2026-12-27T06:00:00Z"},
                   {"calendar", "pass", "2026-12-27: a workday of calendar de-workdays"}}},
        {.name = "calendar: the default Monday to Friday (2.2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 6 * * *\"}\nworkday_only: true\n",
         .job = "a", .at = "2026-12-05T06:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-07T06:00:00Z",
         .steps = {{"calendar", "skip", "2026-12-05 (Sat): not a workday of the default"},
                   {"calendar", "skip", "2026-12-06 (Sun): not a workday"},
                   {"next due", "due", "is 2026-12-07T06:00:00Z"}}},
        {.name = "trigger: a disabled job creates no instances (2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"30 23 * * *\"}\nenabled: false\n",
         .job = "a", .at = "2026-12-01T23:30:00Z", .state = -1,
         .steps = {{"trigger", "none", "disabled: it creates no instances"}}},
        {.name = "trigger: a manual job runs only when submitted (2)",
         .yaml = "name: a\n" EXEC "type: manual\n",
         .job = "a", .at = "2026-12-01T23:30:00Z", .state = -1,
         .steps = {{"trigger", "none", "manual: it runs only when submitted"}}},
        {.name = "pause: a due time in a pause period is skipped (2.2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 1 * * *\"}\n" SETTINGS("12:00", "12:00")
                 "pause: [{from: \"2026-12-24T00:00:00Z\", to: \"2026-12-27T00:00:00Z\"}]\n",
         .job = "a", .at = "2026-12-24T01:00:00Z", .state = STATE_TIMEOUT_SKIP,
         .due = "2026-12-24T01:00:00Z",
         .steps = {{"pause", "skip", "in the pause [2026-12-24T00:00:00Z, 2026-12-27T00:00:00Z): "
                                     "scheduling paused"}}},
        {.name = "window: only_in_window, due outside (2.2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 12 * * *\"}\nwindow: only_in_window\n"
                 SETTINGS("23:00", "11:00"),
         .job = "a", .at = "2026-12-01T12:00:00Z", .state = STATE_TIMEOUT_SKIP,
         .due = "2026-12-01T12:00:00Z",
         .steps = {{"batch window", "skip", "due at 12:00 UTC is outside the batch window "
                                            "23:00-11:00: outside batch window"}}},
        {.name = "window: only_in_window, due inside (2.2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"30 23 * * *\"}\nwindow: only_in_window\n"
                 SETTINGS("23:00", "11:00"),
         .job = "a", .at = "2026-12-01T23:30:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-01T23:30:00Z",
         .steps = {{"batch window", "pass", "due at 23:30 UTC is inside the batch window"},
                   {"start", "run", NULL}}},
        {.name = "window: not_in_window, due inside (2.2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"30 23 * * *\"}\nwindow: not_in_window\n"
                 SETTINGS("23:00", "11:00"),
         .job = "a", .at = "2026-12-01T23:30:00Z", .state = STATE_TIMEOUT_SKIP,
         .due = "2026-12-01T23:30:00Z",
         .steps = {{"batch window", "skip", "not_in_window: due at 23:30 UTC is inside the "
                                            "batch window 23:00-11:00: inside batch window"}}},
        {.name = "window closes while waiting for a parent (2.2)",
         .yaml = "name: p\n" EXEC "trigger: {cron: \"30 10 * * *\"}\nestimated_minutes: 60\n"
                 "---\nname: c\n" EXEC "trigger: {cron: \"30 10 * * *\"}\n"
                 "window: only_in_window\ndepends_on: [{job: p}]\n" SETTINGS("23:00", "11:00"),
         .job = "c", .at = "2026-12-01T10:30:00Z", .state = STATE_TIMEOUT_SKIP,
         .due = "2026-12-01T10:30:00Z",
         .steps = {{"dependency", "wait", "p (success): governing instance due "
                                          "2026-12-01T10:30:00Z"},
                   {"window while waiting", "skip", "closed at 2026-12-01T11:00:00Z while it "
                                                    "waited (waiting for p"}}},
        {.name = "dependency: waits for a running parent, then starts (2.3)",
         .yaml = "name: p\n" EXEC "trigger: {cron: \"0 23 * * *\"}\nestimated_minutes: 20\n"
                 "---\nname: c\n" EXEC "trigger: {cron: \"0 23 * * *\"}\n"
                 "depends_on: [{job: p, mode: success}]\n",
         .job = "c", .at = "2026-12-01T23:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-01T23:00:00Z",
         .steps = {{"dependency", "wait", "p (success): governing instance due "
                                          "2026-12-01T23:00:00Z (latest in "
                                          "(2026-11-30T23:00:00Z, 2026-12-01T23:00:00Z]), Running "
                                          "since 2026-12-01T23:00:00Z, expected end "
                                          "2026-12-01T23:20:00Z from its estimate (20 min)"},
                   {"dependency", "pass", "Success: ended in success"},
                   {"start", "run", NULL}}},
        {.name = "dependency: a failed parent keeps a success child waiting (2.3)",
         .yaml = "name: p\n" EXEC "trigger: {cron: \"0 23 * * *\"}\n"
                 "---\nname: c\n" EXEC "trigger: {cron: \"0 23 * * *\"}\n"
                 "depends_on: [{job: p, mode: success}]\n",
         .job = "c", .at = "2026-12-01T23:00:00Z", .outcome_job = "p", .outcome_minutes = -1,
         .outcome_result = 1, .state = STATE_TIMEOUT_SKIP, .due = "2026-12-01T23:00:00Z",
         .steps = {{"dependency", "wait", "Failed: rerun it or mark it Manual Success: not ended "
                                          "in Success or Manual Success"},
                   {"supersession", "skip", "next due instance (2026-12-02T23:00:00Z) was "
                                            "created while this one waited"}}},
        {.name = "dependency: completion mode accepts a failed parent (2.3)",
         .yaml = "name: p\n" EXEC "trigger: {cron: \"0 23 * * *\"}\n"
                 "---\nname: c\n" EXEC "trigger: {cron: \"0 23 * * *\"}\n"
                 "depends_on: [{job: p, mode: completion}]\n",
         .job = "c", .at = "2026-12-01T23:00:00Z", .outcome_job = "p", .outcome_minutes = -1,
         .outcome_result = 1, .state = STATE_SUCCESS, .due = "2026-12-01T23:00:00Z",
         .steps = {{"dependency", "wait", "p (completion)"},
                   {"dependency", "pass", "p (completion): governing instance due "
                                          "2026-12-01T23:00:00Z"},
                   {"start", "run", NULL}}},
        {.name = "dependency: a disabled parent is ignored (2.3)",
         .yaml = "name: p\n" EXEC "trigger: {cron: \"0 23 * * *\"}\nenabled: false\n"
                 "---\nname: c\n" EXEC "trigger: {cron: \"0 23 * * *\"}\n"
                 "depends_on: [{job: p}]\n",
         .job = "c", .at = "2026-12-01T23:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-01T23:00:00Z",
         .steps = {{"dependency", "pass", "p (success): disabled, so ignored (its own parents "
                                          "are not inherited)"},
                   {"start", "run", NULL}}},
        {.name = "dependency: a parent not due in the interval governs nothing (2.3)",
         .yaml = "name: p\n" EXEC "trigger: {cron: \"0 22 * * MON\"}\n"
                 "---\nname: c\n" EXEC "trigger: {cron: \"0 23 * * *\"}\n"
                 "depends_on: [{job: p}]\n",
         .job = "c", .at = "2026-12-02T23:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-02T23:00:00Z",
         .steps = {{"dependency", "pass", "p (success): no due time in (2026-12-01T23:00:00Z, "
                                          "2026-12-02T23:00:00Z], so no instance of it governs"},
                   {"start", "run", NULL}}},
        {.name = "single instance: waits while the previous one runs (2, 3)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 * * * *\"}\nestimated_minutes: 90\n",
         .job = "a", .at = "2026-12-01T01:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-01T01:00:00Z",
         .steps = {{"single instance", "wait", "previous instance (due 2026-12-01T00:00:00Z): "
                                               "Running since 2026-12-01T00:00:00Z, expected end "
                                               "2026-12-01T01:30:00Z"},
                   {"single instance", "pass", "no earlier instance is live"},
                   {"start", "run", NULL}}},
        {.name = "single instance: allow_multiple_instances lets it run beside (2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 * * * *\"}\nestimated_minutes: 90\n"
                 "allow_multiple_instances: true\n",
         .job = "a", .at = "2026-12-01T01:00:00Z", .state = STATE_SUCCESS,
         .due = "2026-12-01T01:00:00Z",
         .steps = {{"single instance", "pass", "allow_multiple_instances: true"},
                   {"start", "run", NULL}}},
        {.name = "timeout: the warning at max(estimate x 3, 30) (5)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 1 * * *\"}\nestimated_minutes: 10\n"
                 "max_minutes: 60\n",
         .job = "a", .at = "2026-12-01T01:00:00Z", .outcome_job = "a", .outcome_minutes = 50,
         .outcome_result = -1, .state = STATE_SUCCESS, .due = "2026-12-01T01:00:00Z",
         .steps = {{"timeout", "warn", "running longer than 30 minutes (warn = max(estimated 10 "
                                       "x 3, 30) = 30; max_minutes 60)"},
                   {"run end", "done", "Success"}}},
        {.name = "timeout: past max_minutes it is stopped, Timeout Failed (5)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 1 * * *\"}\nestimated_minutes: 10\n"
                 "max_minutes: 40\n",
         .job = "a", .at = "2026-12-01T01:00:00Z", .outcome_job = "a", .outcome_minutes = 100,
         .outcome_result = -1, .state = STATE_TIMEOUT_FAILED, .due = "2026-12-01T01:00:00Z",
         .steps = {{"timeout", "warn", "running longer than 30 minutes"},
                   {"timeout", "stop", "ran past max_minutes (40)"},
                   {"run end", "done", "Timeout Failed"}}},
        {.name = "on_window_end: terminate at the window's close (2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"30 0 * * *\"}\nwindow: only_in_window\n"
                 "on_window_end: terminate\nestimated_minutes: 60\n" SETTINGS("23:00", "01:00"),
         .job = "a", .at = "2026-12-01T00:30:00Z", .state = STATE_CANCELED,
         .due = "2026-12-01T00:30:00Z",
         .steps = {{"on_window_end", "stop", "closed at 2026-12-01T01:00:00Z while it ran"},
                   {"run end", "done", "Canceled"}}},
        {.name = "retry: backoff x factor, then no retry left (2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 1 * * *\"}\n"
                 "retry: {attempts: 2, backoff_seconds: 60, factor: 2}\n",
         .job = "a", .at = "2026-12-01T01:00:00Z", .outcome_job = "a", .outcome_minutes = -1,
         .outcome_result = 1, .state = STATE_FAILED, .due = "2026-12-01T01:00:00Z",
         .steps = {{"run end", "done", "Failed"},
                   {"retry", "wait", "retry 1 of 2 at 2026-12-01T01:02:00Z"},
                   {"retry", "run", "retry 1 of 2: its backoff is over"},
                   {"retry", "wait", "retry 2 of 2 at 2026-12-01T01:05:00Z"},
                   {"retry", "run", "retry 2 of 2"},
                   {"retry", "none", "no retry left (2 of 2 used)"}}},
        {.name = "due parameters: the next run covers a failed period (2.4)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 1 * * *\"}\n",
         .job = "a", .at = "2026-12-02T01:00:00Z", .outcome_job = "a", .outcome_minutes = -1,
         .outcome_result = 1, .state = STATE_FAILED, .due = "2026-12-02T01:00:00Z",
         .steps = {{"due parameters", "pass", "FirstDueTime 2026-12-01T01:00:00Z, LastDueTime "
                                              "2026-12-02T01:00:00Z: the previous instance (due "
                                              "2026-12-01T01:00:00Z) ended without success"}}},
        {.name = "catch-up: a due time seen late (2, catchup)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"0 * * * *\"}\n",
         .job = "a", .at = "2026-12-01T03:00:00Z", .start = "2026-12-01T03:30:00Z",
         .restore = {{"a", 11, "2026-12-01T00:00:00Z", STATE_SUCCESS, NULL, NULL}},
         .state = STATE_SUCCESS, .due = "2026-12-01T03:00:00Z",
         .steps = {{"catch-up", "due", "missed: created at 2026-12-01T03:30:00Z, 1800 s after its "
                                       "due time (grace 60 s); catchup: latest"},
                   {"due parameters", "pass", "FirstDueTime 2026-12-01T01:00:00Z"}}},
        {.name = "time offset: the tenant's clock is shifted (2.2)",
         .yaml = "name: a\n" EXEC "trigger: {cron: \"30 23 * * *\"}\n",
         .job = "a", .at = "2026-12-01T23:30:00Z", .offset_days = 3, .state = STATE_SUCCESS,
         .due = "2026-12-01T23:30:00Z",
         .steps = {{"time offset", "pass", "real time +3 days"}, {"cron", "due", NULL}}},
        {.name = "live instance in Dependency Wait: its running parent (2.3)",
         .yaml = "name: p\n" EXEC "trigger: {cron: \"0 1 * * *\"}\nestimated_minutes: 38\n"
                 "---\nname: c\n" EXEC "trigger: {cron: \"0 1 * * *\"}\n"
                 "depends_on: [{job: p}]\n",
         .job = "c", .at = "2026-12-01T01:10:00Z", .start = "2026-12-01T01:10:00Z", .ext_id = 77,
         .restore = {{"p", 76, "2026-12-01T01:00:00Z", STATE_RUNNING, "2026-12-01T01:02:00Z",
                      NULL},
                     {"c", 77, "2026-12-01T01:00:00Z", STATE_DEPENDENCY_WAIT, NULL,
                      "waiting for p (due 2026-12-01T01:00:00Z, Running)"}},
         .state = STATE_SUCCESS, .due = "2026-12-01T01:00:00Z",
         .steps = {{"record", "pass", "instance 77, scheduled due 2026-12-01T01:00:00Z: "
                                      "Dependency Wait, waiting for p"},
                   {"dependency", "wait", "p (success): governing instance due "
                                          "2026-12-01T01:00:00Z (latest in "
                                          "(2026-11-30T01:00:00Z, 2026-12-01T01:00:00Z]), Running "
                                          "since 2026-12-01T01:02:00Z, expected end "
                                          "2026-12-01T01:40:00Z from its estimate (38 min): not "
                                          "ended in Success or Manual Success"},
                   {"dependency", "pass", "Success: ended in success"},
                   {"start", "run", "run 1"}}},
};

static int64_t T(const char *iso)
{
        int64_t t;
        struct batch_err err;
        if (iso_parse(iso, tz_utc(), &t, &err) < 0)
                fail_msg("bad time %s: %s", iso, err.msg);
        return t;
}

static void print_steps(const struct why *w)
{
        for (size_t i = 0; i < w->n; i++)
                printf("  %-20s %-5s %s\n", why_rule_name(w->steps[i].rule),
                       why_verdict_name(w->steps[i].verdict), w->steps[i].text);
}

static void run_case(void **state)
{
        const struct why_case *c = *state;
        struct defset set = {0};
        struct diag_list diags = {0, NULL};
        assert_int_equal(defs_load_buffer(&set, c->name, c->yaml, strlen(c->yaml), &diags), 0);
        for (size_t i = 0; i < diags.n; i++)
                print_message("diag: %s\n", diags.items[i].msg);
        assert_int_equal(diags.n, 0);
        struct sched_model m;
        struct batch_err err;
        assert_int_equal(sched_model_build(&set, NULL, &m, &err), 0);
        long job = sched_model_find(&m, c->job);
        assert_true(job >= 0);
        struct sim_outcome o = {.minutes = -1, .result = -1};
        struct sim_restore rs[3];
        size_t nrs = 0;
        for (; nrs < 3 && c->restore[nrs].job; nrs++) {
                const struct restored *r = &c->restore[nrs];
                long rj = sched_model_find(&m, r->job);
                assert_true(rj >= 0);
                rs[nrs] = (struct sim_restore){.job = (size_t)rj};
                struct sched_inst *in = &rs[nrs].inst;
                in->ext_id = r->ext_id;
                in->scheduled = true;
                in->due = in->first_due = in->last_due = T(r->due);
                in->state = r->state;
                in->created_at = in->due;
                in->retry_at = INT64_MAX;
                if (r->start)
                        in->start_at = in->first_start_at = T(r->start);
                if (state_is_final(r->state))
                        in->end_at = in->due + 60;
                snprintf(rs[nrs].reason, sizeof(rs[nrs].reason), "%s", r->reason ? r->reason : "");
        }
        if (c->outcome_job) {
                long oj = sched_model_find(&m, c->outcome_job);
                assert_true(oj >= 0);
                o.job = (size_t)oj;
                o.minutes = c->outcome_minutes;
                o.result = c->outcome_result;
        }
        struct time_offset off = {c->offset_days != 0, c->offset_days};
        struct why_query q = {.jobs = m.jobs, .njobs = m.njobs, .tenant = &m.tenant,
                              .offset = &off, .job = (size_t)job, .at = T(c->at),
                              .ext_id = c->ext_id, .start = c->start ? T(c->start) : INT64_MIN,
                              .restore = rs, .nrestore = nrs, .outcomes = &o,
                              .noutcomes = c->outcome_job ? 1 : 0};
        struct why_answer a;
        assert_int_equal(why_explain(&q, &a), 0);
        print_message("%s\n", c->name);
        print_steps(&a.why);
        if (c->due)
                assert_int_equal(a.due, T(c->due));
        else
                assert_true(a.due == INT64_MAX);
        if (c->state < 0) {
                assert_false(a.has_row);
        } else {
                assert_true(a.has_row);
                assert_string_equal(state_name(a.row.state), state_name(c->state));
        }
        size_t at = 0;
        for (size_t k = 0; k < 8 && c->steps[k].rule; k++) {
                const struct expect *e = &c->steps[k];
                bool found = false;
                for (; at < a.why.n && !found; at++) {
                        const struct why_step *s = &a.why.steps[at];
                        found = !strcmp(why_rule_name(s->rule), e->rule) &&
                                !strcmp(why_verdict_name(s->verdict), e->verdict) &&
                                (!e->text || strstr(s->text, e->text));
                }
                if (!found)
                        fail_msg("%s: no step %s/%s \"%s\" in order", c->name, e->rule, e->verdict,
                                 e->text ? e->text : "");
        }
        why_answer_release(&a);
        sched_model_release(&m);
        defset_release(&set);
        diag_list_release(&diags);
}

/* Every rule of the list has a name and a DESIGN section, and the cases cover 20 rules or
 * more (the evidence). */
static void test_rule_table(void **state)
{
        (void)state;
        for (int r = 0; r < WHY_RULE_X_MAX; r++) {
                assert_string_not_equal(why_rule_name((enum why_rule)r), "?");
                assert_string_not_equal(why_rule_section((enum why_rule)r), "?");
        }
        assert_true(sizeof(cases) / sizeof(cases[0]) >= 20);
}

int main(void)
{
        enum { N = sizeof(cases) / sizeof(cases[0]) };
        struct CMUnitTest tests[N + 1];
        for (size_t i = 0; i < N; i++)
                tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL,
                                               (void *)&cases[i]};
        tests[N] = (struct CMUnitTest)cmocka_unit_test(test_rule_table);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
