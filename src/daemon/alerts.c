/* alerts.c: raising alerts in the scheduler's transaction and delivering them from a
 * worker thread (alerts.h, docs/alerts.md). The policy is core/alertpolicy.c; the
 * transport is mail.c and webhook.c. */
#include "daemon/alerts.h"
#include "common/trace.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/json.h"
#include "core/alertpolicy.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/reportdue.h"
#include "daemon/dlog.h"
#include "daemon/mail.h"
#include "daemon/webhook.h"
#include "defs/load.h"
#include "ops/report.h"
#include "sys/zoneinfo.h"

#define RECENT_S 86400          /* how far back suppression and "after N" look */
#define RECOVERY_LOOKBACK_S (30 * 86400) /* a failure alert older than this is not recovered */
#define DUE_BATCH 20            /* deliveries taken per look */
#define PASSWORD_MAX 1024

/* ---- raising ------------------------------------------------------------------------ */

static const struct settings_def *settings_of(const struct defset *set, const char *tenant)
{
        for (size_t i = 0; set && i < set->ndocs; i++)
                if (set->docs[i].kind == DEF_SETTINGS &&
                    !strcmp(set->docs[i].u.settings.tenant, tenant))
                        return &set->docs[i].u.settings;
        return NULL;
}

static bool is_failure_state(int s)
{
        return s == STATE_START_FAILED || s == STATE_FAILED || s == STATE_TIMEOUT_FAILED ||
               s == STATE_STOP_FAILED;
}

/* The job's failed instances in a row, newest first (at most `limit`). */
static int consecutive_failures(struct store *st, const char *tenant, const char *job,
                                int limit, int *ret, struct batch_err *reterr)
{
        struct store_instance_filter f = {.tenant = tenant, .job = job, .state = -1,
                                          .newest_first = true, .limit = (unsigned)limit};
        struct store_instance_list l;
        int r = store_instance_list(st, &f, &l, reterr);
        if (r < 0)
                return r;
        int n = 0;
        while ((size_t)n < l.n && is_failure_state(l.items[n].state))
                n++;
        store_instance_list_release(&l);
        *ret = n;
        return 0;
}

/* A Message-ID for a new delivery: random, so that two repositories never share one. */
static void new_message_id(int64_t alert_id, const char *channel, char *buf, size_t len)
{
        unsigned char rnd[8] = {0};
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
                uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
                memcpy(rnd, &t, sizeof(rnd));
        }
        char hex[17];
        for (int i = 0; i < 8; i++)
                snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
        snprintf(buf, len, "<batchd.%lld.%s.%s@batchd.invalid>", (long long)alert_id, channel,
                 hex);
}

static int add_delivery(struct store *st, int64_t alert_id, const char *channel,
                        const char *target, const char *state, bool escalation, int64_t now,
                        struct batch_err *reterr)
{
        char mid[128];
        new_message_id(alert_id, escalation ? "escalation" : channel, mid, sizeof(mid));
        struct store_delivery d = {.alert_id = alert_id, .channel = (char *)channel,
                                   .target = (char *)target, .state = (char *)state,
                                   .next_attempt_at = now, .message_id = mid,
                                   .escalation = escalation};
        return store_delivery_add(st, &d, now, NULL, reterr);
}

static void join_list(struct buf *b, const struct def_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                if (i)
                        buf_puts(b, ",");
                buf_puts(b, l->items[i]);
        }
}

