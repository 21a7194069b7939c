/* why.c: the `why` document from a repository or from definitions (see why.h). */
#include "ops/why.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/subset.h"
#include "core/whyplan.h"
#include "ops/model.h"
#include "sched/model.h"

/* How many instances of one job are read at most, per question. */
#define WHY_READ_MAX 2000

/* What the simulation starts from. */
struct basis {
        const char *kind;            /* "forecast", "replay", "definitions" */
        struct sim_restore *restore;
        size_t nrestore, caprestore;
        struct sim_outcome *outcomes;
        size_t noutcomes, capoutcomes;
        struct store_instance recorded; /* the job's recorded instance explained (id 0: none) */
};

static void basis_release(struct basis *b)
{
        free(b->restore);
        free(b->outcomes);
        if (b->recorded.id)
                store_instance_release(&b->recorded);
}

static const char *tenant_of(const struct ops_why_query *q)
{
        return q->tenant ? q->tenant : "default";
}

/* ---- the document ----------------------------------------------------------------------- */

static void put_state(struct buf *b, int state)
{
        if (state < 0 || !state_name(state)) {
                buf_puts(b, ", \"state\": null, \"state_name\": null");
                return;
        }
        buf_printf(b, ", \"state\": %d, \"state_name\": ", state);
        json_put_string(b, state_name(state));
}

static void put_text(struct buf *b, const char *key, const char *text)
{
        buf_printf(b, ", \"%s\": ", key);
        if (text && *text)
                json_put_string(b, text);
        else
                buf_puts(b, "null");
}

static void render(const struct sched_model *m, const struct ops_why_query *q, int64_t at,
                   const struct basis *bs, const struct why_answer *a, struct buf *out)
{
        const struct tz *z = m->tenant.zone ? m->tenant.zone : tz_utc();
        buf_puts(out, "{\"tenant\": ");
        json_put_string(out, tenant_of(q));
        buf_puts(out, ", \"job\": ");
        json_put_string(out, q->job);
        if (q->instance)
                buf_printf(out, ", \"instance\": %lld", (long long)q->instance);
        else
                buf_puts(out, ", \"instance\": null");
        ops_put_time(out, "at", q->instance ? 0 : at, z);
        ops_put_time(out, "due", a->due, z);
        buf_printf(out, ", \"at_is_due\": %s, \"basis\": ", a->at_is_due ? "true" : "false");
        json_put_string(out, bs->kind);
        if (a->from || a->to) {
                char iso[ISO_FORMAT_MAX];
                buf_puts(out, ", \"simulated\": {\"from\": ");
                json_put_string(out, iso_format(a->from, z, iso));
                ops_put_time(out, "to", a->to, z);
                buf_puts(out, "}");
        } else {
                buf_puts(out, ", \"simulated\": null");
        }
        if (a->has_row) {
                const struct sim_row *r = &a->row;
                buf_puts(out, ", \"outcome\": {\"scheduled\": ");
                buf_puts(out, r->scheduled ? "true" : "false");
                put_state(out, r->state);
                put_text(out, "reason", r->reason);
                ops_put_time(out, "first_due", r->first_due, z);
                ops_put_time(out, "last_due", r->last_due, z);
                ops_put_time(out, "start", r->start, z);
                ops_put_time(out, "end", r->end, z);
                buf_printf(out, ", \"runs\": %d}", r->runs);
        } else {
                buf_puts(out, ", \"outcome\": null");
        }
        if (bs->recorded.id) {
                buf_printf(out, ", \"recorded\": {\"id\": %lld", (long long)bs->recorded.id);
                put_state(out, bs->recorded.state);
                put_text(out, "reason", bs->recorded.reason);
                buf_puts(out, "}");
        } else {
                buf_puts(out, ", \"recorded\": null");
        }
        buf_puts(out, ", \"steps\": [");
        for (size_t i = 0; i < a->why.n; i++) {
                const struct why_step *s = &a->why.steps[i];
                buf_puts(out, i ? ",\n  {\"step\": " : "\n  {\"step\": ");
                buf_printf(out, "%zu", i + 1);
                ops_put_time(out, "at", s->at, z);
                put_text(out, "rule", why_rule_name(s->rule));
                put_text(out, "section", why_rule_section(s->rule));
                put_text(out, "verdict", why_verdict_name(s->verdict));
                put_state(out, s->state);
                put_text(out, "text", s->text);
                buf_puts(out, "}");
        }
        buf_puts(out, a->why.n ? "\n]}\n" : "]}\n");
}

/* ---- from the repository ---------------------------------------------------------------- */

/* Makes room for one more item in *items (n used, *cap allocated, `size` bytes each).
 * Returns 0 or BATCH_ENOMEM. */
