/* cmd-deps.c: `batchctl deps --date YYYY-MM-DD [--group G]`: the dependency view of a
 * day (GET /api/v1/deps) as an ASCII graph. Jobs come in dependency order, parents
 * before children; a job is indented two spaces per level (its longest chain of
 * parents), shows its state that day, and lists its parents as "<- parent (mode)". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rcmd.h"

static const struct cli_cmd deps_cmd = {
        "", "--date YYYY-MM-DD [--group G] [-o table|wide|json|yaml]",
        "the dependency graph of a day with each job's state (server only)", cli_deps};

/* The index of node `job` in `nodes`, or -1. */
static long node_index(json_t *nodes, const char *job)
{
        size_t i;
        json_t *n;
        json_array_foreach(nodes, i, n)
                if (!strcmp(remote_str(n, "job", ""), job))
                        return (long)i;
        return -1;
}

static const char *state_of(json_t *n)
{
        return remote_str(n, "state", "no instance");
}

/* Prints the graph of the answer `j`. */
static void print_graph(json_t *j)
{
        json_t *nodes = json_object_get(j, "nodes"), *edges = json_object_get(j, "edges");
        size_t nn = json_array_size(nodes), ne = json_array_size(edges);
        const char *tz = remote_str(j, "timezone", NULL);
        printf("dependencies on %s%s%s%s: %zu job%s, %zu edge%s\n", remote_str(j, "date", "?"),
               tz ? " (" : "", tz ? tz : "", tz ? ")" : "", nn, nn == 1 ? "" : "s", ne,
               ne == 1 ? "" : "s");
        long *from = calloc(ne + 1, sizeof(long)), *to = calloc(ne + 1, sizeof(long));
        int *level = calloc(nn + 1, sizeof(int)), *missing = calloc(nn + 1, sizeof(int));
        bool *done = calloc(nn + 1, sizeof(bool));
        if (!from || !to || !level || !missing || !done) {
                fprintf(stderr, "batchctl: out of memory\n");
                goto out;
        }
        for (size_t e = 0; e < ne; e++) {
                json_t *ed = json_array_get(edges, e);
                from[e] = node_index(nodes, remote_str(ed, "from", ""));
                to[e] = node_index(nodes, remote_str(ed, "to", ""));
                if (from[e] >= 0 && to[e] >= 0)
                        missing[to[e]]++;
        }
        /* Kahn's algorithm; among ready jobs, the first in the server's order. */
        for (size_t printed = 0; printed < nn; printed++) {
                long pick = -1;
                for (size_t i = 0; i < nn && pick < 0; i++)
                        if (!done[i] && !missing[i])
                                pick = (long)i;
                bool cycle = pick < 0;
                if (cycle) /* what is left waits on a cycle: show it anyway */
                        for (size_t i = 0; i < nn && pick < 0; i++)
                                if (!done[i])
                                        pick = (long)i;
                done[pick] = true;
                json_t *n = json_array_get(nodes, (size_t)pick);
                int ind = level[pick] * 2;
                printf("%*s%s  [%s]", ind, "", remote_str(n, "job", "?"), state_of(n));
                json_t *id = json_object_get(n, "instance_id");
                if (json_is_integer(id))
                        printf("  instance %lld", (long long)json_integer_value(id));
                const char *due = remote_str(n, "due", NULL);
                if (due)
                        printf(", due %s", due);
                const char *group = remote_str(n, "group", NULL);
                if (group && *group)
                        printf("  (group %s)", group);
                puts(cycle ? "  (in a dependency cycle)" : "");
                for (size_t e = 0; e < ne; e++) {
                        if (to[e] != pick)
                                continue;
                        json_t *ed = json_array_get(edges, e);
                        json_t *p = from[e] >= 0 ? json_array_get(nodes, (size_t)from[e]) : NULL;
                        printf("%*s  <- %s (%s%s%s)\n", ind, "", remote_str(ed, "from", "?"),
                               remote_str(ed, "mode", "?"), p ? ", now " : "",
                               p ? state_of(p) : "");
                }
                for (size_t e = 0; e < ne; e++) {
                        if (from[e] != pick || to[e] < 0 || done[to[e]])
                                continue;
                        missing[to[e]]--;
                        if (level[to[e]] < level[pick] + 1)
                                level[to[e]] = level[pick] + 1;
                }
        }
out:
        free(from);
        free(to);
        free(level);
        free(missing);
        free(done);
}

int cli_deps(int argc, char **argv)
{
        static const char *const formats[] = {"table", "json", NULL};
        struct ropts o;
        int r = ropts_parse("deps", &deps_cmd, argc, argv, formats, &o);
        if (r == CLI_RUN_LOCAL || (!r && !remote_current()))
                r = cli_needs_server("'deps'");
        if (r)
                goto out;
        if (optind != argc) {
                r = cli_usage_error("deps", &deps_cmd, "unexpected operand \"%s\"", argv[optind]);
                goto out;
        }
        if (!o.date) {
                r = cli_usage_error("deps", &deps_cmd, "--date YYYY-MM-DD is required");
                goto out;
        }
        struct buf q;
        buf_init(&q, 0);
        remote_query_add(&q, "date", o.date);
        if (o.group)
                remote_query_add(&q, "group", o.group);
        struct remote_resp resp;
        r = rcmd_call("GET", "/api/v1/deps", q.data, NULL, NULL, 0, &resp);
        buf_release(&q);
        if (r)
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_body(&resp);
        } else {
                json_t *j = remote_json(&resp);
                if (j)
                        print_graph(j);
                else
                        r = CLI_FAILURE;
                json_decref(j);
        }
        remote_resp_release(&resp);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}
