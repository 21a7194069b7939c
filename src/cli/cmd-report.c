/* cmd-report.c: `batchctl report daily [--date D] [-o table|wide|json|yaml|csv|xlsx]
 * [--output FILE]` and `batchctl report runs --from D --to D [--job J] [-o table|wide|json|yaml]`:
 * the daily inspection report and the runs figures (docs/report.md), from the server
 * (GET /api/v1/reports/...) or, with --db, computed from a repository directly. An .xlsx
 * is binary: it goes to a file (--output) and is refused on a terminal. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/rcmd.h"
#include "ops/instances.h"
#include "ops/report.h"
#include "store/store.h"

struct report_opts {
        const char *db, *tenant, *date, *from, *to, *job, *format, *output;
};

static const struct cli_cmd report_cmds[] = {
        {"daily", "[--date YYYY-MM-DD] [-o table|wide|json|yaml|csv|xlsx] [--output FILE] [--tenant T] "
                  "[--db DB]",
         "the daily inspection report of a day (default: yesterday in the tenant's zone)", NULL},
        {"runs", "--from YYYY-MM-DD --to YYYY-MM-DD [--job J] [-o table|wide|json|yaml] [--tenant T] "
                 "[--db DB]",
         "runs per day and job: outcomes, duration p50/max, not run when scheduled", NULL},
        {NULL, NULL, NULL, NULL},
};

static int parse(const struct cli_cmd *cmd, int argc, char **argv, struct report_opts *o)
{
        static const struct option longs[] = {
                {"db", required_argument, NULL, 'd'},   {"tenant", required_argument, NULL, 't'},
                {"date", required_argument, NULL, 'D'}, {"from", required_argument, NULL, 'f'},
                {"to", required_argument, NULL, 'T'},   {"job", required_argument, NULL, 'j'},
                {"output", required_argument, NULL, 'O'}, {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        o->db = getenv("BATCHD_DB") && *getenv("BATCHD_DB") && !remote_current()
                        ? getenv("BATCHD_DB")
                        : NULL;
        optind = 1;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, ":o:h", longs, NULL)) != -1) {
                switch (c) {
                case 'd': o->db = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'D': o->date = optarg; break;
                case 'f': o->from = optarg; break;
                case 'T': o->to = optarg; break;
                case 'j': o->job = optarg; break;
                case 'O': o->output = optarg; break;
                case 'o': o->format = optarg; break;
                case 'h':
                        printf("usage: batchctl report %s %s\n%s\n", cmd->name, cmd->usage,
                               cmd->summary);
                        return -1;
                case ':':
                        return cli_usage_error("report", cmd, "%s needs a value",
                                               argv[optind - 1]);
                default:
                        return cli_usage_error("report", cmd, "unknown option \"%s\"",
                                               argv[optind - 1]);
                }
        }
        if (optind != argc)
                return cli_usage_error("report", cmd, "unexpected operand \"%s\"", argv[optind]);
        return 0;
}

/* Writes n bytes to --output (or stdout). */
static int emit(const struct report_opts *o, const void *data, size_t n)
{
        FILE *f = stdout;
        if (o->output && !(f = fopen(o->output, "wb"))) {
                perror(o->output);
                return CLI_FAILURE;
        }
        size_t w = fwrite(data, 1, n, f);
        int bad = (f == stdout ? fflush(f) : fclose(f)) != 0 || w != n;
        if (bad) {
                fprintf(stderr, "batchctl: writing %s failed\n", o->output ? o->output : "stdout");
                return CLI_FAILURE;
        }
        return CLI_OK;
}

static void put_minutes(json_t *v, char *out, size_t len)
{
        if (json_is_number(v))
                snprintf(out, len, "%.1f", json_number_value(v));
        else
                snprintf(out, len, "-");
}

/* The table form of the daily report's JSON. */
static void print_daily(json_t *j)
{
        json_t *jobs = json_object_get(j, "jobs");
        printf("daily inspection %s, %s (%s): %s (%s), %zu job%s\n", remote_str(j, "tenant", "?"),
               remote_str(j, "date", "?"), remote_str(j, "timezone", "?"),
               remote_str(j, "severity", "?"), remote_str(j, "finding", "?"),
               json_array_size(jobs), json_array_size(jobs) == 1 ? "" : "s");
        printf("%-24s %-11s %5s %5s %5s %5s %7s %7s  %s\n", "JOB", "SEVERITY", "TOTAL", "OK",
               "FAIL", "PART", "EST", "AVG", "FREQUENCY CHECK");
        size_t i;
        json_t *w;
        json_array_foreach(jobs, i, w)
        {
                char est[32], avg[32];
                put_minutes(json_object_get(w, "estimated_minutes"), est, sizeof(est));
                put_minutes(json_object_get(w, "average_minutes"), avg, sizeof(avg));
                printf("%-24s %-11s %5lld %5lld %5lld %5lld %7s %7s  %s\n",
                       remote_str(w, "job", "?"), remote_str(w, "severity", "?"),
                       rcmd_int(w, "total"), rcmd_int(w, "success"), rcmd_int(w, "fail"),
                       rcmd_int(w, "has_failure"), est, avg,
                       remote_str(json_object_get(w, "frequency_check"), "text", ""));
        }
}

