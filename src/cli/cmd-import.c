/* cmd-import.c: `batchctl import FORMAT FILE... [-d OUTDIR]`: job definitions from what
 * people run today (a crontab, Quartz's quartz_jobs.xml, Kubernetes CronJobs), with a
 * report of what did not translate and why (docs/import.md). Offline: reads the files,
 * translates them (src/import/), checks the result as `validate` does, and writes it to
 * OUTDIR in export's layout, or prints it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/output.h"
#include "cli/remote.h"
#include "common/buf.h"
#include "defs/emit.h"
#include "defs/load.h"
#include "defs/validate.h"
#include "import/import.h"
#include "import/springdb.h"
#include "cli/import-spring.h"
#include "sys/zoneinfo.h"

static const char usage[] =
        "FORMAT FILE... [-d OUTDIR] [--tz ZONE] [--service URL] [--system] [--db DB]\n"
        "       [-o text|json]\n"
        "  FORMAT: crontab, quartz (quartz_jobs.xml), k8s (CronJob manifests),\n"
        "          spring-batch (FILE: the job repository, a SQLite file or postgresql://...;\n"
        "          its history goes into --db DB, the definitions as for the others)\n"
        "  -d OUTDIR      write OUTDIR/<tenant>/jobs/<name>.yaml (OUTDIR new or empty) and the\n"
        "                 report on stdout; without it the definitions go to stdout, the report\n"
        "                 to stderr\n"
        "  --tz ZONE      the zone the old scheduler ran in, for schedules that name none\n"
        "  --service URL  quartz, spring-batch: the service that runs the jobs (http executor)\n"
        "  --db DB        spring-batch: the repository the history is written to\n"
        "  --system       crontab: /etc/crontab form (a user field before the command)\n"
        "  -o json        with -d: the report as one JSON document on stdout";

typedef int import_fn(const char *file, const char *data, size_t len,
                      const struct import_opts *o, struct import_result *r);

static const struct {
        const char *name;
        import_fn *fn;
} formats[] = {
        {"crontab", import_crontab},
        {"quartz", import_quartz},
        {"k8s", import_k8s},
        {"spring-batch", NULL}, /* a database, not a file: import_spring below */
};

static int usage_error(const char *msg, const char *arg)
{
        fprintf(stderr, "batchctl: import: %s%s%s\nusage: batchctl import %s\n", msg,
                arg ? " " : "", arg ? arg : "", usage);
        return CLI_USAGE;
}

static const char *const kind_names[] = {"error", "refused", "note"};

static const struct import_result *sort_result;

/* The position of a note's file in the order the files were read. */
static size_t file_index(const struct import_result *r, const char *file)
{
        for (size_t i = 0; i < r->set.nfiles; i++)
                if (r->set.files[i] == file)
                        return i;
        return r->set.nfiles;
}

/* Errors first, then refusals, then notes; each by file (in the order read), line and
 * the order found. */
static int cmp_note(const void *a, const void *b)
{
        size_t x = *(const size_t *)a, y = *(const size_t *)b;
        const struct import_note *p = &sort_result->notes[x], *q = &sort_result->notes[y];
        if (p->kind != q->kind)
                return (int)p->kind - (int)q->kind;
        size_t fp = file_index(sort_result, p->file), fq = file_index(sort_result, q->file);
        if (fp != fq)
                return fp < fq ? -1 : 1;
        if (p->line != q->line)
                return p->line - q->line;
        return x < y ? -1 : x > y;
}

/* The report's notes in their order (cmp_note) as indexes into r->notes, or NULL when
 * out of memory (said on stderr). Free it. */
static size_t *sorted_notes(const struct import_result *r)
{
        size_t *idx = malloc((r->nnotes ? r->nnotes : 1) * sizeof(*idx));
        if (!idx) {
                fprintf(stderr, "batchctl: import: out of memory\n");
                return NULL;
        }
        for (size_t i = 0; i < r->nnotes; i++)
                idx[i] = i;
        sort_result = r;
        qsort(idx, r->nnotes, sizeof(*idx), cmp_note);
        return idx;
}

