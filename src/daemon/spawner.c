/* spawner.c: starting the spawner process (src/daemon/supervisor.h). */
#include "daemon/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Replaces this process by the spawner program compiled into batchd (run_spawner_image,
 * written to a memory file and executed from it). Returns only on failure, with errno. */
static void exec_spawner_image(void)
{
        int fd = memfd_create("bdspawn", MFD_CLOEXEC);
        size_t len = (size_t)(run_spawner_image_end - run_spawner_image);
        if (fd < 0)
                return;
        for (size_t done = 0; done < len;) {
                ssize_t n = write(fd, run_spawner_image + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        int e = n < 0 ? errno : EIO;
                        close(fd);
                        errno = e;
                        return;
                }
                done += (size_t)n;
        }
        char *const argv[] = {(char *)"bdspawn", NULL};
        fexecve(fd, argv, environ);
        int e = errno;
        close(fd);
        errno = e;
}

int run_spawner_start(struct run_spawner *sp, struct batch_err *reterr)
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
                exec_spawner_image();
                /* Not possible (no memfd, a noexec restriction): serve from this copy of
                 * the daemon, with its larger image. */
                fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"the spawner runs as a copy "
                                "of batchd (its own image could not be started: %s)\"}\n",
                        strerror(errno));
                run_spawner_serve(3);
        }
        close(sv[1]);
        sp->pid = pid;
        sp->fd = sv[0];
        return 0;
}
