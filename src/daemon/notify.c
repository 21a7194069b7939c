/* notify.c: the sd_notify(3) protocol (notify.h). */
#include "daemon/notify.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void notify_init(struct notifier *n, const char **why)
{
        memset(n, 0, sizeof(*n));
        n->fd = -1;
        *why = NULL;
        const char *sock = getenv("NOTIFY_SOCKET");
        const char *wd = getenv("WATCHDOG_USEC"), *wdpid = getenv("WATCHDOG_PID");
        if (wd) {
                char *end;
                errno = 0;
                long long us = strtoll(wd, &end, 10);
                bool mine = !wdpid || atoll(wdpid) == (long long)getpid();
                if (errno || end == wd || *end || us <= 0)
                        *why = "WATCHDOG_USEC is not a positive number: no watchdog";
                else if (mine)
                        n->watchdog_us = us;
        }
        if (sock && *sock) {
                size_t len = strlen(sock);
                if ((sock[0] != '/' && sock[0] != '@') || len >= sizeof(n->path)) {
                        *why = "NOTIFY_SOCKET is neither a path nor an abstract name (@...): "
                               "systemd is not told";
                } else {
                        memcpy(n->path, sock, len);
                        if (sock[0] == '@')
                                n->path[0] = '\0';
                        n->path_len = (unsigned)len;
                        n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                        if (n->fd < 0)
                                *why = "cannot create the socket to NOTIFY_SOCKET: systemd is "
                                       "not told";
                }
        }
        if (n->fd < 0)
                n->watchdog_us = 0;
        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
}

int notify_send(struct notifier *n, const char *state)
{
        if (n->fd < 0)
                return 0;
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        memcpy(a.sun_path, n->path, n->path_len);
        socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n->path_len);
        ssize_t w;
        while ((w = sendto(n->fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&a,
                           alen)) < 0 &&
               errno == EINTR)
                ;
        return w < 0 ? -1 : 0;
}

int64_t notify_watchdog(struct notifier *n, int64_t now_ms, int64_t max_ms)
{
        if (n->watchdog_us <= 0)
                return max_ms;
        int64_t half_ms = n->watchdog_us / 2000;
        if (half_ms < 1)
                half_ms = 1;
        if (now_ms - n->last_watchdog_ms >= half_ms) {
                notify_send(n, "WATCHDOG=1");
                n->last_watchdog_ms = now_ms;
        }
        int64_t left = n->last_watchdog_ms + half_ms - now_ms;
        return left < max_ms ? left : max_ms;
}

void notify_close(struct notifier *n)
{
        if (n->fd >= 0)
                close(n->fd);
        n->fd = -1;
}
