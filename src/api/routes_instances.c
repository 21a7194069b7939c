/* routes_instances.c: /api/v1/instances (list, get, log, stop, rerun, mark-success),
 * submit (/api/v1/jobs/{name}/submit and the seed's /batchRuntime/v2/submitJob). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/body.h"
#include "api/logforward.h"
#include "api/metrics.h"
#include "api/request.h"
#include "common/json.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/tz.h"
#include "ops/instances.h"

/* Parses a positive decimal id; false when it is not one. */
int api_instances_list(struct api_req *r)
{
        static const char *const known[] = {"job", "state", "from", "to", "limit", "cursor",
                                            "order", "live", "has_failure", "failed",
                                            "submitted_by", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        struct store_instance_filter f = {.tenant = r->tenant, .job = api_query(r, "job"),
                                          .state = -1, .limit = 100};
        const char *v;
        if ((v = api_query(r, "state")) && (f.state = state_parse(v)) < 0)
                return api_problem(r, 400, "state=\"%s\" is not a state (a code 0-12 or a name)",
                                   v);
        const char *from = api_query(r, "from"), *to = api_query(r, "to");
        if (!!from != !!to)
                return api_problem(r, 400, "from and to go together");
        struct batch_err err;
        if (from) {
                f.has_due_range = true;
                if (iso_parse(from, tz_utc(), &f.due_from, &err) < 0)
                        return api_problem(r, 400, "from: %s", err.msg);
                if (iso_parse(to, tz_utc(), &f.due_to, &err) < 0)
                        return api_problem(r, 400, "to: %s", err.msg);
        }
        if (api_query_uint(r, "limit", 1000, &f.limit) < 0)
                return -1;
        if ((v = api_query(r, "order"))) {
                if (!strcmp(v, "newest"))
                        f.newest_first = true;
                else if (!strcmp(v, "due"))
                        f.by_due = true;
                else if (strcmp(v, "oldest"))
                        return api_problem(r, 400, "order=\"%s\": oldest, newest or due", v);
        }
        /* A cursor is the last id of the page before; by due time, "DUE.ID" (the last
         * row's due time in Unix seconds and its id). */
        if ((v = api_query(r, "cursor"))) {
                long long due = 0;
                int used = 0;
                bool good = f.by_due ? sscanf(v, "%lld.%n", &due, &used) == 1 && used &&
                                               api_parse_id(v + used, &f.after_id)
                                     : api_parse_id(v, &f.after_id);
                if (!good)
                        return api_problem(r, 400, "cursor=\"%s\" is not a cursor this API gave "
                                                   "(for this order)", v);
                f.after_due = due;
        }
        if ((v = api_query(r, "live"))) {
                if (!strcmp(v, "true"))
                        f.live_only = true;
                else if (strcmp(v, "false"))
                        return api_problem(r, 400, "live=\"%s\": true or false", v);
        }
        if ((v = api_query(r, "has_failure"))) {
                if (strcmp(v, "true"))
                        return api_problem(r, 400, "has_failure=\"%s\": the filter takes true", v);
                f.has_failure = true;
        }
        if ((v = api_query(r, "failed"))) {
                if (strcmp(v, "true"))
                        return api_problem(r, 400, "failed=\"%s\": the filter takes true", v);
                f.failed_only = true;
        }
        /* "me": the caller's own submits; else an actor as the audit log names it. */
        if ((v = api_query(r, "submitted_by")))
                f.created_by = strcmp(v, "me") ? v : r->actor;
        api_json(r, 200);
        if (ops_instance_list(r->st, &f, &r->out, &err) < 0)
                return api_store_problem(r, &err);
        return 0;
}

static int instance_id(struct api_req *r, int64_t *id)
{
        if (!api_parse_id(r->args[0], id))
                return api_problem(r, 404, "\"%s\" is not an instance id", r->args[0]);
        return 0;
}

int api_instance_get(struct api_req *r)
{
        int64_t id;
        struct batch_err err;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 || instance_id(r, &id) < 0)
                return -1;
        api_json(r, 200);
        if (ops_instance_detail(r->st, r->tenant, id, &r->out, &err) < 0)
                return api_store_problem(r, &err);
        return 0;
}

