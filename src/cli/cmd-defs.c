/* cmd-defs.c: definitions in the repository: `batchctl apply`, `batchctl export` and
 * `batchctl jobs list|get|history`, working directly on a repository (--db). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli/output.h"
#include "cli/rcmd.h"
#include "common/buf.h"
#include "common/files.h"
#include "common/json.h"
#include "core/isotime.h"
#include "defs/apply.h"
#include "ops/impact.h"
#include "ops/jobs.h"
#include "ops/secrets.h"
#include "store/store.h"

struct opts {
        const char *db;
        const char *tenant;
        const char *output;
        const char *actor;
        bool dry_run;
        bool prune;
        const char *impact; /* apply --impact DAYS */
        const char *from;   /* apply --from ISO (with --impact) */
};

/* Parses the options shared by these commands; argv[optind..] are the operands. */
static int parse(int argc, char **argv, struct opts *o, const char *usage)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},     {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'}, {"actor", required_argument, NULL, 'a'},
                {"dry-run", no_argument, NULL, 'n'},      {"prune", no_argument, NULL, 'p'},
                {"impact", required_argument, NULL, 'I'}, {"from", required_argument, NULL, 'F'},
                {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        o->tenant = "default";
        optind = 1;
        opterr = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "d:t:o:a:h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'd': o->db = optarg; break;
                case 't': o->tenant = optarg; break;
                case 'o': o->output = optarg; break;
                case 'a': o->actor = optarg; break;
                case 'n': o->dry_run = true; break;
                case 'p': o->prune = true; break;
                case 'I': o->impact = optarg; break;
                case 'F': o->from = optarg; break;
                case 'h': printf("usage: batchctl %s\n", usage); return -1;
                default:
                        fprintf(stderr, "batchctl: unknown or incomplete option '%s'\nusage: batchctl %s\n",
                                argv[optind - 1], usage);
                        return CLI_USAGE;
                }
        }
        return 0;
}

const char *cli_repo_dsn(const char *db, char *buf, size_t len)
{
        const char *dsn = db ? db : getenv("BATCHD_DB");
        if (dsn && *dsn)
                return dsn;
        return store_default_path(buf, len) < 0 ? NULL : buf;
}

void cli_open_secrets(const char *db, struct store *s, struct secrets *k)
{
        char dsnbuf[4096], path[4096];
        const char *dsn = cli_repo_dsn(db, dsnbuf, sizeof(dsnbuf));
        if (!dsn || secrets_path(NULL, NULL, dsn, path, sizeof(path)) < 0)
                path[0] = '\0';
        secrets_setup(k, path, s, false, NULL);
}

