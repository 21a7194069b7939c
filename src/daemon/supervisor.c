/* supervisor.c: the per-execution supervisor process (see supervisor.h). */
#include "daemon/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <stdint.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void run_process_name(int64_t exec_id, char buf[16])
{
        char full[32];
        snprintf(full, sizeof(full), "bdrun-%" PRId64, exec_id);
        memcpy(buf, full, 15);
        buf[15] = '\0';
}

void run_waiting_name(int64_t instance_id, char buf[16])
{
        char full[32];
        snprintf(full, sizeof(full), "bdgo-%" PRId64, instance_id);
        memcpy(buf, full, 15);
        buf[15] = '\0';
}

void run_paths(const char *dir, int64_t instance_id, pid_t pid, char *log, char *status,
               size_t len)
{
        snprintf(log, len, "%s/logs/%" PRId64 "-%d.log", dir, instance_id, (int)pid);
        snprintf(status, len, "%s/runs/%" PRId64 "-%d.status", dir, instance_id, (int)pid);
}

void run_lease_path(const char *dir, char *path, size_t len)
{
        snprintf(path, len, "%s/runs/lease", dir);
}

int run_lease_write(const char *dir, int64_t valid_until_ms)
{
        char path[4200], text[32];
        run_lease_path(dir, path, sizeof(path));
        /* One fixed-width write at offset 0: a reader sees the old or the new value. */
        int n = snprintf(text, sizeof(text), "%020" PRId64 "\n", valid_until_ms);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0)
                return -1;
        ssize_t w = pwrite(fd, text, (size_t)n, 0);
        int e = errno;
        close(fd);
        errno = e;
        return w == n ? 0 : -1;
}

bool run_lease_over(const char *dir, int64_t now_ms)
{
        char path[4200], text[32];
        run_lease_path(dir, path, sizeof(path));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
        close(fd);
        if (n != 21 || text[20] != '\n')
                return false;
        text[n] = '\0';
        return strtoll(text, NULL, 10) <= now_ms;
}

static int64_t sup_mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void run_job_path(const char *dir, int64_t instance_id, pid_t pid, char *path, size_t len)
{
        snprintf(path, len, "%s/runs/%" PRId64 "-%d.job", dir, instance_id, (int)pid);
}

bool run_proc_read(pid_t pid, struct run_proc *out)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf) - 1)) < 0 && errno == EINTR)
                ;
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        return run_proc_parse(buf, out);
}

bool run_proc_parse(const char *buf, struct run_proc *out)
{
        /* "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
         * cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime";
         * comm may hold spaces and parentheses: the fields follow its last ')'. */
        const char *p = strrchr(buf, ')');
        int ppid, pgrp, session;
        if (!p || sscanf(p + 1, " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                                "%*d %*d %*d %*d %llu",
                         &out->state, &ppid, &pgrp, &session, &out->start) != 5 ||
            !((out->state >= 'A' && out->state <= 'Z') || (out->state >= 'a' && out->state <= 'z')))
                return false;
        out->pgrp = pgrp;
        out->session = session;
        return true;
}

/* The machine's boot id (36 characters; "" when unreadable) into buf. */
static void boot_id(char buf[40])
{
        buf[0] = '\0';
        int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        ssize_t n = read(fd, buf, 39);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
}

bool run_parse_job(const char *line, const char *boot, struct run_job *job)
{
        memset(job, 0, sizeof(*job));
        char b[40];
        int pid = 0, end = 0;
        unsigned long long start = 0;
        if (!strchr(line, '\n') || sscanf(line, "%d %llu %39s%n", &pid, &start, b, &end) != 3 ||
            pid <= 0 || line[end] != '\n' || !boot[0] || strcmp(b, boot))
                return false;
        job->pid = pid;
        job->start = start;
        return true;
}

bool run_read_job(const char *path, struct run_job *job)
{
        memset(job, 0, sizeof(*job));
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
        char line[128], now[40];
        bool got = fgets(line, sizeof(line), f) != NULL;
        fclose(f);
        boot_id(now);
        return got && run_parse_job(line, now, job);
}

/* How long a supervisor waits for the daemon to acknowledge its run's end. */
#define ACK_WAIT_S 10
#define LEASE_POLL_MS 200 /* how often a supervisor on a node of a cluster reads the lease file */