int alerts_raise(struct store *st, const struct defset *set, const struct job_def *job,
                 const struct alert_event *ev, int64_t now, int64_t *ret_id,
                 struct batch_err *reterr)
{
        const struct settings_def *s = settings_of(set, ev->tenant);
        const struct def_list *on = job && job->alert_on.n ? &job->alert_on
                                    : s                    ? &s->alert_on
                                                           : NULL;
        if (ret_id)
                *ret_id = 0;
        if (!alertpolicy_enabled(ev->kind, on ? (const char *const *)on->items : NULL,
                                 on ? on->n : 0))
                return 0;
        struct alertpolicy_in in = {.kind = ev->kind, .now = now,
                                    .after_failures = job ? job->alert_after_failures : 0};
        int r;
        if (in.after_failures > 1 && ev->job &&
            (r = consecutive_failures(st, ev->tenant, ev->job, in.after_failures,
                                      &in.consecutive_failures, reterr)) < 0)
                return r;
        struct pause_period *pauses = NULL;
        if (s && s->nalert_pauses) {
                pauses = calloc(s->nalert_pauses, sizeof(*pauses));
                if (!pauses)
                        return BATCH_ENOMEM;
                for (size_t i = 0; i < s->nalert_pauses; i++) {
                        pauses[i].from = s->alert_pauses[i].from;
                        pauses[i].to = s->alert_pauses[i].to;
                }
                in.pauses = pauses;
                in.npauses = s->nalert_pauses;
        }
        struct store_alert_list recent = {0};
        struct alertpolicy_past *past = NULL;
        if (ev->job) {
                if ((r = store_alert_recent(st, ev->tenant, ev->job, ev->kind, now - RECENT_S,
                                            &recent, reterr)) < 0)
                        goto out;
                past = calloc(recent.n ? recent.n : 1, sizeof(*past));
                if (!past) {
                        r = BATCH_ENOMEM;
                        goto out;
                }
                for (size_t i = 0; i < recent.n; i++)
                        past[i] = (struct alertpolicy_past){recent.items[i].id,
                                                            recent.items[i].kind,
                                                            recent.items[i].created_at,
                                                            recent.items[i].suppressed_by};
                in.past = past;
                in.npast = recent.n;
        }
        struct alertpolicy_out out;
        alertpolicy_decide(&in, &out);
        r = 0;
        if (out.verdict == ALERTPOLICY_NOT_YET)
                goto out;
        struct buf msg;
        buf_init(&msg, 0);
        buf_puts(&msg, ev->message && *ev->message ? ev->message : ev->kind);
        if (out.verdict == ALERTPOLICY_SEND && out.suppressed_count > 0)
                buf_printf(&msg, " (%d suppressed since alert %lld)", out.suppressed_count,
                           (long long)out.since_alert);
        struct store_alert a = {.tenant = (char *)ev->tenant, .instance_id = ev->instance_id,
                                .job = (char *)ev->job, .kind = (char *)ev->kind,
                                .severity = (char *)alertpolicy_severity(ev->kind),
                                .message = msg.data ? msg.data : (char *)ev->kind,
                                .suppressed_by = out.suppressed_by};
        int64_t id = 0;
        if (msg.err)
                r = BATCH_ENOMEM;
        else
                r = store_alert_add(st, &a, now, &id, reterr);
        buf_release(&msg);
        if (r < 0)
                goto out;
        const char *state = out.verdict == ALERTPOLICY_SEND       ? "pending"
                            : out.verdict == ALERTPOLICY_SUPPRESS ? "suppressed"
                                                                  : "paused";
        const struct def_list *email = job && job->alert_email.n ? &job->alert_email
                                       : s                       ? &s->alert_email
                                                                 : NULL;
        const struct def_list *hook = job && job->alert_webhook.n ? &job->alert_webhook
                                      : s                         ? &s->alert_webhook
                                                                  : NULL;
        if (email && email->n) {
                struct buf to;
                buf_init(&to, 0);
                join_list(&to, email);
                r = to.err ? BATCH_ENOMEM
                           : add_delivery(st, id, "email", to.data, state, false, now, reterr);
                buf_release(&to);
        }
        if (r == 0 && hook && hook->n)
                r = add_delivery(st, id, "webhook", hook->items[0], state, false, now,
                                 reterr);
        if (r == 0 && ret_id)
                *ret_id = id;
out:
        free(past);
        free(pauses);
        store_alert_list_release(&recent);
        return r;
}

/* Whether job `name` of `tenant` has an instance waiting (0 Init or 1 Dependency Wait). */
static int job_waits(struct store *st, const char *tenant, const char *name, bool *ret,
                     struct batch_err *reterr)
{
        struct store_instance_filter f = {.tenant = tenant, .job = name, .state = -1,
                                          .live_only = true, .limit = 100};
        struct store_instance_list l;
        int r = store_instance_list(st, &f, &l, reterr);
        if (r < 0)
                return r;
        *ret = false;
        for (size_t k = 0; k < l.n && !*ret; k++)
                *ret = l.items[k].state == STATE_INIT || l.items[k].state == STATE_DEPENDENCY_WAIT;
        store_instance_list_release(&l);
        return 0;
}

/* Appends to b "; waiting on it: C1, C2, G1" naming the jobs of `tenant` held up by
 * `parent`: those that depend on it and have an instance waiting (0 Init or 1
 * Dependency Wait), then, breadth first, those that depend on a job named so and wait
 * too (a night's chain below a failed root), each once. A parent's failure is one
 * alert naming every job it holds up (docs/alerts.md). */
static int waiting_children(struct store *st, const struct defset *set, const char *tenant,
                            const char *parent, struct buf *b, struct batch_err *reterr)
{
        size_t n = set ? set->ndocs : 0, head = 0, tail = 0, named = 0;
        const char **queue = calloc(n + 1, sizeof(*queue));
        bool *seen = calloc(n + 1, sizeof(*seen));
        int r = 0;
        if (!queue || !seen) {
                r = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                goto out;
        }
        queue[tail++] = parent;
        while (head < tail && r == 0) {
                const char *up = queue[head++];
                for (size_t i = 0; i < n && r == 0; i++) {
                        const struct job_def *c = &set->docs[i].u.job;
                        if (seen[i] || set->docs[i].kind != DEF_JOB || strcmp(c->tenant, tenant) ||
                            !strcmp(c->name, parent))
                                continue;
                        bool child = false, waits = false;
                        for (size_t k = 0; k < c->ndeps && !child; k++)
                                child = !strcmp(c->deps[k].job, up);
                        if (!child || (r = job_waits(st, tenant, c->name, &waits, reterr)) < 0)
                                continue;
                        seen[i] = true; /* asked once: a job that does not wait never will here */
                        if (!waits)
                                continue;
                        queue[tail++] = c->name;
                        buf_printf(b, "%s%s", named++ ? ", " : "; waiting on it: ", c->name);
                }
        }
out:
        free(queue);
        free(seen);
        return r;
}

/* The token refresh failures of the instance's latest execution: the sum of
 * refresh_failures over its step executions' metrics (docs/http-client.md); 0 when none
 * recorded any. */
