/* cmd-defs.c: definitions in the repository: `batchctl apply`, `batchctl export` and
 * `batchctl jobs list|get|history`, working directly on a repository (--db). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/buf.h"
#include "common/json.h"
#include "core/isotime.h"
#include "defs/emit.h"
#include "defs/load.h"
#include "defs/validate.h"
#include "store/store.h"

struct opts {
        const char *db;
        const char *tenant;
        const char *output;
        const char *actor;
        bool dry_run;
        bool prune;
};

/* Parses the options shared by these commands; argv[optind..] are the operands. */
static int parse(int argc, char **argv, struct opts *o, const char *usage)
{
        static const struct option longopts[] = {
                {"db", required_argument, NULL, 'd'},     {"tenant", required_argument, NULL, 't'},
                {"output", required_argument, NULL, 'o'}, {"actor", required_argument, NULL, 'a'},
                {"dry-run", no_argument, NULL, 'n'},      {"prune", no_argument, NULL, 'p'},
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
                case 'h': printf("usage: batchctl %s\n", usage); return -1;
                default:
                        fprintf(stderr, "batchctl: unknown or incomplete option '%s'\nusage: batchctl %s\n",
                                argv[optind - 1], usage);
                        return CLI_USAGE;
                }
        }
        return 0;
}

/* Creates the directories above `path` (mode 0700 for new ones). */
static int make_parents(const char *path)
{
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s", path);
        for (char *p = tmp + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
                        return -1;
                *p = '/';
        }
        return 0;
}

