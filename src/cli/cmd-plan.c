/* cmd-plan.c: `batchctl plan (--db DB | PATH...) --from ISO --to ISO [--outcome SPEC]...
 * [--tenant T] [-o table|wide|json|yaml]`: runs the scheduler core against a simulated clock
 * over the period and prints every instance in due-time order (docs/scheduler.md). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/output.h"
#include "common/buf.h"
#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/procdate.h"
#include "core/simulate.h"
#include "defs/load.h"
#include "defs/validate.h"
#include "sched/model.h"
#include "store/store.h"

#define PLAN_USAGE                                                                                \
        "plan (--db DB | PATH...) --from ISO --to ISO [--outcome JOB[@DUE]=RESULT]... "           \
        "[--exclude JOB]... [--tenant T] [--overlay PATH] [-o table|wide|json|yaml]\n"                     \
        "  RESULT: success, failed or minutes:N, several joined by ','\n"                         \
        "  --exclude: simulate JOB but leave its runs out of the output\n"                       \
        "  --overlay: an environment's overlay, applied over the definitions"

struct plan_opts {
        const char *db, *from, *to, *tenant, *output, *overlay;
        size_t noutcomes, nexcludes;
        char **outcomes, **excludes;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
        va_list ap;
        fputs("batchctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nusage: batchctl " PLAN_USAGE "\n");
        return CLI_USAGE;
}

static int parse(int argc, char **argv, struct plan_opts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},      {"from", required_argument, NULL, 'f'},
                {"to", required_argument, NULL, 'u'},      {"outcome", required_argument, NULL, 'x'},
                {"tenant", required_argument, NULL, 't'},  {"output", required_argument, NULL, 'o'},
                {"exclude", required_argument, NULL, 'X'}, {"help", no_argument, NULL, 'h'},
                {"overlay", required_argument, NULL, 'O'}, {NULL, 0, NULL, 0},
        };
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:t:o:h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 'f': o->from = optarg; break;
                case 'u': o->to = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'x': o->outcomes[o->noutcomes++] = optarg; break;
                case 'X': o->excludes[o->nexcludes++] = optarg; break;
                case 'O': o->overlay = optarg; break;
                case 'h': printf("usage: batchctl " PLAN_USAGE "\n"); return -1;
                default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
                }
        }
        if (!o->from || !o->to)
                return usage_error("%s", "--from and --to are required");
        if ((optind < argc) == (o->db != NULL))
                return usage_error("%s", "give either --db DB or definition PATHs, not both");
        if (o->output && strcmp(o->output, "json") && strcmp(o->output, "table"))
                return usage_error("-o must be json or table, not \"%s\"", o->output);
        return 0;
}

int cli_load_repo(const char *db, struct defset *set)
{
        struct store *s;
        int r = cli_open_repo(db, &s);
        if (r)
                return r;
        struct store_def_list l;
        struct batch_err err;
        if (store_def_list(s, NULL, NULL, &l, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        struct diag_list diags = {0, NULL};
        for (size_t i = 0; i < l.n && r == 0; i++) {
                char name[512];
                snprintf(name, sizeof(name), "%s:%s/%s/%s", db ? db : "repository",
                         l.items[i].tenant, l.items[i].kind, l.items[i].name);
                if (defs_load_buffer(set, name, l.items[i].spec, strlen(l.items[i].spec),
                                     &diags) < 0)
                        r = CLI_FAILURE;
        }
        store_def_list_release(&l);
        store_close(s);
        if (r == 0 && defs_validate(set, &diags) < 0)
                r = CLI_FAILURE;
        if (diags.n) {
                cli_print_diags(&diags);
                fprintf(stderr, "batchctl: the repository's definitions have problems\n");
                r = CLI_FAILURE;
        }
        diag_list_release(&diags);
        return r;
}

/* Parses one --outcome JOB[@DUE]=RESULT[,RESULT...] into *out. */
static int parse_outcome(const char *text, const struct sched_model *m, struct sim_outcome *out)
{
        char spec[512];
        snprintf(spec, sizeof(spec), "%s", text);
        char *eq = strchr(spec, '=');
        if (!eq)
                return usage_error("--outcome \"%s\": expected JOB[@DUE]=RESULT", text);
        *eq = '\0';
        char *at = strchr(spec, '@');
        if (at)
                *at++ = '\0';
        long job = sched_model_find(m, spec);
        if (job < 0)
                return usage_error("--outcome: no job named \"%s\"", spec);
        *out = (struct sim_outcome){.job = (size_t)job, .minutes = -1, .result = -1};
        struct batch_err err;
        if (at) {
                out->has_due = true;
                const struct tz *z = m->jobs[job].zone ? m->jobs[job].zone : m->tenant.zone;
                if (iso_parse(at, z, &out->due, &err) < 0)
                        return usage_error("--outcome: %s", err.msg);
        }
        for (char *save = NULL, *part = strtok_r(eq + 1, ",", &save); part;
             part = strtok_r(NULL, ",", &save)) {
                if (!strcmp(part, "success")) {
                        out->result = SCHED_END_SUCCESS;
                } else if (!strcmp(part, "failed")) {
                        out->result = SCHED_END_FAILED;
                } else if (!strncmp(part, "minutes:", 8)) {
                        char *end;
                        errno = 0;
                        long v = strtol(part + 8, &end, 10);
                        if (errno || end == part + 8 || *end || v < 0 || v > 525600)
                                return usage_error("--outcome: \"%s\" is not a number of minutes "
                                                   "between 0 and 525600",
                                                   part);
                        out->minutes = (int)v;
                } else {
                        return usage_error("--outcome: \"%s\" is not success, failed or "
                                           "minutes:N",
                                           part);
                }
        }
        if (out->minutes < 0 && out->result < 0)
                return usage_error("--outcome \"%s\": no result given", text);
        return 0;
}

