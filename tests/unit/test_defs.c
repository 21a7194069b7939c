/* Unit tests for the definition loader and validator (src/defs): the DESIGN.md §2
 * example loads with the values it states; every class of bad input gives a
 * diagnostic at the right file:line:column with the key. */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "core/civil.h"
#include "defs/docindex.h"
#include "defs/emit.h"
#include "defs/load.h"
#include "defs/overlay.h"
#include "defs/validate.h"
#include "sched/model.h"

/* The example of DESIGN.md §2, verbatim but for the parents, which are defined here. */
static const char design_example[] =
        "kind: job\n"
        "name: nightly-load\n"
        "display_name: Nightly policy load\n"
        "display_names: {de: Nächtlicher Policenimport, zh-CN: 夜间保单加载}\n"
        "group: nightly\n"
        "type: scheduled\n"
        "executor:\n"
        "  exec:\n"
        "    command: [/usr/local/bin/load-policies, --full]   # argv, no shell\n"
        "    env: {MODE: full}\n"
        "    workdir: /var/lib/batchd/work\n"
        "trigger: {cron: \"30 23 * * *\", timezone: Europe/Berlin}\n"
        "window: only_in_window\n"
        "workday_only: true\n"
        "calendar: de-workdays\n"
        "depends_on:\n"
        "  - {job: nightly-extract, mode: success}\n"
        "  - {job: fx-rates, mode: completion}\n"
        "estimated_minutes: 20\n"
        "max_minutes: 90\n"
        "parameters: {region: EU}\n"
        "retry: {attempts: 2, backoff_seconds: 60, factor: 2}\n"
        "alerts: {on: [failure, timeout, partial_failure], email: [ops@example.com]}\n"
        "---\n"
        "kind: calendar\n"
        "name: de-workdays\n"
        "workdays: [MON, TUE, WED, THU, FRI]\n"
        "holidays: [2026-12-25, 2026-12-26]\n"
        "extra_workdays: [2026-12-27]\n"
        "---\n"
        "kind: settings\n"
        "tenant: default\n"
        "batch_window: {start: \"23:00\", end: \"11:00\"}\n"
        "pause: [{from: \"2026-12-24T00:00:00Z\", to: \"2026-12-27T00:00:00Z\"}]\n"
        "time_offset: {enabled: false, days: 0}\n"
        "timeouts: {estimate_multiple: 3, min_execute_minutes: 30}\n"
        "---\n"
        "name: nightly-extract\n"
        "executor: {exec: {command: [/bin/true]}}\n"
        "trigger: {cron: \"30 23 * * *\", timezone: Europe/Berlin}\n"
        "---\n"
        "name: fx-rates\n"
        "executor: {http: {service: \"http://fx.example/\", context_path: /fx, remote_job: fx,\n"
        "  poll_seconds: 60, timeout_seconds: 5, stop_timeout_seconds: 90,\n"
        "  credentials: {bearer_file: /etc/batchd/fx.token}}}\n"
        "trigger: {cron: \"30 23 * * *\", timezone: Europe/Berlin}\n";

static void load(const char *text, struct defset *set, struct diag_list *diags)
{
        memset(set, 0, sizeof(*set));
        memset(diags, 0, sizeof(*diags));
        assert_int_equal(defs_load_buffer(set, "t.yaml", text, strlen(text), diags), 0);
        assert_int_equal(defs_validate(set, diags), 0);
}

static void test_design_example(void **state)
{
        (void)state;
        struct defset set;
        struct diag_list diags;
        load(design_example, &set, &diags);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "unexpected: %d:%d %s\n", diags.items[i].pos.line,
                        diags.items[i].pos.col, diags.items[i].msg);
        assert_int_equal(diags.n, 0);
        assert_int_equal(set.ndocs, 5);

        const struct job_def *j = &set.docs[0].u.job;
        assert_int_equal(set.docs[0].kind, DEF_JOB);
        assert_string_equal(j->name, "nightly-load");
        assert_string_equal(j->tenant, "default");
        assert_string_equal(j->display_name, "Nightly policy load");
        assert_int_equal(j->display_names.n, 2);
        assert_string_equal(j->display_names.keys[1], "zh-CN");
        assert_int_equal(j->type, JOB_SCHEDULED);
        assert_true(j->enabled);
        assert_int_equal(j->executor, EXECUTOR_EXEC);
        assert_int_equal(j->exec_command.n, 2);
        assert_string_equal(j->exec_command.items[0], "/usr/local/bin/load-policies");
        assert_string_equal(j->exec_command.items[1], "--full");
        assert_string_equal(j->exec_env.keys[0], "MODE");
        assert_string_equal(j->exec_env.vals[0], "full");
        assert_string_equal(j->exec_workdir, "/var/lib/batchd/work");
        assert_string_equal(j->cron, "30 23 * * *");
        assert_string_equal(j->timezone, "Europe/Berlin");
        assert_int_equal(j->window, WINDOW_ONLY_IN);
        assert_true(j->workday_only);
        assert_string_equal(j->calendar, "de-workdays");
        assert_int_equal(j->ndeps, 2);
        assert_string_equal(j->deps[0].job, "nightly-extract");
        assert_int_equal(j->deps[0].mode, DEPS_SUCCESS);
        assert_string_equal(j->deps[1].job, "fx-rates");
        assert_int_equal(j->deps[1].mode, DEPS_COMPLETION);
        assert_int_equal(j->estimated_minutes, 20);
        assert_int_equal(j->max_minutes, 90);
        assert_string_equal(j->parameters.vals[0], "EU");
        assert_int_equal(j->retry_attempts, 2);
        assert_int_equal(j->retry_backoff_seconds, 60);
        assert_true(j->retry_factor == 2.0);
        assert_int_equal(j->alert_on.n, 3);
        assert_string_equal(j->alert_email.items[0], "ops@example.com");
        assert_int_equal(j->allow_multiple_instances, false);
        assert_int_equal(j->catchup, CATCHUP_LATEST);

        const struct calendar_def *c = &set.docs[1].u.calendar;
        assert_int_equal(set.docs[1].kind, DEF_CALENDAR);
        assert_int_equal(c->workdays, 0x3E);
        assert_int_equal(c->nholidays, 2);
        assert_int_equal(c->holidays[0], civil_days_from_date(2026, 12, 25));
        assert_int_equal(c->extra_workdays[0], civil_days_from_date(2026, 12, 27));

        const struct settings_def *st = &set.docs[2].u.settings;
        assert_int_equal(set.docs[2].kind, DEF_SETTINGS);
        assert_int_equal(st->window_start, 23 * 60);
        assert_int_equal(st->window_end, 11 * 60);
        assert_int_equal(st->npauses, 1);
        assert_int_equal(st->pauses[0].from, 1798070400); /* 2026-12-24T00:00:00Z */
        assert_int_equal(st->pauses[0].to, 1798329600);   /* 2026-12-27T00:00:00Z */
        assert_int_equal(st->estimate_multiple, 3);
        assert_int_equal(st->min_execute_minutes, 30);

        assert_int_equal(set.docs[3].u.job.type, JOB_SCHEDULED); /* has a trigger */
        assert_int_equal(set.docs[4].u.job.executor, EXECUTOR_HTTP);
        defset_release(&set);
        diag_list_release(&diags);
}

