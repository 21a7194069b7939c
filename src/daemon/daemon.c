/* daemon.c: batchd, the daemon: carries out the scheduler core's decisions against a
 * clock, with real child processes under supervisors that survive it (docs/daemon.md).
 *
 * One thread, one epoll loop: a timerfd for the scheduler's next wakeup, a signalfd,
 * a pidfd and a report pipe per run, and inotify on the repository's directory (an
 * SQLite file) to notice other processes' changes (definitions, submits, requests). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <malloc.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "api/api.h"
#include "api/metrics.h"
#include "api/remote_report.h"
#include "api/token.h"
#include "common/buf.h"
#include "common/trace.h"
#include "core/askq.h"
#include "core/isotime.h"
#include "core/lifecycle.h"
#include "core/nextdue.h"
#include "core/procdate.h"
#include "core/sched.h"
#include "daemon/alerts.h"
#include "daemon/clock.h"
#include "daemon/cluster.h"
#include "daemon/dlog.h"
#include "daemon/retention.h"
#include "daemon/jobkill.h"
#include "daemon/settings.h"
#include "daemon/key.h"
#include "daemon/node.h"
#include "daemon/notify.h"
#include "daemon/remote.h"
#include "daemon/supervisor.h"
#include "defs/apply.h"
#include "defs/load.h"
#include "defs/overlay.h"
#include "defs/validate.h"
#include "defs/params.h"
#include "ops/instances.h"
#include "ops/secrets.h"
#include "sched/model.h"
#include "store/store.h"

#define STOP_GRACE_S 30   /* SIGTERM, then SIGKILL after this (real seconds) */
#define RUNNING_DEFER_MS 20 /* a "running" report waits this long for its run's end */
/* Each of batchd's SQLite connections (its own, the alert and retention workers', the
 * API's) keeps at most this much of the repository cached (SQLite's default: 2,000 KiB):
 * a statement reads a few pages, which the kernel caches too (docs/daemon.md, "Memory"). */
#define DAEMON_PAGE_CACHE_KIB 512
#define KILL_WAIT_S 10    /* after SIGKILL: Stop Failed if the run has not ended */
#define MAX_RUNS_DEFAULT 256

struct run {
        struct run *next, *prev;
        bool dead;         /* forgotten: freed after the current batch of events */
        size_t tenant;
        int64_t instance;  /* repository id */
        int64_t exec_id;
        pid_t pid;         /* the supervisor */
        struct run_job job; /* its job, from the "running" report (pid 0: not heard) */
        int pidfd, report_fd;
        int go_fd;         /* write end of the go pipe, kept to acknowledge the end, or -1 */
        bool end_recorded; /* run_ended recorded its end in the current transaction */
        bool status_file;  /* its outcome was read from its status file */
        bool gone;         /* the supervisor had ended when the run was taken up */
        bool unlink_status; /* remove the status file once the transaction commits */
        char status_path[PATH_MAX];
        int stop_stage;    /* 0 none, 1 SIGTERM sent, 2 SIGKILL sent, 3 Stop Failed */
        bool stop_pending; /* Stopping is being recorded: SIGTERM after the commit */
        bool report_partial; /* the last report read ended inside a line */
        /* Its "running" report, not yet told to the scheduler (record_running): the
         * daemon clock's second it came, 0 when none is waiting, and the monotonic
         * millisecond by which it is recorded. */
        int64_t running_at, running_by_ms;
        char trace[TRACE_ID_LEN + 1]; /* the instance's trace id, on each of its log lines */
        int64_t stop_deadline_ms;
        /* A remote (http) run: no supervisor, pid 0 (docs/remote-jobs.md). */
        bool remote;
        bool call_inflight;   /* its status call is under way */
        int64_t next_poll_at; /* the daemon clock's second of its next status call; 0: none */
        /* A run this node claimed (a cluster: docs/cluster.md, "Claims"): its ends are
         * recorded on its execution, fenced by the claim token, for the planner to read;
         * it outlives the planner's model (tenant is not used). */
        bool claimed;
        int64_t token;
};

/* The state of one job's next_due_api trigger (the next_due_api section below). */
enum nd_phase { ND_ASK, ND_ASKING, ND_WAITING, ND_RETRY };

struct nd_job {
        enum nd_phase phase;
        int failures;      /* failed GETs in a row */
        bool reported;     /* this run of failures has its Start Failed instance */
        int64_t ask_at;    /* ND_RETRY: the daemon clock's second of the next GET */
        int64_t due;       /* ND_WAITING: the kept answer the scheduler will create */
};

/* The trace id of run r for its log lines (NULL when it has none). */
#define RTRACE(r) ((r)->trace[0] ? (r)->trace : NULL)

struct tenant_rt {
        const char *name;
        struct sched_model model;
        struct sched *sched;
        struct nd_job *nd; /* one per job of the model */
        struct askq nd_due; /* the jobs whose GET is to be made: ASK now, RETRY at ask_at */
};

struct daemon {
        struct store *st;
        const char *dsn;
        const char *defs_dir;     /* --defs: applied at start and on SIGHUP, or NULL */
        const char *overlay_path; /* --overlay: read at start and on SIGHUP, or NULL */
        struct defset overlay;    /* its documents, applied over the repository's
                                     definitions at each rebuild (defs/overlay.h) */
        struct defset overlay_old; /* the one a SIGHUP replaced, which d->set borrowed file
                                      names from until the rebuild that follows */
        size_t overlay_problems;  /* problems the last rebuild found with it */
        char state_dir[PATH_MAX];
        struct dclock clock;
        struct defset set;
        char *defs_key;           /* tenant/kind/name/version of every definition */
        struct tenant_rt *tenants;
        size_t ntenants;
        struct run *runs;
        struct run *graveyard;    /* forgotten runs, freed once no event can name them */
        int epfd, tfd, sfd, ifd;
        int64_t data_version;
        int64_t defs_stamp;       /* store_defs_stamp when the definitions were last read */
        uint64_t rebuilds;        /* how many times rebuild() ran */
        int64_t max_seen_id;      /* highest instance id take_submits and restores saw */
        bool quit;
        struct sched_actions acts;
        size_t nruns, max_runs;   /* runs in flight, and how many may be at once */
        struct pending *pending;  /* instances in Starting waiting for a free slot, FIFO */
        struct pending **pending_tail;
        struct run_spawner spawner; /* forks the supervisors (supervisor.h) */
        int tx_depth;             /* tx_begin nesting; the outermost one commits */
        bool tx_open;             /* the repository transaction was begun */
        struct go *gos;           /* launched runs waiting for the commit to get their go */
        size_t ngos, capgos;
        size_t npending;          /* length of the pending list */
        int64_t tx_start_us;      /* when the current transaction began (metrics) */
        bool tx_failed;           /* a write of the current transaction failed: roll back */
        char tx_error[256];       /* that failure's message */
        /* The write path: after a failed transaction the daemon waits (backing off), then
         * rebuilds its state from the repository and tries again (docs/daemon.md). */
        bool repo_failing;
        int64_t retry_at_ms, retry_delay_ms, failing_since_ms;
        uint64_t failed_txs;      /* failed transactions since the write path last worked */
        int64_t next_sweep_ms;    /* next look for status files nobody needs (runs/) */
        long fault_before_go;     /* BATCHD_FAULT_KILL_BEFORE_GO: tests only (tx_end) */
        long fault_after_next_due; /* BATCHD_FAULT_KILL_AFTER_NEXT_DUE: tests only */
        struct remote_call *answered; /* remote runs' answered calls, for remote_answers */
        struct remote_call **answered_tail;
        struct batchd_metrics metrics; /* shown by the API's GET /metrics */
        struct secrets secrets;   /* decrypts secret values for the runs (daemon/key.h) */
        struct alerts_worker *alerts; /* sends the alerts' deliveries (daemon/alerts.h) */
        bool alerts_raised;       /* this turn raised alerts: wake the worker after commit */
        struct remote_worker *remote; /* makes the remote runs' HTTP calls (daemon/remote.h) */
        char callback_base[512];  /* http://HOST:PORT for the remote runs' callbacks, or "" */
        struct cluster cluster;   /* the planner lease on PostgreSQL (daemon/cluster.h) */
        bool fenced_out;          /* the current transaction's fence failed: roll back */
        struct node node;         /* this batchd among the repository's nodes (node.h) */
        /* Claims (a cluster, docs/cluster.md "Claims"). */
        struct store_listener *listener; /* LISTEN batchd_offer, batchd_run; or NULL */
        int64_t listen_retry_ms;  /* monotonic: the next try at listening */
        bool own_tx;              /* the current transaction is this node's own: its
                                     claims and runs, not fenced by the planner lease */
        bool claim_now;           /* offers may wait: claim at the next turn */
        bool follow_now;          /* look at this node's claimed runs (stops) now */
        bool progress_now;        /* the planner reads the claimed runs now */
        int64_t next_claim_ms, next_follow_ms, next_progress_ms; /* monotonic */
        struct catalog *cat;      /* definitions for claimed runs while not planning */
        int64_t *unoffered;       /* instances whose offer a stop withdrew this turn */
        size_t nunoffered, capunoffered;
};

struct go;

/* An instance the scheduler started while every run slot was taken. */
struct pending {
        struct pending *next;
        size_t tenant;
        int64_t instance;
};

enum watch_kind { W_TIMER = 1, W_SIGNAL, W_INOTIFY, W_PIDFD, W_REPORT, W_REMOTE, W_LISTEN };

/* epoll data: the kind in the low 3 bits of a pointer-sized tag. */
static void watch(struct daemon *d, int fd, enum watch_kind kind, struct run *r)
{
        struct epoll_event ev = {.events = EPOLLIN};
        ev.data.u64 = r ? ((uint64_t)(uintptr_t)r | (uint64_t)kind) : (uint64_t)kind;
        epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int64_t mono_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
        return mono_us() / 1000;
}

static const struct job_def *def_of(struct tenant_rt *t, const struct sched_inst *in)
{
        return t->model.defs[in->job];
}

/* A store call of the current transaction returned rc: a repository failure (not a
 * stale or missing row, which the callers handle) makes the transaction roll back. */
static void tx_note(struct daemon *d, int rc, const struct batch_err *err)
{
        if (rc != BATCH_EIO && rc != BATCH_ENOMEM)
                return;
        if (!d->tx_failed)
                snprintf(d->tx_error, sizeof(d->tx_error), "%s", err->msg);
        d->tx_failed = true;
}

/* ---- runs ---------------------------------------------------------------------- */

static void run_forget(struct daemon *d, struct run *r)
{
        d->nruns--;
        /* Out of the epoll set before closing: a supervisor forked meanwhile may hold a
         * copy of these descriptors, which would keep a stale registration alive. */
        if (r->pidfd >= 0)
                epoll_ctl(d->epfd, EPOLL_CTL_DEL, r->pidfd, NULL);
        if (r->report_fd >= 0)
                epoll_ctl(d->epfd, EPOLL_CTL_DEL, r->report_fd, NULL);
        if (r->prev)
                r->prev->next = r->next;
        else
                d->runs = r->next;
        if (r->next)
                r->next->prev = r->prev;
        if (r->pidfd >= 0)
                close(r->pidfd);
        if (r->report_fd >= 0)
                close(r->report_fd);
        /* Events of the current batch may still name it: free it after the batch (its
         * address is not reused meanwhile). */
        r->dead = true;
        r->next = d->graveyard;
        d->graveyard = r;
}

static void runs_bury(struct daemon *d)
{
        while (d->graveyard) {
                struct run *r = d->graveyard;
                d->graveyard = r->next;
                if (r->go_fd >= 0)
                        close(r->go_fd);
                free(r);
        }
}

/* Holds a run of supervisor `pid`, watched through a pidfd when `alive` (else, or when
 * it ended meanwhile, r->pidfd is -1 and r->gone is set: the caller ends the run). */
static struct run *run_watch(struct daemon *d, size_t tenant, int64_t instance, const char *trace,
                             int64_t exec_id,
                             pid_t pid, int report_fd, const char *status_path, bool alive)
{
        struct run *r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->tenant = tenant;
        r->instance = instance;
        snprintf(r->trace, sizeof(r->trace), "%s", trace ? trace : "");
        r->exec_id = exec_id;
        r->pid = pid;
        r->report_fd = report_fd;
        r->go_fd = -1;
        snprintf(r->status_path, sizeof(r->status_path), "%s", status_path);
        r->pidfd = alive ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
        r->gone = !alive || (r->pidfd < 0 && errno == ESRCH);
        if (r->pidfd < 0 && !r->gone)
                dlog("error", NULL, instance, exec_id, RTRACE(r),
                     "cannot watch supervisor %d (%s): its end will be found at the next start",
                     (int)pid, strerror(errno));
        r->next = d->runs;
        if (d->runs)
                d->runs->prev = r;
        d->runs = r;
        d->nruns++;
        if (r->pidfd >= 0)
                watch(d, r->pidfd, W_PIDFD, r);
        if (report_fd >= 0)
                watch(d, report_fd, W_REPORT, r);
        return r;
}

static char *env_var(const char *name, const char *value)
{
        size_t n = strlen(name) + strlen(value) + 2;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "%s=%s", name, value);
        return s;
}

/* The process date of a run of instance *si: the one fixed when it was created
 * (ops_instance_process_date). */
static const char *run_process_date(const struct sched_model *m, const struct store_instance *si,
                                    char out[OPS_PROCESS_DATE_MAX])
{
        return ops_instance_process_date(si, &m->tenant.window, m->tenant.zone, out);
}

/* The process date a new instance due at `due` (tenant's scheduling clock) is created
 * with: the tenant's window's as it is now (core/procdate.h). */
static char *new_process_date(const struct tenant_rt *tr, int64_t due,
                              char out[PROCDATE_TEXT_MAX])
{
        return procdate_format(&tr->model.tenant.window, tr->model.tenant.zone, due, out);
}

/* The environment of a run (DESIGN §4): a clean base, the job's env, BATCH_*. */
static char **run_env(struct daemon *d, const struct sched_model *m, const struct job_def *def,
                      const struct store_instance *si)
{
        struct def_map params = {0};
        if (si->params)
                params_parse(si->params, &params, NULL);
        char pdate[OPS_PROCESS_DATE_MAX];
        size_t n = 16 + def->exec_env.n + def->parameters.n + params.n;
        char **env = calloc(n, sizeof(*env));
        if (!env)
                return NULL;
        size_t k = 0;
        char buf[64], iso[ISO_FORMAT_MAX];
        const char *path = getenv("PATH");
        env[k++] = env_var("PATH", path ? path : "/usr/local/bin:/usr/bin:/bin");
        if (getenv("HOME"))
                env[k++] = env_var("HOME", getenv("HOME"));
        env[k++] = env_var("LANG", getenv("LANG") ? getenv("LANG") : "C.UTF-8");
        env[k++] = env_var("BATCH_JOB", def->name);
        snprintf(buf, sizeof(buf), "%lld", (long long)si->id);
        env[k++] = env_var("BATCH_INSTANCE_ID", buf);
        env[k++] = env_var("BATCH_TRACE_ID", si->trace_id);
        env[k++] = env_var("BATCH_DUE_TIME", iso_format_utc(si->due, iso));
        env[k++] = env_var("BATCH_FIRST_DUE_TIME", iso_format_utc(si->first_due, iso));
        env[k++] = env_var("BATCH_LAST_DUE_TIME", iso_format_utc(si->last_due, iso));
        env[k++] = env_var("BATCH_PROCESS_DATE", run_process_date(m, si, pdate));
        env[k++] = env_var("BATCH_DB", d->dsn);
        for (size_t i = 0; i < def->exec_env.n; i++)
                env[k++] = env_var(def->exec_env.keys[i], def->exec_env.vals[i]);
        /* Job parameters, overridden by the instance's (a submit's -p). */
        for (size_t i = 0; i < def->parameters.n + params.n; i++) {
                bool from_job = i < def->parameters.n;
                const char *key = from_job ? def->parameters.keys[i] : params.keys[i - def->parameters.n];
                const char *val = from_job ? def->parameters.vals[i] : params.vals[i - def->parameters.n];
                bool overridden = false;
                for (size_t j = 0; from_job && j < params.n; j++)
                        overridden |= !strcmp(params.keys[j], key);
                if (overridden)
                        continue;
                char name[200];
                size_t m = (size_t)snprintf(name, sizeof(name), "BATCH_PARAM_%s", key);
                for (size_t c = 12; c < m && c < sizeof(name); c++) {
                        char ch = name[c];
                        name[c] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32)
                                  : ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) ? ch
                                                                                         : '_';
                }
                env[k++] = env_var(name, val);
        }
        def_map_release(&params);
        return env;
}

static void free_env(char **env)
{
        for (size_t i = 0; env && env[i]; i++)
                free(env[i]);
        free(env);
}

/* A launched run whose execution is recorded but not yet committed: it gets its go
 * after the commit. */
struct go {
        struct run_handle h;
        int64_t exec_id;
        struct run *run;
        struct remote_call *call; /* a remote run's start call instead of a go (or NULL) */
};

static void tx_begin(struct daemon *d);
static void tx_end(struct daemon *d);

/* ---- remote (http executor) runs ---------------------------------------------------
 * A remote run has no supervisor: its execution is recorded with pid 0 and a callback
 * token (only its hash is stored), the HTTP calls are made by the remote worker's
 * threads (remote.h) after the commit, and their answers, the callbacks' final reports
 * (recorded by the API) and the polls end it with the same rules as a local run's end
 * (docs/remote-jobs.md). */

#define REMOTE_POLL_DEFAULT_S 900
#define REMOTE_TIMEOUT_DEFAULT_S 30
#define REMOTE_STOP_TIMEOUT_DEFAULT_S 60
#define REMOTE_STOPPING_POLL_S 5

static int remote_poll_s(const struct job_def *def)
{
        return def && def->http_poll_seconds > 0 ? def->http_poll_seconds : REMOTE_POLL_DEFAULT_S;
}

static struct run *run_remote_new(struct daemon *d, size_t tenant, int64_t instance,
                                  int64_t exec_id, const char *trace)
{
        struct run *r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->remote = true;
        r->tenant = tenant;
        r->instance = instance;
        r->exec_id = exec_id;
        r->pidfd = r->report_fd = r->go_fd = -1;
        snprintf(r->trace, sizeof(r->trace), "%s", trace ? trace : "");
        r->next = d->runs;
        if (d->runs)
                d->runs->prev = r;
        d->runs = r;
        d->nruns++;
        return r;
}

static struct run *remote_run_of_exec(struct daemon *d, int64_t exec_id)
{
        for (struct run *r = d->runs; r; r = r->next)
                if (r->remote && r->exec_id == exec_id)
                        return r;
        return NULL;
}

static const struct job_def *run_job(struct daemon *d, struct run *r, struct sched_inst **ret_in)
{
        struct tenant_rt *tr = &d->tenants[r->tenant];
        struct sched_inst *in = tr->sched ? sched_find_ext(tr->sched, r->instance) : NULL;
        if (ret_in)
                *ret_in = in;
        return in ? def_of(tr, in) : NULL;
}

/* The service's credentials header ("Authorization: Bearer X" / "Basic base64(u:p)") from
 * the file or the environment variable the job names, in *ret (NULL when it names none).
 * 0, or -1 with why (naming the file or variable, never the secret). */
static int remote_auth(const struct job_def *def, char **ret, char *why, size_t len)
{
        *ret = NULL;
        const char *file = def->http_bearer_file ? def->http_bearer_file : def->http_basic_file;
        const char *env = def->http_bearer_env ? def->http_bearer_env : def->http_basic_env;
        bool basic = def->http_basic_file || def->http_basic_env;
        if (!file && !env)
                return 0;
        char secret[4096];
        size_t n;
        if (file) {
                FILE *f = fopen(file, "re");
                if (!f) {
                        snprintf(why, len, "credentials file %s: %s", file, strerror(errno));
                        return -1;
                }
                n = fread(secret, 1, sizeof(secret) - 1, f);
                fclose(f);
        } else {
                const char *v = getenv(env);
                n = v ? strlen(v) : 0;
                if (n >= sizeof(secret))
                        n = sizeof(secret) - 1;
                if (v)
                        memcpy(secret, v, n);
        }
        secret[n] = '\0';
        while (n && (secret[n - 1] == '\n' || secret[n - 1] == '\r'))
                secret[--n] = '\0';
        const char *where = file ? file : env;
        if (!n || (basic && !strchr(secret, ':')) || strpbrk(secret, "\r\n")) {
                snprintf(why, len, "credentials %s %s: %s", file ? "file" : "variable", where,
                         !n ? "empty or not set" : basic ? "must hold user:password"
                                                       : "must be one line");
                sodium_memzero(secret, sizeof(secret));
                return -1;
        }
        size_t cap = 40 + (basic ? sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)
                                 : n + 1);
        char *h = malloc(cap);
        if (h && basic) {
                int k = snprintf(h, cap, "Authorization: Basic ");
                sodium_bin2base64(h + k, cap - (size_t)k, (const unsigned char *)secret, n,
                                  sodium_base64_VARIANT_ORIGINAL);
        } else if (h) {
                snprintf(h, cap, "Authorization: Bearer %s", secret);
        }
        sodium_memzero(secret, sizeof(secret));
        if (!h) {
                snprintf(why, len, "out of memory");
                return -1;
        }
        *ret = h;
        return 0;
}