/* Instant t in zone z as ISO text in buf, or "-" when t is 0 (not reached). */
static const char *fmt_time(int64_t t, const struct tz *z, char *buf)
{
        return t ? iso_format(t, z, buf) : "-";
}

static void put_json_time(struct buf *b, const char *key, int64_t t, const struct tz *z)
{
        char iso[ISO_FORMAT_MAX];
        buf_printf(b, ", \"%s\": ", key);
        if (t)
                json_put_string(b, iso_format(t, z, iso));
        else
                buf_puts(b, "null");
}

/* The last known due time (next_due_answers) of each job of the model, 0 for none or
 * without a repository (PATHs). Returns an array of m->njobs (caller frees) or NULL. */
static int64_t *last_answers(const char *db, const struct sched_model *m)
{
        int64_t *known = calloc(m->njobs + 1, sizeof(*known));
        struct store *s;
        if (!known || !db || cli_open_repo(db, &s))
                return known;
        for (size_t j = 0; j < m->njobs; j++) {
                struct batch_err err;
                int64_t due;
                if (m->jobs[j].external_due &&
                    store_next_due_get(s, m->defs[j]->tenant ? m->defs[j]->tenant : "default",
                                       m->jobs[j].name, &due, &err) == 0)
                        known[j] = due;
        }
        store_close(s);
        return known;
}

#define EXTERNAL_REASON "due when the API says"

/* True when --exclude named job. */
static bool excluded(const struct plan_opts *o, const char *job)
{
        for (size_t i = 0; i < o->nexcludes; i++)
                if (!strcmp(o->excludes[i], job))
                        return true;
        return false;
}

/* Prints, when the period shows no run, that nothing is due and each job's next due time
 * after `to` (scheduled jobs, soonest first), so that an empty plan is never a riddle. */
