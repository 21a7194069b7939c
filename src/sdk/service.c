/* service.c: the service side of batchd's remote-job protocol (docs/remote-jobs.md,
 * docs/sdk.md "Serving libbatch jobs to batchd"): an HTTP server (libmicrohttpd) on
 * which batchd starts, polls and stops libbatch jobs, and the callbacks (libcurl) that
 * report their step counts and final status.
 *
 * Each start runs the job with batch_job_run on a thread of its own, in the service's
 * job repository, identified by the batchd instance (identifying parameter
 * `batchd_instance`), so that batchd's retry of an instance resumes from its last
 * checkpoint. Runs of one job take turns (a struct batch_job is not re-entrant): a start
 * that finds its job busy waits, in state running, until the run before it ends. */
#include "sdk/sdk-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#define SVC_MAX_BODY (1 << 20)
#define SVC_MAX_STEPS 1000

struct svc_step {
        char name[SDK_NAME_MAX];
        char status[SDK_EXIT_MAX];
        struct batch_counts counts;
};

struct svc_job;

struct svc_run {
        struct svc_run *next;
        struct batch_service *svc;
        struct svc_job *job;
        int64_t exec_id, instance_id; /* batchd's */
        int64_t sdk_instance;         /* the service repository's, once known (0 before) */
        char trace[64];
        char *callback_url, *token;   /* owned; token is a secret */
        struct batch_param *extra;    /* the start's parameters (owned) */
        size_t nextra;
        char instance_param[32];
        bool stop_wanted, stop_sent;
        const char *status;           /* "running", "success", "failed", "stopped" */
        char message[300];
        size_t nsteps;
        struct svc_step steps[16];    /* the first 16 steps of the job (a report's steps) */
        int64_t last_progress_us;
        pthread_t thread;
        bool joined;
};

struct svc_job {
        struct svc_job *next;
        struct batch_service *svc;
        char *name;                   /* the remote job name batchd sends */
        struct batch_job *job;        /* borrowed */
        pthread_mutex_t turn;         /* held by the run that executes the job */
        struct svc_run *current;      /* that run (under svc->lock) */
};

struct batch_service {
        struct batch_service_opts o;
        char *listen, *context_path, *db, *tenant, *bearer;
        pthread_mutex_t lock;         /* runs, each run's mutable fields, jobs' current */
        struct svc_job *jobs;
        struct svc_run *runs;
        struct MHD_Daemon *mhd;
        unsigned port;
        struct store *st;             /* for stop requests (under lock) */
};

static int64_t mono_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Compares n bytes in time that does not depend on where they differ. */
static int ct_differ(const char *a, const char *b, size_t n)
{
        unsigned char d = 0;
        for (size_t i = 0; i < n; i++)
                d |= (unsigned char)(a[i] ^ b[i]);
        return d != 0;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

/* ---- reports and callbacks ---------------------------------------------------------- */

/* The run's report (the protocol's JSON), under svc->lock. */
static char *report_json(const struct svc_run *r)
{
        json_t *steps = json_array();
        for (size_t i = 0; i < r->nsteps; i++) {
                const struct svc_step *s = &r->steps[i];
                json_array_append_new(
                        steps,
                        json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
                                  s->name, "status", s->status, "read_count",
                                  (json_int_t)s->counts.read, "write_count",
                                  (json_int_t)s->counts.write, "commit_count",
                                  (json_int_t)s->counts.commit, "rollback_count",
                                  (json_int_t)s->counts.rollback, "read_skip_count",
                                  (json_int_t)s->counts.read_skip, "process_skip_count",
                                  (json_int_t)s->counts.process_skip, "write_skip_count",
                                  (json_int_t)s->counts.write_skip, "filter_count",
                                  (json_int_t)s->counts.filter));
        }
        json_t *o = json_pack("{s:I, s:s, s:o}", "execution_id", (json_int_t)r->exec_id, "status",
                              r->status, "steps", steps);
        if (r->message[0])
                json_object_set_new(o, "message", json_string(r->message));
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        return text;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
        (void)p, (void)arg;
        return size * n;
}