/* {service}{context_path}{suffix}, without a doubled slash. */
static char *remote_url(const struct job_def *def, const char *suffix)
{
        const char *svc = def->http_service ? def->http_service : "";
        const char *cp = def->http_context_path ? def->http_context_path : "";
        size_t sl = strlen(svc);
        if (sl && svc[sl - 1] == '/' && (cp[0] == '/' || (!cp[0] && suffix[0] == '/')))
                sl--;
        size_t n = sl + strlen(cp) + strlen(suffix) + 1;
        char *u = malloc(n);
        if (u)
                snprintf(u, n, "%.*s%s%s", (int)sl, svc, cp, suffix);
        return u;
}

/* A call of op for run r of job def (url from the job, or given). */
static struct remote_call *remote_call_new(struct daemon *d, const struct job_def *def,
                                           enum remote_op op, size_t tenant, int64_t instance,
                                           int64_t exec_id, const char *trace, char *why,
                                           size_t len)
{
        (void)d;
        struct remote_call *c = calloc(1, sizeof(*c));
        char suffix[64] = "";
        if (op != REMOTE_OP_START)
                snprintf(suffix, sizeof(suffix), "/executions/%lld%s", (long long)exec_id,
                         op == REMOTE_OP_STOP ? "/stop" : "");
        if (!c || !(c->url = remote_url(def, suffix))) {
                remote_call_free(c);
                snprintf(why, len, "out of memory");
                return NULL;
        }
        if (remote_auth(def, &c->auth, why, len) < 0) {
                remote_call_free(c);
                return NULL;
        }
        c->op = op;
        c->tenant = tenant;
        c->instance_id = instance;
        c->execution_id = exec_id;
        snprintf(c->job, sizeof(c->job), "%s", def->name);
        snprintf(c->trace, sizeof(c->trace), "%s", trace ? trace : "");
        c->timeout_s = def->http_timeout_seconds > 0 ? def->http_timeout_seconds
                                                     : REMOTE_TIMEOUT_DEFAULT_S;
        return c;
}

/* The start request's body (docs/remote-jobs.md "Start"), or NULL with why. */
static char *remote_start_body(struct daemon *d, struct tenant_rt *tr, const struct job_def *def,
                               const struct sched_inst *in, const struct store_instance *si,
                               int64_t exec_id, int attempt, const char *secret, char *why,
                               size_t len)
{
        struct def_map params = {0};
        if (si->params)
                params_parse(si->params, &params, NULL);
        json_t *p = json_object();
        char pdate[OPS_PROCESS_DATE_MAX];
        const char *process_date = run_process_date(&tr->model, si, pdate);
        bool bad = false;
        for (size_t i = 0; i < def->parameters.n + params.n && !bad; i++) {
                bool from_job = i < def->parameters.n;
                const char *key = from_job ? def->parameters.keys[i]
                                           : params.keys[i - def->parameters.n];
                const char *val = from_job ? def->parameters.vals[i]
                                           : params.vals[i - def->parameters.n];
                char *plain = NULL;
                if (secrets_is_sealed(val)) {
                        struct batch_err err;
                        if (secrets_open(&d->secrets, val, &plain, &err) < 0) {
                                snprintf(why, len, "parameter %s: %s", key, err.msg);
                                bad = true;
                                break;
                        }
                        val = plain;
                }
                json_object_set_new(p, key, json_string(val)); /* the instance's override */
                if (plain) {
                        sodium_memzero(plain, strlen(plain));
                        free(plain);
                }
        }
        char due[ISO_FORMAT_MAX], first[ISO_FORMAT_MAX], last[ISO_FORMAT_MAX];
        iso_format_utc(in->due, due);
        iso_format_utc(in->first_due, first);
        iso_format_utc(in->last_due, last);
        json_object_set_new(p, "#DueTime", json_string(due));
        json_object_set_new(p, "#FirstDueTime", json_string(first));
        json_object_set_new(p, "#LastDueTime", json_string(last));
        json_object_set_new(p, "#ProcessDate", json_string(process_date));
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:s, s:O, s:s, s:s, s:s}", "job",
                              def->http_remote_job, "batchd_job", def->name, "tenant", tr->name,
                              "instance_id", (json_int_t)in->ext_id, "execution_id",
                              (json_int_t)exec_id, "attempt", attempt, "trace_id",
                              si->trace_id ? si->trace_id : "", "parameters", p, "due_time", due,
                              "first_due_time", first, "last_due_time", last);
        if (o)
                json_object_set_new(o, "process_date", json_string(process_date));
        if (o && d->callback_base[0]) {
                char url[700];
                snprintf(url, sizeof(url), "%s/api/v1/remote/instances/%lld/report",
                         d->callback_base, (long long)in->ext_id);
                json_object_set_new(o, "callback",
                                    json_pack("{s:s, s:s}", "url", url, "token", secret));
        }
        char *body = o && !bad ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        json_decref(p);
        def_map_release(&params);
        if (!body && !bad)
                snprintf(why, len, "out of memory");
        return body;
}

/* Launches remote instance `in` (in 2 Starting): records the execution and its callback
 * token in the caller's transaction; *g carries the start call, made after the commit. */
static bool launch_remote(struct daemon *d, size_t t, struct sched_inst *in, int64_t now,
                          struct go *g)
{
        struct tenant_rt *tr = &d->tenants[t];
        const struct job_def *def = def_of(tr, in);
        struct batch_err err = {0};
        struct store_instance si;
        char why[400] = "";
        int grc = store_instance_get(d->st, in->ext_id, &si, &err);
        if (grc < 0) {
                tx_note(d, grc, &err);
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, "repository error", now);
                return false;
        }
        char secret[TOKEN_SECRET_MAX], hash[TOKEN_HASH_LEN + 1];
        struct remote_call *c = remote_call_new(d, def, REMOTE_OP_START, t, in->ext_id, 0,
                                                si.trace_id, why, sizeof(why));
        if (!c || token_secret_new(secret) < 0) {
                if (c)
                        snprintf(why, sizeof(why), "cannot make a callback token");
                remote_call_free(c);
                store_instance_release(&si);
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, why, now);
                return false;
        }
        token_hash(secret, hash);
        struct store_execution e = {.instance_id = in->ext_id, .pid = 0, .node = d->node.name};
        int64_t exec_id = 0;
        int attempt = 0;
        int rc = store_execution_start(d->st, &e, now, &exec_id, &attempt, &err);
        if (rc == 0)
                rc = store_remote_run_add(d->st, exec_id, in->ext_id, hash, now, &err);
        if (rc == 0) {
                c->execution_id = exec_id;
                c->body = remote_start_body(d, tr, def, in, &si, exec_id, attempt, secret, why,
                                            sizeof(why));
                if (!c->body) {
                        rc = BATCH_EINVAL;
                        store_execution_finish(d->st, exec_id, -1, why, now, &err);
                }
        } else {
                tx_note(d, rc, &err);
                snprintf(why, sizeof(why), "%s", err.msg);
        }
        sodium_memzero(secret, sizeof(secret));
        struct run *r = rc == 0 ? run_remote_new(d, t, in->ext_id, exec_id, si.trace_id) : NULL;
        if (!r) {
                remote_call_free(c);
                store_instance_release(&si);
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, why[0] ? why : "out of memory",
                            now);
                return false;
        }
        memset(g, 0, sizeof(*g));
        g->call = c;
        g->run = r;
        g->exec_id = exec_id;
        atomic_fetch_add(&d->metrics.runs_started, 1);
        dlog("info", def->name, in->ext_id, exec_id, si.trace_id,
             "started attempt %d (remote job %s)", attempt, def->http_remote_job);
        store_instance_release(&si);
        return true;
}

/* The remote run ended: records the execution's end and tells the scheduler, as
 * run_ended does for a local run. exit_status: 0 success, 1 failed or stopped, -1 it
 * never ran (start failed) or was lost. */
static void remote_end(struct daemon *d, struct run *r, enum sched_end how, int exit_status,
                       const char *why, int64_t now)
{
        struct tenant_rt *tr = &d->tenants[r->tenant];
        struct sched_inst *in = tr->sched ? sched_find_ext(tr->sched, r->instance) : NULL;
        struct batch_err err;
        int rc = store_execution_finish(d->st, r->exec_id, exit_status, why, now, &err);
        tx_note(d, rc, &err);
        if (rc < 0 && rc != BATCH_ESTALE)
                dlog("error", NULL, r->instance, r->exec_id, r->trace, "%s", err.msg);
        if (in) {
                int64_t snow = offset_to_scheduling(&tr->model.offset, now);
                bool stopping = in->state == STATE_STOPPING || in->state == STATE_STOP_FAILED;
                if (how == SCHED_END_START_FAILED && in->state != STATE_STARTING)
                        how = stopping ? SCHED_END_STOPPED : SCHED_END_FAILED;
                if (how != SCHED_END_START_FAILED && in->state == STATE_STARTING)
                        sched_started(tr->sched, in, snow);
                if (how == SCHED_END_STOPPED && !stopping)
                        how = SCHED_END_FAILED;
                if (sched_ended(tr->sched, in, how, why, snow) < 0)
                        dlog("warn", NULL, r->instance, r->exec_id, r->trace,
                             "remote run ended in state %d: not recorded by the scheduler",
                             in->state);
                dlog("info", tr->model.jobs[in->job].name, r->instance, r->exec_id, r->trace,
                     "ended: %s", why ? why : "success");
        }
        atomic_fetch_add(&d->metrics.runs_finished, 1);
        run_forget(d, r);
}

/* A final report (callback, status answer or stop answer): success, failed, stopped. */
static void remote_final(struct daemon *d, struct run *r, const char *status, const char *message,
                         int64_t now)
{
        char why[600];
        struct sched_inst *in;
        run_job(d, r, &in);
        bool stopping = in && (in->state == STATE_STOPPING || in->state == STATE_STOP_FAILED);
        if (!strcmp(status, "success")) {
                remote_end(d, r, SCHED_END_SUCCESS, 0, NULL, now);
        } else if (!strcmp(status, "stopped")) {
                snprintf(why, sizeof(why), "%s%s%s",
                         stopping ? "stopped" : "stopped by the remote service",
                         message ? ": " : "", message ? message : "");
                remote_end(d, r, stopping ? SCHED_END_STOPPED : SCHED_END_FAILED, 1, why, now);
        } else {
                snprintf(why, sizeof(why), "remote: %s",
                         message ? message : "the remote run failed");
                remote_end(d, r, SCHED_END_FAILED, 1, why, now);
        }
}

/* The report's step executions, recorded in the current transaction. */
static void remote_steps(struct daemon *d, struct run *r, const struct remote_report *rep,
                         int64_t now)
{
        for (size_t i = 0; i < rep->nsteps; i++) {
                const struct remote_step *s = &rep->steps[i];
                struct store_step st = remote_step_row(s, r->exec_id);
                struct batch_err err;
                int rc = store_step_put(d->st, &st, now, NULL, &err);
                tx_note(d, rc, &err);
        }
}

/* The service's message in an answer: its JSON "message" (and "error"), else the start
 * of the body; control characters become spaces. */
