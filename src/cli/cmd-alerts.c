/* cmd-alerts.c: `batchctl alerts list|get|explain|ack` on a repository (--db): the
 * alerts batchd raised, why each was or was not delivered, and acknowledging them
 * (docs/alerts.md). The output of -o json is what the API answers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/buf.h"
#include "core/isotime.h"
#include "ops/alerts.h"
#include "ops/instances.h"
#include "store/store.h"

struct aopts {
        const char *db, *tenant, *output, *job, *kind, *severity, *actor;
        bool unacknowledged;
        unsigned limit;
        int64_t before, id;
};

static bool takes(const struct cli_cmd *cmd, const char *name)
{
        char opt[32];
        snprintf(opt, sizeof(opt), !strcmp(name, "output") ? "-o " : "--%s", name);
        return !strcmp(name, "help") || strstr(cmd->usage, opt);
}

static int parse_id(const char *text, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || *end || v <= 0 || end == text)
                return -1;
        *ret = v;
        return 0;
}

static int parse(const struct cli_cmd *cmd, int argc, char **argv, struct aopts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},     {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'}, {"job", required_argument, NULL, 'j'},
                {"kind", required_argument, NULL, 'k'},   {"severity", required_argument, NULL, 's'},
                {"unacknowledged", no_argument, NULL, 'u'},
                {"limit", required_argument, NULL, 'l'},  {"before", required_argument, NULL, 'b'},
                {"actor", required_argument, NULL, 'a'},  {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        o->tenant = "default";
        o->limit = 100;
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:t:o:h", longopts, NULL)) != -1) {
                const struct option *lo = longopts;
                while (lo->name && lo->val != ch)
                        lo++;
                if (lo->name && !takes(cmd, lo->name))
                        return cli_usage_error("alerts", cmd, "'alerts %s' takes no --%s",
                                               cmd->name, lo->name);
                char *end;
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'j': o->job = optarg; break;
                case 'k': o->kind = optarg; break;
                case 's': o->severity = optarg; break;
                case 'u': o->unacknowledged = true; break;
                case 'a': o->actor = optarg; break;
                case 'b':
                        if (parse_id(optarg, &o->before) < 0)
                                return cli_usage_error("alerts", cmd, "--before \"%s\" is not an "
                                                                      "alert id", optarg);
                        break;
                case 'l': {
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < 1 || v > 10000)
                                return cli_usage_error("alerts", cmd,
                                                       "--limit \"%s\" must be 1 to 10000", optarg);
                        o->limit = (unsigned)v;
                        break;
                }
                case 'h': printf("usage: batchctl alerts %s %s\n", cmd->name, cmd->usage); return -1;
                default:
                        return cli_usage_error("alerts", cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        bool wants_id = strstr(cmd->usage, "ID") == cmd->usage;
        if (wants_id) {
                if (optind >= argc)
                        return cli_usage_error("alerts", cmd, "'alerts %s' needs an alert id",
                                               cmd->name);
                if (parse_id(argv[optind], &o->id) < 0)
                        return cli_usage_error("alerts", cmd, "\"%s\" is not an alert id",
                                               argv[optind]);
                optind++;
        }
        if (optind < argc)
                return cli_usage_error("alerts", cmd, "unexpected argument '%s'", argv[optind]);
        if (o->output && strcmp(o->output, "json") && strcmp(o->output, "table"))
                return cli_usage_error("alerts", cmd, "-o must be json or table, not \"%s\"",
                                       o->output);
        if (o->severity && strcmp(o->severity, "critical") && strcmp(o->severity, "warning") &&
            strcmp(o->severity, "info"))
                return cli_usage_error("alerts", cmd, "--severity must be critical, warning or "
                                                      "info, not \"%s\"", o->severity);
        return 0;
}

static int list(int argc, char **argv);
static int get(int argc, char **argv);
static int explain(int argc, char **argv);
static int ack(int argc, char **argv);

const struct cli_cmd cli_alerts_cmds[] = {
        {"list",
         "[--job NAME] [--kind KIND] [--severity S] [--unacknowledged] [--limit N] "
         "[--before ID] [--db DB] [--tenant T] [-o table|wide|json|yaml]",
         "alerts, newest first", list},
        {"get", "ID [--db DB] [--tenant T] [-o table|wide|json|yaml]", "an alert and its deliveries", get},
        {"explain", "ID [--db DB] [--tenant T] [-o table|wide|json|yaml]",
         "why an alert was or was not delivered", explain},
        {"ack", "ID [--db DB] [--tenant T] [--actor NAME]", "acknowledge an alert, audited", ack},
        {NULL, NULL, NULL, NULL},
};

static int list(int argc, char **argv)
{
        struct aopts o;
        int r = parse(&cli_alerts_cmds[0], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_alert_filter f = {.tenant = o.tenant, .job = o.job, .kind = o.kind,
                                       .severity = o.severity,
                                       .unacknowledged_only = o.unacknowledged,
                                       .before_id = o.before, .limit = o.limit};
        struct batch_err err;
        struct buf b;
        buf_init(&b, 0);
        int rc = 0;
        if (o.output && !strcmp(o.output, "json")) {
                rc = ops_alert_list(s, &f, &b, &err);
        } else {
                struct store_alert_list l;
                if ((rc = store_alert_find(s, &f, &l, &err)) == 0) {
                        char t[ISO_FORMAT_MAX];
                        buf_printf(&b, "%8s  %-20s %-9s %-16s %-20s %-4s %s\n", "ID", "AT",
                                   "SEVERITY", "KIND", "JOB", "ACK", "MESSAGE");
                        for (size_t i = 0; i < l.n; i++) {
                                const struct store_alert *a = &l.items[i];
                                buf_printf(&b, "%8lld  %-20s %-9s %-16s %-20s %-4s %s\n",
                                           (long long)a->id, iso_format_utc(a->created_at, t),
                                           a->severity, a->kind, a->job ? a->job : "-",
                                           a->acknowledged ? "yes" : "no", a->message);
                        }
                        store_alert_list_release(&l);
                }
        }
        if (rc == 0)
                fwrite(b.data, 1, b.len, stdout);
        else
                fprintf(stderr, "batchctl: %s\n", err.msg);
        buf_release(&b);
        store_close(s);
        return rc == 0 ? CLI_OK : CLI_FAILURE;
}

/* get and explain: the alert, its deliveries and (explain) why. */
static int show(const struct cli_cmd *cmd, int argc, char **argv, bool why)
{
        struct aopts o;
        int r = parse(cmd, argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_alert a;
        struct store_delivery_list d;
        struct batch_err err;
        if (ops_alert_get(s, o.tenant, o.id, &a, &d, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        struct buf b;
        buf_init(&b, 0);
        if (o.output && !strcmp(o.output, "json")) {
                ops_put_alert_detail(&b, &a, &d, why);
                buf_puts(&b, "\n");
        } else if (why) {
                ops_alert_explain(&a, &d, &b);
        } else {
                char t[ISO_FORMAT_MAX], target[300];
                buf_printf(&b, "alert:      %lld\nseverity:   %s\nkind:       %s\njob:        %s\n",
                           (long long)a.id, a.severity, a.kind, a.job ? a.job : "-");
                if (a.instance_id)
                        buf_printf(&b, "instance:   %lld\n", (long long)a.instance_id);
                buf_printf(&b, "raised:     %s\nmessage:    %s\n",
                           iso_format_utc(a.created_at, t), a.message);
                if (a.suppressed_by)
                        buf_printf(&b, "suppressed: by alert %lld\n", (long long)a.suppressed_by);
                if (a.acknowledged)
                        buf_printf(&b, "acknowledged: %s by %s\n",
                                   iso_format_utc(a.acknowledged_at, t),
                                   a.acknowledged_by ? a.acknowledged_by : "-");
                for (size_t i = 0; i < d.n; i++)
                        buf_printf(&b, "delivery:   %lld %s %s %s (%d attempt(s))\n",
                                   (long long)d.items[i].id, d.items[i].channel,
                                   ops_delivery_target(&d.items[i], target, sizeof(target)),
                                   d.items[i].state, d.items[i].attempts);
        }
        fwrite(b.data, 1, b.len, stdout);
        buf_release(&b);
        store_alert_release(&a);
        store_delivery_list_release(&d);
        store_close(s);
        return CLI_OK;
}

static int get(int argc, char **argv)
{
        return show(&cli_alerts_cmds[1], argc, argv, false);
}

static int explain(int argc, char **argv)
{
        return show(&cli_alerts_cmds[2], argc, argv, true);
}

static int ack(int argc, char **argv)
{
        struct aopts o;
        int r = parse(&cli_alerts_cmds[3], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        const char *user = getenv("USER");
        const char *actor = o.actor ? o.actor : (user && *user ? user : "batchctl");
        struct batch_err err;
        int64_t now;
        int rc = ops_clock_now(s, &now, &err);
        if (rc == 0)
                rc = ops_alert_ack(s, o.tenant, o.id, actor, now, &err);
        if (rc < 0)
                fprintf(stderr, "batchctl: %s\n", err.msg);
        else
                printf("alert %lld acknowledged by %s\n", (long long)o.id, actor);
        store_close(s);
        return rc < 0 ? CLI_FAILURE : CLI_OK;
}