static int64_t run_refresh_failures(struct store *st, int64_t instance_id)
{
        struct store_execution_list ex = {0, NULL};
        int64_t sum = 0;
        if (store_execution_list(st, instance_id, &ex, NULL) < 0 || ex.n == 0) {
                store_execution_list_release(&ex);
                return 0;
        }
        struct store_step_list sl = {0, NULL};
        if (store_step_list(st, ex.items[ex.n - 1].id, &sl, NULL) == 0) {
                for (size_t i = 0; i < sl.n; i++) {
                        if (!sl.items[i].metrics)
                                continue;
                        json_t *m = json_loads(sl.items[i].metrics, 0, NULL);
                        json_t *f = json_object_get(m, "refresh_failures");
                        if (json_is_integer(f))
                                sum += (int64_t)json_integer_value(f);
                        json_decref(m);
                }
                store_step_list_release(&sl);
        }
        store_execution_list_release(&ex);
        return sum;
}

int alerts_on_transition(struct store *st, const struct defset *set, const struct job_def *job,
                         const char *tenant, int64_t instance_id, int to, const char *reason,
                         int64_t run_s, int64_t now, struct batch_err *reterr)
{
        const char *jobname = job ? job->name : NULL;
        char text[512];
        struct alert_event ev = {.tenant = tenant, .job = jobname, .instance_id = instance_id,
                                 .message = text};
        if (jobname && (is_failure_state(to) || to == STATE_SUCCESS)) {
                int64_t rf = run_refresh_failures(st, instance_id);
                if (alertpolicy_refresh_failures(rf)) {
                        ev.kind = "token_refresh_failures";
                        snprintf(text, sizeof(text),
                                 "%s: instance %lld: the run's API token refresh failed %lld "
                                 "times (more than %d)",
                                 jobname, (long long)instance_id, (long long)rf,
                                 ALERT_REFRESH_FAILURES_MAX);
                        int r = alerts_raise(st, set, job, &ev, now, NULL, reterr);
                        if (r < 0)
                                return r;
                        ev.message = text;
                }
        }
        if (is_failure_state(to)) {
                ev.kind = to == STATE_START_FAILED     ? "start_failed"
                          : to == STATE_TIMEOUT_FAILED ? "timeout_failed"
                          : to == STATE_STOP_FAILED    ? "stop_failed"
                                                       : "failed";
                struct buf m;
                buf_init(&m, 0);
                buf_printf(&m, "%s: instance %lld ended in %s%s%s", jobname ? jobname : "?",
                           (long long)instance_id, state_name(to), reason && *reason ? ": " : "",
                           reason && *reason ? reason : "");
                int r = jobname ? waiting_children(st, set, tenant, jobname, &m, reterr) : 0;
                if (r == 0 && m.err)
                        r = BATCH_ENOMEM;
                if (r == 0) {
                        ev.message = m.data;
                        r = alerts_raise(st, set, job, &ev, now, NULL, reterr);
                }
                buf_release(&m);
                return r;
        }
        if (to != STATE_SUCCESS || !jobname)
                return 0;
        int r = 0;
        struct store_instance si = {0};
        if (store_instance_get(st, instance_id, &si, NULL) == 0 && si.skip_count > 0) {
                ev.kind = "partial_failure";
                snprintf(text, sizeof(text),
                         "%s: instance %lld succeeded with %lld skipped item(s) (a partial data "
                         "failure)",
                         jobname, (long long)instance_id, (long long)si.skip_count);
                r = alerts_raise(st, set, job, &ev, now, NULL, reterr);
        }
        store_instance_release(&si);
        if (r == 0 && job->estimated_minutes > 0 &&
            alertpolicy_long_run(run_s, job->estimated_minutes)) {
                ev.kind = "long_run";
                snprintf(text, sizeof(text),
                         "%s: instance %lld ran %lld minute(s), more than %d%% of its estimate "
                         "of %d minute(s)",
                         jobname, (long long)instance_id, (long long)(run_s / 60),
                         ALERT_LONG_RUN_PERCENT, job->estimated_minutes);
                r = alerts_raise(st, set, job, &ev, now, NULL, reterr);
        }
        if (r < 0)
                return r;
        struct store_alert_list l;
        if ((r = store_alert_recent(st, tenant, jobname, NULL, now - RECOVERY_LOOKBACK_S, &l,
                                    reterr)) < 0)
                return r;
        struct alertpolicy_past *past = calloc(l.n ? l.n : 1, sizeof(*past));
        if (!past) {
                store_alert_list_release(&l);
                return BATCH_ENOMEM;
        }
        int64_t failure_id = 0;
        for (size_t i = 0; i < l.n; i++) {
                past[i] = (struct alertpolicy_past){l.items[i].id, l.items[i].kind,
                                                    l.items[i].created_at,
                                                    l.items[i].suppressed_by};
                const char *sev = alertpolicy_severity(l.items[i].kind);
                if (!failure_id && sev && !strcmp(sev, "critical"))
                        failure_id = l.items[i].id;
        }
        if (alertpolicy_recovers(past, l.n)) {
                ev.kind = "recovered";
                snprintf(text, sizeof(text), "%s: instance %lld succeeded; the job recovered "
                                             "after alert %lld",
                         jobname, (long long)instance_id, (long long)failure_id);
                r = alerts_raise(st, set, job, &ev, now, NULL, reterr);
        }
        free(past);
        store_alert_list_release(&l);
        return r;
}