static ssize_t write_all(int fd, const char *s, size_t n)
{
        size_t done = 0;
        while (done < n) {
                ssize_t w = write(fd, s + done, n - done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                done += (size_t)w;
        }
        return (ssize_t)done;
}

/* Writes `line` to path atomically (temporary file, rename), fsynced when `durable`. */
static void write_file(const char *path, const char *line, bool durable)
{
        char tmp[4200];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0)
                return;
        if (write_all(fd, line, strlen(line)) < 0 || (durable && fsync(fd) < 0)) {
                close(fd);
                unlink(tmp);
                return;
        }
        close(fd);
        rename(tmp, path);
}

/* Writes the outcome line to the status file at path, durably. */
static void write_status(const char *path, const char *line)
{
        write_file(path, line, true);
}

/* The daemon is gone (the go pipe closed) while the job runs: records the job for the
 * next daemon. Not fsynced: it matters only while the machine runs (the boot id in it
 * tells a later boot's daemon to ignore it). */
static void write_job_file(const char *path, const struct run_job *job)
{
        char line[128], boot[40];
        boot_id(boot);
        snprintf(line, sizeof(line), "%d %llu %s\n", (int)job->pid, job->start,
                 boot[0] ? boot : "-");
        write_file(path, line, false);
}

/* Waits up to ACK_WAIT_S for "ack" on the go pipe; false on anything else (the pipe
 * closed: the daemon is gone or did not record the end). */
static bool acknowledged(int gofd)
{
        struct pollfd p = {.fd = gofd, .events = POLLIN};
        int n;
        while ((n = poll(&p, 1, ACK_WAIT_S * 1000)) < 0 && errno == EINTR)
                ;
        char buf[8];
        ssize_t got = 0;
        if (n > 0)
                while ((got = read(gofd, buf, sizeof(buf))) < 0 && errno == EINTR)
                        ;
        return got >= 3 && !memcmp(buf, "ack", 3);
}

/* What failed in the job's child before it became the job (become_job's report). */
enum job_step { STEP_IO = 'o', STEP_USER = 'u', STEP_WORKDIR = 'w', STEP_EXEC = 'x' };

/* In the job's child: become the job. Never returns; on failure writes the step and its
 * errno ("u2") to errfd. */
static void become_job(const struct run_spec *spec, int outfd, int errfd,
                       char *const *envp) __attribute__((noreturn));

static void become_job(const struct run_spec *spec, int outfd, int errfd, char *const *envp)
{
        int err = 0;
        char step = STEP_IO;
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
                err = errno;
        if (!err && spec->user) {
                step = STEP_USER;
                errno = 0;
                struct passwd *pw = getpwnam(spec->user);
                if (!pw)
                        err = errno ? errno : ENOENT;
                else if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
                         setuid(pw->pw_uid) < 0)
                        err = errno;
        }
        if (!err && spec->workdir && chdir(spec->workdir) < 0) {
                step = STEP_WORKDIR;
                err = errno;
        }
        if (!err) {
                step = STEP_EXEC;
                if (spec->shell) {
                        char *const sh[] = {(char *)"/bin/sh", (char *)"-c", spec->argv[0],
                                            (char *)"batch-job", NULL};
                        execve("/bin/sh", sh, envp);
                } else {
                        execvpe(spec->argv[0], spec->argv, envp);
                }
                err = errno;
        }
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "%c%d", step, err);
        write_all(errfd, msg, (size_t)n);
        _exit(127);
}

/* The reason a job could not start, for the "start-failed" report: which step failed
 * (enum job_step) with errno `err`, into line (`len` bytes, ending in a newline). */
static void start_failed_line(char *line, size_t len, const struct run_spec *spec, char step,
                              int err)
{
        const char *cmd = spec->shell ? "/bin/sh" : spec->argv[0];
        if (step == STEP_USER && err == ENOENT)
                snprintf(line, len, "start-failed user \"%s\": no such user\n", spec->user);
        else if (step == STEP_USER)
                snprintf(line, len, "start-failed cannot become user \"%s\": %s\n", spec->user,
                         strerror(err));
        else if (step == STEP_WORKDIR)
                snprintf(line, len, "start-failed cannot enter the working directory %s: %s\n",
                         spec->workdir, strerror(err));
        else if (step == STEP_IO)
                snprintf(line, len, "start-failed cannot set up the job's input and output: %s\n",
                         strerror(err));
        else
                snprintf(line, len, "start-failed %s: %s\n", cmd, strerror(err));
}

/* Starts the job with posix_spawn (a vfork: no copy of this process's page tables) in
 * its own process group, stdin /dev/null and stdout and stderr on outfd, default signal
 * dispositions and an empty mask. Only for jobs that keep the daemon's user. Returns 0
 * and *pid, or the errno of the failed step (chdir, exec). */