static void print_runs(json_t *j)
{
        json_t *items = json_object_get(j, "items");
        printf("runs %s to %s (%s)\n", remote_str(j, "from", "?"), remote_str(j, "to", "?"),
               remote_str(j, "timezone", "?"));
        printf("%-10s %-24s %5s %5s %5s %5s %5s %9s %9s %7s\n", "DATE", "JOB", "TOTAL", "OK",
               "FAIL", "SKIP", "NORUN", "P50(s)", "MAX(s)", "EST(m)");
        size_t i;
        json_t *w;
        if (!json_is_array(items)) {
                /* Over 100,000 day-and-job rows: the sums per day (docs/report.md). */
                json_array_foreach(json_object_get(j, "days"), i, w)
                {
                        json_t *runs = json_object_get(w, "runs");
                        printf("%-10s %-24s %5lld %5lld %5lld %5lld %5lld %9s %9s %7s\n",
                               remote_str(w, "date", "?"), "(every job)",
                               rcmd_int(runs, "total"), rcmd_int(runs, "success"),
                               rcmd_int(runs, "failed"), rcmd_int(runs, "skipped"),
                               rcmd_int(w, "not_run"), "-", "-", "-");
                }
                printf("%zu jobs: the rows per day and job are left out over 100,000; "
                       "name one with --job\n",
                       json_array_size(json_object_get(j, "jobs")));
                return;
        }
        json_array_foreach(items, i, w)
        {
                json_t *runs = json_object_get(w, "runs");
                char p50[32], max[32], est[32];
                put_minutes(json_object_get(w, "duration_p50_s"), p50, sizeof(p50));
                put_minutes(json_object_get(w, "duration_max_s"), max, sizeof(max));
                put_minutes(json_object_get(w, "estimated_minutes"), est, sizeof(est));
                printf("%-10s %-24s %5lld %5lld %5lld %5lld %5lld %9s %9s %7s\n",
                       remote_str(w, "date", "?"), remote_str(w, "job", "?"),
                       rcmd_int(runs, "total"), rcmd_int(runs, "success"),
                       rcmd_int(runs, "failed"), rcmd_int(runs, "skipped"),
                       rcmd_int(w, "not_run"), p50, max, est);
        }
}

/* Prints a JSON answer as a table or, for -o json, as it is. */
static int print_json_form(const char *text, size_t len, bool table, void (*print)(json_t *))
{
        if (!table)
                return fwrite(text, 1, len, stdout) == len ? CLI_OK : CLI_FAILURE;
        json_error_t jerr;
        json_t *j = json_loadb(text, len, 0, &jerr);
        if (!j) {
                fprintf(stderr, "batchctl: the answer is not JSON: %s\n", jerr.text);
                return CLI_FAILURE;
        }
        print(j);
        json_decref(j);
        return CLI_OK;
}