/* POSTs the run's report to its callback URL; the HTTP status, 0 without an answer. */
static long post_report(struct svc_run *r)
{
        struct batch_service *s = r->svc;
        pthread_mutex_lock(&s->lock);
        char *body = report_json(r);
        char *auth = NULL;
        if (r->token && asprintf(&auth, "Authorization: Bearer %s", r->token) < 0)
                auth = NULL;
        pthread_mutex_unlock(&s->lock);
        CURL *c = curl_easy_init();
        long status = 0;
        if (c && body) {
                char trace[100];
                snprintf(trace, sizeof(trace), "X-Batchd-Trace-Id: %s", r->trace);
                struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
                h = curl_slist_append(h, trace);
                if (auth)
                        h = curl_slist_append(h, auth);
                curl_easy_setopt(c, CURLOPT_URL, r->callback_url);
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
                curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
                if (curl_easy_perform(c) == CURLE_OK)
                        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
                curl_slist_free_all(h);
        }
        curl_easy_cleanup(c);
        if (auth) {
                memset(auth, 0, strlen(auth));
                free(auth);
        }
        free(body);
        return status;
}

/* ---- the listener: step counts into the running run ----------------------------------- */

/* The step entry of `name` in r (added when there is room), under lock. */
static struct svc_step *step_of(struct svc_run *r, const char *name)
{
        for (size_t i = 0; i < r->nsteps; i++)
                if (!strcmp(r->steps[i].name, name))
                        return &r->steps[i];
        if (r->nsteps == sizeof(r->steps) / sizeof(r->steps[0]))
                return NULL;
        struct svc_step *s = &r->steps[r->nsteps++];
        memset(s, 0, sizeof(*s));
        snprintf(s->name, sizeof(s->name), "%s", name);
        snprintf(s->status, sizeof(s->status), "STARTED");
        return s;
}

/* Adds the pending stop request of r to the service repository once its instance is
 * known (under lock). */
static void send_stop(struct svc_run *r)
{
        if (!r->stop_wanted || r->stop_sent || !r->sdk_instance || !r->svc->st)
                return;
        struct store_request q = {.tenant = r->svc->tenant, .instance_id = r->sdk_instance,
                                  .action = (char *)"stop", .actor = (char *)"batchd",
                                  .reason = (char *)"stop requested by batchd"};
        int64_t id;
        if (store_request_add(r->svc->st, &q, (int64_t)time(NULL), &id, NULL) == 0)
                r->stop_sent = true;
}

static void on_before_job(void *ud, struct batch_ctx *ctx)
{
        struct svc_job *j = ud;
        pthread_mutex_lock(&j->svc->lock);
        if (j->current) {
                j->current->sdk_instance = batch_ctx_instance_id(ctx);
                send_stop(j->current);
        }
        pthread_mutex_unlock(&j->svc->lock);
}

static void on_chunk(void *ud, struct batch_ctx *ctx, bool committed)
{
        (void)committed;
        struct svc_job *j = ud;
        struct svc_run *r;
        bool progress = false;
        pthread_mutex_lock(&j->svc->lock);
        if ((r = j->current)) {
                struct svc_step *s = step_of(r, batch_ctx_step_name(ctx));
                if (s)
                        s->counts = *batch_ctx_counts(ctx);
                int64_t every = j->svc->o.progress_ms > 0 ? j->svc->o.progress_ms : 1000;
                int64_t now = mono_us();
                if (r->callback_url && now - r->last_progress_us >= every * 1000) {
                        r->last_progress_us = now;
                        progress = true;
                }
        }
        pthread_mutex_unlock(&j->svc->lock);
        if (progress)
                post_report(r); /* on the step's thread: at most one per progress_ms */
}

static void on_after_step(void *ud, struct batch_ctx *ctx, const char *exit_status,
                          const struct batch_counts *counts)
{
        struct svc_job *j = ud;
        pthread_mutex_lock(&j->svc->lock);
        if (j->current) {
                struct svc_step *s = step_of(j->current, batch_ctx_step_name(ctx));
                if (s) {
                        s->counts = *counts;
                        snprintf(s->status, sizeof(s->status), "%s", exit_status);
                }
        }
        pthread_mutex_unlock(&j->svc->lock);
}