/* ---- log ------------------------------------------------------------------------------ */

struct log_stream {
        struct api *api;
        int fd;              /* -1 until the log file exists (created at the run's first byte) */
        char *path;
        int64_t instance, exec_id;
        bool ended_seen;     /* the execution was finished when we last reached the end */
        int64_t deadline_us; /* stop following after this long, whatever happens */
};

static bool execution_finished(struct log_stream *ls)
{
        struct batch_err err;
        struct store *s = api_store_get(ls->api, &err);
        if (!s)
                return false;
        struct store_execution_list ex;
        bool done = false;
        if (store_execution_list(s, ls->instance, &ex, &err) == 0) {
                for (size_t i = 0; i < ex.n; i++)
                        if (ex.items[i].id == ls->exec_id)
                                done = ex.items[i].finished;
                store_execution_list_release(&ex);
        }
        api_store_put(ls->api, s);
        return done;
}

static int64_t mono_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Follows the log: what is there, then waits for more until the execution ended. */
static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct log_stream *ls = cls;
        for (;;) {
                if (ls->fd < 0)
                        ls->fd = open(ls->path, O_RDONLY | O_CLOEXEC);
                ssize_t n = ls->fd < 0 ? 0 : pread(ls->fd, buf, max, (off_t)pos);
                if (n > 0)
                        return n;
                if (n < 0)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                if (ls->ended_seen || mono_us() > ls->deadline_us)
                        return MHD_CONTENT_READER_END_OF_STREAM;
                /* Read once more after seeing the end, for the last lines. */
                ls->ended_seen = execution_finished(ls);
                if (!ls->ended_seen) {
                        struct timespec ts = {0, 200 * 1000 * 1000};
                        nanosleep(&ts, NULL);
                }
        }
}

static void follow_free(void *cls)
{
        struct log_stream *ls = cls;
        if (ls->fd >= 0)
                close(ls->fd);
        free(ls->path);
        free(ls);
}

/* Parses "bytes=A-" or "bytes=A-B" into [*from, *to] (to inclusive, -1 open). */
static bool parse_range(const char *h, int64_t *from, int64_t *to)
{
        long long a, b;
        int used = 0;
        if (sscanf(h, "bytes=%lld-%n", &a, &used) == 1 && used && !h[used] && a >= 0) {
                *from = a;
                *to = -1;
                return true;
        }
        if (sscanf(h, "bytes=%lld-%lld%n", &a, &b, &used) == 2 && !h[used] && a >= 0 && b >= a) {
                *from = a;
                *to = b;
                return true;
        }
        return false;
}

