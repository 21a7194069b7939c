/* cmd-dlq.c: `batchctl dlq list|purge`: the dead letters SDK programs recorded (items a
 * step skipped, with their errors; docs/sdk.md). Purge deletes the selected letters in
 * one transaction with an audit row. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/buf.h"
#include "common/json.h"
#include "core/isotime.h"
#include "store/store.h"

struct dopts {
        const char *db, *tenant, *output, *job, *actor;
        int64_t instance;
        unsigned limit;
        bool all;
};

static int parse(const struct cli_cmd *cmd, int argc, char **argv, struct dopts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},     {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'}, {"job", required_argument, NULL, 'j'},
                {"instance", required_argument, NULL, 'i'}, {"limit", required_argument, NULL, 'l'},
                {"actor", required_argument, NULL, 'a'},  {"all", no_argument, NULL, 'A'},
                {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        o->tenant = "default";
        o->limit = 100;
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:t:o:h", longopts, NULL)) != -1) {
                char *end;
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'j': o->job = optarg; break;
                case 'a': o->actor = optarg; break;
                case 'A': o->all = true; break;
                case 'i':
                        errno = 0;
                        o->instance = strtoll(optarg, &end, 10);
                        if (errno || *end || o->instance <= 0)
                                return cli_usage_error("dlq", cmd, "--instance \"%s\" is not an "
                                                                   "instance id", optarg);
                        break;
                case 'l': {
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < 1 || v > 10000)
                                return cli_usage_error("dlq", cmd,
                                                       "--limit \"%s\" must be 1 to 10000", optarg);
                        o->limit = (unsigned)v;
                        break;
                }
                case 'h': printf("usage: batchctl dlq %s %s\n", cmd->name, cmd->usage); return -1;
                default:
                        return cli_usage_error("dlq", cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        if (optind < argc)
                return cli_usage_error("dlq", cmd, "unexpected argument '%s'", argv[optind]);
        if (o->output && strcmp(o->output, "json") && strcmp(o->output, "table"))
                return cli_usage_error("dlq", cmd, "-o must be json or table, not \"%s\"",
                                       o->output);
        return 0;
}

static int list(int argc, char **argv);
static int purge(int argc, char **argv);

const struct cli_cmd cli_dlq_cmds[] = {
        {"list", "[--job NAME] [--instance ID] [--limit N] [--db DB] [--tenant T] [-o table|json]",
         "dead letters, oldest first", list},
        {"purge", "(--job NAME | --instance ID | --all) [--db DB] [--tenant T] [--actor NAME]",
         "delete the selected dead letters, audited", purge},
        {NULL, NULL, NULL, NULL},
};

static int list(int argc, char **argv)
{
        struct dopts o;
        int r = parse(&cli_dlq_cmds[0], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_dead_letter_filter f = {.tenant = o.tenant, .job = o.job,
                                             .instance_id = o.instance, .limit = o.limit};
        struct store_dead_letter_list l;
        struct batch_err err;
        if (store_dead_letter_list(s, &f, &l, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        bool json = o.output && !strcmp(o.output, "json");
        struct buf b;
        buf_init(&b, 0);
        char t[ISO_FORMAT_MAX];
        if (json)
                buf_puts(&b, "[");
        else
                buf_printf(&b, "%8s  %8s  %-20s %-16s %-20s %s\n", "ID", "INSTANCE", "JOB", "STEP",
                           "AT", "ERROR");
        for (size_t i = 0; i < l.n; i++) {
                const struct store_dead_letter *d = &l.items[i];
                if (json) {
                        buf_printf(&b, "%s{\"id\": %lld, \"instance\": %lld, \"job\": ",
                                   i ? ",\n " : "\n ", (long long)d->id,
                                   (long long)d->instance_id);
                        json_put_string(&b, d->job);
                        buf_puts(&b, ", \"step\": ");
                        json_put_string(&b, d->step);
                        buf_puts(&b, ", \"item\": ");
                        json_put_string(&b, d->item);
                        buf_puts(&b, ", \"error\": ");
                        json_put_string(&b, d->error);
                        buf_printf(&b, ", \"created_at\": \"%s\"}",
                                   iso_format_utc(d->created_at, t));
                } else {
                        buf_printf(&b, "%8lld  %8lld  %-20s %-16s %-20s %s\n", (long long)d->id,
                                   (long long)d->instance_id, d->job, d->step,
                                   iso_format_utc(d->created_at, t), d->error ? d->error : "");
                }
        }
        if (json)
                buf_puts(&b, l.n ? "\n]\n" : "]\n");
        fwrite(b.data, 1, b.len, stdout);
        buf_release(&b);
        store_dead_letter_list_release(&l);
        store_close(s);
        return CLI_OK;
}

static int purge(int argc, char **argv)
{
        struct dopts o;
        int r = parse(&cli_dlq_cmds[1], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        if (!o.all && !o.job && !o.instance)
                return cli_usage_error("dlq", &cli_dlq_cmds[1],
                                       "say what to purge: --job, --instance or --all");
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct batch_err err;
        struct store_dead_letter_filter f = {.tenant = o.tenant, .job = o.job,
                                             .instance_id = o.instance, .limit = 10000};
        size_t purged = 0;
        int rc = store_begin(s, &err);
        while (rc == 0) {
                struct store_dead_letter_list l;
                if ((rc = store_dead_letter_list(s, &f, &l, &err)) < 0)
                        break;
                for (size_t i = 0; rc == 0 && i < l.n; i++)
                        rc = store_dead_letter_delete(s, l.items[i].id, &err);
                purged += l.n;
                size_t n = l.n;
                if (n)
                        f.after_id = l.items[n - 1].id;
                store_dead_letter_list_release(&l);
                if (n < f.limit)
                        break;
        }
        const char *user = getenv("USER");
        const char *actor = o.actor ? o.actor : (user && *user ? user : "batchctl");
        char detail[160];
        snprintf(detail, sizeof(detail), "%zu dead letters (job %s, instance %lld)", purged,
                 o.job ? o.job : "any", (long long)o.instance);
        if (rc == 0 &&
            (rc = store_audit_add(s, (int64_t)time(NULL), actor, "dlq-purge", o.tenant, detail,
                                  &err)) == 0)
                rc = store_commit(s, &err);
        if (rc < 0) {
                store_rollback(s);
                fprintf(stderr, "batchctl: %s; nothing was purged\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        printf("purged %zu dead letters\n", purged);
        store_close(s);
        return CLI_OK;
}