/* ---- the delivery worker ------------------------------------------------------------------ */

#define ESCALATE_EVERY_MS 5000 /* how often the worker looks for alerts to escalate */
#define REPORTS_EVERY_MS 250   /* how often it looks for daily reports due */
#define XLSX_MIME "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* One tenant's settings as the worker last parsed them. */
struct tenant_settings {
        char *tenant;
        int64_t version;     /* the stored version parsed */
        struct defset set;   /* parsed; empty when the stored text does not parse */
};

struct alerts_worker {
        pthread_t thread;
        struct tenant_settings *tenants; /* every tenant's settings, reparsed on a change */
        size_t ntenants;
        struct timespec escalated; /* CLOCK_MONOTONIC of the last look for escalations */
        struct timespec reported;  /* ... and of the last look for daily reports due */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stop, woken;
        struct store *st;
        struct dclock *clock;
};

/* Reads a secret from a file (its first line) or an environment variable into buf.
 * Returns 0, or -1 with why in `why` (never the secret). */
static int read_secret(const char *file, const char *env, char *buf, size_t len, char *why,
                       size_t wlen)
{
        if (env) {
                const char *v = getenv(env);
                if (!v || !*v) {
                        snprintf(why, wlen, "the environment variable %s is not set", env);
                        return -1;
                }
                if (strlen(v) >= len) {
                        snprintf(why, wlen, "the environment variable %s is too long", env);
                        return -1;
                }
                snprintf(buf, len, "%s", v);
                return 0;
        }
        FILE *f = fopen(file, "re");
        if (!f) {
                snprintf(why, wlen, "cannot read %s: %s", file, strerror(errno));
                return -1;
        }
        size_t n = fread(buf, 1, len - 1, f);
        fclose(f);
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        if (!*buf) {
                snprintf(why, wlen, "%s is empty", file);
                return -1;
        }
        return 0;
}

/* The tenant's settings as stored (the worker's own copy: definitions may change while
 * it runs). Returns 0 with *ret_set holding them (maybe none), or an error. */
static int load_settings(struct store *st, const char *tenant, struct defset *ret_set,
                         struct batch_err *reterr)
{
        memset(ret_set, 0, sizeof(*ret_set));
        struct store_def d = {0};
        int r = store_def_get(st, tenant, "settings", tenant, &d, reterr);
        if (r == BATCH_ENOENT)
                return 0;
        if (r < 0)
                return r;
        struct diag_list diags = {0};
        r = defs_load_buffer_as(ret_set, "settings", d.spec, strlen(d.spec), DEF_SETTINGS,
                                &diags);
        diag_list_release(&diags);
        store_def_release(&d);
        return r;
}

/* The alerts of the same job and kind suppressed since the last one sent before `a`
 * (what the message carries): *ret_since and *ret_count. */
static void suppressed_before(struct store *st, const struct store_alert *a, int64_t *ret_since,
                              int *ret_count)
{
        *ret_since = 0;
        *ret_count = 0;
        if (!a->job || a->suppressed_by)
                return;
        struct store_alert_filter f = {.tenant = a->tenant, .job = a->job, .kind = a->kind,
                                       .since = a->created_at - RECENT_S, .before_id = a->id,
                                       .limit = 1000};
        struct store_alert_list l;
        if (store_alert_find(st, &f, &l, NULL) < 0)
                return;
        size_t i = 0;
        while (i < l.n && l.items[i].suppressed_by)
                i++;
        if (i < l.n) {
                *ret_since = l.items[i].id;
                for (size_t k = 0; k < l.n; k++)
                        *ret_count += l.items[k].suppressed_by == l.items[i].id;
        }
        store_alert_list_release(&l);
}

struct rendered {
        struct buf subject, text, json;
};

