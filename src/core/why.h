/* why.h: the explanation of one instance's fate (issue 24, docs/why.md): the steps the
 * scheduler took for it, each naming the rule (and its DESIGN.md section), the values it
 * saw and its verdict, recorded by the scheduler itself (sched.c) as it decides, so the
 * explanation cannot differ from what the rules did.
 *
 * A `struct why` is attached to a scheduler with sched_set_why(); it names the instance
 * to follow (a job's scheduled due time, or the caller's ext_id of a restored instance)
 * and collects the steps. Pure: no I/O, no clock. */
#ifndef BATCH_CORE_WHY_H
#define BATCH_CORE_WHY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rules an explanation can name; why_rule_name/why_rule_section give their words. */
enum why_rule {
        WHY_TRIGGER,     /* the job's type and trigger (§2): manual, disabled, api */
        WHY_CRON,        /* the cron expression fires at the due time (§2.1) */
        WHY_CALENDAR,    /* workday_only: the due date is (not) a workday (§2.2) */
        WHY_OFFSET,      /* the tenant's time offset shifts the clock (§2.2) */
        WHY_CATCHUP,     /* a missed due time and the catch-up policy (§2) */
        WHY_PAUSE,       /* the tenant's pause periods (§2.2) */
        WHY_WINDOW,      /* the job's window policy at the due time (§2.2) */
        WHY_DUE_PARAMS,  /* FirstDueTime / LastDueTime (§2.4) */
        WHY_PARENT,      /* one parent and its governing instance (§2.3) */
        WHY_SINGLE,      /* allow_multiple_instances false: a live earlier instance (§2) */
        WHY_SUPERSEDED,  /* the next due instance replaced a waiting one (§2.3) */
        WHY_WINDOW_CLOSE,/* the window closed (or opened) while it waited (§2.2) */
        WHY_START,       /* nothing holds it back: it starts (§3, §4) */
        WHY_TIMEOUT,     /* warning and max_minutes (§5) */
        WHY_WINDOW_END,  /* on_window_end: terminate (§2) */
        WHY_END,         /* the run's end and the final state (§3) */
        WHY_RETRY,       /* a retry after a failure (§2 retry) */
        WHY_OPERATOR,    /* an operator's stop, rerun or Manual Success (§3) */
        WHY_RECORD,      /* the instance as the repository recorded it (§3) */
        WHY_NEXT_DUE,    /* nothing is due at the asked time: the next due and why not earlier */
        WHY_HORIZON,     /* the forecast ended before the instance did */
        WHY_RULE_X_MAX,
};

/* A step's verdict. */
enum why_verdict {
        WHY_PASS,  /* the rule lets it go on */
        WHY_WAIT,  /* the rule holds it in 1 Dependency Wait */
        WHY_SKIP,  /* the rule made it 8 Timeout Skip (or, for the calendar, no instance) */
        WHY_DUE,   /* a due time: an instance is (or is not) created */
        WHY_RUN,   /* it starts, or a retry sends it back to 0 Init */
        WHY_WARN,  /* a timeout warning */
        WHY_STOP,  /* it is being stopped */
        WHY_DONE,  /* it reached its final state */
        WHY_NONE,  /* the rule creates nothing (manual, disabled, never due) */
        WHY_VERDICT_X_MAX,
};

#define WHY_TEXT_MAX 320

struct why_step {
        enum why_rule rule;
        enum why_verdict verdict;
        int64_t at;                /* the scheduling time at which the rule was applied */
        int state;                 /* the instance's state after the step (-1: none) */
        char text[WHY_TEXT_MAX];   /* the values the rule saw, in words (times in UTC) */
};

/* Which instance to follow, and what was found. */
struct why {
        size_t job;                /* the job (index into the scheduler's jobs) */
        int64_t due;               /* follow its scheduled instance due then, or: */
        int64_t ext_id;            /* non-zero: follow the instance with this ext_id */
        size_t n, cap;
        struct why_step *steps;
        bool found;                /* the instance was created or restored */
        bool final;                /* it reached a final state with no retry pending */
        int64_t inst_id;           /* the scheduler's id of it, once found */
        int nomem;                 /* a step could not be kept (out of memory) */
};

/* Zeroes *w and sets what to follow (ext_id 0: the scheduled instance of job due at due). */
void why_init(struct why *w, size_t job, int64_t due, int64_t ext_id);

/* Frees the steps; *w may be reused after why_init. */
void why_release(struct why *w);

/* Appends a step, unless the latest step of the same rule about the same subject (the
 * text up to its first ':') has the same verdict and text: a rule decided again with the
 * same outcome is one step; and when that step is the latest of all, taken at the same
 * instant with the same verdict, the new one replaces it (the last decision of an
 * instant tells it). The text is formatted with
 * printf's rules and cut to WHY_TEXT_MAX - 1 bytes. Out of memory: w->nomem is set and the
 * step is lost. */
void why_add(struct why *w, enum why_rule rule, enum why_verdict verdict, int64_t at, int state,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The rule's name ("dependency") and DESIGN.md section ("2.3"), static. */
const char *why_rule_name(enum why_rule r);
const char *why_rule_section(enum why_rule r);

/* The verdict's word ("wait"), static. */
const char *why_verdict_name(enum why_verdict v);

#endif