int cli_open_repo(const char *db, struct store **s)
{
        char path[4096];
        const char *dsn = cli_repo_dsn(db, path, sizeof(path));
        if (!dsn) {
                fprintf(stderr, "batchctl: no repository: give --db PATH or set BATCHD_DB\n");
                return CLI_USAGE;
        }
        if (dsn == path && files_make_parents(path) < 0) {
                fprintf(stderr, "batchctl: cannot create the directory of %s: %s\n", path,
                        strerror(errno));
                return CLI_FAILURE;
        }
        struct batch_err err;
        if (store_open(dsn, s, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                return CLI_FAILURE;
        }
        return CLI_OK;
}

static const char *actor_of(const struct opts *o)
{
        const char *u = getenv("USER");
        return o->actor ? o->actor : (u && *u ? u : "batchctl");
}

/* A cell of the impact table: the state of one side, with its start. */
static void impact_side(const json_t *side, char *buf, size_t len)
{
        if (!json_is_object(side)) {
                snprintf(buf, len, "-");
                return;
        }
        const json_t *start = json_object_get(side, "start");
        snprintf(buf, len, "%s%s%s", remote_str(side, "state_name", "?"),
                 json_is_string(start) ? " from " : "",
                 json_is_string(start) ? json_string_value(start) : "");
}

/* Prints the impact documents of an apply (ops_impact_apply) as tables. */
static void print_impact(const json_t *doc)
{
        size_t i, k;
        const json_t *t, *c;
        json_array_foreach(json_object_get(doc, "impact"), i, t)
        {
                const json_t *n = json_object_get(t, "counts");
                printf("\nimpact on tenant %s from %s to %s: %lld added, %lld removed, %lld newly "
                       "skipped, %lld new waits, %lld moved, %lld in another state\n",
                       remote_str(t, "tenant", "?"), remote_str(t, "from", "?"),
                       remote_str(t, "to", "?"), rcmd_int(n, "added"), rcmd_int(n, "removed"),
                       rcmd_int(n, "newly_skipped"), rcmd_int(n, "new_wait"),
                       rcmd_int(n, "moved"), rcmd_int(n, "state"));
                const json_t *items = json_object_get(t, "items");
                if (!json_array_size(items))
                        continue;
                printf("%-14s %-24s %-25s  %-45s %-45s %s\n", "CHANGE", "JOB", "DUE", "BEFORE",
                       "AFTER", "WHY");
                json_array_foreach(items, k, c)
                {
                        char b[96], a[96];
                        const json_t *after = json_object_get(c, "after");
                        impact_side(json_object_get(c, "before"), b, sizeof(b));
                        impact_side(after, a, sizeof(a));
                        const char *why = json_is_object(after)
                                                  ? remote_str(after, "waited_for",
                                                               remote_str(after, "reason", ""))
                                                  : "";
                        printf("%-14s %-24s %-25s  %-45s %-45s %s\n", remote_str(c, "kind", "?"),
                               remote_str(c, "job", "?"), remote_str(c, "due", "?"), b, a, why);
                }
        }
}

/* apply --impact: parses DAYS and --from into *days and *from (now when not given). */
static int impact_args(const struct opts *o, const char *usage, int *days, int64_t *from)
{
        char *end;
        errno = 0;
        long v = strtol(o->impact, &end, 10);
        if (errno || end == o->impact || *end || v < 1 || v > OPS_IMPACT_DAYS_MAX) {
                fprintf(stderr, "batchctl: --impact: \"%s\" is not a number of days in 1..%d\n"
                                "usage: batchctl %s\n", o->impact, OPS_IMPACT_DAYS_MAX, usage);
                return CLI_USAGE;
        }
        *days = (int)v;
        *from = (int64_t)time(NULL);
        struct batch_err err;
        if (o->from && iso_parse(o->from, tz_utc(), from, &err) < 0) {
                fprintf(stderr, "batchctl: --from: %s\nusage: batchctl %s\n", err.msg, usage);
                return CLI_USAGE;
        }
        return 0;
}

int cli_apply(int argc, char **argv)
{
        static const char usage[] = "apply PATH... [--db DB] [--dry-run [--impact DAYS [--from "
                                    "ISO]] [-o json]] [--prune] [--actor NAME]";
        struct opts o;
        int r = parse(argc, argv, &o, usage);
        if (r)
                return r < 0 ? CLI_OK : r;
        if (optind >= argc) {
                fprintf(stderr, "batchctl: apply needs at least one PATH\nusage: batchctl %s\n", usage);
                return CLI_USAGE;
        }
        int days = 0;
        int64_t from = 0;
        if ((o.impact || o.from) && !o.dry_run) {
                fprintf(stderr, "batchctl: --impact and --from go with --dry-run: the impact is "
                                "shown before anything is written\nusage: batchctl %s\n", usage);
                return CLI_USAGE;
        }
        if (o.from && !o.impact) {
                fprintf(stderr, "batchctl: --from goes with --impact DAYS\nusage: batchctl %s\n",
                        usage);
                return CLI_USAGE;
        }
        if (o.output && (strcmp(o.output, "json") || !o.impact)) {
                fprintf(stderr, "batchctl: apply takes -o json only with --dry-run --impact "
                                "DAYS\nusage: batchctl %s\n", usage);
                return CLI_USAGE;
        }
        if (o.impact && (r = impact_args(&o, usage, &days, &from)))
                return r;
        struct store *s = NULL;
        if ((r = cli_open_repo(o.db, &s)))
                return r;

        struct defs_apply a;
        defs_apply_init(&a);
        struct secrets keys;
        cli_open_secrets(o.db, s, &keys);
        a.secrets = &keys;
        struct batch_err err = {0};
        r = CLI_FAILURE;
        int rc = defs_apply_plan(s, argv + optind, (size_t)(argc - optind), o.prune, &a, &err);
        if (rc < 0 && a.diags.n) {
                cli_print_diags(&a.diags);
                fprintf(stderr, "batchctl: %zu problem%s found; nothing was changed\n", a.diags.n,
                        a.diags.n == 1 ? "" : "s");
                goto out;
        }
        if (rc < 0)
                goto out;
        for (size_t i = 0; i < a.n && !o.output; i++) {
                const struct defs_change *c = &a.changes[i];
                printf("%-9s %s %s/%s", defs_change_name(c->what), c->kind, c->tenant, c->name);
                if (c->what == DEFS_CHANGED)
                        printf(" (%s)", c->keys);
                putchar('\n');
        }
        if (!o.output)
                printf("apply: %zu created, %zu changed, %zu unchanged, %zu deleted%s\n",
                       a.count[DEFS_CREATED], a.count[DEFS_CHANGED], a.count[DEFS_UNCHANGED],
                       a.count[DEFS_DELETED], o.dry_run ? " (dry run: nothing written)" : "");
        if (o.impact) {
                /* The plan of the next DAYS with the current definitions and with these. */
                struct buf doc;
                buf_init(&doc, 0);
                json_t *j = NULL;
                if (ops_impact_apply(&a, from, days, &doc, &err) == 0 &&
                    (j = out_parse_json(doc.data))) {
                        if (o.output)
                                out_json(j);
                        else
                                print_impact(j);
                }
                buf_release(&doc);
                if (!j)
                        goto out;
                json_decref(j);
        }
        if (!o.dry_run && defs_apply_write(s, &a, actor_of(&o), (int64_t)time(NULL), &err) < 0)
                goto out;
        r = CLI_OK;
out:
        if (r != CLI_OK && !a.diags.n)
                fprintf(stderr, "batchctl: apply failed%s%s; nothing was changed\n",
                        err.msg[0] ? ": " : "", err.msg);
        defs_apply_release(&a);
        secrets_release(&keys);
        store_close(s);
        return r;
}

int cli_write_new_file(const char *path, const char *text)
{
        if (files_make_parents(path) < 0)
                return -1;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -1;
        if (files_write_all(fd, text, strlen(text)) < 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        return close(fd);
}

bool cli_dir_empty_or_missing(const char *dir)
{
        struct stat st;
        if (stat(dir, &st) < 0)
                return errno == ENOENT;
        if (!S_ISDIR(st.st_mode))
                return false;
        bool empty = true;
        DIR *d = opendir(dir);
        if (!d)
                return false;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        empty = false;
        closedir(d);
        return empty;
}

int cli_export(int argc, char **argv)
{
        static const char usage[] = "export DIR [--db DB]";
        struct opts o;
        int r = parse(argc, argv, &o, usage);
        if (r)
                return r < 0 ? CLI_OK : r;
        if (optind != argc - 1) {
                fprintf(stderr, "batchctl: export needs one DIR\nusage: batchctl %s\n", usage);
                return CLI_USAGE;
        }
        const char *dir = argv[optind];
        if (!cli_dir_empty_or_missing(dir)) {
                fprintf(stderr, "batchctl: export: %s exists and is not an empty directory; "
                                "export into a new one so that no stale file survives\n",
                        dir);
                return CLI_FAILURE;
        }
        struct store *s = NULL;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_def_list l = {0, NULL};
        struct batch_err err;
        r = CLI_OK;
        if (store_def_list(s, NULL, NULL, &l, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                r = CLI_FAILURE;
        }
        for (size_t i = 0; r == CLI_OK && i < l.n; i++) {
                const struct store_def *d = &l.items[i];
                char path[4096];
                if (!strcmp(d->kind, "settings"))
                        snprintf(path, sizeof(path), "%s/%s/settings.yaml", dir, d->tenant);
                else
                        snprintf(path, sizeof(path), "%s/%s/%ss/%s.yaml", dir, d->tenant, d->kind,
                                 d->name);
                if (cli_write_new_file(path, d->spec) < 0) {
                        fprintf(stderr, "batchctl: export: cannot write %s: %s\n", path,
                                strerror(errno));
                        r = CLI_FAILURE;
                }
        }
        if (r == CLI_OK)
                printf("export: %zu definition%s written to %s\n", l.n, l.n == 1 ? "" : "s", dir);
        store_def_list_release(&l);
        store_close(s);
        return r;
}

/* ---- jobs list | get | history ---------------------------------------------- */

static int check_output(const char *output, const char *const *allowed)
{
        if (!output)
                return 0;
        for (size_t i = 0; allowed[i]; i++)
                if (!strcmp(output, allowed[i]))
                        return 0;
        fprintf(stderr, "batchctl: -o: \"%s\" is not a known output format\n", output);
        return CLI_USAGE;
}

void cli_spec_field(const char *spec, const char *key, char *buf, size_t len)
{
        buf[0] = '\0';
        size_t klen = strlen(key);
        for (const char *line = spec; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) : strlen(line);
                if (n > klen + 1 && !strncmp(line, key, klen) && line[klen] == ':') {
                        snprintf(buf, len, "%.*s", (int)(n - klen - 2), line + klen + 2);
                        return;
                }
                line = nl ? nl + 1 : NULL;
        }
}


static int jobs_list(int argc, char **argv)
{
        static const char usage[] = "jobs list [--db DB] [--tenant T] [-o table|wide|json|yaml]";
        struct opts o;
        enum out_fmt fmt;
        int r = parse(argc, argv, &o, usage);
        if (r || (r = out_parse(o.output, OUT_STD, &fmt)))
                return r < 0 ? CLI_OK : r;
        struct store *s = NULL;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct batch_err err;
        if (fmt == OUT_YAML) { /* the definitions themselves, as apply reads them */
                struct store_def_list l = {0, NULL};
                if (store_def_list(s, o.tenant, "job", &l, &err) < 0) {
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                        store_close(s);
                        return CLI_FAILURE;
                }
                for (size_t i = 0; i < l.n; i++)
                        printf("%s%s", i ? "---\n" : "", l.items[i].spec);
                store_def_list_release(&l);
                store_close(s);
                return CLI_OK;
        }
        /* The API's document (GET /api/v1/jobs), all of it, then the shared table. */
        struct ops_job_filter f = {.enabled = -1, .drift = -1, .limit = UINT_MAX};
        struct buf out;
        buf_init(&out, 0);
        r = ops_job_list(s, o.tenant, &f, cli_lang(), &out, &err);
        store_close(s);
        if (r < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                buf_release(&out);
                return CLI_FAILURE;
        }
        json_t *doc = out_parse_json(out.data);
        buf_release(&out);
        r = doc ? out_list(doc, fmt, out_jobs_table) : CLI_FAILURE;
        json_decref(doc);
        return r;
}

static int jobs_get_or_history(int argc, char **argv, bool history)
{
        const char *usage = history ? "jobs history NAME [--db DB] [--tenant T] [-o table|wide|json|yaml]"
                                    : "jobs get NAME [--db DB] [--tenant T] [-o yaml|json|table|wide]";
        static const char *const get_formats[] = {"yaml", "json", "table", "wide", NULL};
        static const char *const history_formats[] = {"table", "json", NULL};
        struct opts o;
        int r = parse(argc, argv, &o, usage);
        if (r || (r = check_output(o.output, history ? history_formats : get_formats)))
                return r < 0 ? CLI_OK : r;
        if (optind != argc - 1) {
                fprintf(stderr, "batchctl: a job NAME is needed\nusage: batchctl %s\n", usage);
                return CLI_USAGE;
        }
        const char *name = argv[optind];
        struct store *s = NULL;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct batch_err err;
        struct store_def_list l = {0, NULL};
        struct store_def one;
        bool json = o.output && !strcmp(o.output, "json");
        struct buf out;
        buf_init(&out, 0);
        if (history) {
                if (store_def_history(s, o.tenant, "job", name, &l, &err) < 0 || l.n == 0) {
                        fprintf(stderr, "batchctl: %s\n",
                                l.n == 0 ? "no such job in the repository" : err.msg);
                        store_close(s);
                        return CLI_FAILURE;
                }
                if (json) /* GET /api/v1/jobs/NAME/versions's document */
                        buf_puts(&out, "{\"items\": [");
                else
                        buf_printf(&out, "%7s  %-20s %-16s %s\n", "VERSION", "CHANGED", "BY",
                                   "WHAT");
                for (size_t i = 0; i < l.n; i++) {
                        char when[ISO_FORMAT_MAX];
                        if (json) {
                                buf_puts(&out, i ? ",\n  " : "\n  ");
                                ops_put_def(&out, &l.items[i], true, cli_lang(), false);
                        } else {
                                buf_printf(&out, "%7lld  %-20s %-16s %s\n",
                                           (long long)l.items[i].version,
                                           iso_format_utc(l.items[i].changed_at, when),
                                           l.items[i].changed_by,
                                           l.items[i].changed ? l.items[i].changed : "");
                        }
                }
                if (json)
                        buf_puts(&out, "\n], \"next_cursor\": null}\n");
        } else {
                if (store_def_get(s, o.tenant, "job", name, &one, &err) < 0) {
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                        store_close(s);
                        return CLI_FAILURE;
                }
                bool row = o.output && (!strcmp(o.output, "table") || !strcmp(o.output, "wide"));
                if (json || row) {
                        ops_put_def(&out, &one, false, cli_lang(), false);
                        buf_puts(&out, "\n");
                } else {
                        buf_puts(&out, one.spec);
                }
                if (row) { /* one row of the jobs table */
                        json_t *j = out_parse_json(out.data);
                        out.len = 0;
                        if (j) {
                                out_one(j, !strcmp(o.output, "wide") ? OUT_WIDE : OUT_TABLE,
                                        out_jobs_table);
                                json_decref(j);
                        }
                        if (out.data)
                                out.data[0] = '\0';
                }
                store_def_release(&one);
        }
        fputs(out.data, stdout);
        buf_release(&out);
        store_def_list_release(&l);
        store_close(s);
        return CLI_OK;
}

static int jobs_get(int argc, char **argv)
{
        return jobs_get_or_history(argc, argv, false);
}

static int jobs_history(int argc, char **argv)
{
        return jobs_get_or_history(argc, argv, true);
}

const struct cli_cmd cli_jobs_cmds[] = {
        {"list", "[--db DB] [--tenant T] [-o table|wide|json|yaml]", "list the jobs in the repository",
         jobs_list},
        {"get", "NAME [--db DB] [--tenant T] [-o yaml|json|table|wide]", "print a job's current definition",
         jobs_get},
        {"history", "NAME [--db DB] [--tenant T] [-o table|wide|json|yaml]",
         "list every version of a job: when, by whom, which keys changed", jobs_history},
        {"create", "FILE [-o json]", "create a job from a definition file (YAML or JSON; server only)",
         cli_jobs_create},
        {"replace", "NAME FILE [-o json]", "replace (or create) job NAME from a file (server only)",
         cli_jobs_replace},
        {"delete", "NAME", "delete a job (server only)", cli_jobs_delete},
        {"enable", "NAME [-o json]", "enable a job (server only)", cli_jobs_enable},
        {"disable", "NAME [-o json]", "disable a job: no new instances (server only)",
         cli_jobs_disable},
        {NULL, NULL, NULL, NULL},
};