/* ---- one run ------------------------------------------------------------------------- */

static void *run_main(void *arg)
{
        struct svc_run *r = arg;
        struct batch_service *s = r->svc;
        struct svc_job *j = r->job;
        pthread_mutex_lock(&j->turn);
        pthread_mutex_lock(&s->lock);
        j->current = r;
        bool stop_first = r->stop_wanted;
        pthread_mutex_unlock(&s->lock);
        struct batch_param id = {"batchd_instance", r->instance_param};
        struct batch_run_opts o = {.db = s->db, .tenant = s->tenant, .params = &id, .nparams = 1,
                                   .extra = r->extra, .nextra = r->nextra,
                                   .stop_poll_us = 200000};
        struct batch_result res = {0};
        struct batch_err err = {0};
        int rc = stop_first ? BATCH_ESTOPPED : batch_job_run(j->job, &o, &res, &err);
        pthread_mutex_lock(&s->lock);
        j->current = NULL;
        if (rc == BATCH_ESTOPPED) {
                r->status = "stopped";
                snprintf(r->message, sizeof(r->message), "stopped before it began");
        } else if (rc == BATCH_ECOMPLETED) {
                r->status = "success";
                snprintf(r->message, sizeof(r->message), "already completed");
        } else if (rc < 0) {
                r->status = "failed";
                snprintf(r->message, sizeof(r->message), "%s", err.msg[0] ? err.msg
                                                                        : batch_error_string(rc));
        } else {
                r->status = !strcmp(res.exit_status, BATCH_EXIT_COMPLETED) ? "success"
                            : !strcmp(res.exit_status, BATCH_EXIT_STOPPED) ? "stopped"
                                                                            : "failed";
                /* Why it failed: the first failed step's message (the job runs one
                 * run at a time, so its steps' messages are this run's). */
                const char *why = NULL;
                for (size_t i = 0; i < j->job->nsteps && !why; i++)
                        if (j->job->steps[i]->message[0])
                                why = j->job->steps[i]->message;
                if (!strcmp(r->status, "failed"))
                        snprintf(r->message, sizeof(r->message), "%s", why ? why
                                                                          : "exit status FAILED");
                else if (!strcmp(r->status, "stopped"))
                        snprintf(r->message, sizeof(r->message), "stopped on request");
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&j->turn);
        /* The final report: tried three times (1 s, 2 s apart) until batchd answers
         * anything but a 5xx; the poll covers a report that is lost anyway. */
        for (int i = 0; r->callback_url && i < 3; i++) {
                long st = post_report(r);
                if (st >= 200 && st < 500)
                        break;
                struct timespec ts = {1 << i, 0};
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
        return NULL;
}

static void run_free(struct svc_run *r)
{
        if (!r)
                return;
        free(r->callback_url);
        if (r->token) {
                memset(r->token, 0, strlen(r->token));
                free(r->token);
        }
        for (size_t i = 0; i < r->nextra; i++) {
                free((char *)r->extra[i].name);
                free((char *)r->extra[i].value);
        }
        free(r->extra);
        free(r);
}

/* ---- HTTP ---------------------------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body)
{
        struct MHD_Response *resp = MHD_create_response_from_buffer(
                strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, "Content-Type", "application/json");
        enum MHD_Result rc = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        return rc;
}

static enum MHD_Result answerf(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static enum MHD_Result answerf(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return answer(c, status, buf);
}

/* The run of execution `id` (under lock), or NULL. */
static struct svc_run *run_find(struct batch_service *s, int64_t id)
{
        struct svc_run *r = s->runs;
        while (r && r->exec_id != id)
                r = r->next;
        return r;
}

/* A JSON string's text for a message: at most 100 bytes, quotes and controls dropped. */
static void plain(char *dst, size_t cap, const char *src)
{
        size_t k = 0;
        for (; *src && k + 1 < cap && k < 100; src++)
                if ((unsigned char)*src >= 0x20 && *src != '"' && *src != '\\')
                        dst[k++] = *src;
        dst[k] = '\0';
}

static enum MHD_Result start(struct batch_service *s, struct MHD_Connection *c,
                             const char *body, size_t len)
{
        json_error_t je;
        json_t *o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
        const char *job = NULL, *trace = "", *cb_url = NULL, *cb_token = NULL;
        json_int_t exec_id = 0, instance_id = 0;
        json_t *params = NULL;
        if (!o || json_unpack_ex(o, &je, 0, "{s:s, s:I, s:I, s?s, s?o, s?{s?s, s?s}}", "job",
                                 &job, "execution_id", &exec_id, "instance_id", &instance_id,
                                 "trace_id", &trace, "parameters", &params, "callback", "url",
                                 &cb_url, "token", &cb_token) < 0 ||
            (params && !json_is_object(params))) {
                char why[128];
                plain(why, sizeof(why), o ? je.text : "the body is not JSON");
                json_decref(o);
                return answerf(c, 400, "{\"message\": \"bad start request: %s\"}",
                               params ? "parameters must be an object" : why);
        }
        struct svc_job *j = s->jobs;
        while (j && strcmp(j->name, job))
                j = j->next;
        if (!j) {
                char name[128];
                plain(name, sizeof(name), job);
                json_decref(o);
                return answerf(c, 404, "{\"error\": \"NoSuchJobException\", \"message\": \"No job "
                                       "configuration with the name [%s] was registered.\"}",
                               name);
        }
        pthread_mutex_lock(&s->lock);
        bool known = run_find(s, exec_id) != NULL;
        pthread_mutex_unlock(&s->lock);
        if (known) { /* a start is idempotent per execution id */
                json_decref(o);
                return answerf(c, 200, "{\"execution_id\": %lld, \"status\": \"running\"}",
                               (long long)exec_id);
        }
        struct svc_run *r = calloc(1, sizeof(*r));
        size_t np = params ? json_object_size(params) : 0;
        if (!r || !(r->extra = calloc(np + 1, sizeof(*r->extra)))) {
                free(r);
                json_decref(o);
                return answer(c, 503, "{\"message\": \"out of memory\"}");
        }
        r->svc = s;
        r->job = j;
        r->exec_id = exec_id;
        r->instance_id = instance_id;
        r->status = "running";
        snprintf(r->trace, sizeof(r->trace), "%s", trace);
        snprintf(r->instance_param, sizeof(r->instance_param), "%lld", (long long)instance_id);
        r->callback_url = dup_or_null(cb_url);
        r->token = dup_or_null(cb_token);
        const char *k;
        json_t *v;
        json_object_foreach(params, k, v) {
                if (!json_is_string(v))
                        continue;
                r->extra[r->nextra].name = strdup(k);
                r->extra[r->nextra].value = strdup(json_string_value(v));
                r->nextra++;
        }
        json_decref(o);
        pthread_mutex_lock(&s->lock);
        r->next = s->runs;
        s->runs = r;
        pthread_mutex_unlock(&s->lock);
        if (pthread_create(&r->thread, NULL, run_main, r) != 0) {
                pthread_mutex_lock(&s->lock);
                r->status = "failed";
                snprintf(r->message, sizeof(r->message), "the service cannot start a thread");
                r->joined = true;
                pthread_mutex_unlock(&s->lock);
                return answer(c, 503, "{\"message\": \"the service cannot start a thread\"}");
        }
        return answerf(c, 202, "{\"execution_id\": %lld, \"status\": \"running\"}",
                       (long long)exec_id);
}

static enum MHD_Result execution(struct batch_service *s, struct MHD_Connection *c,
                                 const char *method, int64_t id, const char *tail)
{
        pthread_mutex_lock(&s->lock);
        struct svc_run *r = run_find(s, id);
        if (!r) {
                pthread_mutex_unlock(&s->lock);
                return answerf(c, 404, "{\"message\": \"no execution %lld here\"}",
                               (long long)id);
        }
        if (!*tail && !strcmp(method, "GET")) {
                char *text = report_json(r);
                pthread_mutex_unlock(&s->lock);
                enum MHD_Result rc = text ? answer(c, 200, text)
                                          : answer(c, 503, "{\"message\": \"out of memory\"}");
                free(text);
                return rc;
        }
        if (!strcmp(tail, "/stop") && !strcmp(method, "POST")) {
                bool over = strcmp(r->status, "running") != 0;
                char status[16];
                snprintf(status, sizeof(status), "%s", r->status);
                if (!over) {
                        r->stop_wanted = true;
                        send_stop(r);
                }
                pthread_mutex_unlock(&s->lock);
                if (over)
                        return answerf(c, 200, "{\"status\": \"%s\"}", status);
                return answer(c, 202, "{\"status\": \"stopping\"}");
        }
        pthread_mutex_unlock(&s->lock);
        return answer(c, 405, "{\"message\": \"GET an execution, or POST its /stop\"}");
}

struct body {
        char *data;
        size_t len;
        bool too_big;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **state)
{
        (void)version;
        struct batch_service *s = cls;
        struct body *b = *state;
        if (!b) {
                *state = calloc(1, sizeof(struct body));
                return *state ? MHD_YES : MHD_NO;
        }
        if (*upload_len) {
                if (b->len + *upload_len > SVC_MAX_BODY) {
                        b->too_big = true;
                } else {
                        char *d = realloc(b->data, b->len + *upload_len + 1);
                        if (!d)
                                return MHD_NO;
                        b->data = d;
                        memcpy(b->data + b->len, upload, *upload_len);
                        b->len += *upload_len;
                        b->data[b->len] = '\0';
                }
                *upload_len = 0;
                return MHD_YES;
        }
        if (b->too_big)
                return answer(c, 413, "{\"message\": \"the body is larger than 1 MiB\"}");
        if (s->bearer) {
                const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
                size_t n = strlen(s->bearer);
                if (!h || strncmp(h, "Bearer ", 7) || strlen(h + 7) != n ||
                    ct_differ(h + 7, s->bearer, n))
                        return answer(c, 401, "{\"message\": \"a valid bearer token is "
                                              "required\"}");
        }
        size_t cp = strlen(s->context_path);
        if (strncmp(url, s->context_path, cp) != 0)
                return answer(c, 404, "{\"message\": \"no such resource\"}");
        const char *rest = url + cp;
        if (!*rest || !strcmp(rest, "/")) {
                if (strcmp(method, "POST"))
                        return answer(c, 405, "{\"message\": \"POST a start here\"}");
                return start(s, c, b->data, b->len);
        }
        long long id;
        int n = 0;
        if (sscanf(rest, "/executions/%lld%n", &id, &n) != 1 || id <= 0)
                return answer(c, 404, "{\"message\": \"no such resource\"}");
        return execution(s, c, method, id, rest + n);
}

static void done(void *cls, struct MHD_Connection *c, void **state,
                 enum MHD_RequestTerminationCode toe)
{
        (void)cls, (void)c, (void)toe;
        struct body *b = *state;
        if (b)
                free(b->data);
        free(b);
        *state = NULL;
}

/* ---- the public calls ------------------------------------------------------------------ */

int batch_service_new(const struct batch_service_opts *o, struct batch_service **ret,
                      struct batch_err *reterr)
{
        if (!o || !o->db || !*o->db)
                return batch_err_set(reterr, BATCH_EINVAL, "db",
                                     "the service needs a job repository (db)");
        struct batch_service *s = calloc(1, sizeof(*s));
        if (!s)
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        s->o = *o;
        s->listen = strdup(o->listen ? o->listen : "127.0.0.1:0");
        s->context_path = strdup(o->context_path ? o->context_path : "");
        s->db = strdup(o->db);
        s->tenant = strdup(o->tenant ? o->tenant : "default");
        s->bearer = o->bearer_token && *o->bearer_token ? strdup(o->bearer_token) : NULL;
        pthread_mutex_init(&s->lock, NULL);
        if (!s->listen || !s->context_path || !s->db || !s->tenant ||
            (o->bearer_token && *o->bearer_token && !s->bearer)) {
                batch_service_free(s);
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        }
        size_t cl = strlen(s->context_path);
        while (cl && s->context_path[cl - 1] == '/')
                s->context_path[--cl] = '\0';
        *ret = s;
        return 0;
}

int batch_service_add_job(struct batch_service *s, const char *remote_name, struct batch_job *job,
                          struct batch_err *reterr)
{
        if (!remote_name || !*remote_name || strlen(remote_name) > 200 || !job)
                return batch_err_set(reterr, BATCH_EINVAL, "remote_name",
                                     "a job needs a remote name of 1 to 200 bytes");
        if (s->mhd)
                return batch_err_set(reterr, BATCH_EINVAL, NULL,
                                     "jobs are added before batch_service_start");
        for (struct svc_job *j = s->jobs; j; j = j->next)
                if (!strcmp(j->name, remote_name))
                        return batch_err_set(reterr, BATCH_EEXIST, "remote_name",
                                             "a job named \"%s\" is already served",
                                             remote_name);
        struct svc_job *j = calloc(1, sizeof(*j));
        if (!j || !(j->name = strdup(remote_name))) {
                free(j);
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        }
        j->svc = s;
        j->job = job;
        pthread_mutex_init(&j->turn, NULL);
        struct batch_listener l = {.before_job_cb = on_before_job, .after_chunk_cb = on_chunk,
                                   .after_step_cb = on_after_step, .ud = j};
        int rc = batch_job_add_listener(job, &l, reterr);
        if (rc < 0) {
                free(j->name);
                free(j);
                return rc;
        }
        j->next = s->jobs;
        s->jobs = j;
        return 0;
}

int batch_service_start(struct batch_service *s, struct batch_err *reterr)
{
        const char *colon = strrchr(s->listen, ':');
        char host[64];
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (!colon || (size_t)(colon - s->listen) >= sizeof(host) || *end || port < 0 ||
            port > 65535)
                return batch_err_set(reterr, BATCH_EINVAL, "listen",
                                     "\"%s\" is not HOST:PORT (an IPv4 address)", s->listen);
        snprintf(host, sizeof(host), "%.*s", (int)(colon - s->listen), s->listen);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
                return batch_err_set(reterr, BATCH_EINVAL, "listen",
                                     "\"%s\" is not an IPv4 address", host);
        int rc = store_open(s->db, &s->st, reterr);
        if (rc < 0)
                return rc;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return batch_err_set(reterr, BATCH_EIO, NULL, "libcurl cannot start");
        s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                  (uint16_t)port, NULL, NULL, handle, s,
                                  MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
                                  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                  MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
        if (!s->mhd)
                return batch_err_set(reterr, BATCH_EIO, "listen", "cannot listen on %s: %s",
                                     s->listen, strerror(errno));
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd,
                                                               MHD_DAEMON_INFO_BIND_PORT);
        s->port = info ? info->port : (unsigned)port;
        return 0;
}