static void answer_message(const struct remote_call *c, char *out, size_t len)
{
        out[0] = '\0';
        if (!c->answer)
                return;
        json_t *o = json_loadb(c->answer, c->answer_len, 0, NULL);
        const char *m = o ? json_string_value(json_object_get(o, "message")) : NULL;
        const char *e = o ? json_string_value(json_object_get(o, "error")) : NULL;
        if (m && e)
                snprintf(out, len, "%s: %s", e, m);
        else if (m || e)
                snprintf(out, len, "%s", m ? m : e);
        else
                snprintf(out, len, "%.200s", c->answer);
        json_decref(o);
        for (char *p = out; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = ' ';
}

static void remote_answer(struct daemon *d, struct run *r, struct remote_call *c, int64_t now)
{
        struct sched_inst *in;
        const struct job_def *def = run_job(d, r, &in);
        struct tenant_rt *tr = &d->tenants[r->tenant];
        int64_t snow = offset_to_scheduling(&tr->model.offset, now);
        char msg[400], why[600];
        answer_message(c, msg, sizeof(msg));
        long st = c->http_status;
        bool stopping = in && (in->state == STATE_STOPPING || in->state == STATE_STOP_FAILED);
        switch (c->op) {
        case REMOTE_OP_START:
                if (st >= 200 && st < 300) {
                        if (in && in->state == STATE_STARTING)
                                sched_started(tr->sched, in, snow);
                        r->next_poll_at = now + remote_poll_s(def);
                        return;
                }
                if (st == 404)
                        snprintf(why, sizeof(why), "unknown remote job \"%s\": %s",
                                 def ? def->http_remote_job : "?", msg[0] ? msg : "HTTP 404");
                else if (st >= 400 && st < 500)
                        snprintf(why, sizeof(why), "the remote service refused the start "
                                                   "(HTTP %ld): %s", st, msg);
                else if (st)
                        snprintf(why, sizeof(why), "the remote service failed (HTTP %ld): %s",
                                 st, msg);
                else
                        snprintf(why, sizeof(why), "the remote service did not answer: %s",
                                 c->error);
                remote_end(d, r, SCHED_END_START_FAILED, -1, why, now);
                return;
        case REMOTE_OP_STATUS: {
                r->call_inflight = false;
                int every = remote_poll_s(def);
                r->next_poll_at = now + (stopping && every > REMOTE_STOPPING_POLL_S
                                                 ? REMOTE_STOPPING_POLL_S
                                                 : every);
                if (st == 404) {
                        bool starting = in && in->state == STATE_STARTING;
                        snprintf(why, sizeof(why), "%sthe remote service does not know execution "
                                                   "%lld",
                                 starting ? "" : "lost: ", (long long)r->exec_id);
                        remote_end(d, r, starting ? SCHED_END_START_FAILED : SCHED_END_FAILED, -1,
                                   why, now);
                        return;
                }
                if (st != 200) {
                        dlog("warn", def ? def->name : NULL, r->instance, r->exec_id, r->trace,
                             "status call failed (%s); asking again in %d s",
                             st ? msg : c->error, every);
                        return;
                }
                struct remote_report rep;
                struct batch_err err;
                if (remote_report_parse(c->answer, c->answer_len, &rep, &err) < 0) {
                        dlog("warn", def ? def->name : NULL, r->instance, r->exec_id, r->trace,
                             "the status answer is not a report: %s", err.msg);
                        return;
                }
                remote_steps(d, r, &rep, now);
                if (rep.status == REMOTE_RUNNING) {
                        if (in && in->state == STATE_STARTING)
                                sched_started(tr->sched, in, snow);
                } else {
                        remote_final(d, r, remote_status_name(rep.status), rep.message, now);
                }
                remote_report_release(&rep);
                return;
        }
        case REMOTE_OP_NEXT_DUE: /* taken by take_answers, never here */
                return;
        case REMOTE_OP_STOP:
                if (st >= 200 && st < 300) {
                        json_t *o = c->answer ? json_loadb(c->answer, c->answer_len, 0, NULL)
                                              : NULL;
                        const char *s = o ? json_string_value(json_object_get(o, "status")) : NULL;
                        if (s && (!strcmp(s, "stopped") || !strcmp(s, "success") ||
                                  !strcmp(s, "failed")))
                                remote_final(d, r, s, NULL, now);
                        else
                                r->next_poll_at = now + REMOTE_STOPPING_POLL_S;
                        json_decref(o);
                        return;
                }
                r->stop_stage = 3;
                if (in && in->state == STATE_STOPPING)
                        sched_stop_failed(tr->sched, in, snow);
                dlog("error", def ? def->name : NULL, r->instance, r->exec_id, r->trace,
                     "the remote service %s the stop%s%s: Stop Failed",
                     st ? "refused" : "did not answer", st ? ": " : ": ", st ? msg : c->error);
                return;
        }
}

/* The answered calls of remote runs (take_answers), applied in the current
 * transaction. */
static void remote_answers(struct daemon *d)
{
        struct remote_call *c = d->answered;
        d->answered = NULL;
        d->answered_tail = &d->answered;
        int64_t now = dclock_now(&d->clock);
        while (c) {
                struct remote_call *next = c->next;
                struct run *r = remote_run_of_exec(d, c->execution_id);
                if (r && !r->dead)
                        remote_answer(d, r, c, now);
                remote_call_free(c);
                c = next;
        }
}

/* Status calls that are due (the poll, DESIGN §6). */
static void remote_polls(struct daemon *d)
{
        if (!d->remote)
                return;
        int64_t now = dclock_now(&d->clock);
        for (struct run *r = d->runs; r; r = r->next) {
                if (!r->remote || r->dead || r->call_inflight || !r->next_poll_at ||
                    now < r->next_poll_at)
                        continue;
                const struct job_def *def = run_job(d, r, NULL);
                if (!def)
                        continue;
                char why[400];
                struct remote_call *c = remote_call_new(d, def, REMOTE_OP_STATUS, r->tenant,
                                                        r->instance, r->exec_id, r->trace, why,
                                                        sizeof(why));
                if (!c) {
                        dlog("error", def->name, r->instance, r->exec_id, r->trace,
                             "status call: %s", why);
                        r->next_poll_at = now + remote_poll_s(def);
                        continue;
                }
                r->call_inflight = true;
                remote_worker_submit(d->remote, c);
        }
}

/* The callbacks' final reports the API recorded: applied like any end. */
static void take_remote_reports(struct daemon *d, int64_t now)
{
        struct store_remote_run_list l;
        struct batch_err err;
        if (store_remote_run_reports(d->st, &l, &err) < 0)
                return;
        if (l.n) {
                tx_begin(d);
                for (size_t i = 0; i < l.n; i++) {
                        struct run *r = remote_run_of_exec(d, l.items[i].execution_id);
                        if (r && !r->dead)
                                remote_final(d, r, l.items[i].reported_status,
                                             l.items[i].reported_message, now);
                }
                tx_end(d);
        }
        store_remote_run_list_release(&l);
}

/* Sends the stop call of a remote run (again, after a Stop Failed). */
static void remote_stop(struct daemon *d, struct run *r)
{
        if (r->stop_stage == 1 || r->stop_stage == 2)
                return;
        const struct job_def *def = run_job(d, r, NULL);
        if (!def || !d->remote)
                return;
        char why[400];
        struct remote_call *c = remote_call_new(d, def, REMOTE_OP_STOP, r->tenant, r->instance,
                                                r->exec_id, r->trace, why, sizeof(why));
        int timeout = def->http_stop_timeout_seconds > 0 ? def->http_stop_timeout_seconds
                                                         : REMOTE_STOP_TIMEOUT_DEFAULT_S;
        r->stop_stage = 1;
        r->stop_deadline_ms = mono_ms() + dclock_real_ms(&d->clock, timeout);
        if (!c) {
                dlog("error", def->name, r->instance, r->exec_id, r->trace, "stop call: %s", why);
                r->stop_deadline_ms = mono_ms();
                return;
        }
        remote_worker_submit(d->remote, c);
}

/* ---- next_due_api triggers (docs/remote-jobs.md "next_due_api triggers") ----------------
 *
 * Each enabled job with a next_due_api trigger goes round: ASK (a GET is to be made) ->
 * ASKING (under way, on the remote worker's threads) -> WAITING (the answer is kept in
 * next_due_answers, committed on its own, and handed to the scheduler, which creates
 * the instance when the time comes) -> ASK again once that instance is created. A GET
 * that fails (no answer, timeout, an HTTP status other than 200, or an answer that is
 * not a due time) is asked again after 10 s, 20 s, 40 s... (the daemon's clock) until
 * the trigger's `attempts` are used; then the failure is recorded as a Start Failed
 * instance (not scheduled, due at the failure) with a start_failed alert, once per run of
 * failures, and the GET is repeated every ND_FAILED_RETRY_S until it answers. An answer
 * not after the job's last due time is no new due time: asked again after
 * ND_STALE_RETRY_S. A restart reads the kept answer: when no instance was created for
 * it yet, the scheduler gets it without a GET (no skip); else the next GET is made (no
 * repeat; the unique slot key backs this). */

#define ND_TIMEOUT_DEFAULT_S 30
#define ND_ATTEMPTS_DEFAULT 4
#define ND_BACKOFF_FIRST_S 10
#define ND_BACKOFF_MAX_S 600
#define ND_FAILED_RETRY_S 300
#define ND_STALE_RETRY_S 300

/* The job's trigger zone (its timezone, else the tenant's). */
static const struct tz *nd_zone(const struct tenant_rt *tr, size_t j)
{
        return tr->model.jobs[j].zone ? tr->model.jobs[j].zone : tr->model.tenant.zone;
}

static bool nd_active(const struct tenant_rt *tr, size_t j)
{
        return tr->nd && tr->model.jobs[j].external_due && tr->model.jobs[j].enabled &&
               tr->model.defs[j]->next_due_api;
}

/* Moves job j's trigger to `phase` (ND_RETRY: asked again at `ask_at`) and keeps the
 * tenant's queue of GETs to make (tr->nd_due) in step, so that a turn costs the triggers
 * that change, not every job. */
static void nd_set_phase(struct tenant_rt *tr, size_t j, enum nd_phase phase, int64_t ask_at)
{
        tr->nd[j].phase = phase;
        if (phase == ND_ASK) {
                askq_now(&tr->nd_due, j);
        } else if (phase == ND_RETRY) {
                tr->nd[j].ask_at = ask_at;
                askq_at(&tr->nd_due, j, ask_at);
        } else {
                askq_remove(&tr->nd_due, j);
        }
}

/* After a (re)build: each trigger continues from its kept answer (see above). */
static void nd_restore(struct daemon *d, struct tenant_rt *tr)
{
        for (size_t j = 0; j < tr->model.njobs; j++) {
                struct nd_job *nd = &tr->nd[j];
                memset(nd, 0, sizeof(*nd));
                nd->phase = ND_ASK;
                if (!nd_active(tr, j))
                        continue;
                nd_set_phase(tr, j, ND_ASK, 0);
                int64_t due;
                struct batch_err err;
                if (store_next_due_get(d->st, tr->name, tr->model.jobs[j].name, &due, &err) < 0)
                        continue;
                if (sched_set_next_due(tr->sched, j, due) == 0) {
                        char iso[ISO_FORMAT_MAX];
                        nd_set_phase(tr, j, ND_WAITING, 0);
                        nd->due = due;
                        dlog("info", tr->model.jobs[j].name, 0, 0, NULL,
                             "next_due_api: the kept answer %s has no instance yet: it is "
                             "created when due, without asking again",
                             iso_format(due, nd_zone(tr, j), iso));
                }
        }
}

/* The scheduler created the instance of job j due at `due`: the trigger asks again
 * (after the commit, nd_calls). */
static void nd_created(struct tenant_rt *tr, size_t j, int64_t due)
{
        if (tr->nd && tr->nd[j].phase == ND_WAITING && due >= tr->nd[j].due)
                nd_set_phase(tr, j, ND_ASK, 0);
}

/* Records a trigger's failure as a Start Failed instance with its alert, in the caller's
 * transaction (see above). */
static void nd_failed_row(struct daemon *d, size_t t, size_t j, const char *why, int64_t now)
{
        struct tenant_rt *tr = &d->tenants[t];
        int64_t snow = offset_to_scheduling(&tr->model.offset, now);
        char trace[TRACE_ID_LEN + 1];
        trace_id_new(trace);
        struct store_instance si = {.tenant = (char *)tr->name,
                                    .job = (char *)tr->model.jobs[j].name, .scheduled = false,
                                    .due = snow, .first_due = snow, .last_due = snow,
                                    .state = STATE_START_FAILED, .reason = (char *)why,
                                    .trace_id = trace};
        char pdate[PROCDATE_TEXT_MAX];
        si.process_date = new_process_date(tr, snow, pdate);
        struct batch_err err = {0};
        int64_t id = 0;
        int rc = store_instance_create(d->st, &si, tr->model.scheduler_user, now, &id, &err);
        if (rc == 0) {
                /* Held like any instance of the job (a child it governs sees it). */
                struct sched_inst in = {.ext_id = id, .scheduled = false, .due = snow,
                                        .first_due = snow, .last_due = snow,
                                        .state = STATE_START_FAILED, .created_at = snow,
                                        .end_at = snow, .retry_at = INT64_MAX,
                                        .reason = why};
                sched_restore(tr->sched, j, &in, NULL);
                rc = alerts_on_transition(d->st, &d->set, tr->model.defs[j], tr->name, id,
                                          STATE_START_FAILED, why, 0, now, &err);
                d->alerts_raised = true;
        }
        tx_note(d, rc, &err);
        if (rc < 0)
                dlog("error", tr->model.jobs[j].name, id, 0, trace, "recording: %s", err.msg);
        else
                dlog("error", tr->model.jobs[j].name, id, 0, trace,
                     "%s: recorded as Start Failed instance %lld", why, (long long)id);
}

/* One answered GET, in the caller's transaction. Returns true when an answer was kept. */
static bool nd_answer(struct daemon *d, struct remote_call *c, int64_t now)
{
        if (c->generation != d->rebuilds || c->tenant >= d->ntenants)
                return false; /* asked before a rebuild: that state is gone */
        struct tenant_rt *tr = &d->tenants[c->tenant];
        long jl = sched_model_find(&tr->model, c->job);
        if (jl < 0 || !nd_active(tr, (size_t)jl) || tr->nd[jl].phase != ND_ASKING)
                return false;
        size_t j = (size_t)jl;
        struct nd_job *nd = &tr->nd[j];
        const struct job_def *def = tr->model.defs[j];
        const char *job = def->name;
        char why[600], msg[400], iso[ISO_FORMAT_MAX];
        if (c->http_status == 200) {
                int64_t due;
                int adjust = 0;
                struct batch_err err = {0};
                if (nextdue_parse(c->answer ? c->answer : "", c->answer_len, nd_zone(tr, j), &due,
                                  &adjust, &err) == 0) {
                        nd->failures = 0;
                        nd->reported = false;
                        iso_format(due, nd_zone(tr, j), iso);
                        if (sched_set_next_due(tr->sched, j, due) < 0) {
                                nd_set_phase(tr, j, ND_RETRY, now + ND_STALE_RETRY_S);
                                dlog("info", job, 0, 0, c->trace, "next_due_api answered %s, "
                                     "which is not after the job's last due time: no new due "
                                     "time; asking again in %d s", iso, ND_STALE_RETRY_S);
                                return false;
                        }
                        int rc = store_next_due_put(d->st, tr->name, job, due, now, &err);
                        tx_note(d, rc, &err);
                        nd_set_phase(tr, j, ND_WAITING, 0);
                        nd->due = due;
                        dlog("info", job, 0, 0, c->trace, "next_due_api: next due %s%s", iso,
                             adjust == 1   ? " (the answer fell in a daylight-saving gap: "
                                             "moved to the first instant after it)"
                             : adjust == 2 ? " (the answer occurs twice: its first occurrence)"
                                           : "");
                        return rc == 0;
                }
                snprintf(why, sizeof(why), "next_due_api %s answered no due time: %s", job,
                         err.msg);
        } else if (c->http_status) {
                answer_message(c, msg, sizeof(msg));
                snprintf(why, sizeof(why), "next_due_api %s failed: HTTP %ld%s%s", job,
                         c->http_status, msg[0] ? ": " : "", msg);
        } else {
                snprintf(why, sizeof(why), "next_due_api %s did not answer: %s", job, c->error);
        }
        nd->failures++;
        int attempts = def->next_due_attempts > 0 ? def->next_due_attempts
                                                  : ND_ATTEMPTS_DEFAULT;
        if (nd->failures < attempts) {
                int64_t delay = ND_BACKOFF_FIRST_S;
                for (int k = 1; k < nd->failures && delay < ND_BACKOFF_MAX_S; k++)
                        delay *= 2;
                if (delay > ND_BACKOFF_MAX_S)
                        delay = ND_BACKOFF_MAX_S;
                nd_set_phase(tr, j, ND_RETRY, now + delay);
                dlog("warn", job, 0, 0, c->trace, "%s; asking again in %lld s (attempt %d of %d)",
                     why, (long long)delay, nd->failures, attempts);
                return false;
        }
        nd_set_phase(tr, j, ND_RETRY, now + ND_FAILED_RETRY_S);
        if (!nd->reported) {
                char full[700];
                snprintf(full, sizeof(full), "%s (%d attempts)", why, nd->failures);
                nd_failed_row(d, c->tenant, j, full, now);
                nd->reported = true;
        } else {
                dlog("error", job, 0, 0, c->trace, "%s; still failing, asking again in %d s",
                     why, ND_FAILED_RETRY_S);
        }
        return false;
}

/* The GETs to make now (after the turn's commit): triggers in ASK, and in RETRY whose
 * time has come, taken from each tenant's queue (tr->nd_due). */
static void nd_calls(struct daemon *d)
{
        if (!d->remote || d->repo_failing)
                return;
        int64_t now = dclock_now(&d->clock);
        for (size_t t = 0; t < d->ntenants; t++) {
                struct tenant_rt *tr = &d->tenants[t];
                size_t j;
                while (tr->nd && askq_take(&tr->nd_due, now, &j)) {
                        if (!nd_active(tr, j))
                                continue;
                        const struct job_def *def = tr->model.defs[j];
                        struct remote_call *c = calloc(1, sizeof(*c));
                        if (!c || !(c->url = strdup(def->next_due_api))) {
                                remote_call_free(c);
                                nd_set_phase(tr, j, ND_RETRY, now + ND_BACKOFF_FIRST_S);
                                continue;
                        }
                        c->op = REMOTE_OP_NEXT_DUE;
                        c->tenant = t;
                        c->generation = d->rebuilds;
                        snprintf(c->job, sizeof(c->job), "%s", def->name);
                        trace_id_new(c->trace);
                        c->timeout_s = def->next_due_timeout_seconds > 0
                                               ? def->next_due_timeout_seconds
                                               : ND_TIMEOUT_DEFAULT_S;
                        nd_set_phase(tr, j, ND_ASKING, 0);
                        remote_worker_submit(d->remote, c);
                }
        }
}

/* The earliest daemon-clock second at which a trigger's GET is due (in RETRY), INT64_MAX
 * if none: the top of each tenant's queue. */
static int64_t nd_next_ask(const struct daemon *d)
{
        int64_t at = INT64_MAX;
        for (size_t t = 0; t < d->ntenants; t++) {
                int64_t a = askq_next_at(&d->tenants[t].nd_due);
                if (a < at)
                        at = a;
        }
        return at;
}

/* Takes the worker's answered calls: the next_due_api answers are applied at once, in a
 * transaction of their own, so that a kept answer is committed before any instance is
 * created for it; the remote runs' answers wait in d->answered for remote_answers. */
static void take_answers(struct daemon *d)
{
        if (!d->remote)
                return;
        struct remote_call *c = remote_worker_take(d->remote);
        int64_t now = dclock_now(&d->clock);
        bool kept = false, open = false;
        while (c) {
                struct remote_call *next = c->next;
                c->next = NULL;
                if (c->op == REMOTE_OP_NEXT_DUE) {
                        if (!open)
                                tx_begin(d);
                        open = true;
                        kept |= nd_answer(d, c, now);
                        remote_call_free(c);
                } else {
                        *d->answered_tail = c;
                        d->answered_tail = &c->next;
                }
                c = next;
        }
        if (!open)
                return;
        uint64_t failed = d->failed_txs;
        tx_end(d);
        /* Fault injection for tests/daemon/nextdue.sh: SIGKILL itself after the Nth
         * commit that kept an answer, before the instance for it is created. */
        if (kept && d->failed_txs == failed && d->fault_after_next_due > 0 &&
            --d->fault_after_next_due == 0) {
                dlog("warn", NULL, 0, 0, NULL, "BATCHD_FAULT_KILL_AFTER_NEXT_DUE: killed after "
                     "keeping a next_due_api answer, before its instance");
                raise(SIGKILL);
        }
}

/* The trigger latency of a first attempt launched now: from `from` (its due time, a
 * submit's creation; on the tenant's clock, `off`) to now, on the real clock only. */
static void observe_trigger(struct daemon *d, const struct time_offset *off, int64_t from)
{
        if (d->clock.virtual_clock)
                return;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t real = dclock_now(&d->clock);
        from += real - offset_to_scheduling(off, real); /* back from the tenant's offset */
        metrics_observe(&d->metrics.trigger_latency,
                        (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - from * 1000000);
}

/* Starts the supervisor of a run of instance *si of exec job `def` (its tenant's model
 * m), waiting for its go: its argv, its environment with the secrets opened. 0 with *h,
 * or -1 with the reason in why (len bytes). */
static int spawn_run(struct daemon *d, const struct sched_model *m, const struct job_def *def,
                     const struct store_instance *si, struct run_handle *h, char *why,
                     size_t len)
{
        char **argv = calloc(def->exec_command.n + 1, sizeof(*argv));
        char **env = argv ? run_env(d, m, def, si) : NULL;
        int rc = -1;
        why[0] = '\0';
        if (!argv || !env)
                snprintf(why, len, "out of memory");
        else if (secrets_open_env(&d->secrets, env, why, len) < 0 && !why[0])
                snprintf(why, len, "the job's secrets cannot be read");
        if (!why[0]) {
                for (size_t i = 0; i < def->exec_command.n; i++)
                        argv[i] = def->exec_command.items[i];
                struct run_spec spec = {.argv = argv, .shell = def->exec_shell, .envp = env,
                                        .workdir = def->exec_workdir, .user = def->exec_user,
                                        .dir = d->state_dir, .instance_id = si->id,
                                        .job = def->name, .trace_id = si->trace_id,
                                        .log_format = dlog_format(),
                                        .lease_watch = d->cluster.on};
                struct batch_err err = {0};
                rc = run_spawn(&d->spawner, &spec, h, &err);
                if (rc < 0)
                        snprintf(why, len, "%s", err.msg);
        }
        free(argv);
        free_env(env);
        return rc < 0 ? -1 : 0;
}

/* Launches inst (in 2 Starting): forks its supervisor and records the execution (in the
 * caller's transaction); *g is filled for the go after the commit. Returns false when
 * the launch failed (the instance is then Start Failed). */
static bool launch(struct daemon *d, size_t t, struct sched_inst *in, int64_t now, struct go *g)
{
        struct tenant_rt *tr = &d->tenants[t];
        const struct job_def *def = def_of(tr, in);
        struct batch_err err = {0};
        struct store_instance si;
        g->call = NULL;
        if (def->executor == EXECUTOR_HTTP)
                return launch_remote(d, t, in, now, g);
        if (def->executor != EXECUTOR_EXEC || def->exec_command.n == 0) {
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, "the job has no executor",
                            now);
                return false;
        }
        if (!labels_cover(d->node.labels, def->node_labels)) {
                /* One node: no other could run it (docs/cluster.md, "Labels"). */
                char why[2 * LABELS_TEXT_MAX + 96];
                snprintf(why, sizeof(why), "no node has the labels the job requires (%s); "
                         "this node has %s", def->node_labels,
                         d->node.labels[0] ? d->node.labels : "none");
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, why, now);
                return false;
        }
        int grc = store_instance_get(d->st, in->ext_id, &si, &err);
        if (grc < 0) {
                tx_note(d, grc, &err);
                dlog("error", def->name, in->ext_id, 0, NULL, "%s", err.msg);
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, "repository error", now);
                return false;
        }
        struct run_handle h;
        char why[400];
        if (spawn_run(d, &tr->model, def, &si, &h, why, sizeof(why)) < 0) {
                store_instance_release(&si);
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, why, now);
                return false;
        }
        char log_path[PATH_MAX], status_path[PATH_MAX];
        run_paths(d->state_dir, in->ext_id, h.pid, log_path, status_path, sizeof(log_path));
        struct store_execution e = {.instance_id = in->ext_id, .pid = h.pid,
                                    .log_path = log_path, .node = d->node.name};
        int64_t exec_id;
        int attempt;
        int src = store_execution_start(d->st, &e, now, &exec_id, &attempt, &err);
        if (src < 0) {
                tx_note(d, src, &err);
                run_abort(&h);
                store_instance_release(&si);
                sched_ended(tr->sched, in, SCHED_END_START_FAILED, err.msg, now);
                return false;
        }
        g->h = h;
        g->exec_id = exec_id;
        g->run = run_watch(d, t, in->ext_id, si.trace_id, exec_id, h.pid, h.report_fd, status_path, true);
        atomic_fetch_add(&d->metrics.runs_started, 1);
        if (attempt == 1)
                observe_trigger(d, &tr->model.offset, in->scheduled ? in->due : in->created_at);
        dlog("info", def->name, in->ext_id, exec_id, si.trace_id, "started attempt %d (pid %d)",
             attempt, (int)h.pid);
        store_instance_release(&si);
        return true;
}

/* Queues instance `id` of tenant t (in 2 Starting) for a launch when a slot is free.
 * False when out of memory. */
static bool queue_launch(struct daemon *d, size_t t, int64_t id)
{
        struct pending *p = calloc(1, sizeof(*p));
        if (!p)
                return false;
        p->tenant = t;
        p->instance = id;
        *d->pending_tail = p;
        d->pending_tail = &p->next;
        d->npending++;
        return true;
}

/* Its status file, once the record of the outcome is durable: after the commit, or at
 * once outside a transaction (a record then commits by itself). */
static void drop_status_file(struct daemon *d, struct run *r)
{
        if (d->tx_depth > 0)
                r->unlink_status = true;
        else
                unlink(r->status_path);
}

/* Run r's tenant (into *ret_tr) and its instance in that tenant's scheduler, or NULL:
 * none for a claimed run, whose instance the planner follows from the repository. */
static struct sched_inst *run_sched_inst(struct daemon *d, const struct run *r,
                                         struct tenant_rt **ret_tr)
{
        struct tenant_rt *tr = r->claimed ? NULL : &d->tenants[r->tenant];
        *ret_tr = tr;
        return tr && tr->sched ? sched_find_ext(tr->sched, r->instance) : NULL;
}

/* The run's supervisor got no go (its status file says "not-started"): the job never
 * started. The execution is withdrawn and the instance, still in 2 Starting, is
 * launched again, so a daemon that died between recording a launch and its go loses no
 * run and runs none twice (docs/daemon.md). */
static void run_not_started(struct daemon *d, struct run *r)
{
        if (r->claimed) {
                /* The claim goes back: the instance is offered again (one node or
                 * another launches it). */
                struct batch_err err;
                int rc = store_claim_return(d->st, r->exec_id, r->token, &err);
                tx_note(d, rc, &err);
                if (rc < 0 && rc != BATCH_ESTALE && rc != BATCH_ENOENT)
                        dlog("error", NULL, r->instance, r->exec_id, RTRACE(r),
                             "giving back the claim of an execution that never started: %s",
                             err.msg);
                else {
                        dlog("info", NULL, r->instance, r->exec_id, RTRACE(r),
                             "execution %lld never started (batchd stopped before its go): "
                             "withdrawn, the instance is offered again", (long long)r->exec_id);
                        drop_status_file(d, r);
                        d->claim_now = true;
                }
                r->end_recorded = rc == 0 || rc == BATCH_ESTALE || rc == BATCH_ENOENT;
                run_forget(d, r);
                return;
        }
        struct tenant_rt *tr = &d->tenants[r->tenant];
        struct sched_inst *in = tr->sched ? sched_find_ext(tr->sched, r->instance) : NULL;
        struct batch_err err;
        /* BATCH_ENOENT: the execution's record was never committed. */
        int rc = store_execution_withdraw(d->st, r->exec_id, &err);
        tx_note(d, rc, &err);
        if (rc < 0 && rc != BATCH_ENOENT) {
                dlog("error", NULL, r->instance, r->exec_id, RTRACE(r),
                     "withdrawing an execution that never started: %s", err.msg);
        } else {
                if (in && in->state == STATE_STARTING)
                        queue_launch(d, r->tenant, r->instance);
                dlog("info", in ? tr->model.jobs[in->job].name : NULL, r->instance, r->exec_id,
                     RTRACE(r), "execution %lld never started (batchd stopped before its go): "
                     "withdrawn%s", (long long)r->exec_id,
                     in && in->state == STATE_STARTING ? ", launching the run again" : "");
                drop_status_file(d, r);
        }
        r->end_recorded = rc == 0 || rc == BATCH_ENOENT;
        run_forget(d, r);
}

static struct run *run_of_instance(struct daemon *d, int64_t instance)
{
        for (struct run *r = d->runs; r; r = r->next)
                if (r->instance == instance)
                        return r;
        return NULL;
}

/* The trace id of instance `id` for a log line, into buf: its run's when it has one in
 * flight, else (when `ask_repo`) the repository's; NULL when unknown. */
static const char *instance_trace(struct daemon *d, int64_t id, bool ask_repo,
                                  char buf[TRACE_ID_LEN + 1])
{
        struct run *r = id ? run_of_instance(d, id) : NULL;
        if (r && r->trace[0])
                return memcpy(buf, r->trace, sizeof(r->trace));
        struct store_instance si;
        struct batch_err err;
        if (!id || !ask_repo || store_instance_get(d->st, id, &si, &err) < 0)
                return NULL;
        snprintf(buf, TRACE_ID_LEN + 1, "%s", si.trace_id ? si.trace_id : "");
        store_instance_release(&si);
        return buf[0] ? buf : NULL;
}

/* How long the daemon waits for a lost run's job to end after its SIGKILL. */
#define LOST_KILL_WAIT_MS 5000

/* Run r is lost (its supervisor ended without a word): its job may still run, in its
 * own process group, and must not run on beside a retry. Kills what is left of it
 * (daemon/jobkill.h), known from the supervisor's "running" report or, for a run taken
 * over after a restart, from the job file the supervisor wrote when its daemon went
 * away; then removes that file. Called before the end is recorded, so before any retry. */