static void render(struct store *st, const struct store_alert *a, const struct store_delivery *dv,
                   struct rendered *out)
{
        struct store_instance si = {0};
        bool have = a->instance_id && store_instance_get(st, a->instance_id, &si, NULL) == 0;
        int64_t since = 0;
        int count = 0;
        suppressed_before(st, a, &since, &count);
        char created[ISO_FORMAT_MAX], due[ISO_FORMAT_MAX], updated[ISO_FORMAT_MAX];
        iso_format_utc(a->created_at, created);
        buf_init(&out->subject, 0);
        buf_init(&out->text, 0);
        buf_init(&out->json, 0);
        buf_printf(&out->subject, "[batchd] %s%s %s/%s: %s", dv->escalation ? "ESCALATED " : "",
                   a->severity, a->tenant, a->job ? a->job : "-", a->kind);
        struct buf *t = &out->text;
        if (dv->escalation)
                buf_puts(t, "Escalated: this critical alert has not been acknowledged in time "
                            "(alerts.escalate).\n\n");
        buf_printf(t, "%s\n\n", a->message);
        buf_printf(t, "Alert:     %lld (%s, %s)\n", (long long)a->id, a->kind, a->severity);
        buf_printf(t, "Tenant:    %s\n", a->tenant);
        buf_printf(t, "Job:       %s\n", a->job ? a->job : "-");
        if (have) {
                buf_printf(t, "Instance:  %lld\n", (long long)si.id);
                buf_printf(t, "State:     %d %s\n", si.state, state_name(si.state));
                buf_printf(t, "Due:       %s\n", iso_format_utc(si.due, due));
                buf_printf(t, "Updated:   %s\n", iso_format_utc(si.updated_at, updated));
        }
        buf_printf(t, "Raised:    %s\n", created);
        if (count)
                buf_printf(t, "Suppressed: %d since alert %lld\n", count, (long long)since);
        buf_printf(t, "Delivery:  %s\n", dv->message_id);
        buf_puts(t, "\nSee it with: batchctl alerts get ");
        buf_printf(t, "%lld\n", (long long)a->id);
        struct buf *j = &out->json;
        buf_printf(j, "{\"alert_id\":%lld,\"tenant\":", (long long)a->id);
        json_put_string(j, a->tenant);
        buf_puts(j, ",\"job\":");
        json_put_string(j, a->job);
        buf_puts(j, ",\"kind\":");
        json_put_string(j, a->kind);
        buf_puts(j, ",\"severity\":");
        json_put_string(j, a->severity);
        buf_puts(j, ",\"message\":");
        json_put_string(j, a->message);
        buf_puts(j, ",\"created\":");
        json_put_string(j, created);
        if (have) {
                buf_printf(j, ",\"instance_id\":%lld,\"state\":%d,\"state_name\":", (long long)si.id,
                           si.state);
                json_put_string(j, state_name(si.state));
                buf_puts(j, ",\"due\":");
                json_put_string(j, due);
        } else {
                buf_puts(j, ",\"instance_id\":null");
        }
        buf_printf(j, ",\"suppressed_count\":%d,\"suppressed_since\":", count);
        if (since)
                buf_printf(j, "%lld", (long long)since);
        else
                buf_puts(j, "null");
        buf_puts(j, ",\"delivery\":");
        json_put_string(j, dv->message_id);
        buf_printf(j, ",\"escalation\":%s}", dv->escalation ? "true" : "false");
        store_instance_release(&si);
}

static void rendered_release(struct rendered *r)
{
        buf_release(&r->subject);
        buf_release(&r->text);
        buf_release(&r->json);
}

/* Sends delivery dv once; *ret_answer (malloc'd or NULL) gets what the server said or
 * why nothing was sent. Returns 0 when accepted, 1 for a permanent refusal (no retry),
 * -1 for a failure worth retrying. */
static int send_one(struct store *st, const struct store_delivery *dv, const struct store_alert *a,
                    int64_t now, char **ret_answer)
{
        char why[512] = "";
        char secret[PASSWORD_MAX] = "";
        *ret_answer = NULL;
        struct defset set;
        struct batch_err err = {0};
        if (load_settings(st, dv->tenant, &set, &err) < 0) {
                *ret_answer = strdup(err.msg);
                return -1;
        }
        const struct settings_def *s = settings_of(&set, dv->tenant);
        struct rendered m;
        render(st, a, dv, &m);
        int rc = -1;
        if (m.subject.err || m.text.err || m.json.err) {
                snprintf(why, sizeof(why), "out of memory");
                goto out;
        }
        if (!strcmp(dv->channel, "email")) {
                if (!s || !s->smtp_url) {
                        snprintf(why, sizeof(why),
                                 "no SMTP server configured (alerts.smtp.url in the settings of "
                                 "tenant %s)", dv->tenant);
                        rc = 1;
                        goto out;
                }
                if ((s->smtp_password_file || s->smtp_password_env) &&
                    read_secret(s->smtp_password_file, s->smtp_password_env, secret,
                                sizeof(secret), why, sizeof(why)) < 0)
                        goto out;
                /* The recipients: the target, comma-separated. */
                char *copy = strdup(dv->target);
                const char *to[100];
                size_t nto = 0;
                char *save = NULL;
                for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && nto < 100;
                     tok = strtok_r(NULL, ",", &save))
                        to[nto++] = tok;
                struct mail_server srv = {.url = s->smtp_url, .starttls = s->smtp_starttls,
                                          .user = s->smtp_user,
                                          .password = s->smtp_user ? secret : NULL,
                                          .from = s->smtp_from, .ca_file = s->smtp_ca_file};
                struct mail_message msg = {.to = to, .nto = nto, .subject = m.subject.data,
                                           .text = m.text.data, .message_id = dv->message_id};
                /* The daily report: built now from the repository, the HTML summary and
                 * the .xlsx (docs/report.md, "The e-mail"). */
                char date[11], name[200];
                char *rsubject = NULL, *rhtml = NULL;
                struct buf xlsx;
                struct mail_attachment att = {0};
                buf_init(&xlsx, 0);
                int r = copy ? 0 : BATCH_ENOMEM;
                if (r == 0 && !strcmp(a->kind, REPORTDUE_KIND)) {
                        if (!reportdue_date_of(a->message, date)) {
                                snprintf(why, sizeof(why), "no report date in alert %lld",
                                         (long long)a->id);
                                free(copy);
                                buf_release(&xlsx);
                                rc = 1;
                                goto out;
                        }
                        r = report_daily_mail(st, a->tenant, date, now, &rsubject, &rhtml, &xlsx,
                                              &err);
                        if (r == 0) {
                                snprintf(name, sizeof(name), "batchd-report-%.100s-%s.xlsx",
                                         a->tenant, date);
                                att = (struct mail_attachment){name, XLSX_MIME, xlsx.data,
                                                               xlsx.len};
                                msg.subject = rsubject;
                                msg.text = NULL;
                                msg.html = rhtml;
                                msg.att = &att;
                                msg.natt = 1;
                        }
                }
                char *answer = NULL;
                if (r == 0)
                        r = mail_send(&srv, &msg, &answer, &err);
                free(copy);
                free(rsubject);
                free(rhtml);
                buf_release(&xlsx);
                if (r == 0) {
                        rc = 0;
                        snprintf(why, sizeof(why), "%s", answer ? answer : "accepted");
                } else {
                        snprintf(why, sizeof(why), "%s", err.msg);
                        rc = answer && answer[0] == '5' ? 1 : -1;
                }
                free(answer);
        } else {
                if ((s && (s->webhook_secret_file || s->webhook_secret_env)) &&
                    read_secret(s->webhook_secret_file, s->webhook_secret_env, secret,
                                sizeof(secret), why, sizeof(why)) < 0)
                        goto out;
                /* X-Batchd-Delivery: the Message-ID without its angle brackets. */
                char id[128];
                snprintf(id, sizeof(id), "%.*s", (int)strlen(dv->message_id) - 2,
                         dv->message_id + 1);
                struct webhook_target t = {.url = dv->target, .secret = secret[0] ? secret : NULL};
                long status = 0;
                char *answer = NULL;
                int r = webhook_post(&t, m.json.data, m.json.len, id, (long long)now, &status,
                                     &answer, &err);
                if (r == 0) {
                        rc = 0;
                        snprintf(why, sizeof(why), "HTTP %ld", status);
                } else {
                        snprintf(why, sizeof(why), "%s%s%.200s", err.msg, answer ? ": " : "",
                                 answer ? answer : "");
                        rc = status >= 400 && status < 500 && status != 408 && status != 429
                                     ? 1
                                     : -1;
                }
                free(answer);
        }
