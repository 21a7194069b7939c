/* emit.c: canonical YAML text of definition documents (see emit.h). */
#include "emit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "core/civil.h"
#include "core/isotime.h"

static bool plain_ok(const char *s)
{
        static const char *const reserved[] = {"true", "false", "null", "yes", "no",
                                               "on",   "off",   "y",    "n",   "~"};
        if (!*s || (*s >= '0' && *s <= '9'))
                return false;
        for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
                if (!strcasecmp(s, reserved[i]))
                        return false;
        for (const char *p = s; *p; p++) {
                char c = *p;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '/' ||
                          (p > s && (c == '.' || c == '-' || c == '@' || c == '+'));
                if (!ok)
                        return false;
        }
        return true;
}

void defs_emit_scalar(struct buf *out, const char *s)
{
        if (plain_ok(s)) {
                buf_puts(out, s);
                return;
        }
        buf_puts(out, "\"");
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                switch (*p) {
                case '"': buf_puts(out, "\\\""); break;
                case '\\': buf_puts(out, "\\\\"); break;
                case '\n': buf_puts(out, "\\n"); break;
                case '\t': buf_puts(out, "\\t"); break;
                case '\r': buf_puts(out, "\\r"); break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                buf_printf(out, "\\x%02x", *p);
                        else
                                buf_add(out, p, 1);
                }
        }
        buf_puts(out, "\"");
}

static void emit_list(struct buf *b, const struct def_list *l)
{
        buf_puts(b, "[");
        for (size_t i = 0; i < l->n; i++) {
                if (i)
                        buf_puts(b, ", ");
                defs_emit_scalar(b, l->items[i]);
        }
        buf_puts(b, "]");
}

static int cmp_idx_key(const void *a, const void *b, void *keys)
{
        char **k = keys;
        return strcmp(k[*(const size_t *)a], k[*(const size_t *)b]);
}

/* A string map in flow style with its keys sorted. */
static void emit_map(struct buf *b, const struct def_map *m)
{
        size_t *idx = malloc((m->n ? m->n : 1) * sizeof(*idx));
        if (!idx) {
                b->err = true;
                return;
        }
        for (size_t i = 0; i < m->n; i++)
                idx[i] = i;
        if (m->n)
                qsort_r(idx, m->n, sizeof(idx[0]), cmp_idx_key, m->keys);
        buf_puts(b, "{");
        for (size_t i = 0; i < m->n; i++) {
                if (i)
                        buf_puts(b, ", ");
                defs_emit_scalar(b, m->keys[idx[i]]);
                buf_puts(b, ": ");
                defs_emit_scalar(b, m->vals[idx[i]]);
        }
        buf_puts(b, "}");
        free(idx);
}

static void emit_dates(struct buf *b, const int64_t *days, size_t n)
{
        buf_puts(b, "[");
        for (size_t i = 0; i < n; i++) {
                int y, m, d;
                civil_date_from_days(days[i], &y, &m, &d);
                buf_printf(b, "%s\"%04d-%02d-%02d\"", i ? ", " : "", y, m, d);
        }
        buf_puts(b, "]");
}

/* Separator inside a flow mapping. */
static void sep(struct buf *b, bool *first)
{
        if (!*first)
                buf_puts(b, ", ");
        *first = false;
}

struct emitter {
        struct def_fields *f;
        struct buf b;
        int err;
};

/* A value's text has the limit of any buffer (BUF_DEFAULT_MAX): a document from a file of
 * at most DEFS_FILE_MAX bytes cannot reach it even with every byte escaped, so whatever
 * validates can be stored (the limit was 1 MiB until 2026-12-07: a 1.1 MB description
 * passed validate, and apply said "out of memory"). */
static void begin(struct emitter *e)
{
        buf_init(&e->b, 0);
}

static void end(struct emitter *e, const char *key)
{
        if (e->b.err || e->f->n == sizeof(e->f->items) / sizeof(e->f->items[0])) {
                e->err = BATCH_ENOMEM;
                buf_release(&e->b);
                return;
        }
        e->f->items[e->f->n].key = key;
        e->f->items[e->f->n].value = buf_detach(&e->b);
        if (!e->f->items[e->f->n].value)
                e->err = BATCH_ENOMEM;
        else
                e->f->n++;
}

static void field_str(struct emitter *e, const char *key, const char *val)
{
        if (!val)
                return;
        begin(e);
        defs_emit_scalar(&e->b, val);
        end(e, key);
}

static void field_raw(struct emitter *e, const char *key, const char *text)
{
        begin(e);
        buf_puts(&e->b, text);
        end(e, key);
}

static void field_int(struct emitter *e, const char *key, long v)
{
        begin(e);
        buf_printf(&e->b, "%ld", v);
        end(e, key);
}