static int grow(void **items, size_t n, size_t *cap, size_t size)
{
        if (n < *cap)
                return 0;
        size_t c = *cap ? 2 * *cap : 32;
        void *p = realloc(*items, c * size);
        if (!p)
                return BATCH_ENOMEM;
        *items = p;
        *cap = c;
        return 0;
}

static int add_restore(struct basis *b, struct sim_restore r)
{
        for (size_t i = 0; i < b->nrestore; i++)
                if (b->restore[i].inst.ext_id == r.inst.ext_id)
                        return 0;
        if (grow((void **)&b->restore, b->nrestore, &b->caprestore, sizeof(r)) < 0)
                return BATCH_ENOMEM;
        b->restore[b->nrestore++] = r;
        return 0;
}

static int add_outcome(struct basis *b, struct sim_outcome o)
{
        if (grow((void **)&b->outcomes, b->noutcomes, &b->capoutcomes, sizeof(o)) < 0)
                return BATCH_ENOMEM;
        b->outcomes[b->noutcomes++] = o;
        return 0;
}

/* The scheduler's view of a recorded instance of job `job`, with its runs' times. */
static int restored_of(struct store *s, size_t job, const struct store_instance *si,
                       struct sim_restore *ret, struct batch_err *reterr)
{
        struct sim_restore r = {.job = job};
        struct sched_inst *in = &r.inst;
        in->ext_id = si->id;
        in->scheduled = si->scheduled;
        in->due = si->due;
        in->first_due = si->first_due;
        in->last_due = si->last_due;
        in->state = si->state;
        in->created_at = si->created_at;
        in->retry_at = INT64_MAX;
        snprintf(r.reason, sizeof(r.reason), "%s", si->reason ? si->reason : "");
        struct store_execution_list ex = {0, NULL};
        int rc = store_execution_list(s, si->id, &ex, reterr);
        if (rc < 0)
                return rc;
        in->runs = (int)ex.n;
        in->retries = ex.n > 1 ? (int)ex.n - 1 : 0;
        if (ex.n) {
                in->first_start_at = ex.items[0].started_at;
                in->start_at = ex.items[ex.n - 1].started_at;
        }
        if (state_is_final(si->state))
                in->end_at = si->updated_at;
        store_execution_list_release(&ex);
        *ret = r;
        return 0;
}

/* How a recorded instance's run went, as an outcome for a replay (none when it did not
 * run to an end). */
static int outcome_of(struct store *s, size_t job, const struct store_instance *si,
                      struct basis *b, struct batch_err *reterr)
{
        int result = si->state == STATE_SUCCESS || si->state == STATE_MANUAL_SUCCESS
                             ? SCHED_END_SUCCESS
                     : si->state == STATE_FAILED || si->state == STATE_TIMEOUT_FAILED ||
                                     si->state == STATE_START_FAILED
                             ? SCHED_END_FAILED
                             : -1;
        if (result < 0)
                return 0;
        struct store_execution_list ex = {0, NULL};
        int rc = store_execution_list(s, si->id, &ex, reterr);
        if (rc < 0)
                return rc;
        int minutes = -1;
        if (ex.n && ex.items[ex.n - 1].finished) {
                int64_t secs = ex.items[ex.n - 1].finished_at - ex.items[ex.n - 1].started_at;
                minutes = secs > 0 ? (int)((secs + 59) / 60) : 0;
        }
        store_execution_list_release(&ex);
        return add_outcome(b, (struct sim_outcome){.job = job, .has_due = true, .due = si->due,
                                                   .minutes = minutes, .result = result});
}

/* Reads the instances of job `name` matching f (paged, at most WHY_READ_MAX) and hands
 * each to fn. */
static int each_instance(struct store *s, struct store_instance_filter f,
                         int (*fn)(struct store *, size_t, const struct store_instance *,
                                   struct basis *, struct batch_err *),
                         size_t job, struct basis *b, struct batch_err *reterr)
{
        size_t seen = 0;
        for (;;) {
                struct store_instance_list l = {0, NULL};
                int rc = store_instance_list(s, &f, &l, reterr);
                if (rc < 0)
                        return rc;
                for (size_t i = 0; i < l.n && rc == 0; i++)
                        rc = fn(s, job, &l.items[i], b, reterr);
                size_t n = l.n;
                if (n)
                        f.after_id = l.items[n - 1].id;
                store_instance_list_release(&l);
                seen += n;
                if (rc < 0 || n < f.limit || seen >= WHY_READ_MAX || f.by_due)
                        return rc;
        }
}

static int restore_cb(struct store *s, size_t job, const struct store_instance *si,
                      struct basis *b, struct batch_err *reterr)
{
        struct sim_restore r;
        int rc = restored_of(s, job, si, &r, reterr);
        return rc < 0 ? rc : add_restore(b, r);
}

