/* run.c: running a job instance — find or create the instance (job name + identifying
 * parameters), detect a killed earlier execution, refuse a completed or running one,
 * record the execution, walk the steps with their conditional transitions, resuming
 * each from its checkpoint, and record the outcome. */
#include "sdk/sdk-internal.h"

#include "core/lifecycle.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define ACTOR "sdk"

/* The identifying parameters as a canonical JSON object (keys sorted). */
static char *identity(const struct batch_run_opts *o)
{
        json_t *obj = json_object();
        for (size_t i = 0; obj && i < o->nparams; i++)
                if (json_object_set_new(obj, o->params[i].name,
                                        json_string(o->params[i].value ? o->params[i].value : "")))
                        break;
        char *s = obj ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(obj);
        return s;
}

static int find_instance(struct sdk_run *run, const char *params, struct store_instance *ret,
                         bool *found, struct batch_err *reterr)
{
        struct store_instance_filter f = {.tenant = run->tenant, .job = run->job->name,
                                          .state = -1, .newest_first = true, .limit = 500};
        *found = false;
        for (;;) {
                struct store_instance_list l;
                int rc = store_instance_list(run->st, &f, &l, reterr);
                if (rc < 0)
                        return rc;
                for (size_t i = 0; i < l.n && !*found; i++) {
                        if (!l.items[i].scheduled && l.items[i].params &&
                            !strcmp(l.items[i].params, params)) {
                                *ret = l.items[i];
                                memset(&l.items[i], 0, sizeof(l.items[i]));
                                *found = true;
                        }
                }
                size_t n = l.n;
                if (n)
                        f.after_id = l.items[n - 1].id;
                store_instance_list_release(&l);
                if (*found || n < f.limit)
                        return 0;
        }
}

/* Process start time in seconds since the epoch, or -1 when it cannot be read. */
static int64_t process_start_s(pid_t pid)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (!p)
                return -1;
        /* Field 22 is starttime; after ")" come fields 3.. */
        unsigned long long start = 0;
        int field = 2;
        for (char *tok = p + 1; *tok && field < 22; tok++)
                if (*tok == ' ' && ++field == 22)
                        start = strtoull(tok + 1, NULL, 10);
        f = fopen("/proc/stat", "re");
        if (!f)
                return -1;
        long long btime = -1;
        char line[256];
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "btime %lld", &btime) == 1)
                        break;
        fclose(f);
        long hz = sysconf(_SC_CLK_TCK);
        if (btime < 0 || hz <= 0)
                return -1;
        return btime + (int64_t)(start / (unsigned long long)hz);
}

/* Whether the process that ran execution e is still alive (and is the same process). */
static bool execution_alive(const struct store_execution *e, const char *host)
{
        if (e->pid <= 0)
                return false;
        if (e->node && strcmp(e->node, host) != 0)
                return true; /* another machine's: cannot tell, assume it runs */
        if (kill((pid_t)e->pid, 0) < 0 && errno == ESRCH)
                return false;
        int64_t started = process_start_s((pid_t)e->pid);
        /* A pid reused by a process started after the execution was recorded. */
        return started < 0 || started <= e->started_at + 2;
}

/* Marks the STARTED step executions of execution `exec` as FAILED. */
static int fail_steps(struct sdk_run *run, int64_t exec, const char *why, struct batch_err *reterr)
{
        struct store_step_list l;
        int rc = store_step_list(run->st, exec, &l, reterr);
        for (size_t i = 0; rc == 0 && i < l.n; i++) {
                if (strcmp(l.items[i].status, "STARTED"))
                        continue;
                struct store_step s = l.items[i];
                s.status = (char *)"FAILED";
                s.exit_message = (char *)why;
                rc = store_step_put(run->st, &s, sdk_wall_s(), NULL, reterr);
        }
        store_step_list_release(&l);
        return rc;
}

/* Looks at the instance's earlier executions: one still alive means ERUNNING; a dead one
 * left unfinished (killed) is recorded as ended; their STARTED steps become FAILED. */
