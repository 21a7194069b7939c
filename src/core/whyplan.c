/* whyplan.c: one instance explained through the simulation (see whyplan.h). */
#include "core/whyplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/civil.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/subset.h"

#define WHY_NOT_EARLIER_DAYS 8 /* calendar days listed one by one, then counted */

static const char *utc(int64_t t, char *buf)
{
        return iso_format_utc(t, buf);
}

static const struct tz *zone_of(const struct sched_job_spec *j)
{
        return j->zone ? j->zone : tz_utc();
}

static const char *cron_of(const struct sched_job_spec *j)
{
        return j->cron_text ? j->cron_text : "(trigger)";
}

/* The steps that say why nothing is due at `at`, `due` being the next due time: where
 * the cron fires around `at`, and for a workday-only job every day the calendar skipped
 * in between. */
static void not_earlier(const struct sched_job_spec *j, int64_t at, int64_t due, struct why *w)
{
        static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        const struct tz *z = zone_of(j);
        char a[ISO_FORMAT_MAX], b[ISO_FORMAT_MAX], c[ISO_FORMAT_MAX];
        int64_t last, next;
        bool has_last = cron_prev(&j->cron, z, at, &last) == 0;
        bool has_next = cron_next(&j->cron, z, at - 1, &next) == 0;
        why_add(w, WHY_NEXT_DUE, WHY_NONE, at, -1,
                "not due at %s: cron \"%s\" in %s fired last at %s and fires next at %s",
                utc(at, a), cron_of(j), tz_name(z), has_last ? utc(last, b) : "never",
                has_next ? utc(next, c) : "never");
        if (j->workday_only && has_next) {
                struct calendar def;
                const struct calendar *cal = j->calendar;
                if (!cal) {
                        calendar_init_default(&def);
                        cal = &def;
                }
                char name[160];
                bool named = j->calendar && j->calendar_name;
                snprintf(name, sizeof(name), "%s%s", named ? "calendar " : "",
                         named ? j->calendar_name : "the default calendar (Mon-Fri)");
                int64_t prev_day = INT64_MIN;
                size_t days = 0;
                for (int64_t t = next; t < due; ) {
                        int64_t day = civil_floordiv(tz_to_local(z, t), 86400);
                        if (day != prev_day) {
                                prev_day = day;
                                int y, m, d;
                                civil_date_from_days(day, &y, &m, &d);
                                enum calendar_day k = calendar_day_kind(cal, day);
                                if (++days <= WHY_NOT_EARLIER_DAYS)
                                        why_add(w, WHY_CALENDAR, WHY_SKIP, at, -1,
                                                "%04d-%02d-%02d (%s): %s %s, so its fire time %s "
                                                "creates no instance",
                                                y, m, d, wd[civil_weekday(day)],
                                                k == CALENDAR_HOLIDAY ? "a holiday of"
                                                                      : "not a workday of",
                                                name, utc(t, a));
                        }
                        if (cron_next(&j->cron, z, t, &t) < 0)
                                break;
                }
                if (days > WHY_NOT_EARLIER_DAYS)
                        why_add(w, WHY_CALENDAR, WHY_SKIP, at, -1,
                                "and %zu more days that are not workdays of %s",
                                days - WHY_NOT_EARLIER_DAYS, name);
        }
        why_add(w, WHY_NEXT_DUE, WHY_DUE, at, -1, "the next due time after %s is %s",
                utc(at, a), utc(due, b));
}

/* The job and its ancestors, as a model of their own, with the restored instances and
 * the outcomes that concern them. */
struct closure {
        struct sched_subset sub;
        struct sim_restore *restore;
        size_t nrestore;
        struct sim_outcome *outcomes;
        size_t noutcomes;
};

static void closure_release(struct closure *c)
{
        sched_subset_release(&c->sub);
        free(c->restore);
        free(c->outcomes);
}

static int closure_build(const struct why_query *q, struct closure *c)
{
        memset(c, 0, sizeof(*c));
        bool *keep = calloc(q->njobs, sizeof(*keep));
        if (!keep)
                return BATCH_ENOMEM;
        keep[q->job] = true;
        int rc = sched_subset_build(q->jobs, q->njobs, keep, &c->sub);
        free(keep);
        if (rc < 0)
                return rc;
        const long *new_of = c->sub.new_of;
        c->restore = calloc(q->nrestore ? q->nrestore : 1, sizeof(*c->restore));
        c->outcomes = calloc(q->noutcomes ? q->noutcomes : 1, sizeof(*c->outcomes));
        if (!c->restore || !c->outcomes)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < q->nrestore; i++)
                if (q->restore[i].job < q->njobs && new_of[q->restore[i].job] >= 0) {
                        c->restore[c->nrestore] = q->restore[i];
                        c->restore[c->nrestore++].job = (size_t)new_of[q->restore[i].job];
                }
        for (size_t i = 0; i < q->noutcomes; i++)
                if (q->outcomes[i].job < q->njobs && new_of[q->outcomes[i].job] >= 0) {
                        c->outcomes[c->noutcomes] = q->outcomes[i];
                        c->outcomes[c->noutcomes++].job = (size_t)new_of[q->outcomes[i].job];
                }
        return 0;
}