/* Expects exactly one diagnostic, at line:col, for key, containing `text`. */
static void expect_one(const char *yaml, int line, int col, const char *key, const char *text)
{
        struct defset set;
        struct diag_list diags;
        load(yaml, &set, &diags);
        if (diags.n != 1)
                fprintf(stderr, "input:\n%s\n", yaml);
        if (diags.n != 1 || diags.items[0].pos.line != line || diags.items[0].pos.col != col)
                for (size_t i = 0; i < diags.n; i++)
                        fprintf(stderr, "diag %zu: %d:%d %s: %s\n", i, diags.items[i].pos.line,
                                diags.items[i].pos.col,
                                diags.items[i].key ? diags.items[i].key : "-",
                                diags.items[i].msg);
        assert_int_equal(diags.n, 1);
        assert_int_equal(diags.items[0].pos.line, line);
        assert_int_equal(diags.items[0].pos.col, col);
        if (key)
                assert_string_equal(diags.items[0].key, key);
        if (!strstr(diags.items[0].msg, text))
                fail_msg("\"%s\" lacks \"%s\"", diags.items[0].msg, text);
        defset_release(&set);
        diag_list_release(&diags);
}

#define JOB "kind: job\nname: a\nexecutor: {exec: {command: [/bin/true]}}\n"

/* Names are unique per kind and tenant, and a parent is looked up in its child's tenant
 * (DESIGN: definitions); every later definition of a name is reported, in file order,
 * against the first. */
static void test_names_per_tenant(void **state)
{
        (void)state;
#define T "trigger: {cron: \"@daily\"}\nexecutor: {exec: {command: [/bin/true]}}\n"
        const char *yaml = "kind: job\nname: a\n" T                  /* lines 1-4 */
                           "---\nkind: job\nname: a\ntenant: t2\n" T /* 6-10 */
                           "---\nkind: calendar\nname: a\n"          /* 12-13 */
                           "---\nkind: job\nname: b\ntenant: t2\n" T /* 15-20 */
                           "depends_on: [{job: a}]\n"
                           "---\nkind: job\nname: c\n" T              /* 22-26 */
                           "depends_on: [{job: b}]\n"
                           "---\nkind: job\nname: a\n" T              /* 28-31 */
                           "---\nkind: job\nname: a\n" T;             /* 33-36 */
#undef T
        struct defset set;
        struct diag_list diags;
        load(yaml, &set, &diags);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "diag %zu: %d:%d %s\n", i, diags.items[i].pos.line,
                        diags.items[i].pos.col, diags.items[i].msg);
        assert_int_equal(set.ndocs, 7);
        assert_int_equal(diags.n, 3);
        assert_int_equal(diags.items[0].pos.line, 26); /* c's parent b is in tenant t2 */
        assert_non_null(strstr(diags.items[0].msg, "unknown parent job \"b\""));
        assert_int_equal(diags.items[1].pos.line, 29);
        assert_non_null(strstr(diags.items[1].msg, "job \"a\" is defined twice; the first is "
                                                   "at t.yaml:1:1"));
        assert_int_equal(diags.items[2].pos.line, 34);
        assert_non_null(strstr(diags.items[2].msg, "job \"a\" is defined twice; the first is "
                                                   "at t.yaml:1:1"));
        defset_release(&set);
        diag_list_release(&diags);
}