/* A forecast from now on: every live instance of the job and its ancestors, and each
 * one's latest scheduled instances (the due parameters and governing instances). */
static int read_live(struct store *s, const char *tenant, const struct sched_model *m,
                     const size_t *jobs, size_t n, struct basis *b, struct batch_err *reterr)
{
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                const char *name = m->jobs[jobs[i]].name;
                struct store_instance_filter latest = {.tenant = tenant, .job = name,
                                                       .state = -1, .by_due = true,
                                                       .scheduled_only = true, .limit = 2};
                struct store_instance_filter live = {.tenant = tenant, .job = name, .state = -1,
                                                     .live_only = true, .limit = 500};
                rc = each_instance(s, latest, restore_cb, jobs[i], b, reterr);
                if (rc == 0)
                        rc = each_instance(s, live, restore_cb, jobs[i], b, reterr);
        }
        return rc;
}

/* A replay of [from, to]: the recorded run times and results of the job and its
 * ancestors as the simulation's outcomes. */
static int read_runs(struct store *s, const char *tenant, const struct sched_model *m,
                     const size_t *jobs, size_t n, int64_t from, int64_t to, struct basis *b,
                     struct batch_err *reterr)
{
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                struct store_instance_filter f = {.tenant = tenant, .job = m->jobs[jobs[i]].name,
                                                  .state = -1, .has_due_range = true,
                                                  .due_from = from, .due_to = to + 1,
                                                  .scheduled_only = true, .limit = 500};
                rc = each_instance(s, f, outcome_of, jobs[i], b, reterr);
        }
        return rc;
}

/* The recorded scheduled instance of job `name` due at `due`, into b->recorded. */
static int read_recorded(struct store *s, const char *tenant, const char *name, int64_t due,
                         struct basis *b, struct batch_err *reterr)
{
        struct store_instance_filter f = {.tenant = tenant, .job = name, .state = -1,
                                          .has_due_range = true, .due_from = due,
                                          .due_to = due + 1, .scheduled_only = true, .limit = 1};
        struct store_instance_list l = {0, NULL};
        int rc = store_instance_list(s, &f, &l, reterr);
        if (rc == 0 && l.n) {
                rc = store_instance_get(s, l.items[0].id, &b->recorded, reterr);
        }
        store_instance_list_release(&l);
        return rc;
}

/* Parses q->at on the tenant's clock (now when NULL). */
static int parse_at(const struct ops_why_query *q, const struct sched_model *m, int64_t now,
                    int64_t *ret, struct batch_err *reterr)
{
        if (!q->at) {
                *ret = now;
                return 0;
        }
        struct batch_err e;
        if (iso_parse(q->at, m->tenant.zone ? m->tenant.zone : tz_utc(), ret, &e) < 0)
                return batch_err_set(reterr, e.code, "at", "at: %s", e.msg);
        return 0;
}

static int explain(const struct sched_model *m, const struct ops_why_query *q, long job,
                   int64_t at, int64_t start, struct basis *b, struct buf *out,
                   struct batch_err *reterr)
{
        struct why_query wq = {.jobs = m->jobs, .njobs = m->njobs, .tenant = &m->tenant,
                               .offset = &m->offset, .job = (size_t)job, .at = at,
                               .ext_id = q->instance, .start = start, .restore = b->restore,
                               .nrestore = b->nrestore, .outcomes = b->outcomes,
                               .noutcomes = b->noutcomes};
        struct why_answer a;
        int rc = why_explain(&wq, &a);
        if (rc == 0) {
                if (b->recorded.id && !q->instance) {
                        /* What the repository holds for that due time, after the replay. */
                        char st[160];
                        snprintf(st, sizeof(st), "%s%s%s", state_name(b->recorded.state),
                                 b->recorded.reason ? ", " : "",
                                 b->recorded.reason ? b->recorded.reason : "");
                        why_add(&a.why, WHY_RECORD,
                                a.has_row && a.row.state == b->recorded.state ? WHY_PASS : WHY_NONE,
                                a.due, b->recorded.state,
                                "instance %lld recorded: %s%s", (long long)b->recorded.id, st,
                                a.has_row && a.row.state == b->recorded.state
                                        ? " (as replayed)"
                                        : " (differs from the replay: an operator acted, or runs "
                                          "ended otherwise than recorded)");
                }
                else if (!q->instance && !strcmp(b->kind, "replay") && a.due != INT64_MAX) {
                        char d[ISO_FORMAT_MAX];
                        why_add(&a.why, WHY_RECORD, WHY_NONE, a.due, -1,
                                "the repository holds no instance due %s (was batchd running "
                                "then, and the job defined?)", iso_format_utc(a.due, d));
                }
                render(m, q, at, b, &a, out);
        } else {
                batch_err_set(reterr, rc, NULL, "%s", rc == BATCH_ENOMEM ? "out of memory"
                                                                         : "cannot explain this");
        }
        why_answer_release(&a);
        return rc;
}

