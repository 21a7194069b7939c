/* defs.c: ownership helpers of the definitions model and its diagnostics. */
#include "defs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

static void map_release(struct def_map *m)
{
        for (size_t i = 0; i < m->n; i++) {
                free(m->keys[i]);
                free(m->vals[i]);
        }
        free(m->keys);
        free(m->vals);
}

static void list_release(struct def_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i]);
        free(l->items);
}

static void job_release(struct job_def *j)
{
        free(j->tenant);
        free(j->name);
        free(j->display_name);
        map_release(&j->display_names);
        free(j->description);
        free(j->group);
        list_release(&j->exec_command);
        map_release(&j->exec_env);
        free(j->exec_workdir);
        free(j->exec_user);
        free(j->http_service);
        free(j->http_context_path);
        free(j->http_remote_job);
        free(j->http_bearer_file);
        free(j->http_bearer_env);
        free(j->http_basic_file);
        free(j->http_basic_env);
        free(j->cron);
        free(j->timezone);
        free(j->next_due_api);
        free(j->calendar);
        free(j->node_labels);
        for (size_t i = 0; i < j->ndeps; i++)
                free(j->deps[i].job);
        free(j->deps);
        map_release(&j->parameters);
        list_release(&j->alert_on);
        list_release(&j->alert_email);
        list_release(&j->alert_webhook);
}

void def_doc_release(struct def_doc *d)
{
        switch (d->kind) {
        case DEF_JOB:
                job_release(&d->u.job);
                break;
        case DEF_CALENDAR:
                free(d->u.calendar.tenant);
                free(d->u.calendar.name);
                free(d->u.calendar.holidays);
                free(d->u.calendar.extra_workdays);
                break;
        case DEF_SETTINGS:
                free(d->u.settings.tenant);
                free(d->u.settings.timezone);
                free(d->u.settings.pauses);
                list_release(&d->u.settings.alert_email);
                list_release(&d->u.settings.alert_webhook);
                list_release(&d->u.settings.alert_on);
                free(d->u.settings.smtp_url);
                free(d->u.settings.smtp_user);
                free(d->u.settings.smtp_password_file);
                free(d->u.settings.smtp_password_env);
                free(d->u.settings.smtp_from);
                free(d->u.settings.smtp_ca_file);
                free(d->u.settings.webhook_secret_file);
                free(d->u.settings.webhook_secret_env);
                free(d->u.settings.alert_pauses);
                list_release(&d->u.settings.escalate_email);
                list_release(&d->u.settings.report_email);
                free(d->u.settings.scheduler_user);
                break;
        }
        for (size_t i = 0; i < d->nkeys; i++)
                free(d->keys[i].path);
        free(d->keys);
}

void defset_release(struct defset *set)
{
        for (size_t i = 0; i < set->ndocs; i++)
                def_doc_release(&set->docs[i]);
        free(set->docs);
        for (size_t i = 0; i < set->nfiles; i++)
                free(set->files[i]);
        free(set->files);
        memset(set, 0, sizeof(*set));
}

void diag_list_release(struct diag_list *list)
{
        for (size_t i = 0; i < list->n; i++) {
                free(list->items[i].key);
                free(list->items[i].msg);
        }
        free(list->items);
        memset(list, 0, sizeof(*list));
}

int diag_add(struct diag_list *list, struct def_pos pos, const char *key, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        struct diag *items = realloc(list->items, (list->n + 1) * sizeof(*items));
        if (!items)
                return BATCH_ENOMEM;
        list->items = items;
        struct diag *d = &items[list->n];
        d->pos = pos;
        d->key = key ? strdup(key) : NULL;
        d->msg = strdup(buf);
        if ((key && !d->key) || !d->msg) {
                free(d->key);
                free(d->msg);
                return BATCH_ENOMEM;
        }
        list->n++;
        return 0;
}

struct def_pos def_doc_pos(const struct def_doc *doc, const char *path)
{
        for (size_t i = 0; i < doc->nkeys; i++)
                if (!strcmp(doc->keys[i].path, path))
                        return doc->keys[i].pos;
        return doc->pos;
}

const char *def_doc_tenant(const struct def_doc *doc)
{
        const char *t = NULL;
        switch (doc->kind) {
        case DEF_JOB: t = doc->u.job.tenant; break;
        case DEF_CALENDAR: t = doc->u.calendar.tenant; break;
        case DEF_SETTINGS: t = doc->u.settings.tenant; break;
        }
        return t ? t : "default";
}

const char *def_kind_name(enum def_kind kind)
{
        switch (kind) {
        case DEF_JOB: return "job";
        case DEF_CALENDAR: return "calendar";
        case DEF_SETTINGS: return "settings";
        }
        return "?";
}

const char *def_doc_name(const struct def_doc *doc)
{
        const char *n = NULL;
        switch (doc->kind) {
        case DEF_JOB: n = doc->u.job.name; break;
        case DEF_CALENDAR: n = doc->u.calendar.name; break;
        case DEF_SETTINGS: n = doc->u.settings.tenant; break;
        }
        return n ? n : "";
}