int cli_open_repo(const char *db, struct store **s)
{
        char path[4096];
        const char *dsn = db ? db : getenv("BATCHD_DB");
        if (!dsn || !*dsn) {
                if (store_default_path(path, sizeof(path)) < 0) {
                        fprintf(stderr, "batchctl: no repository: give --db PATH or set BATCHD_DB\n");
                        return CLI_USAGE;
                }
                if (make_parents(path) < 0) {
                        fprintf(stderr, "batchctl: cannot create the directory of %s: %s\n", path,
                                strerror(errno));
                        return CLI_FAILURE;
                }
                dsn = path;
        }
        struct batch_err err;
        if (store_open(dsn, s, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                return CLI_FAILURE;
        }
        return CLI_OK;
}

static const char *const kind_names[] = {"job", "calendar", "settings"};

static const char *doc_tenant(const struct def_doc *d)
{
        switch (d->kind) {
        case DEF_JOB: return d->u.job.tenant;
        case DEF_CALENDAR: return d->u.calendar.tenant;
        case DEF_SETTINGS: return d->u.settings.tenant;
        }
        return "default";
}

enum change_kind { CH_CREATED, CH_CHANGED, CH_UNCHANGED, CH_DELETED };
static const char *const change_names[] = {"created", "changed", "unchanged", "deleted"};

struct change {
        enum change_kind what;
        const char *kind, *tenant, *name; /* borrowed from the defset or the stored list */
        char *spec;                       /* canonical text to store */
        char keys[512];                   /* changed keys, comma-separated */
};

/* The keys whose canonical values differ between the new document and the stored
 * text, comma-separated into keys. */
static void changed_keys(const struct def_doc *now, const char *stored, char *keys, size_t len)
{
        struct defset old = {0};
        struct diag_list diags = {0, NULL};
        struct def_fields a = {0}, b = {0};
        keys[0] = '\0';
        defs_load_buffer(&old, "stored", stored, strlen(stored), &diags);
        defs_fields(now, &a);
        if (old.ndocs == 1)
                defs_fields(&old.docs[0], &b);
        size_t used = 0;
        for (int pass = 0; pass < 2; pass++) {
                const struct def_fields *x = pass ? &b : &a, *y = pass ? &a : &b;
                for (size_t i = 0; i < x->n; i++) {
                        const char *other = NULL;
                        for (size_t k = 0; k < y->n; k++)
                                if (!strcmp(y->items[k].key, x->items[i].key))
                                        other = y->items[k].value;
                        if (other && (pass || !strcmp(other, x->items[i].value)))
                                continue; /* same, or a difference already listed */
                        int w = snprintf(keys + used, len - used, "%s%s", used ? ", " : "",
                                         x->items[i].key);
                        if (w > 0 && (size_t)w < len - used)
                                used += (size_t)w;
                }
        }
        defs_fields_release(&a);
        defs_fields_release(&b);
        defset_release(&old);
        diag_list_release(&diags);
}

static bool in_files(const struct defset *set, size_t nfile_docs, const struct store_def *d)
{
        for (size_t i = 0; i < nfile_docs; i++) {
                const struct def_doc *doc = &set->docs[i];
                if (!strcmp(kind_names[doc->kind], d->kind) && !strcmp(doc_tenant(doc), d->tenant) &&
                    !strcmp(def_doc_name(doc), d->name))
                        return true;
        }
        return false;
}

static bool tenant_in_files(const struct defset *set, size_t nfile_docs, const char *tenant)
{
        for (size_t i = 0; i < nfile_docs; i++)
                if (!strcmp(doc_tenant(&set->docs[i]), tenant))
                        return true;
        return false;
}

static const char *actor_of(const struct opts *o)
{
        const char *u = getenv("USER");
        return o->actor ? o->actor : (u && *u ? u : "batchctl");
}

int cli_apply(int argc, char **argv)
{
        static const char usage[] = "apply PATH... [--db DB] [--dry-run] [--prune] [--actor NAME]";
        struct opts o;
        int r = parse(argc, argv, &o, usage);
        if (r)
                return r < 0 ? CLI_OK : r;
        if (optind >= argc) {
                fprintf(stderr, "batchctl: apply needs at least one PATH\nusage: batchctl %s\n", usage);
                return CLI_USAGE;
        }
        struct store *s = NULL;
        if ((r = cli_open_repo(o.db, &s)))
                return r;

        struct defset set = {0};
        struct diag_list diags = {0, NULL};
        struct store_def_list stored = {0, NULL};
        struct change *ch = NULL;
        size_t nch = 0;
        struct batch_err err = {0};
        r = CLI_FAILURE;
        if (defs_load_paths(&set, argv + optind, (size_t)(argc - optind), &diags) < 0 ||
            store_def_list(s, NULL, NULL, &stored, &err) < 0)
                goto out;
        size_t nfile_docs = set.ndocs;
        /* What stays in the repository takes part in validation (parents, calendars). */
        for (size_t i = 0; i < stored.n; i++) {
                const struct store_def *d = &stored.items[i];
                if (in_files(&set, nfile_docs, d) || (o.prune && tenant_in_files(&set, nfile_docs, d->tenant)))
                        continue;
                char label[600];
                snprintf(label, sizeof(label), "repository:%s/%s/%s", d->kind, d->tenant, d->name);
                if (defs_load_buffer(&set, label, d->spec, strlen(d->spec), &diags) < 0)
                        goto out;
        }
        if (defs_validate(&set, &diags) < 0)
                goto out;
        if (diags.n) {
                cli_print_diags(&diags);
                fprintf(stderr, "batchctl: %zu problem%s found; nothing was changed\n", diags.n,
                        diags.n == 1 ? "" : "s");
                goto out;
        }

        ch = calloc(nfile_docs + stored.n + 1, sizeof(*ch));
        if (!ch)
                goto out;
        size_t count[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < nfile_docs; i++) {
                const struct def_doc *doc = &set.docs[i];
                struct change *c = &ch[nch++];
                struct buf text;
                buf_init(&text, 0);
                if (defs_emit_doc(doc, &text) < 0) {
                        buf_release(&text);
                        goto out;
                }
                c->spec = buf_detach(&text);
                c->kind = kind_names[doc->kind];
                c->tenant = doc_tenant(doc);
                c->name = def_doc_name(doc);
                struct store_def cur;
                int got = store_def_get(s, c->tenant, c->kind, c->name, &cur, &err);
                if (got < 0 && got != BATCH_ENOENT)
                        goto out;
                err.msg[0] = '\0';
                if (got < 0) {
                        c->what = CH_CREATED;
                        snprintf(c->keys, sizeof(c->keys), "created");
                } else {
                        c->what = strcmp(cur.spec, c->spec) ? CH_CHANGED : CH_UNCHANGED;
                        if (c->what == CH_CHANGED)
                                changed_keys(doc, cur.spec, c->keys, sizeof(c->keys));
                        store_def_release(&cur);
                }
        }
        for (size_t i = 0; o.prune && i < stored.n; i++) {
                const struct store_def *d = &stored.items[i];
                if (in_files(&set, nfile_docs, d) || !tenant_in_files(&set, nfile_docs, d->tenant))
                        continue;
                struct change *c = &ch[nch++];
                c->what = CH_DELETED;
                c->kind = d->kind;
                c->tenant = d->tenant;
                c->name = d->name;
        }
        for (size_t i = 0; i < nch; i++) {
                count[ch[i].what]++;
                printf("%-9s %s %s/%s", change_names[ch[i].what], ch[i].kind, ch[i].tenant,
                       ch[i].name);
                if (ch[i].what == CH_CHANGED)
                        printf(" (%s)", ch[i].keys);
                putchar('\n');
        }
        printf("apply: %zu created, %zu changed, %zu unchanged, %zu deleted%s\n", count[0],
               count[1], count[2], count[3], o.dry_run ? " (dry run: nothing written)" : "");
        if (o.dry_run || count[0] + count[1] + count[3] == 0) {
                r = CLI_OK;
                goto out;
        }

        int64_t now = (int64_t)time(NULL);
        const char *actor = actor_of(&o);
        if (store_begin(s, &err) < 0)
                goto out;
        for (size_t i = 0; i < nch; i++) {
                const struct change *c = &ch[i];
                char object[600];
                snprintf(object, sizeof(object), "%s/%s/%s", c->kind, c->tenant, c->name);
                int w = 0;
                if (c->what == CH_CREATED || c->what == CH_CHANGED) {
                        struct store_def d = {.tenant = (char *)c->tenant,
                                              .kind = (char *)c->kind,
                                              .name = (char *)c->name,
                                              .spec = c->spec,
                                              .changed = (char *)c->keys,
                                              .changed_by = (char *)actor};
                        w = store_def_put(s, &d, now, &err);
                } else if (c->what == CH_DELETED) {
                        w = store_def_delete(s, c->tenant, c->kind, c->name, actor, now, &err);
                } else {
                        continue;
                }
                if (w == 0)
                        w = store_audit_add(s, now, actor, change_names[c->what], object,
                                            c->keys[0] ? c->keys : NULL, &err);
                if (w < 0) {
                        store_rollback(s);
                        goto out;
                }
        }
        if (store_commit(s, &err) < 0) {
                store_rollback(s);
                goto out;
        }
        r = CLI_OK;
out:
        if (r != CLI_OK && !diags.n)
                fprintf(stderr, "batchctl: apply failed%s%s; nothing was changed\n",
                        err.msg[0] ? ": " : "", err.msg);
        for (size_t i = 0; i < nch; i++)
                free(ch[i].spec);
        free(ch);
        store_def_list_release(&stored);
        diag_list_release(&diags);
        defset_release(&set);
        store_close(s);
        return r;
}

static int write_file(const char *path, const char *text)
{
        if (make_parents(path) < 0)
                return -1;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -1;
        size_t len = strlen(text), done = 0;
        while (done < len) {
                ssize_t n = write(fd, text + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        close(fd);
                        return -1;
                }
                done += (size_t)n;
        }
        return close(fd);
}

static bool dir_empty_or_missing(const char *dir)
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
        if (!dir_empty_or_missing(dir)) {
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
                if (write_file(path, d->spec) < 0) {
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

/* The canonical value of `key` in a stored spec ("" when absent), into buf. */
static void spec_field(const char *spec, const char *key, char *buf, size_t len)
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

static void put_def_json(struct buf *b, const struct store_def *d, bool history)
{
        char when[ISO_FORMAT_MAX];
        buf_puts(b, "{\"tenant\": ");
        json_put_string(b, d->tenant);
        buf_puts(b, ", \"kind\": ");
        json_put_string(b, d->kind);
        buf_puts(b, ", \"name\": ");
        json_put_string(b, d->name);
        buf_printf(b, ", \"version\": %lld, \"%s\": \"%s\", \"%s\": ", (long long)d->version,
                   history ? "changed_at" : "updated_at", iso_format_utc(d->changed_at, when),
                   history ? "changed_by" : "updated_by");
        json_put_string(b, d->changed_by);
        if (history) {
                buf_puts(b, ", \"changed\": ");
                json_put_string(b, d->changed);
        }
        buf_puts(b, ", \"spec\": ");
        json_put_string(b, d->spec);
        buf_puts(b, "}");
}

static int jobs_list(int argc, char **argv)
{
        static const char usage[] = "jobs list [--db DB] [--tenant T] [-o table|json|yaml]";
        static const char *const formats[] = {"table", "json", "yaml", NULL};
        struct opts o;
        int r = parse(argc, argv, &o, usage);
        if (r || (r = check_output(o.output, formats)))
                return r < 0 ? CLI_OK : r;
        struct store *s = NULL;
        if ((r = cli_open_repo(o.db, &s)))
                return r;
        struct store_def_list l = {0, NULL};
        struct batch_err err;
        if (store_def_list(s, o.tenant, "job", &l, &err) < 0) {
                fprintf(stderr, "batchctl: %s\n", err.msg);
                store_close(s);
                return CLI_FAILURE;
        }
        struct buf out;
        buf_init(&out, 0);
        const char *fmt = o.output ? o.output : "table";
        if (!strcmp(fmt, "json")) {
                buf_puts(&out, "[");
                for (size_t i = 0; i < l.n; i++) {
                        buf_puts(&out, i ? ",\n  " : "\n  ");
                        put_def_json(&out, &l.items[i], false);
                }
                buf_puts(&out, l.n ? "\n]\n" : "]\n");
        } else if (!strcmp(fmt, "yaml")) {
                for (size_t i = 0; i < l.n; i++)
                        buf_printf(&out, "%s%s", i ? "---\n" : "", l.items[i].spec);
        } else {
                buf_printf(&out, "%-32s %-9s %7s  %-20s %s\n", "NAME", "TYPE", "VERSION",
                           "UPDATED", "TRIGGER");
                for (size_t i = 0; i < l.n; i++) {
                        char type[32], trigger[256], when[ISO_FORMAT_MAX];
                        spec_field(l.items[i].spec, "type", type, sizeof(type));
                        spec_field(l.items[i].spec, "trigger", trigger, sizeof(trigger));
                        buf_printf(&out, "%-32s %-9s %7lld  %-20s %s\n", l.items[i].name, type,
                                   (long long)l.items[i].version,
                                   iso_format_utc(l.items[i].changed_at, when),
                                   trigger[0] ? trigger : "-");
                }
        }
        fputs(out.data, stdout);
        buf_release(&out);
        store_def_list_release(&l);
        store_close(s);
        return CLI_OK;
}

static int jobs_get_or_history(int argc, char **argv, bool history)
{
        const char *usage = history ? "jobs history NAME [--db DB] [--tenant T] [-o table|json]"
                                    : "jobs get NAME [--db DB] [--tenant T] [-o yaml|json]";
        static const char *const get_formats[] = {"yaml", "json", NULL};
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
                if (json)
                        buf_puts(&out, "[");
                else
                        buf_printf(&out, "%7s  %-20s %-16s %s\n", "VERSION", "CHANGED", "BY",
                                   "WHAT");
                for (size_t i = 0; i < l.n; i++) {
                        char when[ISO_FORMAT_MAX];
                        if (json) {
                                buf_puts(&out, i ? ",\n  " : "\n  ");
                                put_def_json(&out, &l.items[i], true);
                        } else {
                                buf_printf(&out, "%7lld  %-20s %-16s %s\n",
                                           (long long)l.items[i].version,
                                           iso_format_utc(l.items[i].changed_at, when),
                                           l.items[i].changed_by,
                                           l.items[i].changed ? l.items[i].changed : "");
                        }
                }
                if (json)
                        buf_puts(&out, "\n]\n");
        } else {
                if (store_def_get(s, o.tenant, "job", name, &one, &err) < 0) {
                        fprintf(stderr, "batchctl: %s\n", err.msg);
                        store_close(s);
                        return CLI_FAILURE;
                }
                if (json) {
                        put_def_json(&out, &one, false);
                        buf_puts(&out, "\n");
                } else {
                        buf_puts(&out, one.spec);
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
        {"list", "[--db DB] [--tenant T] [-o table|json|yaml]", "list the jobs in the repository",
         jobs_list},
        {"get", "NAME [--db DB] [--tenant T] [-o yaml|json]", "print a job's current definition",
         jobs_get},
        {"history", "NAME [--db DB] [--tenant T] [-o table|json]",
         "list every version of a job: when, by whom, which keys changed", jobs_history},
        {NULL, NULL, NULL, NULL},
};
