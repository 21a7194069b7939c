/* cmd-import-spring.c: the history half of `batchctl import spring-batch SOURCE --db DB`
 * (docs/import.md, "Spring Batch"): Spring Batch's job instances, executions and step
 * executions written into the repository as batchd's past instances, with their recorded
 * times, through the repository's own operations, in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli/import-spring.h"
#include "common/buf.h"
#include "common/trace.h"
#include "defs/params.h"
#include "ops/instances.h"
#include "store/store.h"

#define ACTOR "import:spring-batch"

/* The transitions of one execution's end: from 4 Running to its outcome. */
static int finish_state(struct store *s, int64_t id, const char *status, int final_state,
                        const char *reason, int64_t at, struct batch_err *err)
{
        if (final_state == 9 || (status && !strcmp(status, "STOPPED"))) {
                int r = store_instance_transition(s, id, 4, 10, ACTOR, "stop requested", at, err);
                return r < 0 ? r : store_instance_transition(s, id, 10, 9, ACTOR, reason, at, err);
        }
        return store_instance_transition(s, id, 4, final_state, ACTOR, reason, at, err);
}

/* One instance with its executions and steps. */
static int write_instance(struct store *s, const struct sb_instance *in, const char *tenant,
                          const struct ops_tenant_window *tw, size_t *nsteps,
                          struct batch_err *err)
{
        struct buf params;
        buf_init(&params, 0);
        params_format(&in->params, &params);
        char trace[TRACE_ID_LEN + 1];
        trace_id_new(trace);
        int64_t created = in->execs[0].create;
        struct store_instance si = {.tenant = (char *)tenant, .job = in->batchd_job,
                                    .scheduled = false, .due = created, .first_due = created,
                                    .last_due = created, .state = 0,
                                    .params = in->params.n ? params.data : NULL,
                                    .trace_id = trace};
        char pdate[OPS_PROCESS_DATE_MAX];
        si.process_date = ops_instance_process_date(&si, &tw->window, tw->zone, pdate);
        int64_t id = 0;
        int r = params.err ? BATCH_ENOMEM : store_instance_create(s, &si, ACTOR, created, &id, err);
        buf_release(&params);
        for (size_t k = 0; r == 0 && k < in->nexecs; k++) {
                const struct sb_exec *e = &in->execs[k];
                bool last = k + 1 == in->nexecs;
                int64_t start = e->start ? e->start : e->create;
                int64_t end = e->end ? e->end : start;
                if (k > 0) /* a restart of the same instance: a rerun */
                        r = store_instance_transition(s, id, in->execs[k - 1].status &&
                                                                     !strcmp(in->execs[k - 1].status,
                                                                             "STOPPED")
                                                                     ? 9
                                                                     : 6,
                                                      0, ACTOR, "restarted in Spring Batch",
                                                      e->create ? e->create : start, err);
                if (r == 0)
                        r = store_instance_transition(s, id, 0, 2, ACTOR, NULL, start, err);
                if (r == 0)
                        r = store_instance_transition(s, id, 2, 4, ACTOR, NULL, start, err);
                struct store_execution ex = {.instance_id = id};
                int64_t eid = 0;
                int attempt;
                if (r == 0)
                        r = store_execution_start(s, &ex, start, &eid, &attempt, err);
                for (size_t t = 0; r == 0 && t < e->nsteps; t++) {
                        const struct sb_step *sp = &e->steps[t];
                        struct store_step st = {.execution_id = eid, .name = sp->name,
                                                .status = sp->status,
                                                .read_count = sp->read_count,
                                                .write_count = sp->write_count,
                                                .commit_count = sp->commit_count,
                                                .rollback_count = sp->rollback_count,
                                                .read_skip_count = sp->read_skip_count,
                                                .process_skip_count = sp->process_skip_count,
                                                .write_skip_count = sp->write_skip_count,
                                                .filter_count = sp->filter_count,
                                                .exit_message = sp->exit_message};
                        int64_t s_start = sp->start ? sp->start : start;
                        /* created at its start, updated last at its end */
                        r = store_step_put(s, &st, s_start, NULL, err);
                        if (r == 0)
                                r = store_step_put(s, &st, sp->end ? sp->end : end, NULL, err);
                        (*nsteps)++;
                }
                bool ok = e->status && !strcmp(e->status, "COMPLETED");
                if (r == 0)
                        r = store_execution_finish(s, eid, ok ? 0 : 1,
                                                   ok ? NULL : (e->exit_message ? e->exit_message
                                                                                : e->exit_code),
                                                   end, err);
                if (r == 0 && !last)
                        r = finish_state(s, id, e->status, 6, "failed in Spring Batch", end, err);
                if (r == 0 && last)
                        r = finish_state(s, id, e->status, in->state, in->reason, end, err);
        }
        return r;
}

int cli_import_spring_history(const char *db, const char *source, struct sb_history *h,
                              struct spring_written *ret)
{
        struct store *s = NULL;
        int rc = cli_open_repo(db, &s);
        if (rc != CLI_OK)
                return rc;
        const char *tenant = "default";
        struct batch_err err = {0};
        /* Importing the same history twice would show every run twice: refused. */
        for (size_t i = 0; rc == CLI_OK && i < h->n; i++) {
                if (h->items[i].state < 0 || (i && h->items[i - 1].batchd_job &&
                                              !strcmp(h->items[i - 1].batchd_job,
                                                      h->items[i].batchd_job)))
                        continue;
                struct store_instance_filter f = {.tenant = tenant, .job = h->items[i].batchd_job,
                                                  .state = -1, .limit = 1,
                                                  .created_by = ACTOR};
                struct store_instance_list l = {0, NULL};
                if (store_instance_list(s, &f, &l, &err) < 0) {
                        fprintf(stderr, "batchctl: import: %s\n", err.msg);
                        rc = CLI_FAILURE;
                } else if (l.n) {
                        fprintf(stderr, "batchctl: import: the repository already holds an "
                                        "imported history of job %s; nothing was written\n",
                                h->items[i].batchd_job);
                        rc = CLI_FAILURE;
                }
                store_instance_list_release(&l);
        }
        size_t ninst = 0, nexec = 0, nsteps = 0;
        struct ops_tenant_window tw; /* each run's process date, from its start time */
        ops_tenant_window(s, tenant, &tw);
        int r = rc == CLI_OK ? store_begin(s, &err) : 0;
        for (size_t i = 0; rc == CLI_OK && r == 0 && i < h->n; i++) {
                if (h->items[i].state < 0)
                        continue;
                r = write_instance(s, &h->items[i], tenant, &tw, &nsteps, &err);
                ninst++;
                nexec += h->items[i].nexecs;
        }
        if (rc == CLI_OK && r == 0) {
                char what[600];
                snprintf(what, sizeof(what), "%zu instances, %zu executions, %zu step executions "
                                             "from %s",
                         ninst, nexec, nsteps, source);
                r = store_audit_add(s, (int64_t)time(NULL), ACTOR, "import", "spring-batch", what,
                                    &err);
        }
        if (rc == CLI_OK && r == 0)
                r = store_commit(s, &err);
        if (rc == CLI_OK && r < 0) {
                store_rollback(s);
                fprintf(stderr, "batchctl: import: writing the history: %s; nothing was written\n",
                        err.msg);
                rc = CLI_FAILURE;
        }
        if (rc == CLI_OK) {
                ret->instances = ninst;
                ret->executions = nexec;
                ret->steps = nsteps;
        }
        store_close(s);
        return rc;
}