out:
        explicit_bzero(secret, sizeof(secret));
        rendered_release(&m);
        defset_release(&set);
        *ret_answer = strdup(why);
        return rc;
}

/* The trace id of instance `id` (0: none) for a log line about its alert, into buf; NULL
 * when it has none or the repository does not answer. */
static const char *instance_trace(struct store *st, int64_t id, char buf[TRACE_ID_LEN + 1])
{
        struct store_instance si;
        struct batch_err err;
        if (!id || store_instance_get(st, id, &si, &err) < 0)
                return NULL;
        snprintf(buf, TRACE_ID_LEN + 1, "%s", si.trace_id ? si.trace_id : "");
        store_instance_release(&si);
        return buf[0] ? buf : NULL;
}

/* How long a worker's claim on a delivery lasts (clock seconds): longer than an attempt
 * (the transports give up after 30 s); a worker that died holding one leaves the
 * delivery due again after it. */
#define CLAIM_S 300

static void deliver(struct alerts_worker *w, const struct store_delivery *dv)
{
        struct store_alert a = {0};
        struct batch_err err = {0};
        /* Several nodes on one repository each run a worker: the one whose claim
         * changes the row sends; the others leave it (docs/alerts.md). */
        int c = store_delivery_claim(w->st, dv->id, dv->next_attempt_at,
                                     dclock_now(w->clock) + CLAIM_S, &err);
        if (c < 0) {
                if (c != BATCH_ESTALE)
                        dlog("error", NULL, 0, 0, NULL, "alert delivery %lld: %s",
                             (long long)dv->id, err.msg);
                return;
        }
        if (store_alert_get(w->st, dv->alert_id, &a, &err) < 0) {
                dlog("error", NULL, 0, 0, NULL, "alert delivery %lld: %s", (long long)dv->id,
                     err.msg);
                return;
        }
        int64_t now = dclock_now(w->clock);
        char *answer = NULL;
        int rc = send_one(w->st, dv, &a, now, &answer);
        int64_t at = dclock_now(w->clock);
        struct store_delivery o = {.attempts = dv->attempts + 1, .last_answer = answer};
        if (rc == 0)
                o.state = (char *)"sent";
        else if (rc > 0 || !alertpolicy_retry(o.attempts, a.created_at, at, &o.next_attempt_at))
                o.state = (char *)"failed";
        else
                o.state = (char *)"pending";
        int r = store_delivery_update(w->st, dv->id, &o, at, &err);
        char tb[TRACE_ID_LEN + 1];
        const char *trace = instance_trace(w->st, a.instance_id, tb);
        if (r < 0 && r != BATCH_ESTALE)
                dlog("error", a.job, a.instance_id, 0, trace,
                     "alert %lld: recording delivery %lld: %s", (long long)a.id,
                     (long long)dv->id, err.msg);
        if (rc == 0)
                dlog("info", a.job, a.instance_id, 0, trace, "alert %lld sent by %s (attempt %d)",
                     (long long)a.id, dv->channel, o.attempts);
        else
                dlog("warn", a.job, a.instance_id, 0, trace,
                     "alert %lld: %s delivery attempt %d failed: %s%s", (long long)a.id,
                     dv->channel, o.attempts, answer ? answer : "",
                     !strcmp(o.state, "failed") ? "; given up" : "; will retry");
        free(answer);
        store_alert_release(&a);
}

