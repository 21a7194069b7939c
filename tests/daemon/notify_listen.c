/* notify_listen.c: stands in for systemd's notification socket in tests/daemon/run.sh.
 * Usage: notify_listen PATH SECONDS. Binds a Unix datagram socket at PATH and prints each
 * datagram received within SECONDS on one line (its newlines as spaces), flushed at once. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: notify_listen PATH SECONDS\n");
                return 2;
        }
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (strlen(argv[1]) >= sizeof(a.sun_path)) {
                fprintf(stderr, "notify_listen: path too long\n");
                return 2;
        }
        strcpy(a.sun_path, argv[1]);
        int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        unlink(argv[1]);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
                fprintf(stderr, "notify_listen: %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long long limit_ms = atoll(argv[2]) * 1000;
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &t);
                long long used = (t.tv_sec - t0.tv_sec) * 1000LL + (t.tv_nsec - t0.tv_nsec) / 1000000;
                if (used >= limit_ms)
                        break;
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, (int)(limit_ms - used)) <= 0)
                        continue;
                char buf[4096];
                ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                for (ssize_t i = 0; i < n; i++)
                        if (buf[i] == '\n')
                                buf[i] = ' ';
                printf("%s\n", buf);
                fflush(stdout);
        }
        unlink(argv[1]);
        return 0;
}
