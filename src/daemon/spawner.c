/* spawner.c: starting the spawner process (src/daemon/supervisor.h). */
#include "daemon/supervisor.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Replaces this process by the spawner program (src/spawner/bdspawn.c), which is beside
 * batchd's own executable (the build tree) or in ../libexec/batchd/ from it (`make
 * install`: /usr/sbin/batchd, /usr/libexec/batchd/bdspawn), as `bdspawn VERSION
 * LABEL FORMAT` (FORMAT: the log's, json or text): it refuses to serve another version's
 * batchd. Returns only when neither can be executed, with the reason in `why` (`len`
 * bytes). */
static void exec_spawner_program(const char *label, enum log_format format, char *why,
                                 size_t len)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
                snprintf(why, len, "cannot read /proc/self/exe: %s", strerror(errno));
                return;
        }
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
                *slash = '\0';
        char *const argv[] = {(char *)"bdspawn", (char *)BATCH_VERSION, (char *)label,
                              (char *)log_format_name(format), NULL};
        char beside[PATH_MAX + 16], libexec[PATH_MAX + 32];
        snprintf(beside, sizeof(beside), "%s/bdspawn", self);
        snprintf(libexec, sizeof(libexec), "%s/../libexec/batchd/bdspawn", self);
        execv(beside, argv);
        int e1 = errno;
        execv(libexec, argv);
        snprintf(why, len, "%s: %s; %s: %s", beside, strerror(e1), libexec, strerror(errno));
}

int run_spawner_start(struct run_spawner *sp, const char *label, enum log_format format,
                      struct batch_err *reterr)
{
        sp->pid = 0;
        sp->fd = -1;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return batch_err_set(reterr, BATCH_EIO, "exec", "socketpair: %s",
                                     strerror(errno));
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(sv[0]);
                close(sv[1]);
                return batch_err_set(reterr, BATCH_EIO, "exec", "fork: %s", strerror(e));
        }
        if (pid == 0) {
                /* Only the socket (as 3) and the standard descriptors, which the
                 * supervisors inherit as before. */
                prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
                if (getppid() != parent)
                        _exit(0);
                int s = fcntl(sv[1], F_DUPFD, 100);
                if (s < 0 || dup2(s, 3) < 0)
                        _exit(1);
                close_range(4, ~0U, 0);
                char why[2 * PATH_MAX + 128];
                exec_spawner_program(label, format, why, sizeof(why));
                /* Not there (batchd copied alone): serve from this copy of the daemon,
                 * which works the same with a larger image (slower forks). */
                char msg[sizeof(why) + 128];
                snprintf(msg, sizeof(msg), "the spawner program could not be started (%s): "
                                           "a copy of batchd forks the supervisors instead",
                         why);
                logline_write(format, &(struct logline){.wall_ms = logline_now_ms(),
                                                        .level = "warn", .msg = msg});
                run_spawner_serve(3);
        }
        close(sv[1]);
        sp->pid = pid;
        sp->fd = sv[0];
        return 0;
}
