/* remote-service.c: an example remote job service speaking batchd's remote-job protocol
 * (docs/remote-jobs.md): start, status and stop of a few named jobs whose behaviour is
 * set on the command line, reporting step counts and the final status to batchd's
 * callback URL. The tests (tests/daemon/remote.sh) run it on 127.0.0.1.
 *
 *   remote-service --port N [--port-file F] [--context-path /policy] [--log FILE]
 *                  [--bearer-file F] (requests must carry Authorization: Bearer <its line>)
 *                  --job NAME[:OPTION,...] ...
 *
 * It listens on 127.0.0.1 only (an example, not a server to expose).
 *
 * Job options: ms=N (run time, default 1000), steps=N (progress reports, default 4),
 * fail (end as failed), refuse_stop (answer 409 to a stop), slow_stop=MS (confirm a
 * stop only after MS), no_callback (never call back: batchd must poll), lose_final
 * (progress callbacks but not the final one), repeat_final (send the final report
 * twice), probe_other (also report to another instance's callback URL).
 *
 * Each run is a thread. The log (stdout or --log) has one line per event, never a
 * token: "start JOB EXEC", "callback EXEC STATUS -> HTTP", "stop EXEC -> HTTP". */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#define MAX_JOBS 32
#define MAX_BODY (1 << 20)

struct job_cfg {
        char name[128];
        long ms, steps, slow_stop_ms;
        bool fail, refuse_stop, no_callback, lose_final, repeat_final, probe_other;
};

struct run {
        struct run *next;
        const struct job_cfg *job;
        int64_t exec_id, instance_id;
        char trace[80];
        char *callback_url, *token;
        pthread_mutex_t lock;
        bool stop;              /* asked to stop */
        const char *status;     /* "running", "success", "failed", "stopped" */
        int64_t reads, writes, commits;
        char message[200];
};

static struct job_cfg jobs[MAX_JOBS];
static size_t njobs;
static const char *context_path = "";
static char bearer[512];         /* --bearer-file: the token batchd must present, or "" */
static FILE *logf;
static pthread_mutex_t runs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct run *runs;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        flockfile(logf);
        vfprintf(logf, fmt, ap);
        fputc('\n', logf);
        fflush(logf);
        funlockfile(logf);
        va_end(ap);
}

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static const struct job_cfg *job_find(const char *name)
{
        for (size_t i = 0; i < njobs; i++)
                if (!strcmp(jobs[i].name, name))
                        return &jobs[i];
        return NULL;
}

static struct run *run_find(int64_t exec_id)
{
        pthread_mutex_lock(&runs_lock);
        struct run *r = runs;
        while (r && r->exec_id != exec_id)
                r = r->next;
        pthread_mutex_unlock(&runs_lock);
        return r;
}

/* The run's report as the protocol's JSON (callback body and status answer). Called
 * with r->lock held. */
static char *report_json(struct run *r)
{
        json_t *step = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
                                 "process", "status",
                                 !strcmp(r->status, "running")   ? "STARTED"
                                 : !strcmp(r->status, "success") ? "COMPLETED"
                                 : !strcmp(r->status, "stopped") ? "STOPPED"
                                                                 : "FAILED",
                                 "read_count", (json_int_t)r->reads, "write_count",
                                 (json_int_t)r->writes, "commit_count", (json_int_t)r->commits,
                                 "rollback_count", (json_int_t)0, "read_skip_count",
                                 (json_int_t)0, "process_skip_count", (json_int_t)0,
                                 "write_skip_count", (json_int_t)(r->job->fail ? 1 : 0),
                                 "filter_count", (json_int_t)0);
        json_t *o = json_pack("{s:I, s:s, s:o}", "execution_id", (json_int_t)r->exec_id,
                              "status", r->status, "steps", json_pack("[o]", step));
        if (r->message[0])
                json_object_set_new(o, "message", json_string(r->message));
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        return s;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
        (void)p, (void)arg;
        return size * n;
}

