/* inspect.h: the daily inspection ("patrol") rules of issue 15 and the seed's Batch
 * Patrol, as pure functions: the bounds of a report day in a zone, the due times a job
 * was expected to have on it (the scheduler's own due-time, pause and window rules, so
 * the check agrees with `batchctl plan`), the frequency check of those against the
 * instances that exist, the human frequency text, and the seed's severities.
 *
 * Pure: no I/O, no clock; every time is an argument. The rules are written out in
 * docs/report.md. */
#ifndef BATCH_CORE_INSPECT_H
#define BATCH_CORE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "core/sched.h"

/* The seed's findings (a bit set per job and per day). 0 is "All Successful". */
enum inspect_scenario {
        INSPECT_FREQUENCY_ISSUES = 1 << 0,       /* expected dues missing, extra or not run */
        INSPECT_EXECUTION_FAILURES = 1 << 1,     /* an instance failed (3, 6, 7, 11) */
        INSPECT_PARTIAL_DATA_FAILURES = 1 << 2,  /* an instance finished with skipped items */
};

/* The seed's severities, in increasing order. */
enum inspect_severity {
        INSPECT_INFORMATION,  /* all successful */
        INSPECT_WARNING,      /* partial data failures only */
        INSPECT_ERROR,        /* frequency issues or execution failures */
        _INSPECT_SEVERITY_MAX,
};

/* Most due times inspect_expected reports for one job and day (a cron with seconds
 * firing every second on a 25-hour day has 90000). */
#define INSPECT_MAX_DUES 90000

/* One expected due time: `skip` is NULL when an instance due then should run, else
 * the Timeout Skip reason it is created with (PAUSE_REASON, WINDOW_REASON_*). */
struct inspect_due {
        int64_t due;
        const char *skip;
};

/* A scheduled instance that exists: its due time and state (DESIGN §3 code). */
struct inspect_seen {
        int64_t due;
        int state;
};

/* The frequency check's result for one job and day. */
struct inspect_freq {
        bool ok;
        unsigned expected;       /* due times the schedule has in the day */
        unsigned expected_runs;  /* of those, the ones admitted by pause and window */
        unsigned found;          /* scheduled instances due in the day */
        unsigned missing;        /* expected due times without an instance */
        unsigned missing_runs;   /* of those, the ones admitted by pause and window */
        unsigned extra;          /* instances at due times the schedule does not have */
        unsigned not_run;        /* admitted dues whose instance ended in 8 Timeout Skip */
        int64_t first_missing;   /* the earliest missing due (valid when missing > 0) */
        int64_t first_extra;     /* the earliest extra due (valid when extra > 0) */
        int64_t first_not_run;   /* the earliest not-run due (valid when not_run > 0) */
};

/* Parses a report date "YYYY-MM-DD" (exactly that form, years 1970..9999, a real
 * calendar date) into days since 1970-01-01. BATCH_ESYNTAX or BATCH_ERANGE with a
 * message that quotes the text and says what is wrong (field "date"). */
int inspect_parse_date(const char *text, int64_t *ret_day, struct batch_err *reterr);

/* Writes day `day` as "YYYY-MM-DD" into buf (at least 11 bytes); returns buf. */
char *inspect_format_date(int64_t day, char *buf);

/* The instants [*ret_start, *ret_end) of local day `day` in zone z: from local
 * midnight to the next local midnight (23 or 25 hours on a DST change; a midnight in
 * a spring-forward gap is the first instant after the gap). */
void inspect_day_bounds(const struct tz *z, int64_t day, int64_t *ret_start, int64_t *ret_end);

/* The local day (days since 1970-01-01) of instant t in zone z. */
int64_t inspect_day_of(const struct tz *z, int64_t t);

/* The due times of job j in [start, end) as the scheduler creates them: its cron fire
 * times (skipping non-workdays of its calendar for workday-only jobs), each with the
 * skip reason the tenant's pause periods or window give it. A disabled job, one
 * without cron and an external-due job have none. Writes at most cap dues to out and
 * returns how many there are (which may exceed cap; at most INSPECT_MAX_DUES + 1 are
 * counted, the last meaning "more than INSPECT_MAX_DUES"). */
size_t inspect_expected(const struct sched_job_spec *j, const struct sched_tenant *t,
                        int64_t start, int64_t end, struct inspect_due *out, size_t cap);

/* Compares the expected dues (ascending, as inspect_expected writes them) with the
 * scheduled instances that exist (any order; seen is sorted in place by due time) and
 * fills *ret. ok when nothing is missing, extra or not run. */
void inspect_frequency(const struct inspect_due *exp, size_t nexp, struct inspect_seen *seen,
                       size_t nseen, struct inspect_freq *ret);

/* The check's finding in words into buf: "ok (2 runs)" or e.g. "expected 2, found 1:
 * missing 03:00" (times local in zone z; several findings joined by "; "). Returns the
 * length it needed, like snprintf. */
size_t inspect_frequency_text(const struct inspect_freq *f, const struct tz *z, char *buf,
                              size_t len);

/* How the job is scheduled, in words: the cron explanation, its zone, and its
 * workday calendar, window and enabled state where they matter, e.g. "at 02:00 every
 * day (Asia/Tokyo)". `calendar` is the calendar's name or NULL. Returns the length
 * needed, like snprintf. */
size_t inspect_schedule_text(const struct sched_job_spec *j, const char *calendar, char *buf,
                             size_t len);

/* The findings of one job from its frequency check and its counts. */
unsigned inspect_scenarios(const struct inspect_freq *f, int64_t failed, int64_t has_failure);

/* The severity of a set of findings: error for frequency issues or execution
 * failures, warning for partial data failures alone, information for none. */
enum inspect_severity inspect_severity_of(unsigned scenarios);

/* "information", "warning", "error". */
const char *inspect_severity_name(enum inspect_severity s);

/* The findings in the seed's words into buf: "All Successful" for none, else the
 * names ("Frequency Issues", "Execution Failures", "Partial Data Failures") joined by
 * "; ". Returns buf. buf must hold INSPECT_SCENARIO_TEXT_MAX bytes. */
#define INSPECT_SCENARIO_TEXT_MAX 64
char *inspect_scenario_text(unsigned scenarios, char *buf);

#endif
