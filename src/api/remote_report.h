/* remote_report.h: the report of a remote run (docs/remote-jobs.md "Report"): the body of
 * a callback and the answer of a service's status endpoint, parsed and checked into a
 * struct. One parser for both, so a callback and a poll apply the same rules. */
#ifndef BATCH_API_REMOTE_REPORT_H
#define BATCH_API_REMOTE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "store/store.h"

#define REMOTE_REPORT_MAX_STEPS 1000
#define REMOTE_STEP_NAME_MAX 200
#define REMOTE_MESSAGE_MAX 1000
#define REMOTE_BODY_MAX (1024 * 1024)

enum remote_status { REMOTE_RUNNING, REMOTE_SUCCESS, REMOTE_FAILED, REMOTE_STOPPED };

/* The eight counts of DESIGN §7, in this order. */
enum remote_count {
        RC_READ, RC_WRITE, RC_COMMIT, RC_ROLLBACK, RC_READ_SKIP, RC_PROCESS_SKIP, RC_WRITE_SKIP,
        RC_FILTER, RC_X_MAX
};

struct remote_step {
        char name[REMOTE_STEP_NAME_MAX + 1];
        const char *status;            /* "STARTED", "COMPLETED", "FAILED" or "STOPPED" (static) */
        int64_t counts[RC_X_MAX];
        char *exit_message;            /* or NULL */
};

struct remote_report {
        bool has_execution_id;
        int64_t execution_id;
        enum remote_status status;
        char *message;                 /* or NULL */
        size_t nsteps;
        struct remote_step *steps;
};

/* The key of count c in a report ("read_count", ...). */
const char *remote_count_name(enum remote_count c);

/* "running", "success", "failed", "stopped". */
const char *remote_status_name(enum remote_status s);

/* Parses len bytes of JSON into *ret. Unknown keys are refused, as are wrong types,
 * counts outside 0..2^53, names and messages over their limits, more than
 * REMOTE_REPORT_MAX_STEPS steps, two steps of one name and bodies over REMOTE_BODY_MAX.
 * Returns 0 (release *ret with remote_report_release) or BATCH_EINVAL with reterr naming
 * the field (e.g. "steps[2].read_count") and why; *ret is then untouched. */
int remote_report_parse(const char *body, size_t len, struct remote_report *ret,
                        struct batch_err *reterr);

void remote_report_release(struct remote_report *r);

/* The step execution row of report step s for execution exec_id; its strings point into
 * s (valid while s is). */
struct store_step remote_step_row(const struct remote_step *s, int64_t exec_id);

#endif