static void run_lost_job(struct daemon *d, struct run *r)
{
        char path[PATH_MAX];
        run_job_path(d->state_dir, r->instance, r->pid, path, sizeof(path));
        struct run_job job = r->job;
        if (!job.pid)
                run_read_job(path, &job);
        if (job.pid) {
                size_t left = 0, n = job_kill(r->pid, &job, LOST_KILL_WAIT_MS, &left);
                if (n)
                        dlog(left ? "error" : "warn", NULL, r->instance, r->exec_id, RTRACE(r),
                             "lost run: its job (process group %d) was still running: "
                             "killed %zu process(es)%s", (int)job.pid, n,
                             left ? ", not all ended within 5 s" : "");
        }
        unlink(path);
}

/* The run ended with outcome *op: record it, tell the scheduler, forget the run. */
static void run_ended(struct daemon *d, struct run *r, const struct run_outcome *op,
                      int64_t now)
{
        struct run_outcome o = *op;
        if (o.kind == RUN_NOT_STARTED) {
                run_not_started(d, r);
                return;
        }
        int exit_status = o.kind == RUN_EXITED ? o.code : o.kind == RUN_SIGNALED ? -o.code : -1;
        char why[400] = "";
        if (o.kind == RUN_NONE) {
                run_lost_job(d, r);
                snprintf(why, sizeof(why), "lost: the run ended without a recorded status");
        }
        else if (o.kind == RUN_START_FAILED)
                snprintf(why, sizeof(why), "%s", o.msg);
        else if (o.kind == RUN_SIGNALED)
                snprintf(why, sizeof(why), "killed by signal %d", o.code);
        else if (o.code != 0)
                snprintf(why, sizeof(why), "exit status %d", o.code);
        struct batch_err err;
        /* A claimed run's end is its execution's, fenced by its claim (the planner
         * records the instance's state); the planner's own runs tell its scheduler. */
        int rc = r->claimed ? store_claim_finish(d->st, r->exec_id, r->token, exit_status,
                                                 why[0] ? why : NULL, now, &err)
                            : store_execution_finish(d->st, r->exec_id, exit_status,
                                                     why[0] ? why : NULL, now, &err);
        tx_note(d, rc, &err);
        struct tenant_rt *tr;
        struct sched_inst *in = run_sched_inst(d, r, &tr);
        if (r->claimed && rc != BATCH_EIO && rc != BATCH_ENOMEM)
                dlog("info", NULL, r->instance, r->exec_id, RTRACE(r), "ended: %s%s",
                     why[0] ? why : "success",
                     rc == BATCH_ESTALE ? " (not recorded: its end was recorded already, or "
                                          "its claim is no longer this node's)" : "");
        if (rc < 0 && rc != BATCH_ESTALE)
                dlog("error", NULL, r->instance, r->exec_id, RTRACE(r), "%s", err.msg);
        else if (r->status_file)
                drop_status_file(d, r);
        if (in) {
                int64_t snow = offset_to_scheduling(&tr->model.offset, now);
                bool exited = o.kind == RUN_EXITED || o.kind == RUN_SIGNALED;
                if (in->state == STATE_STARTING && exited)
                        sched_started(tr->sched, in,
                                      r->running_at ? offset_to_scheduling(&tr->model.offset,
                                                                           r->running_at)
                                                    : snow);
                bool stopping = in->state == STATE_STOPPING || in->state == STATE_STOP_FAILED;
                enum sched_end how;
                if (!exited)
                        how = in->state == STATE_STARTING ? SCHED_END_START_FAILED
                                                          : SCHED_END_FAILED;
                else if (o.kind == RUN_EXITED && o.code == 0)
                        how = SCHED_END_SUCCESS;
                else if (stopping)
                        how = SCHED_END_STOPPED;
                else
                        how = SCHED_END_FAILED;
                if (sched_ended(tr->sched, in, how, why[0] ? why : NULL, snow) < 0)
                        dlog("warn", NULL, r->instance, r->exec_id, RTRACE(r),
                             "run ended in state %d: not recorded by the scheduler", in->state);
                dlog("info", tr->model.jobs[in->job].name, r->instance, r->exec_id, RTRACE(r),
                     "ended: %s", why[0] ? why : "success");
        }
        atomic_fetch_add(&d->metrics.runs_finished, 1);
        r->end_recorded = rc == 0 || rc == BATCH_ESTALE;
        run_forget(d, r);
}

static void run_report(struct daemon *d, struct run *r, int64_t now);

/* Claimed run r's job runs: recorded on its execution (fenced by the claim), for the
 * planner to record 4 Running. */
static void run_claimed_running(struct daemon *d, struct run *r, int64_t now)
{
        struct batch_err err;
        int rc = store_claim_running(d->st, r->exec_id, r->token, now, &err);
        if (rc == 0)
                rc = store_notify(d->st, "batchd_run", &err);
        tx_note(d, rc, &err);
        if (rc < 0 && rc != BATCH_ESTALE)
                dlog("error", NULL, r->instance, r->exec_id, RTRACE(r), "recording that the "
                     "run is running: %s", err.msg);
}

/* The run ended (its supervisor exited): record the outcome it reported last on its
 * pipe (read first: its exit may come before the pipe in one batch of events), else
 * from its status file. */
static void run_finished(struct daemon *d, struct run *r, int64_t now)
{
        for (;;) {
                struct pollfd p = {.fd = r->report_fd, .events = POLLIN};
                if (r->report_fd < 0 || poll(&p, 1, 0) <= 0)
                        break;
                run_report(d, r, now);
                if (r->dead)
                        return; /* it reported its end */
        }
        struct run_outcome o;
        run_read_outcome(r->status_path, &o);
        r->status_file = o.kind != RUN_NONE;
        run_ended(d, r, &o, now);
}

/* A report of the supervisor: "running PID START" once the job runs (the job's first
 * process, kept in r->job for a lost run: run_lost_job), and when it ended "exit
 * N" or "signal N", sent before the supervisor writes (and fsyncs) the status file: the
 * end is recorded at once, and the supervisor exits on its own. */
static void run_report(struct daemon *d, struct run *r, int64_t now)
{
        char buf[300];
        ssize_t n = read(r->report_fd, buf, sizeof(buf) - 1);
        if (n <= 0) {
                epoll_ctl(d->epfd, EPOLL_CTL_DEL, r->report_fd, NULL);
                close(r->report_fd);
                r->report_fd = -1;
                return;
        }
        buf[n] = '\0';
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                bool whole = !r->report_partial && nl; /* a line from its start to its end */
                r->report_partial = !nl;
                if (nl)
                        *nl = '\0';
                struct tenant_rt *tr;
                struct sched_inst *in = run_sched_inst(d, r, &tr);
                struct run_outcome o = {.kind = RUN_NONE};
                int jp = 0;
                unsigned long long js = 0;
                if (whole && sscanf(line, "running %d %llu", &jp, &js) == 2 && jp > 0)
                        r->job = (struct run_job){.pid = jp, .start = js};
                if (whole && r->claimed && !strncmp(line, "running ", 8))
                        run_claimed_running(d, r, now);
                else if (whole && in && !strncmp(line, "running ", 8) &&
                         in->state == STATE_STARTING && !r->running_at) {
                        r->running_at = now;
                        r->running_by_ms = mono_ms() + RUNNING_DEFER_MS;
                }
                else if (whole && sscanf(line, "exit %d", &o.code) == 1)
                        o.kind = RUN_EXITED;
                else if (whole && sscanf(line, "signal %d", &o.code) == 1)
                        o.kind = RUN_SIGNALED;
                if (o.kind != RUN_NONE) {
                        run_ended(d, r, &o, now); /* forgets r */
                        return;
                }
                line = nl ? nl + 1 : NULL;
        }
}

/* Tells the scheduler of the "running" reports whose time has come, in the caller's
 * transaction. A report waits up to RUNNING_DEFER_MS, or until its run's end
 * (run_ended): a short run's start and end are then recorded in one commit, and the
 * commit of a start does not hold up the turn that records another run's end
 * (docs/daemon.md, "Runs and their supervisors"). */
static void record_running(struct daemon *d)
{
        int64_t t = mono_ms();
        for (struct run *r = d->runs; r; r = r->next) {
                if (!r->running_at || r->dead || t < r->running_by_ms)
                        continue;
                struct tenant_rt *tr;
                struct sched_inst *in = run_sched_inst(d, r, &tr);
                if (in && in->state == STATE_STARTING)
                        sched_started(tr->sched, in,
                                      offset_to_scheduling(&tr->model.offset, r->running_at));
                r->running_at = 0;
        }
}

/* Lowers *next_ms to the wait until the next "running" report is due (record_running). */
static void running_wait(const struct daemon *d, int64_t *next_ms)
{
        int64_t t = mono_ms();
        for (const struct run *r = d->runs; r; r = r->next)
                if (r->running_at && !r->dead && r->running_by_ms - t < *next_ms)
                        *next_ms = r->running_by_ms > t ? r->running_by_ms - t : 0;
}

static void stop_run(struct daemon *d, struct run *r)
{
        if (r->remote) {
                remote_stop(d, r);
                return;
        }
        if (r->stop_stage == 0) {
                kill(r->pid, SIGTERM);
                r->stop_stage = 1;
                r->stop_deadline_ms = mono_ms() + dclock_real_ms(&d->clock, STOP_GRACE_S);
        }
}

/* Stop escalation: SIGKILL after the grace period, Stop Failed if even that fails. */
static void stop_timers(struct daemon *d, int64_t now, int64_t *next_ms)
{
        int64_t t = mono_ms();
        for (struct run *r = d->runs; r; r = r->next) {
                if (r->stop_stage == 0 || r->stop_stage == 3)
                        continue;
                if (t >= r->stop_deadline_ms) {
                        if (r->stop_stage == 1 && !r->remote) {
                                kill(r->pid, SIGUSR1);
                                r->stop_stage = 2;
                                r->stop_deadline_ms = t + dclock_real_ms(&d->clock, KILL_WAIT_S);
                        } else {
                                r->stop_stage = 3;
                                struct tenant_rt *tr;
                                struct sched_inst *in = run_sched_inst(d, r, &tr);
                                if (in)
                                        sched_stop_failed(tr->sched, in,
                                                          offset_to_scheduling(&tr->model.offset,
                                                                               now));
                                /* A claimed run's planner records it (follow_claimed). */
                                struct batch_err err;
                                if (r->claimed &&
                                    store_claim_stop_failed(d->st, r->exec_id, r->token,
                                                            "the run did not end after SIGKILL",
                                                            &err) < 0)
                                        dlog("error", NULL, r->instance, r->exec_id, RTRACE(r),
                                             "recording the failed stop: %s", err.msg);
                                dlog("error", NULL, r->instance, r->exec_id, RTRACE(r),
                                     r->remote ? "the remote service did not confirm the stop "
                                                 "in time: Stop Failed"
                                               : "the run did not end after SIGKILL: Stop "
                                                 "Failed");
                                continue;
                        }
                }
                int64_t left = r->stop_deadline_ms - t;
                if (left < *next_ms)
                        *next_ms = left < 0 ? 0 : left;
        }
}

/* ---- the repository transaction ----------------------------------------------------------
 * One transaction per turn of the loop: the ends of the runs that arrived together, the
 * scheduler's records and the executions of the launches are one commit (one fsync),
 * and the launched runs get their go after it. Nested tx_begin/tx_end join the
 * outermost one. */

/* The fence of a turn's transaction (docs/cluster.md): when the planner lease no longer
 * names this node at its epoch, everything the turn writes is rolled back. */
static void fence(struct daemon *d)
{
        struct batch_err err = {0};
        int rc = cluster_fence(&d->cluster, d->st, &err);
        if (rc < 0) {
                d->fenced_out = rc == BATCH_ESTALE;
                d->tx_failed = true;
                snprintf(d->tx_error, sizeof(d->tx_error), "%s", err.msg);
        }
}

static void tx_begin(struct daemon *d)
{
        if (d->tx_depth++ > 0)
                return;
        struct batch_err err;
        d->tx_start_us = mono_us();
        d->tx_open = store_begin(d->st, &err) == 0;
        if (!d->tx_open)
                dlog("error", NULL, 0, 0, NULL, "%s", err.msg);
        else if (!d->own_tx)
                fence(d);
}

/* A transaction of this node's own (its claims and claimed runs): not fenced by the
 * planner lease, each write fenced by its claim token instead. */
static void tx_begin_own(struct daemon *d)
{
        if (d->tx_depth == 0)
                d->own_tx = true;
        tx_begin(d);
}

/* The transaction failed (rolled back): nothing of this turn is recorded. Said once
 * when the write path goes bad, then once a minute while it stays so; the daemon waits
 * (1 s, doubling up to 16 s), rebuilds its state from the repository and tries again. */
static void repo_failed(struct daemon *d, const char *msg, size_t launches)
{
        int64_t t = mono_ms();
        metrics_repo_failed(&d->metrics, (int64_t)time(NULL), msg);
        if (!d->repo_failing) {
                dlog("error", NULL, 0, 0, NULL,
                     "the repository refused this turn's writes: %s; nothing of it was recorded "
                     "(%zu launch(es) withdrawn before their start); retrying, health is "
                     "degraded until a write commits", msg, launches);
                d->failing_since_ms = t;
                d->retry_delay_ms = 1000;
        } else {
                if ((d->failed_txs + 1) % 8 == 0)
                        dlog("error", NULL, 0, 0, NULL, "the repository still refuses writes "
                             "(%llu failed attempts in %lld s): %s",
                             (unsigned long long)d->failed_txs + 1,
                             (long long)(t - d->failing_since_ms) / 1000, msg);
                d->retry_delay_ms = d->retry_delay_ms * 2 > 16000 ? 16000 : d->retry_delay_ms * 2;
        }
        d->failed_txs++;
        d->repo_failing = true;
        d->retry_at_ms = t + d->retry_delay_ms;
}

static void tx_end(struct daemon *d)
{
        if (--d->tx_depth > 0)
                return;
        struct batch_err err = {0};
        bool ok = true;
        if (d->tx_open && d->tx_failed) {
                ok = false;
                snprintf(err.msg, sizeof(err.msg), "%s", d->tx_error);
        } else if (d->tx_open && store_commit(d->st, &err) < 0) {
                ok = false;
        }
        if (!ok) {
                store_rollback(d->st);
                if (!d->fenced_out)
                        repo_failed(d, err.msg, d->ngos);
        } else if (d->tx_open && d->repo_failing) {
                dlog("info", NULL, 0, 0, NULL, "the repository accepts writes again (after %llu "
                     "failed attempts in %lld s)", (unsigned long long)d->failed_txs,
                     (long long)(mono_ms() - d->failing_since_ms) / 1000);
                d->repo_failing = false;
                d->failed_txs = 0;
                metrics_repo_ok(&d->metrics);
        }
        if (d->tx_open)
                metrics_observe(&d->metrics.repo_latency, mono_us() - d->tx_start_us);
        d->tx_open = false;
        d->tx_failed = false;
        d->fenced_out = false;
        d->own_tx = false;
        /* Stops: the move to Stopping is recorded first (or was lost with the
         * transaction: the stop is carried out anyway, its end recorded as usual). */
        for (struct run *r = d->runs; r; r = r->next)
                if (r->stop_pending) {
                        r->stop_pending = false;
                        stop_run(d, r);
                }
        /* Fault injection for the crash test (tests/daemon/crash.sh): SIGKILL itself at
         * the Nth commit that launched runs, after the commit and before any go. */
        if (ok && d->ngos && d->fault_before_go > 0 && --d->fault_before_go == 0) {
                dlog("warn", NULL, 0, 0, NULL, "BATCHD_FAULT_KILL_BEFORE_GO: killed after "
                     "recording %zu launch(es), before their go", d->ngos);
                raise(SIGKILL);
        }
        for (size_t i = 0; i < d->ngos; i++) {
                struct go *g = &d->gos[i];
                if (g->call) {
                        /* A remote run: its start call goes out once its execution and
                         * callback token are committed. */
                        if (ok) {
                                remote_worker_submit(d->remote, g->call);
                        } else {
                                if (g->run)
                                        run_forget(d, g->run);
                                remote_call_free(g->call);
                        }
                        g->call = NULL;
                        continue;
                }
                if (ok && run_go(&g->h, g->exec_id) == 0 && g->run) {
                        g->run->go_fd = g->h.go_fd; /* for the acknowledgement */
                        g->h.go_fd = -1;
                } else if (!ok) {
                        /* Its execution was rolled back: the supervisor exits silently,
                         * and the rebuild launches the instance again if it is due. */
                        if (g->run) {
                                g->h.report_fd = -1; /* the run's: run_forget closes it */
                                run_forget(d, g->run);
                        }
                        run_abort(&g->h);
                } else {
                        close(g->h.go_fd); /* no go: "not-started", launched again */
                        g->h.go_fd = -1;
                }
        }
        d->ngos = 0;
        /* The runs whose ends this transaction recorded: an acknowledgement tells each
         * supervisor that it need not write its status file (supervisor.h); without it
         * (the commit failed, or the run was only forgotten) the supervisor writes it. */
        for (struct run *r = d->graveyard; r; r = r->next) {
                if (ok && r->unlink_status)
                        unlink(r->status_path);
                r->unlink_status = false;
                if (r->go_fd < 0)
                        continue;
                if (ok && r->end_recorded)
                        run_ack(r->go_fd);
                close(r->go_fd);
                r->go_fd = -1;
        }
}

/* Room for one more go; false when out of memory. */
static bool go_reserve(struct daemon *d)
{
        if (d->ngos < d->capgos)
                return true;
        size_t cap = d->capgos ? 2 * d->capgos : 64;
        struct go *g = realloc(d->gos, cap * sizeof(*g));
        if (!g)
                return false;
        d->gos = g;
        d->capgos = cap;
        return true;
}

/* ---- carrying out the scheduler's actions --------------------------------------------- */

/* Whether runs of job `def` go through claims: exec jobs in a cluster (docs/cluster.md,
 * "Claims"); the planner launches remote (http) runs itself, and one node (SQLite)
 * launches everything itself. */
static bool claims_job(const struct daemon *d, const struct job_def *def)
{
        return d->cluster.on && def->executor == EXECUTOR_EXEC;
}

/* Offers instance `id` (in 2 Starting) to the nodes, in the current transaction, with
 * the labels its job requires; with labels its reason says which node it waits for. */
static int offer(struct daemon *d, const struct job_def *def, int64_t id, int64_t now,
                 struct batch_err *err)
{
        const char *labels = def->node_labels ? def->node_labels : "";
        int rc = store_instance_offer(d->st, id, labels, err);
        if (rc == 0 && *labels) {
                char why[LABELS_TEXT_MAX + 64];
                snprintf(why, sizeof(why), "waiting for a node with labels %s", labels);
                rc = store_instance_set_reason(d->st, id, STATE_STARTING, why, now, err);
        }
        return rc;
}

/* A stop of a claimed job's instance, just moved to 10 Stopping in the current
 * transaction: an offer nobody claimed yet is withdrawn (the instance is then ended as
 * stopped after the commit: was_unoffered); a claimed run's node is woken to stop it. */
static int unoffer(struct daemon *d, int64_t id, struct batch_err *err)
{
        bool withdrawn = false;
        int rc = store_instance_unoffer(d->st, id, &withdrawn, err);
        if (rc == 0 && withdrawn) {
                if (d->nunoffered == d->capunoffered) {
                        size_t cap = d->capunoffered ? 2 * d->capunoffered : 16;
                        int64_t *u = realloc(d->unoffered, cap * sizeof(*u));
                        if (!u)
                                return batch_err_set(err, BATCH_ENOMEM, NULL, "out of memory");
                        d->unoffered = u;
                        d->capunoffered = cap;
                }
                d->unoffered[d->nunoffered++] = id;
        } else if (rc == 0) {
                rc = store_notify(d->st, "batchd_offer", err);
        }
        return rc;
}

/* Whether this turn's stop of instance `id` withdrew its offer (unoffer). */
static bool was_unoffered(const struct daemon *d, int64_t id)
{
        for (size_t i = 0; i < d->nunoffered; i++)
                if (d->unoffered[i] == id)
                        return true;
        return false;
}

