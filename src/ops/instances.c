/* instances.c: instances as JSON, submit and operators' requests, shared by the REST
 * API and batchctl (see instances.h). */
#include "ops/instances.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/trace.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "defs/load.h"
#include "defs/params.h"
#include "ops/secrets.h"
#include "ops/jobs.h"
#include "ops/page.h"

static void put_time(struct buf *b, const char *key, int64_t t)
{
        char iso[ISO_FORMAT_MAX];
        buf_printf(b, ", \"%s\": ", key);
        json_put_string(b, iso_format_utc(t, iso));
}

const char *ops_process_date(const struct def_map *params, const struct window *w,
                             const struct tz *z, int64_t due, char out[PROCDATE_TEXT_MAX])
{
        for (size_t i = 0; params && i < params->n; i++)
                if (!strcmp(params->keys[i], "ProcessDate") && !secrets_is_sealed(params->vals[i]))
                        return params->vals[i];
        return procdate_format(w, z, due, out);
}

char *ops_instance_process_date(const struct store_instance *in, const struct window *w,
                                const struct tz *z, char out[OPS_PROCESS_DATE_MAX])
{
        if (in->process_date) {
                snprintf(out, OPS_PROCESS_DATE_MAX, "%s", in->process_date);
                return out;
        }
        struct def_map params = {0, NULL, NULL};
        if (in->params)
                params_parse(in->params, &params, NULL);
        char computed[PROCDATE_TEXT_MAX];
        snprintf(out, OPS_PROCESS_DATE_MAX, "%s",
                 ops_process_date(&params, w, z, in->due, computed));
        def_map_release(&params);
        return out;
}

static void put_process_date(struct buf *b, const struct store_instance *in,
                             const struct ops_tenant_window *tw)
{
        char out[OPS_PROCESS_DATE_MAX];
        buf_puts(b, ", \"process_date\": ");
        json_put_string(b, ops_instance_process_date(in, &tw->window, tw->zone, out));
}

void ops_put_instance(struct buf *b, const struct store_instance *in,
                      const struct ops_tenant_window *tw)
{
        buf_printf(b, "{\"id\": %lld, \"job\": ", (long long)in->id);
        json_put_string(b, in->job);
        buf_printf(b, ", \"scheduled\": %s", in->scheduled ? "true" : "false");
        put_time(b, "due", in->due);
        put_time(b, "first_due", in->first_due);
        put_time(b, "last_due", in->last_due);
        if (tw)
                put_process_date(b, in, tw);
        buf_printf(b, ", \"state\": %d, \"state_name\": ", in->state);
        json_put_string(b, state_name(in->state));
        buf_puts(b, ", \"reason\": ");
        json_put_string(b, in->reason);
        buf_puts(b, ", \"params\": ");
        ops_put_params_redacted(b, in->params);
        buf_puts(b, ", \"trace_id\": ");
        json_put_string(b, in->trace_id);
        put_time(b, "created_at", in->created_at);
        put_time(b, "updated_at", in->updated_at);
        buf_printf(b, ", \"has_failure\": %s, \"skip_count\": %lld",
                   in->skip_count > 0 ? "true" : "false", (long long)in->skip_count);
        buf_puts(b, "}");
}

int ops_instance_list(struct store *s, const struct store_instance_filter *f, struct buf *b,
                      struct batch_err *reterr)
{
        struct store_instance_list l;
        int r = store_instance_list(s, f, &l, reterr);
        if (r < 0)
                return r;
        unsigned limit = f->limit ? f->limit : 100;
        struct ops_tenant_window tw;
        ops_tenant_window(s, f->tenant, &tw);
        buf_puts(b, "{\"items\": [");
        for (size_t i = 0; i < l.n; i++) {
                buf_puts(b, i ? ",\n  " : "\n  ");
                ops_put_instance(b, &l.items[i], &tw);
        }
        if (f->by_due && l.n && l.n == limit)
                buf_printf(b, "\n], \"next_cursor\": \"%lld.%lld\"}\n",
                           (long long)l.items[l.n - 1].due, (long long)l.items[l.n - 1].id);
        else
                ops_put_id_page_end(b, l.n, limit, l.n ? l.items[l.n - 1].id : 0);
        store_instance_list_release(&l);
        return 0;
}