static void tenants_release(struct alerts_worker *w)
{
        for (size_t i = 0; i < w->ntenants; i++) {
                free(w->tenants[i].tenant);
                defset_release(&w->tenants[i].set);
        }
        free(w->tenants);
        w->tenants = NULL;
        w->ntenants = 0;
}

/* Brings w->tenants up to date with the stored settings: one read of the repository,
 * and the settings parsed again only when a tenant's version changed (a text that does
 * not parse leaves that tenant without settings: nothing escalated or reported). On a
 * store error the last parsed settings stay. */
static void tenants_refresh(struct alerts_worker *w)
{
        struct store_def_list defs;
        struct batch_err err = {0};
        if (store_def_list(w->st, NULL, "settings", &defs, &err) < 0) {
                dlog("error", NULL, 0, 0, NULL, "alert worker: reading the settings: %s",
                     err.msg);
                return;
        }
        bool same = defs.n == w->ntenants;
        for (size_t i = 0; same && i < defs.n; i++)
                same = defs.items[i].version == w->tenants[i].version &&
                       !strcmp(defs.items[i].tenant, w->tenants[i].tenant);
        struct tenant_settings *t = same ? NULL : calloc(defs.n ? defs.n : 1, sizeof(*t));
        if (!same && t) {
                tenants_release(w);
                w->tenants = t;
                for (size_t i = 0; i < defs.n; i++) {
                        struct diag_list diags = {0};
                        const char *spec = defs.items[i].spec;
                        t[i].version = defs.items[i].version;
                        t[i].tenant = strdup(defs.items[i].tenant);
                        w->ntenants = i + 1;
                        if (!t[i].tenant || !spec ||
                            defs_load_buffer_as(&t[i].set, "settings", spec, strlen(spec),
                                                DEF_SETTINGS, &diags) < 0) {
                                defset_release(&t[i].set);
                                t[i].version = -1; /* parse again next time */
                        }
                        diag_list_release(&diags);
                }
        }
        store_def_list_release(&defs);
}

/* Adds an escalation delivery to every critical alert that stayed unacknowledged longer
 * than its tenant's alerts.escalate.after_minutes (within a day of being raised). */
static void escalate(struct alerts_worker *w, int64_t now)
{
        struct batch_err err = {0};
        for (size_t i = 0; i < w->ntenants; i++) {
                const struct settings_def *s = settings_of(&w->tenants[i].set,
                                                           w->tenants[i].tenant);
                struct store_alert_list l = {0};
                if (s && s->escalate_after_minutes > 0 && s->escalate_email.n &&
                    store_alert_unescalated(w->st, s->tenant, now - RECENT_S,
                                            now - (int64_t)s->escalate_after_minutes * 60, &l,
                                            &err) == 0) {
                        struct buf to;
                        buf_init(&to, 0);
                        join_list(&to, &s->escalate_email);
                        for (size_t k = 0; k < l.n && !to.err; k++) {
                                int r = add_delivery(w->st, l.items[k].id, "email", to.data,
                                                     "pending", true, now, &err);
                                char tb[TRACE_ID_LEN + 1];
                                const char *trace =
                                        instance_trace(w->st, l.items[k].instance_id, tb);
                                if (r < 0)
                                        dlog("error", l.items[k].job, l.items[k].instance_id, 0,
                                             trace, "alert %lld: escalating: %s",
                                             (long long)l.items[k].id, err.msg);
                                else
                                        dlog("info", l.items[k].job, l.items[k].instance_id, 0,
                                             trace, "alert %lld not acknowledged after %d "
                                             "minute(s): escalated", (long long)l.items[k].id,
                                             s->escalate_after_minutes);
                        }
                        buf_release(&to);
                        store_alert_list_release(&l);
                }
        }
}

/* Whether the tenant already has the daily_report row of `date` (looked at among its
 * newest ones: one a day, by date). Returns 1, 0 or the store's error. */
static int report_recorded(struct store *st, const char *tenant, const char *date,
                           struct batch_err *reterr)
{
        struct store_alert_filter f = {.tenant = tenant, .kind = REPORTDUE_KIND, .limit = 31};
        struct store_alert_list l;
        int r = store_alert_find(st, &f, &l, reterr);
        if (r < 0)
                return r;
        int found = 0;
        for (size_t i = 0; i < l.n && !found; i++) {
                char d[11];
                found = reportdue_date_of(l.items[i].message, d) && !strcmp(d, date);
        }
        store_alert_list_release(&l);
        return found;
}

/* Records the sending of the daily report of `date` for tenant s: a daily_report alert
 * (severity info), its claim on the day (store_report_claim: of several batchd nodes on
 * one repository only one gets it) and its e-mail delivery, in one transaction, unless
 * the tenant has it already. Returns 1 when recorded, 0 when it was there, or the
 * store's error. */
