/* cmd-remote.c: the repository commands of batchctl as clients of the REST API:
 * `jobs list|get|history`, `submit`, `instances list`, `instance get|stop|rerun|
 * mark-success|log`. Their table output is the same as the local commands' (cmd-defs.c,
 * cmd-instances.c); `-o json` prints the API's JSON. Also the shared option parser and
 * request helpers of rcmd.h, and the remote noun table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/output.h"
#include "cli/rcmd.h"
#include "core/lifecycle.h"

/* ---- shared ---------------------------------------------------------------------------- */

static int positive(const char *noun, const struct cli_cmd *cmd, const char *flag,
                    const char *text, long max, int *ret)
{
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (errno || *end || !*text || v < 1 || v > max)
                return cli_usage_error(noun, cmd, "%s \"%s\" must be 1 to %ld", flag, text, max);
        *ret = (int)v;
        return 0;
}

int ropts_parse(const char *noun, const struct cli_cmd *cmd, int argc, char **argv,
                const char *const *formats, struct ropts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},      {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'},  {"job", required_argument, NULL, 'j'},
                {"status", required_argument, NULL, 's'},  {"from", required_argument, NULL, 'A'},
                {"to", required_argument, NULL, 'u'},      {"reason", required_argument, NULL, 'r'},
                {"actor", required_argument, NULL, 'a'},   {"param", required_argument, NULL, 'p'},
                {"follow", no_argument, NULL, 'f'},        {"limit", required_argument, NULL, 'l'},
                {"group", required_argument, NULL, 'g'},   {"type", required_argument, NULL, 'T'},
                {"enabled", required_argument, NULL, 'e'}, {"has-failure", no_argument, NULL, 'H'},
                {"mine", no_argument, NULL, 'm'},          {"name", required_argument, NULL, 'n'},
                {"role", required_argument, NULL, 'R'},    {"expires-days", required_argument, NULL, 'x'},
                {"date", required_argument, NULL, 'D'},    {"instance", required_argument, NULL, 'I'},
                {"all", no_argument, NULL, 'Z'},           {"help", no_argument, NULL, 'h'},
                {"failed", no_argument, NULL, 'F'},        {"kind", required_argument, NULL, 'K'},
                {"severity", required_argument, NULL, 'S'},
                {"unacknowledged", no_argument, NULL, 'U'}, {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        optind = 0;
        opterr = 0;
        int ch, r;
        while ((ch = getopt_long(argc, argv, "d:t:o:p:fh", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'j': o->job = optarg; break;
                case 's': o->status = optarg; break;
                case 'A': o->from = optarg; break;
                case 'u': o->to = optarg; break;
                case 'r': o->reason = optarg; break;
                case 'a': o->actor = optarg; break;
                case 'f': o->follow = true; break;
                case 'g': o->group = optarg; break;
                case 'T': o->type = optarg; break;
                case 'e': o->enabled = optarg; break;
                case 'H': o->has_failure = true; break;
                case 'F': o->failed = true; break;
                case 'm': o->mine = true; break;
                case 'n': o->name = optarg; break;
                case 'R': o->role = optarg; break;
                case 'D': o->date = optarg; break;
                case 'I': o->instance = optarg; break;
                case 'Z': o->all = true; break;
                case 'K': o->kind = optarg; break;
                case 'S': o->severity = optarg; break;
                case 'U': o->unacknowledged = true; break;
                case 'l':
                        if ((r = positive(noun, cmd, "--limit", optarg, 100000, &o->limit)))
                                return r;
                        break;
                case 'x':
                        if ((r = positive(noun, cmd, "--expires-days", optarg, 36500,
                                          &o->expires_days)))
                                return r;
                        break;
                case 'p': {
                        const char *eq = strchr(optarg, '=');
                        if (!eq || eq == optarg)
                                return cli_usage_error(noun, cmd, "-p \"%s\": expected KEY=VALUE",
                                                       optarg);
                        if (!o->params)
                                o->params = json_object();
                        char key[256];
                        snprintf(key, sizeof(key), "%.*s", (int)(eq - optarg), optarg);
                        json_object_set_new(o->params, key, json_string(eq + 1));
                        break;
                }
                case 'h':
                        printf("usage: batchctl %s%s%s %s\n", noun, cmd->name[0] ? " " : "",
                               cmd->name, cmd->usage);
                        return -1;
                default:
                        return cli_usage_error(noun, cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        if (o->db)
                return CLI_RUN_LOCAL;
        if (o->output) {
                bool ok = false;
                for (size_t i = 0; formats && formats[i]; i++)
                        ok |= !strcmp(formats[i], o->output);
                if (!ok)
                        return cli_usage_error(noun, cmd, "-o: \"%s\" is not a known output format",
                                               o->output);
        }
        if (o->tenant)
                fprintf(stderr, "batchctl: warning: --tenant is ignored with a server: the "
                                "token's tenant is used\n");
        return 0;
}

void ropts_release(struct ropts *o)
{
        json_decref(o->params);
        o->params = NULL;
}

bool ropts_json(const struct ropts *o)
{
        return o->output && !strcmp(o->output, "json");
}

int rcmd_call(const char *method, const char *path, const char *query, const char *ctype,
              const char *body, size_t body_len, struct remote_resp *resp)
{
        const struct remote *rm = remote_current();
        if (!rm)
                return cli_needs_server(path);
        if (remote_request(rm, method, path, query, ctype, body, body_len, NULL, resp))
                return CLI_FAILURE;
        if (resp->status >= 200 && resp->status < 300)
                return CLI_OK;
        int r = remote_fail(resp);
        remote_resp_release(resp);
        return r;
}

int rcmd_list(const char *path, const char *query, unsigned page, unsigned max,
              json_t **ret_items, json_t **ret_next)
{
        json_t *items = json_array(), *next = json_null();
        char *cursor = NULL;
        /* A test knob (docs/cli.md): smaller pages, to exercise next_cursor. */
        const char *ps = getenv("BATCHCTL_PAGE_SIZE");
        unsigned long psv = ps ? strtoul(ps, NULL, 10) : 0;
        if (page && psv > 0 && psv <= 1000)
                page = (unsigned)psv;
        int r = CLI_OK;
        for (;;) {
                struct buf q;
                buf_init(&q, 0);
                if (query && *query)
                        buf_puts(&q, query);
                unsigned want = page;
                if (page && max && max - json_array_size(items) < want)
                        want = max - (unsigned)json_array_size(items);
                char num[32];
                snprintf(num, sizeof(num), "%u", want);
                if (page)
                        remote_query_add(&q, "limit", num);
                if (cursor)
                        remote_query_add(&q, "cursor", cursor);
                struct remote_resp resp;
                r = rcmd_call("GET", path, q.data, NULL, NULL, 0, &resp);
                buf_release(&q);
                if (r)
                        break;
                json_t *j = remote_json(&resp);
                remote_resp_release(&resp);
                if (!j) {
                        r = CLI_FAILURE;
                        break;
                }
                json_t *a = json_object_get(j, "items");
                size_t got = json_array_size(a);
                if (json_is_array(a))
                        json_array_extend(items, a);
                json_t *nc = json_object_get(j, "next_cursor");
                json_decref(next);
                next = nc ? json_incref(nc) : json_null();
                free(cursor);
                cursor = json_is_string(nc) ? strdup(json_string_value(nc)) : NULL;
                json_decref(j);
                if (!cursor || (max && json_array_size(items) >= max) || !got)
                        break;
        }
        free(cursor);
        if (r) {
                json_decref(items);
                json_decref(next);
                return r;
        }
        *ret_items = items;
        *ret_next = next;
        return CLI_OK;
}

int rcmd_list_limit(const char *path, const char *query, int limit, json_t **ret_items,
                    json_t **ret_next)
{
        unsigned max = limit > 0 ? (unsigned)limit : 100;
        return rcmd_list(path, query, max < 1000 ? max : 1000, max, ret_items, ret_next);
}

void rcmd_print_list(json_t *items, json_t *next)
{
        json_t *o = json_object();
        json_object_set(o, "items", items);
        json_object_set(o, "next_cursor", next);
        remote_print_json(o);
        json_decref(o);
}

void rcmd_print_body(const struct remote_resp *r)
{
        fwrite(r->body.data, 1, r->body.len, stdout);
        if (!r->body.len || r->body.data[r->body.len - 1] != '\n')
                putchar('\n');
}

long long rcmd_int(const json_t *o, const char *key)
{
        json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
        return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

int cli_needs_server(const char *what)
{
        fprintf(stderr, "batchctl: %s needs a server: give --url URL (or set BATCHD_URL, or url = "
                        "... in the config file) and no --db (see batchctl --help)\n",
                what);
        return CLI_USAGE;
}

/* "/api/v1/<a>/<escaped b>[<c>]" into p. */
static void res_path(struct buf *p, const char *a, const char *b, const char *c)
{
        buf_init(p, 0);
        buf_printf(p, "/api/v1/%s/", a);
        remote_path_escape(p, b);
        if (c)
                buf_puts(p, c);
}

/* ---- jobs list | get | history -------------------------------------------------------------- */

static int jobs_list(int argc, char **argv);
static int jobs_get(int argc, char **argv);
static int jobs_history(int argc, char **argv);

const struct cli_cmd cli_remote_jobs_cmds[] = {
        {"list", "[--group G] [--type scheduled|manual] [--enabled true|false] [-o table|wide|json|yaml]",
         "list the jobs", jobs_list},
        {"get", "NAME [-o yaml|json|table|wide]", "print a job's current definition", jobs_get},
        {"history", "NAME [-o table|wide|json|yaml]", "list every version of a job", jobs_history},
        {"create", "FILE", "", cli_jobs_create},
        {"replace", "NAME FILE", "", cli_jobs_replace},
        {"delete", "NAME", "", cli_jobs_delete},
        {"enable", "NAME", "", cli_jobs_enable},
        {"disable", "NAME", "", cli_jobs_disable},
        {NULL, NULL, NULL, NULL},
};

static int jobs_list(int argc, char **argv)
{
        static const char *const formats[] = {"table", "wide", "json", "yaml", NULL};
        const struct cli_cmd *cmd = &cli_remote_jobs_cmds[0];
        struct ropts o;
        int r = ropts_parse("jobs", cmd, argc, argv, formats, &o);
        if (r)
                goto out;
        if (optind != argc) {
                r = cli_usage_error("jobs", cmd, "unexpected operand \"%s\"", argv[optind]);
                goto out;
        }
        if (o.enabled && strcmp(o.enabled, "true") && strcmp(o.enabled, "false")) {
                r = cli_usage_error("jobs", cmd, "--enabled must be true or false");
                goto out;
        }
        if (o.type && strcmp(o.type, "scheduled") && strcmp(o.type, "manual")) {
                r = cli_usage_error("jobs", cmd, "--type must be scheduled or manual");
                goto out;
        }
        struct buf q;
        buf_init(&q, 0);
        if (o.group)
                remote_query_add(&q, "group", o.group);
        if (o.type)
                remote_query_add(&q, "type", o.type);
        if (o.enabled)
                remote_query_add(&q, "enabled", o.enabled);
        json_t *items, *next;
        r = rcmd_list("/api/v1/jobs", q.data, 1000, 0, &items, &next);
        buf_release(&q);
        if (r)
                goto out;
        enum out_fmt fmt = OUT_TABLE;
        out_parse(o.output, OUT_STD, &fmt); /* checked by ropts_parse */
        if (fmt == OUT_YAML) { /* the definitions themselves, as apply reads them */
                size_t i;
                json_t *it;
                json_array_foreach(items, i, it)
                        printf("%s%s", i ? "---\n" : "", remote_str(it, "spec", ""));
        } else {
                json_t *doc = json_pack("{sOsO}", "items", items, "next_cursor", next);
                r = out_list(doc, fmt, out_jobs_table);
                json_decref(doc);
        }
        json_decref(items);
        json_decref(next);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int jobs_get_or_history(int argc, char **argv, bool history)
{
        static const char *const get_formats[] = {"yaml", "json", "table", "wide", NULL};
        static const char *const history_formats[] = {"table", "json", NULL};
        const struct cli_cmd *cmd = &cli_remote_jobs_cmds[history ? 2 : 1];
        struct ropts o;
        int r = ropts_parse("jobs", cmd, argc, argv, history ? history_formats : get_formats, &o);
        if (r)
                goto out;
        if (optind != argc - 1) {
                r = cli_usage_error("jobs", cmd, "a job NAME is needed");
                goto out;
        }
        struct buf p;
        res_path(&p, "jobs", argv[optind], history ? "/versions" : NULL);
        if (history) { /* every page */
                json_t *items, *next;
                r = rcmd_list(p.data, NULL, 0, 0, &items, &next);
                buf_release(&p);
                if (r)
                        goto out;
                if (ropts_json(&o)) {
                        rcmd_print_list(items, next);
                } else {
                        printf("%7s  %-20s %-16s %s\n", "VERSION", "CHANGED", "BY", "WHAT");
                        size_t i;
                        json_t *it;
                        json_array_foreach(items, i, it)
                                printf("%7lld  %-20s %-16s %s\n", rcmd_int(it, "version"),
                                       remote_str(it, "changed_at", ""),
                                       remote_str(it, "changed_by", ""),
                                       remote_str(it, "changed", ""));
                }
                json_decref(items);
                json_decref(next);
                goto out;
        }
        struct remote_resp resp;
        r = rcmd_call("GET", p.data, NULL, NULL, NULL, 0, &resp);
        buf_release(&p);
        if (r)
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_body(&resp);
                remote_resp_release(&resp);
                goto out;
        }
        json_t *j = remote_json(&resp);
        remote_resp_release(&resp);
        if (!j) {
                r = CLI_FAILURE;
                goto out;
        }
        if (o.output && (!strcmp(o.output, "table") || !strcmp(o.output, "wide")))
                out_one(j, !strcmp(o.output, "wide") ? OUT_WIDE : OUT_TABLE, out_jobs_table);
        else
                fputs(remote_str(j, "spec", ""), stdout);
        json_decref(j);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int jobs_get(int argc, char **argv)
{
        return jobs_get_or_history(argc, argv, false);
}

static int jobs_history(int argc, char **argv)
{
        return jobs_get_or_history(argc, argv, true);
}

/* ---- submit ---------------------------------------------------------------------------- */

static const struct cli_cmd submit_cmd = {"", "NAME [-p KEY=VALUE]... [-o json]",
                                          "create an instance of a job now", NULL};

int cli_remote_submit(int argc, char **argv)
{
        static const char *const formats[] = {"table", "json", NULL};
        struct ropts o;
        int r = ropts_parse("submit", &submit_cmd, argc, argv, formats, &o);
        if (r)
                goto out;
        if (optind != argc - 1) {
                r = cli_usage_error("submit", &submit_cmd, "a job NAME is required");
                goto out;
        }
        const char *job = argv[optind];
        json_t *body = json_object();
        json_object_set_new(body, "params", o.params ? json_incref(o.params) : json_object());
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        struct buf p;
        res_path(&p, "jobs", job, "/submit");
        struct remote_resp resp;
        r = rcmd_call("POST", p.data, NULL, "application/json", text, strlen(text), &resp);
        buf_release(&p);
        free(text);
        if (r)
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_body(&resp);
        } else {
                json_t *j = remote_json(&resp);
                if (j)
                        printf("submitted instance %lld of %s\n", rcmd_int(j, "id"), job);
                else
                        r = CLI_FAILURE;
                json_decref(j);
        }
        remote_resp_release(&resp);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

/* ---- instances list ---------------------------------------------------------------------- */

static int instances_list(int argc, char **argv);
static int instance_get(int argc, char **argv);
static int instance_stop(int argc, char **argv);
static int instance_rerun(int argc, char **argv);
static int instance_mark_success(int argc, char **argv);
static int instance_log(int argc, char **argv);

const struct cli_cmd cli_remote_instances_cmds[] = {
        {"list", "[--job NAME] [--status S] [--from ISO --to ISO] [--has-failure] [--failed] [--mine] "
                 "[--limit N] [-o table|wide|json|yaml]",
         "list instances, oldest first", instances_list},
        {NULL, NULL, NULL, NULL},
};

const struct cli_cmd cli_remote_instance_cmds[] = {
        {"get", "ID [-o table|wide|json|yaml]", "an instance with its state history and executions",
         instance_get},
        {"stop", "ID [--reason TEXT]", "stop a waiting or running instance", instance_stop},
        {"rerun", "ID", "run a finished instance again", instance_rerun},
        {"mark-success", "ID", "declare an instance successful", instance_mark_success},
        {"log", "ID [-f]", "print the output of the instance's latest execution", instance_log},
        {NULL, NULL, NULL, NULL},
};

static int instances_list(int argc, char **argv)
{
        static const char *const formats[] = {"table", "json", NULL};
        const struct cli_cmd *cmd = &cli_remote_instances_cmds[0];
        struct ropts o;
        int r = ropts_parse("instances", cmd, argc, argv, formats, &o);
        if (r)
                goto out;
        if (optind != argc) {
                r = cli_usage_error("instances", cmd, "unexpected operand \"%s\"", argv[optind]);
                goto out;
        }
        if (o.status && state_parse(o.status) < 0) {
                r = cli_usage_error("instances", cmd,
                                    "--status \"%s\" is not a state (a code 0-12 or a name)",
                                    o.status);
                goto out;
        }
        if (!!o.from != !!o.to) {
                r = cli_usage_error("instances", cmd, "--from and --to go together");
                goto out;
        }
        struct buf q;
        buf_init(&q, 0);
        if (o.job)
                remote_query_add(&q, "job", o.job);
        if (o.status)
                remote_query_add(&q, "state", o.status);
        if (o.from) {
                remote_query_add(&q, "from", o.from);
                remote_query_add(&q, "to", o.to);
        }
        if (o.has_failure)
                remote_query_add(&q, "has_failure", "true");
        if (o.failed)
                remote_query_add(&q, "failed", "true");
        if (o.mine)
                remote_query_add(&q, "submitted_by", "me");
        json_t *items, *next;
        r = rcmd_list_limit("/api/v1/instances", q.data, o.limit, &items, &next);
        buf_release(&q);
        if (r)
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_list(items, next);
        } else {
                printf(INSTANCE_TABLE_HEAD, "ID", "JOB", "DUE", "PROCESS DATE", "STATE",
                       "HAS FAILURE", "REASON");
                size_t i;
                json_t *it;
                json_array_foreach(items, i, it)
                        printf(INSTANCE_TABLE_ROW, rcmd_int(it, "id"),
                               remote_str(it, "job", ""), remote_str(it, "due", ""),
                               remote_str(it, "process_date", ""),
                               state_name((int)rcmd_int(it, "state")),
                               json_is_true(json_object_get(it, "has_failure")) ? "yes" : "no",
                               remote_str(it, "reason", ""));
        }
        json_decref(items);
        json_decref(next);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

/* ---- instance get | stop | rerun | mark-success | log ------------------------------------- */

/* The instance ID operand; CLI_USAGE (printed) when missing or not an id. */
static int instance_id(const struct cli_cmd *cmd, int argc, char **argv, long long *ret)
{
        if (optind != argc - 1)
                return cli_usage_error("instance", cmd, "an instance ID is required");
        char *end;
        errno = 0;
        long long id = strtoll(argv[optind], &end, 10);
        if (errno || *end || id <= 0)
                return cli_usage_error("instance", cmd, "\"%s\" is not an instance id",
                                       argv[optind]);
        *ret = id;
        return 0;
}

static int instance_get(int argc, char **argv)
{
        static const char *const formats[] = {"table", "json", NULL};
        const struct cli_cmd *cmd = &cli_remote_instance_cmds[0];
        struct ropts o;
        long long id;
        int r = ropts_parse("instance", cmd, argc, argv, formats, &o);
        if (r || (r = instance_id(cmd, argc, argv, &id)))
                goto out;
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/instances/%lld", id);
        struct remote_resp resp;
        if ((r = rcmd_call("GET", path, NULL, NULL, NULL, 0, &resp)))
                goto out;
        if (ropts_json(&o)) {
                rcmd_print_body(&resp);
                remote_resp_release(&resp);
                goto out;
        }
        json_t *in = remote_json(&resp);
        remote_resp_release(&resp);
        if (!in) {
                r = CLI_FAILURE;
                goto out;
        }
        const char *reason = remote_str(in, "reason", NULL);
        printf("instance %lld of %s: %s%s%s\n", rcmd_int(in, "id"), remote_str(in, "job", ""),
               state_name((int)rcmd_int(in, "state")), reason ? " — " : "", reason ? reason : "");
        printf("due %s, covering %s .. %s, trace %s\n", remote_str(in, "due", ""),
               remote_str(in, "first_due", ""), remote_str(in, "last_due", ""),
               remote_str(in, "trace_id", "(null)"));
        printf("process date %s\n", remote_str(in, "process_date", ""));
        puts("history:");
        size_t i;
        json_t *h;
        json_array_foreach(json_object_get(in, "history"), i, h) {
                int from = (int)rcmd_int(h, "from");
                const char *why = remote_str(h, "reason", NULL);
                printf("  %s  %-15s -> %-15s by %s%s%s\n", remote_str(h, "at", ""),
                       from < 0 ? "(created)" : state_name(from), state_name((int)rcmd_int(h, "to")),
                       remote_str(h, "actor", ""), why ? ": " : "", why ? why : "");
        }
        puts("executions:");
        json_array_foreach(json_object_get(in, "executions"), i, h) {
                printf("  #%lld (id %lld) started %s", rcmd_int(h, "attempt"), rcmd_int(h, "id"),
                       remote_str(h, "started_at", ""));
                const char *error = remote_str(h, "error", NULL);
                if (json_is_true(json_object_get(h, "finished")))
                        printf(", ended %s, exit %lld%s%s", remote_str(h, "finished_at", ""),
                               rcmd_int(h, "exit_status"), error ? ": " : "", error ? error : "");
                else
                        fputs(", running", stdout);
                putchar('\n');
                size_t k;
                json_t *st;
                json_array_foreach(json_object_get(h, "steps"), k, st) {
                        printf("    step %s: %s, read %lld, written %lld, skipped %lld\n",
                               remote_str(st, "name", ""), remote_str(st, "status", ""),
                               rcmd_int(st, "read_count"), rcmd_int(st, "write_count"),
                               rcmd_int(st, "read_skip_count") + rcmd_int(st, "process_skip_count") +
                                       rcmd_int(st, "write_skip_count"));
                        json_t *m = json_object_get(st, "metrics");
                        if (json_is_object(m)) {
                                char *text = json_dumps(m, JSON_COMPACT);
                                if (text)
                                        printf("      metrics %s\n", text);
                                free(text);
                        }
                }
        }
        json_decref(in);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int request(int argc, char **argv, const struct cli_cmd *cmd, const char *action)
{
        static const char *const formats[] = {"table", "json", NULL};
        struct ropts o;
        long long id;
        int r = ropts_parse("instance", cmd, argc, argv, formats, &o);
        if (r || (r = instance_id(cmd, argc, argv, &id)))
                goto out;
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/instances/%lld/%s", id, action);
        char *body = NULL;
        if (o.reason) {
                json_t *b = json_pack("{s:s}", "reason", o.reason);
                body = json_dumps(b, JSON_COMPACT);
                json_decref(b);
        }
        struct remote_resp resp;
        r = rcmd_call("POST", path, NULL, "application/json", body, body ? strlen(body) : 0,
                      &resp);
        free(body);
        if (r)
                goto out;
        json_t *j = remote_json(&resp);
        if (!j) {
                r = CLI_FAILURE;
        } else if (ropts_json(&o)) {
                rcmd_print_body(&resp);
        } else if (json_is_true(json_object_get(j, "done"))) {
                printf("%s instance %lld: %s\n", action, id, remote_str(j, "message", ""));
        } else {
                printf("%s instance %lld: queued as request %lld; batchd will carry it out when "
                       "it runs\n",
                       action, id, rcmd_int(j, "request"));
        }
        json_decref(j);
        remote_resp_release(&resp);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

static int instance_stop(int argc, char **argv)
{
        return request(argc, argv, &cli_remote_instance_cmds[1], "stop");
}

static int instance_rerun(int argc, char **argv)
{
        return request(argc, argv, &cli_remote_instance_cmds[2], "rerun");
}

static int instance_mark_success(int argc, char **argv)
{
        return request(argc, argv, &cli_remote_instance_cmds[3], "mark-success");
}

/* What `log -f` does after "has not run yet" (404): WAIT while instance id is not final
 * (its run may start at any moment), AGAIN once when it is final with an execution (it
 * started and ended between the two requests), else GIVE_UP (it ended without running,
 * or it cannot tell: the log's own answer is then reported). */
enum log_wait { LOG_GIVE_UP, LOG_WAIT, LOG_AGAIN };

static enum log_wait log_not_started(long long id)
{
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/instances/%lld", id);
        struct remote_resp resp;
        if (remote_request(remote_current(), "GET", path, NULL, NULL, NULL, 0, NULL, &resp))
                return LOG_GIVE_UP;
        json_t *j = resp.status == 200 ? remote_json(&resp) : NULL;
        remote_resp_release(&resp);
        json_t *state = json_object_get(j, "state");
        enum log_wait w = !json_is_integer(state) ? LOG_GIVE_UP
                          : !state_is_final((int)json_integer_value(state)) ? LOG_WAIT
                          : json_array_size(json_object_get(j, "executions")) ? LOG_AGAIN
                                                                             : LOG_GIVE_UP;
        json_decref(j);
        return w;
}

static int instance_log(int argc, char **argv)
{
        const struct cli_cmd *cmd = &cli_remote_instance_cmds[4];
        struct ropts o;
        long long id;
        int r = ropts_parse("instance", cmd, argc, argv, NULL, &o);
        if (r || (r = instance_id(cmd, argc, argv, &id)))
                goto out;
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/instances/%lld/log", id);
        struct remote_resp resp;
        /* -f on an instance that has not started: wait for its run (docs/cli.md). */
        for (bool again = false;;) {
                if ((r = remote_request(remote_current(), "GET", path,
                                        o.follow ? "follow=true" : NULL, NULL, NULL, 0, stdout,
                                        &resp)))
                        goto out;
                enum log_wait w = o.follow && resp.status == 404 ? log_not_started(id)
                                                                 : LOG_GIVE_UP;
                if (w == LOG_GIVE_UP || (w == LOG_AGAIN && again))
                        break;
                again = w == LOG_AGAIN;
                remote_resp_release(&resp);
                struct timespec pause = {0, 500 * 1000 * 1000};
                nanosleep(&pause, NULL);
        }
        if (resp.status < 200 || resp.status >= 300)
                r = remote_fail(&resp);
        fflush(stdout);
        remote_resp_release(&resp);
out:
        ropts_release(&o);
        return r < 0 ? CLI_OK : r;
}

/* ---- the remote table -------------------------------------------------------------------- */

const struct cli_noun cli_remote_nouns[] = {
        {"jobs", "", cli_remote_jobs_cmds, NULL},
        {"submit", "", NULL, cli_remote_submit},
        {"instances", "", cli_remote_instances_cmds, NULL},
        {"dlq", "", cli_remote_dlq_cmds, NULL},
        {"alerts", "", cli_remote_alerts_cmds, NULL},
        {"instance", "", cli_remote_instance_cmds, NULL},
        {"tokens", "", cli_tokens_cmds, NULL},
        {"nodes", "", NULL, cli_nodes},
        {"calendars", "", cli_calendars_cmds, NULL},
        {"settings", "", cli_settings_cmds, NULL},
        {"deps", "", NULL, cli_deps},
        {"report", "", NULL, cli_report},
        {"metrics", "", NULL, cli_metrics},
        {NULL, NULL, NULL, NULL},
};