void ops_put_steps(struct buf *b, const struct store_step_list *st)
{
        buf_puts(b, ", \"steps\": [");
        for (size_t i = 0; i < st->n; i++) {
                const struct store_step *p = &st->items[i];
                buf_puts(b, i ? ", {\"name\": " : "{\"name\": ");
                json_put_string(b, p->name);
                buf_puts(b, ", \"status\": ");
                json_put_string(b, p->status);
                buf_printf(b,
                           ", \"read_count\": %lld, \"write_count\": %lld, \"commit_count\": %lld"
                           ", \"rollback_count\": %lld, \"read_skip_count\": %lld"
                           ", \"process_skip_count\": %lld, \"write_skip_count\": %lld"
                           ", \"filter_count\": %lld, \"exit_message\": ",
                           (long long)p->read_count, (long long)p->write_count,
                           (long long)p->commit_count, (long long)p->rollback_count,
                           (long long)p->read_skip_count, (long long)p->process_skip_count,
                           (long long)p->write_skip_count, (long long)p->filter_count);
                json_put_string(b, p->exit_message);
                put_time(b, "started_at", p->started_at);
                put_time(b, "updated_at", p->updated_at);
                /* written by the SDK as one JSON object (docs/http-client.md) */
                buf_puts(b, ", \"metrics\": ");
                buf_puts(b, p->metrics && p->metrics[0] == '{' ? p->metrics : "null");
                buf_puts(b, "}");
        }
        buf_puts(b, "]");
}

int ops_instance_detail(struct store *s, const char *tenant, int64_t id, struct buf *b,
                        struct batch_err *reterr)
{
        struct store_instance in;
        int r = store_instance_get(s, id, &in, reterr);
        if (r < 0)
                return r;
        if (strcmp(in.tenant, tenant)) {
                store_instance_release(&in);
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld", (long long)id);
        }
        struct store_transition_list h = {0, NULL};
        struct store_execution_list ex = {0, NULL};
        if ((r = store_instance_history(s, id, &h, reterr)) < 0 ||
            (r = store_execution_list(s, id, &ex, reterr)) < 0)
                goto out;
        struct ops_tenant_window tw;
        ops_tenant_window(s, tenant, &tw);
        ops_put_instance(b, &in, &tw);
        b->len--; /* reopen the object */
        b->data[b->len] = '\0';
        /* Its creation is the first transition: the submitter, or the scheduler user. */
        buf_puts(b, ", \"submitted_by\": ");
        json_put_string(b, h.n && h.items[0].from_state < 0 ? h.items[0].actor : NULL);
        char t[ISO_FORMAT_MAX];
        buf_puts(b, ", \"history\": [");
        for (size_t i = 0; i < h.n; i++) {
                buf_printf(b, "%s{\"at\": ", i ? ", " : "");
                json_put_string(b, iso_format_utc(h.items[i].at, t));
                buf_printf(b, ", \"from\": %d, \"to\": %d, \"actor\": ", h.items[i].from_state,
                           h.items[i].to_state);
                json_put_string(b, h.items[i].actor);
                buf_puts(b, ", \"reason\": ");
                json_put_string(b, h.items[i].reason);
                buf_puts(b, "}");
        }
        buf_puts(b, "], \"executions\": [");
        for (size_t i = 0; i < ex.n; i++) {
                const struct store_execution *e = &ex.items[i];
                buf_printf(b, "%s{\"id\": %lld, \"attempt\": %d, \"pid\": %lld", i ? ", " : "",
                           (long long)e->id, e->attempt, (long long)e->pid);
                put_time(b, "started_at", e->started_at);
                buf_printf(b, ", \"finished\": %s", e->finished ? "true" : "false");
                if (e->finished) {
                        put_time(b, "finished_at", e->finished_at);
                        buf_printf(b, ", \"exit_status\": %d", e->exit_status);
                }
                buf_puts(b, ", \"error\": ");
                json_put_string(b, e->error);
                struct store_step_list st = {0, NULL};
                if ((r = store_step_list(s, e->id, &st, reterr)) < 0)
                        goto out;
                ops_put_steps(b, &st);
                store_step_list_release(&st);
                buf_puts(b, "}");
        }
        buf_puts(b, "]}\n");
out:
        store_instance_release(&in);
        store_transition_list_release(&h);
        store_execution_list_release(&ex);
        return r;
}

/* Refuses a submit the job's definition does not allow: unknown, disabled, or a single-
 * instance job with a live instance. */