static void test_bad_input(void **state)
{
        (void)state;
        expect_one(JOB "trigger: {cron: \"0 0 * * *\"}\nmax_minuts: 3\n", 5, 1, "max_minuts",
                   "did you mean \"max_minutes\"");
        expect_one(JOB "trigger: {cron: \"0 0 32 * *\"}\n", 4, 11, "trigger.cron",
                   "day-of-month: \"32\" is out of range 1-31");
        expect_one(JOB "trigger: {cron: \"0 0 * * *\", timezone: Mars/Olympus}\n", 4, 30,
                   "trigger.timezone", "Mars/Olympus");
        expect_one(JOB "trigger: {cron: \"0 0 30 2 *\"}\n", 4, 11, "trigger.cron", "never fires");
        expect_one(JOB "trigger: {cron: \"@daily\"}\nmax_minutes: -5\n", 5, 14, "max_minutes",
                   "out of range");
        expect_one(JOB "trigger: {cron: \"@daily\"}\nestimated_minutes: ten\n", 5, 20,
                   "estimated_minutes", "not a whole number");
        expect_one(JOB "trigger: {cron: \"@daily\"}\nenabled: maybe\n", 5, 10, "enabled",
                   "not true or false");
        expect_one(JOB "trigger: {cron: \"@daily\"}\ndepends_on: [{job: nope}]\n", 5, 14,
                   "depends_on[0]", "unknown parent job \"nope\"");
        expect_one(JOB "trigger: {cron: \"@daily\"}\ncalendar: hols\nworkday_only: true\n", 5, 1,
                   "calendar", "unknown calendar \"hols\"");
        expect_one("kind: job\nname: a\ntrigger: {cron: \"@daily\"}\nexecutor: {exec: {env: {A: "
                   "b}}}\n",
                   4, 12, "executor.exec", "needs a command");
        expect_one("kind: job\nname: a\nexecutor: {exec: {command: [x]}}\ntype: scheduled\n", 4,
                   1, "type", "needs a trigger");
        expect_one(JOB "type: manual\ntrigger: {cron: \"@daily\"}\n", 5, 1, "trigger",
                   "a manual job");
        expect_one(JOB "trigger: {cron: \"@daily\"}\nname: b\n", 5, 1, "name", "appears twice");
        expect_one(JOB "trigger: {cron: \"@daily\"}\n---\n" JOB "trigger: {cron: \"@daily\"}\n",
                   7, 1, "name", "defined twice; the first is at t.yaml:1:1");
        expect_one(JOB "trigger: [1, 2]\n", 4, 10, "trigger", "must be a mapping");
        /* next_due_api's own keys (docs/remote-jobs.md). */
        expect_one(JOB "trigger: {cron: \"@daily\", attempts: 3}\n", 4, 27, "trigger.attempts",
                   "apply only to a next_due_api trigger");
        expect_one(JOB "trigger: {next_due_api: \"http://x/\", attempts: 11}\n", 4, 48,
                   "trigger.attempts", "out of range 1 to 10");
        expect_one(JOB "trigger: {next_due_api: \"http://x/\", timeout_seconds: 0}\n", 4, 55,
                   "trigger.timeout_seconds", "out of range 1 to 3600");
        expect_one(JOB "trigger: {next_due_api: \"ftp://x/\"}\n", 4, 11, "trigger.next_due_api",
                   "not an http:// or https:// URL");
        expect_one("- a\n- b\n", 1, 1, NULL, "must be a mapping");
        expect_one("kind: job\nname: [unclosed\n", 3, 1, NULL, "YAML syntax error");
        expect_one("", 1, 1, NULL, "empty");
        expect_one("# only a comment\n", 1, 1, NULL, "no definitions");
        expect_one("kind: calendar\nname: c\nworkdays: [MON, FUN]\n", 3, 11, "workdays",
                   "\"FUN\" is not a weekday");
        expect_one("kind: calendar\nname: c\nholidays: [2026-02-30]\n", 3, 12, "holidays",
                   "not a date");
        expect_one("kind: settings\nbatch_window: {start: \"24:00\", end: \"11:00\"}\n", 2, 23,
                   "batch_window.start", "not a time of day");
        expect_one("kind: settings\ntime_offset: {enabled: true, days: 36501}\n", 2, 36,
                   "time_offset.days", "out of range -36500 to 36500");
}

static void test_cycle_named(void **state)
{
        (void)state;
        struct defset set;
        struct diag_list diags;
        load("name: a\nexecutor: {exec: {command: [x]}}\ntrigger: {cron: \"@daily\"}\n"
             "depends_on: [{job: b}]\n---\n"
             "name: b\nexecutor: {exec: {command: [x]}}\ntrigger: {cron: \"@daily\"}\n"
             "depends_on: [{job: c, mode: completion}]\n---\n"
             "name: c\nexecutor: {exec: {command: [x]}}\ntrigger: {cron: \"@daily\"}\n"
             "depends_on: [{job: a}]\n",
             &set, &diags);
        assert_int_equal(diags.n, 1);
        assert_string_equal(diags.items[0].msg,
                            "dependency cycle: a -> b -> c -> a (each job depends on the next)");
        defset_release(&set);
        diag_list_release(&diags);
}

static void test_names(void **state)
{
        (void)state;
        assert_true(defs_name_ok("nightly-load"));
        assert_true(defs_name_ok("a"));
        assert_true(defs_name_ok("0day_v1.2"));
        assert_false(defs_name_ok(""));
        assert_false(defs_name_ok("-x"));
        assert_false(defs_name_ok("Nightly"));
        assert_false(defs_name_ok("a b"));
        char long_name[130];
        memset(long_name, 'a', 129);
        long_name[129] = '\0';
        assert_false(defs_name_ok(long_name));
        long_name[128] = '\0';
        assert_true(defs_name_ok(long_name));
}

/* The document index (docindex.h): each document found by kind, tenant and name, and
 * nothing else; tenants found; a document loaded after the index is built is not among
 * the indexed ones, and the index still answers after the set's array moved. */
