/* model.c: the scheduler's view of a tenant, built from definitions (see model.h). */
#include "sched/model.h"

#include <stdlib.h>
#include <string.h>

#include "sys/zoneinfo.h"

static int cmp_job_def(const void *a, const void *b)
{
        const struct job_def *x = *(const struct job_def *const *)a;
        const struct job_def *y = *(const struct job_def *const *)b;
        return strcmp(x->name, y->name);
}

long sched_model_find(const struct sched_model *m, const char *name)
{
        size_t lo = 0, hi = m->njobs;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(m->defs[mid]->name, name);
                if (c == 0)
                        return (long)mid;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

static const char *tenant_of(const char *t)
{
        return t ? t : "default";
}

static int build_tenant(const struct defset *set, const char *tenant, struct sched_model *m,
                        struct batch_err *reterr)
{
        struct sched_tenant *t = &m->tenant;
        t->zone = tz_utc();
        window_init_default(&t->window);
        timeout_consts_default(&t->timeouts);
        m->scheduler_user = SETTINGS_SCHEDULER_USER;
        for (size_t i = 0; i < set->ndocs; i++) {
                const struct def_doc *d = &set->docs[i];
                if (d->kind != DEF_SETTINGS || strcmp(tenant_of(d->u.settings.tenant), tenant))
                        continue;
                const struct settings_def *st = &d->u.settings;
                int rc;
                if (st->timezone && (rc = zoneinfo_get(st->timezone, &t->zone, reterr)) < 0)
                        return rc;
                t->window.start = st->window_start;
                t->window.end = st->window_end;
                t->timeouts.estimate_multiple = st->estimate_multiple;
                t->timeouts.min_execute_minutes = st->min_execute_minutes;
                m->offset = (struct time_offset){st->offset_enabled, st->offset_days};
                if (st->scheduler_user)
                        m->scheduler_user = st->scheduler_user;
                if (st->npauses) {
                        m->pauses = calloc(st->npauses, sizeof(*m->pauses));
                        if (!m->pauses)
                                return BATCH_ENOMEM;
                        for (size_t k = 0; k < st->npauses; k++)
                                m->pauses[k] = (struct pause_period){st->pauses[k].from,
                                                                     st->pauses[k].to};
                        t->pauses = m->pauses;
                        t->npauses = st->npauses;
                }
        }
        return 0;
}

static int build_calendars(const struct defset *set, const char *tenant, struct sched_model *m,
                           const struct calendar_def ***names)
{
        size_t n = 0;
        for (size_t i = 0; i < set->ndocs; i++)
                n += set->docs[i].kind == DEF_CALENDAR &&
                     !strcmp(tenant_of(set->docs[i].u.calendar.tenant), tenant);
        m->calendars = calloc(n ? n : 1, sizeof(*m->calendars));
        *names = calloc(n ? n : 1, sizeof(**names));
        if (!m->calendars || !*names)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < set->ndocs; i++) {
                const struct def_doc *d = &set->docs[i];
                if (d->kind != DEF_CALENDAR || strcmp(tenant_of(d->u.calendar.tenant), tenant))
                        continue;
                const struct calendar_def *c = &d->u.calendar;
                m->calendars[m->ncalendars] = (struct calendar){c->workdays, c->nholidays,
                                                                c->holidays, c->nextra,
                                                                c->extra_workdays};
                (*names)[m->ncalendars++] = c;
        }
        return 0;
}