static int check_submittable(struct store *s, const char *tenant, const char *job,
                             struct batch_err *reterr)
{
        struct ops_job_info info;
        int r = ops_job_info(s, tenant, job, &info, reterr);
        if (r < 0)
                return r;
        if (!info.enabled)
                return batch_err_set(reterr, BATCH_EINVAL, "job", "job \"%s\" is disabled", job);
        if (info.allow_multiple_instances)
                return 0;
        struct store_instance_filter f = {.tenant = tenant, .job = job, .state = -1, .limit = 1,
                                          .live_only = true};
        struct store_instance_list l;
        if ((r = store_instance_list(s, &f, &l, reterr)) < 0)
                return r;
        if (l.n)
                r = batch_err_set(reterr, BATCH_EEXIST, "job",
                                  "job \"%s\" does not allow multiple instances and instance %lld "
                                  "is %s",
                                  job, (long long)l.items[0].id, state_name(l.items[0].state));
        store_instance_list_release(&l);
        return r;
}

int ops_clock_now(struct store *s, int64_t *ret_now, struct batch_err *reterr)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct store_clock c;
        int r = store_clock_get(s, &c, reterr);
        if (r == BATCH_ENOENT) {
                *ret_now = ts.tv_sec;
                return 0;
        }
        if (r < 0)
                return r;
        int64_t real_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        double t = ((double)c.clock_at_us + (double)(real_us - c.real_at_us) * c.rate) / 1e6;
        int64_t sec = (int64_t)t;
        *ret_now = sec - (t < 0 && (double)sec != t);
        store_clock_release(&c);
        return 0;
}

int ops_submit(struct store *s, struct secrets *secrets, const char *tenant, const char *job,
               const char *params, const char *actor, int64_t now, int64_t *ret_id,
               struct batch_err *reterr)
{
        struct def_map m = {0, NULL, NULL};
        int r;
        if (params && (r = params_parse(params, &m, reterr)) < 0)
                return r;
        if ((r = secrets_seal_map(secrets, &m, NULL, "params", reterr)) < 0) {
                def_map_release(&m);
                return r;
        }
        struct buf text;
        buf_init(&text, 0);
        params_format(&m, &text);
        def_map_release(&m);
        struct buf shown; /* for the audit log: secrets redacted (DESIGN §11.7) */
        buf_init(&shown, 0);
        ops_put_params_redacted(&shown, text.data);
        char trace[TRACE_ID_LEN + 1];
        trace_id_new(trace);
        struct store_instance in = {.tenant = (char *)tenant, .job = (char *)job,
                                    .scheduled = false, .due = now, .first_due = now,
                                    .last_due = now, .state = STATE_INIT,
                                    .params = text.data, .trace_id = trace};
        char pdate[OPS_PROCESS_DATE_MAX];
        struct ops_tenant_window tw;
        ops_tenant_window(s, tenant, &tw);
        in.process_date = ops_instance_process_date(&in, &tw.window, tw.zone, pdate);
        if ((r = store_begin(s, reterr)) < 0)
                goto out;
        if ((r = check_submittable(s, tenant, job, reterr)) < 0 ||
            (r = store_instance_create(s, &in, actor, now, ret_id, reterr)) < 0 ||
            (r = store_audit_add(s, now, actor, "submit", job, shown.data, reterr)) < 0 ||
            (r = store_commit(s, reterr)) < 0)
                store_rollback(s);
out:
        buf_release(&shown);
        buf_release(&text);
        return r;
}

int ops_request(struct store *s, const char *tenant, int64_t id, const char *action,
                const char *actor, const char *reason, int64_t now, int64_t *ret_id,
                struct batch_err *reterr)
{
        struct store_instance in;
        int r = store_instance_get(s, id, &in, reterr);
        if (r < 0)
                return r;
        bool mine = !strcmp(in.tenant, tenant);
        store_instance_release(&in);
        if (!mine)
                return batch_err_set(reterr, BATCH_ENOENT, "id", "no instance %lld", (long long)id);
        char what[64];
        snprintf(what, sizeof(what), "instance %lld", (long long)id);
        struct store_request q = {.tenant = (char *)tenant, .instance_id = id,
                                  .action = (char *)action, .actor = (char *)actor,
                                  .reason = (char *)reason};
        if ((r = store_begin(s, reterr)) < 0)
                return r;
        if ((r = store_request_add(s, &q, now, ret_id, reterr)) < 0 ||
            (r = store_audit_add(s, now, actor, action, what, reason, reterr)) < 0 ||
            (r = store_commit(s, reterr)) < 0)
                store_rollback(s);
        return r;
}

int ops_request_wait(struct store *s, int64_t rid, int timeout_ms, struct store_request *ret,
                     struct batch_err *reterr)
{
        for (int waited = 0;; waited += 50) {
                int r = store_request_get(s, rid, ret, reterr);
                if (r < 0)
                        return r;
                if (ret->done)
                        return 1;
                store_request_release(ret);
                if (waited >= timeout_ms)
                        return 0;
                struct timespec ts = {0, 50 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
}
