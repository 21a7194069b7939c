/* cmd-dlq-remote.c: `batchctl dlq list|purge` against the server (GET
 * /api/v1/dead-letters, POST /api/v1/dead-letters/purge), printing what the local forms
 * (cmd-dlq.c) print. `dlq retry` writes a file for the job and stays local (--db). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rcmd.h"
#include "common/buf.h"

static int dlq_list(int argc, char **argv);
static int dlq_purge(int argc, char **argv);

const struct cli_cmd cli_remote_dlq_cmds[] = {
        {"list", "[--job NAME] [--instance ID] [--limit N] [-o table|wide|json|yaml]",
         "dead letters, oldest first", dlq_list},
        {"purge", "(--job NAME | --instance ID | --all)", "delete the selected dead letters, audited",
         dlq_purge},
        {NULL, NULL, NULL, NULL},
};

/* Parses a remote dlq verb: no operands, --instance a positive id. Returns 0, -1 after
 * --help, or an exit status (CLI_RUN_LOCAL with --db). */
static int parse(const struct cli_cmd *cmd, int argc, char **argv, const char *const *formats,
                 struct ropts *o)
{
        int r = ropts_parse("dlq", cmd, argc, argv, formats, o);
        if (r)
                return r;
        if (optind != argc)
                return cli_usage_error("dlq", cmd, "unexpected argument '%s'", argv[optind]);
        if (o->instance) {
                char *end;
                long long v = strtoll(o->instance, &end, 10);
                if (*end || end == o->instance || v <= 0)
                        return cli_usage_error("dlq", cmd, "--instance \"%s\" is not an instance id",
                                               o->instance);
        }
        return 0;
}

static int dlq_list(int argc, char **argv)
{
        static const char *const formats[] = {"table", "json", NULL};
        struct ropts o;
        int r = parse(&cli_remote_dlq_cmds[0], argc, argv, formats, &o);
        if (r)
                goto out;
        struct buf q;
        buf_init(&q, 0);
        if (o.job)
                remote_query_add(&q, "job", o.job);
        if (o.instance)
                remote_query_add(&q, "instance", o.instance);
        json_t *items, *next;
        r = rcmd_list_limit("/api/v1/dead-letters", q.data, o.limit, &items, &next);
        buf_release(&q);
        if (r)
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_list(items, next);
        } else {
                printf("%8s  %8s  %-20s %-16s %-20s %s\n", "ID", "INSTANCE", "JOB", "STEP", "AT",
                       "ERROR");
                size_t i;
                json_t *it;
                json_array_foreach(items, i, it)
                        printf("%8lld  %8lld  %-20s %-16s %-20s %s\n", rcmd_int(it, "id"),
                               rcmd_int(it, "instance"), remote_str(it, "job", ""),
                               remote_str(it, "step", ""), remote_str(it, "created_at", ""),
                               remote_str(it, "error", ""));
        }
        json_decref(items);
        json_decref(next);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int dlq_purge(int argc, char **argv)
{
        const struct cli_cmd *cmd = &cli_remote_dlq_cmds[1];
        struct ropts o;
        int r = parse(cmd, argc, argv, NULL, &o);
        if (r)
                goto out;
        if (!o.all && !o.job && !o.instance) {
                r = cli_usage_error("dlq", cmd, "say what to purge: --job, --instance or --all");
                goto out;
        }
        json_t *body = json_object();
        if (o.job)
                json_object_set_new(body, "job", json_string(o.job));
        if (o.instance)
                json_object_set_new(body, "instance", json_integer(atoll(o.instance)));
        if (o.all)
                json_object_set_new(body, "all", json_true());
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        struct remote_resp resp;
        r = text ? rcmd_call("POST", "/api/v1/dead-letters/purge", NULL, "application/json", text,
                             strlen(text), &resp)
                 : CLI_FAILURE;
        free(text);
        if (r)
                goto out;
        json_t *j = remote_json(&resp);
        remote_resp_release(&resp);
        if (!j) {
                r = CLI_FAILURE;
                goto out;
        }
        printf("purged %lld dead letters\n", rcmd_int(j, "purged"));
        json_decref(j);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}