static void print_nothing_due(const struct sched_model *m, const struct plan_opts *o,
                              int64_t from, int64_t to, struct buf *b)
{
        const struct tz *z = m->tenant.zone;
        char f[ISO_FORMAT_MAX], t[ISO_FORMAT_MAX];
        buf_printf(b, "nothing is due from %s to %s", iso_format(from, z, f), iso_format(to, z, t));
        for (size_t i = 0; i < o->nexcludes; i++)
                buf_printf(b, "%s%s", i ? ", " : " (leaving out ", o->excludes[i]);
        buf_puts(b, o->nexcludes ? ")" : "");
        size_t listed = 0;
        for (size_t i = 0; i < m->njobs; i++)
                listed += !excluded(o, m->jobs[i].name);
        buf_puts(b, listed ? "; the next due times:\n" : "; there are no other jobs\n");
        /* soonest first: a selection sort over at most njobs (a plan's output is small) */
        bool *done = calloc(m->njobs ? m->njobs : 1, sizeof(*done));
        if (!done)
                return;
        for (size_t k = 0; k < m->njobs; k++) {
                size_t best = SIZE_MAX;
                int64_t best_t = 0;
                for (size_t i = 0; i < m->njobs; i++) {
                        if (done[i] || excluded(o, m->jobs[i].name))
                                continue;
                        const struct sched_job_spec *j = &m->jobs[i];
                        int64_t n = j->enabled && j->has_cron ? sched_job_next_due(j, to - 1)
                                                              : INT64_MAX;
                        if (best == SIZE_MAX || n < best_t ||
                            (n == best_t && strcmp(j->name, m->jobs[best].name) < 0)) {
                                best = i;
                                best_t = n;
                        }
                }
                if (best == SIZE_MAX)
                        break;
                done[best] = true;
                const struct sched_job_spec *j = &m->jobs[best];
                char iso[ISO_FORMAT_MAX];
                const char *what = !j->enabled                  ? "disabled"
                                   : j->external_due            ? "due when its next_due_api says"
                                   : !j->has_cron               ? "manual: runs when submitted"
                                   : best_t == INT64_MAX        ? "never due again"
                                                                : iso_format(best_t, z, iso);
                buf_printf(b, "  %-24s %s\n", j->name, what);
        }
        free(done);
}

/* One run of the plan as printed: what it needs of a struct sim_row (208 bytes, most of
 * them its reason's room) in 64. A day of 100,000 jobs is 3 million rows. */
struct plan_row {
        int64_t id, due, first_due, last_due, start, end;
        uint32_t job;
        int32_t state;
        uint64_t reason; /* offset of its reason in plan_rows.text; 0: none */
};

/* The rows kept from a streamed simulation (sim_params.row), and their reasons one after
 * the other, each NUL-terminated, behind an empty one at offset 0. */
struct plan_rows {
        size_t n, cap;
        struct plan_row *items;
        struct buf text;
        bool nomem;     /* a row could not be kept: the plan is not printed */
};

/* sim_row_fn: keeps row w in the struct plan_rows at arg. */
static void keep_row(void *arg, const struct sim_row *w, const struct sim_wait *wait)
{
        (void)wait;
        struct plan_rows *r = arg;
        if (r->nomem)
                return;
        if (w->job > UINT32_MAX) { /* (a model of 4 billion jobs would not be built) */
                r->nomem = true;
                return;
        }
        if (r->n == r->cap) {
                size_t cap = r->cap ? 2 * r->cap : 4096;
                struct plan_row *items = realloc(r->items, cap * sizeof(*items));
                if (!items) {
                        r->nomem = true;
                        return;
                }
                r->items = items;
                r->cap = cap;
        }
        uint64_t at = 0;
        if (w->reason[0]) {
                at = r->text.len;
                buf_add(&r->text, w->reason, strlen(w->reason) + 1);
        }
        r->nomem = r->text.err;
        r->items[r->n++] = (struct plan_row){w->id, w->due, w->first_due, w->last_due,
                                             w->start, w->end, (uint32_t)w->job, w->state, at};
}

static int cmp_plan_row(const void *a, const void *b)
{
        const struct plan_row *x = a, *y = b;
        return sim_row_order(x->due, x->start, x->id, y->due, y->start, y->id);
}

/* Appends text and spaces up to `width` bytes, then one more space: printf's "%-*s ". */
static void put_cell(struct buf *b, const char *text, int width)
{
        static const char spaces[] = "                                ";
        size_t n = strlen(text);
        buf_add(b, text, n);
        size_t pad = (n < (size_t)width ? (size_t)width - n : 0) + 1;
        while (pad > 0) {
                size_t k = pad < sizeof(spaces) - 1 ? pad : sizeof(spaces) - 1;
                buf_add(b, spaces, k);
                pad -= k;
        }
}

/* Prints the plan's rows, then one row per next_due_api job (its last known due time
 * from `known`, 0 for none; NULL without a repository), writing as it goes. Returns
 * CLI_OK, or CLI_FAILURE with the reason on stderr when the text could not be made or
 * written (stdout is left with what was written). */