unsigned batch_service_port(const struct batch_service *s)
{
        return s->port;
}

struct batch_service *batch_service_free(struct batch_service *s)
{
        if (!s)
                return NULL;
        if (s->mhd)
                MHD_stop_daemon(s->mhd);
        /* The runs still going are asked to stop, then waited for. */
        pthread_mutex_lock(&s->lock);
        for (struct svc_run *r = s->runs; r; r = r->next)
                if (!strcmp(r->status, "running")) {
                        r->stop_wanted = true;
                        send_stop(r);
                }
        pthread_mutex_unlock(&s->lock);
        for (struct svc_run *r = s->runs; r; r = r->next)
                if (!r->joined)
                        pthread_join(r->thread, NULL);
        while (s->runs) {
                struct svc_run *r = s->runs;
                s->runs = r->next;
                run_free(r);
        }
        while (s->jobs) {
                struct svc_job *j = s->jobs;
                s->jobs = j->next;
                pthread_mutex_destroy(&j->turn);
                free(j->name);
                free(j);
        }
        store_close(s->st);
        if (s->bearer) {
                memset(s->bearer, 0, strlen(s->bearer));
                free(s->bearer);
        }
        free(s->listen);
        free(s->context_path);
        free(s->db);
        free(s->tenant);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
}