/* The step for a job whose trigger creates no instance, or NULL when it has due times. */
static const char *no_trigger(const struct sched_job_spec *j)
{
        if (!j->enabled)
                return "disabled: it creates no instances, and its children ignore it";
        if (j->external_due)
                return "next_due_api: its due times come from the API, which a forecast does "
                       "not call";
        if (!j->has_cron)
                return "manual: it runs only when submitted";
        return NULL;
}

int why_explain(const struct why_query *q, struct why_answer *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->due = INT64_MAX;
        if (q->job >= q->njobs)
                return BATCH_EINVAL;
        const struct sched_job_spec *j = &q->jobs[q->job];
        struct why *w = &ret->why;
        why_init(w, q->job, 0, q->ext_id);
        char a[ISO_FORMAT_MAX];
        if (q->offset && q->offset->enabled && q->offset->days)
                why_add(w, WHY_OFFSET, WHY_PASS, q->at, -1,
                        "enabled: the tenant's scheduling clock is real time %+d days, and every "
                        "time here is on that clock", q->offset->days);
        int64_t due = INT64_MAX;
        if (q->ext_id) {
                const struct sched_inst *in = NULL;
                const char *reason = "";
                for (size_t i = 0; i < q->nrestore; i++)
                        if (q->restore[i].inst.ext_id == q->ext_id && q->restore[i].job == q->job) {
                                in = &q->restore[i].inst;
                                reason = q->restore[i].reason;
                        }
                if (!in)
                        return BATCH_EINVAL;
                due = in->due;
                char b[ISO_FORMAT_MAX];
                why_add(w, WHY_RECORD, WHY_PASS, q->start != INT64_MIN ? q->start : due, in->state,
                        "instance %lld, %s due %s: %s%s%s", (long long)in->ext_id,
                        in->scheduled ? "scheduled" : "submitted", utc(due, b),
                        state_name(in->state), reason[0] ? ", " : "", reason);
        } else {
                const char *none = no_trigger(j);
                if (none) {
                        why_add(w, WHY_TRIGGER, WHY_NONE, q->at, -1, "%s", none);
                        return w->nomem ? BATCH_ENOMEM : 0;
                }
                due = sched_job_next_due(j, q->at - 1);
                if (due == INT64_MAX) {
                        why_add(w, WHY_NEXT_DUE, WHY_NONE, q->at, -1,
                                "cron \"%s\" in %s has no due time at or after %s", cron_of(j),
                                tz_name(zone_of(j)), utc(q->at, a));
                        return w->nomem ? BATCH_ENOMEM : 0;
                }
                ret->at_is_due = due == q->at;
                if (!ret->at_is_due)
                        not_earlier(j, q->at, due, w);
        }
        ret->due = due;
        int64_t prev = j->has_cron ? sched_job_prev_due(j, due) : INT64_MIN;
        int64_t from = q->start != INT64_MIN ? q->start : prev != INT64_MIN ? prev : due;
        int64_t next = j->has_cron ? sched_job_next_due(j, due) : INT64_MAX;
        int64_t base = from > due ? from : due;
        int64_t to = next != INT64_MAX && next > base + 86400 ? next : base + 86400;
        if (to > base + WHY_FOLLOW_MAX_S)
                to = base + WHY_FOLLOW_MAX_S;
        ret->from = from;
        ret->to = to;

        struct closure c;
        int rc = closure_build(q, &c);
        if (rc == 0) {
                w->job = (size_t)c.sub.new_of[q->job];
                w->due = due;
                struct sim_params p = {.jobs = c.sub.jobs, .njobs = c.sub.n, .tenant = q->tenant,
                                       .from = from, .to = to, .outcomes = c.outcomes,
                                       .noutcomes = c.noutcomes, .restore = c.restore,
                                       .nrestore = c.nrestore, .why = w};
                struct sim_result res;
                rc = sim_run_params(&p, &res);
                if (rc == 0) {
                        for (size_t i = 0; i < res.n; i++)
                                if (w->found && res.rows[i].id == w->inst_id) {
                                        ret->row = res.rows[i];
                                        ret->row.job = q->job;
                                        ret->has_row = true;
                                }
                        sim_result_release(&res);
                }
        }
        closure_release(&c);
        w->job = q->job;
        if (rc < 0)
                return rc;
        char b[ISO_FORMAT_MAX], e[ISO_FORMAT_MAX];
        if (!ret->has_row)
                why_add(w, WHY_HORIZON, WHY_NONE, to, -1,
                        "no instance due %s was created in the forecast from %s to %s",
                        utc(due, a), utc(from, b), utc(to, e));
        else if (!w->final)
                why_add(w, WHY_HORIZON, WHY_NONE, to, ret->row.state,
                        "the forecast ends at %s with it in %s%s%s", utc(to, a),
                        state_name(ret->row.state), ret->row.reason[0] ? ": " : "",
                        ret->row.reason);
        return w->nomem ? BATCH_ENOMEM : 0;
}

void why_answer_release(struct why_answer *a)
{
        why_release(&a->why);
}