int api_instance_log(struct api_req *r)
{
        static const char *const known[] = {"follow", "execution", NULL};
        int64_t id, exec_id = 0;
        if (api_check_query(r, known) < 0 || instance_id(r, &id) < 0)
                return -1;
        const char *v = api_query(r, "follow");
        bool follow = v && !strcmp(v, "true");
        if (v && !follow && strcmp(v, "false"))
                return api_problem(r, 400, "follow=\"%s\": true or false", v);
        if ((v = api_query(r, "execution")) && !api_parse_id(v, &exec_id))
                return api_problem(r, 400, "execution=\"%s\" is not an execution id", v);
        struct batch_err err;
        struct store_instance in;
        if (store_instance_get(r->st, id, &in, &err) < 0)
                return api_store_problem(r, &err);
        bool mine = !strcmp(in.tenant, r->tenant);
        store_instance_release(&in);
        if (!mine)
                return api_problem(r, 404, "no instance %lld", (long long)id);
        struct store_execution_list ex;
        if (store_execution_list(r->st, id, &ex, &err) < 0)
                return api_store_problem(r, &err);
        const struct store_execution *e = NULL;
        for (size_t i = 0; i < ex.n; i++)
                if (!exec_id ? i == ex.n - 1 : ex.items[i].id == exec_id)
                        e = &ex.items[i];
        if (!e || !e->log_path) {
                store_execution_list_release(&ex);
                return exec_id ? api_problem(r, 404, "instance %lld has no execution %lld",
                                             (long long)id, (long long)exec_id)
                               : api_problem(r, 404, "instance %lld has not run yet", (long long)id);
        }
        /* A run of another node of a shared (PostgreSQL) repository: its log is there
         * (docs/api.md, "Logs of runs on other nodes"). A request another node forwarded
         * is answered from here only; an SQLite repository has one batchd, whose files
         * these are. */
        const char *me = api_metrics(r)->node_name;
        if (e->node && me[0] && strcmp(e->node, me) && strcmp(r->st->ops->name, "sqlite") &&
            !api_header(r, LOGFORWARD_HEADER)) {
                char node[64];
                snprintf(node, sizeof(node), "%s", e->node);
                int64_t eid = e->id;
                store_execution_list_release(&ex);
                return logforward(r, node, id, eid, follow);
        }
        /* No file yet: the run has written nothing (the file is created at its first byte). */
        int fd = open(e->log_path, O_RDONLY | O_CLOEXEC);
        int open_errno = errno;
        int64_t eid = e->id;
        bool finished = e->finished;
        char *path = fd < 0 && open_errno == ENOENT ? strdup(e->log_path) : NULL;
        store_execution_list_release(&ex);
        if (fd < 0 && open_errno != ENOENT)
                return api_problem(r, 500, "the log of execution %lld: %s", (long long)eid,
                                   strerror(open_errno));
        off_t size = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
        int64_t from = 0, to = -1;
        const char *range = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Range");
        if (range && !parse_range(range, &from, &to)) {
                if (fd >= 0)
                        close(fd);
                free(path);
                return api_problem(r, 416, "Range \"%s\" is not bytes=FROM- or bytes=FROM-TO",
                                   range);
        }
        r->content_type = "text/plain; charset=utf-8";
        if (follow && !finished) {
                struct log_stream *ls = calloc(1, sizeof(*ls));
                if (!ls || (fd < 0 && !path)) {
                        free(ls);
                        free(path);
                        if (fd >= 0)
                                close(fd);
                        return api_problem(r, 500, "out of memory");
                }
                *ls = (struct log_stream){.api = r->api, .fd = fd, .path = path, .instance = id,
                                          .exec_id = eid,
                                          .deadline_us = mono_us() + 24LL * 3600 * 1000000};
                r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, follow_read,
                                                              ls, follow_free);
                if (!r->stream) {
                        follow_free(ls);
                        return api_problem(r, 500, "out of memory");
                }
                r->status = 200;
                (void)from;
                return 0;
        }
        free(path);
        if (range && from >= size) {
                if (fd >= 0)
                        close(fd);
                return api_problem(r, 416, "the log has %lld bytes", (long long)size);
        }
        if (to < 0 || to >= size)
                to = size - 1;
        size_t len = size ? (size_t)(to - from + 1) : 0;
        r->stream = fd < 0 ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
                           : MHD_create_response_from_fd_at_offset64(len, fd, (uint64_t)from);
        if (!r->stream) {
                if (fd >= 0)
                        close(fd);
                return api_problem(r, 500, "out of memory");
        }
        if (range) {
                char cr[96];
                snprintf(cr, sizeof(cr), "bytes %lld-%lld/%lld", (long long)from, (long long)to,
                         (long long)size);
                MHD_add_response_header(r->stream, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
                r->status = 206;
        } else {
                r->status = 200;
        }
        return 0;
}

/* ---- requests ---------------------------------------------------------------------------- */

