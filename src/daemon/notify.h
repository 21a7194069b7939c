/* notify.h: telling systemd how batchd is doing (the sd_notify(3) protocol: datagrams of
 * "KEY=VALUE" lines on the Unix socket named by $NOTIFY_SOCKET), for a unit of
 * Type=notify with a watchdog (packaging/batchd.service, docs/daemon.md). Written by
 * hand rather than linking libsystemd: the protocol is one sendto, and libsystemd with
 * its compression and crypto libraries would add about 1 MiB to a daemon whose memory
 * target is 30 MB (docs/performance.md). Without $NOTIFY_SOCKET every call does nothing. */
#ifndef BATCH_DAEMON_NOTIFY_H
#define BATCH_DAEMON_NOTIFY_H

#include <stdint.h>

struct notifier {
        int fd;                  /* -1: not under systemd (or the socket is unusable) */
        char path[108];          /* the socket's address; path[0] '\0' for an abstract one */
        unsigned path_len;       /* bytes of path used in the address */
        int64_t watchdog_us;     /* WATCHDOG_USEC for this process; 0: no watchdog */
        int64_t last_watchdog_ms; /* monotonic time of the last WATCHDOG=1 */
};

/* Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID and removes them from the
 * environment (so no child inherits them). An unusable value leaves n->fd -1 and is
 * reported in *why (a static string; NULL when there is nothing to report). */
void notify_init(struct notifier *n, const char **why);

/* Sends `state` (one or more "KEY=VALUE" lines, e.g. "READY=1\nSTATUS=..."). Returns 0,
 * or -1 with errno when the datagram could not be sent; 0 without a socket. */
int notify_send(struct notifier *n, const char *state);

/* Sends WATCHDOG=1 when a watchdog is wanted and half its period passed since the last
 * one (`now_ms` monotonic). Returns the milliseconds until the next one is due (at most
 * `max_ms`), for the caller's wait. */
int64_t notify_watchdog(struct notifier *n, int64_t now_ms, int64_t max_ms);

/* Closes the socket. */
void notify_close(struct notifier *n);

#endif