static void test_doc_index(void **state)
{
        (void)state;
        static const char text[] =
                "kind: job\nname: b\nexecutor: {exec: {command: [/bin/true]}}\n---\n"
                "kind: job\ntenant: t2\nname: a\nexecutor: {exec: {command: [/bin/true]}}\n"
                "---\n"
                "kind: calendar\nname: a\nworkdays: [MON]\n---\n"
                "kind: job\nname: a\nexecutor: {exec: {command: [/bin/true]}}\n---\n"
                "kind: settings\ntenant: t2\n";
        struct defset set;
        struct diag_list diags;
        load(text, &set, &diags);
        assert_int_equal(diags.n, 0);
        assert_int_equal(set.ndocs, 5);
        struct doc_index x;
        assert_int_equal(doc_index_build(&x, &set, set.ndocs), 0);
        /* kind, tenant, name -> the document's position in the file, or -1 */
        static const struct {
                const char *kind, *tenant, *name;
                int at;
        } cases[] = {
                {"job", "default", "b", 0},    {"job", "t2", "a", 1},
                {"calendar", "default", "a", 2}, {"job", "default", "a", 3},
                {"settings", "t2", "t2", 4},   {"job", "t2", "b", -1},
                {"calendar", "t2", "a", -1},   {"settings", "default", "default", -1},
                {"job", "default", "c", -1},   {"jobs", "default", "a", -1},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct def_doc *d =
                        doc_index_find(&x, cases[i].kind, cases[i].tenant, cases[i].name);
                if (cases[i].at < 0)
                        assert_null(d);
                else
                        assert_ptr_equal(d, &set.docs[cases[i].at]);
        }
        assert_true(doc_index_has_tenant(&x, "default"));
        assert_true(doc_index_has_tenant(&x, "t2"));
        assert_false(doc_index_has_tenant(&x, "t3"));
        for (size_t i = 0; i < set.ndocs; i++)
                assert_ptr_equal(doc_index_find_like(&x, &set.docs[i]), &set.docs[i]);
        /* More documents move the array; the index keeps to the first five. */
        static const char more[] = "kind: job\nname: c\nexecutor: {exec: {command: [/bin/true]}}\n";
        for (int k = 0; k < 200; k++)
                assert_int_equal(defs_load_buffer(&set, "m.yaml", more, strlen(more), &diags), 0);
        assert_null(doc_index_find(&x, "job", "default", "c"));
        assert_ptr_equal(doc_index_find(&x, "job", "t2", "a"), &set.docs[1]);
        doc_index_release(&x);
        /* An empty index finds nothing. */
        assert_int_equal(doc_index_build(&x, &set, 0), 0);
        assert_null(doc_index_find(&x, "job", "default", "b"));
        assert_false(doc_index_has_tenant(&x, "default"));
        doc_index_release(&x);
        diag_list_release(&diags);
        defset_release(&set);
}

static void test_garbage_does_not_crash(void **state)
{
        (void)state;
        static const char *const inputs[] = {
                "\x01\x02\x03", "{{{{", "name: &a [*a]", ":", "---\n---\n---\n", "name: !!binary x",
                "depends_on: 5", "executor: {exec: {command: {a: b}}}", "trigger: null",
        };
        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
                struct defset set = {0};
                struct diag_list diags = {0, NULL};
                assert_int_equal(defs_load_buffer(&set, "g.yaml", inputs[i], strlen(inputs[i]),
                                                  &diags),
                                 0);
                assert_int_equal(defs_validate(&set, &diags), 0);
                assert_true(diags.n > 0);
                defset_release(&set);
                diag_list_release(&diags);
        }
}

static void emit_all(const struct defset *set, struct buf *out)
{
        for (size_t i = 0; i < set->ndocs; i++) {
                if (i)
                        buf_puts(out, "---\n");
                assert_int_equal(defs_emit_doc(&set->docs[i], out), 0);
        }
}

/* Canonical text loads back to the same definitions: emit(load(emit(x))) == emit(x). */
static void test_canonical_round_trip(void **state)
{
        (void)state;
        struct defset a, b;
        struct diag_list da, db;
        struct buf ta, tb;
        buf_init(&ta, 0);
        buf_init(&tb, 0);
        load(design_example, &a, &da);
        emit_all(&a, &ta);
        load(ta.data, &b, &db);
        if (db.n)
                fprintf(stderr, "%s\n%d:%d %s\n", ta.data, db.items[0].pos.line,
                        db.items[0].pos.col, db.items[0].msg);
        assert_int_equal(db.n, 0);
        emit_all(&b, &tb);
        assert_string_equal(ta.data, tb.data);
        /* The http executor's own keys survive (the daemon reads the canonical text). */
        assert_non_null(strstr(ta.data, "executor: {http: {context_path: /fx, credentials: "
                                        "{bearer_file: /etc/batchd/fx.token}, poll_seconds: 60, "
                                        "remote_job: fx, service: \"http://fx.example/\", "
                                        "stop_timeout_seconds: 90, timeout_seconds: 5}}"));
        buf_release(&ta);
        buf_release(&tb);
        defset_release(&a);
        defset_release(&b);
        diag_list_release(&da);
        diag_list_release(&db);
}

/* Key order kind, tenant, name, then alphabetical; maps sorted; defaults left out;
 * strings that YAML would read as something else are quoted. */
static void test_canonical_form(void **state)
{
        (void)state;
        struct defset set;
        struct diag_list diags;
        struct buf out;
        buf_init(&out, 0);
        load("trigger: {timezone: UTC, cron: \"*/5 * * * *\"}\n"
             "parameters: {z: \"true\", a: \"x: y\", m: plain}\n"
             "name: j1\n"
             "executor: {exec: {command: [/bin/echo, \"a \\\"b\\\"\"]}}\n"
             "enabled: true\n",
             &set, &diags);
        assert_int_equal(diags.n, 0);
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_string_equal(out.data,
                            "kind: job\n"
                            "tenant: default\n"
                            "name: j1\n"
                            "executor: {exec: {command: [/bin/echo, \"a \\\"b\\\"\"]}}\n"
                            "parameters: {a: \"x: y\", m: plain, z: \"true\"}\n"
                            "trigger: {cron: \"*/5 * * * *\", timezone: UTC}\n"
                            "type: scheduled\n");
        buf_release(&out);
        defset_release(&set);
        diag_list_release(&diags);
}

