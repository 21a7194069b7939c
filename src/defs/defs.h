/* defs.h: job definitions as code (DESIGN.md §2): the in-memory model of job,
 * calendar and settings documents, as read from YAML files, with the source
 * position of every key so that every diagnostic can say file:line:column.
 *
 * Ownership: a `struct defset` owns everything reachable from it; defset_release()
 * frees it all. Strings are NUL-terminated heap copies. */
#ifndef BATCH_DEFS_DEFS_H
#define BATCH_DEFS_DEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/deps.h"

struct def_pos {
        const char *file; /* borrowed from the defset's file list */
        int line;         /* 1-based; 0 when unknown */
        int col;          /* 1-based */
};

/* A key's position, by its path in the document ("trigger.cron", "depends_on[1].job"). */
struct def_keypos {
        char *path;
        struct def_pos pos;
};

struct def_map {
        size_t n;
        char **keys;
        char **vals;
};

struct def_list {
        size_t n;
        char **items;
};

enum job_type { JOB_SCHEDULED, JOB_MANUAL };
enum job_window { WINDOW_ANY, WINDOW_ONLY_IN, WINDOW_NOT_IN };
enum job_window_end { WINDOW_END_CONTINUE, WINDOW_END_TERMINATE };
enum job_catchup { CATCHUP_LATEST, CATCHUP_ALL, CATCHUP_NONE };
enum executor_kind { EXECUTOR_NONE, EXECUTOR_EXEC, EXECUTOR_HTTP };

struct job_dep {
        char *job;
        enum deps_mode mode;
};

struct job_def {
        /* (Pointers and lists first, then the numbers and flags, so that the compiler
         * pads nothing: batchd keeps one per job.) */
        char *tenant;
        char *name;
        char *display_name;
        struct def_map display_names;
        char *description;
        char *group;
        struct def_list exec_command; /* argv */
        struct def_map exec_env;
        char *exec_workdir;
        char *exec_user;
        char *http_service;
        char *http_context_path;
        char *http_remote_job;
        char *http_bearer_file;       /* credentials: at most one of these four, naming where */
        char *http_bearer_env;        /*   the secret is; never the secret itself */
        char *http_basic_file;        /*   (a file holding "user:password") */
        char *http_basic_env;
        char *node_labels;            /* node_labels: the labels a node must have to run the
                                         job, labels_parse's canonical text ("gpu,zone=eu-1");
                                         NULL: none (never ""; an empty list is none) */
        char *cron;                   /* trigger.cron, or NULL */
        char *timezone;               /* trigger.timezone, or NULL: the tenant's */
        char *next_due_api;           /* trigger.next_due_api, or NULL */
        char *calendar;
        size_t ndeps;
        struct job_dep *deps;
        struct def_map parameters;
        double retry_factor;
        struct def_list alert_on;     /* failure, timeout, partial_failure, long_run; empty:
                                         the tenant's (docs/alerts.md) */
        struct def_list alert_email;  /* empty: the tenant's recipients */
        struct def_list alert_webhook;/* empty: the tenant's webhook */
        enum job_type type;
        enum executor_kind executor;
        int http_poll_seconds;        /* executor.http.poll_seconds; 0: 900 (docs/remote-jobs.md) */
        int http_timeout_seconds;     /* one request's timeout; 0: 30 */
        int http_stop_timeout_seconds;/* Stop Failed when a stop is not confirmed by then; 0: 60 */
        int estimated_minutes;        /* -1: unset (the timeout rules take 1) */
        int max_minutes;              /* -1: none */
        int next_due_timeout_seconds; /* trigger.timeout_seconds: one GET's timeout; 0: 30 */
        int next_due_attempts;        /* trigger.attempts: GETs before Start Failed; 0: 4 */
        enum job_window window;
        enum job_window_end on_window_end;
        int retry_attempts;
        int retry_backoff_seconds;
        enum job_catchup catchup;
        int alert_after_failures;     /* alerts.after_failures: a failure alerts from the Nth
                                         consecutive failed instance on; 0: unset (1) */
        bool enabled;
        bool exec_shell;              /* run command[0] as a shell script: only if asked */
        bool allow_multiple_instances;
        bool workday_only;
};