static int persist(struct daemon *d, size_t t, const struct sched_action *a, int64_t now)
{
        struct tenant_rt *tr = &d->tenants[t];
        struct sched_inst *in = a->inst;
        const char *job = tr->model.jobs[in->job].name;
        struct batch_err err = {0};
        int rc = 0;
        switch (a->kind) {
        case SCHED_CREATE: {
                if (in->ext_id)
                        return 0; /* a submit already in the repository */
                char trace[TRACE_ID_LEN + 1];
                trace_id_new(trace);
                struct store_instance si = {.tenant = (char *)tr->name, .job = (char *)job,
                                            .scheduled = in->scheduled, .due = in->due,
                                            .first_due = in->first_due, .last_due = in->last_due,
                                            .state = STATE_INIT, .trace_id = trace};
                char pdate[PROCDATE_TEXT_MAX];
                si.process_date = new_process_date(tr, in->due, pdate);
                int64_t id;
                /* Submitted by the tenant's scheduler user (a submit is already stored,
                 * with its submitter). */
                rc = store_instance_create(d->st, &si, tr->model.scheduler_user, now, &id, &err);
                /* Not max_seen_id: a submit another process committed just before
                 * has a lower id and must still be found by take_submits (which skips
                 * the instances it already holds). */
                if (rc == 0) {
                        sched_set_ext_id(tr->sched, in, id);
                        if (in->scheduled)
                                nd_created(tr, in->job, in->due);
                }
                break;
        }
        case SCHED_WARN: {
                struct alert_event ev = {.tenant = tr->name, .job = job,
                                         .instance_id = in->ext_id, .kind = "timeout_warning",
                                         .message = a->reason};
                rc = alerts_raise(d->st, &d->set, def_of(tr, in), &ev, now, NULL, &err);
                d->alerts_raised = true;
                break;
        }
        case SCHED_REASON: /* still waiting, for something else now */
                rc = store_instance_set_reason(d->st, in->ext_id, a->from, a->reason, now, &err);
                break;
        default:
                rc = store_instance_transition(d->st, in->ext_id, a->from, a->to, "scheduler",
                                               a->reason && *a->reason ? a->reason : NULL, now,
                                               &err);
                /* In a cluster an exec run is offered to the nodes, and a stop is told
                 * them (docs/cluster.md, "Claims"). */
                if (rc == 0 && a->kind == SCHED_START && claims_job(d, def_of(tr, in)))
                        rc = offer(d, def_of(tr, in), in->ext_id, now, &err);
                else if (rc == 0 && a->kind == SCHED_STOP && claims_job(d, def_of(tr, in)))
                        rc = unoffer(d, in->ext_id, &err);
                /* Failures, partial data failures, long runs and recoveries alert, in
                 * the same transaction (docs/alerts.md). */
                if (rc == 0 && (a->to == STATE_SUCCESS || a->to == STATE_FAILED ||
                                a->to == STATE_START_FAILED || a->to == STATE_TIMEOUT_FAILED ||
                                a->to == STATE_STOP_FAILED)) {
                        int64_t run_s = in->start_at && in->end_at >= in->start_at
                                                ? in->end_at - in->start_at
                                                : 0;
                        rc = alerts_on_transition(d->st, &d->set, def_of(tr, in), tr->name,
                                                  in->ext_id, a->to, a->reason, run_s, now,
                                                  &err);
                        d->alerts_raised = true;
                }
                break;
        }
        tx_note(d, rc, &err);
        char trace[TRACE_ID_LEN + 1];
        if (rc < 0 && !d->tx_failed)
                dlog("error", job, in->ext_id, 0, instance_trace(d, in->ext_id, false, trace),
                     "recording: %s", err.msg);
        return rc;
}

/* Advances every tenant's scheduler to now and carries out its actions: all records in
 * one transaction first, then launches and stops. */
static void advance(struct daemon *d)
{
        for (size_t t = 0; t < d->ntenants; t++) {
                struct tenant_rt *tr = &d->tenants[t];
                for (int round = 0; round < 100; round++) {
                        int64_t now = dclock_now(&d->clock);
                        int64_t snow = offset_to_scheduling(&tr->model.offset, now);
                        sched_actions_clear(&d->acts);
                        if (sched_advance(tr->sched, snow, &d->acts) < 0 || d->acts.n == 0)
                                break;
                        tx_begin(d);
                        d->nunoffered = 0;
                        for (size_t i = 0; i < d->acts.n && !d->tx_failed; i++)
                                persist(d, t, &d->acts.items[i], now);
                        bool failed = d->tx_failed;
                        tx_end(d);
                        /* A failed write: the turn is rolled back and the state rebuilt
                         * from the repository (tx_end, the loop). */
                        if (failed)
                                return;
                        for (size_t i = 0; i < d->acts.n; i++) {
                                const struct sched_action *a = &d->acts.items[i];
                                bool claims = claims_job(d, def_of(tr, a->inst));
                                if (a->kind == SCHED_START && claims) {
                                        d->claim_now = true; /* offered: maybe ours */
                                } else if (a->kind == SCHED_START) {
                                        if (!queue_launch(d, t, a->inst->ext_id))
                                                sched_ended(tr->sched, a->inst,
                                                            SCHED_END_START_FAILED,
                                                            "out of memory", snow);
                                } else if (a->kind == SCHED_STOP) {
                                        struct run *r = run_of_instance(d, a->inst->ext_id);
                                        if (r)
                                                r->stop_pending = true; /* after the commit */
                                        else if (!claims || was_unoffered(d, a->inst->ext_id))
                                                sched_ended(tr->sched, a->inst, SCHED_END_STOPPED,
                                                            NULL, snow);
                                        /* else its node stops it, seeing 10 Stopping */
                                }
                        }
                }
        }
}

/* Launches waiting instances while run slots are free (`--max-runs`) and the node is
 * not draining (node.h): the executions are recorded in the current transaction, and
 * each run gets its go only after its commit (tx_end), so no run starts unrecorded. */
static void drain_pending(struct daemon *d)
{
        tx_begin(d);
        while (d->pending && d->nruns < d->max_runs && node_may_launch(&d->node) &&
               !d->tx_failed) {
                struct pending *p = d->pending;
                d->pending = p->next;
                d->npending--;
                if (!d->pending)
                        d->pending_tail = &d->pending;
                if (p->tenant < d->ntenants) {
                        struct tenant_rt *tr = &d->tenants[p->tenant];
                        struct sched_inst *in = sched_find_ext(tr->sched, p->instance);
                        int64_t now = offset_to_scheduling(&tr->model.offset,
                                                           dclock_now(&d->clock));
                        if (in && in->state == STATE_STARTING && !go_reserve(d))
                                sched_ended(tr->sched, in, SCHED_END_START_FAILED,
                                            "out of memory", now);
                        else if (in && in->state == STATE_STARTING &&
                                 launch(d, p->tenant, in, now, &d->gos[d->ngos]))
                                d->ngos++;
                }
                free(p);
        }
        tx_end(d);
}

/* ---- loading and restoring from the repository --------------------------------------- */

static void log_overlay_diags(const struct diag_list *diags)
{
        for (size_t i = 0; i < diags->n; i++) {
                const struct diag *g = &diags->items[i];
                dlog("error", NULL, 0, 0, NULL, "--overlay: %s:%d:%d: %s%s%s",
                     g->pos.file ? g->pos.file : "", g->pos.line, g->pos.col,
                     g->key ? g->key : "", g->key ? ": " : "", g->msg);
        }
}

/* The stored definitions' stamp (store_defs_stamp, read first: a change landing
 * meanwhile moves it past what is listed; -1 when unknown) into *ret_stamp and their
 * listing into *l (store_def_list_release after). 0, or -1 (logged). */
static int list_defs(struct daemon *d, struct store_def_list *l, int64_t *ret_stamp)
{
        struct batch_err err;
        if (store_defs_stamp(d->st, ret_stamp, &err) < 0)
                *ret_stamp = -1;
        if (store_def_list(d->st, NULL, NULL, l, &err) < 0) {
                dlog("error", NULL, 0, 0, NULL, "%s", err.msg);
                return -1;
        }
        return 0;
}

/* What identifies a listing's definitions: tenant/kind/name/version of each, one a
 * line (caller frees; NULL when out of memory). */
static char *listing_key(const struct store_def_list *l)
{
        struct buf k;
        buf_init(&k, 0);
        for (size_t i = 0; i < l->n; i++)
                buf_printf(&k, "%s/%s/%s/%lld\n", l->items[i].tenant, l->items[i].kind,
                           l->items[i].name, (long long)l->items[i].version);
        return buf_detach(&k);
}

/* Reads every definition of the repository into *set (with the overlay), their key
 * (listing_key) into *key (free it) and the definitions' stamp into *ret_stamp (as
 * list_defs). 0 or -1 (logged). */
static int load_defs(struct daemon *d, struct defset *set, char **key, int64_t *ret_stamp)
{
        struct store_def_list l;
        if (list_defs(d, &l, ret_stamp) < 0)
                return -1;
        struct diag_list diags = {0, NULL};
        /* The stored definitions were validated when applied: their key positions only
         * serve the overlay's diagnostics. Not recording them spares the allocations
         * (and the holes their freeing left among the definitions' strings). */
        set->no_key_positions = !d->overlay.ndocs;
        *key = listing_key(&l);
        for (size_t i = 0; i < l.n; i++) {
                char name[512];
                snprintf(name, sizeof(name), "repository:%s/%s/%s", l.items[i].tenant,
                         l.items[i].kind, l.items[i].name);
                defs_load_buffer(set, name, l.items[i].spec, strlen(l.items[i].spec), &diags);
        }
        for (size_t i = 0; i < diags.n; i++)
                dlog("error", NULL, 0, 0, NULL, "%s: %s", diags.items[i].pos.file,
                     diags.items[i].msg);
        diag_list_release(&diags);
        store_def_list_release(&l);
        /* This environment's overlay (docs/environments.md): a document with a problem is
         * left out and logged; at the start that stops batchd (main). */
        d->overlay_problems = 0;
        if (d->overlay.ndocs && (defs_overlay_apply(set, &d->overlay, &diags) < 0 ||
                                 defs_validate(set, &diags) < 0)) {
                diag_list_release(&diags);
                return -1;
        }
        log_overlay_diags(&diags);
        d->overlay_problems = diags.n;
        diag_list_release(&diags);
        return 0;
}

/* Reads --overlay into d->overlay (the old one is kept when the file has a problem,
 * logged). Returns 0 or -1. */
static int load_overlay(struct daemon *d)
{
        struct defset ov = {0};
        struct diag_list diags = {0, NULL};
        char *path = (char *)d->overlay_path;
        if (defs_load_paths(&ov, &path, 1, &diags) < 0 || diags.n) {
                log_overlay_diags(&diags);
                diag_list_release(&diags);
                defset_release(&ov);
                return -1;
        }
        /* d->set borrows file names from the current overlay until the next rebuild (which
         * follows every load): the one before that is no longer borrowed from. */
        defset_release(&d->overlay_old);
        d->overlay_old = d->overlay;
        d->overlay = ov;
        return 0;
}

static void restore_one(struct daemon *d, size_t t, const struct store_instance *si, int64_t now)
{
        struct tenant_rt *tr = &d->tenants[t];
        if (si->id > d->max_seen_id)
                d->max_seen_id = si->id;
        if (sched_find_ext(tr->sched, si->id))
                return;
        long job = sched_model_find(&tr->model, si->job);
        if (job < 0)
                return; /* its job was deleted: nothing schedules it any more */
        struct sched_inst in = {.ext_id = si->id, .scheduled = si->scheduled, .due = si->due,
                                .first_due = si->first_due, .last_due = si->last_due,
                                .state = si->state, .created_at = si->created_at,
                                .retry_at = INT64_MAX, .reason = si->reason};
        struct store_execution_list ex = {0, NULL};
        struct batch_err err;
        store_execution_list(d->st, si->id, &ex, &err);
        in.runs = (int)ex.n;
        in.retries = ex.n > 1 ? (int)ex.n - 1 : 0;
        if (ex.n) {
                in.first_start_at = ex.items[0].started_at;
                in.start_at = ex.items[ex.n - 1].started_at;
        }
        if (state_is_final(si->state))
                in.end_at = si->updated_at;
        struct sched_inst *held;
        int64_t snow = offset_to_scheduling(&tr->model.offset, now);
        if (sched_restore(tr->sched, (size_t)job, &in, &held) < 0) {
                store_execution_list_release(&ex);
                return;
        }
        /* A run that was in flight: reattach to it, or record how it ended. */
        if (si->state == STATE_STARTING || si->state == STATE_RUNNING ||
            si->state == STATE_STOPPING || si->state == STATE_STOP_FAILED) {
                const struct store_execution *last = ex.n ? &ex.items[ex.n - 1] : NULL;
                /* Each move to 2 Starting is one launch: fewer executions than such
                 * moves means the current attempt was never launched. */
                size_t launches = 0;
                struct store_transition_list h = {0, NULL};
                if (si->state == STATE_STARTING &&
                    store_instance_history(d->st, si->id, &h, &err) == 0)
                        for (size_t i = 0; i < h.n; i++)
                                launches += h.items[i].to_state == STATE_STARTING;
                store_transition_list_release(&h);
                bool claims = claims_job(d, def_of(tr, held));
                if (si->state == STATE_STARTING && ex.n < launches && claims) {
                        /* Never launched, or its claim given back: offered (again). */
                        struct batch_err oerr;
                        int rc = offer(d, def_of(tr, held), si->id, now, &oerr);
                        tx_note(d, rc, &oerr);
                        d->claim_now = true;
                } else if (si->state == STATE_STARTING && ex.n < launches) {
                        /* Never launched (the go protocol guarantees it did not run):
                         * launch it now. */
                        queue_launch(d, t, si->id);
                } else if (!last || last->finished) {
                        /* Its end was recorded but not its state. */
                        /* exit status -1: it never ran (start failed, or lost). */
                        if (last && si->state == STATE_STARTING && last->exit_status != -1)
                                sched_started(tr->sched, held, snow);
                        enum sched_end how = !last ? SCHED_END_FAILED
                                             : si->state == STATE_STARTING &&
                                                               last->exit_status == -1
                                                     ? SCHED_END_START_FAILED
                                             : last->exit_status == 0 ? SCHED_END_SUCCESS
                                             : si->state == STATE_STOPPING ||
                                                               si->state == STATE_STOP_FAILED
                                                     ? SCHED_END_STOPPED
                                                     : SCHED_END_FAILED;
                        sched_ended(tr->sched, held, how, last ? last->error : "lost", snow);
                } else if (claims) {
                        /* A claimed run going on (or lost with its node): followed from
                         * the repository (follow_claimed). */
                        d->progress_now = true;
                } else if (def_of(tr, held)->executor == EXECUTOR_HTTP) {
                        /* A remote run: asked for its status at once; a stop that was
                         * under way is sent again. */
                        struct run *r = run_remote_new(d, t, si->id, last->id, si->trace_id);
                        if (r) {
                                r->next_poll_at = now;
                                r->stop_pending = si->state == STATE_STOPPING;
                        }
                        dlog("info", si->job, si->id, last->id, si->trace_id,
                             "remote run still going after a restart: asking its service");
                } else {
                        char log_path[PATH_MAX], status_path[PATH_MAX];
                        run_paths(d->state_dir, si->id, (pid_t)last->pid, log_path, status_path,
                                  sizeof(log_path));
                        struct run_outcome o;
                        run_read_outcome(status_path, &o);
                        enum run_supervisor_state sv =
                                o.kind != RUN_NONE ? RUN_SUPERVISOR_GONE
                                                   : run_supervisor_state((pid_t)last->pid,
                                                                          last->id, si->id);
                        struct run *r = run_watch(d, t, si->id, si->trace_id, last->id, (pid_t)last->pid, -1,
                                                  status_path, sv != RUN_SUPERVISOR_GONE);
                        if (r && r->gone) {
                                run_finished(d, r, now); /* it had ended (or just did) */
                        } else if (r && sv == RUN_SUPERVISOR_RUNNING) {
                                if (si->state == STATE_STARTING)
                                        sched_started(tr->sched, held, snow);
                                dlog("info", si->job, si->id, last->id, si->trace_id,
                                     "still running after a restart: supervising it again");
                        }
                        /* RUN_SUPERVISOR_WAITING: its daemon died before the go; it is
                         * about to say "not-started" and exit, and its end launches the
                         * run again (run_not_started). */
                }
        }
        store_execution_list_release(&ex);
}

static void restore_list(struct daemon *d, size_t t, struct store_instance_filter *f, int64_t now,
                         bool all_pages)
{
        struct batch_err err;
        for (;;) {
                struct store_instance_list l;
                if (store_instance_list(d->st, f, &l, &err) < 0) {
                        dlog("error", NULL, 0, 0, NULL, "%s", err.msg);
                        return;
                }
                for (size_t i = 0; i < l.n; i++)
                        restore_one(d, t, &l.items[i], now);
                size_t n = l.n;
                if (n)
                        f->after_id = l.items[n - 1].id;
                store_instance_list_release(&l);
                if (!all_pages || n < (f->limit ? f->limit : 100))
                        return;
        }
}

static void restore_id(struct daemon *d, size_t t, int64_t id, int64_t now)
{
        struct store_instance si;
        struct batch_err err;
        if (store_instance_get(d->st, id, &si, &err) < 0) {
                dlog("error", NULL, id, 0, NULL, "%s", err.msg);
                return;
        }
        restore_one(d, t, &si, now);
        store_instance_release(&si);
}

/* Finds, for each job of the tenant, the id of its latest scheduled instance
 * (*ret_latest) and, for each parent job, of its newest instance due by now
 * (*ret_parent); 0 where there is none. One pass over the tenant's instances, newest
 * first, that stops once all are found (one query per job would read the whole table
 * each time with a large history). Returns 0 (free both arrays) or -1. */
static int restore_points(struct daemon *d, struct tenant_rt *tr, int64_t now,
                          int64_t **ret_latest, int64_t **ret_parent)
{
        size_t n = tr->model.njobs;
        int64_t *latest = calloc(n + 1, sizeof(*latest)), *parent = calloc(n + 1, sizeof(*parent));
        bool *need = calloc(n + 1, sizeof(*need));
        if (!latest || !parent || !need) {
                free(latest);
                free(parent);
                free(need);
                return -1;
        }
        size_t missing = n;
        for (size_t j = 0; j < n; j++)
                for (size_t k = 0; k < tr->model.jobs[j].ndeps; k++) {
                        size_t p = tr->model.jobs[j].deps[k].parent;
                        missing += !need[p];
                        need[p] = true;
                }
        int64_t due_to = offset_to_scheduling(&tr->model.offset, now) + 1;
        struct store_instance_filter f = {.tenant = tr->name, .state = -1, .newest_first = true,
                                          .limit = 5000};
        while (missing > 0) {
                struct store_instance_list l;
                struct batch_err err;
                if (store_instance_list(d->st, &f, &l, &err) < 0) {
                        dlog("error", NULL, 0, 0, NULL, "%s", err.msg);
                        break;
                }
                for (size_t i = 0; i < l.n; i++) {
                        const struct store_instance *si = &l.items[i];
                        long j = sched_model_find(&tr->model, si->job);
                        if (j < 0)
                                continue;
                        if (si->scheduled && !latest[j]) {
                                latest[j] = si->id;
                                missing--;
                        }
                        if (need[j] && !parent[j] && si->due < due_to) {
                                parent[j] = si->id;
                                missing--;
                        }
                }
                size_t got = l.n;
                if (got)
                        f.after_id = l.items[got - 1].id;
                store_instance_list_release(&l);
                if (got < f.limit)
                        break;
        }
        free(need);
        *ret_latest = latest;
        *ret_parent = parent;
        return 0;
}

static void free_tenants(struct daemon *d)
{
        /* The planner's runs go with its model; claimed runs are this node's own. */
        for (struct run *r = d->runs, *next; r; r = next) {
                next = r->next;
                if (!r->claimed)
                        run_forget(d, r);
        }
        /* The instances waiting for a slot are in 2 Starting without an execution: the
         * restore queues each again (once). */
        while (d->pending) {
                struct pending *p = d->pending;
                d->pending = p->next;
                free(p);
        }
        d->pending_tail = &d->pending;
        d->npending = 0;
        for (size_t i = 0; i < d->ntenants; i++) {
                free(d->tenants[i].nd);
                askq_release(&d->tenants[i].nd_due);
                sched_free(d->tenants[i].sched);
                sched_model_release(&d->tenants[i].model);
        }
        free(d->tenants);
        d->tenants = NULL;
        d->ntenants = 0;
        defset_release(&d->set);
        free(d->defs_key);
        d->defs_key = NULL;
}

/* The source position of every key is kept for diagnostics only; the definitions in
 * the repository were validated when applied, and the schedulers are built: free them
 * (a few hundred bytes per job). */
static void drop_key_positions(struct defset *set)
{
        for (size_t i = 0; i < set->ndocs; i++) {
                struct def_doc *doc = &set->docs[i];
                for (size_t k = 0; k < doc->nkeys; k++)
                        free(doc->keys[k].path);
                free(doc->keys);
                doc->keys = NULL;
                doc->nkeys = 0;
        }
}

/* (Re)builds every tenant's scheduler from definitions loaded by load_defs: *set, its
 * key and stamp, all taken over (the ones in use are released first). 0 or -1. */
