/* main.c: batchctl, the batchd command-line client: dispatches `batchctl <noun> <verb>`
 * through the command tables of cli.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/output.h"
#include "cli/rcmd.h"
#include "core/lang.h"

static const struct cli_noun nouns[] = {
        {"cron", "work with cron expressions (offline)", cli_cron_cmds, NULL},
        {"validate", "check definition files: batchctl validate [--overlay PATH] PATH... (offline)", NULL,
         cli_validate},
        {"apply",
         "apply definition files to a repository, all or nothing: batchctl apply PATH... "
         "[--db DB] [--dry-run [--impact DAYS [--from ISO]] [-o json]] [--prune] [--actor NAME]"
         " (--impact: what the change does to the next DAYS' plan)",
         NULL, cli_apply},
        {"export", "write every definition of a repository, one file each: batchctl export DIR "
                   "[--db DB]",
         NULL, cli_export},
        {"diff", "what differs between a directory's definitions and a repository's, an "
                 "environment's overlay applied to both: batchctl diff DIR [--db DB] "
                 "[--overlay PATH] [-o json]",
         NULL, cli_diff},
        {"import",
         "job definitions from a crontab, Quartz's quartz_jobs.xml, Kubernetes CronJobs or "
         "Spring Batch's job repository (its history into --db), with a report of what did "
         "not translate (offline): batchctl import FORMAT FILE... [-d OUTDIR] [--tz ZONE] "
         "[--service URL] [--system] [--db DB]",
         NULL, cli_import},
        {"jobs", "job definitions (on the server, or in a repository with --db)", cli_jobs_cmds,
         NULL},
        {"submit",
         "create an instance of a job now; batchd runs it: batchctl submit NAME "
         "[-p KEY=VALUE]... [--db DB] [-o json]",
         NULL, cli_submit},
        {"instances", "job instances in a repository", cli_instances_cmds, NULL},
        {"instance", "one instance: inspect it, or ask batchd to act on it", cli_instance_cmds,
         NULL},
        {"dlq", "dead letters of SDK programs (items a step skipped, with their errors; list and "
                "purge on the server or with --db, retry with --db)",
         cli_dlq_cmds, NULL},
        {"alerts", "alerts batchd raised: list, get, explain why one was or was not delivered, "
                   "ack (in a repository with --db)",
         cli_alerts_cmds, NULL},
        {"tokens", "API tokens of the tenant (server only, admin role)", cli_tokens_cmds, NULL},
        {"nodes", "the batchd nodes sharing the repository: list, get, drain, undrain (on the "
                  "server, or in a repository with --db)",
         cli_nodes_cmds, cli_nodes},
        {"calendars", "calendar definitions (server only)", cli_calendars_cmds, NULL},
        {"settings", "the tenant's settings (server only)", cli_settings_cmds, NULL},
        {"deps",
         "the dependency graph of a day, parents before children, with each job's state "
         "(server only): batchctl deps --date YYYY-MM-DD [--group G] [-o table|wide|json|yaml]",
         NULL, cli_deps},
        {"metrics", "print the daemon's Prometheus metrics (server only): batchctl metrics", NULL,
         cli_metrics},
        {"health", "ask the daemon whether it and its repository answer (server only): "
                   "batchctl health",
         NULL, cli_health},
        {"openapi", "print the API's OpenAPI 3 document (server only): batchctl openapi", NULL,
         cli_openapi},
        {"db", "the repository file: backup while batchd runs, restore, vacuum (SQLite; for "
               "PostgreSQL they say which tool does it)",
         cli_db_cmds, NULL},
        {"report", "the daily inspection report and runs per day: batchctl report daily|runs "
                   "(server, or a repository with --db)", NULL, cli_report},
        {"plan",
         "forecast a period with the scheduler on a simulated clock: batchctl plan (--db DB | "
         "PATH...) --from ISO --to ISO [--outcome JOB[@DUE]=success|failed|minutes:N]... "
         "[--tenant T] [-o table|wide|json|yaml]",
         NULL, cli_plan},
        {"why",
         "why a job ran, waits or did not run at a due time, rule by rule, or what decides a "
         "live instance (server, --db DB or PATH...): batchctl why JOB [--at TIME | --instance "
         "ID] [--db DB | PATH...] [--tenant T] [-o table|wide|json|yaml]",
         NULL, cli_why},
        {NULL, NULL, NULL, NULL},
};

/* Prints noun n's summary and each of its verbs with usage and summary. */
static void print_noun(FILE *f, const struct cli_noun *n)
{
        fprintf(f, "%s: %s\n", n->name, n->summary);
        for (const struct cli_cmd *c = n->cmds; c && c->name; c++)
                fprintf(f, "  batchctl %s %s %s\n      %s\n", n->name, c->name, c->usage,
                        c->summary);
}

