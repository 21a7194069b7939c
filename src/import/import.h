/* import.h: `batchctl import` (issue 23, "Migration"): what people run today, turned
 * into batchd job definitions (DESIGN.md §2), with a report of what did not translate
 * and why. One translator per source format, each a pure function over the text of
 * one file (no I/O, no clock): the CLI reads the files, validates the result with the
 * definition checks and writes it. The mapping rules are in docs/import.md.
 *
 * Ownership: a `struct import_result` owns its definitions and notes;
 * import_result_release() frees them. */
#ifndef BATCH_IMPORT_IMPORT_H
#define BATCH_IMPORT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "defs/defs.h"

/* What a note says about the input. */
enum import_kind {
        IMPORT_ERROR,   /* the input is malformed: nothing may be written */
        IMPORT_REFUSED, /* an entry that cannot be translated: left out, with the reason */
        IMPORT_NOTE,    /* translated, but batchd behaves differently here: the difference */
        IMPORT_KIND_MAX,
};

struct import_note {
        enum import_kind kind;
        const char *file; /* borrowed from the result's defset file list */
        int line;         /* 1-based; 0 for the whole file */
        char *subject;    /* the entry (job name, trigger), or NULL */
        char *msg;
};

struct import_opts {
        const char *timezone; /* the zone the old scheduler ran in, for schedules that do not
                                 name one; NULL: leave them on the tenant's zone (and say so) */
        const char *service;  /* Quartz: the base URL of the service that runs the job classes
                                 (the executor becomes http); NULL: refused, see import.md */
        bool system_crontab;  /* crontab: /etc/crontab form, a user field after the schedule */
};

struct import_result {
        struct defset set; /* the translated jobs, one document each, in input order */
        size_t nnotes;
        struct import_note *notes;
        size_t count[IMPORT_KIND_MAX];
        bool oom;          /* an allocation failed: the result is incomplete */
};

/* Frees everything the result owns and zeroes it. */
void import_result_release(struct import_result *r);

/* Translates the crontab text `data` (`len` bytes, named `file` in the report): 5-field
 * and @macro entries, environment lines (CRON_TZ, TZ, SHELL, MAILTO, others), `%`,
 * comments; `@reboot` is refused with a reason. Appends jobs and notes to *r. Returns 0
 * (even when the input had errors: see r->count[IMPORT_ERROR]) or BATCH_ENOMEM. */
int import_crontab(const char *file, const char *data, size_t len, const struct import_opts *o,
                   struct import_result *r);

/* Translates a Quartz job-scheduling-data XML file (quartz_jobs.xml, schema 2.0): jobs
 * with their cron and simple triggers and misfire instructions. As import_crontab. */
int import_quartz(const char *file, const char *data, size_t len, const struct import_opts *o,
                  struct import_result *r);

/* Translates Kubernetes CronJob manifests (YAML, several documents allowed; other
 * kinds are refused). As import_crontab. */
int import_k8s(const char *file, const char *data, size_t len, const struct import_opts *o,
               struct import_result *r);

/* The Quartz day-of-week field `in` (1 = Sunday .. 7 = Saturday) in batchd's terms
 * (names, so that no number is read differently), into out. Returns 0, or
 * BATCH_ESYNTAX with the reason in `why` (both buffers always NUL-terminated). */
int import_quartz_dow(const char *in, char *out, size_t outlen, char *why, size_t whylen);

/* A Quartz cron expression (6 or 7 fields, day-of-week 1-7 from Sunday) as a batchd
 * one (Spring conventions, DESIGN.md §2.1). Returns 0 or BATCH_ESYNTAX with the reason
 * in `why`. */
int import_quartz_cron(const char *in, char *out, size_t outlen, char *why, size_t whylen);

/* The cron expression of a fixed interval of `interval_ms` milliseconds whose phase is
 * `phase_s` seconds after midnight UTC (the trigger's start time of day), when a cron
 * can say it: the interval is a whole number of seconds that divides a minute, an
 * hour or a day evenly. Returns 0, or BATCH_ERANGE with the reason in `why`. */
int import_interval_cron(long long interval_ms, long phase_s, char *out, size_t outlen,
                         char *why, size_t whylen);

/* A batchd job name made of `text` ([a-z0-9][a-z0-9_.-]{0,127}): letters lowercased,
 * a camelCase boundary and any other character become '-', runs of '-' are one, leading
 * and trailing ones go. Writes "" when nothing is left. */
void import_slug(const char *text, char *out, size_t len);

#endif