static int build_job(const struct job_def *d, const struct sched_model *m,
                     const struct calendar_def *const *cal_names, size_t *ndeps_used,
                     struct sched_job_spec *j, struct batch_err *reterr)
{
        memset(j, 0, sizeof(*j));
        j->name = d->name;
        j->enabled = d->enabled;
        j->zone = m->tenant.zone;
        int rc;
        if (d->timezone && (rc = zoneinfo_get(d->timezone, &j->zone, reterr)) < 0)
                return rc;
        if (d->type == JOB_SCHEDULED && d->cron) {
                j->has_cron = true;
                j->cron_text = d->cron;
                struct batch_err why = {0};
                if ((rc = cron_parse(d->cron, &j->cron, &why)) < 0)
                        return batch_err_set(reterr, rc, "trigger.cron", "job %s: %s", d->name,
                                             why.msg);
        }
        j->external_due = d->type == JOB_SCHEDULED && d->next_due_api;
        j->workday_only = d->workday_only;
        if (d->calendar) {
                size_t k = 0;
                while (k < m->ncalendars && strcmp(cal_names[k]->name, d->calendar))
                        k++;
                if (k == m->ncalendars)
                        return batch_err_set(reterr, BATCH_ENOENT, "calendar",
                                             "job %s: no calendar named \"%s\"", d->name,
                                             d->calendar);
                j->calendar = &m->calendars[k];
                j->calendar_name = d->calendar;
        }
        j->window = d->window == WINDOW_ONLY_IN   ? WINDOW_POLICY_ONLY_IN
                    : d->window == WINDOW_NOT_IN ? WINDOW_POLICY_NOT_IN
                                                 : WINDOW_POLICY_ANY;
        j->terminate_at_window_end = d->on_window_end == WINDOW_END_TERMINATE;
        j->allow_multiple = d->allow_multiple_instances;
        j->retry_attempts = d->retry_attempts;
        j->retry_backoff_s = d->retry_backoff_seconds;
        j->retry_factor = d->retry_factor;
        j->catchup = d->catchup == CATCHUP_ALL    ? SCHED_CATCHUP_ALL
                     : d->catchup == CATCHUP_NONE ? SCHED_CATCHUP_NONE
                                                  : SCHED_CATCHUP_LATEST;
        j->estimated_minutes = d->estimated_minutes;
        j->max_minutes = d->max_minutes;
        j->deps = &m->deps[*ndeps_used];
        for (size_t k = 0; k < d->ndeps; k++) {
                long p = sched_model_find(m, d->deps[k].job);
                if (p < 0)
                        return batch_err_set(reterr, BATCH_ENOENT, "depends_on",
                                             "job %s depends on unknown job \"%s\"", d->name,
                                             d->deps[k].job);
                m->deps[*ndeps_used + k] = (struct sched_dep){(size_t)p, d->deps[k].mode};
        }
        j->ndeps = d->ndeps;
        *ndeps_used += d->ndeps;
        return 0;
}

int sched_model_build(const struct defset *set, const char *tenant, struct sched_model *ret,
                      struct batch_err *reterr)
{
        struct sched_model m = {0};
        const struct calendar_def **cal_names = NULL;
        tenant = tenant_of(tenant);
        size_t ndeps = 0;
        for (size_t i = 0; i < set->ndocs; i++)
                if (set->docs[i].kind == DEF_JOB && !strcmp(tenant_of(set->docs[i].u.job.tenant),
                                                            tenant)) {
                        m.njobs++;
                        ndeps += set->docs[i].u.job.ndeps;
                }
        int rc = BATCH_ENOMEM;
        m.jobs = calloc(m.njobs ? m.njobs : 1, sizeof(*m.jobs));
        m.defs = calloc(m.njobs ? m.njobs : 1, sizeof(*m.defs));
        m.deps = calloc(ndeps ? ndeps : 1, sizeof(*m.deps));
        if (!m.jobs || !m.defs || !m.deps)
                goto fail;
        size_t k = 0;
        for (size_t i = 0; i < set->ndocs; i++)
                if (set->docs[i].kind == DEF_JOB &&
                    !strcmp(tenant_of(set->docs[i].u.job.tenant), tenant))
                        m.defs[k++] = &set->docs[i].u.job;
        qsort(m.defs, m.njobs, sizeof(*m.defs), cmp_job_def);
        if ((rc = build_tenant(set, tenant, &m, reterr)) < 0 ||
            (rc = build_calendars(set, tenant, &m, &cal_names)) < 0)
                goto fail;
        size_t used = 0;
        for (size_t i = 0; i < m.njobs; i++)
                if ((rc = build_job(m.defs[i], &m, cal_names, &used, &m.jobs[i], reterr)) < 0)
                        goto fail;
        free(cal_names);
        *ret = m;
        return 0;
fail:
        if (rc == BATCH_ENOMEM)
                batch_err_set(reterr, rc, NULL, "out of memory");
        free(cal_names);
        sched_model_release(&m);
        return rc;
}

void sched_model_release(struct sched_model *m)
{
        free(m->jobs);
        free(m->defs);
        free(m->deps);
        free(m->calendars);
        free(m->pauses);
        memset(m, 0, sizeof(*m));
}