struct calendar_def {
        char *tenant;
        char *name;
        uint8_t workdays;             /* bit n: weekday n (0 = Sunday) */
        size_t nholidays;
        int64_t *holidays;            /* days since 1970-01-01, sorted */
        size_t nextra;
        int64_t *extra_workdays;      /* days since 1970-01-01, sorted */
};

struct pause_def {
        int64_t from;                 /* Unix seconds, inclusive */
        int64_t to;                   /* Unix seconds, exclusive */
};

struct settings_def {
        char *tenant;
        char *timezone;               /* NULL: UTC */
        int window_start;             /* minutes after midnight */
        int window_end;
        size_t npauses;
        struct pause_def *pauses;
        bool offset_enabled;
        int offset_days;
        int estimate_multiple;
        int min_execute_minutes;
        struct def_list alert_email;
        struct def_list alert_webhook;
        struct def_list alert_on;     /* alerts.on; empty: failure and timeout */
        char *smtp_url;               /* alerts.smtp: smtp:// or smtps:// */
        bool smtp_starttls;
        char *smtp_user;
        char *smtp_password_file;     /* the password is read from this file ... */
        char *smtp_password_env;      /* ... or this environment variable, never stored */
        char *smtp_from;
        char *smtp_ca_file;
        char *webhook_secret_file;    /* the webhook's HMAC secret, likewise */
        char *webhook_secret_env;
        int escalate_after_minutes;   /* alerts.escalate: a critical alert not acknowledged
                                         this long is sent to escalate_email too; 0: never */
        struct def_list escalate_email;
        size_t nalert_pauses;         /* alerts.pause: periods when alerts are held back */
        struct pause_def *alert_pauses;
        bool report_enabled;          /* report.enabled: the daily report by e-mail */
        int report_minute;            /* report.time: minutes after midnight, tenant zone;
                                         08:00 by default (docs/report.md) */
        struct def_list report_email; /* report.email; empty: alerts.email */
        char *scheduler_user;         /* scheduler_user: who submits scheduled runs (the
                                         seed's scheduler user); NULL: SETTINGS_SCHEDULER_USER */
        int min_interval_minutes;     /* min_schedule_interval_minutes: a cron firing more
                                         often is refused (the seed's 5); 0: no minimum */
};

/* The scheduler user when the settings name none (seed 001: "the system user VIRTUAL"). */
#define SETTINGS_SCHEDULER_USER "VIRTUAL"

enum def_kind { DEF_JOB, DEF_CALENDAR, DEF_SETTINGS };

/* One document of a file. */
struct def_doc {
        enum def_kind kind;
        struct def_pos pos;           /* where the document starts */
        size_t nkeys;
        struct def_keypos *keys;      /* every key seen, for diagnostics */
        union {
                struct job_def job;
                struct calendar_def calendar;
                struct settings_def settings;
        } u;
};

struct defset {
        size_t nfiles;
        char **files;
        size_t ndocs;
        struct def_doc *docs;
        bool no_key_positions;        /* set by the caller before loading: record no key
                                         positions (each doc's `keys`), so diagnostics
                                         point at the document's start; saves a few
                                         hundred bytes per document (batchd) */
};

/* One problem found in the definitions. */
struct diag {
        struct def_pos pos;
        char *key;                    /* key path, or NULL */
        char *msg;
};

struct diag_list {
        size_t n;
        struct diag *items;
};

/* Releases what one document owns (not the document itself). */
void def_doc_release(struct def_doc *d);

/* Releases everything the defset owns and zeroes it. */
void defset_release(struct defset *set);

/* Releases the diagnostics and zeroes the list. */
void diag_list_release(struct diag_list *list);

/* Appends a diagnostic (the message is formatted like printf). Returns 0 or
 * BATCH_ENOMEM. */
int diag_add(struct diag_list *list, struct def_pos pos, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* The position of key `path` in the document, or the document's own position. */
struct def_pos def_doc_pos(const struct def_doc *doc, const char *path);

/* The document's name (job or calendar name, settings tenant), or "" (borrowed). */
const char *def_doc_name(const struct def_doc *doc);

/* The document's tenant ("default" when it names none; borrowed). */
const char *def_doc_tenant(const struct def_doc *doc);

/* The kind's name as written in a document and stored: "job", "calendar", "settings"
 * (static). */
const char *def_kind_name(enum def_kind kind);

#endif
