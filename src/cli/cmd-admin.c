/* cmd-admin.c: the definition commands that only a server does (remote mode):
 * `jobs create|replace|delete|enable|disable`, `calendars list|get|put|delete`,
 * `settings get|put` and `metrics`. Definition files are sent as they are
 * (application/yaml, or application/json for a file that holds a JSON object); the
 * server validates them and answers 422 with one error per problem. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "cli/rcmd.h"

/* Parses a remote-only verb; any --db, or no server, makes it a "needs a server" error.
 * Returns 0, -1 after --help, or the exit status to return. */
static int parse_remote_only(const char *noun, const struct cli_cmd *cmd, int argc, char **argv,
                             const char *const *formats, int operands, struct ropts *o)
{
        int r = ropts_parse(noun, cmd, argc, argv, formats, o);
        if (r == -1)
                return -1;
        if (r == CLI_RUN_LOCAL || (!r && !remote_current())) {
                char what[96];
                snprintf(what, sizeof(what), "'%s%s%s'", noun, cmd->name[0] ? " " : "", cmd->name);
                return cli_needs_server(what);
        }
        if (r)
                return r;
        if (argc - optind != operands)
                return cli_usage_error(noun, cmd, "%s", operands == 0 ? "unexpected operand"
                                                        : "wrong number of operands");
        return 0;
}

/* Content type of a definition file's text. */
static const char *ctype_of(const struct buf *text)
{
        size_t i = 0;
        while (i < text->len && strchr(" \t\r\n", text->data[i]))
                i++;
        return i < text->len && text->data[i] == '{' ? "application/json" : "application/yaml";
}

/* Sends FILE with `method` to `path`; prints "<done> <what> NAME" with the name the
 * server answered (or `name`), or the answer with -o json. */
static int send_file(const char *method, const char *path, const char *file, const char *what,
                     const char *name, const struct ropts *o)
{
        struct buf text;
        buf_init(&text, 0);
        int r = remote_read_file(file, &text);
        if (r) {
                buf_release(&text);
                return r;
        }
        struct remote_resp resp;
        r = rcmd_call(method, path, NULL, ctype_of(&text), text.data ? text.data : "", text.len,
                      &resp);
        buf_release(&text);
        if (r)
                return r;
        if (ropts_json(o) && resp.body.len) {
                rcmd_print_body(&resp);
        } else {
                json_error_t jerr;
                json_t *j = resp.body.len ? json_loadb(resp.body.data, resp.body.len, 0, &jerr)
                                          : NULL;
                const char *n = remote_str(j, "name", name);
                long long v = rcmd_int(j, "version");
                printf("%s %s %s", resp.status == 201 ? "created" : "replaced", what,
                       n ? n : "");
                if (v)
                        printf(" (version %lld)", v);
                putchar('\n');
                json_decref(j);
        }
        remote_resp_release(&resp);
        return CLI_OK;
}

static void name_path(struct buf *p, const char *coll, const char *name, const char *suffix)
{
        buf_init(p, 0);
        buf_printf(p, "/api/v1/%s/", coll);
        remote_path_escape(p, name);
        if (suffix)
                buf_puts(p, suffix);
}

/* Sends a request without a body; prints `done` or the answer with -o json. */
static int simple(const char *method, const char *path, const char *done, const struct ropts *o)
{
        struct remote_resp resp;
        int r = rcmd_call(method, path, NULL, NULL, NULL, 0, &resp);
        if (r)
                return r;
        if (ropts_json(o) && resp.body.len)
                rcmd_print_body(&resp);
        else
                puts(done);
        remote_resp_release(&resp);
        return CLI_OK;
}

/* ---- jobs create | replace | delete | enable | disable ---------------------------------------- */

static const char *const json_only[] = {"json", NULL};

static const struct cli_cmd jobs_admin_cmds[] = {
        {"create", "FILE [-o json]", "create a job from a definition file (YAML or JSON; server only)",
         cli_jobs_create},
        {"replace", "NAME FILE [-o json]", "replace (or create) job NAME from a definition file "
                                           "(server only)", cli_jobs_replace},
        {"delete", "NAME", "delete a job (server only)", cli_jobs_delete},
        {"enable", "NAME [-o json]", "enable a job (server only)", cli_jobs_enable},
        {"disable", "NAME [-o json]", "disable a job: no new instances (server only)",
         cli_jobs_disable},
        {NULL, NULL, NULL, NULL},
};