static int request(struct api_req *r, const char *action)
{
        static const char *const fields[] = {"reason", NULL};
        int64_t id;
        json_t *body;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 || instance_id(r, &id) < 0 ||
            api_body_object(r, fields, true, &body) < 0)
                return -1;
        json_t *jr = json_object_get(body, "reason");
        if (jr && !json_is_string(jr)) {
                json_decref(body);
                return api_problem(r, 400, "body: reason must be a string");
        }
        struct batch_err err;
        int64_t rid;
        int rc = ops_request(r->st, r->tenant, id, action, r->actor,
                             jr ? json_string_value(jr) : NULL, api_now(r), &rid, &err);
        json_decref(body);
        if (rc < 0)
                return api_store_problem(r, &err);
        /* The daemon carries it out within a second; wait a little for its answer. */
        struct store_request q;
        rc = ops_request_wait(r->st, rid, 3000, &q, &err);
        if (rc < 0)
                return api_store_problem(r, &err);
        if (rc == 1 && q.result < 0) {
                api_problem(r, 409, "%s instance %lld: %s", action, (long long)id, q.message);
                store_request_release(&q);
                return -1;
        }
        api_json(r, rc == 1 ? 200 : 202);
        buf_printf(&r->out, "{\"request\": %lld, \"instance\": %lld, \"action\": \"%s\", "
                            "\"done\": %s, \"message\": ",
                   (long long)rid, (long long)id, action, rc == 1 ? "true" : "false");
        json_put_string(&r->out, rc == 1 ? q.message : "queued; batchd carries it out when it runs");
        buf_puts(&r->out, "}\n");
        if (rc == 1)
                store_request_release(&q);
        return 0;
}

int api_instance_stop(struct api_req *r)
{
        return request(r, "stop");
}

int api_instance_rerun(struct api_req *r)
{
        return request(r, "rerun");
}

int api_instance_mark_success(struct api_req *r)
{
        return request(r, "mark-success");
}

/* ---- submit ------------------------------------------------------------------------------ */

static int submit(struct api_req *r, const char *job, json_t *params)
{
        struct buf text;
        buf_init(&text, 0);
        char msg[512];
        if (api_params_text(params, &text, msg, sizeof(msg)) < 0) {
                buf_release(&text);
                return api_problem(r, 400, "%s", msg);
        }
        struct batch_err err;
        int64_t id, now = api_now(r);
        int rc = ops_submit(r->st, api_secrets(r), r->tenant, job, text.data, r->actor, now, &id,
                            &err);
        buf_release(&text);
        if (rc < 0)
                return rc == BATCH_EINVAL ? api_problem(r, 409, "%s", err.msg)
                                          : api_store_problem(r, &err);
        struct store_instance in;
        if (store_instance_get(r->st, id, &in, &err) < 0)
                return api_store_problem(r, &err);
        api_json(r, 201);
        struct ops_tenant_window tw;
        ops_tenant_window(r->st, r->tenant, &tw);
        ops_put_instance(&r->out, &in, &tw);
        buf_puts(&r->out, "\n");
        store_instance_release(&in);
        return 0;
}

int api_job_submit(struct api_req *r)
{
        static const char *const fields[] = {"params", NULL};
        json_t *body;
        if (api_check_query(r, (const char *const[]){NULL}) < 0 ||
            api_body_object(r, fields, true, &body) < 0)
                return -1;
        json_t *p = json_object_get(body, "params");
        if (p && !json_is_object(p)) {
                json_decref(body);
                return api_problem(r, 400, "body: params must be an object");
        }
        json_t *empty = json_object();
        int rc = submit(r, r->args[0], p ? p : empty);
        json_decref(empty);
        json_decref(body);
        return rc;
}

/* The seed's endpoint: POST /batchRuntime/v2/submitJob?jobName=NAME with the parameters
 * as the body object. */
int api_legacy_submit(struct api_req *r)
{
        static const char *const known[] = {"jobName", NULL};
        if (api_check_query(r, known) < 0)
                return -1;
        const char *job = api_query(r, "jobName");
        if (!job || !*job)
                return api_problem(r, 400, "the query parameter jobName is required");
        json_t *body;
        if (api_body_object(r, NULL, true, &body) < 0)
                return -1;
        int rc = submit(r, job, body);
        json_decref(body);
        return rc;
}