static int report_record(struct store *st, const struct settings_def *s, const char *date,
                         int64_t now, int64_t *ret_id, struct batch_err *reterr)
{
        int r = report_recorded(st, s->tenant, date, reterr);
        if (r != 0)
                return r < 0 ? r : 0;
        if ((r = store_begin(st, reterr)) < 0)
                return r;
        char text[64];
        reportdue_message(date, text, sizeof(text));
        struct store_alert a = {.tenant = s->tenant, .kind = (char *)REPORTDUE_KIND,
                                .severity = (char *)"info", .message = text};
        struct buf to;
        buf_init(&to, 0);
        join_list(&to, s->report_email.n ? &s->report_email : &s->alert_email);
        r = to.err ? BATCH_ENOMEM : store_alert_add(st, &a, now, ret_id, reterr);
        if (r == 0)
                r = store_report_claim(st, s->tenant, date, *ret_id, now, reterr);
        if (r == 0)
                r = add_delivery(st, *ret_id, "email", to.data, "pending", false, now, reterr);
        buf_release(&to);
        if (r == 0 && (r = store_commit(st, reterr)) == 0)
                return 1;
        store_rollback(st);
        return r == BATCH_EEXIST ? 0 : r;
}

/* Records the daily report due for every tenant whose settings turn it on
 * (core/reportdue.h): the latest day only, once. */
static void daily_reports(struct alerts_worker *w, int64_t now)
{
        struct batch_err err = {0};
        for (size_t i = 0; i < w->ntenants; i++) {
                const struct settings_def *s = settings_of(&w->tenants[i].set,
                                                           w->tenants[i].tenant);
                const struct tz *zone = tz_utc();
                char date[11];
                int64_t id = 0;
                int r = 0;
                if (!s || !s->report_enabled || (!s->report_email.n && !s->alert_email.n))
                        goto next;
                if (s->timezone && (r = zoneinfo_get(s->timezone, &zone, &err)) < 0) {
                        dlog("error", NULL, 0, 0, NULL, "daily report of tenant %s: %s",
                             s->tenant, err.msg);
                        goto next;
                }
                if (reportdue_day(zone, s->report_minute, now, date, NULL) != 1)
                        goto next;
                r = report_record(w->st, s, date, now, &id, &err);
                if (r < 0)
                        dlog("error", NULL, 0, 0, NULL, "daily report %s of tenant %s: %s", date,
                             s->tenant, err.msg);
                else if (r == 1)
                        dlog("info", NULL, 0, 0, NULL,
                             "daily report %s of tenant %s due: alert %lld, sending", date,
                             s->tenant, (long long)id);
next:;
        }
}

static void *worker_main(void *arg)
{
        struct alerts_worker *w = arg;
        pthread_mutex_lock(&w->lock);
        while (!w->stop) {
                w->woken = false;
                pthread_mutex_unlock(&w->lock);
                struct timespec mono;
                clock_gettime(CLOCK_MONOTONIC, &mono);
                bool esc = (mono.tv_sec - w->escalated.tv_sec) * 1000 +
                                   (mono.tv_nsec - w->escalated.tv_nsec) / 1000000 >=
                           ESCALATE_EVERY_MS;
                bool rep = (mono.tv_sec - w->reported.tv_sec) * 1000 +
                                   (mono.tv_nsec - w->reported.tv_nsec) / 1000000 >=
                           REPORTS_EVERY_MS;
                if (esc || rep)
                        tenants_refresh(w);
                if (esc) {
                        w->escalated = mono;
                        escalate(w, dclock_now(w->clock));
                }
                if (rep) {
                        w->reported = mono;
                        daily_reports(w, dclock_now(w->clock));
                }
                struct store_delivery_list due = {0};
                struct batch_err err = {0};
                if (store_delivery_due(w->st, dclock_now(w->clock), DUE_BATCH, &due, &err) < 0)
                        dlog("error", NULL, 0, 0, NULL, "alert deliveries: %s", err.msg);
                for (size_t i = 0; i < due.n; i++) {
                        pthread_mutex_lock(&w->lock);
                        bool stop = w->stop;
                        pthread_mutex_unlock(&w->lock);
                        if (stop)
                                break;
                        deliver(w, &due.items[i]);
                }
                bool more = due.n == DUE_BATCH;
                store_delivery_list_release(&due);
                pthread_mutex_lock(&w->lock);
                if (more || w->stop || w->woken)
                        continue;
                /* A second of real time, or less when the clock runs faster (a virtual
                 * clock at rate N: 1/N s, at least 50 ms). */
                int64_t wait_ms = dclock_real_ms(w->clock, 1);
                if (wait_ms > 1000)
                        wait_ms = 1000;
                if (wait_ms < 50)
                        wait_ms = 50;
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
                ts.tv_sec += wait_ms / 1000 + ts.tv_nsec / 1000000000L;
                ts.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&w->cond, &w->lock, &ts);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

int alerts_worker_start(const char *dsn, struct dclock *clock, struct alerts_worker **ret,
                        struct batch_err *reterr)
{
        struct alerts_worker *w = calloc(1, sizeof(*w));
        if (!w)
                return BATCH_ENOMEM;
        int r = store_open(dsn, &w->st, reterr);
        if (r < 0) {
                free(w);
                return r;
        }
        w->clock = clock;
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cond, &ca);
        pthread_condattr_destroy(&ca);
        pthread_mutex_init(&w->lock, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
                store_close(w->st);
                pthread_cond_destroy(&w->cond);
                pthread_mutex_destroy(&w->lock);
                free(w);
                return batch_err_set(reterr, BATCH_EIO, "alerts",
                                     "cannot start the alert delivery thread");
        }
        *ret = w;
        return 0;
}

void alerts_worker_wake(struct alerts_worker *w)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->woken = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

void alerts_worker_stop(struct alerts_worker *w)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        tenants_release(w);
        store_close(w->st);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
}
