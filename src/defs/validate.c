/* validate.c: semantic checks over a whole defset (see validate.h). Runs after
 * loading, so every file's documents are known and cross-references (parents,
 * calendars) resolve across files. */
#include "validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/suggest.h"
#include "core/cron.h"
#include "core/croninterval.h"
#include "core/depgraph.h"
#include "sys/zoneinfo.h"

/* A name of 1 to `max` characters: lowercase letters and digits (uppercase too when
 * `upper`), and after the first character also _ . - and the characters of `more`. */
static bool name_fits(const char *name, size_t max, bool upper, const char *more)
{
        size_t n = strlen(name);
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          (upper && c >= 'A' && c <= 'Z') ||
                          (i > 0 && (c == '_' || c == '.' || c == '-' || strchr(more, c)));
                if (!ok)
                        return false;
        }
        return true;
}

bool defs_name_ok(const char *name)
{
        return name_fits(name, 128, false, "");
}
/* The documents with a name, sorted by (kind, tenant, name, position in the set), so
 * that finding a job or calendar by name is a binary search and a duplicate is the
 * neighbour of its first definition: validating n documents costs O(n log n), not the
 * O(n^2) of a scan per parent (docs/performance.md, "Definitions"). */
struct name_index {
        const struct defset *set;
        size_t *docs;
        size_t n;
};

struct vctx {
        const struct defset *set;
        struct diag_list *diags;
        struct name_index names;
        const struct settings_def **settings; /* the set's settings documents (few) */
        size_t nsettings;
        int oom;
};