static int settle_earlier(struct sdk_run *run, bool by_hand, const char *host,
                          struct batch_err *reterr)
{
        struct store_execution_list l;
        int rc = store_execution_list(run->st, run->instance_id, &l, reterr);
        if (rc < 0)
                return rc;
        for (size_t i = 0; rc == 0 && i < l.n; i++) {
                struct store_execution *e = &l.items[i];
                if (e->id == run->execution_id)
                        continue;
                if (!e->finished && by_hand) {
                        if (execution_alive(e, host)) {
                                rc = batch_err_set(reterr, BATCH_ERUNNING, "instance",
                                                   "job %s: instance %" PRId64 " is running in "
                                                   "process %" PRId64 " (execution %" PRId64 ")",
                                                   run->job->name, run->instance_id, e->pid,
                                                   e->id);
                                break;
                        }
                        char why[128];
                        snprintf(why, sizeof(why), "killed: process %" PRId64 " is gone", e->pid);
                        rc = store_execution_finish(run->st, e->id, -SIGKILL, why, sdk_wall_s(),
                                                    reterr);
                        if (rc == BATCH_ESTALE)
                                rc = 0;
                }
                if (rc == 0 && (e->finished || by_hand))
                        rc = fail_steps(run, e->id,
                                        "the execution ended without recording the step's end",
                                        reterr);
        }
        store_execution_list_release(&l);
        return rc;
}

static int transition(struct sdk_run *run, int *state, int to, const char *why,
                      struct batch_err *reterr)
{
        int rc = store_instance_transition(run->st, run->instance_id, *state, to, ACTOR, why,
                                           sdk_wall_s(), reterr);
        if (rc == 0)
                *state = to;
        return rc;
}

