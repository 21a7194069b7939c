/* cmd-cron.c: `batchctl cron next` and `batchctl cron explain`: offline tools over the
 * cron engine (src/core/cron.h) and the system's zoneinfo. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/buf.h"
#include "common/json.h"
#include "core/cron.h"
#include "core/isotime.h"
#include "sys/zoneinfo.h"

#define NEXT_MAX 100000

static const struct cli_cmd *find_cmd(const char *name);

/* Joins the positional arguments into one expression, so that both
 * `cron next "0 9 * * 1-5"` and `cron next 0 9 '*' '*' 1-5` work. */
static int join_expr(int argc, char **argv, char *buf, size_t len)
{
        size_t used = 0;
        buf[0] = '\0';
        for (int i = optind; i < argc; i++) {
                int n = snprintf(buf + used, len - used, "%s%s", i > optind ? " " : "", argv[i]);
                if (n < 0 || (size_t)n >= len - used)
                        return -1;
                used += (size_t)n;
        }
        return 0;
}

struct cron_opts {
        const char *zone;
        const char *from;
        const char *output;
        long count;
        char expr[2048];
};

static int parse_opts(const struct cli_cmd *cmd, int argc, char **argv, struct cron_opts *o)
{
        static const struct option longopts[] = {
                {"tz", required_argument, NULL, 'z'},
                {"from", required_argument, NULL, 'f'},
                {"output", required_argument, NULL, 'o'},
                {"count", required_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        o->zone = "UTC";
        o->from = NULL;
        o->output = "text";
        o->count = 5;
        optind = 1;
        opterr = 0;
        int ch;
        /* Options may stand before or after the expression (GNU argument permutation);
         * "--" ends the options. */
        while ((ch = getopt_long(argc, argv, "z:f:o:n:h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'z': o->zone = optarg; break;
                case 'f': o->from = optarg; break;
                case 'o': o->output = optarg; break;
                case 'n': {
                        char *end;
                        o->count = strtol(optarg, &end, 10);
                        if (*optarg == '\0' || *end != '\0' || o->count < 1 || o->count > NEXT_MAX)
                                return cli_usage_error("cron", cmd,
                                                       "-n: \"%s\" is not a count from 1 to %d",
                                                       optarg, NEXT_MAX);
                        break;
                }
                case 'h':
                        printf("usage: batchctl cron %s %s\n%s\n", cmd->name, cmd->usage,
                               cmd->summary);
                        return -1;
                default:
                        return cli_usage_error("cron", cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        /* "text" is the former name of table, still taken */
        if (!strcmp(o->output, "table"))
                o->output = "text";
        if (strcmp(o->output, "text") && strcmp(o->output, "json"))
                return cli_usage_error("cron", cmd, "-o: \"%s\" is not one of table, json", o->output);
        if (optind >= argc)
                return cli_usage_error("cron", cmd, "missing the cron expression");
        if (join_expr(argc, argv, o->expr, sizeof(o->expr)) < 0)
                return cli_usage_error("cron", cmd, "the cron expression is too long");
        return 0;
}

static int load(const struct cron_opts *o, struct cron *c, const struct tz **z)
{
        struct batch_err err;
        if (cron_parse(o->expr, c, &err) < 0) {
                fprintf(stderr, "batchctl: invalid cron expression \"%s\": %s\n", o->expr, err.msg);
                return CLI_USAGE;
        }
        if (zoneinfo_get(o->zone, z, &err) < 0) {
                fprintf(stderr, "batchctl: --tz: %s\n", err.msg);
                return CLI_USAGE;
        }
        return CLI_OK;
}

/* Options, expression and zone of verb `name`. Returns 0 to go on, else the exit
 * status to return (CLI_OK after --help). */
static int prepare(const char *name, int argc, char **argv, struct cron_opts *o, struct cron *c,
                   const struct tz **z)
{
        int r = parse_opts(find_cmd(name), argc, argv, o);
        if (r)
                return r < 0 ? -1 : r;
        return load(o, c, z);
}

static int run_next(int argc, char **argv)
{
        struct cron_opts o;
        struct cron c;
        const struct tz *z;
        int r = prepare("next", argc, argv, &o, &c, &z);
        if (r)
                return r < 0 ? CLI_OK : r;

        int64_t t = (int64_t)time(NULL);
        if (o.from) {
                struct batch_err err;
                if (iso_parse(o.from, z, &t, &err) < 0) {
                        fprintf(stderr, "batchctl: --from: %s\n", err.msg);
                        return CLI_USAGE;
                }
        }
        if (cron_never(&c)) {
                fprintf(stderr, "batchctl: \"%s\" never fires: no date matches it\n", o.expr);
                return CLI_FAILURE;
        }
        bool json = !strcmp(o.output, "json");
        char local[ISO_FORMAT_MAX], utc[ISO_FORMAT_MAX];
        long printed = 0;
        if (json) /* a list, as every list command prints it (docs/cli.md, "Output") */
                fputs("{\"items\": [", stdout);
        for (; printed < o.count; printed++) {
                if (cron_next(&c, z, t, &t) < 0)
                        break;
                iso_format(t, z, local);
                if (json)
                        printf("%s\n  {\"local\": \"%s\", \"utc\": \"%s\", \"unix\": %lld}",
                               printed ? "," : "", local, iso_format_utc(t, utc), (long long)t);
                else
                        puts(local);
        }
        if (json)
                fputs(printed ? "\n], \"next_cursor\": null}\n" : "], \"next_cursor\": null}\n",
                      stdout);
        if (printed == 0) {
                fprintf(stderr, "batchctl: \"%s\" never fires after %s\n", o.expr,
                        o.from ? o.from : "now");
                return CLI_FAILURE;
        }
        if (printed < o.count)
                fprintf(stderr, "batchctl: \"%s\" fires only %ld more time%s\n", o.expr, printed,
                        printed == 1 ? "" : "s");
        return CLI_OK;
}

static int run_explain(int argc, char **argv)
{
        struct cron_opts o;
        struct cron c;
        const struct tz *z;
        int r = prepare("explain", argc, argv, &o, &c, &z);
        if (r)
                return r < 0 ? CLI_OK : r;
        char text[1024];
        cron_explain(&c, text, sizeof(text));
        if (!strcmp(o.output, "json")) {
                struct buf b;
                buf_init(&b, 0);
                buf_puts(&b, "{\"expression\": ");
                json_put_string(&b, o.expr);
                buf_puts(&b, ", \"timezone\": ");
                json_put_string(&b, tz_name(z));
                buf_puts(&b, ", \"explanation\": ");
                json_put_string(&b, text);
                buf_puts(&b, "}\n");
                fputs(b.data, stdout);
                buf_release(&b);
                return CLI_OK;
        }
        printf("%s (time zone %s)\n", text, tz_name(z));
        return CLI_OK;
}

const struct cli_cmd cli_cron_cmds[] = {
        {"next", "EXPR [--tz ZONE] [--from ISO-8601] [-n N] [-o table|wide|json|yaml]",
         "print the next N (default 5) fire times strictly after --from (default now)", run_next},
        {"explain", "EXPR [--tz ZONE] [-o table|wide|json|yaml]", "describe a cron expression in plain English",
         run_explain},
        {NULL, NULL, NULL, NULL},
};

static const struct cli_cmd *find_cmd(const char *name)
{
        for (const struct cli_cmd *c = cli_cron_cmds; c->name; c++)
                if (!strcmp(c->name, name))
                        return c;
        return NULL;
}