/* POSTs body to url with the run's token; returns the HTTP status (0: no answer). */
static long post(struct run *r, const char *url, const char *body)
{
        CURL *c = curl_easy_init();
        if (!c)
                return 0;
        char auth[600], trace[200];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", r->token);
        snprintf(trace, sizeof(trace), "X-Batchd-Trace-Id: %s", r->trace);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        h = curl_slist_append(h, auth);
        h = curl_slist_append(h, trace);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return status;
}

static void callback(struct run *r)
{
        if (!r->callback_url || r->job->no_callback)
                return;
        pthread_mutex_lock(&r->lock);
        char *body = report_json(r);
        char status[16];
        snprintf(status, sizeof(status), "%s", r->status);
        pthread_mutex_unlock(&r->lock);
        long code = post(r, r->callback_url, body);
        say("callback %" PRId64 " %s -> %ld", r->exec_id, status, code);
        free(body);
}

/* Sends one report to the callback URL of another instance (the instance id in the
 * URL's path replaced): batchd must refuse it (403). */
static void probe_other(struct run *r)
{
        char id[32], other[32];
        snprintf(id, sizeof(id), "/%" PRId64 "/", r->instance_id);
        snprintf(other, sizeof(other), "/%" PRId64 "/", r->instance_id + 1);
        const char *at = strstr(r->callback_url, id);
        if (!at)
                return;
        char url[1024];
        snprintf(url, sizeof(url), "%.*s%s%s", (int)(at - r->callback_url), r->callback_url,
                 other, at + strlen(id));
        pthread_mutex_lock(&r->lock);
        char *body = report_json(r);
        pthread_mutex_unlock(&r->lock);
        say("probe-other %" PRId64 " -> %ld", r->exec_id, post(r, url, body));
        free(body);
}