int cli_jobs_create(int argc, char **argv)
{
        struct ropts o;
        int r = parse_remote_only("jobs", &jobs_admin_cmds[0], argc, argv, json_only, 1, &o);
        if (!r)
                r = send_file("POST", "/api/v1/jobs", argv[optind], "job", NULL, &o);
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

int cli_jobs_replace(int argc, char **argv)
{
        struct ropts o;
        int r = parse_remote_only("jobs", &jobs_admin_cmds[1], argc, argv, json_only, 2, &o);
        if (!r) {
                struct buf p;
                name_path(&p, "jobs", argv[optind], NULL);
                r = send_file("PUT", p.data, argv[optind + 1], "job", argv[optind], &o);
                buf_release(&p);
        }
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int job_action(int argc, char **argv, int which, const char *method, const char *suffix,
                      const char *done)
{
        struct ropts o;
        int r = parse_remote_only("jobs", &jobs_admin_cmds[which], argc, argv, json_only, 1, &o);
        if (!r) {
                struct buf p;
                name_path(&p, "jobs", argv[optind], suffix);
                char msg[512];
                snprintf(msg, sizeof(msg), "%s job %s", done, argv[optind]);
                r = simple(method, p.data, msg, &o);
                buf_release(&p);
        }
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

int cli_jobs_delete(int argc, char **argv)
{
        return job_action(argc, argv, 2, "DELETE", NULL, "deleted");
}

int cli_jobs_enable(int argc, char **argv)
{
        return job_action(argc, argv, 3, "POST", "/enable", "enabled");
}

int cli_jobs_disable(int argc, char **argv)
{
        return job_action(argc, argv, 4, "POST", "/disable", "disabled");
}

/* ---- calendars ----------------------------------------------------------------------------- */

static int cal_list(int argc, char **argv);
static int cal_get(int argc, char **argv);
static int cal_put(int argc, char **argv);
static int cal_delete(int argc, char **argv);

const struct cli_cmd cli_calendars_cmds[] = {
        {"list", "[-o table|wide|json|yaml]", "list the calendars (server only)", cal_list},
        {"get", "NAME [-o yaml|json|table|wide]", "print a calendar's definition (server only)", cal_get},
        {"put", "NAME FILE [-o json]", "create or replace a calendar from a file (server only)",
         cal_put},
        {"delete", "NAME", "delete a calendar (server only)", cal_delete},
        {NULL, NULL, NULL, NULL},
};

static int cal_list(int argc, char **argv)
{
        static const char *const formats[] = {"table", "wide", "json", NULL};
        struct ropts o;
        int r = parse_remote_only("calendars", &cli_calendars_cmds[0], argc, argv, formats, 0, &o);
        json_t *items, *next;
        if (r || (r = rcmd_list("/api/v1/calendars", NULL, 0, 0, &items, &next)))
                goto out;
        enum out_fmt f = OUT_TABLE;
        out_parse(o.output, OUT_STD, &f);
        json_t *doc = json_pack("{sOsO}", "items", items, "next_cursor", next);
        r = out_list(doc, f, out_defs_table);
        json_decref(doc);
        json_decref(items);
        json_decref(next);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

/* GET `path`: prints its "spec" text (yaml, the default) or the answer (-o json). */
static int get_spec(const char *path, const struct ropts *o)
{
        struct remote_resp resp;
        int r = rcmd_call("GET", path, NULL, NULL, NULL, 0, &resp);
        if (r)
                return r;
        enum out_fmt f = OUT_YAML;
        if (o->output)
                out_parse(o->output, OUT_STD, &f);
        if (f == OUT_TABLE || f == OUT_WIDE) {
                json_t *one = remote_json(&resp);
                remote_resp_release(&resp);
                if (!one)
                        return CLI_FAILURE;
                out_one(one, f, out_defs_table);
                json_decref(one);
                return CLI_OK;
        }
        json_t *j = ropts_json(o) ? NULL : remote_json(&resp);
        const char *spec = remote_str(j, "spec", NULL);
        if (spec)
                fputs(spec, stdout);
        else
                rcmd_print_body(&resp);
        json_decref(j);
        remote_resp_release(&resp);
        return CLI_OK;
}

static int cal_get(int argc, char **argv)
{
        static const char *const formats[] = {"table", "wide", "yaml", "json", NULL};
        struct ropts o;
        int r = parse_remote_only("calendars", &cli_calendars_cmds[1], argc, argv, formats, 1, &o);
        if (!r) {
                struct buf p;
                name_path(&p, "calendars", argv[optind], NULL);
                r = get_spec(p.data, &o);
                buf_release(&p);
        }
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int cal_put(int argc, char **argv)
{
        struct ropts o;
        int r = parse_remote_only("calendars", &cli_calendars_cmds[2], argc, argv, json_only, 2, &o);
        if (!r) {
                struct buf p;
                name_path(&p, "calendars", argv[optind], NULL);
                r = send_file("PUT", p.data, argv[optind + 1], "calendar", argv[optind], &o);
                buf_release(&p);
        }
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int cal_delete(int argc, char **argv)
{
        struct ropts o;
        int r = parse_remote_only("calendars", &cli_calendars_cmds[3], argc, argv, json_only, 1, &o);
        if (!r) {
                struct buf p;
                name_path(&p, "calendars", argv[optind], NULL);
                char msg[512];
                snprintf(msg, sizeof(msg), "deleted calendar %s", argv[optind]);
                r = simple("DELETE", p.data, msg, &o);
                buf_release(&p);
        }
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

/* ---- settings ------------------------------------------------------------------------------ */

static int settings_get(int argc, char **argv);
static int settings_put(int argc, char **argv);

const struct cli_cmd cli_settings_cmds[] = {
        {"get", "[-o yaml|json|table|wide]", "print the tenant's settings (server only)", settings_get},
        {"put", "FILE [-o json]", "replace the tenant's settings from a file (server only)",
         settings_put},
        {NULL, NULL, NULL, NULL},
};

static int settings_get(int argc, char **argv)
{
        static const char *const formats[] = {"table", "wide", "yaml", "json", NULL};
        struct ropts o;
        int r = parse_remote_only("settings", &cli_settings_cmds[0], argc, argv, formats, 0, &o);
        if (!r)
                r = get_spec("/api/v1/settings", &o);
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int settings_put(int argc, char **argv)
{
        struct ropts o;
        int r = parse_remote_only("settings", &cli_settings_cmds[1], argc, argv, json_only, 1, &o);
        if (!r)
                r = send_file("PUT", "/api/v1/settings", argv[optind], "settings", "", &o);
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

/* ---- metrics, health, openapi ---------------------------------------------------------- */

/* GETs `path` and prints the answer as it came (remote only). */
static int get_print(const char *noun, const struct cli_cmd *cmd, int argc, char **argv,
                     const char *path)
{
        struct ropts o;
        int r = parse_remote_only(noun, cmd, argc, argv, NULL, 0, &o);
        struct remote_resp resp;
        if (!r && !(r = rcmd_call("GET", path, NULL, NULL, NULL, 0, &resp))) {
                fwrite(resp.body.data, 1, resp.body.len, stdout);
                remote_resp_release(&resp);
        }
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static const struct cli_cmd metrics_cmd = {"", "", "print the daemon's metrics (server only)",
                                           cli_metrics};
static const struct cli_cmd health_cmd = {"", "", "ask the daemon whether it is well (server only)",
                                          cli_health};
static const struct cli_cmd openapi_cmd = {"", "", "print the API's OpenAPI document (server only)",
                                           cli_openapi};

int cli_metrics(int argc, char **argv)
{
        return get_print("metrics", &metrics_cmd, argc, argv, "/metrics");
}

int cli_health(int argc, char **argv)
{
        return get_print("health", &health_cmd, argc, argv, "/healthz");
}

int cli_openapi(int argc, char **argv)
{
        return get_print("openapi", &openapi_cmd, argc, argv, "/api/v1/openapi.json");
}
