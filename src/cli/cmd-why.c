/* cmd-why.c: `batchctl why JOB [--at TIME | --instance ID] [--db DB | PATH...] [--tenant T]
 * [-o table|wide|json|yaml]` (issue 24, docs/why.md): the chain of rules that decided, or
 * will decide, what happens to the job's instance at a due time, from the server
 * (GET /api/v1/jobs/JOB/why), a repository (--db) or definition files. Both modes print
 * the same table, rendered from the same JSON document. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli/output.h"
#include "cli/rcmd.h"
#include "common/buf.h"
#include "defs/defs.h"
#include "ops/instances.h"
#include "ops/why.h"
#include "store/store.h"

#define WHY_USAGE                                                                                 \
        "why JOB [--at TIME | --instance ID] [--db DB | PATH...] [--tenant T] "                  \
        "[-o table|wide|json|yaml]\n"                                                             \
        "  TIME: ISO 8601 on the tenant's scheduling clock (default: now); without an offset\n" \
        "  it is read in the tenant's zone"

/* A usage error: the message (printf's rules), then this command's usage; CLI_USAGE. */
#define usage_error(...)                                                                   \
        (cli_usage_error("", NULL, __VA_ARGS__), fputs("usage: batchctl " WHY_USAGE "\n", \
                                                        stderr),                             \
         CLI_USAGE)

struct why_opts {
        const char *db, *at, *instance, *tenant, *output;
        int64_t instance_id;
};

static int parse(int argc, char **argv, struct why_opts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},       {"at", required_argument, NULL, 'a'},
                {"instance", required_argument, NULL, 'i'}, {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'},   {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:t:o:h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 'a': o->at = optarg; break;
                case 'i': o->instance = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'h': printf("usage: batchctl " WHY_USAGE "\n"); return -1;
                default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
                }
        }
        if (o->at && o->instance)
                return usage_error("%s", "give --at or --instance, not both");
        if (o->instance) {
                char *end;
                errno = 0;
                long long v = strtoll(o->instance, &end, 10);
                if (errno || end == o->instance || *end || v <= 0)
                        return usage_error("--instance: \"%s\" is not an instance id (a positive "
                                           "integer)",
                                           o->instance);
                o->instance_id = v;
        }
        if (!out_known(o->output, (1u << OUT_TABLE) | (1u << OUT_WIDE) | (1u << OUT_JSON)))
                return usage_error("-o: \"%s\" is not table, wide or json", o->output);
        return 0;
}

static const char *str(const json_t *o, const char *key)
{
        return remote_str(o, key, "-");
}

/* Prints the document as the table (both modes). */
static void print_table(const json_t *doc, bool wide)
{
        printf("why %s", str(doc, "job"));
        const json_t *inst = json_object_get(doc, "instance");
        if (json_is_integer(inst))
                printf(" instance %lld", (long long)json_integer_value(inst));
        else
                printf(" at %s", str(doc, "at"));
        const json_t *due = json_object_get(doc, "due");
        if (json_is_string(due))
                printf(": due %s", json_string_value(due));
        const json_t *sim = json_object_get(doc, "simulated");
        if (json_is_object(sim))
                printf(" (%s from %s to %s)", str(doc, "basis"), str(sim, "from"), str(sim, "to"));
        putchar('\n');
        const json_t *o = json_object_get(doc, "outcome");
        if (json_is_object(o)) {
                const json_t *reason = json_object_get(o, "reason");
                printf("outcome: %s, started %s, ended %s%s%s\n", str(o, "state_name"),
                       str(o, "start"), str(o, "end"), json_is_string(reason) ? ": " : "",
                       json_is_string(reason) ? json_string_value(reason) : "");
        }
        const json_t *steps = json_object_get(doc, "steps");
        printf("%-25s  %-20s %-4s %-7s ", "AT", "RULE", "SEC", "VERDICT");
        if (wide)
                printf("%-15s ", "STATE");
        printf("WHAT IT SAW\n");
        size_t i;
        const json_t *s;
        json_array_foreach(steps, i, s)
        {
                printf("%-25s  %-20s %-4s %-7s ", str(s, "at"), str(s, "rule"), str(s, "section"),
                       str(s, "verdict"));
                if (wide)
                        printf("%-15s ", str(s, "state_name"));
                printf("%s\n", str(s, "text"));
        }
}

static int print_doc(const char *text, const struct why_opts *o)
{
        enum out_fmt f;
        if (out_parse(o->output, (1u << OUT_TABLE) | (1u << OUT_WIDE) | (1u << OUT_JSON), &f))
                return CLI_USAGE;
        json_t *doc = out_parse_json(text);
        if (!doc)
                return CLI_FAILURE;
        if (f == OUT_JSON)
                out_json(doc);
        else
                print_table(doc, f == OUT_WIDE);
        json_decref(doc);
        return CLI_OK;
}

static int run_remote(const char *job, const struct why_opts *o)
{
        if (o->tenant)
                fprintf(stderr, "batchctl: --tenant is ignored with a server (the token names "
                                "the tenant)\n");
        struct buf path, q;
        buf_init(&path, 0);
        buf_init(&q, 0);
        buf_puts(&path, "/api/v1/jobs/");
        remote_path_escape(&path, job);
        buf_puts(&path, "/why");
        if (o->at)
                remote_query_add(&q, "at", o->at);
        if (o->instance)
                remote_query_add(&q, "instance", o->instance);
        struct remote_resp resp;
        int r = rcmd_call("GET", path.data, q.len ? q.data : NULL, NULL, NULL, 0, &resp);
        buf_release(&path);
        buf_release(&q);
        if (r)
                return r;
        r = print_doc(resp.body.data, o);
        remote_resp_release(&resp);
        return r;
}

int cli_why(int argc, char **argv)
{
        struct why_opts o = {0};
        int r = parse(argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        /* getopt_long moved the operands after the options: JOB, then PATHs. */
        char **ops = argv + optind;
        int nops = argc - optind;
        if (nops < 1)
                return usage_error("%s", "why needs a JOB");
        const char *job = ops[0];
        bool files = nops > 1;
        if (files && o.db)
                return usage_error("%s", "give either --db DB or definition PATHs, not both");
        if (!files && !o.db && remote_current())
                return run_remote(job, &o);
        struct ops_why_query q = {.tenant = o.tenant, .job = job, .at = o.at,
                                  .instance = o.instance_id, .now_real = (int64_t)time(NULL)};
        struct buf out;
        buf_init(&out, 0);
        struct batch_err err = {0};
        int rc;
        if (files) {
                struct defset set = {0};
                if ((r = cli_load_defs(ops + 1, (size_t)(nops - 1), &set))) {
                        defset_release(&set);
                        buf_release(&out);
                        return r;
                }
                rc = ops_why_defs(&set, &q, &out, &err);
                defset_release(&set);
        } else {
                struct store *s;
                if ((r = cli_open_repo(o.db, &s))) {
                        buf_release(&out);
                        return r;
                }
                /* batchd's clock, when one is published (a virtual clock), else real time */
                rc = ops_clock_now(s, &q.now_real, &err);
                if (rc == 0)
                        rc = ops_why_repo(s, &q, &out, &err);
                store_close(s);
        }
        if (rc < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                r = rc == BATCH_ESYNTAX || rc == BATCH_ERANGE || rc == BATCH_EINVAL ? CLI_USAGE
                                                                                    : CLI_FAILURE;
        } else {
                buf_add(&out, "", 1);
                r = print_doc(out.data, &o);
        }
        buf_release(&out);
        return r;
}