static const char *const type_names[] = {"scheduled", "manual"};
static const char *const window_names[] = {"any", "only_in_window", "not_in_window"};
static const char *const window_end_names[] = {"continue", "terminate"};
static const char *const catchup_names[] = {"latest", "all", "none"};
static const char *const mode_names[] = {"success", "completion"};
static const char *const weekday_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

static void job_fields(struct emitter *e, const struct job_def *j)
{
        struct buf *b = &e->b;
        bool first;
        if (j->alert_on.n || j->alert_email.n || j->alert_webhook.n || j->alert_after_failures) {
                begin(e);
                first = true;
                buf_puts(b, "{");
                if (j->alert_after_failures)
                        sep(b, &first), buf_printf(b, "after_failures: %d", j->alert_after_failures);
                if (j->alert_email.n)
                        sep(b, &first), buf_puts(b, "email: "), emit_list(b, &j->alert_email);
                if (j->alert_on.n)
                        sep(b, &first), buf_puts(b, "on: "), emit_list(b, &j->alert_on);
                if (j->alert_webhook.n)
                        sep(b, &first), buf_puts(b, "webhook: "), emit_list(b, &j->alert_webhook);
                buf_puts(b, "}");
                end(e, "alerts");
        }
        if (j->allow_multiple_instances)
                field_raw(e, "allow_multiple_instances", "true");
        field_str(e, "calendar", j->calendar);
        if (j->catchup != CATCHUP_LATEST)
                field_raw(e, "catchup", catchup_names[j->catchup]);
        if (j->ndeps) {
                begin(e);
                buf_puts(b, "[");
                for (size_t i = 0; i < j->ndeps; i++) {
                        buf_puts(b, i ? ", {job: " : "{job: ");
                        defs_emit_scalar(b, j->deps[i].job);
                        buf_printf(b, ", mode: %s}", mode_names[j->deps[i].mode]);
                }
                buf_puts(b, "]");
                end(e, "depends_on");
        }
        field_str(e, "description", j->description);
        field_str(e, "display_name", j->display_name);
        if (j->display_names.n) {
                begin(e);
                emit_map(b, &j->display_names);
                end(e, "display_names");
        }
        if (!j->enabled)
                field_raw(e, "enabled", "false");
        if (j->estimated_minutes >= 0)
                field_int(e, "estimated_minutes", j->estimated_minutes);
        if (j->executor != EXECUTOR_NONE) {
                begin(e);
                first = true;
                if (j->executor == EXECUTOR_EXEC) {
                        buf_puts(b, "{exec: {");
                        if (j->exec_command.n)
                                sep(b, &first), buf_puts(b, "command: "),
                                        emit_list(b, &j->exec_command);
                        if (j->exec_env.n)
                                sep(b, &first), buf_puts(b, "env: "), emit_map(b, &j->exec_env);
                        if (j->exec_shell)
                                sep(b, &first), buf_puts(b, "shell: true");
                        if (j->exec_user)
                                sep(b, &first), buf_puts(b, "user: "),
                                        defs_emit_scalar(b, j->exec_user);
                        if (j->exec_workdir)
                                sep(b, &first), buf_puts(b, "workdir: "),
                                        defs_emit_scalar(b, j->exec_workdir);
                } else {
                        buf_puts(b, "{http: {");
                        if (j->http_context_path)
                                sep(b, &first), buf_puts(b, "context_path: "),
                                        defs_emit_scalar(b, j->http_context_path);
                        const char *cred_key[] = {"basic_env", "basic_file", "bearer_env",
                                                  "bearer_file"};
                        const char *cred_val[] = {j->http_basic_env, j->http_basic_file,
                                                  j->http_bearer_env, j->http_bearer_file};
                        bool any = false;
                        for (size_t c = 0; c < 4; c++) {
                                if (!cred_val[c])
                                        continue;
                                if (!any)
                                        sep(b, &first), buf_puts(b, "credentials: {");
                                else
                                        buf_puts(b, ", ");
                                any = true;
                                buf_printf(b, "%s: ", cred_key[c]);
                                defs_emit_scalar(b, cred_val[c]);
                        }
                        if (any)
                                buf_puts(b, "}");
                        if (j->http_poll_seconds > 0)
                                sep(b, &first), buf_printf(b, "poll_seconds: %d",
                                                           j->http_poll_seconds);
                        if (j->http_remote_job)
                                sep(b, &first), buf_puts(b, "remote_job: "),
                                        defs_emit_scalar(b, j->http_remote_job);
                        if (j->http_service)
                                sep(b, &first), buf_puts(b, "service: "),
                                        defs_emit_scalar(b, j->http_service);
                        if (j->http_stop_timeout_seconds > 0)
                                sep(b, &first), buf_printf(b, "stop_timeout_seconds: %d",
                                                           j->http_stop_timeout_seconds);
                        if (j->http_timeout_seconds > 0)
                                sep(b, &first), buf_printf(b, "timeout_seconds: %d",
                                                           j->http_timeout_seconds);
                }
                buf_puts(b, "}}");
                end(e, "executor");
        }
        field_str(e, "group", j->group);
        if (j->max_minutes > 0)
                field_int(e, "max_minutes", j->max_minutes);
        field_str(e, "node_labels", j->node_labels);
        if (j->on_window_end != WINDOW_END_CONTINUE)
                field_raw(e, "on_window_end", window_end_names[j->on_window_end]);
        if (j->parameters.n) {
                begin(e);
                emit_map(b, &j->parameters);
                end(e, "parameters");
        }
        if (j->retry_attempts || j->retry_backoff_seconds != 60 || j->retry_factor != 2.0) {
                begin(e);
                buf_printf(b, "{attempts: %d, backoff_seconds: %d, factor: %g}", j->retry_attempts,
                           j->retry_backoff_seconds, j->retry_factor);
                end(e, "retry");
        }
        if (j->cron || j->next_due_api || j->timezone || j->next_due_timeout_seconds > 0 ||
            j->next_due_attempts > 0) {
                begin(e);
                first = true;
                buf_puts(b, "{");
                if (j->next_due_attempts > 0)
                        sep(b, &first), buf_printf(b, "attempts: %d", j->next_due_attempts);
                if (j->cron)
                        sep(b, &first), buf_puts(b, "cron: "), defs_emit_scalar(b, j->cron);
                if (j->next_due_api)
                        sep(b, &first), buf_puts(b, "next_due_api: "),
                                defs_emit_scalar(b, j->next_due_api);
                if (j->next_due_timeout_seconds > 0)
                        sep(b, &first), buf_printf(b, "timeout_seconds: %d",
                                                   j->next_due_timeout_seconds);
                if (j->timezone)
                        sep(b, &first), buf_puts(b, "timezone: "),
                                defs_emit_scalar(b, j->timezone);
                buf_puts(b, "}");
                end(e, "trigger");
        }
        field_raw(e, "type", type_names[j->type]);
        if (j->window != WINDOW_ANY)
                field_raw(e, "window", window_names[j->window]);
        if (j->workday_only)
                field_raw(e, "workday_only", "true");
}