static void print_help(FILE *f)
{
        fprintf(f, "usage: batchctl <noun> <verb> [options]\n\n");
        for (const struct cli_noun *n = nouns; n->name; n++)
                print_noun(f, n);
        fprintf(f,
                "\nServer or repository (docs/cli.md):\n"
                "  --url URL, else $BATCHD_URL, else `url = URL` in $XDG_CONFIG_HOME/batchd/config\n"
                "  (default ~/.config/batchd/config) names batchd's API. When a URL is known and no\n"
                "  --db is given, jobs, submit, instances and instance work through the API;\n"
                "  --db DB (or $BATCHD_DB with no URL) works on the repository file directly.\n"
                "  The token: --token T, else $BATCHD_TOKEN, else `token = T` in the same file\n"
                "  (keep it chmod 600). With a server, also: jobs list [--group G] [--type T]\n"
                "  [--enabled true|false]; instances list [--mine]; -o json prints\n"
                "  the API's JSON.\n"
                "\nbatchctl --version prints the version. Exit status: 0 ok, 1 failure (also an\n"
                "error answer of the server, or a server that cannot be reached), 2 usage error.\n");
}

/* Takes the global --url/--token options out of argv (up to a "--"); returns the new
 * argc, or -1 after printing a usage error. */
static int take_global_flags(int argc, char **argv, const char **url, const char **token)
{
        int out = 1;
        bool rest = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char **dst = NULL;
                const char *val = NULL;
                if (!rest && !strcmp(a, "--")) {
                        rest = true;
                } else if (!rest && (!strcmp(a, "--url") || !strcmp(a, "--token"))) {
                        dst = a[2] == 'u' ? url : token;
                        if (i + 1 >= argc) {
                                fprintf(stderr, "batchctl: %s needs a value\n", a);
                                return -1;
                        }
                        val = argv[++i];
                } else if (!rest && !strncmp(a, "--url=", 6)) {
                        dst = url;
                        val = a + 6;
                } else if (!rest && !strncmp(a, "--token=", 8)) {
                        dst = token;
                        val = a + 8;
                }
                if (dst)
                        *dst = val;
                else
                        argv[out++] = argv[i];
        }
        argv[out] = NULL;
        return out;
}

/* Runs the remote form of `argv[1] argv[2]` when there is one; CLI_RUN_LOCAL when the
 * command has no remote form or was given --db. */
static int run_remote(int argc, char **argv)
{
        for (const struct cli_noun *n = cli_remote_nouns; n->name; n++) {
                if (strcmp(n->name, argv[1]))
                        continue;
                if (n->run)
                        return n->run(argc - 1, argv + 1);
                if (argc < 3)
                        return CLI_RUN_LOCAL;
                for (const struct cli_cmd *c = n->cmds; c->name; c++)
                        if (!strcmp(c->name, argv[2]))
                                return c->run(argc - 2, argv + 2);
        }
        return CLI_RUN_LOCAL;
}

/* True for a repository-only command that writes (apply, dlq retry) given no --db and
 * no BATCHD_DB: with a server configured, the default local file is almost certainly not
 * what the operator means. */
