/* routes_remote.c: POST /api/v1/remote/instances/{id}/report, where a remote service
 * reports a run of an http job (docs/remote-jobs.md "Callback"). The route needs no API
 * token: the caller presents the run's callback token, which works for that one instance
 * and only while its execution has not ended. Step counts are written here; a final
 * status is recorded for the daemon, which alone changes instance states and applies it
 * within a second as it would apply the end of a local run. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/remote_report.h"
#include "api/request.h"
#include "api/token.h"

/* Writes the report's step executions for execution `exec_id`. */
static int put_steps(struct api_req *r, int64_t exec_id, const struct remote_report *rep,
                     int64_t now, struct batch_err *err)
{
        for (size_t i = 0; i < rep->nsteps; i++) {
                const struct remote_step *s = &rep->steps[i];
                struct store_step st = remote_step_row(s, exec_id);
                int rc = store_step_put(r->st, &st, now, NULL, err);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

int api_remote_report(struct api_req *r)
{
        const char *h = api_header(r, "Authorization");
        if (!h || strncasecmp(h, "Bearer ", 7) || !h[7])
                return api_problem(r, 401, "a callback token is required (Authorization: Bearer "
                                           "TOKEN, as given in the start request)");
        int64_t id;
        if (!api_parse_id(r->args[0], &id))
                return api_problem(r, 404, "no such instance: %s", r->args[0]);
        char hash[TOKEN_HASH_LEN + 1];
        token_hash(h + 7, hash);
        struct store_remote_run rr;
        struct batch_err err;
        int rc = store_remote_run_find(r->st, hash, &rr, &err);
        if (rc == BATCH_ENOENT)
                return api_problem(r, 401, "the callback token is not valid");
        if (rc < 0)
                return api_store_problem(r, &err);
        if (rr.instance_id != id) {
                store_remote_run_release(&rr);
                return api_problem(r, 403, "this callback token is for another instance");
        }
        if (rr.finished) {
                store_remote_run_release(&rr);
                return api_problem(r, 409, "the run of instance %lld has already ended: nothing "
                                           "was changed", (long long)id);
        }
        struct remote_report rep;
        if (remote_report_parse(r->body, r->body ? r->body_len : 0, &rep, &err) < 0) {
                store_remote_run_release(&rr);
                return api_problem(r, 400, "%s", err.msg);
        }
        if (rep.has_execution_id && rep.execution_id != rr.execution_id) {
                long long want = (long long)rr.execution_id;
                remote_report_release(&rep);
                store_remote_run_release(&rr);
                return api_problem(r, 403, "this callback token is for execution %lld", want);
        }
        int64_t now = api_now(r);
        char actor[64], object[64], detail[128];
        snprintf(actor, sizeof(actor), "callback:execution/%lld", (long long)rr.execution_id);
        snprintf(object, sizeof(object), "instance/%lld", (long long)id);
        snprintf(detail, sizeof(detail), "%s, %zu step(s)", remote_status_name(rep.status),
                 rep.nsteps);
        bool final = rep.status != REMOTE_RUNNING, repeated = false;
        rc = store_begin(r->st, &err);
        if (rc == 0)
                rc = put_steps(r, rr.execution_id, &rep, now, &err);
        if (rc == 0 && final) {
                rc = store_remote_run_report(r->st, rr.execution_id,
                                             remote_status_name(rep.status), rep.message, now,
                                             &err);
                if (rc == BATCH_ESTALE) {
                        repeated = true; /* the first final report counts */
                        rc = 0;
                }
        }
        if (rc == 0)
                rc = store_audit_add(r->st, now, actor, "remote-report", object, detail, &err);
        if (rc == 0)
                rc = store_commit(r->st, &err);
        if (rc < 0) {
                store_rollback(r->st);
                remote_report_release(&rep);
                store_remote_run_release(&rr);
                return rc == BATCH_EINVAL ? api_problem(r, 400, "%s", err.msg)
                                          : api_store_problem(r, &err);
        }
        api_json(r, 200);
        buf_printf(&r->out,
                   "{\"instance_id\": %lld, \"execution_id\": %lld, \"status\": \"%s\", "
                   "\"steps\": %zu, \"final\": %s}\n",
                   (long long)id, (long long)rr.execution_id,
                   final && repeated ? rr.reported_status ? rr.reported_status : "reported"
                                     : remote_status_name(rep.status),
                   rep.nsteps,
                   !final ? "null" : repeated ? "\"already reported\"" : "\"recorded\"");
        remote_report_release(&rep);
        store_remote_run_release(&rr);
        return 0;
}
