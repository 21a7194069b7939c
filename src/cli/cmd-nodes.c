/* cmd-nodes.c: `batchctl nodes [list] | get NAME | drain NAME | undrain NAME`: the batchd
 * nodes sharing the repository (docs/cli.md, "Nodes"), through the server's API, or on
 * the repository itself with --db (or without a server). Both print the same document:
 * the API's JSON. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/output.h"
#include "cli/rcmd.h"
#include "common/buf.h"
#include "core/labels.h"
#include "ops/instances.h"
#include "ops/nodes.h"
#include "store/store.h"

static int nodes_list(int argc, char **argv);
static int nodes_get(int argc, char **argv);
static int nodes_drain(int argc, char **argv);
static int nodes_undrain(int argc, char **argv);

const struct cli_cmd cli_nodes_cmds[] = {
        {"list", "[--db DB] [-o table|wide|json|yaml]",
         "the nodes: state, capacity, runs, labels, heartbeat age, lease, clock offset "
         "(also `batchctl nodes`)",
         nodes_list},
        {"get", "NAME [--db DB] [-o table|wide|json|yaml]", "one node", nodes_get},
        {"drain", "NAME [--db DB] [--actor NAME] [-o table|wide|json|yaml]",
         "the node finishes its runs and starts no new ones (admin, audited)", nodes_drain},
        {"undrain", "NAME [--db DB] [--actor NAME] [-o table|wide|json|yaml]",
         "the node starts runs again (admin, audited)", nodes_undrain},
        {NULL, NULL, NULL, NULL},
};

struct nopts {
        const char *db, *output, *actor, *name;
        enum out_fmt fmt;
};

/* Parses argv (argv[0] the verb). Returns 0, -1 after --help, or CLI_USAGE. */
static int parse(const struct cli_cmd *cmd, int argc, char **argv, struct nopts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},    {"output", required_argument, NULL, 'o'},
                {"actor", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:o:h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 'o': o->output = optarg; break;
                case 'a':
                        if (!strstr(cmd->usage, "--actor"))
                                return cli_usage_error("nodes", cmd, "'nodes %s' takes no --actor",
                                                       cmd->name);
                        o->actor = optarg;
                        break;
                case 'h': printf("usage: batchctl nodes %s %s\n", cmd->name, cmd->usage); return -1;
                default:
                        return cli_usage_error("nodes", cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        bool named = strncmp(cmd->usage, "NAME", 4) == 0;
        if (named) {
                if (optind >= argc)
                        return cli_usage_error("nodes", cmd, "'nodes %s' needs a node NAME",
                                               cmd->name);
                o->name = argv[optind++];
                if (!label_word_valid(o->name, strlen(o->name)))
                        return cli_usage_error("nodes", cmd,
                                               "\"%s\" is not a node name (1 to 63 letters, "
                                               "digits, '.', '_' or '-', beginning with a "
                                               "letter or digit)",
                                               o->name);
        }
        if (optind < argc)
                return cli_usage_error("nodes", cmd, "unexpected argument '%s'", argv[optind]);
        return out_parse(o->output, OUT_STD, &o->fmt);
}

static void nodes_table(const json_t *items, bool wide)
{
        if (wide)
                printf("%-20s %-9s %5s %5s %5s %9s %-5s %-30s %-20s %-20s %s\n", "NAME", "STATUS",
                       "SLOTS", "RUNS", "AGE", "OFFSET", "PLAN", "API", "LEASE-EXPIRES",
                       "STARTED", "LABELS");
        else
                printf("%-20s %-9s %5s %5s %5s %9s %-5s %s\n", "NAME", "STATUS", "SLOTS", "RUNS",
                       "AGE", "OFFSET", "PLAN", "LABELS");
        size_t i;
        const json_t *it;
        json_array_foreach(items, i, it) {
                struct buf labels;
                buf_init(&labels, 0);
                size_t j;
                const json_t *l;
                json_array_foreach(json_object_get(it, "labels"), j, l)
                        buf_printf(&labels, "%s%s", j ? "," : "", json_string_value(l));
                char age[32], off[32];
                snprintf(age, sizeof(age), "%llds", rcmd_int(it, "heartbeat_age_seconds"));
                snprintf(off, sizeof(off), "%+.3fs",
                         json_number_value(json_object_get(it, "clock_offset_seconds")));
                printf("%-20s %-9s %5lld %5lld %5s %9s %-5s ", remote_str(it, "name", "-"),
                       remote_str(it, "status", "-"), rcmd_int(it, "capacity"),
                       rcmd_int(it, "running"), age, off,
                       json_is_true(json_object_get(it, "may_plan")) ? "yes" : "no");
                if (wide)
                        printf("%-30s %-20s %-20s ", remote_str(it, "api_url", "-"),
                               remote_str(it, "lease_expires_at", "-"),
                               remote_str(it, "started_at", "-"));
                printf("%s\n", labels.len ? labels.data : "-");
                buf_release(&labels);
        }
}

/* The document of the verb, from the server. */
static int remote_doc(const char *verb, const char *name, json_t **ret)
{
        char path[160];
        struct remote_resp resp;
        int r;
        if (!name) {
                json_t *items, *next;
                if ((r = rcmd_list("/api/v1/nodes", NULL, 0, 0, &items, &next)))
                        return r;
                *ret = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
                return CLI_OK;
        }
        bool write = strcmp(verb, "get") != 0;
        snprintf(path, sizeof(path), "/api/v1/nodes/%s%s%s", name, write ? "/" : "",
                 write ? verb : "");
        if ((r = rcmd_call(write ? "POST" : "GET", path, NULL, NULL, NULL, 0, &resp)))
                return r;
        *ret = remote_json(&resp);
        remote_resp_release(&resp);
        if (!*ret) {
                fprintf(stderr, "batchctl: the server's answer is not JSON\n");
                return CLI_FAILURE;
        }
        return CLI_OK;
}

/* The same document, from the repository. */
static int local_doc(const struct nopts *o, const char *verb, json_t **ret)
{
        struct store *s;
        int r = cli_open_repo(o->db, &s);
        if (r)
                return r;
        struct batch_err err;
        int64_t now_us;
        struct buf b;
        buf_init(&b, 0);
        r = store_db_now_us(s, &now_us, &err);
        if (r == 0 && (!strcmp(verb, "drain") || !strcmp(verb, "undrain"))) {
                const char *user = getenv("USER");
                const char *actor = o->actor ? o->actor : (user && *user ? user : "batchctl");
                int64_t now;
                bool changed;
                r = ops_clock_now(s, &now, &err);
                if (r == 0)
                        r = ops_node_set_state(s, o->name, strcmp(verb, "drain") ? "active"
                                                                                 : "draining",
                                               actor, now, &changed, &err);
        }
        if (r == 0 && o->name) {
                struct store_node n;
                if ((r = store_node_get(s, o->name, &n, &err)) == 0) {
                        ops_put_node(&b, &n, now_us / 1000000);
                        store_node_release(&n);
                }
        } else if (r == 0) {
                struct store_node_list l;
                if ((r = store_node_list(s, &l, &err)) == 0) {
                        buf_puts(&b, "{\"items\": [");
                        for (size_t i = 0; i < l.n; i++) {
                                buf_puts(&b, i ? ", " : "");
                                ops_put_node(&b, &l.items[i], now_us / 1000000);
                        }
                        buf_puts(&b, "], \"next_cursor\": null}");
                        store_node_list_release(&l);
                }
        }
        store_close(s);
        if (r < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                buf_release(&b);
                return CLI_FAILURE;
        }
        *ret = out_parse_json(b.data);
        buf_release(&b);
        return *ret ? CLI_OK : CLI_FAILURE;
}

static int run(int which, int argc, char **argv)
{
        const struct cli_cmd *cmd = &cli_nodes_cmds[which];
        struct nopts o;
        int r = parse(cmd, argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        json_t *doc = NULL;
        r = remote_current() && !o.db ? remote_doc(cmd->name, o.name, &doc)
                                      : local_doc(&o, cmd->name, &doc);
        if (r)
                return r;
        if (!o.name)
                r = out_list(doc, o.fmt, nodes_table);
        else
                r = out_one(doc, o.fmt, nodes_table);
        json_decref(doc);
        return r;
}

static int nodes_list(int argc, char **argv)
{
        return run(0, argc, argv);
}

static int nodes_get(int argc, char **argv)
{
        return run(1, argc, argv);
}

static int nodes_drain(int argc, char **argv)
{
        return run(2, argc, argv);
}

static int nodes_undrain(int argc, char **argv)
{
        return run(3, argc, argv);
}

int cli_nodes(int argc, char **argv)
{
        /* `batchctl nodes` and `batchctl nodes -o json`: the list. */
        if (argc < 2 || argv[1][0] == '-')
                return nodes_list(argc, argv);
        for (const struct cli_cmd *c = cli_nodes_cmds; c->name; c++)
                if (!strcmp(c->name, argv[1]))
                        return c->run(argc - 1, argv + 1);
        return cli_usage_error("nodes", NULL, "unknown verb 'nodes %s' (see batchctl nodes --help)",
                               argv[1]);
}
