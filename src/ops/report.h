/* report.h: the daily inspection ("patrol") report of issue 15 and the runs figures
 * for the UI's charts, built from the repository (store report ops) and the pure
 * inspection rules (core/inspect.h), and their forms: JSON, CSV, XLSX and the HTML
 * summary of the e-mail. The columns, severities and rules are in docs/report.md. */
#ifndef BATCH_OPS_REPORT_H
#define BATCH_OPS_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "core/inspect.h"
#include "store/store.h"

/* The most bytes a report's text (JSON, CSV or XLSX) may take: a row per scheduled
 * job, about 530 bytes of JSON each, so the 64 MiB of any other answer would stop the
 * daily report of about 125,000 jobs; this holds about a million. */
#define REPORT_MAX_BYTES (512u * 1024 * 1024)

/* Most days a runs report covers; the most day-and-job rows it lists in `items` (every
 * job of a 10,000-job tenant over 10 days; one job is always listed); the most entries
 * of its not-run list. */
#define REPORT_RUNS_MAX_DAYS 366
#define REPORT_RUNS_MAX_ROWS 100000
#define REPORT_RUNS_MAX_NOT_RUN 1000

/* One row of the daily report: one job. */
struct report_row {
        char *job;
        char *display_name;      /* "" when none */
        char *service;           /* the http executor's service, "" for exec */
        char schedule[256];      /* how it is scheduled, in words (inspect_schedule_text) */
        bool checked;            /* false: no frequency check (manual, next_due_api) */
        struct inspect_freq freq;
        char frequency[256];     /* the check in words: "ok (1 run)", "expected 2, ..." */
        int estimated_minutes;   /* -1: unset */
        double average_minutes;  /* < 0: no run with a duration */
        int64_t total, success, failed, has_failure;
        int64_t read_count, write_count, commit_count, write_skip_count, rollback_count;
        unsigned scenarios;      /* enum inspect_scenario bits */
        enum inspect_severity severity;
        char *process_date;      /* the distinct process dates of its instances due that
                                    day, ascending, joined by " "; "" when none */
};

/* The daily report of one tenant and day. */
struct report_daily {
        char tenant[128];
        char date[11];           /* YYYY-MM-DD, in the tenant's zone */
        char timezone[64];
        int64_t from, to;        /* the day's instants [from, to) */
        size_t n;
        struct report_row *rows; /* by job name */
        unsigned scenarios;      /* the union of the rows' */
        enum inspect_severity severity; /* the highest of the rows' */
};

/* Builds the daily report of `tenant` (NULL: "default") for `date` ("YYYY-MM-DD" in
 * the tenant's zone; NULL: the day before the one containing now_s there). A row for
 * each job that had due times expected or instances due that day. Errors:
 * BATCH_ESYNTAX/BATCH_ERANGE for a bad date (field "date"), BATCH_EFORMAT when the
 * tenant's stored definitions do not load, the store's errors. Release with
 * report_daily_release. */
int report_daily_build(struct store *s, const char *tenant, const char *date, int64_t now_s,
                       struct report_daily *ret, struct batch_err *reterr);

void report_daily_release(struct report_daily *r);

/* The forms. JSON: {"tenant", "date", "timezone", "severity", "finding", "summary",
 * "jobs": [...]}; CSV: RFC 4180 with a header line, CRLF line ends, cells starting
 * with = + - @ prefixed with ' (no formulas in spreadsheets); both append to b. */
void report_daily_json(const struct report_daily *r, struct buf *b);
void report_daily_csv(const struct report_daily *r, struct buf *b);

/* Appends the report as an .xlsx workbook (one sheet: bold frozen header, column
 * widths, severity cells coloured). The workbook is written to a temporary file and
 * read back. BATCH_EIO (with the reason) when it cannot be written. */
int report_daily_xlsx(const struct report_daily *r, struct buf *b, struct batch_err *reterr);

/* The e-mail's HTML summary (every text escaped; jobs with findings first). Returns a
 * string the caller frees, or NULL when out of memory. */
char *report_daily_html(const struct report_daily *r);

/* What the 08:00 e-mail needs for `tenant` and `date` (NULL: yesterday): the subject
 * line, the HTML body and the .xlsx attachment. *ret_subject and *ret_html are freed
 * by the caller, xlsx is appended to. Errors as report_daily_build and
 * report_daily_xlsx. */
int report_daily_mail(struct store *s, const char *tenant, const char *date, int64_t now_s,
                      char **ret_subject, char **ret_html, struct buf *xlsx,
                      struct batch_err *reterr);

/* One day and job of the runs report. */
struct report_runs_row {
        char date[11];
        char *job;
        int64_t total, success, failed, skipped, canceled, live;
        int64_t timed;
        double p50_s, avg_s;
        int64_t max_s;
        int estimated_minutes;   /* -1: unset */
        unsigned not_run;        /* admitted dues expected that day without a run:
                                    missing instances and ones ended in Timeout Skip */
};

/* One day over every job (or the one asked for). */
struct report_runs_day {
        char date[11];
        int64_t total, success, failed, skipped, canceled, live, not_run;
};

/* One job over the range: p50_s is its highest daily median, max_s its longest run. */
struct report_runs_job {
        char *job;
        int64_t total, success, failed, skipped, canceled, live, not_run;
        int64_t timed, max_s, over_estimate_days, rows;
        double p50_s;
        int estimated_minutes; /* -1: unset */
};

/* One day and job with expected runs that did not run. */
struct report_runs_missed {
        char date[11];
        char *job;
        unsigned not_run;
};

struct report_runs {
        char tenant[128];
        char from[11], to[11];   /* inclusive dates */
        char timezone[64];
        bool items_kept;         /* false: over REPORT_RUNS_MAX_ROWS, rows not listed */
        size_t n;
        struct report_runs_row *rows; /* by date, then job */
        size_t ndays;
        struct report_runs_day *days; /* every day of the range */
        size_t njobs;
        struct report_runs_job *jobs; /* the jobs with a row, by name */
        int64_t not_run_total;
        size_t nmissed;
        struct report_runs_missed *missed; /* the first REPORT_RUNS_MAX_NOT_RUN by date, job */
};

/* Builds the runs report of `tenant` for the days from..to (inclusive, YYYY-MM-DD in
 * the tenant's zone, at most REPORT_RUNS_MAX_DAYS days), of `job` or every job (NULL).
 * A row for each day and job with instances or expected dues, kept in rows when the
 * tenant's jobs (1 with `job`) times the days are at most REPORT_RUNS_MAX_ROWS; always
 * summed per day and per job. The figures come from the rollup (store_report_runs).
 * Errors: as report_daily_build, BATCH_ERANGE (field "to") when to is before from or
 * the range is longer than REPORT_RUNS_MAX_DAYS. */
int report_runs_build(struct store *s, const char *tenant, const char *from, const char *to,
                      const char *job, struct report_runs *ret, struct batch_err *reterr);

void report_runs_release(struct report_runs *r);

/* Whether the row's longest run took more than its estimate. */
bool report_runs_over_estimate(const struct report_runs_row *w);

/* {"tenant", "from", "to", "timezone", "days": [...], "jobs": [...], "not_run_total",
 * "not_run": [...], "items": [...] or null} (docs/api.md). */
void report_runs_json(const struct report_runs *r, struct buf *b);

#endif