static void trace_id(char out[33])
{
        unsigned char b[16];
        if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
                for (size_t i = 0; i < sizeof(b); i++)
                        b[i] = (unsigned char)(sdk_mono_us() >> (i % 8));
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The job's own checkpoint: generation and whether it completed. */
static int job_state(struct sdk_run *run, int64_t *gen, bool *completed, struct batch_err *reterr)
{
        char *text = NULL;
        int rc = store_checkpoint_get(run->st, run->instance_id, SDK_JOB_CHECKPOINT, &text, reterr);
        *gen = 1;
        *completed = false;
        if (rc < 0 || !text)
                return rc;
        struct sdk_checkpoint cp;
        rc = sdk_checkpoint_decode(text, &cp, reterr);
        free(text);
        if (rc < 0)
                return rc;
        *gen = cp.gen;
        *completed = cp.done && !strcmp(cp.exit, BATCH_EXIT_COMPLETED);
        sdk_checkpoint_release(&cp);
        return 0;
}

static int save_job_state(struct sdk_run *run, bool done, const char *exit,
                          struct batch_err *reterr)
{
        struct sdk_checkpoint cp = {.gen = run->gen, .done = done};
        snprintf(cp.exit, sizeof(cp.exit), "%s", exit ? exit : "");
        return sdk_checkpoint_save(run, SDK_JOB_CHECKPOINT, &cp, reterr);
}

/* Reads the job's flow generation into run->gen: the checkpointed one, or the next one
 * when the instance completed, which is refused (BATCH_ECOMPLETED, its message telling
 * to `how_anew`) unless the run is anew. *completed says which. */
static int take_generation(struct sdk_run *run, const char *how_anew, bool *completed,
                           struct batch_err *reterr)
{
        int64_t gen = 1;
        int rc = job_state(run, &gen, completed, reterr);
        if (rc < 0)
                return rc;
        run->gen = *completed ? gen + 1 : gen;
        if (*completed && !run->opts->anew)
                return batch_err_set(reterr, BATCH_ECOMPLETED, "instance",
                                     "job %s: instance %" PRId64 " has already completed; %s "
                                     "to run it again",
                                     run->job->name, run->instance_id, how_anew);
        return 0;
}

/* Prepares a by-hand run: the instance (found or created), the refusals, the execution. */
static int begin_by_hand(struct sdk_run *run, const char *host, int *state,
                         struct batch_err *reterr)
{
        char *params = identity(run->opts);
        if (!params)
                return batch_err_set(reterr, BATCH_ENOMEM, "params", "out of memory");
        struct store_instance in;
        bool found;
        int rc = store_begin(run->st, reterr);
        if (rc == 0)
                rc = find_instance(run, params, &in, &found, reterr);
        if (rc == 0 && !found) {
                char tid[33];
                trace_id(tid);
                int64_t now = sdk_wall_s();
                struct store_instance ni = {.tenant = (char *)run->tenant,
                                            .job = run->job->name, .scheduled = false,
                                            .due = now, .first_due = now, .last_due = now,
                                            .state = STATE_INIT, .params = params,
                                            .trace_id = tid};
                rc = store_instance_create(run->st, &ni, ACTOR, now, &run->instance_id, reterr);
                *state = STATE_INIT;
        } else if (rc == 0) {
                run->instance_id = in.id;
                *state = in.state;
                store_instance_release(&in);
        }
        free(params);
        if (rc == 0 && found)
                rc = settle_earlier(run, true, host, reterr);
        bool completed = false;
        run->gen = 1;
        if (rc == 0)
                rc = take_generation(run, "run it with --anew", &completed, reterr);
        /* Bring the instance to 4 Running: a live state that was left behind by a killed
         * run ends as Failed first. */
        if (rc == 0 && (*state == STATE_RUNNING || *state == STATE_STOPPING ||
                        *state == STATE_STOP_FAILED))
                rc = transition(run, state, STATE_FAILED, "lost: the process is gone", reterr);
        if (rc == 0 && *state == STATE_STARTING)
                rc = transition(run, state, STATE_START_FAILED, "lost: the process is gone",
                                reterr);
        if (rc == 0 && *state != STATE_INIT)
                rc = transition(run, state, STATE_INIT,
                                completed ? "run anew" : "restart from the checkpoints", reterr);
        if (rc == 0)
                rc = transition(run, state, STATE_STARTING, "run by hand", reterr);
        if (rc == 0)
                rc = transition(run, state, STATE_RUNNING, "started", reterr);
        if (rc == 0) {
                struct store_execution e = {.instance_id = run->instance_id,
                                            .node = (char *)host, .pid = getpid()};
                int attempt;
                rc = store_execution_start(run->st, &e, sdk_wall_s(), &run->execution_id,
                                           &attempt, reterr);
        }
        if (rc == 0)
                rc = save_job_state(run, false, NULL, reterr);
        if (rc == 0)
                rc = store_commit(run->st, reterr);
        if (rc < 0)
                store_rollback(run->st);
        return rc;
}

static int begin_under_daemon(struct sdk_run *run, struct batch_err *reterr)
{
        run->instance_id = run->opts->instance_id;
        run->execution_id = run->opts->execution_id;
        struct store_instance in;
        int rc = store_instance_get(run->st, run->instance_id, &in, reterr);
        if (rc < 0)
                return rc;
        store_instance_release(&in);
        if ((rc = store_begin(run->st, reterr)) < 0)
                return rc;
        rc = settle_earlier(run, false, NULL, reterr);
        bool completed = false;
        run->gen = 1;
        if (rc == 0)
                rc = take_generation(run, "set BATCH_RUN_ANEW=1", &completed, reterr);
        if (rc == 0)
                rc = save_job_state(run, false, NULL, reterr);
        if (rc == 0)
                rc = store_commit(run->st, reterr);
        if (rc < 0)
                store_rollback(run->st);
        return rc;
}

static struct batch_step *step_named(struct batch_job *job, const char *name)
{
        for (size_t i = 0; i < job->nsteps; i++)
                if (!strcmp(job->steps[i]->name, name))
                        return job->steps[i];
        return NULL;
}

static int check_flow(struct batch_job *job, struct batch_err *reterr)
{
        if (job->nsteps == 0)
                return batch_err_set(reterr, BATCH_EINVAL, "job", "job %s has no steps",
                                     job->name);
        for (size_t i = 0; i < job->ntrans; i++) {
                struct sdk_transition *t = &job->trans[i];
                if (!step_named(job, t->from))
                        return batch_err_set(reterr, BATCH_ENOENT, "transition",
                                             "transition from unknown step %s", t->from);
                if (strcmp(t->to, BATCH_END) && strcmp(t->to, BATCH_FAIL) &&
                    !step_named(job, t->to))
                        return batch_err_set(reterr, BATCH_ENOENT, "transition",
                                             "transition to unknown step %s", t->to);
        }
        return 0;
}

/* Where the flow goes after step `from` ended with `exit`: the next step, or NULL with
 * *job_exit set. */
static struct batch_step *next_step(struct batch_job *job, size_t from, const char *exit,
                                    char job_exit[SDK_EXIT_MAX])
{
        const char *name = job->steps[from]->name;
        for (size_t i = 0; i < job->ntrans; i++) {
                struct sdk_transition *t = &job->trans[i];
                if (strcmp(t->from, name) || fnmatch(t->pattern, exit, 0) != 0)
                        continue;
                if (!strcmp(t->to, BATCH_END)) {
                        snprintf(job_exit, SDK_EXIT_MAX, "%s", BATCH_EXIT_COMPLETED);
                        return NULL;
                }
                if (!strcmp(t->to, BATCH_FAIL)) {
                        snprintf(job_exit, SDK_EXIT_MAX, "%s", BATCH_EXIT_FAILED);
                        return NULL;
                }
                return step_named(job, t->to);
        }
        if (!strcmp(exit, BATCH_EXIT_FAILED) || !strcmp(exit, BATCH_EXIT_STOPPED)) {
                snprintf(job_exit, SDK_EXIT_MAX, "%s", exit);
                return NULL;
        }
        if (from + 1 < job->nsteps)
                return job->steps[from + 1];
        snprintf(job_exit, SDK_EXIT_MAX, "%s", BATCH_EXIT_COMPLETED);
        return NULL;
}

static size_t index_of(struct batch_job *job, struct batch_step *st)
{
        for (size_t i = 0; i < job->nsteps; i++)
                if (job->steps[i] == st)
                        return i;
        return 0;
}

int sdk_run_step(struct sdk_run *run, struct batch_step *st, char exit[SDK_EXIT_MAX],
                 struct batch_err *reterr)
{
        char *text = NULL;
        struct sdk_checkpoint cp = {0};
        bool have = false;
        int rc = store_checkpoint_get(run->st, run->instance_id, st->name, &text, reterr);
        if (rc == 0 && text) {
                rc = sdk_checkpoint_decode(text, &cp, reterr);
                have = rc == 0 && cp.gen == run->gen;
                if (rc == 0 && !have)
                        sdk_checkpoint_release(&cp);
        }
        free(text);
        if (rc < 0)
                return rc;
        if (have && cp.done) {
                /* Completed in an earlier execution: not run again. */
                snprintf(exit, SDK_EXIT_MAX, "%s", cp.exit[0] ? cp.exit : BATCH_EXIT_COMPLETED);
                sdk_checkpoint_release(&cp);
                return 0;
        }
        rc = st->kind == SDK_STEP_CHUNK
                     ? sdk_chunk_step_run(run, st, have ? &cp : NULL, exit, reterr)
             : st->kind == SDK_STEP_TASKLET
                     ? sdk_tasklet_step_run(run, st, have ? &cp : NULL, exit, reterr)
                     : sdk_partitioned_step_run(run, st, exit, reterr);
        sdk_checkpoint_release(&cp);
        return rc;
}

static int finish_by_hand(struct sdk_run *run, int state, const char *exit,
                          struct batch_err *reterr)
{
        int status = !strcmp(exit, BATCH_EXIT_COMPLETED) ? 0
                     : !strcmp(exit, BATCH_EXIT_STOPPED) ? 4
                                                         : 1;
        int rc = store_begin(run->st, reterr);
        if (rc == 0)
                rc = store_execution_finish(run->st, run->execution_id, status,
                                            status ? exit : NULL, sdk_wall_s(), reterr);
        if (rc == 0 && status == 0)
                rc = transition(run, &state, STATE_SUCCESS, "completed", reterr);
        if (rc == 0 && status == 1)
                rc = transition(run, &state, STATE_FAILED, "a step failed", reterr);
        if (rc == 0 && status == 4)
                rc = transition(run, &state, STATE_STOPPING, "stop requested", reterr);
        if (rc == 0 && status == 4)
                rc = transition(run, &state, STATE_CANCELED, "stopped after a chunk", reterr);
        if (rc == 0)
                rc = store_commit(run->st, reterr);
        if (rc < 0)
                store_rollback(run->st);
        return rc;
}

static void on_signal(int sig)
{
        (void)sig;
        sdk_stop_flag = 1;
}

/* The heap kept between chunks (docs/sdk.md, "Memory"): glibc gives the top of the heap
 * back to the kernel whenever more than 128 KiB of it is free, and SQLite's commit
 * allocates and frees a few hundred KiB on every chunk, so each chunk grew the heap and
 * shrank it again (three brk calls, tens of page faults; the in-memory pipeline ran at a quarter of its
 * speed). Keeping up to 64 MiB free, and
 * allocating blocks under 4 MiB from the heap, takes that away. Left alone when the user
 * set glibc's own malloc settings in the environment. */
static void set_heap(void)
{
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

static void keep_heap(void)
{
        const char *t = getenv("GLIBC_TUNABLES");
        if (getenv("MALLOC_TRIM_THRESHOLD_") || getenv("MALLOC_MMAP_THRESHOLD_") ||
            (t && strstr(t, "glibc.malloc.")))
                return;
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, set_heap);
}

int batch_job_run(struct batch_job *job, const struct batch_run_opts *opts,
                  struct batch_result *ret, struct batch_err *reterr)
{
        keep_heap();
        if (!job || !opts || !opts->db)
                return batch_err_set(reterr, BATCH_EINVAL, "db", "no repository given (--db)");
        int rc = check_flow(job, reterr);
        if (rc < 0)
                return rc;
        sdk_stop_flag = 0;
        if (opts->handle_sigterm) {
                struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
                sigemptyset(&sa.sa_mask);
                sigaction(SIGTERM, &sa, NULL);
                sigaction(SIGINT, &sa, NULL);
        }
        struct sdk_run run = {.job = job, .opts = opts, .started_mono_us = sdk_mono_us(),
                              .tenant = opts->tenant ? opts->tenant : "default"};
        if ((rc = store_open(opts->db, &run.st, reterr)) < 0)
                return rc;
        char host[256] = "";
        gethostname(host, sizeof(host) - 1);
        bool by_hand = opts->instance_id == 0;
        int state = STATE_RUNNING;
        rc = by_hand ? begin_by_hand(&run, host, &state, reterr)
                     : begin_under_daemon(&run, reterr);
        if (rc < 0) {
                store_close(run.st);
                return rc;
        }
        /* Stop requests already queued before this execution do not count. */
        struct store_request_list rl;
        while (store_request_list(run.st, run.instance_id, run.request_after, &rl, NULL) == 0) {
                size_t n = rl.n;
                if (n)
                        run.request_after = rl.items[n - 1].id;
                store_request_list_release(&rl);
                if (n == 0)
                        break;
        }
        struct batch_ctx jctx = {.run = &run, .npartitions = 1};
        for (size_t i = 0; i < job->nlisteners; i++)
                if (job->listeners[i].before_job_cb)
                        job->listeners[i].before_job_cb(job->listeners[i].ud, &jctx);
        char job_exit[SDK_EXIT_MAX] = BATCH_EXIT_COMPLETED;
        struct batch_step *st = job->steps[0];
        /* A flow may loop; a bound keeps a broken one from running forever. */
        for (unsigned hops = 0; st && rc == 0; hops++) {
                if (hops > 100000) {
                        snprintf(job_exit, sizeof(job_exit), "%s", BATCH_EXIT_FAILED);
                        break;
                }
                char exit[SDK_EXIT_MAX];
                if ((rc = sdk_run_step(&run, st, exit, reterr)) < 0)
                        break;
                st = next_step(job, index_of(job, st), exit, job_exit);
        }
        if (rc < 0)
                snprintf(job_exit, sizeof(job_exit), "%s", BATCH_EXIT_FAILED);
        struct batch_err err2;
        if (!strcmp(job_exit, BATCH_EXIT_COMPLETED))
                save_job_state(&run, true, job_exit, &err2);
        for (size_t i = 0; i < job->nlisteners; i++)
                if (job->listeners[i].after_job_cb)
                        job->listeners[i].after_job_cb(job->listeners[i].ud, &jctx, job_exit);
        int rc2 = by_hand ? finish_by_hand(&run, state, job_exit, rc < 0 ? &err2 : reterr) : 0;
        if (rc == 0)
                rc = rc2;
        if (rc == 0 && ret) {
                ret->instance_id = run.instance_id;
                ret->execution_id = run.execution_id;
                snprintf(ret->exit_status, sizeof(ret->exit_status), "%s", job_exit);
                ret->counts = run.total;
        }
        store_close(run.st);
        return rc;
}