/* node_labels (docs/definitions.md): a list or one comma-separated text, kept as
 * labels_parse's canonical text, emitted as that text and read back the same; none is
 * unset. The expected texts are the rule's (sorted, no blanks), not the output's. */
static void test_node_labels(void **state)
{
        (void)state;
        static const struct {
                const char *yaml, *want;
        } t[] = {
                {"node_labels: [zone=eu-1, gpu]\n", "gpu,zone=eu-1"},
                {"node_labels: \" zone=eu-1 , gpu\"\n", "gpu,zone=eu-1"},
                {"node_labels: gpu\n", "gpu"},
                {"node_labels:\n  - ssd\n  - \"arch=x86_64\"\n", "arch=x86_64,ssd"},
                {"node_labels: []\n", NULL},
                {"node_labels: \"\"\n", NULL},
        };
        static const char *const emitted[] = {
                "node_labels: \"gpu,zone=eu-1\"\n", "node_labels: \"gpu,zone=eu-1\"\n",
                "node_labels: gpu\n", "node_labels: \"arch=x86_64,ssd\"\n", NULL, NULL,
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char text[300];
                snprintf(text, sizeof(text), JOB "%s", t[i].yaml);
                struct defset set, again;
                struct diag_list diags, d2;
                struct buf out;
                buf_init(&out, 0);
                load(text, &set, &diags);
                assert_int_equal(diags.n, 0);
                const char *got = set.docs[0].u.job.node_labels;
                if (t[i].want)
                        assert_string_equal(got, t[i].want);
                else
                        assert_null(got);
                assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
                if (emitted[i])
                        assert_non_null(strstr(out.data, emitted[i]));
                else
                        assert_null(strstr(out.data, "node_labels"));
                load(out.data, &again, &d2);
                assert_int_equal(d2.n, 0);
                if (t[i].want)
                        assert_string_equal(again.docs[0].u.job.node_labels, t[i].want);
                else
                        assert_null(again.docs[0].u.job.node_labels);
                buf_release(&out);
                defset_release(&set);
                defset_release(&again);
                diag_list_release(&diags);
                diag_list_release(&d2);
        }
        /* A bad label, at its value (a text) or its item (a list), with the key. */
        expect_one(JOB "node_labels: \"gpu, zone=eu 1\"\n", 4, 14, "node_labels",
                   "label \"zone=eu 1\": byte 0x20 in its value");
        expect_one(JOB "node_labels: [gpu, \"a b\"]\n", 4, 20, "node_labels",
                   "label \"a b\": byte 0x20 in its name");
        expect_one(JOB "node_labels: [gpu, \"ssd,nvme\"]\n", 4, 20, "node_labels",
                   "\"ssd,nvme\" is more than one label; a list item is one label");
        expect_one(JOB "node_labels: [zone=a, zone=b]\n", 4, 14, "node_labels",
                   "label \"zone\" is given twice");
        expect_one(JOB "node_labels: \"gpu,,ssd\"\n", 4, 14, "node_labels",
                   "an empty label at byte 5");
        expect_one(JOB "node_labels: {gpu: yes}\n", 4, 14, "node_labels",
                   "must be a list of labels or one text");
        expect_one(JOB "node_labels: [[gpu]]\n", 4, 15, "node_labels", "must be a label");
        /* An http job runs on its service: the key is refused, at the key. */
        expect_one("kind: job\nname: r\ntype: manual\n"
                   "executor: {http: {service: \"http://fx.example/\", remote_job: fx}}\n"
                   "node_labels: gpu\n",
                   5, 1, "node_labels", "node_labels applies to exec jobs only");
}

/* A next_due_api trigger with its zone, timeout and attempts: emitted in key order and
 * read back the same. */
static void test_next_due_trigger(void **state)
{
        (void)state;
        struct defset set, again;
        struct diag_list diags, d2;
        struct buf out, out2;
        buf_init(&out, 0);
        buf_init(&out2, 0);
        load("name: nd\nexecutor: {exec: {command: [/bin/true]}}\n"
             "trigger: {timezone: Europe/Berlin, next_due_api: \"http://127.0.0.1:9/next\",\n"
             "  timeout_seconds: 5, attempts: 2}\n",
             &set, &diags);
        assert_int_equal(diags.n, 0);
        assert_int_equal(set.docs[0].u.job.next_due_timeout_seconds, 5);
        assert_int_equal(set.docs[0].u.job.next_due_attempts, 2);
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_string_equal(out.data, "kind: job\n"
                                      "tenant: default\n"
                                      "name: nd\n"
                                      "executor: {exec: {command: [/bin/true]}}\n"
                                      "trigger: {attempts: 2, next_due_api: "
                                      "\"http://127.0.0.1:9/next\", timeout_seconds: 5, "
                                      "timezone: Europe/Berlin}\n"
                                      "type: scheduled\n");
        load(out.data, &again, &d2);
        assert_int_equal(d2.n, 0);
        assert_int_equal(defs_emit_doc(&again.docs[0], &out2), 0);
        assert_string_equal(out.data, out2.data);
        buf_release(&out);
        buf_release(&out2);
        defset_release(&set);
        defset_release(&again);
        diag_list_release(&diags);
        diag_list_release(&d2);
}

/* The report block of the settings (docs/report.md, "The e-mail"): off and 08:00 by
 * default, read, emitted in canonical form and read back the same; refused with the
 * key named when it could not be sent. */