static int print_rows(const struct plan_rows *r, const struct sched_model *m,
                       const struct plan_opts *o, int64_t from, int64_t to,
                       const int64_t *known)
{
        bool json = o->output && !strcmp(o->output, "json");
        size_t shown = 0;
        const struct tz *z = m->tenant.zone;
        struct buf b;
        buf_init(&b, 0);
        size_t nshow = 0;
        for (size_t i = 0; i < r->n; i++)
                nshow += !excluded(o, m->jobs[r->items[i].job].name);
        for (size_t j = 0; j < m->njobs; j++)
                nshow += m->jobs[j].external_due && m->jobs[j].enabled &&
                         !excluded(o, m->jobs[j].name);
        if (json) /* a list, as every list command prints it (docs/cli.md, "Output") */
                buf_puts(&b, "{\"items\": [");
        else if (nshow)
                buf_printf(&b, "%-24s %-25s %-12s %-25s %-25s %-25s %-15s %s\n", "JOB", "DUE",
                           "PROCESS_DATE", "FIRST_DUE", "START", "END", "STATE", "REASON");
        int werr = 0;
        for (size_t i = 0; i < r->n && !b.err && !werr; i++) {
                werr = out_flush(&b, false);
                const struct plan_row *w = &r->items[i];
                const char *job = m->jobs[w->job].name;
                const char *reason = r->text.data + w->reason;
                if (excluded(o, job))
                        continue;
                /* As the run will get it (a plan has no submit parameters). */
                char pdate[PROCDATE_TEXT_MAX];
                procdate_format(&m->tenant.window, z, w->due, pdate);
                if (!json) {
                        /* The header's columns, cell by cell (printf's padding of 3
                         * million rows was a fifth of a large plan's time). */
                        shown++;
                        char t[ISO_FORMAT_MAX];
                        put_cell(&b, job, 24);
                        put_cell(&b, fmt_time(w->due, z, t), 25);
                        put_cell(&b, pdate, 12);
                        put_cell(&b, fmt_time(w->first_due, z, t), 25);
                        put_cell(&b, fmt_time(w->start, z, t), 25);
                        put_cell(&b, fmt_time(w->end, z, t), 25);
                        put_cell(&b, state_name(w->state), 15);
                        buf_puts(&b, reason);
                        buf_add(&b, "\n", 1);
                        continue;
                }
                buf_puts(&b, shown++ ? ",\n {\"job\": " : "\n {\"job\": ");
                json_put_string(&b, job);
                put_json_time(&b, "due", w->due, z);
                put_json_time(&b, "first_due", w->first_due, z);
                put_json_time(&b, "last_due", w->last_due, z);
                buf_puts(&b, ", \"process_date\": ");
                json_put_string(&b, pdate);
                put_json_time(&b, "start", w->start, z);
                put_json_time(&b, "end", w->end, z);
                buf_printf(&b, ", \"state\": %d, \"state_name\": ", w->state);
                json_put_string(&b, state_name(w->state));
                buf_puts(&b, ", \"reason\": ");
                if (reason[0])
                        json_put_string(&b, reason);
                else
                        buf_puts(&b, "null");
                buf_puts(&b, "}");
        }
        /* A job with a next_due_api trigger: one row, its last known due time (the last
         * answer kept in the repository) in the DUE column (docs/scheduler.md). */
        for (size_t j = 0; j < m->njobs && !b.err && !werr; j++) {
                werr = out_flush(&b, false);
                if (!m->jobs[j].external_due || !m->jobs[j].enabled ||
                    excluded(o, m->jobs[j].name))
                        continue;
                const char *job = m->jobs[j].name;
                int64_t t = known ? known[j] : 0;
                char iso[ISO_FORMAT_MAX];
                if (!json) {
                        shown++;
                        buf_printf(&b, "%-24s %-25s %-12s %-25s %-25s %-25s %-15s %s%s\n", job,
                                   fmt_time(t, z, iso), "-", "-", "-", "-", "-", EXTERNAL_REASON,
                                   t ? " (last known due time)" : " (no answer known)");
                        continue;
                }
                buf_puts(&b, shown++ ? ",\n {\"job\": " : "\n {\"job\": ");
                json_put_string(&b, job);
                put_json_time(&b, "due", t, z);
                buf_puts(&b, ", \"first_due\": null, \"last_due\": null, \"process_date\": null, "
                             "\"start\": null, "
                             "\"end\": null, \"state\": null, \"state_name\": null, "
                             "\"reason\": \"" EXTERNAL_REASON "\", \"external_due\": true}");
        }
        if (json)
                buf_puts(&b, shown ? "\n], \"next_cursor\": null}\n" : "], \"next_cursor\": null}\n");
        else if (!shown)
                print_nothing_due(m, o, from, to, &b);
        return out_flush_end(&b, werr, "the plan");
}

