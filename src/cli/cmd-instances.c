/* cmd-instances.c: the minimal control surface over the repository (docs/daemon.md):
 * `batchctl submit`, `batchctl instances list`, `batchctl instance get|stop|rerun|
 * mark-success|log`. Reads go to the repository; a submit creates the instance (the
 * daemon picks it up); stop, rerun and mark-success are queued as requests that the
 * daemon carries out, and batchctl waits a few seconds for its answer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/trace.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "defs/params.h"
#include "ops/secrets.h"
#include "ops/instances.h"
#include "ops/page.h"
#include "store/store.h"

struct iopts {
        const char *db, *tenant, *output, *job, *status, *from, *to, *reason, *actor;
        bool follow, has_failure, failed;
        struct def_map params;
        int limit;
};

static int parse(const char *noun, const struct cli_cmd *cmd, int argc, char **argv,
                 struct iopts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},     {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'}, {"job", required_argument, NULL, 'j'},
                {"status", required_argument, NULL, 's'}, {"from", required_argument, NULL, 'A'},
                {"to", required_argument, NULL, 'u'},     {"reason", required_argument, NULL, 'r'},
                {"actor", required_argument, NULL, 'a'},  {"param", required_argument, NULL, 'p'},
                {"follow", no_argument, NULL, 'F'},       {"limit", required_argument, NULL, 'l'},
                {"help", no_argument, NULL, 'h'},         {"has-failure", no_argument, NULL, 'H'},
                {"failed", no_argument, NULL, 'X'},       {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        o->tenant = "default";
        o->limit = 100;
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:t:o:p:fh", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'j': o->job = optarg; break;
                case 's': o->status = optarg; break;
                case 'f': o->follow = true; break;
                case 'F': o->follow = true; break;
                case 'A': o->from = optarg; break;
                case 'u': o->to = optarg; break;
                case 'r': o->reason = optarg; break;
                case 'a': o->actor = optarg; break;
                case 'H': o->has_failure = true; break;
                case 'X': o->failed = true; break;
                case 'l': {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < 1 || v > 10000)
                                return cli_usage_error(noun, cmd,
                                                       "--limit \"%s\" must be 1 to 10000", optarg);
                        o->limit = (int)v;
                        break;
                }
                case 'p': {
                        char *eq = strchr(optarg, '=');
                        if (!eq || eq == optarg)
                                return cli_usage_error(noun, cmd,
                                                       "-p \"%s\": expected KEY=VALUE", optarg);
                        *eq = '\0';
                        char **k = realloc(o->params.keys, (o->params.n + 1) * sizeof(char *));
                        if (k)
                                o->params.keys = k;
                        char **v = realloc(o->params.vals, (o->params.n + 1) * sizeof(char *));
                        if (v)
                                o->params.vals = v;
                        if (!k || !v)
                                return CLI_FAILURE;
                        o->params.keys[o->params.n] = strdup(optarg);
                        o->params.vals[o->params.n++] = strdup(eq + 1);
                        *eq = '=';
                        break;
                }
                case 'h': printf("usage: batchctl %s %s %s\n", noun, cmd->name, cmd->usage); return -1;
                default:
                        return cli_usage_error(noun, cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        if (o->output && strcmp(o->output, "json") && strcmp(o->output, "table"))
                return cli_usage_error(noun, cmd, "-o must be json or table, not \"%s\"",
                                       o->output);
        return 0;
}

static const char *actor_of(const struct iopts *o)
{
        const char *u = getenv("USER");
        return o->actor ? o->actor : (u && *u ? u : "batchctl");
}

static int64_t parse_id(const char *noun, const struct cli_cmd *cmd, int argc, char **argv)
{
        if (optind >= argc) {
                cli_usage_error(noun, cmd, "an instance ID is required");
                return -1;
        }
        char *end;
        errno = 0;
        long long id = strtoll(argv[optind], &end, 10);
        if (errno || *end || id <= 0) {
                cli_usage_error(noun, cmd, "\"%s\" is not an instance id", argv[optind]);
                return -1;
        }
        return id;
}

static void put_instance_row(struct buf *b, const struct store_instance *in,
                             const struct ops_tenant_window *tw)
{
        char due[ISO_FORMAT_MAX], pdate[OPS_PROCESS_DATE_MAX];
        buf_printf(b, INSTANCE_TABLE_ROW, (long long)in->id, in->job,
                   iso_format_utc(in->due, due),
                   ops_instance_process_date(in, &tw->window, tw->zone, pdate),
                   state_name(in->state),
                   in->skip_count > 0 ? "yes" : "no", in->reason ? in->reason : "");
}

static void emit(struct buf *b)
{
        fwrite(b->data, 1, b->len, stdout);
        buf_release(b);
}

/* ---- submit ------------------------------------------------------------------ */