int ops_why_repo(struct store *s, const struct ops_why_query *q, struct buf *out,
                 struct batch_err *reterr)
{
        if (q->at && q->instance)
                return batch_err_set(reterr, BATCH_EINVAL, "at",
                                     "give either a time (at) or an instance, not both");
        struct defset set;
        struct sched_model m;
        int rc = ops_load_model(s, tenant_of(q), &set, &m, reterr);
        if (rc < 0)
                return rc;
        struct basis b = {.kind = "forecast"};
        struct sched_subset sub = {0};
        bool *keep = calloc(m.njobs ? m.njobs : 1, sizeof(*keep));
        long job = sched_model_find(&m, q->job);
        int64_t now = offset_to_scheduling(&m.offset, q->now_real), at = now;
        if (!keep) {
                rc = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
                goto out;
        }
        if (job < 0) {
                rc = batch_err_set(reterr, BATCH_ENOENT, "job", "no job named \"%s\" in tenant %s",
                                   q->job, tenant_of(q));
                goto out;
        }
        /* The instances read are those of the job and its ancestors. */
        keep[job] = true;
        if ((rc = sched_subset_build(m.jobs, m.njobs, keep, &sub)) < 0) {
                batch_err_set(reterr, rc, NULL, "out of memory");
                goto out;
        }
        const size_t *jobs = sub.old_of;
        size_t n = sub.n;
        if ((rc = parse_at(q, &m, now, &at, reterr)) < 0)
                goto out;
        const struct sched_job_spec *j = &m.jobs[job];
        int64_t start = now;
        if (q->instance) {
                struct store_instance si = {0};
                rc = store_instance_get(s, q->instance, &si, reterr);
                if (rc == BATCH_ENOENT ||
                    (rc == 0 && (strcmp(si.tenant, tenant_of(q)) || strcmp(si.job, q->job)))) {
                        if (rc == 0)
                                store_instance_release(&si);
                        rc = batch_err_set(reterr, BATCH_ENOENT, "instance",
                                           "job %s has no instance %lld", q->job,
                                           (long long)q->instance);
                        goto out;
                }
                if (rc < 0)
                        goto out;
                struct sim_restore r;
                rc = restored_of(s, (size_t)job, &si, &r, reterr);
                store_instance_release(&si);
                if (rc == 0)
                        rc = add_restore(&b, r);
                if (rc == 0)
                        rc = read_live(s, tenant_of(q), &m, jobs, n, &b, reterr);
                at = r.inst.due;
        } else {
                int64_t due = sched_job_next_due(j, at - 1);
                if (due != INT64_MAX && due <= now) {
                        /* It has come: replay it from the job's previous due time with the
                         * runs as recorded. */
                        b.kind = "replay";
                        start = INT64_MIN;
                        int64_t prev = sched_job_prev_due(j, due);
                        rc = read_runs(s, tenant_of(q), &m, jobs, n,
                                       prev != INT64_MIN ? prev : due, due + WHY_FOLLOW_MAX_S, &b,
                                       reterr);
                        if (rc == 0)
                                rc = read_recorded(s, tenant_of(q), q->job, due, &b, reterr);
                } else {
                        rc = read_live(s, tenant_of(q), &m, jobs, n, &b, reterr);
                }
        }
        if (rc == 0)
                rc = explain(&m, q, job, at, start, &b, out, reterr);
out:
        free(keep);
        sched_subset_release(&sub);
        basis_release(&b);
        sched_model_release(&m);
        defset_release(&set);
        return rc;
}

int ops_why_defs(const struct defset *set, const struct ops_why_query *q, struct buf *out,
                 struct batch_err *reterr)
{
        if (q->instance)
                return batch_err_set(reterr, BATCH_EINVAL, "instance",
                                     "an instance is explained from a repository (--db) or a "
                                     "server, not from definition files");
        struct sched_model m;
        int rc = sched_model_build(set, tenant_of(q), &m, reterr);
        if (rc < 0)
                return rc;
        struct basis b = {.kind = "definitions"};
        long job = sched_model_find(&m, q->job);
        int64_t at = 0;
        if (job < 0)
                rc = batch_err_set(reterr, BATCH_ENOENT, "job", "no job named \"%s\" in tenant %s",
                                   q->job, tenant_of(q));
        else if ((rc = parse_at(q, &m, offset_to_scheduling(&m.offset, q->now_real), &at,
                                reterr)) == 0)
                rc = explain(&m, q, job, at, INT64_MIN, &b, out, reterr);
        sched_model_release(&m);
        return rc;
}