static int open_local(const struct report_opts *o, struct store **s, int64_t *now)
{
        int r = cli_open_repo(o->db, s);
        if (r)
                return r;
        struct batch_err err;
        if (ops_clock_now(*s, now, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(*s);
                return CLI_FAILURE;
        }
        return CLI_OK;
}

/* True, saying why and releasing b, when the report could not be made whole in b (it
 * passed REPORT_MAX_BYTES, or memory ran out). */
static bool incomplete(struct buf *b)
{
        if (!b->err)
                return false;
        if (b->full)
                fprintf(stderr, "batchctl: the report is larger than %zu MiB\n", b->max >> 20);
        else
                fprintf(stderr, "batchctl: out of memory\n");
        buf_release(b);
        return true;
}

static int run_daily(int argc, char **argv)
{
        const struct cli_cmd *cmd = &report_cmds[0];
        struct report_opts o;
        int r = parse(cmd, argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        const char *fmt = o.format ? o.format : "table";
        if (strcmp(fmt, "table") && strcmp(fmt, "json") && strcmp(fmt, "csv") &&
            strcmp(fmt, "xlsx"))
                return cli_usage_error("report", cmd, "-o %s: expected table, json, csv or xlsx",
                                       fmt);
        bool xlsx = !strcmp(fmt, "xlsx");
        if (xlsx && !o.output && isatty(STDOUT_FILENO))
                return cli_usage_error("report", cmd,
                                       "-o xlsx writes a binary workbook: give --output FILE "
                                       "(or redirect stdout)");
        if (o.date) {
                int64_t d;
                struct batch_err err;
                if (inspect_parse_date(o.date, &d, &err) < 0)
                        return cli_usage_error("report", cmd, "--date: %s", err.msg);
        }
        bool table = !strcmp(fmt, "table");
        struct buf b;
        buf_init(&b, REPORT_MAX_BYTES);
        if (!o.db && remote_current()) {
                struct buf q;
                buf_init(&q, 0);
                if (o.date)
                        remote_query_add(&q, "date", o.date);
                if (o.tenant)
                        remote_query_add(&q, "tenant", o.tenant);
                remote_query_add(&q, "format", table ? "json" : fmt);
                struct remote_resp resp;
                r = rcmd_call("GET", "/api/v1/reports/daily", q.data, NULL, NULL, 0, &resp);
                buf_release(&q);
                if (r)
                        return r;
                buf_add(&b, resp.body.data, resp.body.len);
                remote_resp_release(&resp);
        } else {
                struct store *s;
                int64_t now;
                if ((r = open_local(&o, &s, &now)))
                        return r;
                struct report_daily rep;
                struct batch_err err;
                r = report_daily_build(s, o.tenant, o.date, now, &rep, &err);
                if (r == 0) {
                        if (table || !strcmp(fmt, "json"))
                                report_daily_json(&rep, &b);
                        else if (!strcmp(fmt, "csv"))
                                report_daily_csv(&rep, &b);
                        else
                                r = report_daily_xlsx(&rep, &b, &err);
                        report_daily_release(&rep);
                }
                store_close(s);
                if (r < 0) {
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                        buf_release(&b);
                        return r == BATCH_ESYNTAX || r == BATCH_ERANGE ? CLI_USAGE : CLI_FAILURE;
                }
        }
        if (incomplete(&b))
                return CLI_FAILURE;
        if (table && o.output) {
                buf_release(&b);
                return cli_usage_error("report", cmd, "--output takes -o json, csv or xlsx");
        }
        r = table ? print_json_form(b.data, b.len, true, print_daily) : emit(&o, b.data, b.len);
        buf_release(&b);
        return r;
}

static int run_runs(int argc, char **argv)
{
        const struct cli_cmd *cmd = &report_cmds[1];
        struct report_opts o;
        int r = parse(cmd, argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        const char *fmt = o.format ? o.format : "table";
        if (strcmp(fmt, "table") && strcmp(fmt, "json"))
                return cli_usage_error("report", cmd, "-o %s: expected table or json", fmt);
        if (!o.from || !o.to)
                return cli_usage_error("report", cmd, "--from and --to are required");
        if (o.output)
                return cli_usage_error("report", cmd, "--output is for report daily");
        bool table = !strcmp(fmt, "table");
        struct buf b;
        buf_init(&b, REPORT_MAX_BYTES);
        if (!o.db && remote_current()) {
                struct buf q;
                buf_init(&q, 0);
                remote_query_add(&q, "from", o.from);
                remote_query_add(&q, "to", o.to);
                if (o.job)
                        remote_query_add(&q, "job", o.job);
                if (o.tenant)
                        remote_query_add(&q, "tenant", o.tenant);
                struct remote_resp resp;
                r = rcmd_call("GET", "/api/v1/reports/runs", q.data, NULL, NULL, 0, &resp);
                buf_release(&q);
                if (r)
                        return r;
                buf_add(&b, resp.body.data, resp.body.len);
                remote_resp_release(&resp);
        } else {
                struct store *s;
                int64_t now;
                if ((r = open_local(&o, &s, &now)))
                        return r;
                struct report_runs rep;
                struct batch_err err;
                r = report_runs_build(s, o.tenant, o.from, o.to, o.job, &rep, &err);
                store_close(s);
                if (r < 0) {
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                        buf_release(&b);
                        return r == BATCH_ESYNTAX || r == BATCH_ERANGE ? CLI_USAGE : CLI_FAILURE;
                }
                report_runs_json(&rep, &b);
                report_runs_release(&rep);
        }
        if (incomplete(&b))
                return CLI_FAILURE;
        r = print_json_form(b.data, b.len, table, print_runs);
        buf_release(&b);
        return r;
}

int cli_report(int argc, char **argv)
{
        if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
                FILE *f = argc < 2 ? stderr : stdout;
                for (const struct cli_cmd *c = report_cmds; c->name; c++)
                        fprintf(f, "usage: batchctl report %s %s\n", c->name, c->usage);
                return argc < 2 ? CLI_USAGE : CLI_OK;
        }
        if (!strcmp(argv[1], "daily"))
                return run_daily(argc - 1, argv + 1);
        if (!strcmp(argv[1], "runs"))
                return run_runs(argc - 1, argv + 1);
        return cli_usage_error("report", NULL, "unknown verb \"%s\": daily or runs", argv[1]);
}