int cli_plan(int argc, char **argv)
{
        struct plan_opts o = {0};
        o.outcomes = calloc((size_t)argc, sizeof(*o.outcomes));
        o.excludes = calloc((size_t)argc, sizeof(*o.excludes));
        if (!o.outcomes || !o.excludes) {
                free(o.outcomes);
                free(o.excludes);
                return CLI_FAILURE;
        }
        struct defset set = {0}, ov = {0};
        struct sched_model m = {0};
        struct sim_outcome *outcomes = NULL;
        struct plan_rows rows = {0};
        buf_init(&rows.text, SIZE_MAX);
        buf_add(&rows.text, "", 1); /* offset 0: no reason */
        int r = parse(argc, argv, &o);
        if (r)
                goto out;
        r = o.db ? cli_load_repo(o.db, &set)
                 : cli_load_defs(argv + optind, (size_t)(argc - optind), &set);
        if (r == CLI_OK && o.overlay)
                r = cli_overlay(o.overlay, &set, &ov);
        if (r)
                goto out;
        struct batch_err err;
        if (sched_model_build(&set, o.tenant, &m, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                r = CLI_FAILURE;
                goto out;
        }
        int64_t from, to;
        if (iso_parse(o.from, m.tenant.zone, &from, &err) < 0) {
                r = usage_error("--from: %s", err.msg);
                goto out;
        }
        if (iso_parse(o.to, m.tenant.zone, &to, &err) < 0) {
                r = usage_error("--to: %s", err.msg);
                goto out;
        }
        /* With the tenant's time offset on, the period is real time and the plan is in
         * the tenant's shifted clock (DESIGN §2.2). */
        from = offset_to_scheduling(&m.offset, from);
        to = offset_to_scheduling(&m.offset, to);
        if (to < from) {
                r = usage_error("%s", "--to is before --from");
                goto out;
        }
        if (to - from > 366LL * 86400) {
                r = usage_error("%s", "the period is longer than 366 days");
                goto out;
        }
        outcomes = calloc(o.noutcomes ? o.noutcomes : 1, sizeof(*outcomes));
        if (!outcomes) {
                r = CLI_FAILURE;
                goto out;
        }
        for (size_t i = 0; i < o.noutcomes; i++)
                if ((r = parse_outcome(o.outcomes[i], &m, &outcomes[i])))
                        goto out;
        for (size_t i = 0; i < o.nexcludes; i++)
                if (sched_model_find(&m, o.excludes[i]) < 0) {
                        r = usage_error("--exclude: no job named \"%s\"", o.excludes[i]);
                        goto out;
                }
        struct sim_params p = {.jobs = m.jobs, .njobs = m.njobs, .tenant = &m.tenant,
                               .from = from, .to = to, .outcomes = outcomes,
                               .noutcomes = o.noutcomes, .row = keep_row, .row_arg = &rows};
        struct sim_result res;
        int src = sim_run_params(&p, &res);
        if (src == 0)
                sim_result_release(&res);
        if (src < 0 || rows.nomem) {
                fprintf(stderr, "batchctl: out of memory\n");
                r = CLI_FAILURE;
                goto out;
        }
        if (rows.n)
                qsort(rows.items, rows.n, sizeof(*rows.items), cmp_plan_row);
        int64_t *known = last_answers(o.db, &m);
        r = print_rows(&rows, &m, &o, from, to, known);
        free(known);
out:
        free(rows.items);
        buf_release(&rows.text);
        free(outcomes);
        sched_model_release(&m);
        defset_release(&set);
        defset_release(&ov);
        free(o.outcomes);
        free(o.excludes);
        return r < 0 ? CLI_OK : r;
}