static int spawn_job(const struct run_spec *spec, int outfd, char *const *envp, pid_t *pid)
{
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        int err = posix_spawn_file_actions_init(&fa);
        if (err)
                return err;
        if ((err = posix_spawnattr_init(&at))) {
                posix_spawn_file_actions_destroy(&fa);
                return err;
        }
        if (!err)
                err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (!err)
                err = posix_spawn_file_actions_adddup2(&fa, outfd, 1);
        if (!err)
                err = posix_spawn_file_actions_adddup2(&fa, outfd, 2);
        if (!err && spec->workdir)
                err = posix_spawn_file_actions_addchdir_np(&fa, spec->workdir);
        if (!err)
                err = posix_spawnattr_setsigmask(&at, &none);
        if (!err)
                err = posix_spawnattr_setsigdefault(&at, &all);
        if (!err)
                err = posix_spawnattr_setpgroup(&at, 0);
        if (!err)
                err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                            POSIX_SPAWN_SETSIGDEF);
        if (!err && spec->shell) {
                char *const sh[] = {(char *)"/bin/sh", (char *)"-c", spec->argv[0],
                                    (char *)"batch-job", NULL};
                err = posix_spawn(pid, "/bin/sh", &fa, &at, sh, envp);
        } else if (!err) {
                err = posix_spawnp(pid, spec->argv[0], &fa, &at, spec->argv, envp);
        }
        posix_spawnattr_destroy(&at);
        posix_spawn_file_actions_destroy(&fa);
        return err;
}

/* Where a job's output goes: the log file, created at the first byte, so that a run
 * that writes nothing creates no file (an inode per run was a large part of the
 * kernel's work at 1,000 runs per second: docs/performance.md). */
struct log_sink {
        const char *path;
        int64_t instance_id, exec_id;
        const struct run_spec *spec; /* its job, trace id and log format */
        int fd;      /* -1: not created yet */
        bool broken; /* the file could not be created or written: output is dropped */
};

/* Says on the daemon's log (the supervisor's stderr, in the daemon's format: docs/daemon.md,
 * "Logs") that the run's output is dropped from now on, and why (errno). */
static void sink_broken(struct log_sink *sink, const char *what)
{
        int e = errno;
        sink->broken = true;
        char msg[256];
        snprintf(msg, sizeof(msg), "cannot %s the run's log file: %s; its output from here on "
                 "is dropped", what, strerror(e));
        struct logline l = {.wall_ms = logline_now_ms(), .level = "error", .msg = msg,
                            .job = sink->spec->job, .instance_id = sink->instance_id,
                            .execution_id = sink->exec_id, .trace_id = sink->spec->trace_id};
        logline_write(sink->spec->log_format, &l);
}

/* True when the directory of log file `path` can take a new file. */
static bool log_dir_writable(const char *path)
{
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        return access(slash ? dir : ".", W_OK | X_OK) == 0;
}

/* Copies one read's worth of the non-blocking pipe *outfd to the sink. Returns true
 * when it read something; at end-of-file it closes *outfd and sets it to -1. */