/* Prints the report: "FILE:LINE: KIND: [SUBJECT: ]MESSAGE" lines. */
static void print_report(FILE *f, const struct import_result *r)
{
        size_t *idx = sorted_notes(r);
        for (size_t i = 0; idx && i < r->nnotes; i++) {
                const struct import_note *n = &r->notes[idx[i]];
                if (n->line)
                        fprintf(f, "%s:%d: %s: ", n->file, n->line, kind_names[n->kind]);
                else
                        fprintf(f, "%s: %s: ", n->file, kind_names[n->kind]);
                if (n->subject)
                        fprintf(f, "%s: ", n->subject);
                fprintf(f, "%s\n", n->msg);
        }
        free(idx);
}

/* Prints the report of a finished import as one JSON document on stdout (-o json,
 * docs/import.md): the jobs written, the counts, the notes in the text report's order,
 * and for spring-batch the history written (`hist`, else NULL). Returns an enum
 * cli_exit. */
static int print_report_json(const char *format, const char *dir, const struct import_result *r,
                             const struct spring_written *hist)
{
        size_t *idx = sorted_notes(r);
        json_t *jobs = json_array(), *notes = json_array();
        for (size_t i = 0; i < r->set.ndocs; i++)
                json_array_append_new(jobs, json_string(r->set.docs[i].u.job.name));
        for (size_t i = 0; idx && i < r->nnotes; i++) {
                const struct import_note *n = &r->notes[idx[i]];
                json_array_append_new(
                    notes, json_pack("{s:s, s:s, s:o, s:o, s:s}", "kind", kind_names[n->kind],
                                     "file", n->file,
                                     "line", n->line ? json_integer(n->line) : json_null(),
                                     "subject", n->subject ? json_string(n->subject) : json_null(),
                                     "message", n->msg));
        }
        json_t *doc = json_pack("{s:s, s:s, s:o, s:I, s:I, s:o}", "format", format,
                                "written_to", dir, "jobs", jobs, "refused",
                                (json_int_t)r->count[IMPORT_REFUSED], "notes",
                                (json_int_t)r->count[IMPORT_NOTE], "report", notes);
        if (doc && hist)
                json_object_set_new(doc, "history",
                                    json_pack("{s:I, s:I, s:I}", "instances",
                                              (json_int_t)hist->instances, "executions",
                                              (json_int_t)hist->executions, "step_executions",
                                              (json_int_t)hist->steps));
        bool lost = !idx || !doc || (hist && !json_object_get(doc, "history"));
        free(idx);
        if (lost) {
                json_decref(doc);
                fprintf(stderr, "batchctl: import: out of memory\n");
                return CLI_FAILURE;
        }
        out_json(doc);
        json_decref(doc);
        return CLI_OK;
}

/* Writes the jobs: to dir in export's layout, or as one YAML stream on stdout. */
static int write_jobs(const struct defset *set, const char *dir)
{
        for (size_t i = 0; i < set->ndocs; i++) {
                const struct def_doc *d = &set->docs[i];
                struct buf b;
                buf_init(&b, 0);
                if (!dir && i)
                        buf_puts(&b, "---\n");
                if (defs_emit_doc(d, &b) < 0) {
                        buf_release(&b);
                        fprintf(stderr, "batchctl: import: out of memory\n");
                        return CLI_FAILURE;
                }
                if (!dir) {
                        fputs(b.data, stdout);
                        buf_release(&b);
                        continue;
                }
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s/jobs/%s.yaml", dir, d->u.job.tenant,
                         d->u.job.name);
                int w = cli_write_new_file(path, b.data);
                buf_release(&b);
                if (w < 0) {
                        fprintf(stderr, "batchctl: import: cannot write %s: %s\n", path,
                                strerror(errno));
                        return CLI_FAILURE;
                }
        }
        return CLI_OK;
}