static bool writes_default_repo(int argc, char **argv)
{
        bool writes = !strcmp(argv[1], "apply") ||
                      (!strcmp(argv[1], "dlq") && argc > 2 && !strcmp(argv[2], "retry"));
        if (!writes || (getenv("BATCHD_DB") && *getenv("BATCHD_DB")))
                return false;
        for (int i = 2; i < argc; i++)
                if (!strcmp(argv[i], "--db") || !strncmp(argv[i], "--db=", 5))
                        return false;
        return true;
}

const char *cli_lang(void)
{
        static char lang[256];
        static bool done;
        if (!done) {
                lang_from_locale(getenv("LANGUAGE"), getenv("LC_ALL"), getenv("LC_MESSAGES"),
                                 getenv("LANG"), lang, sizeof(lang));
                done = true;
        }
        return lang;
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

static int dispatch(int argc, char **argv);

/* Command result r, or CLI_FAILURE with the reason on stderr when what the command
 * printed did not all reach stdout (a full disk, a closed pipe under SIGPIPE ignored):
 * an output that was cut short must not look like a complete one. */
static int finish_stdout(int r)
{
        int e = fflush(stdout) == EOF ? errno : 0;
        if ((!e && !ferror(stdout)) || r != CLI_OK) /* a failed command said why */
                return r;
        fprintf(stderr, "batchctl: writing the output failed%s%s; it is incomplete\n",
                e ? ": " : "", e ? strerror(e) : "");
        return CLI_FAILURE;
}

int main(int argc, char **argv)
{
        const char *url = NULL, *token = NULL;
        if ((argc = take_global_flags(argc, argv, &url, &token)) < 0)
                return CLI_USAGE;
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
        /* `batchctl NOUN --help` (and `-h`, `help`) for a noun with verbs: its verbs, exit 0,
         * whether or not a server is configured. */
        if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h") ||
                          !strcmp(argv[2], "help"))) {
                for (const struct cli_noun *n = nouns; n->name; n++)
                        if (!strcmp(n->name, argv[1]) && n->cmds) {
                                printf("usage: batchctl %s <verb> [options]\n\n", n->name);
                                print_noun(stdout, n);
                                printf("\nbatchctl %s <verb> --help shows one verb's options.\n",
                                       n->name);
                                return CLI_OK;
                        }
        }
        remote_configure(url, token);
        if (url && !*url)
                return cli_usage_error("", NULL, "--url needs a non-empty URL");
        return finish_stdout(out_run(argc, argv, dispatch));
}

/* Runs the command argv names, with a server when one is configured. */
static int dispatch(int argc, char **argv)
{
        if (remote_current()) {
                int r = run_remote(argc, argv);
                if (r != CLI_RUN_LOCAL)
                        return r;
                if (writes_default_repo(argc, argv))
                        return cli_usage_error("", NULL,
                                               "%s works on a repository, and a server is configured: "
                                               "give --db DB to say which (definitions go to the "
                                               "server one at a time with jobs create|replace, "
                                               "calendars put, settings put)",
                                               argv[1]);
        }
        for (const struct cli_noun *n = nouns; n->name; n++) {
                if (strcmp(n->name, argv[1]))
                        continue;
                if (n->run)
                        return n->run(argc - 1, argv + 1);
                if (argc < 3) {
                        cli_usage_error(n->name, NULL, "'%s' needs a verb (see batchctl %s --help)",
                                        n->name, n->name);
                        print_noun(stderr, n);
                        return CLI_USAGE;
                }
                for (const struct cli_cmd *c = n->cmds; c->name; c++)
                        if (!strcmp(c->name, argv[2]))
                                return c->run(argc - 2, argv + 2);
                return cli_usage_error(n->name, NULL,
                                       "unknown verb '%s %s' (see batchctl %s --help)", n->name,
                                       argv[2], n->name);
        }
        return cli_usage_error("", NULL, "unknown command '%s' (see batchctl --help)", argv[1]);
}