static void test_report_settings(void **state)
{
        (void)state;
        static const char text[] =
                "kind: settings\n"
                "timezone: Europe/Berlin\n"
                "alerts: {email: [ops@example.com], smtp: {url: \"smtp://127.0.0.1:2525\", "
                "from: batchd@example.com}}\n"
                "report: {enabled: true, time: \"07:30\", email: [boss@example.com, "
                "ops@example.com]}\n";
        struct defset set, again;
        struct diag_list diags, d2;
        struct buf out, out2;
        buf_init(&out, 0);
        buf_init(&out2, 0);
        load(text, &set, &diags);
        assert_int_equal(diags.n, 0);
        const struct settings_def *st = &set.docs[0].u.settings;
        assert_true(st->report_enabled);
        assert_int_equal(st->report_minute, 7 * 60 + 30);
        assert_int_equal(st->report_email.n, 2);
        assert_string_equal(st->report_email.items[0], "boss@example.com");
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_non_null(strstr(out.data, "\nreport: {email: [boss@example.com, ops@example.com], "
                                         "enabled: true, time: \"07:30\"}\n"));
        load(out.data, &again, &d2);
        assert_int_equal(d2.n, 0);
        assert_int_equal(defs_emit_doc(&again.docs[0], &out2), 0);
        assert_string_equal(out.data, out2.data);
        buf_release(&out);
        buf_release(&out2);
        defset_release(&set);
        defset_release(&again);
        diag_list_release(&diags);
        diag_list_release(&d2);

        /* The defaults: off, 08:00, the alerts' recipients; nothing emitted. */
        buf_init(&out, 0);
        load("kind: settings\n", &set, &diags);
        assert_int_equal(diags.n, 0);
        assert_false(set.docs[0].u.settings.report_enabled);
        assert_int_equal(set.docs[0].u.settings.report_minute, 8 * 60);
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_null(strstr(out.data, "report"));
        buf_release(&out);
        defset_release(&set);
        diag_list_release(&diags);
        /* enabled alone, with the alerts' recipients: emitted with its time. */
        buf_init(&out, 0);
        load("kind: settings\nalerts: {email: [ops@example.com], smtp: {url: \"smtp://h\", "
             "from: a@b}}\nreport: {enabled: true}\n", &set, &diags);
        assert_int_equal(diags.n, 0);
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_non_null(strstr(out.data, "\nreport: {enabled: true, time: \"08:00\"}\n"));
        buf_release(&out);
        defset_release(&set);
        diag_list_release(&diags);

        expect_one("kind: settings\nreport: {time: \"8:00\"}\n", 2, 16, "report.time",
                   "not a time of day HH:MM");
        expect_one("kind: settings\nreport: {time: \"24:00\"}\n", 2, 16, "report.time",
                   "not a time of day HH:MM");
        expect_one("kind: settings\nreport: {enabled: yes please}\n", 2, 19, "report.enabled",
                   "true or false");
        expect_one("kind: settings\nreport: {email: [boss]}\n", 2, 10, "report.email",
                   "not an e-mail address");
        expect_one("kind: settings\nalerts: {smtp: {url: \"smtp://h\", from: a@b}}\n"
                   "report: {enabled: true}\n", 3, 10, "report.enabled",
                   "needs recipients: report.email or alerts.email");
        expect_one("kind: settings\nreport: {enabled: true, email: [a@b]}\n", 2, 10,
                   "report.enabled", "needs alerts.smtp.url");
        expect_one("kind: settings\nreport: {at: \"08:00\"}\n", 2, 10, "report.at",
                   "unknown");
}

/* The alerts block of the settings (docs/alerts.md): read, emitted in canonical form, and
 * read back the same; secrets only by file or environment name. */