static void calendar_fields(struct emitter *e, const struct calendar_def *c)
{
        if (c->nextra) {
                begin(e);
                emit_dates(&e->b, c->extra_workdays, c->nextra);
                end(e, "extra_workdays");
        }
        if (c->nholidays) {
                begin(e);
                emit_dates(&e->b, c->holidays, c->nholidays);
                end(e, "holidays");
        }
        begin(e);
        buf_puts(&e->b, "[");
        bool first = true;
        for (int wd = 1; wd <= 7; wd++) /* Monday first */
                if (c->workdays >> (wd % 7) & 1)
                        sep(&e->b, &first), buf_puts(&e->b, weekday_names[wd % 7]);
        buf_puts(&e->b, "]");
        end(e, "workdays");
}

static void emit_pauses(struct buf *b, const struct pause_def *p, size_t n)
{
        buf_puts(b, "[");
        for (size_t i = 0; i < n; i++) {
                char from[ISO_FORMAT_MAX], to[ISO_FORMAT_MAX];
                buf_printf(b, "%s{from: \"%s\", to: \"%s\"}", i ? ", " : "",
                           iso_format_utc(p[i].from, from), iso_format_utc(p[i].to, to));
        }
        buf_puts(b, "]");
}

/* "key: value" in a flow mapping, when value is set. */
static void emit_kv(struct buf *b, bool *first, const char *key, const char *value)
{
        if (!value)
                return;
        sep(b, first);
        buf_printf(b, "%s: ", key);
        defs_emit_scalar(b, value);
}

