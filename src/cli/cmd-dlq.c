/* cmd-dlq.c: `batchctl dlq list|purge|retry`: the dead letters SDK programs recorded
 * (items a step skipped, with their errors; docs/sdk.md). Purge deletes the selected
 * letters in one transaction with an audit row; retry writes their items to a file, runs
 * the job on it and deletes them once that run succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/buf.h"
#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "ops/dlq.h"
#include "ops/instances.h"
#include "ops/secrets.h"
#include "store/store.h"

struct dopts {
        const char *db, *tenant, *output, *job, *actor;
        const char *step, *param, *header, *file; /* retry */
        int64_t instance;
        unsigned limit;
        long timeout_s;                           /* retry */
        bool all;
};

/* Whether verb `cmd` takes option `name`: the ones its usage line names. */
static bool takes(const struct cli_cmd *cmd, const char *name)
{
        char opt[32];
        snprintf(opt, sizeof(opt), !strcmp(name, "output") ? "-o " : "--%s ", name);
        return !strcmp(name, "help") || strstr(cmd->usage, opt) ||
               (!strcmp(name, "all") && strstr(cmd->usage, "--all)"));
}

static int parse(const struct cli_cmd *cmd, int argc, char **argv, struct dopts *o)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},     {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'}, {"job", required_argument, NULL, 'j'},
                {"instance", required_argument, NULL, 'i'}, {"limit", required_argument, NULL, 'l'},
                {"actor", required_argument, NULL, 'a'},  {"all", no_argument, NULL, 'A'},
                {"step", required_argument, NULL, 's'},   {"param", required_argument, NULL, 'p'},
                {"header", required_argument, NULL, 'H'}, {"file", required_argument, NULL, 'f'},
                {"timeout", required_argument, NULL, 'T'}, {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        o->tenant = "default";
        o->limit = 100;
        o->timeout_s = 600;
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:t:o:h", longopts, NULL)) != -1) {
                char *end;
                const struct option *lo = longopts;
                while (lo->name && lo->val != ch)
                        lo++;
                if (lo->name && !takes(cmd, lo->name)) /* another verb's option */
                        return cli_usage_error("dlq", cmd, "'dlq %s' takes no --%s", cmd->name,
                                               lo->name);
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'j': o->job = optarg; break;
                case 'a': o->actor = optarg; break;
                case 'A': o->all = true; break;
                case 's': o->step = optarg; break;
                case 'p': o->param = optarg; break;
                case 'H': o->header = optarg; break;
                case 'f': o->file = optarg; break;
                case 'T':
                        errno = 0;
                        o->timeout_s = strtol(optarg, &end, 10);
                        if (errno || *end || o->timeout_s < 0 || o->timeout_s > 7 * 86400)
                                return cli_usage_error("dlq", cmd, "--timeout \"%s\" must be 0 to "
                                                                   "604800 seconds", optarg);
                        break;
                case 'i':
                        errno = 0;
                        o->instance = strtoll(optarg, &end, 10);
                        if (errno || *end || o->instance <= 0)
                                return cli_usage_error("dlq", cmd, "--instance \"%s\" is not an "
                                                                   "instance id", optarg);
                        break;
                case 'l': {
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < 1 || v > 10000)
                                return cli_usage_error("dlq", cmd,
                                                       "--limit \"%s\" must be 1 to 10000", optarg);
                        o->limit = (unsigned)v;
                        break;
                }
                case 'h': printf("usage: batchctl dlq %s %s\n", cmd->name, cmd->usage); return -1;
                default:
                        return cli_usage_error("dlq", cmd, "unknown or incomplete option '%s'",
                                               argv[optind - 1]);
                }
        }
        if (optind < argc)
                return cli_usage_error("dlq", cmd, "unexpected argument '%s'", argv[optind]);
        if (o->output && strcmp(o->output, "json") && strcmp(o->output, "table"))
                return cli_usage_error("dlq", cmd, "-o must be json or table, not \"%s\"",
                                       o->output);
        return 0;
}

static int list(int argc, char **argv);
static int purge(int argc, char **argv);
static int retry(int argc, char **argv);