static void test_alert_settings(void **state)
{
        (void)state;
        static const char text[] =
                "kind: settings\n"
                "alerts:\n"
                "  email: [ops@example.com, oncall@example.com]\n"
                "  webhook: [\"http://127.0.0.1:8080/hook\"]\n"
                "  webhook_secret_file: /etc/batchd/hook.key\n"
                "  on: [failure, timeout, long_run]\n"
                "  smtp: {url: \"smtp://127.0.0.1:2525\", starttls: true, user: batchd,\n"
                "         password_file: /etc/batchd/smtp.pw, from: batchd@example.com}\n"
                "  pause: [{from: \"2026-12-24T00:00:00Z\", to: \"2026-12-27T00:00:00Z\"}]\n"
                "  escalate: {email: [boss@example.com], after_minutes: 30}\n"
                "---\n" JOB "trigger: {cron: \"@daily\"}\n"
                "alerts: {after_failures: 3, email: [dba@example.com]}\n";
        struct defset set, again;
        struct diag_list diags, d2;
        struct buf out, out2;
        buf_init(&out, 0);
        buf_init(&out2, 0);
        load(text, &set, &diags);
        assert_int_equal(diags.n, 0);
        const struct settings_def *st = &set.docs[0].u.settings;
        assert_int_equal(st->alert_email.n, 2);
        assert_string_equal(st->smtp_url, "smtp://127.0.0.1:2525");
        assert_true(st->smtp_starttls);
        assert_string_equal(st->smtp_password_file, "/etc/batchd/smtp.pw");
        assert_null(st->smtp_password_env);
        assert_int_equal(st->nalert_pauses, 1);
        assert_int_equal(st->alert_pauses[0].from, 1798070400); /* 2026-12-24T00:00:00Z */
        assert_int_equal(set.docs[1].u.job.alert_after_failures, 3);
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_string_equal(out.data,
                            "kind: settings\n"
                            "tenant: default\n"
                            "alerts: {email: [ops@example.com, oncall@example.com], escalate: "
                            "{after_minutes: 30, email: [boss@example.com]}, on: [failure, "
                            "timeout, long_run], pause: [{from: \"2026-12-24T00:00:00Z\", to: "
                            "\"2026-12-27T00:00:00Z\"}], smtp: {from: batchd@example.com, "
                            "password_file: /etc/batchd/smtp.pw, starttls: true, url: "
                            "\"smtp://127.0.0.1:2525\", user: batchd}, webhook: "
                            "[\"http://127.0.0.1:8080/hook\"], webhook_secret_file: "
                            "/etc/batchd/hook.key}\n"
                            "batch_window: {end: \"12:00\", start: \"12:00\"}\n"
                            "timeouts: {estimate_multiple: 3, min_execute_minutes: 30}\n");
        load(out.data, &again, &d2);
        assert_int_equal(d2.n, 0);
        assert_int_equal(defs_emit_doc(&again.docs[0], &out2), 0);
        assert_string_equal(out.data, out2.data);
        buf_release(&out);
        buf_init(&out, 0);
        assert_int_equal(defs_emit_doc(&set.docs[1], &out), 0);
        assert_non_null(strstr(out.data, "alerts: {after_failures: 3, email: [dba@example.com]}"));
        buf_release(&out);
        buf_release(&out2);
        defset_release(&set);
        defset_release(&again);
        diag_list_release(&diags);
        diag_list_release(&d2);

        expect_one("kind: settings\nalerts: {smtp: {url: \"smtp://h\", from: a@b, user: u, "
                   "password_env: P, password: hunter2}}\n",
                   2, 81, "alerts.smtp.password", "never stored in definitions");
        expect_one("kind: settings\nalerts: {webhook_secret: s3cret}\n", 2, 26,
                   "alerts.webhook_secret", "never stored in definitions");
        expect_one("kind: settings\nalerts: {smtp: {url: \"http://h\", from: a@b}}\n", 2, 17,
                   "alerts.smtp.url", "not an smtp:// or smtps:// URL");
        expect_one("kind: settings\nalerts: {smtp: {url: \"smtp://h\", from: a@b, user: u}}\n", 2,
                   45, "alerts.smtp.user", "needs password_file or password_env");
        expect_one("kind: settings\nalerts: {smtp: {url: \"smtp://h\", from: a@b, user: u, "
                   "password_file: /f, password_env: P}}\n",
                   2, 54, "alerts.smtp.password_file", "not both");
        expect_one("kind: settings\nalerts: {email: [ops@example.com]}\n", 2, 10, "alerts.email",
                   "need alerts.smtp.url");
        expect_one("kind: settings\nalerts: {on: [failure, timout]}\n", 2, 10, "alerts.on",
                   "did you mean \"timeout\"");
        expect_one("kind: settings\nalerts: {smtp: {url: \"smtp://h\", from: a@b}, escalate: "
                   "{after_minutes: 30}}\n",
                   2, 46, "alerts.escalate", "needs both after_minutes and email");
        expect_one(JOB "trigger: {cron: \"@daily\"}\nalerts: {email: [not-an-address]}\n", 5, 10,
                   "alerts.email", "not an e-mail address");
        expect_one(JOB "trigger: {cron: \"@daily\"}\nalerts: {after_failures: 0}\n", 5, 26,
                   "alerts.after_failures", "out of range 1 to 1000");
}

/* Issue 23's settings: scheduler_user (default VIRTUAL, the seed's system user) and
 * min_schedule_interval_minutes (default off), in canonical order, round-tripping. */
static void test_schedule_settings(void **state)
{
        (void)state;
        struct defset set, again;
        struct diag_list diags, d2;
        struct buf out, out2;
        buf_init(&out, 0);
        buf_init(&out2, 0);
        load("kind: settings\nscheduler_user: batch.night\nmin_schedule_interval_minutes: 5\n",
             &set, &diags);
        assert_int_equal(diags.n, 0);
        assert_string_equal(set.docs[0].u.settings.scheduler_user, "batch.night");
        assert_int_equal(set.docs[0].u.settings.min_interval_minutes, 5);
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_string_equal(out.data, "kind: settings\ntenant: default\n"
                                      "batch_window: {end: \"12:00\", start: \"12:00\"}\n"
                                      "min_schedule_interval_minutes: 5\n"
                                      "scheduler_user: batch.night\n"
                                      "timeouts: {estimate_multiple: 3, min_execute_minutes: 30}\n");
        load(out.data, &again, &d2);
        assert_int_equal(d2.n, 0);
        assert_int_equal(defs_emit_doc(&again.docs[0], &out2), 0);
        assert_string_equal(out.data, out2.data);
        struct sched_model m;
        assert_int_equal(sched_model_build(&set, NULL, &m, NULL), 0);
        assert_string_equal(m.scheduler_user, "batch.night");
        sched_model_release(&m);
        buf_release(&out);
        buf_release(&out2);
        defset_release(&set);
        defset_release(&again);
        diag_list_release(&diags);
        diag_list_release(&d2);

        /* The defaults: nothing emitted, the scheduler user is VIRTUAL. */
        buf_init(&out, 0);
        load("kind: settings\n", &set, &diags);
        assert_int_equal(set.docs[0].u.settings.min_interval_minutes, 0);
        assert_null(set.docs[0].u.settings.scheduler_user);
        assert_int_equal(defs_emit_doc(&set.docs[0], &out), 0);
        assert_null(strstr(out.data, "scheduler_user"));
        assert_null(strstr(out.data, "min_schedule_interval"));
        assert_int_equal(sched_model_build(&set, NULL, &m, NULL), 0);
        assert_string_equal(m.scheduler_user, "VIRTUAL");
        sched_model_release(&m);
        buf_release(&out);
        defset_release(&set);
        diag_list_release(&diags);
}