static void report(struct vctx *v, const struct def_doc *d, const char *key, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static void report(struct vctx *v, const struct def_doc *d, const char *key, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (diag_add(v->diags, def_doc_pos(d, key ? key : ""), key, "%s", buf) < 0)
                v->oom = 1;
}

static bool is_url(const char *s)
{
        return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

/* alerts.on, alerts.email and alerts.webhook of a job or the settings (docs/alerts.md). */
static void check_alerts(struct vctx *v, const struct def_doc *d, const struct def_list *on,
                         const struct def_list *email, const struct def_list *webhook)
{
        static const char *const alert_kinds[] = {"failure", "timeout", "partial_failure",
                                                  "long_run"};
        for (size_t i = 0; i < on->n; i++) {
                const char *a = on->items[i];
                size_t k = 0;
                while (k < 4 && strcmp(a, alert_kinds[k]))
                        k++;
                if (k == 4) {
                        const char *near = suggest_closest(a, alert_kinds, 4);
                        report(v, d, "alerts.on",
                               "\"%.80s\" is not one of failure, timeout, partial_failure, "
                               "long_run%s%s%s",
                               a, near ? "; did you mean \"" : "", near ? near : "",
                               near ? "\"?" : "");
                }
        }
        for (size_t i = 0; i < email->n; i++) {
                const char *at = strchr(email->items[i], '@');
                if (!at || at == email->items[i] || !at[1] || strpbrk(email->items[i], " ,<>\r\n"))
                        report(v, d, "alerts.email", "\"%.80s\" is not an e-mail address "
                                                     "(name@domain)", email->items[i]);
        }
        if (webhook->n > 1)
                report(v, d, "alerts.webhook", "one webhook URL per job or tenant, not %zu",
                       webhook->n);
        for (size_t i = 0; i < webhook->n; i++)
                if (!is_url(webhook->items[i]))
                        report(v, d, "alerts.webhook", "\"%.80s\" is not an http(s) URL",
                               webhook->items[i]);
}

static bool same_tenant(const char *a, const char *b)
{
        return !strcmp(a ? a : "default", b ? b : "default");
}

/* The tenant a document's name is unique in ("default" when none is given; settings are
 * named by their tenant and compared across all of them). */
static const char *doc_tenant(const struct def_doc *d)
{
        const char *t = d->kind == DEF_JOB        ? d->u.job.tenant
                        : d->kind == DEF_CALENDAR ? d->u.calendar.tenant
                                                  : NULL;
        return t ? t : "default";
}

static int key_cmp(int kind_a, const char *tenant_a, const char *name_a,
                   const struct def_doc *b)
{
        if (kind_a != (int)b->kind)
                return kind_a < (int)b->kind ? -1 : 1;
        int c = strcmp(tenant_a, doc_tenant(b));
        return c ? c : strcmp(name_a, def_doc_name(b));
}

static int index_cmp(const void *pa, const void *pb, void *arg)
{
        const struct defset *set = arg;
        size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
        const struct def_doc *da = &set->docs[a];
        int c = key_cmp((int)da->kind, doc_tenant(da), def_doc_name(da), &set->docs[b]);
        return c ? c : (a < b ? -1 : a > b);
}

/* Builds the index of set's named documents. 0 or BATCH_ENOMEM. */
static int index_build(struct name_index *x, const struct defset *set)
{
        x->set = set;
        x->n = 0;
        x->docs = malloc((set->ndocs ? set->ndocs : 1) * sizeof(*x->docs));
        if (!x->docs)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < set->ndocs; i++)
                if (*def_doc_name(&set->docs[i]))
                        x->docs[x->n++] = i;
        qsort_r(x->docs, x->n, sizeof(*x->docs), index_cmp, (void *)set);
        return 0;
}

/* The first document (lowest position) of this kind, tenant and name, or -1. */
static long index_find(const struct name_index *x, enum def_kind kind, const char *tenant,
                       const char *name)
{
        size_t lo = 0, hi = x->n;
        const char *t = tenant ? tenant : "default";
        while (lo < hi) { /* the first entry not below the key */
                size_t mid = lo + (hi - lo) / 2;
                if (key_cmp((int)kind, t, name, &x->set->docs[x->docs[mid]]) > 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < x->n && key_cmp((int)kind, t, name, &x->set->docs[x->docs[lo]]) == 0)
                return (long)x->docs[lo];
        return -1;
}

/* The index of the job document named `name` in tenant `tenant`, or -1. */
static long find_job(const struct vctx *v, const char *tenant, const char *name)
{
        return index_find(&v->names, DEF_JOB, tenant, name);
}

static bool find_calendar(const struct vctx *v, const char *tenant, const char *name)
{
        return index_find(&v->names, DEF_CALENDAR, tenant, name) >= 0;
}

/* "did you mean" among the job names of the tenant. */
static const char *near_job(const struct defset *set, const char *tenant, const char *name)
{
        const char *best = NULL;
        int bestd = 3;
        for (size_t i = 0; i < set->ndocs; i++) {
                const struct def_doc *d = &set->docs[i];
                if (d->kind != DEF_JOB || !d->u.job.name || !same_tenant(d->u.job.tenant, tenant))
                        continue;
                const char *cand = d->u.job.name;
                if (suggest_closest(name, &cand, 1)) {
                        int dist = suggest_distance(name, cand);
                        if (dist < bestd)
                                bestd = dist, best = cand;
                }
        }
        return best;
}

static void check_name(struct vctx *v, const struct def_doc *d, const char *name, const char *what)
{
        if (!name)
                report(v, d, NULL, "a %s needs a name", what);
        else if (!defs_name_ok(name))
                report(v, d, "name",
                       "\"%.80s\" is not a valid %s name: lowercase letters, digits and _ . - "
                       "(not first), at most 128 characters",
                       name, what);
}

static void check_zone(struct vctx *v, const struct def_doc *d, const char *key, const char *zone)
{
        const struct tz *z;
        struct batch_err err;
        if (zone && zoneinfo_get(zone, &z, &err) < 0)
                report(v, d, key, "%s", err.msg);
}

/* The tenant's settings document in the set, or NULL. */
/* The settings of `tenant` among the set's settings documents (collected once: a scan of
 * every document per job made validation quadratic), or NULL. */
static const struct settings_def *tenant_settings(const struct vctx *v, const char *tenant)
{
        for (size_t i = 0; i < v->nsettings; i++)
                if (same_tenant(v->settings[i]->tenant, tenant))
                        return v->settings[i];
        return NULL;
}

/* The tenant's minimum schedule interval (min_schedule_interval_minutes): a cron that
 * fires more often is refused, with the interval it has. */
static void check_interval(struct vctx *v, const struct def_doc *d, const struct cron *c)
{
        const struct job_def *j = &d->u.job;
        const struct settings_def *st = tenant_settings(v, j->tenant);
        if (!st || st->min_interval_minutes <= 0)
                return;
        int64_t gap = cron_min_interval(c);
        if (gap >= (int64_t)st->min_interval_minutes * 60)
                return;
        char has[64];
        report(v, d, "trigger.cron",
               "\"%.80s\" fires every %s at its most frequent; tenant \"%s\" allows a schedule "
               "no more often than every %d minute%s (settings min_schedule_interval_minutes)",
               j->cron, cron_interval_text(gap, has, sizeof(has)),
               j->tenant ? j->tenant : "default", st->min_interval_minutes,
               st->min_interval_minutes == 1 ? "" : "s");
}

static void check_job(struct vctx *v, const struct def_doc *d)
{
        const struct job_def *j = &d->u.job;
        check_name(v, d, j->name, "job");
        if (j->tenant && !defs_name_ok(j->tenant))
                report(v, d, "tenant", "\"%.80s\" is not a valid tenant name", j->tenant);

        /* Trigger. */
        if (j->cron && j->next_due_api)
                report(v, d, "trigger", "a trigger is either cron or next_due_api, not both");
        if (j->type == JOB_SCHEDULED && !j->cron && !j->next_due_api)
                report(v, d, j->name ? "type" : NULL,
                       "a scheduled job needs a trigger (trigger: {cron: \"...\"} or "
                       "{next_due_api: URL}); a job run only on request is type: manual");
        if (j->type == JOB_MANUAL && (j->cron || j->next_due_api))
                report(v, d, "trigger", "a manual job runs only when submitted and has no "
                                        "trigger; remove the trigger or use type: scheduled");
        if (j->cron) {
                struct cron c;
                struct batch_err err;
                if (cron_parse(j->cron, &c, &err) < 0)
                        report(v, d, "trigger.cron", "%s", err.msg);
                else if (cron_never(&c))
                        report(v, d, "trigger.cron", "\"%.80s\" never fires: no date matches it",
                               j->cron);
                else
                        check_interval(v, d, &c);
        }
        if (j->timezone && !j->cron && !j->next_due_api)
                report(v, d, "trigger.timezone", "a timezone applies only to a cron or "
                                                 "next_due_api trigger");
        if ((j->next_due_timeout_seconds > 0 || j->next_due_attempts > 0) && !j->next_due_api)
                report(v, d, j->next_due_timeout_seconds > 0 ? "trigger.timeout_seconds"
                                                            : "trigger.attempts",
                       "timeout_seconds and attempts apply only to a next_due_api trigger");
        check_zone(v, d, "trigger.timezone", j->timezone);
        if (j->next_due_api && !is_url(j->next_due_api))
                report(v, d, "trigger.next_due_api", "\"%.80s\" is not an http:// or https:// URL",
                       j->next_due_api);

        /* Executor. */
        switch (j->executor) {
        case EXECUTOR_NONE:
                report(v, d, NULL, "job \"%s\" needs an executor: executor: {exec: {command: "
                                   "[...]}} or {http: {...}}",
                       j->name ? j->name : "");
                break;
        case EXECUTOR_EXEC:
                if (j->exec_command.n == 0)
                        report(v, d, "executor.exec", "an exec executor needs a command "
                                                      "(command: [program, arg, ...])");
                else if (j->exec_command.items[0][0] == '\0')
                        report(v, d, "executor.exec.command", "the program name is empty");
                break;
        case EXECUTOR_HTTP:
                if (!j->http_service || !is_url(j->http_service))
                        report(v, d, "executor.http", "an http executor needs service: an "
                                                      "http:// or https:// URL");
                if (!j->http_remote_job || !*j->http_remote_job)
                        report(v, d, "executor.http", "an http executor needs remote_job: the "
                                                      "remote job's name");
                if (!!j->http_bearer_file + !!j->http_bearer_env + !!j->http_basic_file +
                            !!j->http_basic_env > 1)
                        report(v, d, "executor.http.credentials",
                               "name one of bearer_file, bearer_env, basic_file, basic_env");
                if ((j->http_bearer_file && j->http_bearer_file[0] != '/') ||
                    (j->http_basic_file && j->http_basic_file[0] != '/'))
                        report(v, d, "executor.http.credentials",
                               "a credentials file is an absolute path");
                if (j->http_context_path && *j->http_context_path &&
                    j->http_context_path[0] != '/')
                        report(v, d, "executor.http.context_path",
                               "\"%.80s\" must start with /", j->http_context_path);
                /* A remote job runs on its service, never in a node's slot. */
                if (j->node_labels)
                        report(v, d, "node_labels", "node_labels applies to exec jobs only: an "
                                                    "http job runs on its service, not on a "
                                                    "node");
                break;
        }

        /* Minutes. */
        if (j->estimated_minutes >= 0 && j->max_minutes > 0 &&
            j->estimated_minutes > j->max_minutes)
                report(v, d, "estimated_minutes",
                       "estimated_minutes (%d) is more than max_minutes (%d): the job would be "
                       "terminated before it is expected to finish",
                       j->estimated_minutes, j->max_minutes);

        /* Window, calendar, alerts. */
        if (j->on_window_end == WINDOW_END_TERMINATE && j->window != WINDOW_ONLY_IN)
                report(v, d, "on_window_end",
                       "on_window_end: terminate applies only to window: only_in_window");
        if (j->calendar && !find_calendar(v, j->tenant, j->calendar))
                report(v, d, "calendar", "unknown calendar \"%.80s\"", j->calendar);
        if (j->calendar && !j->workday_only)
                report(v, d, "calendar", "a calendar takes effect only with workday_only: true");
        check_alerts(v, d, &j->alert_on, &j->alert_email, &j->alert_webhook);

        /* Parents. */
        for (size_t i = 0; i < j->ndeps; i++) {
                char key[64];
                snprintf(key, sizeof(key), "depends_on[%zu]", i);
                const char *p = j->deps[i].job;
                if (j->name && !strcmp(p, j->name)) {
                        report(v, d, key, "job \"%s\" depends on itself", p);
                        continue;
                }
                for (size_t k = 0; k < i; k++)
                        if (!strcmp(j->deps[k].job, p))
                                report(v, d, key, "job \"%.80s\" is listed twice", p);
                if (find_job(v, j->tenant, p) < 0) {
                        const char *near = near_job(v->set, j->tenant, p);
                        report(v, d, key, "unknown parent job \"%.80s\"%s%s%s", p,
                               near ? "; did you mean \"" : "", near ? near : "",
                               near ? "\"?" : "");
                }
        }
}

static void check_calendar(struct vctx *v, const struct def_doc *d)
{
        const struct calendar_def *c = &d->u.calendar;
        check_name(v, d, c->name, "calendar");
        size_t i = 0, k = 0;
        while (i < c->nholidays && k < c->nextra) {
                if (c->holidays[i] == c->extra_workdays[k]) {
                        report(v, d, "extra_workdays",
                               "a date is both a holiday and an extra workday");
                        break;
                }
                if (c->holidays[i] < c->extra_workdays[k])
                        i++;
                else
                        k++;
        }
}

/* A scheduler user's name: [A-Za-z0-9][A-Za-z0-9_.@-]{0,63}; never "token:..." (the
 * actor of an API token), so the audit cannot confuse the two. */
static bool user_name_ok(const char *s)
{
        return name_fits(s, 64, true, "@");
}

static void check_settings(struct vctx *v, const struct def_doc *d)
{
        const struct settings_def *s = &d->u.settings;
        if (!defs_name_ok(s->tenant))
                report(v, d, "tenant", "\"%.80s\" is not a valid tenant name", s->tenant);
        check_zone(v, d, "timezone", s->timezone);
        if (s->scheduler_user && !user_name_ok(s->scheduler_user))
                report(v, d, "scheduler_user",
                       "\"%.80s\" is not a valid user name: letters, digits and _ . @ - (not "
                       "first), at most 64 characters",
                       s->scheduler_user);
        check_alerts(v, d, &s->alert_on, &s->alert_email, &s->alert_webhook);
        if (s->smtp_url && strncmp(s->smtp_url, "smtp://", 7) && strncmp(s->smtp_url, "smtps://", 8))
                report(v, d, "alerts.smtp.url", "\"%.80s\" is not an smtp:// or smtps:// URL",
                       s->smtp_url);
        if (s->smtp_starttls && s->smtp_url && strncmp(s->smtp_url, "smtp://", 7))
                report(v, d, "alerts.smtp.starttls",
                       "starttls applies to smtp:// URLs only (smtps:// is TLS from the start)");
        if (s->smtp_password_file && s->smtp_password_env)
                report(v, d, "alerts.smtp.password_file",
                       "give password_file or password_env, not both");
        if ((s->smtp_password_file || s->smtp_password_env) && !s->smtp_user)
                report(v, d, "alerts.smtp.user", "a password needs a user");
        if (s->smtp_user && !s->smtp_password_file && !s->smtp_password_env)
                report(v, d, "alerts.smtp.user",
                       "a user needs password_file or password_env to log in with");
        if (s->smtp_url && (!s->smtp_from || !strchr(s->smtp_from, '@')))
                report(v, d, "alerts.smtp.from",
                       "an SMTP server needs from: the sender's address (name@domain)");
        if (s->alert_email.n && !s->smtp_url)
                report(v, d, "alerts.email", "e-mail recipients need alerts.smtp.url");
        for (size_t i = 0; i < s->report_email.n; i++) {
                const char *e = s->report_email.items[i], *at = strchr(e, '@');
                if (!at || at == e || !at[1] || strpbrk(e, " ,<>\r\n"))
                        report(v, d, "report.email", "\"%.80s\" is not an e-mail address "
                                                     "(name@domain)", e);
        }
        if (s->report_enabled && !s->report_email.n && !s->alert_email.n)
                report(v, d, "report.enabled",
                       "the daily report needs recipients: report.email or alerts.email");
        if (s->report_enabled && !s->smtp_url)
                report(v, d, "report.enabled",
                       "the daily report is sent by e-mail: it needs alerts.smtp.url");
        if (!s->escalate_after_minutes != !s->escalate_email.n)
                report(v, d, "alerts.escalate",
                       "escalate needs both after_minutes and email (the second recipients)");
        for (size_t i = 0; i < s->escalate_email.n; i++) {
                const char *e = s->escalate_email.items[i], *at = strchr(e, '@');
                if (!at || at == e || !at[1] || strpbrk(e, " ,<>\r\n"))
                        report(v, d, "alerts.escalate.email",
                               "\"%.80s\" is not an e-mail address (name@domain)", e);
        }
        if (s->escalate_email.n && !s->smtp_url)
                report(v, d, "alerts.escalate", "escalation by e-mail needs alerts.smtp.url");
        if (s->webhook_secret_file && s->webhook_secret_env)
                report(v, d, "alerts.webhook_secret_file",
                       "give webhook_secret_file or webhook_secret_env, not both");
}

/* The same name twice in one tenant and kind: each later definition is reported, in the
 * order of the set, with the position of the first (its neighbours in the index share
 * its key). */
static void check_duplicates(struct vctx *v)
{
        const struct name_index *x = &v->names;
        const struct defset *set = v->set;
        size_t *first_of = malloc((set->ndocs ? set->ndocs : 1) * sizeof(*first_of));
        if (!first_of) {
                v->oom = 1;
                return;
        }
        for (size_t i = 0; i < set->ndocs; i++)
                first_of[i] = SIZE_MAX;
        for (size_t i = 1, first = 0; i < x->n; i++) {
                const struct def_doc *a = &set->docs[x->docs[i]];
                if (key_cmp((int)a->kind, doc_tenant(a), def_doc_name(a),
                            &set->docs[x->docs[first]]) != 0)
                        first = i;
                else
                        first_of[x->docs[i]] = x->docs[first];
        }
        for (size_t i = 0; i < set->ndocs; i++) {
                if (first_of[i] == SIZE_MAX)
                        continue;
                const struct def_doc *a = &set->docs[i], *b = &set->docs[first_of[i]];
                report(v, a, a->kind == DEF_SETTINGS ? "tenant" : "name",
                       "%s \"%s\" is defined twice; the first is at %s:%d:%d",
                       a->kind == DEF_JOB        ? "job"
                       : a->kind == DEF_CALENDAR ? "calendar"
                                                 : "settings of tenant",
                       def_doc_name(a), b->pos.file, b->pos.line, b->pos.col);
        }
        free(first_of);
}

/* Cycles among the jobs' enabled and disabled parents alike: a cycle is refused
 * whatever the enabled flags say, since enabling a job must not create one. */
static int check_cycles(struct vctx *v)
{
        const struct defset *set = v->set;
        size_t n = set->ndocs;
        size_t **edges = calloc(n ? n : 1, sizeof(*edges));
        size_t *nedges = calloc(n ? n : 1, sizeof(*nedges));
        size_t *cycle = calloc(n ? n : 1, sizeof(*cycle));
        int r = 0;
        if (!edges || !nedges || !cycle) {
                r = BATCH_ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                const struct def_doc *d = &set->docs[i];
                if (d->kind != DEF_JOB || !d->u.job.ndeps)
                        continue;
                if (!(edges[i] = calloc(d->u.job.ndeps, sizeof(**edges)))) {
                        r = BATCH_ENOMEM;
                        goto out;
                }
                for (size_t k = 0; k < d->u.job.ndeps; k++) {
                        long p = find_job(v, d->u.job.tenant, d->u.job.deps[k].job);
                        if (p >= 0 && (size_t)p != i)
                                edges[i][nedges[i]++] = (size_t)p;
                }
        }
        int len = depgraph_find_cycle(n, (const size_t *const *)edges, nedges, cycle);
        if (len < 0) {
                r = len;
                goto out;
        }
        if (len > 0) {
                char text[600] = "";
                size_t used = 0;
                for (int i = 0; i <= len && used < sizeof(text); i++) {
                        const struct def_doc *d = &set->docs[cycle[i % len]];
                        int w = snprintf(text + used, sizeof(text) - used, "%s%s",
                                         i ? " -> " : "", d->u.job.name);
                        if (w < 0)
                                break;
                        used += (size_t)w;
                }
                report(v, &set->docs[cycle[0]], "depends_on",
                       "dependency cycle: %s (each job depends on the next)", text);
        }
out:
        if (edges)
                for (size_t i = 0; i < n; i++)
                        free(edges[i]);
        free(edges);
        free(nedges);
        free(cycle);
        return r;
}

int defs_validate(const struct defset *set, struct diag_list *diags)
{
        struct vctx v = {.set = set, .diags = diags};
        size_t n = 0;
        for (size_t i = 0; i < set->ndocs; i++)
                n += set->docs[i].kind == DEF_SETTINGS;
        v.settings = calloc(n ? n : 1, sizeof(*v.settings));
        if (!v.settings)
                return BATCH_ENOMEM;
        for (size_t i = 0; i < set->ndocs; i++)
                if (set->docs[i].kind == DEF_SETTINGS)
                        v.settings[v.nsettings++] = &set->docs[i].u.settings;
        if (index_build(&v.names, set) < 0) {
                free(v.settings);
                return BATCH_ENOMEM;
        }
        for (size_t i = 0; i < set->ndocs; i++) {
                const struct def_doc *d = &set->docs[i];
                switch (d->kind) {
                case DEF_JOB: check_job(&v, d); break;
                case DEF_CALENDAR: check_calendar(&v, d); break;
                case DEF_SETTINGS: check_settings(&v, d); break;
                }
        }
        check_duplicates(&v);
        int r = check_cycles(&v);
        free(v.names.docs);
        free(v.settings);
        if (r < 0)
                return r;
        return v.oom ? BATCH_ENOMEM : 0;
}