static int rebuild_from(struct daemon *d, struct defset *set, char *key, int64_t stamp)
{
        d->rebuilds++;
        free_tenants(d);
        d->set = *set;
        *set = (struct defset){0};
        d->defs_key = key;
        d->defs_stamp = stamp;
        /* The tenants with at least one job. */
        d->tenants = calloc(d->set.ndocs + 1, sizeof(*d->tenants));
        if (!d->tenants)
                return -1;
        for (size_t i = 0; i < d->set.ndocs; i++) {
                if (d->set.docs[i].kind != DEF_JOB)
                        continue;
                const char *name = d->set.docs[i].u.job.tenant;
                bool seen = false;
                for (size_t k = 0; k < d->ntenants; k++)
                        seen |= !strcmp(d->tenants[k].name, name);
                if (!seen)
                        d->tenants[d->ntenants++].name = name;
        }
        int64_t now = dclock_now(&d->clock);
        for (size_t t = 0; t < d->ntenants; t++) {
                struct tenant_rt *tr = &d->tenants[t];
                struct batch_err err;
                if (sched_model_build(&d->set, tr->name, &tr->model, &err) < 0 ||
                    sched_new(tr->model.jobs, tr->model.njobs, &tr->model.tenant,
                              offset_to_scheduling(&tr->model.offset, now), NULL, NULL,
                              &tr->sched) < 0) {
                        dlog("error", NULL, 0, 0, NULL, "tenant %s: %s", tr->name, err.msg);
                        return -1;
                }
                /* Each job's latest scheduled instance (due parameters, where its schedule
                 * goes on), then every live instance, then the parent instances that may
                 * govern live children. */
                int64_t *latest, *parent;
                if (restore_points(d, tr, now, &latest, &parent) < 0)
                        return -1;
                for (size_t j = 0; j < tr->model.njobs; j++)
                        if (latest[j])
                                restore_id(d, t, latest[j], now);
                struct store_instance_filter live = {.tenant = tr->name, .state = -1,
                                                     .live_only = true, .limit = 1000};
                restore_list(d, t, &live, now, true);
                for (size_t j = 0; j < tr->model.njobs; j++) {
                        const struct sched_job_spec *c = &tr->model.jobs[j];
                        for (size_t k = 0; k < c->ndeps; k++)
                                if (parent[c->deps[k].parent])
                                        restore_id(d, t, parent[c->deps[k].parent], now);
                }
                free(latest);
                free(parent);
                if (askq_init(&tr->nd_due, tr->model.njobs) < 0 ||
                    !(tr->nd = calloc(tr->model.njobs + 1, sizeof(*tr->nd))))
                        return -1;
                nd_restore(d, tr);
        }
        drop_key_positions(&d->set);
        /* Loading parsed every stored definition and read every job's latest instance:
         * give the scratch memory and SQLite's cached pages back. */
        store_release_memory(d->st);
        malloc_trim(0);
        dlog("info", NULL, 0, 0, NULL, "loaded %zu tenant(s) from the repository", d->ntenants);
        return 0;
}

/* Loads the stored definitions and (re)builds every tenant's scheduler from them. When
 * they do not load (a repository error, an overlay they no longer fit) nothing is
 * changed. 0 or -1. */
static int rebuild(struct daemon *d)
{
        struct defset set = {0};
        char *key = NULL;
        int64_t stamp;
        if (load_defs(d, &set, &key, &stamp) < 0) {
                defset_release(&set);
                free(key);
                return -1;
        }
        return rebuild_from(d, &set, key, stamp);
}

/* ---- other processes' changes ------------------------------------------------------------ */

static size_t tenant_index(struct daemon *d, const char *name)
{
        for (size_t t = 0; t < d->ntenants; t++)
                if (!strcmp(d->tenants[t].name, name))
                        return t;
        return SIZE_MAX;
}

static void take_requests(struct daemon *d, int64_t now)
{
        struct store_request_list l;
        struct batch_err err;
        if (store_request_pending(d->st, &l, &err) < 0)
                return;
        for (size_t i = 0; i < l.n; i++) {
                const struct store_request *q = &l.items[i];
                size_t t = tenant_index(d, q->tenant);
                struct sched_inst *in = t == SIZE_MAX ? NULL
                                                      : sched_find_ext(d->tenants[t].sched,
                                                                       q->instance_id);
                if (!in && t != SIZE_MAX) {
                        /* A final instance no longer held: bring it back. */
                        struct store_instance si;
                        if (store_instance_get(d->st, q->instance_id, &si, &err) == 0) {
                                restore_one(d, t, &si, now);
                                store_instance_release(&si);
                                in = sched_find_ext(d->tenants[t].sched, q->instance_id);
                        }
                }
                int rc = BATCH_ENOENT;
                const char *msg = "the instance's job is not defined any more";
                if (in) {
                        struct sched *s = d->tenants[t].sched;
                        int64_t snow = offset_to_scheduling(&d->tenants[t].model.offset, now);
                        if (!strcmp(q->action, "stop"))
                                rc = sched_stop(s, in, q->reason, snow);
                        else if (!strcmp(q->action, "rerun"))
                                rc = sched_rerun(s, in, snow);
                        else
                                rc = sched_mark_success(s, in, snow);
                        msg = rc == 0 ? "done" : "not allowed in the instance's state";
                }
                store_request_finish(d->st, q->id, rc, msg, now, &err);
                char trace[TRACE_ID_LEN + 1];
                dlog("info", NULL, q->instance_id, 0,
                     instance_trace(d, q->instance_id, true, trace), "request %lld (%s by %s): %s",
                     (long long)q->id, q->action, q->actor, msg);
        }
        store_request_list_release(&l);
}

/* New submits (instances created by batchctl or the API). */
static void take_submits(struct daemon *d, int64_t now)
{
        for (size_t t = 0; t < d->ntenants; t++) {
                struct store_instance_filter f = {.tenant = d->tenants[t].name,
                                                  .state = STATE_INIT,
                                                  .after_id = d->max_seen_id, .limit = 1000};
                restore_list(d, t, &f, now, true);
        }
}

static void repository_changed(struct daemon *d)
{
        int64_t v;
        struct batch_err err;
        if (store_data_version(d->st, &v, &err) < 0 || v == d->data_version)
                return;
        d->data_version = v;
        /* The definitions are read again only when one was put or deleted (on
         * PostgreSQL the data version moves with every commit, this node's too). */
        int64_t stamp;
        if (store_defs_stamp(d->st, &stamp, &err) < 0 || stamp != d->defs_stamp) {
                /* Whether a definition changed is told from the listing's versions; only
                 * then is every definition parsed, once, by the rebuild (with 100,000
                 * jobs a parse is about 2 s of this loop). */
                struct store_def_list l;
                int64_t read_stamp;
                if (list_defs(d, &l, &read_stamp) == 0) {
                        char *key = listing_key(&l);
                        store_def_list_release(&l);
                        bool changed = key && d->defs_key && strcmp(key, d->defs_key);
                        if (changed)
                                dlog("info", NULL, 0, 0, NULL, "definitions changed: reloading");
                        /* Not reloaded (they do not load: logged, the ones in use stay):
                         * tried again at the next change of the definitions. */
                        if ((!changed || rebuild(d) < 0) && key)
                                d->defs_stamp = read_stamp;
                        free(key);
                }
        }
        int64_t now = dclock_now(&d->clock);
        take_submits(d, now);
        take_requests(d, now);
        take_remote_reports(d, now);
}

/* ---- --defs DIR --------------------------------------------------------------------------- */

/* Applies the definitions directory to the repository exactly as `batchctl apply DIR`
 * does (validated together with what stays stored, one transaction, an audit row per
 * change, by actor "batchd"), logging each change. Returns 0, or a negative code when
 * the definitions have problems (each logged) or the repository failed: nothing was
 * changed then. */
static int apply_defs(struct daemon *d)
{
        struct defs_apply a;
        defs_apply_init(&a);
        a.secrets = &d->secrets;
        struct batch_err err = {0};
        char *paths[] = {(char *)d->defs_dir};
        int rc = defs_apply_plan(d->st, paths, 1, false, &a, &err);
        for (size_t i = 0; i < a.diags.n; i++) {
                const struct diag *g = &a.diags.items[i];
                dlog("error", NULL, 0, 0, NULL, "%s:%d:%d: %s%s%s", g->pos.file ? g->pos.file : "?",
                     g->pos.line, g->pos.col, g->key ? g->key : "", g->key ? ": " : "", g->msg);
        }
        for (size_t i = 0; rc == 0 && i < a.n; i++) {
                const struct defs_change *c = &a.changes[i];
                if (c->what != DEFS_UNCHANGED)
                        dlog("info", NULL, 0, 0, NULL, "--defs: %s %s %s/%s%s%s%s",
                             defs_change_name(c->what), c->kind, c->tenant, c->name,
                             c->what == DEFS_CHANGED ? " (" : "",
                             c->what == DEFS_CHANGED ? c->keys : "",
                             c->what == DEFS_CHANGED ? ")" : "");
        }
        if (rc == 0)
                rc = defs_apply_write(d->st, &a, "batchd", (int64_t)time(NULL), &err);
        if (rc < 0)
                dlog("error", NULL, 0, 0, NULL, "--defs %s: %s; nothing was changed", d->defs_dir,
                     err.msg);
        else
                dlog("info", NULL, 0, 0, NULL,
                     "--defs %s: %zu created, %zu changed, %zu unchanged, %zu deleted",
                     d->defs_dir, a.count[DEFS_CREATED], a.count[DEFS_CHANGED],
                     a.count[DEFS_UNCHANGED], a.count[DEFS_DELETED]);
        defs_apply_release(&a);
        return rc;
}

/* ---- claims (docs/cluster.md, "Claims") -----------------------------------------------------
 * In a cluster the planner offers each exec run (its instance in 2 Starting) and every
 * node, the planner's too, claims offered instances up to its free run slots, records
 * an execution fenced by the claim token and launches it under a supervisor. A node
 * records only its claims and its runs' executions (running, ended); the planner reads
 * them back (follow_claimed) and records the instances' states, so every rule of the
 * scheduler holds as on one node. PostgreSQL's LISTEN/NOTIFY wakes the nodes; each also
 * looks every second. */

/* The definitions a node that does not plan launches its claimed runs from: the
 * repository's, with this node's overlay, read again when they changed. */
struct catalog {
        struct defset set;
        char *key;
        struct sched_model *models; /* one per tenant with jobs */
        const char **names;         /* their tenants' (borrowed from set) */
        size_t n;
        int64_t stamp;              /* store_defs_stamp when read */
};

static void catalog_free(struct catalog *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++)
                sched_model_release(&c->models[i]);
        free(c->models);
        free(c->names);
        defset_release(&c->set);
        free(c->key);
        free(c);
}

/* Reads the catalog when there is none or a definition was put or deleted since
 * (store_defs_stamp). Returns it, or NULL (logged). */
static struct catalog *catalog_get(struct daemon *d)
{
        struct batch_err err;
        int64_t v = -1;
        if (store_defs_stamp(d->st, &v, &err) == 0 && d->cat && d->cat->stamp == v)
                return d->cat;
        struct catalog *c = calloc(1, sizeof(*c));
        if (!c || load_defs(d, &c->set, &c->key, &c->stamp) < 0) {
                catalog_free(c);
                return d->cat;
        }
        if (d->cat && !strcmp(d->cat->key, c->key)) {
                d->cat->stamp = c->stamp; /* the definitions did not change */
                catalog_free(c);
                return d->cat;
        }
        c->models = calloc(c->set.ndocs + 1, sizeof(*c->models));
        c->names = calloc(c->set.ndocs + 1, sizeof(*c->names));
        for (size_t i = 0; c->models && c->names && i < c->set.ndocs; i++) {
                if (c->set.docs[i].kind != DEF_JOB)
                        continue;
                const char *name = c->set.docs[i].u.job.tenant;
                bool seen = false;
                for (size_t k = 0; k < c->n && !seen; k++)
                        seen = !strcmp(c->names[k], name);
                if (!seen && sched_model_build(&c->set, name, &c->models[c->n], &err) == 0)
                        c->names[c->n++] = name;
                else if (!seen)
                        dlog("error", NULL, 0, 0, NULL, "tenant %s: %s", name, err.msg);
        }
        catalog_free(d->cat);
        d->cat = c;
        return c;
}

/* The definition of job `job` of `tenant` for a claimed run, and its tenant's model:
 * the planner's own while it plans, else catalog c's (catalog_get, read once per claim).
 * NULL when there is none. */
static const struct job_def *claim_def(struct daemon *d, const struct catalog *c,
                                       const char *tenant, const char *job,
                                       const struct sched_model **ret_model)
{
        const struct sched_model *m = NULL;
        if (d->cluster.planning && d->ntenants) {
                size_t t = tenant_index(d, tenant);
                m = t < d->ntenants ? &d->tenants[t].model : NULL;
        } else {
                for (size_t i = 0; c && i < c->n && !m; i++)
                        if (!strcmp(c->names[i], tenant))
                                m = &c->models[i];
        }
        long j = m ? sched_model_find(m, job) : -1;
        *ret_model = m;
        return j < 0 ? NULL : m->defs[j];
}

/* Records that claimed instance c could not be launched (`why`): an execution that
 * ended at once with exit status -1, which the planner records as Start Failed. */
static void claim_failed(struct daemon *d, const struct store_claim *c, const char *why,
                         int64_t now)
{
        struct batch_err err = {0};
        struct store_execution e = {.instance_id = c->instance_id, .node = d->node.name};
        int64_t exec_id;
        int attempt;
        int rc = store_claim_start(d->st, c->token, &e, now, &exec_id, &attempt, &err);
        if (rc == 0)
                rc = store_claim_finish(d->st, exec_id, c->token, -1, why, now, &err);
        tx_note(d, rc, &err);
        dlog("error", c->job, c->instance_id, 0, NULL, "claimed run not started: %s", why);
}

/* A claimed run whose supervisor was started and waits for its execution's record. */
struct claimed_spawn {
        const struct store_claim *c;
        const struct sched_model *m;
        const struct job_def *def;
        struct store_instance si;
        struct run_handle h;
        char log_path[PATH_MAX], status_path[PATH_MAX];
};

/* Starts the supervisor of claimed instance c (its job's definition from catalog cat
 * unless this node plans) into *sp: true when started; false when it was not (recorded
 * as a failed start, or the transaction failed). */
static bool spawn_claimed(struct daemon *d, const struct catalog *cat,
                          const struct store_claim *c, struct claimed_spawn *sp, int64_t now)
{
        char why[400] = "";
        struct batch_err err = {0};
        sp->c = c;
        sp->def = claim_def(d, cat, c->tenant, c->job, &sp->m);
        int grc = store_instance_get(d->st, c->instance_id, &sp->si, &err);
        if (grc < 0) {
                tx_note(d, grc, &err);
                return false;
        }
        if (!sp->def)
                snprintf(why, sizeof(why), "node %s has no definition of job %s/%s",
                         d->node.name, c->tenant, c->job);
        else if (sp->def->executor != EXECUTOR_EXEC || sp->def->exec_command.n == 0)
                snprintf(why, sizeof(why), "the job has no executor");
        else
                spawn_run(d, sp->m, sp->def, &sp->si, &sp->h, why, sizeof(why));
        if (why[0]) {
                store_instance_release(&sp->si);
                claim_failed(d, c, why, now);
                return false;
        }
        run_paths(d->state_dir, c->instance_id, sp->h.pid, sp->log_path, sp->status_path,
                  sizeof(sp->log_path));
        return true;
}

/* The supervisor of claimed run sp, its execution recorded as exec_id (attempt), gets
 * its go after the commit; with exec_id 0 (not recorded) it is withdrawn. */
static void go_claimed(struct daemon *d, struct claimed_spawn *sp, int64_t exec_id, int attempt)
{
        const struct store_claim *c = sp->c;
        if (exec_id == 0 || !go_reserve(d)) {
                run_abort(&sp->h);
                store_instance_release(&sp->si);
                return;
        }
        struct go *g = &d->gos[d->ngos++];
        g->call = NULL;
        g->h = sp->h;
        g->exec_id = exec_id;
        g->run = run_watch(d, SIZE_MAX, c->instance_id, sp->si.trace_id, exec_id, sp->h.pid,
                           sp->h.report_fd, sp->status_path, true);
        if (g->run) {
                g->run->claimed = true;
                g->run->token = c->token;
        }
        atomic_fetch_add(&d->metrics.runs_started, 1);
        if (attempt == 1 && sp->m)
                observe_trigger(d, &sp->m->offset, sp->si.scheduled ? sp->si.due
                                                                    : sp->si.created_at);
        dlog("info", sp->def->name, c->instance_id, exec_id, sp->si.trace_id, "claimed by "
             "node %s: started attempt %d (pid %d)", d->node.name, attempt, (int)sp->h.pid);
        store_instance_release(&sp->si);
}

/* Launches the runs of the instances l claimed in the current transaction (by instance
 * id, as store_claim returns them, the order store_claim_starts wants): their
 * supervisors are started, their executions recorded in one statement (each fenced by
 * its claim) and the supervisors get their go after the commit. */
static void launch_claimed(struct daemon *d, const struct store_claim_list *l)
{
        int64_t now = dclock_now(&d->clock);
        struct claimed_spawn *sp = calloc(l->n, sizeof(*sp));
        struct store_claim_run *runs = calloc(l->n, sizeof(*runs));
        struct batch_err err = {0};
        size_t n = 0, started = 0;
        if (!sp || !runs)
                tx_note(d, batch_err_set(&err, BATCH_ENOMEM, "runs", "out of memory launching "
                                         "claimed runs"), &err);
        const struct catalog *cat = d->cluster.planning && d->ntenants ? NULL : catalog_get(d);
        for (size_t i = 0; sp && runs && i < l->n && !d->tx_failed; i++)
                if (spawn_claimed(d, cat, &l->items[i], &sp[n], now)) {
                        runs[n] = (struct store_claim_run){
                                .instance_id = l->items[i].instance_id,
                                .token = l->items[i].token, .pid = sp[n].h.pid,
                                .log_path = sp[n].log_path};
                        n++;
                }
        int rc = d->tx_failed ? BATCH_EIO
                              : store_claim_starts(d->st, d->node.name, runs, n, now,
                                                   &started, &err);
        tx_note(d, rc, &err);
        for (size_t i = 0; i < n; i++)
                go_claimed(d, &sp[i], rc == 0 ? runs[i].exec_id : 0, runs[i].attempt);
        free(sp);
        free(runs);
}

/* Claims offered instances up to this node's free run slots and launches them, in one
 * transaction of its own; not while it drains or its own lease does not hold. */
static void claim_runs(struct daemon *d)
{
        int64_t t = mono_ms();
        d->claim_now = false;
        d->next_claim_ms = t + 1000;
        if (!node_may_launch(&d->node) || !node_holds(&d->node, t) || d->nruns >= d->max_runs)
                return;
        size_t room = d->max_runs - d->nruns;
        unsigned limit = room > 64 ? 64 : (unsigned)room;
        struct store_claim_list l = {0, NULL};
        struct batch_err err = {0};
        tx_begin_own(d);
        /* Its share of a burst: the offers over the nodes that may claim them (at least
         * one; the others are woken by the same notification). */
        int64_t offered = 0, nodes = 0;
        int rc = store_offer_outlook(d->st, 0, &offered, &nodes, &err);
        bool shared = false;
        if (rc == 0 && nodes > 1 && (offered + nodes - 1) / nodes < limit) {
                limit = (unsigned)((offered + nodes - 1) / nodes);
                limit = limit ? limit : 1;
                shared = true;
        }
        if (rc == 0)
                rc = store_claim(d->st, d->node.name, d->node.labels, limit, &l, &err);
        tx_note(d, rc, &err);
        if (rc < 0 && !d->tx_failed)
                dlog("error", NULL, 0, 0, NULL, "claiming offered runs: %s", err.msg);
        if (rc == 0 && l.n)
                launch_claimed(d, &l);
        /* More may be offered: claimed again at once, or after the others had 50 ms to
         * take their share. */
        if (rc == 0 && l.n == limit && shared)
                d->next_claim_ms = mono_ms() + 50;
        else
                d->claim_now = rc == 0 && l.n == limit;
        store_claim_list_release(&l);
        tx_end(d);
}

static struct run *run_of_execution(struct daemon *d, int64_t exec_id)
{
        for (struct run *r = d->runs; r; r = r->next)
                if (r->exec_id == exec_id)
                        return r;
        return NULL;
}

/* Takes up claimed run `c` of this node that no run of this batchd holds (a restart,
 * or its end could not be recorded): watched again, or its end recorded from its status
 * file. */
