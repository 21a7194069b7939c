/* cli.h: batchctl's command tables. A noun (e.g. "cron") has verbs (e.g. "next");
 * each verb is one `struct cli_cmd` in cmd-<noun>.c, and all share one signature. */
#ifndef BATCH_CLI_CLI_H
#define BATCH_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* batchctl exit statuses (DESIGN.md §10). */
enum cli_exit {
        CLI_OK = 0,
        CLI_FAILURE = 1,
        CLI_USAGE = 2,
};

struct cli_cmd {
        const char *name;
        const char *usage;   /* "EXPR [--tz ZONE] ..." */
        const char *summary; /* one line for the help listing */
        /* argv[0] is the verb; returns an enum cli_exit. */
        int (*run)(int argc, char **argv);
};

struct cli_noun {
        const char *name;
        const char *summary;
        const struct cli_cmd *cmds; /* terminated by an entry with name NULL; or NULL */
        int (*run)(int argc, char **argv); /* a command without verbs: argv[0] is the noun */
};

extern const struct cli_cmd cli_cron_cmds[];

struct defset;
struct diag_list;

extern const struct cli_cmd cli_jobs_cmds[];

/* The table `instances list` prints, the same in local and remote mode: the header
 * (ID, JOB, DUE, STATE, HAS FAILURE, REASON) and a row (the id as long long). */
#define INSTANCE_TABLE_HEAD "%8s  %-24s %-21s %-12s %-15s %-11s %s\n"
#define INSTANCE_TABLE_ROW "%8lld  %-24s %-21s %-12s %-15s %-11s %s\n"

/* The control surface over the repository (cmd-instances.c). */
extern const struct cli_cmd cli_instances_cmds[];
extern const struct cli_cmd cli_instance_cmds[];
int cli_submit(int argc, char **argv);

/* `batchctl dlq list|purge`: the SDK's dead letters (cmd-dlq.c). */
extern const struct cli_cmd cli_dlq_cmds[];

/* `batchctl nodes [list] | get | drain | undrain`, on the server or a repository
 * (cmd-nodes.c): argv[0] is "nodes". */
extern const struct cli_cmd cli_nodes_cmds[];
int cli_nodes(int argc, char **argv);

/* `batchctl alerts list|get|explain|ack` on a repository (cmd-alerts.c). */
extern const struct cli_cmd cli_alerts_cmds[];

/* `batchctl apply PATH...` and `batchctl export DIR` (cmd-defs.c). */
int cli_apply(int argc, char **argv);
int cli_export(int argc, char **argv);

/* Writes text to a new file at path (creating missing parent directories); fails when
 * the file exists. Returns 0, or -1 with errno set. */
int cli_write_new_file(const char *path, const char *text);

/* True when dir does not exist or is an empty directory (export's and import's rule, so
 * that no stale file survives beside what they write). */
bool cli_dir_empty_or_missing(const char *dir);

/* `batchctl import FORMAT FILE...`: definitions from crontab, Quartz, Kubernetes
 * CronJobs, Spring Batch (cmd-import.c, docs/import.md). */
int cli_import(int argc, char **argv);

/* `batchctl report daily|runs`: the daily inspection report and the runs figures, from
 * the server or a repository (cmd-report.c). */
int cli_report(int argc, char **argv);

/* `batchctl plan`: the forecast of a period (cmd-plan.c). */
int cli_plan(int argc, char **argv);

/* `batchctl why JOB`: the rules that decided a due time or an instance (cmd-why.c). */
int cli_why(int argc, char **argv);
/* Loads and validates every definition stored in repository `db` into *set; problems
 * are printed. Returns CLI_OK or CLI_FAILURE (cmd-plan.c). */
int cli_load_repo(const char *db, struct defset *set);

/* Loads the overlay file or directory `path` into *ov, applies it to *set and validates
 * the result (defs/overlay.h); problems are printed. *ov must outlive *set; release both.
 * Returns CLI_OK or CLI_FAILURE (cmd-validate.c). */
int cli_overlay(const char *path, struct defset *set, struct defset *ov);

/* `batchctl diff DIR`: a directory's definitions against a repository's (cmd-diff.c). */
int cli_diff(int argc, char **argv);

struct store;

/* `batchctl db backup|restore|vacuum` (cmd-db.c). */
extern const struct cli_cmd cli_db_cmds[];

/* The repository named by `db` (--db), else $BATCHD_DB, else the default path (written
 * into buf), or NULL when there is none. */
const char *cli_repo_dsn(const char *db, char *buf, size_t len);

/* Opens the repository `db`, else $BATCHD_DB, else the default path (creating its
 * directory); prints the problem on stderr. Returns CLI_OK, CLI_USAGE or CLI_FAILURE. */
int cli_open_repo(const char *db, struct store **s);

struct secrets;

/* Sets up the secrets key of repository `db` (as cli_open_repo resolves it, opened as s)
 * the way batchd finds it: $BATCHD_SECRETS_KEY, else <repository>.d/secrets.key (SQLite)
 * or /var/lib/batchd/secrets.key (PostgreSQL); docs/security.md. A problem with the key
 * matters only when a secret is written, which then fails with it; release with
 * secrets_release. */
void cli_open_secrets(const char *db, struct store *s, struct secrets *k);

/* The canonical value of top-level `key` in a stored spec ("" when absent), into buf. */
void cli_spec_field(const char *spec, const char *key, char *buf, size_t len);

/* `batchctl validate PATH...`. */
int cli_validate(int argc, char **argv);

/* Loads and validates definition paths into *set; prints every problem on stderr.
 * Returns CLI_OK, or CLI_FAILURE when there were problems (the caller still
 * releases *set). */
int cli_load_defs(char *const *paths, size_t npaths, struct defset *set);

/* Prints diagnostics sorted by position on stderr as file:line:column: key: reason. */
void cli_print_diags(struct diag_list *diags);

/* The reader's language preferences as an Accept-Language value, from the environment's
 * LANGUAGE, LC_ALL, LC_MESSAGES and LANG (lang_from_locale); "" when none. Read once. */
const char *cli_lang(void);

/* Prints "batchctl: <message>" and the verb's usage line on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *noun, const struct cli_cmd *cmd, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
