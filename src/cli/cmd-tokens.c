/* cmd-tokens.c: `batchctl tokens list|create|revoke`, the API tokens of the caller's
 * tenant (admin role; server only). A new token's secret is printed once, on the first
 * line of stdout, and never again. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rcmd.h"

static int tokens_list(int argc, char **argv);
static int tokens_create(int argc, char **argv);
static int tokens_revoke(int argc, char **argv);

const struct cli_cmd cli_tokens_cmds[] = {
        {"list", "[-o table|wide|json|yaml]", "list the API tokens of the tenant (server only, admin)",
         tokens_list},
        {"create", "--name N --role viewer|operator|admin [--expires-days D] [-o json]",
         "create a token; prints its secret once (server only, admin)", tokens_create},
        {"revoke", "NAME-or-ID", "revoke a token (server only, admin)", tokens_revoke},
        {NULL, NULL, NULL, NULL},
};

/* As cmd-admin.c: a remote-only verb. Returns 0, -1 after --help, or an exit status. */
static int parse_tokens(const struct cli_cmd *cmd, int argc, char **argv,
                        const char *const *formats, int operands, struct ropts *o)
{
        int r = ropts_parse("tokens", cmd, argc, argv, formats, o);
        if (r == CLI_RUN_LOCAL || (!r && !remote_current())) {
                char what[64];
                snprintf(what, sizeof(what), "'tokens %s'", cmd->name);
                return cli_needs_server(what);
        }
        if (r)
                return r;
        if (argc - optind != operands)
                return cli_usage_error("tokens", cmd, "%s", operands ? "a token NAME or ID is needed"
                                                                     : "unexpected operand");
        return 0;
}

static int tokens_list(int argc, char **argv)
{
        static const char *const formats[] = {"table", "json", NULL};
        struct ropts o;
        json_t *items, *next;
        int r = parse_tokens(&cli_tokens_cmds[0], argc, argv, formats, 0, &o);
        if (r || (r = rcmd_list("/api/v1/tokens", NULL, 0, 0, &items, &next)))
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_list(items, next);
        } else {
                printf("%6s  %-24s %-9s %-20s %-20s %s\n", "ID", "NAME", "ROLE", "CREATED",
                       "EXPIRES", "REVOKED");
                size_t i;
                json_t *it;
                json_array_foreach(items, i, it)
                        printf("%6lld  %-24s %-9s %-20s %-20s %s\n", rcmd_int(it, "id"),
                               remote_str(it, "name", ""), remote_str(it, "role", ""),
                               remote_str(it, "created_at", ""),
                               remote_str(it, "expires_at", "never"),
                               json_is_true(json_object_get(it, "revoked")) ? "yes" : "no");
        }
        json_decref(items);
        json_decref(next);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int tokens_create(int argc, char **argv)
{
        const struct cli_cmd *cmd = &cli_tokens_cmds[1];
        struct ropts o;
        int r = parse_tokens(cmd, argc, argv, (const char *const[]){"json", NULL}, 0, &o);
        if (r)
                goto out;
        if (!o.name || !*o.name) {
                r = cli_usage_error("tokens", cmd, "--name is required");
                goto out;
        }
        if (!o.role || (strcmp(o.role, "viewer") && strcmp(o.role, "operator") &&
                        strcmp(o.role, "admin"))) {
                r = cli_usage_error("tokens", cmd, "--role must be viewer, operator or admin");
                goto out;
        }
        json_t *b = json_pack("{s:s, s:s}", "name", o.name, "role", o.role);
        if (o.expires_days)
                json_object_set_new(b, "expires_days", json_integer(o.expires_days));
        char *body = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        struct remote_resp resp;
        r = rcmd_call("POST", "/api/v1/tokens", NULL, "application/json", body, strlen(body),
                      &resp);
        free(body);
        if (r)
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_body(&resp);
        } else {
                json_t *j = remote_json(&resp);
                const char *secret = remote_str(j, "secret", NULL);
                if (secret) {
                        printf("%s\n", secret);
                        fprintf(stderr, "batchctl: created token %lld (%s, %s); its secret above "
                                        "is shown only now\n",
                                rcmd_int(j, "id"), o.name, o.role);
                } else {
                        fprintf(stderr, "batchctl: the server's answer has no secret\n");
                        r = CLI_FAILURE;
                }
                json_decref(j);
        }
        /* The answer held the secret. */
        if (resp.body.data)
                memset(resp.body.data, 0, resp.body.len);
        remote_resp_release(&resp);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static bool all_digits(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static int tokens_revoke(int argc, char **argv)
{
        const struct cli_cmd *cmd = &cli_tokens_cmds[2];
        struct ropts o;
        int r = parse_tokens(cmd, argc, argv, NULL, 1, &o);
        if (r)
                goto out;
        const char *what = argv[optind];
        long long id = 0;
        if (all_digits(what)) {
                id = strtoll(what, NULL, 10);
        } else {
                /* By name: the one token of that name that is not revoked yet. */
                json_t *items, *next;
                if ((r = rcmd_list("/api/v1/tokens", NULL, 0, 0, &items, &next)))
                        goto out;
                int found = 0;
                size_t i;
                json_t *it;
                json_array_foreach(items, i, it)
                        if (!strcmp(remote_str(it, "name", ""), what) &&
                            !json_is_true(json_object_get(it, "revoked"))) {
                                id = rcmd_int(it, "id");
                                found++;
                        }
                json_decref(items);
                json_decref(next);
                if (found != 1) {
                        if (found)
                                fprintf(stderr, "batchctl: %d tokens are named \"%s\"; give the "
                                                "ID (batchctl tokens list)\n",
                                        found, what);
                        else
                                fprintf(stderr, "batchctl: no token named \"%s\" that is not "
                                                "revoked\n",
                                        what);
                        r = CLI_FAILURE;
                        goto out;
                }
        }
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/tokens/%lld", id);
        struct remote_resp resp;
        if ((r = rcmd_call("DELETE", path, NULL, NULL, NULL, 0, &resp)))
                goto out;
        remote_resp_release(&resp);
        printf("revoked token %lld%s%s%s\n", id, all_digits(what) ? "" : " (", all_digits(what) ? "" : what,
               all_digits(what) ? "" : ")");
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}