/* The name of a job repository for the report and the audit: a file's path, or a
 * connection string without its user, password and options. */
static void source_name(const char *dsn, char *out, size_t len)
{
        const char *at = strrchr(dsn, '@'), *scheme = strstr(dsn, "://");
        if (scheme && (!strncmp(dsn, "postgresql://", 13) || !strncmp(dsn, "postgres://", 11))) {
                const char *host = at ? at + 1 : scheme + 3;
                size_t n = strcspn(host, "?");
                snprintf(out, len, "postgresql://%.*s", (int)n, host);
        } else {
                snprintf(out, len, "%s", dsn);
        }
}

/* Reads the Spring Batch repository and makes the definitions of its jobs. */
static int read_spring(const char *dsn, const struct import_opts *o, struct sb_history *h,
                       struct import_result *r, char *source, size_t len)
{
        const struct tz *z;
        struct batch_err err = {0};
        source_name(dsn, source, len);
        if (zoneinfo_get(o->timezone ? o->timezone : "UTC", &z, &err) < 0)
                return usage_error(err.msg, NULL);
        if (springdb_read(dsn, z, h, &err) < 0) {
                fprintf(stderr, "batchctl: import: %s: %s\n", source, err.msg);
                return CLI_FAILURE;
        }
        if (import_spring_jobs(h, source, o, r) < 0) {
                fprintf(stderr, "batchctl: import: out of memory\n");
                return CLI_FAILURE;
        }
        return CLI_OK;
}

