/* springbatch.c: the rules that turn Spring Batch's job repository into batchd's past
 * instances and job definitions (springbatch.h; docs/import.md, "Spring Batch"). Pure. */
#include "import/springbatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/civil.h"
#include "defs/params.h"
#include "import/import-internal.h"

void sb_history_release(struct sb_history *h)
{
        for (size_t i = 0; i < h->n; i++) {
                struct sb_instance *in = &h->items[i];
                free(in->job);
                free(in->batchd_job);
                free(in->reason);
                def_map_release(&in->params);
                for (size_t e = 0; e < in->nexecs; e++) {
                        struct sb_exec *x = &in->execs[e];
                        free(x->status);
                        free(x->exit_code);
                        free(x->exit_message);
                        for (size_t s = 0; s < x->nsteps; s++) {
                                free(x->steps[s].name);
                                free(x->steps[s].status);
                                free(x->steps[s].exit_message);
                        }
                        free(x->steps);
                }
                free(in->execs);
        }
        free(h->items);
        memset(h, 0, sizeof(*h));
}

int import_spring_time(const char *text, const struct tz *z, int64_t *ret)
{
        const char *p = text;
        bool digits = *p != 0;
        for (const char *q = p; *q; q++)
                if (*q < '0' || *q > '9')
                        digits = false;
        if (digits) {
                /* up to 9999-12-31T23:59:59.999Z, as for the text form */
                long long ms = strlen(p) > 15 ? -1 : strtoll(p, NULL, 10);
                if (ms < 0 || ms > 253402300799999LL)
                        return BATCH_ESYNTAX;
                *ret = ms / 1000;
                return 0;
        }
        int y, mo, d, h, mi, s, n = 0;
        if (sscanf(p, "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
            n != 19 || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
            d > civil_days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
                return BATCH_ESYNTAX;
        p += n;
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        if (*p)
                return BATCH_ESYNTAX;
        int64_t local = civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
        int64_t out[2];
        tz_from_local(z, local, out);
        *ret = out[0];
        return 0;
}

const char *import_spring_step_status(const char *status)
{
        if (!status)
                return "FAILED";
        if (!strcmp(status, "COMPLETED") || !strcmp(status, "STOPPED") ||
            !strcmp(status, "FAILED") || !strcmp(status, "STARTED"))
                return status;
        if (!strcmp(status, "STARTING"))
                return "STARTED";
        if (!strcmp(status, "STOPPING") || !strcmp(status, "ABANDONED"))
                return "STOPPED";
        return "FAILED"; /* UNKNOWN */
}

int import_spring_state(const char *status, const char **reason)
{
        static const struct {
                const char *status;
                int state;
                const char *reason;
        } map[] = {
                {"COMPLETED", 5, "imported from Spring Batch: COMPLETED"},
                {"FAILED", 6, "imported from Spring Batch: FAILED"},
                {"STOPPED", 9, "imported from Spring Batch: STOPPED"},
                {"ABANDONED", 9, "imported from Spring Batch: ABANDONED (not to be restarted)"},
        };
        for (size_t i = 0; status && i < sizeof(map) / sizeof(map[0]); i++)
                if (!strcmp(status, map[i].status)) {
                        *reason = map[i].reason;
                        return map[i].state;
                }
        *reason = NULL;
        return -1;
}

int import_spring_jobs(struct sb_history *h, const char *source, const struct import_opts *o,
                       struct import_result *r)
{
        imp_file(r, source);
        for (size_t i = 0; i < h->n && !r->oom; i++) {
                struct sb_instance *in = &h->items[i];
                in->state = -1;
                struct sb_exec *last = in->nexecs ? &in->execs[in->nexecs - 1] : NULL;
                const char *reason = NULL;
                int state = last ? import_spring_state(last->status, &reason) : -1;
                char subject[160];
                snprintf(subject, sizeof(subject), "%s instance %lld", in->job,
                         (long long)in->id);
                if (!last) {
                        imp_note(r, IMPORT_REFUSED, source, 0, subject,
                                 "has no execution: nothing ran, nothing to import");
                        continue;
                }
                if (state < 0) {
                        imp_note(r, IMPORT_REFUSED, source, 0, subject,
                                 "execution %lld is %s: it is still running in the old system, "
                                 "or was lost in a crash there; not imported (mark it in Spring "
                                 "Batch, e.g. ABANDONED, and import again)",
                                 (long long)last->id, last->status ? last->status : "NULL");
                        continue;
                }
                if (!last->start || !last->end || !in->execs[0].create) {
                        imp_note(r, IMPORT_REFUSED, source, 0, subject,
                                 "execution %lld has no start or end time: not imported",
                                 (long long)last->id);
                        continue;
                }
                /* the job definition, made once per JOB_NAME */
                const char *name = NULL;
                for (size_t k = 0; k < i && !name; k++)
                        if (h->items[k].batchd_job && !strcmp(h->items[k].job, in->job))
                                name = h->items[k].batchd_job;
                if (!name) {
                        struct job_def *j = imp_job(r, source, 0, in->job, "spring-batch-job");
                        if (!j)
                                break;
                        j->type = JOB_MANUAL;
                        j->executor = EXECUTOR_HTTP;
                        j->http_service = imp_strdup(r, o->service);
                        j->http_remote_job = imp_strdup(r, in->job);
                        if (strcmp(j->name, in->job))
                                j->display_name = imp_strdup(r, in->job);
                        char desc[300];
                        snprintf(desc, sizeof(desc), "Spring Batch job %s; history imported from "
                                                     "its job repository",
                                 in->job);
                        j->description = imp_strdup(r, desc);
                        name = j->name;
                }
                in->batchd_job = imp_strdup(r, name);
                in->state = state;
                in->reason = imp_strdup(r, reason);
        }
        if (h->n && !o->timezone)
                imp_note(r, IMPORT_NOTE, source, 0, NULL,
                         "Spring Batch's times are the wall clock of the JVM's zone, which the "
                         "tables do not say: read as UTC; give --tz ZONE when it was another");
        return r->oom ? BATCH_ENOMEM : 0;
}