static bool sink_copy(struct log_sink *sink, int *outfd)
{
        char buf[65536];
        ssize_t n = read(*outfd, buf, sizeof(buf));
        if (n < 0)
                return errno == EINTR;
        if (n == 0) {
                close(*outfd);
                *outfd = -1;
                return false;
        }
        if (sink->fd < 0 && !sink->broken) {
                sink->fd = open(sink->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
                if (sink->fd < 0)
                        sink_broken(sink, "create");
        }
        if (sink->fd >= 0 && !sink->broken && write_all(sink->fd, buf, (size_t)n) < 0)
                sink_broken(sink, "write");
        return true;
}

/* The job ended but a process it left behind still holds its output pipe: a child
 * ("bdlog-<execution id>", not a supervisor to a later daemon) copies what it writes to
 * the log until it closes the pipe, so it never gets EPIPE, while the supervisor
 * reports the end now (if the fork fails, that process gets EPIPE on its next write).
 * Closes outfd in the caller; `mine` are the supervisor's other descriptors, closed in
 * the child. */
static void keep_copying(struct log_sink *sink, int outfd, int64_t exec_id, const int mine[3])
{
        pid_t p = fork();
        if (p == 0) {
                for (int i = 0; i < 3; i++)
                        close(mine[i]);
                char name[32];
                snprintf(name, sizeof(name), "bdlog-%" PRId64, exec_id);
                name[15] = '\0';
                prctl(PR_SET_NAME, name, 0, 0, 0);
                while (outfd >= 0) {
                        struct pollfd pf = {.fd = outfd, .events = POLLIN};
                        if (poll(&pf, 1, -1) > 0)
                                sink_copy(sink, &outfd);
                }
                _exit(0);
        }
        close(outfd);
}

/* The supervisor's life after the fork. Never returns. */
static void supervise(const struct run_spec *spec, int gofd, int repfd) __attribute__((noreturn));

static void supervise(const struct run_spec *spec, int gofd, int repfd)
{
        setsid();
        /* Keep only the two pipes (as 3 and 4). */
        int g = fcntl(gofd, F_DUPFD, 100), r = fcntl(repfd, F_DUPFD, 100);
        if (g < 0 || r < 0 || dup2(g, 3) < 0 || dup2(r, 4) < 0)
                _exit(1);
        close_range(5, ~0U, 0);
        gofd = 3;
        repfd = 4;
        fcntl(repfd, F_SETFD, FD_CLOEXEC); /* not for the job */
        signal(SIGCHLD, SIG_DFL); /* the daemon ignores it; we wait for the job */
        signal(SIGPIPE, SIG_IGN);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, NULL);

        /* Named after the instance until the go names the execution: a daemon that
         * restarts meanwhile recognises it (run_supervisor_state). */
        char name[16];
        run_waiting_name(spec->instance_id, name);
        prctl(PR_SET_NAME, name, 0, 0, 0);

        char go[64];
        size_t got = 0;
        while (got < sizeof(go) - 1) {
                ssize_t n = read(gofd, go + got, sizeof(go) - 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
                if (memchr(go, '\n', got))
                        break;
        }
        go[got] = '\0';
        fcntl(gofd, F_SETFD, FD_CLOEXEC); /* kept for the acknowledgement, not for the job */
        char *end;
        errno = 0;
        long long exec_id = strtoll(go, &end, 10);
        if (!strcmp(go, "abort\n"))
                _exit(0); /* the daemon recorded no execution and knows it */
        if (got == 0 || errno || *end != '\n' || exec_id <= 0) {
                /* No go: the daemon stopped (or its commit failed) after it may have
                 * recorded the execution. Say so for the next daemon, which withdraws the
                 * execution and launches the run again: it never started. */
                char status_path[4096], log_path[4096];
                run_paths(spec->dir, spec->instance_id, getpid(), log_path, status_path,
                          sizeof(log_path));
                write_status(status_path, "not-started\n");
                _exit(0);
        }

        run_process_name(exec_id, name);
        prctl(PR_SET_NAME, name, 0, 0, 0);

        /* The environment plus BATCH_EXECUTION_ID. */
        size_t nenv = 0;
        while (spec->envp && spec->envp[nenv])
                nenv++;
        char **envp = calloc(nenv + 2, sizeof(*envp));
        char idvar[64];
        snprintf(idvar, sizeof(idvar), "BATCH_EXECUTION_ID=%lld", exec_id);
        if (!envp)
                _exit(1);
        for (size_t i = 0; i < nenv; i++)
                envp[i] = spec->envp[i];
        envp[nenv] = idvar;

        char line[4400], log_path[4096], status_path[4096];
        run_paths(spec->dir, spec->instance_id, getpid(), log_path, status_path,
                  sizeof(log_path));
        /* The job writes into a pipe; the log file is created at its first byte (struct
         * log_sink), so a silent run creates no file. */
        struct log_sink sink = {.path = log_path, .instance_id = spec->instance_id,
                                .exec_id = exec_id, .spec = spec, .fd = -1};
        int outpipe[2] = {-1, -1}, errpipe[2];
        int sfd = -1;
        bool logs_ok = log_dir_writable(log_path);
        if (!logs_ok || pipe2(outpipe, O_CLOEXEC) < 0 || pipe2(errpipe, O_CLOEXEC) < 0 ||
            (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
                if (!logs_ok)
                        snprintf(line, sizeof(line), "start-failed cannot write the log %s: %s\n",
                                 log_path, strerror(errno));
                else
                        snprintf(line, sizeof(line), "start-failed cannot set up the run's "
                                                     "pipes: %s\n", strerror(errno));
                write_status(status_path, line);
                write_all(repfd, line, strlen(line));
                _exit(0);
        }
        int outfd = outpipe[0];
        fcntl(outfd, F_SETFL, O_NONBLOCK);
        pid_t child;
        if (!spec->user) {
                /* The common case: no user to switch to, so no code of ours runs in the
                 * child and a vfork will do. */
                close(errpipe[0]);
                close(errpipe[1]);
                /* posix_spawn reports only an errno: tell a working directory that cannot
                 * be entered from a command that cannot be run. */
                struct stat st;
                int err = 0;
                char step = STEP_EXEC;
                if (spec->workdir) {
                        if (stat(spec->workdir, &st) < 0 || access(spec->workdir, X_OK) < 0)
                                err = errno;
                        else if (!S_ISDIR(st.st_mode))
                                err = ENOTDIR;
                        if (err)
                                step = STEP_WORKDIR;
                }
                if (!err)
                        err = spawn_job(spec, outpipe[1], envp, &child);
                close(outpipe[1]);
                if (err) {
                        start_failed_line(line, sizeof(line), spec, step, err);
                        write_status(status_path, line);
                        write_all(repfd, line, strlen(line));
                        _exit(0);
                }
                goto running;
        }
        child = fork();
        if (child == 0) {
                close(errpipe[0]);
                close(repfd);
                become_job(spec, outpipe[1], errpipe[1], envp);
        }
        close(errpipe[1]);
        close(outpipe[1]);
        if (child < 0) {
                snprintf(line, sizeof(line), "start-failed fork: %s\n", strerror(errno));
                write_status(status_path, line);
                write_all(repfd, line, strlen(line));
                _exit(0);
        }
        setpgid(child, child);
        char errbuf[64];
        ssize_t n;
        while ((n = read(errpipe[0], errbuf, sizeof(errbuf) - 1)) < 0 && errno == EINTR)
                ;
        close(errpipe[0]);
        if (n > 0) {
                errbuf[n] = '\0';
                waitpid(child, NULL, 0);
                start_failed_line(line, sizeof(line), spec, errbuf[0], atoi(errbuf + 1));
                write_status(status_path, line);
                write_all(repfd, line, strlen(line));
                _exit(0);
        }
running:;
        /* The job is named by its first process and that process's start time (it is not
         * reaped before its end is read, so the pid is still its own here). */
        struct run_job job = {.pid = child};
        struct run_proc pr;
        if (run_proc_read(child, &pr))
                job.start = pr.start;
        snprintf(line, sizeof(line), "running %d %llu\n", (int)child, job.start);
        write_all(repfd, line, strlen(line));
        char job_path[4200];
        run_job_path(spec->dir, spec->instance_id, getpid(), job_path, sizeof(job_path));
        bool job_file = false;

        /* Wait for the job's end, copying its output to the log and forwarding stop
         * signals to its group. The go pipe closes when the daemon is gone: then the job
         * is recorded in its file for the next daemon. On a node of a cluster, the lease
         * file is read every LEASE_POLL_MS: past the node's lease, the job is killed
         * (another node may take the run over then, docs/cluster.md). */
        int status = 0;
        bool lease_killed = false;
        for (;;) {
                pid_t w = waitpid(child, &status, WNOHANG);
                if (w == child)
                        break;
                struct pollfd pf[3] = {{.fd = sfd, .events = POLLIN},
                                       {.fd = outfd, .events = POLLIN},
                                       {.fd = job_file ? -1 : gofd, .events = POLLIN}};
                int pr = poll(pf, 3, spec->lease_watch && !lease_killed ? LEASE_POLL_MS : -1);
                if (spec->lease_watch && !lease_killed &&
                    run_lease_over(spec->dir, sup_mono_ms())) {
                        kill(-child, SIGKILL);
                        lease_killed = true;
                        struct logline l = {.wall_ms = logline_now_ms(), .level = "warn",
                                            .msg = "the node's lease ran out: the job is killed",
                                            .job = spec->job, .instance_id = spec->instance_id,
                                            .execution_id = exec_id, .trace_id = spec->trace_id};
                        logline_write(spec->log_format, &l);
                }
                if (pr < 0)
                        continue;
                if (pf[1].revents)
                        sink_copy(&sink, &outfd);
                if (pf[2].revents) {
                        char b[8];
                        ssize_t g = read(gofd, b, sizeof(b));
                        if (g == 0 || (g < 0 && errno != EINTR && errno != EAGAIN)) {
                                write_job_file(job_path, &job);
                                job_file = true;
                        }
                }
                struct signalfd_siginfo si;
                if (!(pf[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                if (si.ssi_signo == SIGTERM)
                        kill(-child, SIGTERM);
                else if (si.ssi_signo == SIGUSR1)
                        kill(-child, SIGKILL);
        }
        /* Its job file names a process that has ended (and was reaped). */
        if (job_file)
                unlink(job_path);
        /* What the job wrote before it ended. */
        while (outfd >= 0 && sink_copy(&sink, &outfd))
                ;
        if (outfd >= 0)
                keep_copying(&sink, outfd, exec_id, (int[]){gofd, repfd, sfd});
        if (sink.fd >= 0)
                close(sink.fd);
        if (WIFEXITED(status))
                snprintf(line, sizeof(line), "exit %d\n", WEXITSTATUS(status));
        else
                snprintf(line, sizeof(line), "signal %d\n", WTERMSIG(status));
        /* The daemon first (it records the end at once); the status file only when it
         * does not acknowledge the end (it was not there to hear it, or did not commit). */
        write_all(repfd, line, strlen(line));
        if (!acknowledged(gofd))
                write_status(status_path, line);
        _exit(0);
}

/* Starts the supervisor by forking this process. */
static int fork_supervisor(const struct run_spec *spec, struct run_handle *h,
                           struct batch_err *reterr)
{
        int go[2], rep[2];
        if (pipe2(go, O_CLOEXEC) < 0)
                return batch_err_set(reterr, BATCH_EIO, "exec", "pipe: %s", strerror(errno));
        if (pipe2(rep, O_CLOEXEC) < 0) {
                close(go[0]);
                close(go[1]);
                return batch_err_set(reterr, BATCH_EIO, "exec", "pipe: %s", strerror(errno));
        }
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(go[0]);
                close(go[1]);
                close(rep[0]);
                close(rep[1]);
                return batch_err_set(reterr, BATCH_EIO, "exec", "fork: %s", strerror(e));
        }
        if (pid == 0) {
                close(go[1]);
                close(rep[0]);
                supervise(spec, go[0], rep[1]);
        }
        close(go[0]);
        close(rep[1]);
        h->pid = pid;
        h->go_fd = go[1];
        h->report_fd = rep[0];
        return 0;
}

/* ---- the spawner ------------------------------------------------------------------------ */

#define SPAWN_MSG_MAX (64 * 1024) /* larger specs are forked directly */

/* A spec as one message: the instance id, the shell flag, then NUL-terminated strings
 * each after a byte saying whether it is present: dir, workdir, user, job, trace id; a
 * byte: the log format; then the number of
 * arguments and the arguments, the number of environment entries and the entries. */
struct packer {
        char *buf;
        size_t len;
        bool full;
};

static void pack_bytes(struct packer *p, const void *b, size_t n)
{
        if (p->full || p->len + n > SPAWN_MSG_MAX) {
                p->full = true;
                return;
        }
        memcpy(p->buf + p->len, b, n);
        p->len += n;
}

static void pack_str(struct packer *p, const char *s)
{
        char present = s != NULL;
        pack_bytes(p, &present, 1);
        if (s)
                pack_bytes(p, s, strlen(s) + 1);
}

static void pack_list(struct packer *p, char *const *v)
{
        uint32_t n = 0;
        while (v && v[n])
                n++;
        pack_bytes(p, &n, sizeof(n));
        for (uint32_t i = 0; i < n; i++)
                pack_bytes(p, v[i], strlen(v[i]) + 1);
}

struct unpacker {
        char *buf;
        size_t len, at;
        bool bad;
};

static void unpack_bytes(struct unpacker *u, void *b, size_t n)
{
        if (u->bad || u->at + n > u->len) {
                u->bad = true;
                return;
        }
        memcpy(b, u->buf + u->at, n);
        u->at += n;
}

static char *unpack_cstr(struct unpacker *u)
{
        char *s = u->buf + u->at;
        char *end = u->bad ? NULL : memchr(s, '\0', u->len - u->at);
        if (!end) {
                u->bad = true;
                return NULL;
        }
        u->at += (size_t)(end - s) + 1;
        return s;
}

static char *unpack_str(struct unpacker *u)
{
        char present = 0;
        unpack_bytes(u, &present, 1);
        return present && !u->bad ? unpack_cstr(u) : NULL;
}

/* A NULL-terminated array of the list's strings (pointing into the message). */
static char **unpack_list(struct unpacker *u)
{
        uint32_t n = 0;
        unpack_bytes(u, &n, sizeof(n));
        if (u->bad || n > SPAWN_MSG_MAX)
                return NULL;
        char **v = calloc((size_t)n + 1, sizeof(*v));
        for (uint32_t i = 0; v && i < n; i++)
                if (!(v[i] = unpack_cstr(u)))
                        break;
        return v;
}

void run_spawner_serve(int sock)
{
        prctl(PR_SET_NAME, "bdspawn", 0, 0, 0);
        signal(SIGCHLD, SIG_IGN); /* supervisors are reaped at once; the daemon has pidfds */
        signal(SIGPIPE, SIG_IGN);
        signal(SIGINT, SIG_IGN);  /* the daemon decides; it closes the socket when it ends */
        signal(SIGHUP, SIG_IGN);
        static char msg[SPAWN_MSG_MAX + 1];
        for (;;) {
                union {
                        struct cmsghdr h;
                        char b[CMSG_SPACE(2 * sizeof(int))];
                } ctl;
                struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
                struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                                    .msg_controllen = sizeof(ctl.b)};
                ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(0); /* the daemon is gone */
                int fds[2] = {-1, -1};
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(2 * sizeof(int)))
                        memcpy(fds, CMSG_DATA(c), sizeof(fds));
                struct unpacker u = {.buf = msg, .len = (size_t)n};
                struct run_spec spec;
                memset(&spec, 0, sizeof(spec));
                char shell = 0;
                unpack_bytes(&u, &spec.instance_id, sizeof(spec.instance_id));
                unpack_bytes(&u, &shell, 1);
                spec.shell = shell;
                spec.dir = unpack_str(&u);
                spec.workdir = unpack_str(&u);
                spec.user = unpack_str(&u);
                spec.job = unpack_str(&u);
                spec.trace_id = unpack_str(&u);
                char format = 0, lease_watch = 0;
                unpack_bytes(&u, &format, 1);
                unpack_bytes(&u, &lease_watch, 1);
                spec.lease_watch = lease_watch;
                spec.log_format = format == LOG_FORMAT_TEXT ? LOG_FORMAT_TEXT : LOG_FORMAT_JSON;
                char **argv = unpack_list(&u), **envp = unpack_list(&u);
                int32_t answer = -EINVAL;
                if (!u.bad && argv && argv[0] && envp && spec.dir && fds[0] >= 0 && fds[1] >= 0) {
                        spec.argv = argv;
                        spec.envp = envp;
                        pid_t pid = fork();
                        if (pid == 0) {
                                close(sock);
                                signal(SIGINT, SIG_DFL);
                                signal(SIGHUP, SIG_DFL);
                                supervise(&spec, fds[0], fds[1]);
                        }
                        answer = pid < 0 ? -errno : pid;
                }
                free(argv);
                free(envp);
                for (int i = 0; i < 2; i++)
                        if (fds[i] >= 0)
                                close(fds[i]);
                while (send(sock, &answer, sizeof(answer), MSG_NOSIGNAL) < 0 && errno == EINTR)
                        ;
        }
}

void run_spawner_stop(struct run_spawner *sp)
{
        if (sp->fd >= 0)
                close(sp->fd);
        sp->fd = -1;
        sp->pid = 0;
}

/* Asks the spawner for a supervisor. 1: done (0 returned in *rc or an error); 0: not
 * possible this way (too big, or the spawner is gone), fork instead. */
static int spawn_via(struct run_spawner *sp, const struct run_spec *spec, struct run_handle *h,
                     int *rc, struct batch_err *reterr)
{
        static char msg[SPAWN_MSG_MAX];
        struct packer p = {.buf = msg};
        char shell = spec->shell;
        pack_bytes(&p, &spec->instance_id, sizeof(spec->instance_id));
        pack_bytes(&p, &shell, 1);
        pack_str(&p, spec->dir);
        pack_str(&p, spec->workdir);
        pack_str(&p, spec->user);
        pack_str(&p, spec->job);
        pack_str(&p, spec->trace_id);
        char format = (char)spec->log_format, lease_watch = spec->lease_watch;
        pack_bytes(&p, &format, 1);
        pack_bytes(&p, &lease_watch, 1);
        pack_list(&p, spec->argv);
        pack_list(&p, spec->envp);
        if (p.full)
                return 0;
        int go[2], rep[2];
        if (pipe2(go, O_CLOEXEC) < 0) {
                *rc = batch_err_set(reterr, BATCH_EIO, "exec", "pipe: %s", strerror(errno));
                return 1;
        }
        if (pipe2(rep, O_CLOEXEC) < 0) {
                *rc = batch_err_set(reterr, BATCH_EIO, "exec", "pipe: %s", strerror(errno));
                close(go[0]);
                close(go[1]);
                return 1;
        }
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(2 * sizeof(int))];
        } ctl;
        memset(&ctl, 0, sizeof(ctl));
        struct iovec iov = {.iov_base = msg, .iov_len = p.len};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                            .msg_controllen = sizeof(ctl.b)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(2 * sizeof(int));
        int fds[2] = {go[0], rep[1]};
        memcpy(CMSG_DATA(c), fds, sizeof(fds));
        ssize_t w;
        while ((w = sendmsg(sp->fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
                ;
        int32_t answer = 0;
        ssize_t r = -1;
        if (w == (ssize_t)p.len)
                while ((r = recv(sp->fd, &answer, sizeof(answer), 0)) < 0 && errno == EINTR)
                        ;
        close(go[0]);
        close(rep[1]);
        if (r != (ssize_t)sizeof(answer)) {
                /* The spawner is gone: give it up and fork from now on. */
                struct logline l = {.wall_ms = logline_now_ms(), .level = "warn",
                                    .msg = "the spawner process is gone: batchd forks the "
                                           "supervisors itself from now on"};
                logline_write(spec->log_format, &l);
                close(go[1]);
                close(rep[0]);
                run_spawner_stop(sp);
                return 0;
        }
        if (answer < 0) {
                close(go[1]);
                close(rep[0]);
                *rc = batch_err_set(reterr, BATCH_EIO, "exec", "fork: %s", strerror(-answer));
                return 1;
        }
        h->pid = (pid_t)answer;
        h->go_fd = go[1];
        h->report_fd = rep[0];
        *rc = 0;
        return 1;
}

int run_spawn(struct run_spawner *sp, const struct run_spec *spec, struct run_handle *h,
              struct batch_err *reterr)
{
        int rc;
        if (sp && sp->fd >= 0 && spawn_via(sp, spec, h, &rc, reterr))
                return rc;
        return fork_supervisor(spec, h, reterr);
}

int run_go(struct run_handle *h, int64_t exec_id)
{
        char msg[32];
        int n = snprintf(msg, sizeof(msg), "%" PRId64 "\n", exec_id);
        return write_all(h->go_fd, msg, (size_t)n) < 0 ? BATCH_EIO : 0;
}

void run_ack(int go_fd)
{
        write_all(go_fd, "ack\n", 4);
}

void run_abort(struct run_handle *h)
{
        if (h->go_fd >= 0) {
                write_all(h->go_fd, "abort\n", 6);
                close(h->go_fd);
        }
        if (h->report_fd >= 0)
                close(h->report_fd);
        h->go_fd = h->report_fd = -1;
}

void run_read_outcome(const char *path, struct run_outcome *out)
{
        memset(out, 0, sizeof(*out));
        FILE *f = fopen(path, "re");
        if (!f)
                return;
        char line[300];
        if (fgets(line, sizeof(line), f) && strchr(line, '\n')) {
                line[strcspn(line, "\n")] = '\0';
                if (sscanf(line, "exit %d", &out->code) == 1) {
                        out->kind = RUN_EXITED;
                } else if (sscanf(line, "signal %d", &out->code) == 1) {
                        out->kind = RUN_SIGNALED;
                } else if (!strcmp(line, "not-started")) {
                        out->kind = RUN_NOT_STARTED;
                } else if (!strncmp(line, "start-failed ", 13)) {
                        out->kind = RUN_START_FAILED;
                        snprintf(out->msg, sizeof(out->msg), "%s", line + 13);
                }
        }
        fclose(f);
}

enum run_supervisor_state run_supervisor_state(pid_t pid, int64_t exec_id, int64_t instance_id)
{
        if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
                return RUN_SUPERVISOR_GONE;
        char path[64], comm[32] = "", want[16];
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return RUN_SUPERVISOR_GONE;
        if (!fgets(comm, sizeof(comm), f))
                comm[0] = '\0';
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        /* A zombie (our own child, not yet reaped) has ended: its status file says how. */
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if ((f = fopen(path, "re"))) {
                char buf[512];
                size_t n = fread(buf, 1, sizeof(buf) - 1, f);
                buf[n] = '\0';
                fclose(f);
                char *p = strrchr(buf, ')');
                if (p && p[1] == ' ' && p[2] == 'Z')
                        return RUN_SUPERVISOR_GONE;
        }
        run_process_name(exec_id, want);
        if (!strcmp(comm, want))
                return RUN_SUPERVISOR_RUNNING;
        run_waiting_name(instance_id, want);
        return strcmp(comm, want) ? RUN_SUPERVISOR_GONE : RUN_SUPERVISOR_WAITING;
}