static void *run_main(void *arg)
{
        struct run *r = arg;
        const struct job_cfg *j = r->job;
        if (j->probe_other && r->callback_url)
                probe_other(r);
        long steps = j->steps > 0 ? j->steps : 1;
        bool stopped = false;
        for (long i = 0; i < steps && !stopped; i++) {
                for (long t = 0; t < j->ms / steps; t += 20) {
                        pthread_mutex_lock(&r->lock);
                        stopped = r->stop;
                        pthread_mutex_unlock(&r->lock);
                        if (stopped)
                                break;
                        sleep_ms(20);
                }
                if (stopped)
                        break;
                pthread_mutex_lock(&r->lock);
                r->reads += 10;
                r->writes += j->fail ? 9 : 10;
                r->commits += 1;
                pthread_mutex_unlock(&r->lock);
                if (i + 1 < steps)
                        callback(r);
        }
        if (stopped && j->slow_stop_ms > 0)
                sleep_ms(j->slow_stop_ms);
        pthread_mutex_lock(&r->lock);
        r->status = stopped ? "stopped" : j->fail ? "failed" : "success";
        snprintf(r->message, sizeof(r->message), "%s",
                 stopped ? "stopped on request" : j->fail ? "1 item could not be written" : "");
        pthread_mutex_unlock(&r->lock);
        say("end %" PRId64 " %s", r->exec_id, r->status);
        if (!j->lose_final) {
                callback(r);
                if (j->repeat_final)
                        callback(r);
        }
        return NULL;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body)
{
        struct MHD_Response *resp = MHD_create_response_from_buffer(
                strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
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

/* POST {context_path}: start a run. */
static enum MHD_Result start(struct MHD_Connection *c, const char *body)
{
        json_error_t je;
        json_t *o = json_loads(body ? body : "", 0, &je);
        const char *job = NULL, *trace = "", *cb_url = NULL, *cb_token = NULL;
        json_int_t exec_id = 0, instance_id = 0;
        if (!o || json_unpack_ex(o, &je, 0, "{s:s, s:I, s:I, s?s, s?{s?s, s?s}}", "job", &job,
                                 "execution_id", &exec_id, "instance_id", &instance_id,
                                 "trace_id", &trace, "callback", "url", &cb_url, "token",
                                 &cb_token) < 0) {
                json_decref(o);
                return answerf(c, 400, "{\"message\": \"bad start request: %s\"}", je.text);
        }
        const struct job_cfg *j = job_find(job);
        if (!j) {
                say("start-unknown %s", job);
                enum MHD_Result rc = answerf(
                        c, 404,
                        "{\"error\": \"NoSuchJobException\", \"message\": \"No job configuration "
                        "with the name [%.100s] was registered.\"}",
                        job);
                json_decref(o);
                return rc;
        }
        /* A start is idempotent per execution id: batchd may send it again. */
        if (run_find(exec_id)) {
                json_decref(o);
                return answerf(c, 200, "{\"execution_id\": %lld, \"status\": \"running\"}",
                               (long long)exec_id);
        }
        struct run *r = calloc(1, sizeof(*r));
        r->job = j;
        r->exec_id = exec_id;
        r->instance_id = instance_id;
        snprintf(r->trace, sizeof(r->trace), "%s", trace);
        r->callback_url = cb_url ? strdup(cb_url) : NULL;
        r->token = cb_token ? strdup(cb_token) : strdup("");
        r->status = "running";
        pthread_mutex_init(&r->lock, NULL);
        json_t *params = json_object_get(o, "parameters");
        char *ptext = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        say("start %s %lld trace=%s params=%s", job, (long long)exec_id, trace,
            ptext ? ptext : "{}");
        free(ptext);
        json_decref(o);
        pthread_mutex_lock(&runs_lock);
        r->next = runs;
        runs = r;
        pthread_mutex_unlock(&runs_lock);
        pthread_t t;
        pthread_create(&t, NULL, run_main, r);
        pthread_detach(t);
        return answerf(c, 202, "{\"execution_id\": %lld, \"status\": \"running\"}",
                       (long long)exec_id);
}

static enum MHD_Result status_of(struct MHD_Connection *c, struct run *r)
{
        pthread_mutex_lock(&r->lock);
        char *s = report_json(r);
        pthread_mutex_unlock(&r->lock);
        say("status %" PRId64 " %s", r->exec_id, r->status);
        enum MHD_Result rc = answer(c, 200, s);
        free(s);
        return rc;
}

static enum MHD_Result stop(struct MHD_Connection *c, struct run *r)
{
        if (r->job->refuse_stop) {
                say("stop %" PRId64 " -> 409", r->exec_id);
                return answer(c, 409, "{\"message\": \"this job cannot be stopped\"}");
        }
        pthread_mutex_lock(&r->lock);
        r->stop = true;
        bool over = strcmp(r->status, "running") != 0;
        char status[16];
        snprintf(status, sizeof(status), "%s", r->status);
        pthread_mutex_unlock(&r->lock);
        say("stop %" PRId64 " -> %d", r->exec_id, over ? 200 : 202);
        if (over)
                return answerf(c, 200, "{\"status\": \"%s\"}", status);
        return answer(c, 202, "{\"status\": \"stopping\"}");
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
        (void)cls, (void)version;
        struct body *b = *state;
        if (!b) {
                *state = calloc(1, sizeof(struct body));
                return MHD_YES;
        }
        if (*upload_len) {
                if (b->len + *upload_len > MAX_BODY) {
                        b->too_big = true;
                } else {
                        b->data = realloc(b->data, b->len + *upload_len + 1);
                        memcpy(b->data + b->len, upload, *upload_len);
                        b->len += *upload_len;
                        b->data[b->len] = '\0';
                }
                *upload_len = 0;
                return MHD_YES;
        }
        if (b->too_big)
                return answer(c, 413, "{\"message\": \"body too large\"}");
        if (bearer[0]) {
                const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
                if (!h || strncmp(h, "Bearer ", 7) || strcmp(h + 7, bearer)) {
                        say("unauthorized %s %s", method, url);
                        return answer(c, 401, "{\"message\": \"a valid bearer token is "
                                              "required\"}");
                }
        }
        size_t cp = strlen(context_path);
        if (strncmp(url, context_path, cp) != 0)
                return answer(c, 404, "{\"message\": \"no such resource\"}");
        const char *rest = url + cp;
        if (!*rest || !strcmp(rest, "/")) {
                if (strcmp(method, "POST"))
                        return answer(c, 405, "{\"message\": \"POST only\"}");
                return start(c, b->data);
        }
        long long id;
        int n = 0;
        if (sscanf(rest, "/executions/%lld%n", &id, &n) != 1)
                return answer(c, 404, "{\"message\": \"no such resource\"}");
        struct run *r = run_find(id);
        if (!r)
                return answerf(c, 404, "{\"message\": \"no execution %lld here\"}", id);
        if (!rest[n] && !strcmp(method, "GET"))
                return status_of(c, r);
        if (!strcmp(rest + n, "/stop") && !strcmp(method, "POST"))
                return stop(c, r);
        return answer(c, 404, "{\"message\": \"no such resource\"}");
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

static int parse_job(const char *arg)
{
        if (njobs == MAX_JOBS)
                return -1;
        struct job_cfg *j = &jobs[njobs];
        j->ms = 1000;
        j->steps = 4;
        const char *colon = strchr(arg, ':');
        size_t nl = colon ? (size_t)(colon - arg) : strlen(arg);
        if (nl == 0 || nl >= sizeof(j->name))
                return -1;
        memcpy(j->name, arg, nl);
        char opts[512];
        snprintf(opts, sizeof(opts), "%s", colon ? colon + 1 : "");
        for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
             o = strtok_r(NULL, ",", &save)) {
                if (!strncmp(o, "ms=", 3))
                        j->ms = atol(o + 3);
                else if (!strncmp(o, "steps=", 6))
                        j->steps = atol(o + 6);
                else if (!strncmp(o, "slow_stop=", 10))
                        j->slow_stop_ms = atol(o + 10);
                else if (!strcmp(o, "fail"))
                        j->fail = true;
                else if (!strcmp(o, "refuse_stop"))
                        j->refuse_stop = true;
                else if (!strcmp(o, "no_callback"))
                        j->no_callback = true;
                else if (!strcmp(o, "lose_final"))
                        j->lose_final = true;
                else if (!strcmp(o, "repeat_final"))
                        j->repeat_final = true;
                else if (!strcmp(o, "probe_other"))
                        j->probe_other = true;
                else
                        return -1;
        }
        njobs++;
        return 0;
}

int main(int argc, char **argv)
{
        unsigned port = 0;
        const char *port_file = NULL, *log_path = NULL;
        logf = stdout;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--port") && v)
                        port = (unsigned)atoi(v), i++;
                else if (!strcmp(a, "--port-file") && v)
                        port_file = v, i++;
                else if (!strcmp(a, "--context-path") && v)
                        context_path = v, i++;
                else if (!strcmp(a, "--log") && v)
                        log_path = v, i++;
                else if (!strcmp(a, "--bearer-file") && v) {
                        FILE *f = fopen(v, "r");
                        if (!f || !fgets(bearer, sizeof(bearer), f)) {
                                perror(v);
                                return 1;
                        }
                        fclose(f);
                        bearer[strcspn(bearer, "\r\n")] = '\0';
                        i++;
                }
                else if (!strcmp(a, "--job") && v && parse_job(v) == 0)
                        i++;
                else {
                        fprintf(stderr, "usage: remote-service --port N [--port-file F] "
                                        "[--context-path P] [--log F] [--bearer-file F] --job NAME[:OPTS] ...\n"
                                        "bad argument: %s\n", a);
                        return 2;
                }
        }
        if (log_path && !(logf = fopen(log_path, "a"))) {
                perror(log_path);
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);
        /* SIGTERM and SIGINT are taken by sigwait below: blocked before any thread. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        struct MHD_Daemon *d = MHD_start_daemon(
                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, (uint16_t)port,
                NULL, NULL, handle, NULL, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "remote-service: cannot listen on port %u\n", port);
                return 1;
        }
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        if (port_file) {
                char tmp[4096];
                snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
                FILE *f = fopen(tmp, "w");
                if (!f || fprintf(f, "%u\n", info ? info->port : port) < 0 || fclose(f) != 0 ||
                    rename(tmp, port_file) < 0) {
                        perror(port_file);
                        return 1;
                }
        }
        say("listening on port %u", info ? info->port : port);
        int sig;
        sigwait(&set, &sig);
        MHD_stop_daemon(d);
        return 0;
}
