/* main.c: batchctl, the batchd command-line client: dispatches `batchctl <noun> <verb>`
 * through the command tables of cli.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_noun nouns[] = {
        {"cron", "work with cron expressions (offline)", cli_cron_cmds, NULL},
        {"validate", "check definition files: batchctl validate PATH... (offline)", NULL,
         cli_validate},
        {"apply",
         "apply definition files to a repository, all or nothing: batchctl apply PATH... "
         "[--db DB] [--dry-run] [--prune] [--actor NAME]",
         NULL, cli_apply},
        {"export", "write every definition of a repository, one file each: batchctl export DIR "
                   "[--db DB]",
         NULL, cli_export},
        {"jobs", "job definitions in a repository (--db, or BATCHD_DB)", cli_jobs_cmds, NULL},
        {"submit",
         "create an instance of a job now; batchd runs it: batchctl submit NAME "
         "[-p KEY=VALUE]... [--db DB] [-o json]",
         NULL, cli_submit},
        {"instances", "job instances in a repository", cli_instances_cmds, NULL},
        {"instance", "one instance: inspect it, or ask batchd to act on it", cli_instance_cmds,
         NULL},
        {"dlq", "dead letters of SDK programs (items a step skipped, with their errors)",
         cli_dlq_cmds, NULL},
        {"plan",
         "forecast a period with the scheduler on a simulated clock: batchctl plan (--db DB | "
         "PATH...) --from ISO --to ISO [--outcome JOB[@DUE]=success|failed|minutes:N]... "
         "[--tenant T] [-o json|table]",
         NULL, cli_plan},
        {NULL, NULL, NULL, NULL},
};

static void print_help(FILE *f)
{
        fprintf(f, "usage: batchctl <noun> <verb> [options]\n\n");
        for (const struct cli_noun *n = nouns; n->name; n++) {
                fprintf(f, "%s: %s\n", n->name, n->summary);
                for (const struct cli_cmd *c = n->cmds; c && c->name; c++)
                        fprintf(f, "  batchctl %s %s %s\n      %s\n", n->name, c->name, c->usage,
                                c->summary);
        }
        fprintf(f, "\nbatchctl --version prints the version. Exit status: 0 ok, 1 failure, "
                   "2 usage error.\n");
}

int cli_usage_error(const char *noun, const struct cli_cmd *cmd, const char *fmt, ...)
{
        va_list ap;
        fputs("batchctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        if (cmd)
                fprintf(stderr, "usage: batchctl %s %s %s\n", noun, cmd->name, cmd->usage);
        return CLI_USAGE;
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                print_help(stderr);
                return CLI_USAGE;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                print_help(stdout);
                return CLI_OK;
        }
        if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
                printf("batchctl %s\n", BATCH_VERSION);
                return CLI_OK;
        }
        for (const struct cli_noun *n = nouns; n->name; n++) {
                if (strcmp(n->name, argv[1]))
                        continue;
                if (n->run)
                        return n->run(argc - 1, argv + 1);
                if (argc < 3)
                        return cli_usage_error(n->name, NULL, "'%s' needs a verb (see batchctl --help)",
                                               n->name);
                for (const struct cli_cmd *c = n->cmds; c->name; c++)
                        if (!strcmp(c->name, argv[2]))
                                return c->run(argc - 2, argv + 2);
                return cli_usage_error(n->name, NULL, "unknown verb '%s %s' (see batchctl --help)",
                                       n->name, argv[2]);
        }
        return cli_usage_error("", NULL, "unknown command '%s' (see batchctl --help)", argv[1]);
}