const struct cli_cmd cli_dlq_cmds[] = {
        {"list", "[--job NAME] [--instance ID] [--limit N] [--db DB] [--tenant T] [-o table|wide|json|yaml]",
         "dead letters, oldest first", list},
        {"purge", "(--job NAME | --instance ID | --all) [--db DB] [--tenant T] [--actor NAME]",
         "delete the selected dead letters, audited", purge},
        {"retry",
         "(--job NAME | --instance ID) --param NAME [--step S] [--header LINE] [--file PATH] "
         "[--timeout SECONDS] [--db DB] [--tenant T] [--actor NAME]",
         "run the job again on the dead letters' items; delete them once that run succeeded",
         retry},
        {NULL, NULL, NULL, NULL},
};

static int list(int argc, char **argv)
{
        struct dopts o;
        int r = parse(&cli_dlq_cmds[0], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_dead_letter_filter f = {.tenant = o.tenant, .job = o.job,
                                             .instance_id = o.instance, .limit = o.limit};
        struct batch_err err;
        struct buf b;
        buf_init(&b, 0);
        if (o.output && !strcmp(o.output, "json")) {
                /* What GET /api/v1/dead-letters answers. */
                int rc = ops_dead_letter_list(s, &f, &b, &err);
                if (rc == 0)
                        fwrite(b.data, 1, b.len, stdout);
                else
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                buf_release(&b);
                store_close(s);
                return rc == 0 ? CLI_OK : CLI_FAILURE;
        }
        struct store_dead_letter_list l;
        if (store_dead_letter_list(s, &f, &l, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                buf_release(&b);
                store_close(s);
                return CLI_FAILURE;
        }
        char t[ISO_FORMAT_MAX];
        buf_printf(&b, "%8s  %8s  %-20s %-16s %-20s %s\n", "ID", "INSTANCE", "JOB", "STEP", "AT",
                   "ERROR");
        for (size_t i = 0; i < l.n; i++) {
                const struct store_dead_letter *d = &l.items[i];
                buf_printf(&b, "%8lld  %8lld  %-20s %-16s %-20s %s\n", (long long)d->id,
                           (long long)d->instance_id, d->job, d->step,
                           iso_format_utc(d->created_at, t), d->error ? d->error : "");
        }
        fwrite(b.data, 1, b.len, stdout);
        buf_release(&b);
        store_dead_letter_list_release(&l);
        store_close(s);
        return CLI_OK;
}

static int purge(int argc, char **argv)
{
        struct dopts o;
        int r = parse(&cli_dlq_cmds[1], argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        if (!o.all && !o.job && !o.instance)
                return cli_usage_error("dlq", &cli_dlq_cmds[1],
                                       "say what to purge: --job, --instance or --all");
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct batch_err err;
        const char *user = getenv("USER");
        const char *actor = o.actor ? o.actor : (user && *user ? user : "batchctl");
        size_t purged;
        if (ops_dead_letter_purge(s, o.tenant, o.job, o.instance, actor, (int64_t)time(NULL),
                                  &purged, &err) < 0) {
                fprintf(stderr, "batchctl: %s; nothing was purged\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        printf("purged %zu dead letters\n", purged);
        store_close(s);
        return CLI_OK;
}

/* ---- retry ------------------------------------------------------------------------------ */

static int retry_parse(int argc, char **argv, struct dopts *o)
{
        const struct cli_cmd *cmd = &cli_dlq_cmds[2];
        int r = parse(cmd, argc, argv, o);
        if (r)
                return r;
        if (!o->job == !o->instance)
                return cli_usage_error("dlq", cmd, "say which letters: --job NAME or --instance ID");
        if (!o->param || !*o->param)
                return cli_usage_error("dlq", cmd, "--param NAME is required: the job parameter "
                                                   "that names its input file");
        return 0;
}

/* The selected letters (all of them, by id), of one job and one step. Returns CLI_OK,
 * or the exit status after printing why. */
static int retry_select(struct store *s, const struct dopts *o, struct store_dead_letter_list *out)
{
        struct store_dead_letter_filter f = {.tenant = o->tenant, .job = o->job,
                                             .instance_id = o->instance, .limit = 10000};
        struct batch_err err;
        memset(out, 0, sizeof(*out));
        for (;;) {
                struct store_dead_letter_list l;
                if (store_dead_letter_list(s, &f, &l, &err) < 0) {
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                        return CLI_FAILURE;
                }
                size_t got = l.n;
                if (got)
                        f.after_id = l.items[got - 1].id;
                for (size_t i = 0; i < l.n; i++) {
                        struct store_dead_letter *d = &l.items[i];
                        if (o->step && strcmp(d->step, o->step))
                                continue;
                        if (out->n && strcmp(out->items[0].step, d->step)) {
                                fprintf(stderr, "batchctl: the letters are of steps \"%s\" and "
                                                "\"%s\": choose one with --step\n",
                                        out->items[0].step, d->step);
                                store_dead_letter_list_release(&l);
                                return CLI_USAGE;
                        }
                        struct store_dead_letter *grown =
                                realloc(out->items, (out->n + 1) * sizeof(*grown));
                        if (!grown) {
                                store_dead_letter_list_release(&l);
                                fprintf(stderr, "batchctl: out of memory\n");
                                return CLI_FAILURE;
                        }
                        out->items = grown;
                        out->items[out->n++] = *d; /* takes its strings */
                        memset(d, 0, sizeof(*d));
                }
                store_dead_letter_list_release(&l);
                if (got < f.limit)
                        break;
        }
        if (!out->n) {
                fprintf(stderr, "batchctl: no dead letters match (job %s, instance %lld%s%s)\n",
                        o->job ? o->job : "any", (long long)o->instance, o->step ? ", step " : "",
                        o->step ? o->step : "");
                return CLI_FAILURE;
        }
        return CLI_OK;
}

/* Writes the header (if any) and one item per line to a new file; its absolute path goes
 * to abs. */
static int retry_write(const struct dopts *o, const struct store_dead_letter_list *l,
                       char abs[PATH_MAX])
{
        char def[PATH_MAX];
        const char *path = o->file;
        if (!path) {
                snprintf(def, sizeof(def), "dlq-retry-%s-%lld.txt", l->items[0].job,
                         (long long)l->items[l->n - 1].id);
                path = def;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0) {
                fprintf(stderr, "batchctl: cannot create %s: %s%s\n", path, strerror(errno),
                        errno == EEXIST ? " (give another --file)" : "");
                return CLI_FAILURE;
        }
        FILE *f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return CLI_FAILURE;
        }
        if (o->header)
                fprintf(f, "%s\n", o->header);
        for (size_t i = 0; i < l->n; i++)
                fprintf(f, "%s\n", l->items[i].item ? l->items[i].item : "");
        bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
        int e = errno;
        if (fclose(f) != 0 && ok) {
                ok = false;
                e = errno;
        }
        if (ok && !realpath(path, abs)) {
                ok = false;
                e = errno;
        }
        if (!ok) {
                fprintf(stderr, "batchctl: cannot write %s: %s\n", path, strerror(e));
                unlink(path);
                return CLI_FAILURE;
        }
        return CLI_OK;
}

/* The parameters of the letters' latest instance with `param` set to `path` (malloc'ed
 * JSON text), or NULL after printing why. */
static char *retry_params(struct store *s, const struct dopts *o,
                          const struct store_dead_letter_list *l, const char *path)
{
        int64_t latest = 0;
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].instance_id > latest)
                        latest = l->items[i].instance_id;
        struct store_instance in;
        struct batch_err err;
        if (store_instance_get(s, latest, &in, &err) < 0) {
                fprintf(stderr, "batchctl: instance %lld: %s\n", (long long)latest, err.msg);
                return NULL;
        }
        json_t *p = in.params ? json_loads(in.params, 0, NULL) : json_object();
        store_instance_release(&in);
        if (!json_is_object(p)) {
                json_decref(p);
                p = json_object();
        }
        char *text = NULL;
        if (p && json_object_set_new(p, o->param, json_string(path)) == 0)
                text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(p);
        if (!text)
                fprintf(stderr, "batchctl: out of memory\n");
        return text;
}

/* Waits until instance `id` is final or the timeout passes; its state, or -1. */
static int retry_wait(struct store *s, int64_t id, long timeout_s)
{
        struct timespec t0, now;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                struct store_instance in;
                struct batch_err err;
                if (store_instance_get(s, id, &in, &err) < 0)
                        return -1;
                int st = in.state;
                store_instance_release(&in);
                if (state_is_final(st))
                        return st;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - t0.tv_sec >= timeout_s)
                        return st;
                struct timespec d = {0, 200 * 1000 * 1000};
                nanosleep(&d, NULL);
        }
}