/* Per-environment overlays (defs/overlay.h, docs/environments.md). */
static const char overlay_base[] =
        "kind: job\nname: load\ntrigger: {cron: \"30 23 * * *\"}\n"
        "executor: {http: {service: \"http://test-svc:8080\", context_path: /b, remote_job: imp}}\n"
        "alerts: {email: [test@example.com]}\n"
        "---\nkind: job\nname: other\ntype: manual\nenabled: false\n"
        "executor: {exec: {command: [/bin/true]}}\n";

static void overlay_run(const char *ov_text, struct defset *set, struct defset *ov,
                        struct diag_list *diags)
{
        memset(set, 0, sizeof(*set));
        memset(ov, 0, sizeof(*ov));
        memset(diags, 0, sizeof(*diags));
        assert_int_equal(defs_load_buffer(set, "base.yaml", overlay_base, strlen(overlay_base),
                                          diags), 0);
        assert_int_equal(diags->n, 0);
        assert_int_equal(defs_load_buffer(ov, "prod.yaml", ov_text, strlen(ov_text), diags), 0);
        assert_int_equal(defs_overlay_apply(set, ov, diags), 0);
        assert_int_equal(defs_validate(set, diags), 0);
}

static const struct job_def *find(const struct defset *set, const char *name)
{
        for (size_t i = 0; i < set->ndocs; i++)
                if (set->docs[i].kind == DEF_JOB && !strcmp(set->docs[i].u.job.name, name))
                        return &set->docs[i].u.job;
        fail_msg("no job %s", name);
        return NULL;
}

static void test_overlay(void **state)
{
        (void)state;
        struct defset set, ov;
        struct diag_list diags;
        /* Off in this environment, another service, other recipients, another time. */
        overlay_run("kind: job\nname: load\nenabled: false\n"
                    "executor: {http: {service: \"http://prod-svc:8080\", context_path: /b, "
                    "remote_job: imp}}\nalerts: {email: [ops@example.com]}\n"
                    "trigger: {cron: \"0 2 * * *\", timezone: Europe/Berlin}\n"
                    "---\nkind: settings\ntime_offset: {enabled: true, days: 3650}\n",
                    &set, &ov, &diags);
        assert_int_equal(diags.n, 0);
        const struct job_def *j = find(&set, "load");
        assert_false(j->enabled);
        assert_string_equal(j->http_service, "http://prod-svc:8080");
        assert_string_equal(j->alert_email.items[0], "ops@example.com");
        assert_string_equal(j->cron, "0 2 * * *");
        assert_string_equal(j->timezone, "Europe/Berlin");
        assert_false(find(&set, "other")->enabled); /* no overlay: as defined */
        size_t nset = 0;
        for (size_t i = 0; i < set.ndocs; i++)
                if (set.docs[i].kind == DEF_SETTINGS) {
                        nset++;
                        assert_true(set.docs[i].u.settings.offset_enabled);
                        assert_int_equal(set.docs[i].u.settings.offset_days, 3650);
                        assert_int_equal(set.docs[i].u.settings.window_start, 12 * 60);
                }
        assert_int_equal(nset, 1);
        assert_int_equal(set.ndocs, 3);
        defset_release(&set);
        defset_release(&ov);
        diag_list_release(&diags);

        /* A key an overlay may not change, a job the definitions do not hold, a calendar:
         * each named at the overlay's line; nothing of those documents is applied. */
        overlay_run("kind: job\nname: load\nenabled: false\nmax_minutes: 5\n"
                    "---\nkind: job\nname: nosuch\nenabled: false\n"
                    "---\nkind: calendar\nname: c\n",
                    &set, &ov, &diags);
        assert_int_equal(diags.n, 3);
        assert_string_equal(diags.items[0].key, "max_minutes");
        assert_string_equal(diags.items[0].pos.file, "prod.yaml");
        assert_int_equal(diags.items[0].pos.line, 4);
        assert_non_null(strstr(diags.items[0].msg, "not \"max_minutes\""));
        assert_int_equal(diags.items[1].pos.line, 7);
        assert_non_null(strstr(diags.items[1].msg, "job \"nosuch\""));
        assert_string_equal(diags.items[2].key, "kind");
        assert_true(find(&set, "load")->enabled);
        defset_release(&set);
        defset_release(&ov);
        diag_list_release(&diags);

        /* What the overlaid definition gets wrong is validated like a definition, at the
         * overlay's line; enabled: true turns on a job the definitions disable. */
        overlay_run("kind: job\nname: load\ntrigger: {cron: \"61 * * * *\"}\n"
                    "---\nkind: job\nname: other\nenabled: true\n",
                    &set, &ov, &diags);
        assert_int_equal(diags.n, 1);
        assert_string_equal(diags.items[0].key, "trigger.cron");
        assert_string_equal(diags.items[0].pos.file, "prod.yaml");
        assert_int_equal(diags.items[0].pos.line, 3);
        assert_true(find(&set, "other")->enabled);
        defset_release(&set);
        defset_release(&ov);
        diag_list_release(&diags);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_design_example),
                cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_names_per_tenant),
                cmocka_unit_test(test_cycle_named),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_doc_index),
                cmocka_unit_test(test_garbage_does_not_crash),
                cmocka_unit_test(test_canonical_round_trip),
                cmocka_unit_test(test_canonical_form),
                cmocka_unit_test(test_next_due_trigger),
                cmocka_unit_test(test_alert_settings),
                cmocka_unit_test(test_report_settings),
                cmocka_unit_test(test_schedule_settings),
                cmocka_unit_test(test_overlay),
                cmocka_unit_test(test_node_labels),
        };
        return cmocka_run_group_tests_name("defs", tests, NULL, NULL);
}