static void adopt_claimed(struct daemon *d, const struct store_claimed_run *c, int64_t now)
{
        struct store_execution_list ex = {0, NULL};
        struct batch_err err;
        if (store_execution_list(d->st, c->instance_id, &ex, &err) < 0)
                return;
        pid_t pid = 0;
        for (size_t i = 0; i < ex.n; i++)
                if (ex.items[i].id == c->exec_id)
                        pid = (pid_t)ex.items[i].pid;
        store_execution_list_release(&ex);
        char log_path[PATH_MAX], status_path[PATH_MAX], trace[TRACE_ID_LEN + 1];
        run_paths(d->state_dir, c->instance_id, pid, log_path, status_path, sizeof(log_path));
        struct run_outcome o;
        run_read_outcome(status_path, &o);
        enum run_supervisor_state sv =
                pid <= 0 || o.kind != RUN_NONE ? RUN_SUPERVISOR_GONE
                                               : run_supervisor_state(pid, c->exec_id,
                                                                      c->instance_id);
        struct run *r = run_watch(d, SIZE_MAX, c->instance_id,
                                  instance_trace(d, c->instance_id, true, trace), c->exec_id,
                                  pid, -1, status_path, sv != RUN_SUPERVISOR_GONE);
        if (!r)
                return;
        r->claimed = true;
        r->token = c->token;
        if (r->gone) {
                run_finished(d, r, now); /* it had ended (or just did) */
        } else if (sv == RUN_SUPERVISOR_RUNNING) {
                if (!c->running_at)
                        run_claimed_running(d, r, now);
                dlog("info", NULL, c->instance_id, c->exec_id, RTRACE(r),
                     "claimed run still going: supervising it again");
        }
        /* RUN_SUPERVISOR_WAITING: it is about to say "not-started"; its end gives the
         * claim back (run_not_started). */
}

/* This node's claimed runs as the repository has them: those no run holds are taken
 * up, and those the planner moved to 10 Stopping are stopped (SIGTERM, then SIGKILL
 * after the grace period). In a transaction of its own. */
static void follow_own(struct daemon *d)
{
        d->follow_now = false;
        d->next_follow_ms = mono_ms() + 1000;
        struct store_claimed_run_list l = {0, NULL};
        struct batch_err err = {0};
        tx_begin_own(d);
        int rc = store_node_claims(d->st, d->node.name, 0, &l, &err);
        tx_note(d, rc, &err);
        int64_t now = dclock_now(&d->clock);
        for (size_t i = 0; rc == 0 && i < l.n && !d->tx_failed; i++) {
                const struct store_claimed_run *c = &l.items[i];
                if (!c->exec_id || c->finished)
                        continue;
                struct run *r = run_of_execution(d, c->exec_id);
                if (!r)
                        adopt_claimed(d, c, now);
                else if (c->state == STATE_STOPPING && !r->stop_stage && !r->dead)
                        r->stop_pending = true; /* stop_run after the commit (tx_end) */
        }
        store_claimed_run_list_release(&l);
        tx_end(d);
}

/* The planner, in its fenced transaction: what the nodes recorded of the claimed runs
 * told to the scheduler (running, ended), and the runs of nodes whose own lease has
 * passed recorded as `node lost` (a conditional update: an end recorded meanwhile is
 * kept), then retried by their job's policy. */
static void follow_claimed(struct daemon *d)
{
        d->progress_now = false;
        d->next_progress_ms = mono_ms() + 1000;
        struct store_claimed_run_list l = {0, NULL};
        struct batch_err err = {0};
        int rc = store_claimed_runs(d->st, 0, &l, &err);
        tx_note(d, rc, &err);
        int64_t now = dclock_now(&d->clock);
        for (size_t i = 0; rc == 0 && i < l.n && !d->tx_failed; i++) {
                const struct store_claimed_run *c = &l.items[i];
                size_t t = tenant_index(d, c->tenant);
                struct tenant_rt *tr = t < d->ntenants ? &d->tenants[t] : NULL;
                struct sched_inst *in = tr ? sched_find_ext(tr->sched, c->instance_id) : NULL;
                if (!in)
                        continue;
                int64_t snow = offset_to_scheduling(&tr->model.offset, now);
                const char *job = tr->model.jobs[in->job].name;
                if (!c->exec_id)
                        continue; /* a claim records its execution in its transaction */
                const char *why = c->error;
                int exit_status = c->exit_status;
                if (!c->finished && c->node_lost) {
                        int frc = store_execution_finish(d->st, c->exec_id, -1, "node lost", now,
                                                         &err);
                        tx_note(d, frc, &err);
                        if (frc < 0)
                                continue; /* its end was recorded meanwhile: next look */
                        dlog("warn", job, c->instance_id, c->exec_id, NULL, "its run on node "
                             "%s was lost with that node's lease: recorded as node lost",
                             c->node);
                        why = "node lost";
                        exit_status = -1;
                } else if (!c->finished) {
                        if (c->running_at && in->state == STATE_STARTING)
                                sched_started(tr->sched, in, snow);
                        /* Its node's stop did not take effect (store_claim_stop_failed). */
                        if (c->error && in->state == STATE_STOPPING)
                                sched_stop_failed(tr->sched, in, snow);
                        continue;
                }
                /* Its end, as run_ended tells it on one node: -1 is a run that never
                 * started (Start Failed), unless it was reported running (then lost). */
                bool ran = c->running_at || exit_status != -1;
                if (ran && in->state == STATE_STARTING)
                        sched_started(tr->sched, in, snow);
                bool stopping = in->state == STATE_STOPPING || in->state == STATE_STOP_FAILED;
                enum sched_end how = in->state == STATE_STARTING ? SCHED_END_START_FAILED
                                     : exit_status == 0          ? SCHED_END_SUCCESS
                                     : stopping                  ? SCHED_END_STOPPED
                                                                 : SCHED_END_FAILED;
                if (sched_ended(tr->sched, in, how, why, snow) < 0)
                        dlog("warn", job, c->instance_id, c->exec_id, NULL, "claimed run ended "
                             "in state %d: not recorded by the scheduler", in->state);
                else
                        dlog("info", job, c->instance_id, c->exec_id, NULL, "ended on node %s: "
                             "%s", c->node, why ? why : "success");
        }
        store_claimed_run_list_release(&l);
}

/* Listens for offers and runs' news (PostgreSQL); retried every 5 s when it breaks. */
static void listen_open(struct daemon *d)
{
        static const char *const channels[] = {"batchd_offer", "batchd_run"};
        struct batch_err err;
        d->listen_retry_ms = mono_ms() + 5000;
        if (store_listen(d->dsn, channels, 2, &d->listener, &err) < 0) {
                d->listener = NULL;
                dlog("warn", NULL, 0, 0, NULL, "node %s: cannot listen for the other nodes' "
                     "news (%s); looking every second instead", d->node.name, err.msg);
                return;
        }
        watch(d, store_listener_fd(d->listener), W_LISTEN, NULL);
}

/* This node's own turn in a cluster, before the planner's: news from the other nodes,
 * its claimed runs' reports and ends, their stops, and new claims. */
static void own_turn(struct daemon *d, const struct epoll_event *evs, int n)
{
        for (int i = 0; i < n; i++) {
                if ((enum watch_kind)(evs[i].data.u64 & 7) != W_LISTEN || !d->listener)
                        continue;
                struct batch_err err;
                if (store_listener_drain(d->listener, &err) < 0) {
                        epoll_ctl(d->epfd, EPOLL_CTL_DEL, store_listener_fd(d->listener), NULL);
                        store_listener_close(d->listener);
                        d->listener = NULL;
                }
                d->claim_now = d->follow_now = d->progress_now = true;
        }
        if (!d->listener && mono_ms() >= d->listen_retry_ms)
                listen_open(d);
        tx_begin_own(d);
        for (int i = 0; i < n; i++) {
                uint64_t tag = evs[i].data.u64;
                enum watch_kind kind = (enum watch_kind)(tag & 7);
                struct run *r = (struct run *)(uintptr_t)(tag & ~(uint64_t)7);
                if ((kind != W_PIDFD && kind != W_REPORT) || r->dead || !r->claimed)
                        continue;
                if (kind == W_PIDFD)
                        run_finished(d, r, dclock_now(&d->clock));
                else
                        run_report(d, r, dclock_now(&d->clock));
        }
        tx_end(d);
        if (d->follow_now || mono_ms() >= d->next_follow_ms)
                follow_own(d);
        if (d->claim_now || mono_ms() >= d->next_claim_ms)
                claim_runs(d);
}

/* Milliseconds from now until own_turn has something to do by the clock. */
static int64_t own_wait_ms(struct daemon *d)
{
        int64_t t = mono_ms(), at = d->next_claim_ms;
        if (d->next_follow_ms < at)
                at = d->next_follow_ms;
        if (d->cluster.planning && d->next_progress_ms < at)
                at = d->next_progress_ms;
        if (d->claim_now || d->follow_now)
                at = t;
        if (t + node_wait_ms(&d->node, t) < at)
                at = t + node_wait_ms(&d->node, t);
        int64_t stops = INT64_MAX;
        stop_timers(d, dclock_now(&d->clock), &stops);
        if (stops != INT64_MAX && t + stops < at)
                at = t + stops;
        return at > t ? at - t : 0;
}

/* ---- the cluster (docs/cluster.md) --------------------------------------------------------- */

/* This node's term as planner is over (its lease is past, or another node holds it):
 * it forgets its model. Its claimed runs go on under its own lease (node.h); the remote
 * runs it launched are left to their services, and the next planner asks them. */
static void cluster_end_term(struct daemon *d)
{
        size_t remote = 0, claimed = 0;
        for (struct run *r = d->runs; r; r = r->next) {
                remote += !r->dead && r->remote;
                claimed += !r->dead && r->claimed;
        }
        free_tenants(d);
        dlog("warn", NULL, 0, 0, NULL, "node %s is past its planner lease: its model is "
             "dropped; %zu claimed run(s) go on, %zu remote run(s) are left to their service "
             "for the next planner", d->cluster.node, claimed, remote);
}

/* After a failed attempt on the lease, outside any transaction: a new connection to the
 * repository replaces the node's (a connection the server or the network ended stays
 * broken: libpq does not reconnect), so a node cut off from the database comes back by
 * itself. The old one is kept when no new one can be made (the next failure tries again). */
static void cluster_reopen(struct daemon *d)
{
        struct store *st;
        struct batch_err err;
        if (store_open_flags(d->dsn, 0, &st, &err) < 0)
                return;
        store_close(d->st);
        d->st = st;
        dlog("info", NULL, 0, 0, NULL, "node %s: a new connection to the repository after a "
             "failed attempt on the lease", d->cluster.node);
}

/* A new term as planner: the model is restored from the repository as at a restart, in
 * one fenced transaction (the runs other nodes left are recorded as lost there). */
static void cluster_take_over(struct daemon *d)
{
        tx_begin(d);
        int rc = rebuild(d);
        if (rc == 0) {
                int64_t now = dclock_now(&d->clock);
                take_submits(d, now);
                take_requests(d, now);
        }
        tx_end(d);
        if (rc < 0)
                repo_failed(d, "cannot read the repository's definitions", 0);
}

/* ---- the loop ---------------------------------------------------------------------------- */

/* The probe of the write path after failures: a lease taken and given back in the
 * turn's transaction, so the commit writes (and leaves nothing) even when the turn has
 * nothing else to record. */
static void probe_writes(struct daemon *d)
{
        struct batch_err err;
        bool held;
        char holder[64];
        snprintf(holder, sizeof(holder), "batchd-%d", (int)getpid());
        int rc = store_lease_acquire(d->st, "batchd.write-probe", holder, (int64_t)time(NULL),
                                     60, 0, &held, NULL, &err);
        if (rc == 0)
                rc = store_lease_release(d->st, "batchd.write-probe", holder, &err);
        if (rc < 0) {
                /* Whatever it is, the write path does not work yet. */
                if (!d->tx_failed)
                        snprintf(d->tx_error, sizeof(d->tx_error), "%s", err.msg);
                d->tx_failed = true;
        }
}

/* Status and job files nobody needs any more (runs/): those of no run this daemon holds whose
 * execution is finished or not in the repository (its record was withdrawn, or rolled
 * back), and temporary ones once their writer is gone. A status file is complete once
 * it has its name (written, fsynced, renamed). The outcome of a run is removed with its
 * record (run_ended); this finds what a crash between the two left, and the "not-started"
 * of supervisors whose daemon died before it committed their execution. */
static void sweep_status_files(struct daemon *d)
{
        char path[PATH_MAX + 8];
        snprintf(path, sizeof(path), "%s/runs", d->state_dir);
        DIR *dir = opendir(path);
        if (!dir)
                return;
        struct dirent *e;
        while ((e = readdir(dir))) {
                long long inst;
                int pid, len = 0;
                /* A job file (supervisor.h) goes with its run's status file. */
                if ((sscanf(e->d_name, "%lld-%d.status%n", &inst, &pid, &len) != 2 || !len) &&
                    (sscanf(e->d_name, "%lld-%d.job%n", &inst, &pid, &len) != 2 || !len))
                        continue;
                bool tmp = !strcmp(e->d_name + len, ".tmp");
                if ((e->d_name[len] && !tmp) || pid <= 0)
                        continue;
                bool needed = tmp && (kill(pid, 0) == 0 || errno != ESRCH);
                for (struct run *r = d->runs; r && !needed; r = r->next)
                        needed = r->pid == pid;
                if (!needed && !tmp) {
                        struct store_execution_list l;
                        struct batch_err err;
                        if (store_execution_list(d->st, inst, &l, &err) < 0)
                                continue;
                        for (size_t i = 0; i < l.n; i++)
                                needed |= l.items[i].pid == pid && !l.items[i].finished;
                        store_execution_list_release(&l);
                }
                if (!needed)
                        unlinkat(dirfd(dir), e->d_name, 0);
        }
        closedir(dir);
}

/* While the write path is failing: waits for the retry time, or a signal (then one
 * event, as epoll would give it, in *ev). Returns the number of events. */
static int wait_for_retry(struct daemon *d, struct notifier *nt, struct epoll_event *ev,
                          int64_t until_ms)
{
        int64_t c = cluster_wait_ms(&d->cluster, mono_ms());
        if (c != INT64_MAX && mono_ms() + c < until_ms)
                until_ms = mono_ms() + c;
        int64_t wait = notify_watchdog(nt, mono_ms(), until_ms - mono_ms());
        struct pollfd p = {.fd = d->sfd, .events = POLLIN};
        if (poll(&p, 1, wait < 0 ? 0 : (int)wait) > 0) {
                ev->data.u64 = W_SIGNAL;
                return 1;
        }
        return 0;
}

/* Arms the timer for the earliest of the schedulers' wakeups (to the microsecond: a due
 * time is acted on as it comes) and the stop escalations. */
static void arm_timer(struct daemon *d)
{
        int64_t us = 3600000000LL;
        for (size_t t = 0; t < d->ntenants; t++) {
                int64_t w = sched_next_wakeup(d->tenants[t].sched);
                if (w == INT64_MAX)
                        continue;
                int64_t real = offset_to_real(&d->tenants[t].model.offset, w);
                int64_t u = dclock_us_until(&d->clock, real);
                if (u < us)
                        us = u;
        }
        int64_t ask = nd_next_ask(d);
        if (ask != INT64_MAX) {
                int64_t u = dclock_us_until(&d->clock, ask);
                if (u < us)
                        us = u;
        }
        int64_t ms = us / 1000 + 1;
        stop_timers(d, dclock_now(&d->clock), &ms);
        running_wait(d, &ms);
        if (ms * 1000 < us)
                us = ms * 1000;
        struct itimerspec its = {0};
        if (us <= 0)
                us = 1;
        its.it_value.tv_sec = us / 1000000;
        its.it_value.tv_nsec = (us % 1000000) * 1000;
        timerfd_settime(d->tfd, 0, &its, NULL);
}

#define LISTEN_DEFAULT "127.0.0.1:8080"

/* Where remote services call back (docs/remote-jobs.md): --callback-url (or
 * $BATCHD_CALLBACK_URL) when given, else the API's own address, with loopback for a
 * wildcard one; "" (polls only) without an API. */
static void callback_base(struct daemon *d, const char *explicit_url, const char *listen,
                          unsigned port)
{
        if (explicit_url && *explicit_url) {
                size_t n = strlen(explicit_url);
                while (n && explicit_url[n - 1] == '/')
                        n--;
                snprintf(d->callback_base, sizeof(d->callback_base), "%.*s", (int)n, explicit_url);
        } else if (listen) {
                char host[256];
                const char *colon = strrchr(listen, ':');
                size_t hl = colon ? (size_t)(colon - listen) : 0;
                snprintf(host, sizeof(host), "%.*s", (int)hl, listen);
                const char *h = !strcmp(host, "0.0.0.0") || !host[0] ? "127.0.0.1"
                                : !strcmp(host, "[::]")              ? "[::1]"
                                                                     : host;
                snprintf(d->callback_base, sizeof(d->callback_base), "http://%s:%u", h, port);
        } else {
                d->callback_base[0] = '\0';
                dlog("warn", NULL, 0, 0, NULL, "no API and no --callback-url: remote runs are "
                                               "followed by their status calls only");
        }
        if (d->callback_base[0])
                dlog("info", NULL, 0, 0, NULL, "remote services call back at %s",
                     d->callback_base);
}

/* Points stderr at the end of file `path` (created 0640 if need be), so that the log
 * lines of batchd, its spawner and supervisors, and of the libraries all go there.
 * Returns 0, or -1 with errno (stderr unchanged). */
static int log_to(const char *path)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0)
                return -1;
        fflush(stderr);
        int rc = dup2(fd, STDERR_FILENO);
        int e = errno;
        close(fd);
        errno = e;
        return rc < 0 ? -1 : 0;
}

static const char usage[] =
        "usage: batchd [--config FILE] [--db DB] [--listen ADDR:PORT|off] [--state-dir DIR]\n"
        "              [--clock-start ISO --clock-rate N] [--log-file FILE]\n"
        "              [--log-level info|warn|error] [--log-format json|text] [--max-runs N]\n"
        "              [--defs DIR] [--secrets-key FILE] [--callback-url URL]\n"
        "              [--retention-days N] [--retention-interval SECONDS]\n"
        "              [--environment master|runtime] [--overlay PATH]\n"
        "              [--node-name NAME] [--labels L1,L2=V] [--heartbeat-interval SECONDS]\n"
        "              [--max-clock-skew SECONDS] [--lease-ttl SECONDS]\n"
        "       batchd token create --name NAME --role viewer|operator|admin [--tenant T]\n"
        "              [--expires-days N] [--db DB]\n"
        "       batchd key rotate|list [--secrets-key FILE] [--state-dir DIR] [--db DB]\n"
        "       batchd config check [--config FILE] [OPTIONS] | batchd config keys\n"
        "       batchd --version | --help\n"
        "--config: the config file (default " CFG_DEFAULT_PATH " when it exists; also\n"
        "          BATCHD_CONFIG); options and BATCHD_* variables override it\n"
        "--listen: the REST API's address (default " LISTEN_DEFAULT "; port 0: any free port;\n"
        "          off: no API)\n"
        "--environment: master (default: definitions editable) or runtime (definitions only\n"
        "          by apply; API edits refused but for troubleshooting, docs/environments.md)\n"
        "--overlay: this environment's overlay file or directory, applied over the\n"
        "          repository's definitions, never stored (docs/environments.md)\n";

/* Starts the retention worker when `days` > 0 (the worker in *w must be stopped).
 * Returns 0 or -1 (logged). */
static int start_retention(struct daemon *d, int days, int interval, struct retention **w)
{
        *w = NULL;
        if (days <= 0)
                return 0;
        struct batch_err err;
        if (retention_start(d->dsn, &d->clock, days, interval, d->state_dir, w, &err) < 0) {
                dlog("error", NULL, 0, 0, NULL, "starting retention: %s", err.msg);
                return -1;
        }
        dlog("info", NULL, 0, 0, NULL, "retention: what ended more than %d days ago is "
             "deleted, a pass every %d s", days, interval);
        return 0;
}

/* SIGHUP: the config file read again and what changed applied (docs/daemon.md, "The
 * config file"); a file with a problem changes nothing. */