int cli_import(int argc, char **argv)
{
        struct import_opts o = {0};
        const char *dir = NULL;
        import_fn *fn = NULL;
        const char *format = NULL, *db = NULL, *output = NULL;
        bool known = false;
        char **files = calloc((size_t)argc, sizeof(*files));
        size_t nfiles = 0;
        if (!files)
                return CLI_FAILURE;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char **val = NULL;
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        printf("usage: batchctl import %s\n", usage);
                        free(files);
                        return CLI_OK;
                } else if (!strcmp(a, "-d")) {
                        val = &dir;
                } else if (!strcmp(a, "--tz")) {
                        val = &o.timezone;
                } else if (!strcmp(a, "--service")) {
                        val = &o.service;
                } else if (!strcmp(a, "--db")) {
                        val = &db;
                } else if (!strcmp(a, "-o")) {
                        val = &output;
                } else if (!strcmp(a, "--system")) {
                        o.system_crontab = true;
                } else if (a[0] == '-' && a[1]) {
                        free(files);
                        return usage_error("unknown option", a);
                } else if (!format) {
                        format = a;
                } else {
                        files[nfiles++] = argv[i];
                }
                if (val) {
                        if (i + 1 >= argc || !*argv[i + 1]) {
                                free(files);
                                return usage_error("this option needs a value:", a);
                        }
                        *val = argv[++i];
                }
        }
        for (size_t i = 0; format && i < sizeof(formats) / sizeof(formats[0]); i++)
                if (!strcmp(formats[i].name, format)) {
                        fn = formats[i].fn;
                        known = true;
                }
        bool spring = known && !fn;
        int rc = CLI_OK;
        if (!format)
                rc = usage_error("missing the FORMAT", NULL);
        else if (!known)
                rc = usage_error("unknown FORMAT (crontab, quartz, k8s, spring-batch):", format);
        else if (!nfiles)
                rc = usage_error("missing the FILE to import", NULL);
        else if (o.system_crontab && strcmp(format, "crontab"))
                rc = usage_error("--system applies to crontab only", NULL);
        else if (!strcmp(format, "quartz") && !o.service)
                rc = usage_error("quartz needs --service URL: Quartz jobs are Java classes, and "
                                 "each becomes an http job of the service that runs them",
                                 NULL);
        else if (spring && !o.service)
                rc = usage_error("spring-batch needs --service URL: the service that runs the "
                                 "jobs (each becomes an http job of it)",
                                 NULL);
        else if (spring && (nfiles != 1 || !db))
                rc = usage_error("spring-batch takes one job repository and --db DB, the "
                                 "repository its history is written to",
                                 NULL);
        else if (db && !spring)
                rc = usage_error("--db applies to spring-batch only", NULL);
        else if (output && strcmp(output, "text") && strcmp(output, "json"))
                rc = usage_error("-o must be text or json, not", output);
        else if (output && !strcmp(output, "json") && !dir)
                rc = usage_error("-o json needs -d OUTDIR (without it the definitions go to "
                                 "stdout)",
                                 NULL);
        else if (dir && !cli_dir_empty_or_missing(dir)) {
                fprintf(stderr, "batchctl: import: %s exists and is not an empty directory; "
                                "import into a new one\n",
                        dir);
                rc = CLI_FAILURE;
        }
        if (rc != CLI_OK) {
                free(files);
                return rc;
        }
        struct import_result r = {0};
        struct sb_history h = {0};
        char source[300];
        if (spring) {
                rc = read_spring(files[0], &o, &h, &r, source, sizeof(source));
                nfiles = 0;
        }
        for (size_t i = 0; rc == CLI_OK && i < nfiles; i++) {
                struct buf data;
                buf_init(&data, DEFS_FILE_MAX);
                if ((rc = remote_read_file(files[i], &data)) != CLI_OK) {
                        buf_release(&data);
                        break;
                }
                if (fn(files[i], data.data, data.len, &o, &r) < 0) {
                        fprintf(stderr, "batchctl: import: out of memory\n");
                        rc = CLI_FAILURE;
                }
                buf_release(&data);
        }
        free(files);
        FILE *rep = dir ? stdout : stderr;
        if (rc == CLI_OK && r.count[IMPORT_ERROR]) {
                print_report(stderr, &r);
                fprintf(stderr, "batchctl: import: %zu error%s in the input; nothing was written\n",
                        r.count[IMPORT_ERROR], r.count[IMPORT_ERROR] == 1 ? "" : "s");
                rc = CLI_FAILURE;
        }
        if (rc == CLI_OK) {
                struct diag_list diags = {0, NULL};
                if (defs_validate(&r.set, &diags) < 0) {
                        fprintf(stderr, "batchctl: import: out of memory\n");
                        rc = CLI_FAILURE;
                } else if (diags.n) {
                        print_report(stderr, &r);
                        cli_print_diags(&diags);
                        fprintf(stderr, "batchctl: import: the translated definitions have %zu "
                                        "problem%s (shown at the input's lines); nothing was written\n",
                                diags.n, diags.n == 1 ? "" : "s");
                        rc = CLI_FAILURE;
                }
                diag_list_release(&diags);
        }
        struct spring_written hist = {0};
        bool json = output && !strcmp(output, "json");
        if (rc == CLI_OK && spring && (rc = cli_import_spring_history(db, source, &h, &hist)) ==
                                          CLI_OK && !json)
                printf("import: history of %zu instance%s (%zu execution%s, %zu step "
                       "execution%s) written to the repository\n",
                       hist.instances, hist.instances == 1 ? "" : "s", hist.executions,
                       hist.executions == 1 ? "" : "s", hist.steps, hist.steps == 1 ? "" : "s");
        if (rc == CLI_OK)
                rc = write_jobs(&r.set, dir);
        if (rc == CLI_OK && json) {
                rc = print_report_json(format, dir, &r, spring ? &hist : NULL);
        } else if (rc == CLI_OK) {
                print_report(rep, &r);
                fprintf(rep, "import: %zu job%s%s%s, %zu refused, %zu note%s\n", r.set.ndocs,
                        r.set.ndocs == 1 ? "" : "s", dir ? " written to " : "", dir ? dir : "",
                        r.count[IMPORT_REFUSED], r.count[IMPORT_NOTE],
                        r.count[IMPORT_NOTE] == 1 ? "" : "s");
        }
        import_result_release(&r);
        sb_history_release(&h);
        return rc;
}
