/* cmd-plan.c: `batchctl plan (--db DB | PATH...) --from ISO --to ISO [--outcome SPEC]...
 * [--tenant T] [-o json|table]`: runs the scheduler core against a simulated clock
 * over the period and prints every instance in due-time order (docs/scheduler.md). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/buf.h"
#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/simulate.h"
#include "defs/load.h"
#include "defs/validate.h"
#include "sched/model.h"
#include "store/store.h"

#define PLAN_USAGE                                                                                \
        "plan (--db DB | PATH...) --from ISO --to ISO [--outcome JOB[@DUE]=RESULT]... "           \
        "[--tenant T] [-o json|table]\n"                                                          \
        "  RESULT: success, failed or minutes:N, several joined by ','"

struct plan_opts {
        const char *db, *from, *to, *tenant, *output;
        size_t noutcomes;
        char **outcomes;
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
                {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
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

/* Loads every definition stored in the repository into *set. */
static int load_repo(const char *db, struct defset *set)
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

static void print_rows(const struct sim_result *r, const struct sched_model *m,
                       const int64_t *known, bool json)
{
        const struct tz *z = m->tenant.zone;
        struct buf b;
        buf_init(&b, 0);
        if (json)
                buf_puts(&b, "[");
        else
                buf_printf(&b, "%-24s %-25s %-25s %-25s %-25s %-15s %s\n", "JOB", "DUE",
                           "FIRST_DUE", "START", "END", "STATE", "REASON");
        for (size_t i = 0; i < r->n; i++) {
                const struct sim_row *w = &r->rows[i];
                const char *job = m->jobs[w->job].name;
                if (!json) {
                        char t[4][ISO_FORMAT_MAX];
                        buf_printf(&b, "%-24s %-25s %-25s %-25s %-25s %-15s %s\n", job,
                                   fmt_time(w->due, z, t[0]), fmt_time(w->first_due, z, t[1]),
                                   fmt_time(w->start, z, t[2]), fmt_time(w->end, z, t[3]),
                                   state_name(w->state), w->reason);
                        continue;
                }
                buf_puts(&b, i ? ",\n {\"job\": " : "\n {\"job\": ");
                json_put_string(&b, job);
                put_json_time(&b, "due", w->due, z);
                put_json_time(&b, "first_due", w->first_due, z);
                put_json_time(&b, "last_due", w->last_due, z);
                put_json_time(&b, "start", w->start, z);
                put_json_time(&b, "end", w->end, z);
                buf_printf(&b, ", \"state\": %d, \"state_name\": ", w->state);
                json_put_string(&b, state_name(w->state));
                buf_puts(&b, ", \"reason\": ");
                if (w->reason[0])
                        json_put_string(&b, w->reason);
                else
                        buf_puts(&b, "null");
                buf_puts(&b, "}");
        }
        /* A job with a next_due_api trigger: one row, its last known due time (the last
         * answer kept in the repository) in the DUE column (docs/scheduler.md). */
        size_t rows = r->n;
        for (size_t j = 0; j < m->njobs; j++) {
                if (!m->jobs[j].external_due || !m->jobs[j].enabled)
                        continue;
                const char *job = m->jobs[j].name;
                int64_t t = known ? known[j] : 0;
                char iso[ISO_FORMAT_MAX];
                if (!json) {
                        buf_printf(&b, "%-24s %-25s %-25s %-25s %-25s %-15s %s%s\n", job,
                                   fmt_time(t, z, iso), "-", "-", "-", "-", EXTERNAL_REASON,
                                   t ? " (last known due time)" : " (no answer known)");
                        continue;
                }
                buf_puts(&b, rows++ ? ",\n {\"job\": " : "\n {\"job\": ");
                json_put_string(&b, job);
                put_json_time(&b, "due", t, z);
                buf_puts(&b, ", \"first_due\": null, \"last_due\": null, \"start\": null, "
                             "\"end\": null, \"state\": null, \"state_name\": null, "
                             "\"reason\": \"" EXTERNAL_REASON "\", \"external_due\": true}");
        }
        buf_puts(&b, json ? "\n]\n" : "");
        fwrite(b.data, 1, b.len, stdout);
        buf_release(&b);
}

int cli_plan(int argc, char **argv)
{
        struct plan_opts o = {0};
        o.outcomes = calloc((size_t)argc, sizeof(*o.outcomes));
        if (!o.outcomes)
                return CLI_FAILURE;
        struct defset set = {0};
        struct sched_model m = {0};
        struct sim_outcome *outcomes = NULL;
        struct sim_result res = {0};
        int r = parse(argc, argv, &o);
        if (r)
                goto out;
        r = o.db ? load_repo(o.db, &set)
                 : cli_load_defs(argv + optind, (size_t)(argc - optind), &set);
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
        if (sim_run(m.jobs, m.njobs, &m.tenant, from, to, outcomes, o.noutcomes, &res) < 0) {
                fprintf(stderr, "batchctl: out of memory\n");
                r = CLI_FAILURE;
                goto out;
        }
        int64_t *known = last_answers(o.db, &m);
        print_rows(&res, &m, known, o.output && !strcmp(o.output, "json"));
        free(known);
out:
        sim_result_release(&res);
        free(outcomes);
        sched_model_release(&m);
        defset_release(&set);
        free(o.outcomes);
        return r < 0 ? CLI_OK : r;
}