static int submit(int argc, char **argv);

static const struct cli_cmd submit_cmd = {
        "", "NAME [-p KEY=VALUE]... [--db DB] [--tenant T] [--actor NAME] [-o json]",
        "create an instance of a job now; batchd runs it", submit};

static int submit(int argc, char **argv)
{
        struct iopts o;
        int r = parse("submit", &submit_cmd, argc, argv, &o);
        if (r)
                goto out;
        if (optind >= argc) {
                r = cli_usage_error("submit", &submit_cmd, "a job NAME is required");
                goto out;
        }
        const char *job = argv[optind];
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                goto out;
        struct batch_err err;
        struct buf params;
        buf_init(&params, 0);
        params_format(&o.params, &params);
        int64_t id, now;
        struct secrets keys;
        cli_open_secrets(o.db, s, &keys);
        /* The API's submit: one transaction with the audit row (parameters redacted), and
         * the same refusals (disabled job, a live instance of a single-instance job); at
         * the time of the running batchd's clock. */
        int src = ops_clock_now(s, &now, &err);
        if (src == 0)
                src = ops_submit(s, &keys, o.tenant, job, params.data, actor_of(&o), now, &id,
                                 &err);
        if (src < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                r = CLI_FAILURE;
        } else if (o.output && !strcmp(o.output, "json")) {
                struct store_instance got;
                if (store_instance_get(s, id, &got, &err) == 0) {
                        struct buf b;
                        buf_init(&b, 0);
                        struct ops_tenant_window tw;
                        ops_tenant_window(s, o.tenant, &tw);
                        ops_put_instance(&b, &got, &tw);
                        buf_puts(&b, "\n");
                        emit(&b);
                        store_instance_release(&got);
                }
        } else {
                printf("submitted instance %lld of %s\n", (long long)id, job);
        }
        secrets_release(&keys);
        buf_release(&params);
        store_close(s);
out:
        def_map_release(&o.params);
        return r < 0 ? CLI_OK : r;
}

int cli_submit(int argc, char **argv)
{
        return submit(argc, argv);
}

/* ---- instances list ---------------------------------------------------------------- */

static int list(int argc, char **argv);
static int get(int argc, char **argv);
static int stop(int argc, char **argv);
static int rerun(int argc, char **argv);
static int mark_success(int argc, char **argv);
static int logcmd(int argc, char **argv);

const struct cli_cmd cli_instances_cmds[] = {
        {"list", "[--job NAME] [--status S] [--from ISO --to ISO] [--has-failure] [--failed] "
                 "[--limit N] [--db DB] "
                 "[--tenant T] [-o table|wide|json|yaml]",
         "list instances, oldest first", list},
        {NULL, NULL, NULL, NULL},
};

const struct cli_cmd cli_instance_cmds[] = {
        {"get", "ID [--db DB] [-o table|wide|json|yaml]", "an instance with its state history and executions",
         get},
        {"stop", "ID [--reason TEXT] [--db DB]", "stop a waiting or running instance (via batchd)",
         stop},
        {"rerun", "ID [--db DB]", "run a finished instance again (via batchd)", rerun},
        {"mark-success", "ID [--db DB]", "declare an instance successful (via batchd)",
         mark_success},
        {"log", "ID [-f] [--db DB]", "print the output of the instance's latest execution", logcmd},
        {NULL, NULL, NULL, NULL},
};

