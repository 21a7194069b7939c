/* supervisor.c: the per-execution supervisor process (see supervisor.h). */
#include "daemon/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void run_process_name(int64_t exec_id, char buf[16])
{
        char full[32];
        snprintf(full, sizeof(full), "bdrun-%" PRId64, exec_id);
        memcpy(buf, full, 15);
        buf[15] = '\0';
}

void run_paths(const char *dir, int64_t instance_id, pid_t pid, char *log, char *status,
               size_t len)
{
        snprintf(log, len, "%s/logs/%" PRId64 "-%d.log", dir, instance_id, (int)pid);
        snprintf(status, len, "%s/runs/%" PRId64 "-%d.status", dir, instance_id, (int)pid);
}

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

/* Writes the outcome line to path atomically (temporary file, fsync, rename). */
static void write_status(const char *path, const char *line)
{
        char tmp[4200];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0)
                return;
        if (write_all(fd, line, strlen(line)) < 0 || fsync(fd) < 0) {
                close(fd);
                return;
        }
        close(fd);
        rename(tmp, path);
}

/* In the job's child: become the job. Never returns; on failure writes errno to errfd. */
static void become_job(const struct run_spec *spec, int logfd, int errfd,
                       char *const *envp) __attribute__((noreturn));

static void become_job(const struct run_spec *spec, int logfd, int errfd, char *const *envp)
{
        int err = 0;
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
                err = errno;
        if (!err && spec->user) {
                struct passwd *pw = getpwnam(spec->user);
                if (!pw)
                        err = ENOENT;
                else if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
                         setuid(pw->pw_uid) < 0)
                        err = errno;
        }
        if (!err && spec->workdir && chdir(spec->workdir) < 0)
                err = errno;
        if (!err) {
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
        int n = snprintf(msg, sizeof(msg), "%d", err);
        write_all(errfd, msg, (size_t)n);
        _exit(127);
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
        close(gofd);
        char *end;
        errno = 0;
        long long exec_id = strtoll(go, &end, 10);
        if (got == 0 || errno || *end != '\n' || exec_id <= 0)
                _exit(0); /* no go: the daemon did not record the run */

        char name[16];
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
        int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        int errpipe[2];
        if (logfd < 0 || pipe2(errpipe, O_CLOEXEC) < 0) {
                snprintf(line, sizeof(line), "start-failed cannot open the log %s: %s\n",
                         log_path, strerror(errno));
                write_status(status_path, line);
                write_all(repfd, line, strlen(line));
                _exit(0);
        }
        pid_t child = fork();
        if (child == 0) {
                close(errpipe[0]);
                close(repfd);
                become_job(spec, logfd, errpipe[1], envp);
        }
        close(errpipe[1]);
        close(logfd);
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
                int err = atoi(errbuf);
                waitpid(child, NULL, 0);
                snprintf(line, sizeof(line), "start-failed %s: %s\n",
                         spec->shell ? "/bin/sh" : spec->argv[0], strerror(err));
                write_status(status_path, line);
                write_all(repfd, line, strlen(line));
                _exit(0);
        }
        snprintf(line, sizeof(line), "running %d\n", (int)child);
        write_all(repfd, line, strlen(line));

        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        int status = 0;
        for (;;) {
                pid_t w = waitpid(child, &status, WNOHANG);
                if (w == child)
                        break;
                struct signalfd_siginfo si;
                if (sfd < 0 || read(sfd, &si, sizeof(si)) != sizeof(si)) {
                        if (sfd < 0)
                                waitpid(child, &status, 0);
                        if (sfd < 0)
                                break;
                        continue;
                }
                if (si.ssi_signo == SIGTERM)
                        kill(-child, SIGTERM);
                else if (si.ssi_signo == SIGUSR1)
                        kill(-child, SIGKILL);
        }
        if (WIFEXITED(status))
                snprintf(line, sizeof(line), "exit %d\n", WEXITSTATUS(status));
        else
                snprintf(line, sizeof(line), "signal %d\n", WTERMSIG(status));
        write_status(status_path, line);
        _exit(0);
}

int run_spawn(const struct run_spec *spec, struct run_handle *h, struct batch_err *reterr)
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

int run_go(struct run_handle *h, int64_t exec_id)
{
        char msg[32];
        int n = snprintf(msg, sizeof(msg), "%" PRId64 "\n", exec_id);
        ssize_t w = write_all(h->go_fd, msg, (size_t)n);
        close(h->go_fd);
        h->go_fd = -1;
        return w < 0 ? BATCH_EIO : 0;
}

void run_abort(struct run_handle *h)
{
        if (h->go_fd >= 0)
                close(h->go_fd);
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
                } else if (!strncmp(line, "start-failed ", 13)) {
                        out->kind = RUN_START_FAILED;
                        snprintf(out->msg, sizeof(out->msg), "%s", line + 13);
                }
        }
        fclose(f);
}

bool run_supervisor_alive(pid_t pid, int64_t exec_id)
{
        if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
                return false;
        char path[64], comm[32] = "", want[16];
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
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
                        return false;
        }
        run_process_name(exec_id, want);
        return strcmp(comm, want) == 0;
}
