/* jobkill.c: ending what is left of a lost run's job (see jobkill.h). */
#include "daemon/jobkill.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* At most this many scans of /proc: the job's processes may fork while they are killed
 * (the children a scan missed are found by the next). */
#define KILL_PASSES 50

struct killed {
        int *fds;    /* pidfds of the processes sent SIGKILL */
        pid_t *pids; /* and their pids */
        size_t n, cap;
};

static bool already(const struct killed *k, pid_t pid)
{
        for (size_t i = 0; i < k->n; i++)
                if (k->pids[i] == pid)
                        return true;
        return false;
}

static bool is_job(const struct run_proc *p, pid_t supervisor, const struct run_job *job)
{
        return p->state != 'Z' && p->state != 'X' && p->session == supervisor &&
               p->start >= job->start;
}

/* One scan: the live processes of the supervisor's session that started no earlier
 * than the job, into *pids (n returned); *in_group: one of them is in the job's group. */
static size_t scan(pid_t supervisor, const struct run_job *job, pid_t **pids, size_t *cap,
                   bool *in_group)
{
        size_t n = 0;
        *in_group = false;
        DIR *d = opendir("/proc");
        if (!d)
                return 0;
        struct dirent *e;
        while ((e = readdir(d))) {
                char *end;
                long v = strtol(e->d_name, &end, 10);
                struct run_proc p;
                if (*end || v <= 0 || !run_proc_read((pid_t)v, &p) || !is_job(&p, supervisor, job))
                        continue;
                if (n == *cap) {
                        size_t c = *cap ? *cap * 2 : 16;
                        pid_t *np = realloc(*pids, c * sizeof(*np));
                        if (!np)
                                break;
                        *pids = np;
                        *cap = c;
                }
                (*pids)[n++] = (pid_t)v;
                *in_group |= p.pgrp == job->pid;
        }
        closedir(d);
        return n;
}

/* Sends SIGKILL to process `pid` through a pidfd once it is checked to be the job's
 * still; keeps the pidfd in *k to wait for its end. True when sent. */
static bool kill_one(pid_t pid, pid_t supervisor, const struct run_job *job, struct killed *k)
{
        if (k->n == k->cap) {
                size_t c = k->cap ? k->cap * 2 : 16;
                int *nf = realloc(k->fds, c * sizeof(*nf));
                if (nf)
                        k->fds = nf;
                pid_t *np = realloc(k->pids, c * sizeof(*np));
                if (np)
                        k->pids = np;
                if (!nf || !np)
                        return false;
                k->cap = c;
        }
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return false;
        /* The pidfd names the process that had the pid when it was opened; /proc names
         * the one that has it now: while the pidfd's process is alive after the read,
         * they are the same. */
        struct run_proc p;
        if (!run_proc_read(pid, &p) || !is_job(&p, supervisor, job) ||
            syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0 ||
            syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0) {
                close(fd);
                return false;
        }
        k->fds[k->n] = fd;
        k->pids[k->n++] = pid;
        return true;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t job_kill(pid_t supervisor, const struct run_job *job, int wait_ms, size_t *left)
{
        struct killed k = {0};
        pid_t *pids = NULL;
        size_t cap = 0;
        if (left)
                *left = 0;
        if (supervisor <= 0 || job->pid <= 0)
                return 0;
        for (int pass = 0; pass < KILL_PASSES; pass++) {
                bool in_group;
                size_t n = scan(supervisor, job, &pids, &cap, &in_group);
                /* The first scan must find the job's group: it tells the session is the
                 * supervisor's (not a new one with a recycled id). */
                if (n == 0 || (pass == 0 && !in_group))
                        break;
                size_t sent = 0;
                for (size_t i = 0; i < n; i++)
                        if (!already(&k, pids[i]))
                                sent += kill_one(pids[i], supervisor, job, &k);
                if (!sent)
                        break;
        }
        free(pids);
        /* A pidfd is readable once its process has ended. */
        int64_t deadline = now_ms() + wait_ms;
        size_t waiting = k.n;
        struct pollfd *pf = calloc(k.n ? k.n : 1, sizeof(*pf));
        for (size_t i = 0; pf && i < k.n; i++)
                pf[i] = (struct pollfd){.fd = k.fds[i], .events = POLLIN};
        while (pf && waiting) {
                int64_t t = deadline - now_ms();
                if (t <= 0 || poll(pf, k.n, (int)t) < 0) {
                        if (t > 0 && errno == EINTR)
                                continue;
                        break;
                }
                waiting = 0;
                for (size_t i = 0; i < k.n; i++) {
                        if (pf[i].revents)
                                pf[i].fd = -1;
                        waiting += pf[i].fd >= 0;
                }
        }
        if (!pf)
                waiting = k.n;
        free(pf);
        for (size_t i = 0; i < k.n; i++)
                close(k.fds[i]);
        free(k.fds);
        free(k.pids);
        if (left)
                *left = waiting;
        return k.n;
}