static void settings_fields(struct emitter *e, const struct settings_def *s)
{
        struct buf *b = &e->b;
        bool smtp = s->smtp_url || s->smtp_user || s->smtp_password_file ||
                    s->smtp_password_env || s->smtp_from || s->smtp_ca_file || s->smtp_starttls;
        if (s->alert_email.n || s->alert_webhook.n || s->alert_on.n || smtp ||
            s->webhook_secret_file || s->webhook_secret_env || s->nalert_pauses ||
            s->escalate_after_minutes || s->escalate_email.n) {
                begin(e);
                bool first = true;
                buf_puts(b, "{");
                if (s->alert_email.n)
                        sep(b, &first), buf_puts(b, "email: "), emit_list(b, &s->alert_email);
                if (s->escalate_after_minutes || s->escalate_email.n) {
                        sep(b, &first);
                        buf_printf(b, "escalate: {after_minutes: %d, email: ",
                                   s->escalate_after_minutes);
                        emit_list(b, &s->escalate_email);
                        buf_puts(b, "}");
                }
                if (s->alert_on.n)
                        sep(b, &first), buf_puts(b, "on: "), emit_list(b, &s->alert_on);
                if (s->nalert_pauses) {
                        sep(b, &first), buf_puts(b, "pause: ");
                        emit_pauses(b, s->alert_pauses, s->nalert_pauses);
                }
                if (smtp) {
                        sep(b, &first), buf_puts(b, "smtp: {");
                        bool f2 = true;
                        emit_kv(b, &f2, "ca_file", s->smtp_ca_file);
                        emit_kv(b, &f2, "from", s->smtp_from);
                        emit_kv(b, &f2, "password_env", s->smtp_password_env);
                        emit_kv(b, &f2, "password_file", s->smtp_password_file);
                        if (s->smtp_starttls)
                                sep(b, &f2), buf_puts(b, "starttls: true");
                        emit_kv(b, &f2, "url", s->smtp_url);
                        emit_kv(b, &f2, "user", s->smtp_user);
                        buf_puts(b, "}");
                }
                if (s->alert_webhook.n)
                        sep(b, &first), buf_puts(b, "webhook: "), emit_list(b, &s->alert_webhook);
                emit_kv(b, &first, "webhook_secret_env", s->webhook_secret_env);
                emit_kv(b, &first, "webhook_secret_file", s->webhook_secret_file);
                buf_puts(b, "}");
                end(e, "alerts");
        }
        begin(e);
        buf_printf(b, "{end: \"%02d:%02d\", start: \"%02d:%02d\"}", s->window_end / 60,
                   s->window_end % 60, s->window_start / 60, s->window_start % 60);
        end(e, "batch_window");
        if (s->min_interval_minutes) {
                begin(e);
                buf_printf(b, "%d", s->min_interval_minutes);
                end(e, "min_schedule_interval_minutes");
        }
        if (s->npauses) {
                begin(e);
                emit_pauses(b, s->pauses, s->npauses);
                end(e, "pause");
        }
        if (s->offset_enabled || s->offset_days) {
                begin(e);
                buf_printf(b, "{days: %d, enabled: %s}", s->offset_days,
                           s->offset_enabled ? "true" : "false");
                end(e, "time_offset");
        }
        if (s->report_enabled || s->report_email.n || s->report_minute != 8 * 60) {
                begin(e);
                buf_puts(b, "{");
                bool first = true;
                if (s->report_email.n)
                        sep(b, &first), buf_puts(b, "email: "), emit_list(b, &s->report_email);
                sep(b, &first);
                buf_printf(b, "enabled: %s, time: \"%02d:%02d\"}",
                           s->report_enabled ? "true" : "false", s->report_minute / 60,
                           s->report_minute % 60);
                end(e, "report");
        }
        field_str(e, "scheduler_user", s->scheduler_user);
        begin(e);
        buf_printf(b, "{estimate_multiple: %d, min_execute_minutes: %d}", s->estimate_multiple,
                   s->min_execute_minutes);
        end(e, "timeouts");
        field_str(e, "timezone", s->timezone);
}

int defs_fields(const struct def_doc *d, struct def_fields *ret)
{
        struct emitter e = {.f = ret};
        ret->n = 0;
        static const char *const kinds[] = {"job", "calendar", "settings"};
        field_raw(&e, "kind", kinds[d->kind]);
        switch (d->kind) {
        case DEF_JOB:
                field_str(&e, "tenant", d->u.job.tenant);
                field_str(&e, "name", d->u.job.name);
                job_fields(&e, &d->u.job);
                break;
        case DEF_CALENDAR:
                field_str(&e, "tenant", d->u.calendar.tenant);
                field_str(&e, "name", d->u.calendar.name);
                calendar_fields(&e, &d->u.calendar);
                break;
        case DEF_SETTINGS:
                field_str(&e, "tenant", d->u.settings.tenant);
                settings_fields(&e, &d->u.settings);
                break;
        }
        return e.err;
}

void defs_fields_release(struct def_fields *f)
{
        for (size_t i = 0; i < f->n; i++)
                free(f->items[i].value);
        f->n = 0;
}

int defs_emit_doc(const struct def_doc *d, struct buf *out)
{
        struct def_fields f;
        int r = defs_fields(d, &f);
        for (size_t i = 0; r == 0 && i < f.n; i++)
                buf_printf(out, "%s: %s\n", f.items[i].key, f.items[i].value);
        defs_fields_release(&f);
        if (r == 0 && out->err)
                r = BATCH_ENOMEM;
        return r;
}