static int reload_settings(struct daemon *d, struct settings *s, struct retention **retention)
{
        bool changed[CFG_NKEYS];
        if (settings_reload(s, changed) < 0)
                return -1;
        if (changed[CFG_LOG_LEVEL])
                dlog_set_level(s->now[CFG_LOG_LEVEL]);
        if (changed[CFG_LOG_FORMAT])
                dlog_set_format(log_format_from_name(s->now[CFG_LOG_FORMAT]));
        if (changed[CFG_MAX_RUNS])
                d->max_runs = (size_t)strtol(s->now[CFG_MAX_RUNS], NULL, 10);
        if (changed[CFG_DEFS])
                d->defs_dir = s->now[CFG_DEFS];
        if (changed[CFG_LABELS] || changed[CFG_HEARTBEAT_INTERVAL] || changed[CFG_MAX_CLOCK_SKEW])
                node_configure(&d->node, strtol(s->now[CFG_HEARTBEAT_INTERVAL], NULL, 10),
                               strtod(s->now[CFG_MAX_CLOCK_SKEW], NULL), s->now[CFG_LABELS]);
        if (changed[CFG_RETENTION_DAYS] || changed[CFG_RETENTION_INTERVAL]) {
                retention_stop(*retention);
                *retention = NULL;
                int days = (int)strtol(s->now[CFG_RETENTION_DAYS], NULL, 10);
                if (start_retention(d, days, (int)strtol(s->now[CFG_RETENTION_INTERVAL], NULL,
                                                         10), retention) == 0 && days == 0)
                        dlog("info", NULL, 0, 0, NULL, "retention: off, everything is kept");
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "token") == 0)
                return token_main(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "key") == 0)
                return key_main(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "config") == 0)
                return settings_main(argc - 1, argv + 1, usage);
        struct settings cfg;
        int status;
        if (settings_start(&cfg, argc, argv, usage, &status) < 0)
                return status;
        struct daemon d = {0};
        d.max_runs = (size_t)strtol(cfg.now[CFG_MAX_RUNS], NULL, 10);
        const char *listen = cfg.now[CFG_LISTEN];
        d.pending_tail = &d.pending;
        const char *fault = getenv("BATCHD_FAULT_KILL_BEFORE_GO");
        d.fault_before_go = fault ? strtol(fault, NULL, 10) : 0;
        unsetenv("BATCHD_FAULT_KILL_BEFORE_GO");
        fault = getenv("BATCHD_FAULT_KILL_AFTER_NEXT_DUE");
        d.fault_after_next_due = fault ? strtol(fault, NULL, 10) : 0;
        unsetenv("BATCHD_FAULT_KILL_AFTER_NEXT_DUE");
        d.answered_tail = &d.answered;
        const char *state_dir = cfg.now[CFG_STATE_DIR], *clock_start = cfg.now[CFG_CLOCK_START];
        const char *log_file = cfg.now[CFG_LOG_FILE];
        double rate = strtod(cfg.now[CFG_CLOCK_RATE], NULL);
        const char *key_file = cfg.now[CFG_SECRETS_KEY];
        const char *callback_url = cfg.now[CFG_CALLBACK_URL];
        d.defs_dir = cfg.now[CFG_DEFS];
        d.dsn = cfg.now[CFG_DB];
        int retention_days = (int)strtol(cfg.now[CFG_RETENTION_DAYS], NULL, 10);
        int retention_interval = (int)strtol(cfg.now[CFG_RETENTION_INTERVAL], NULL, 10);
        dlog_set_level(cfg.now[CFG_LOG_LEVEL]);
        dlog_set_format(log_format_from_name(cfg.now[CFG_LOG_FORMAT]));
        char defpath[PATH_MAX];
        bool runtime = !strcmp(cfg.now[CFG_ENVIRONMENT], "runtime");
        d.overlay_path = cfg.now[CFG_OVERLAY];
        int lease_ttl = (int)strtol(cfg.now[CFG_LEASE_TTL], NULL, 10);
        if (log_file && log_to(log_file) < 0) {
                fprintf(stderr, "batchd: cannot open %s: %s\n", log_file, strerror(errno));
                return 1;
        }
        if (!d.dsn) {
                if (store_default_path(defpath, sizeof(defpath)) < 0) {
                        fprintf(stderr, "batchd: no repository: give --db or set BATCHD_DB\n");
                        return 2;
                }
                d.dsn = defpath;
        }
        if (clock_start) {
                int64_t t;
                struct batch_err err;
                if (iso_parse(clock_start, tz_utc(), &t, &err) < 0) {
                        fprintf(stderr, "batchd: --clock-start: %s\n", err.msg);
                        return 2;
                }
                dclock_init_virtual(&d.clock, t, rate);
        } else {
                dclock_init_real(&d.clock);
        }
        /* systemd's notification socket, read (and removed from the environment) before
         * any child is started. */
        struct notifier nt;
        const char *nwhy;
        notify_init(&nt, &nwhy);
        if (nwhy)
                dlog("warn", NULL, 0, 0, NULL, "%s", nwhy);
        bool sqlite = strncmp(d.dsn, "postgres", 8) != 0;
        if (state_dir)
                snprintf(d.state_dir, sizeof(d.state_dir), "%s", state_dir);
        else if (sqlite)
                snprintf(d.state_dir, sizeof(d.state_dir), "%s.d", d.dsn);
        else
                snprintf(d.state_dir, sizeof(d.state_dir), "/var/lib/batchd");
        struct batch_err err;
        if (node_init(&d.node, cfg.now[CFG_NODE_NAME], cfg.now[CFG_LABELS], sqlite, &d.metrics,
                      &err) < 0) {
                fprintf(stderr, "batchd: %s\n", err.msg);
                return 2;
        }
        node_configure(&d.node, strtol(cfg.now[CFG_HEARTBEAT_INTERVAL], NULL, 10),
                       strtod(cfg.now[CFG_MAX_CLOCK_SKEW], NULL), cfg.now[CFG_LABELS]);
        /* The spawner first, before threads and descriptors (supervisor.h); `ps` shows it
         * with the state directory, which tells the spawners of two daemons apart. */
        if (run_spawner_start(&d.spawner, d.state_dir, dlog_format(), &err) < 0)
                dlog("warn", NULL, 0, 0, NULL, "%s: supervisors are forked by batchd itself",
                     err.msg);
        if (!sqlite)
                cluster_session_limits(lease_ttl);
        store_set_page_cache(DAEMON_PAGE_CACHE_KIB);
        if (store_open_flags(d.dsn, STORE_OPEN_CHECK, &d.st, &err) < 0) {
                fprintf(stderr, "batchd: %s\n", err.msg);
                return 1;
        }
        /* A shared flock(2) on the repository file for as long as batchd runs: `batchctl
         * db restore|vacuum` take it exclusively, so they see a running batchd (and one
         * starting meanwhile waits for them). flock does not touch SQLite's own fcntl
         * locks; the descriptor is closed only after the last connection (docs/schema.md). */
        int repo_lock = sqlite ? open(d.dsn, O_RDONLY | O_CLOEXEC) : -1;
        if (repo_lock >= 0 && flock(repo_lock, LOCK_SH | LOCK_NB) < 0) {
                dlog("info", NULL, 0, 0, NULL, "waiting for batchctl db restore|vacuum on %s "
                     "to finish", d.dsn);
                flock(repo_lock, LOCK_SH);
        }
        cluster_init(&d.cluster, !sqlite, d.node.name, lease_ttl);
        if (!sqlite)
                node_publish_lease(&d.node, d.state_dir);
        char sub[PATH_MAX + 8];
        mkdir(d.state_dir, 0750);
        snprintf(sub, sizeof(sub), "%s/logs", d.state_dir);
        mkdir(sub, 0750);
        snprintf(sub, sizeof(sub), "%s/runs", d.state_dir);
        mkdir(sub, 0750);
        if (access(sub, W_OK) < 0) {
                fprintf(stderr, "batchd: cannot write the state directory %s: %s\n", d.state_dir,
                        strerror(errno));
                return 1;
        }
        key_start(&d.secrets, key_file, d.state_dir, d.dsn, d.st);

        /* Two descriptors per run in flight: take what the hard limit allows. */
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        signal(SIGCHLD, SIG_IGN); /* supervisors are reaped by the kernel; pidfds tell us */
        signal(SIGPIPE, SIG_IGN);
        d.epfd = epoll_create1(EPOLL_CLOEXEC);
        d.sfd = signalfd(-1, &set, SFD_CLOEXEC);
        d.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        d.ifd = -1;
        watch(&d, d.sfd, W_SIGNAL, NULL);
        watch(&d, d.tfd, W_TIMER, NULL);
        if (sqlite) {
                char dir[PATH_MAX];
                snprintf(dir, sizeof(dir), "%s", d.dsn);
                char *slash = strrchr(dir, '/');
                if (slash)
                        *slash = '\0';
                else
                        snprintf(dir, sizeof(dir), ".");
                d.ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
                if (d.ifd >= 0 && inotify_add_watch(d.ifd, dir, IN_MODIFY | IN_CLOSE_WRITE) >= 0)
                        watch(&d, d.ifd, W_INOTIFY, NULL);
        }
        if (d.overlay_path && load_overlay(&d) < 0) {
                fprintf(stderr, "batchd: --overlay %s: problems (see the log); not starting\n",
                        d.overlay_path);
                return 1;
        }
        if (d.defs_dir && apply_defs(&d) < 0) {
                fprintf(stderr, "batchd: --defs %s: the definitions were not applied (see the "
                                "log); not starting\n", d.defs_dir);
                return 1;
        }
        /* One clock for every instance's history: batchctl --db stamps with ours.
         * A virtual clock starts here, its first reading (clock.h). */
        char clock_holder[64];
        snprintf(clock_holder, sizeof(clock_holder), "batchd pid %ld", (long)getpid());
        if (dclock_publish(&d.clock, d.st, clock_holder, &err) < 0) {
                fprintf(stderr, "batchd: publishing the clock: %s\n", err.msg);
                return 1;
        }
        store_data_version(d.st, &d.data_version, &err);
        /* In a cluster the model is built when this node takes the planner lease. */
        if (!d.cluster.on && rebuild(&d) < 0) {
                fprintf(stderr, "batchd: cannot load the repository's definitions\n");
                return 1;
        }
        if (d.overlay_problems) {
                fprintf(stderr, "batchd: --overlay %s: %zu problem%s with the repository's "
                                "definitions (see the log); not starting\n",
                        d.overlay_path, d.overlay_problems, d.overlay_problems == 1 ? "" : "s");
                return 1;
        }
        if (remote_worker_start(4, &d.remote, &err) < 0) {
                fprintf(stderr, "batchd: starting the remote calls: %s\n", err.msg);
                return 1;
        }
        watch(&d, remote_worker_fd(d.remote), W_REMOTE, NULL);
        if (d.cluster.on)
                listen_open(&d);
        if (alerts_worker_start(d.dsn, &d.clock, &d.alerts, &err) < 0) {
                fprintf(stderr, "batchd: starting the alert delivery: %s\n", err.msg);
                return 1;
        }
        struct retention *retention_worker = NULL;
        if (start_retention(&d, retention_days, retention_interval, &retention_worker) < 0) {
                fprintf(stderr, "batchd: starting retention failed (see the log)\n");
                return 1;
        }
        struct api *api = NULL;
        if (strcmp(listen, "off") != 0) {
                struct api_config ac = {.listen = listen, .db = d.dsn, .metrics = &d.metrics,
                                        .clock = &d.clock, .secrets = &d.secrets,
                                        .runtime = runtime};
                if (api_start(&ac, &api, &err) < 0) {
                        fprintf(stderr, "batchd: --listen %s: %s\n", listen, err.msg);
                        dlog("error", NULL, 0, 0, NULL, "--listen %s: %s; not starting", listen,
                             err.msg);
                        return 1;
                }
                dlog("info", NULL, 0, 0, NULL, "API listening on %s (port %u)", listen,
                     api_port(api));
        }
        callback_base(&d, callback_url, api ? listen : NULL, api ? api_port(api) : 0);
        /* Other nodes reach this one's API where remote services do (docs/daemon.md,
         * "Nodes"). */
        node_set_api_url(&d.node, api ? d.callback_base : "");
        dlog("info", NULL, 0, 0, NULL, "batchd started on %s (state in %s, %s clock, %s "
             "environment)", d.dsn, d.state_dir, d.clock.virtual_clock ? "virtual" : "real",
             runtime ? "runtime" : "master");
        notify_send(&nt, "READY=1\nSTATUS=scheduling");
        if (!d.cluster.on) {
                take_submits(&d, dclock_now(&d.clock));
                take_requests(&d, dclock_now(&d.clock));
        }
        /* Other processes' changes: inotify wakes us at once (SQLite), but a commit may
         * become visible just after the write that woke us, so the repository is looked
         * at again 50 ms after an event, and every second in any case (a cheap
         * PRAGMA data_version): changes take effect within a second. */
        int64_t next_check = mono_ms() + 1000;
        uint64_t reopened_at = 0; /* cluster.failures when the connection was last reopened */
        struct epoll_event evs[64];
        int n = 0;
        while (!d.quit) {
                /* Signals and the repository first, outside the transaction. */
                bool reload = false, check = false, reopen = false;
                for (int i = 0; i < n; i++) {
                        enum watch_kind kind = (enum watch_kind)(evs[i].data.u64 & 7);
                        if (kind == W_TIMER) {
                                uint64_t x;
                                if (read(d.tfd, &x, sizeof(x)) < 0)
                                        continue;
                        } else if (kind == W_SIGNAL) {
                                struct signalfd_siginfo si;
                                if (read(d.sfd, &si, sizeof(si)) != sizeof(si))
                                        continue;
                                if (si.ssi_signo == SIGHUP)
                                        reload = true;
                                else if (si.ssi_signo == SIGUSR1)
                                        reopen = true;
                                else
                                        d.quit = true;
                        } else if (kind == W_INOTIFY) {
                                char buf[4096];
                                while (read(d.ifd, buf, sizeof(buf)) > 0)
                                        ;
                                check = true;
                        }
                }
                if (d.quit)
                        break;
                /* SIGUSR1: the log file was rotated; continue in a new one. */
                if (reopen && log_file) {
                        if (log_to(log_file) < 0)
                                dlog("error", NULL, 0, 0, NULL, "SIGUSR1: cannot reopen %s: %s; "
                                     "logging on to the old file", log_file, strerror(errno));
                        else
                                dlog("info", NULL, 0, 0, NULL, "SIGUSR1: log file reopened");
                }
                uint64_t rebuilds = d.rebuilds;
                if (reload) {
                        char state[64];
                        snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%lld",
                                 (long long)mono_us());
                        notify_send(&nt, state);
                        dlog("info", NULL, 0, 0, NULL, "SIGHUP: reloading");
                        int refused = reload_settings(&d, &cfg, &retention_worker);
                        if (d.defs_dir)
                                apply_defs(&d);
                        if (d.overlay_path)
                                load_overlay(&d);
                        if (!d.cluster.on || d.cluster.planning)
                                rebuild(&d);
                        notify_send(&nt, refused ? "READY=1\nSTATUS=scheduling (config file "
                                                   "refused, see the log)"
                                                 : "READY=1\nSTATUS=scheduling (reloaded)");
                }
                /* The heartbeat is a commit of its own: a node that plans alone writes
                 * it after the turn (below), so that it never delays the runs falling
                 * due at the same wakeup; in a cluster the lease's verdict needs it
                 * first. */
                if (d.cluster.on)
                        node_tick(&d.node, d.st, &d.clock, mono_ms(), (int)d.nruns,
                                  (int)d.max_runs);
                /* In a cluster: the planner lease, taken and kept only while the node's
                 * clock agrees with the database's (a virtual clock never does: the
                 * lease runs on real time, so there the verdict does not count); a
                 * standby waits for it. A drained node (draining, no run left) neither
                 * takes it nor keeps it: a draining planner plans on while its runs
                 * finish, then hands the lease over (docs/cluster.md). */
                if (d.cluster.on) {
                        own_turn(&d, evs, n);
                        bool drained = !node_may_launch(&d.node) && d.nruns == 0;
                        if (drained)
                                cluster_hand_over(&d.cluster, d.st,
                                                  "the node is drained (its runs have ended)");
                        bool may_plan = !drained &&
                                        (d.clock.virtual_clock || node_may_plan(&d.node));
                        enum cluster_change ch = cluster_tick(&d.cluster, d.st, mono_ms(),
                                                              may_plan);
                        if (d.cluster.failures != reopened_at && !d.cluster.planning) {
                                reopened_at = d.cluster.failures;
                                cluster_reopen(&d);
                        }
                        if (ch == CLUSTER_EXPIRED) {
                                cluster_end_term(&d);
                        } else if (ch == CLUSTER_GAINED) {
                                cluster_take_over(&d);
                                n = 0; /* the events named runs the restore replaced */
                        }
                        if (!d.cluster.planning) {
                                /* The claimed runs' events and the other nodes' news
                                 * wake it; the lease and its own turn by the clock. */
                                int64_t wait = own_wait_ms(&d);
                                int64_t lease_wait = cluster_wait_ms(&d.cluster, mono_ms());
                                if (lease_wait < wait)
                                        wait = lease_wait;
                                wait = notify_watchdog(&nt, mono_ms(), wait);
                                n = epoll_wait(d.epfd, evs, 64, wait < 0 ? 0 : (int)wait);
                                if (n < 0)
                                        n = 0;
                                continue;
                        }
                }
                /* After a failed transaction: wait, then start again from what the
                 * repository holds, and prove the write path in the next commit. */
                bool probe = false;
                if (d.repo_failing) {
                        if (mono_ms() < d.retry_at_ms) {
                                n = wait_for_retry(&d, &nt, evs, d.retry_at_ms);
                                continue;
                        }
                        if (d.cluster.on) {
                                /* Restored in a fenced transaction, as at a takeover. */
                                cluster_take_over(&d);
                                n = 0;
                                if (d.repo_failing || !d.cluster.planning)
                                        continue;
                        } else if (rebuild(&d) < 0) {
                                repo_failed(&d, "cannot read the repository's definitions", 0);
                                n = 0;
                                continue;
                        }
                        probe = true;
                }
                /* At the start, 5 s later (the supervisors a killed daemon left waiting
                 * for their go have said "not-started" by then), then every minute. */
                if (mono_ms() >= d.next_sweep_ms) {
                        sweep_status_files(&d);
                        d.next_sweep_ms = mono_ms() + (d.next_sweep_ms ? 60000 : 5000);
                }
                bool due = mono_ms() >= next_check;
                if (check || due) {
                        /* Its writes (requests answered, restores) are fenced too. */
                        if (d.cluster.on)
                                tx_begin(&d);
                        repository_changed(&d);
                        if (d.cluster.on)
                                tx_end(&d);
                }
                if (due)
                        next_check = mono_ms() + 1000;
                if (check && next_check > mono_ms() + 50)
                        next_check = mono_ms() + 50;
                /* The answered HTTP calls: next_due_api answers are kept first. */
                take_answers(&d);
                /* Then the runs' ends and reports, the scheduler's records and the
                 * launches in one transaction. A rebuild forgot the runs these events
                 * name (epoll reports a still-ready descriptor again). */
                tx_begin(&d);
                if (probe)
                        probe_writes(&d);
                for (int i = 0; i < n && d.rebuilds == rebuilds; i++) {
                        uint64_t tag = evs[i].data.u64;
                        enum watch_kind kind = (enum watch_kind)(tag & 7);
                        struct run *r = (struct run *)(uintptr_t)(tag & ~(uint64_t)7);
                        if (kind != W_PIDFD && kind != W_REPORT)
                                continue;
                        if (r->dead || r->claimed)
                                continue; /* claimed: own_turn */
                        if (kind == W_PIDFD)
                                run_finished(&d, r, dclock_now(&d.clock));
                        else
                                run_report(&d, r, dclock_now(&d.clock));
                }
                remote_answers(&d);
                remote_polls(&d);
                if (d.cluster.on && (d.progress_now || mono_ms() >= d.next_progress_ms))
                        follow_claimed(&d);
                record_running(&d);
                advance(&d);
                drain_pending(&d);
                advance(&d);
                tx_end(&d);
                /* What this turn offered: this node may claim it at once. */
                if (d.cluster.on && d.claim_now)
                        claim_runs(&d);
                nd_calls(&d); /* after the commit: a created instance is recorded */
                if (!d.cluster.on)
                        node_tick(&d.node, d.st, &d.clock, mono_ms(), (int)d.nruns,
                                  (int)d.max_runs);
                if (d.alerts_raised) {
                        d.alerts_raised = false;
                        alerts_worker_wake(d.alerts);
                }
                runs_bury(&d);
                atomic_store(&d.metrics.runs_active, (int_fast64_t)d.nruns);
                atomic_store(&d.metrics.queue_depth, (int_fast64_t)d.npending);
                arm_timer(&d);
                int64_t wait = notify_watchdog(&nt, mono_ms(), next_check - mono_ms());
                int64_t lease_wait = cluster_wait_ms(&d.cluster, mono_ms());
                if (lease_wait < wait)
                        wait = lease_wait;
                int64_t own_wait = d.cluster.on ? own_wait_ms(&d) : INT64_MAX;
                if (own_wait < wait)
                        wait = own_wait;
                n = epoll_wait(d.epfd, evs, 64, wait < 0 ? 0 : (int)wait);
                if (n < 0)
                        n = 0;
        }
        dlog("info", NULL, 0, 0, NULL, "batchd stopping; runs go on and the next batchd "
                                       "will supervise them");
        notify_send(&nt, "STOPPING=1\nSTATUS=stopping; runs go on under their supervisors");
        sweep_status_files(&d);
        if (api)
                api_stop(api);
        alerts_worker_stop(d.alerts);
        remote_worker_stop(d.remote);
        while (d.answered) {
                struct remote_call *c = d.answered;
                d.answered = c->next;
                remote_call_free(c);
        }
        retention_stop(retention_worker);
        if (d.clock.virtual_clock)
                store_clock_withdraw(d.st, clock_holder, NULL);
        free_tenants(&d);
        while (d.runs)
                run_forget(&d, d.runs); /* the claimed runs go on under their supervisors */
        runs_bury(&d);
        catalog_free(d.cat);
        store_listener_close(d.listener);
        free(d.unoffered);
        sched_actions_release(&d.acts);
        store_close(d.st);
        if (repo_lock >= 0)
                close(repo_lock);
        secrets_release(&d.secrets);
        run_spawner_stop(&d.spawner);
        notify_close(&nt);
        free(d.gos);
        settings_release(&cfg);
        return 0;
}