static int list(int argc, char **argv)
{
        struct iopts o;
        int r = parse("instances", &cli_instances_cmds[0], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        struct store_instance_filter f = {.tenant = o.tenant, .job = o.job, .state = -1,
                                          .limit = (unsigned)o.limit,
                                          .has_failure = o.has_failure, .failed_only = o.failed};
        struct batch_err err;
        if (o.status && (f.state = state_parse(o.status)) < 0)
                return cli_usage_error("instances", &cli_instances_cmds[0],
                                       "--status \"%s\" is not a state (a code 0-12 or a name)",
                                       o.status);
        if (!!o.from != !!o.to)
                return cli_usage_error("instances", &cli_instances_cmds[0],
                                       "--from and --to go together");
        if (o.from) {
                f.has_due_range = true;
                if (iso_parse(o.from, tz_utc(), &f.due_from, &err) < 0 ||
                    iso_parse(o.to, tz_utc(), &f.due_to, &err) < 0)
                        return cli_usage_error("instances", &cli_instances_cmds[0], "%s",
                                               err.msg);
        }
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_instance_list l;
        if (store_instance_list(s, &f, &l, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        bool json = o.output && !strcmp(o.output, "json");
        struct ops_tenant_window tw;
        ops_tenant_window(s, o.tenant, &tw);
        struct buf b;
        buf_init(&b, 0);
        /* -o json: GET /api/v1/instances's document (docs/cli.md, "Output") */
        if (json)
                buf_puts(&b, "{\"items\": [");
        else
                buf_printf(&b, INSTANCE_TABLE_HEAD, "ID", "JOB", "DUE", "PROCESS DATE", "STATE",
                           "HAS FAILURE", "REASON");
        for (size_t i = 0; i < l.n; i++) {
                if (json) {
                        buf_puts(&b, i ? ",\n " : "\n ");
                        ops_put_instance(&b, &l.items[i], &tw);
                } else {
                        put_instance_row(&b, &l.items[i], &tw);
                }
        }
        if (json)
                ops_put_id_page_end(&b, l.n, (unsigned)o.limit, l.n ? l.items[l.n - 1].id : 0);
        emit(&b);
        store_instance_list_release(&l);
        store_close(s);
        return CLI_OK;
}

/* ---- instance get ------------------------------------------------------------------ */

static int get(int argc, char **argv)
{
        struct iopts o;
        int r = parse("instance", &cli_instance_cmds[0], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        int64_t id = parse_id("instance", &cli_instance_cmds[0], argc, argv);
        if (id < 0)
                return CLI_USAGE;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct batch_err err;
        struct store_instance in;
        struct store_transition_list h = {0, NULL};
        struct store_execution_list ex = {0, NULL};
        if (store_instance_get(s, id, &in, &err) < 0 || store_instance_history(s, id, &h, &err) < 0 ||
            store_execution_list(s, id, &ex, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        bool json = o.output && !strcmp(o.output, "json");
        struct buf b;
        buf_init(&b, 0);
        char t[ISO_FORMAT_MAX];
        if (json) { /* GET /api/v1/instances/ID's document: one implementation */
                if (ops_instance_detail(s, in.tenant, id, &b, &err) < 0) {
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                        r = CLI_FAILURE;
                        b.len = 0;
                }
        } else {
                buf_printf(&b, "instance %lld of %s: %s%s%s\n", (long long)in.id, in.job,
                           state_name(in.state), in.reason ? " — " : "", in.reason ? in.reason : "");
                buf_printf(&b, "due %s", iso_format_utc(in.due, t));
                buf_printf(&b, ", covering %s", iso_format_utc(in.first_due, t));
                buf_printf(&b, " .. %s, trace %s\n", iso_format_utc(in.last_due, t), in.trace_id);
                struct ops_tenant_window tw;
                ops_tenant_window(s, in.tenant, &tw);
                char pdate[OPS_PROCESS_DATE_MAX];
                buf_printf(&b, "process date %s\n",
                           ops_instance_process_date(&in, &tw.window, tw.zone, pdate));
                buf_puts(&b, "history:\n");
                for (size_t i = 0; i < h.n; i++)
                        buf_printf(&b, "  %s  %-15s -> %-15s by %s%s%s\n",
                                   iso_format_utc(h.items[i].at, t),
                                   h.items[i].from_state < 0 ? "(created)"
                                                             : state_name(h.items[i].from_state),
                                   state_name(h.items[i].to_state), h.items[i].actor,
                                   h.items[i].reason ? ": " : "",
                                   h.items[i].reason ? h.items[i].reason : "");
                buf_puts(&b, "executions:\n");
                for (size_t i = 0; i < ex.n; i++) {
                        const struct store_execution *e = &ex.items[i];
                        buf_printf(&b, "  #%d (id %lld) started %s", e->attempt, (long long)e->id,
                                   iso_format_utc(e->started_at, t));
                        if (e->finished)
                                buf_printf(&b, ", ended %s, exit %d%s%s",
                                           iso_format_utc(e->finished_at, t), e->exit_status,
                                           e->error ? ": " : "", e->error ? e->error : "");
                        else
                                buf_puts(&b, ", running");
                        buf_puts(&b, "\n");
                        struct store_step_list sl = {0, NULL};
                        if (store_step_list(s, e->id, &sl, &err) < 0)
                                continue;
                        for (size_t k = 0; k < sl.n; k++) {
                                const struct store_step *p = &sl.items[k];
                                buf_printf(&b, "    step %s: %s, read %lld, written %lld, skipped %lld",
                                           p->name, p->status, (long long)p->read_count,
                                           (long long)p->write_count,
                                           (long long)(p->read_skip_count + p->process_skip_count +
                                                       p->write_skip_count));
                                if (p->metrics)
                                        buf_printf(&b, "\n      metrics %s", p->metrics);
                                buf_puts(&b, "\n");
                        }
                        store_step_list_release(&sl);
                }
        }
        emit(&b);
        store_instance_release(&in);
        store_transition_list_release(&h);
        store_execution_list_release(&ex);
        store_close(s);
        return r;
}

/* ---- requests: stop, rerun, mark-success ------------------------------------------------- */

static int request(int argc, char **argv, const struct cli_cmd *cmd, const char *action)
{
        struct iopts o;
        int r = parse("instance", cmd, argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        int64_t id = parse_id("instance", cmd, argc, argv);
        if (id < 0)
                return CLI_USAGE;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct batch_err err;
        int64_t now;
        if (ops_clock_now(s, &now, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        struct store_request q = {.tenant = (char *)o.tenant, .instance_id = id,
                                  .action = (char *)action, .actor = (char *)actor_of(&o),
                                  .reason = (char *)o.reason};
        int64_t rid;
        if (store_begin(s, &err) < 0 || store_request_add(s, &q, now, &rid, &err) < 0 ||
            store_audit_add(s, now, q.actor, action, "instance", o.reason, &err) < 0 ||
            store_commit(s, &err) < 0) {
                store_rollback(s);
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        /* Wait up to 5 s for batchd's answer. */
        for (int i = 0; i < 50; i++) {
                struct store_request got;
                if (store_request_get(s, rid, &got, &err) == 0 && got.done) {
                        int rc = got.result == 0 ? CLI_OK : CLI_FAILURE;
                        if (rc == CLI_OK)
                                printf("%s instance %lld: %s\n", action, (long long)id, got.message);
                        else
                                fprintf(stderr, "batchctl: %s instance %lld: %s\n", action,
                                        (long long)id, got.message);
                        store_request_release(&got);
                        store_close(s);
                        return rc;
                }
                struct timespec ts = {0, 100 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        printf("%s instance %lld: queued as request %lld; batchd will carry it out when it runs\n",
               action, (long long)id, (long long)rid);
        store_close(s);
        return CLI_OK;
}

static int stop(int argc, char **argv)
{
        return request(argc, argv, &cli_instance_cmds[1], "stop");
}

static int rerun(int argc, char **argv)
{
        return request(argc, argv, &cli_instance_cmds[2], "rerun");
}

static int mark_success(int argc, char **argv)
{
        return request(argc, argv, &cli_instance_cmds[3], "mark-success");
}

/* ---- instance log ------------------------------------------------------------------------ */

static int logcmd(int argc, char **argv)
{
        struct iopts o;
        int r = parse("instance", &cli_instance_cmds[4], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        int64_t id = parse_id("instance", &cli_instance_cmds[4], argc, argv);
        if (id < 0)
                return CLI_USAGE;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct batch_err err;
        struct store_execution_list ex;
        if (store_execution_list(s, id, &ex, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        if (ex.n == 0 || !ex.items[ex.n - 1].log_path) {
                fprintf(stderr, "batchctl: instance %lld has not run yet\n", (long long)id);
                store_execution_list_release(&ex);
                store_close(s);
                return CLI_FAILURE;
        }
        int64_t exec_id = ex.items[ex.n - 1].id;
        /* No file: the run has written nothing yet (it is created at the first byte). */
        char *path = strdup(ex.items[ex.n - 1].log_path);
        store_execution_list_release(&ex);
        FILE *f = path ? fopen(path, "re") : NULL;
        if (!f && (!path || errno != ENOENT)) {
                fprintf(stderr, "batchctl: %s: %s\n", path ? path : "log",
                        strerror(path ? errno : ENOMEM));
                free(path);
                store_close(s);
                return CLI_FAILURE;
        }
        char buf[8192];
        for (;;) {
                size_t n;
                if (!f)
                        f = fopen(path, "re");
                while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
                        fwrite(buf, 1, n, stdout);
                fflush(stdout);
                if (!o.follow)
                        break;
                /* Follow until the execution is recorded as finished. */
                bool finished = false;
                if (store_execution_list(s, id, &ex, &err) == 0) {
                        for (size_t i = 0; i < ex.n; i++)
                                if (ex.items[i].id == exec_id)
                                        finished = ex.items[i].finished;
                        store_execution_list_release(&ex);
                }
                if (finished) {
                        if (!f)
                                f = fopen(path, "re");
                        while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
                                fwrite(buf, 1, n, stdout);
                        break;
                }
                if (f)
                        clearerr(f);
                struct timespec ts = {0, 200 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        free(path);
        if (f)
                fclose(f);
        store_close(s);
        return CLI_OK;
}