/* Deletes the retried letters in one transaction with an audit row. */
static int retry_delete(struct store *s, const struct dopts *o,
                        const struct store_dead_letter_list *l, int64_t id)
{
        struct batch_err err;
        int rc = store_begin(s, &err);
        for (size_t i = 0; rc == 0 && i < l->n; i++)
                rc = store_dead_letter_delete(s, l->items[i].id, &err);
        const char *user = getenv("USER");
        const char *actor = o->actor ? o->actor : (user && *user ? user : "batchctl");
        char detail[200];
        snprintf(detail, sizeof(detail), "%zu dead letters (ids %lld to %lld) retried by instance "
                                         "%lld", l->n, (long long)l->items[0].id,
                 (long long)l->items[l->n - 1].id, (long long)id);
        if (rc == 0 &&
            (rc = store_audit_add(s, (int64_t)time(NULL), actor, "dlq-retry", o->tenant, detail,
                                  &err)) == 0)
                rc = store_commit(s, &err);
        if (rc < 0) {
                store_rollback(s);
                fprintf(stderr, "batchctl: %s; the dead letters are kept\n", err.msg);
                return CLI_FAILURE;
        }
        return CLI_OK;
}

static int retry(int argc, char **argv)
{
        struct dopts o;
        int r = retry_parse(argc, argv, &o);
        if (r)
                return r < 0 ? CLI_OK : r;
        struct store *s;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_dead_letter_list l = {0, NULL};
        char path[PATH_MAX];
        char *params = NULL;
        int64_t id = 0;
        if ((r = retry_select(s, &o, &l)) == CLI_OK && (r = retry_write(&o, &l, path)) == CLI_OK &&
            !(params = retry_params(s, &o, &l, path))) {
                unlink(path);
                r = CLI_FAILURE;
        }
        if (r == CLI_OK) {
                const char *user = getenv("USER");
                const char *actor = o.actor ? o.actor : (user && *user ? user : "batchctl");
                struct batch_err err;
                int64_t now;
                struct secrets keys;
                cli_open_secrets(o.db, s, &keys);
                int rc = ops_clock_now(s, &now, &err);
                if (rc == 0)
                        rc = ops_submit(s, &keys, o.tenant, l.items[0].job, params, actor, now,
                                        &id, &err);
                secrets_release(&keys);
                if (rc < 0) {
                        fprintf(stderr, "batchctl: %s; nothing was submitted\n", err.msg);
                        unlink(path);
                        r = CLI_FAILURE;
                }
        }
        if (r == CLI_OK) {
                printf("submitted instance %lld of %s on %zu item%s of dead letters %lld to %lld "
                       "(%s)\n",
                       (long long)id, l.items[0].job, l.n, l.n == 1 ? "" : "s",
                       (long long)l.items[0].id, (long long)l.items[l.n - 1].id, path);
                fflush(stdout);
                int st = retry_wait(s, id, o.timeout_s);
                if (st == STATE_SUCCESS || st == STATE_MANUAL_SUCCESS) {
                        r = retry_delete(s, &o, &l, id);
                        if (r == CLI_OK)
                                printf("instance %lld succeeded: the %zu dead letters are deleted "
                                       "(items that failed again are dead letters of instance "
                                       "%lld)\n",
                                       (long long)id, l.n, (long long)id);
                } else {
                        fprintf(stderr,
                                "batchctl: instance %lld %s %s: the dead letters are kept (purge "
                                "them with batchctl dlq purge once it succeeded)\n",
                                (long long)id, state_is_final(st) ? "ended" : "is still",
                                st >= 0 ? state_name(st) : "unknown");
                        r = CLI_FAILURE;
                }
        }
        free(params);
        store_dead_letter_list_release(&l);
        store_close(s);
        return r;
}
