/* supervisor.h: runs one execution of an exec job under a small supervisor process
 * that outlives the daemon (DESIGN §4, docs/daemon.md).
 *
 * run_spawn() starts the supervisor (forked by the spawner process, below, or by the
 * caller), which becomes a session leader and waits for a
 * "go" carrying the execution id. The daemon records the execution (with the
 * supervisor's pid) in the repository first and only then says go, so a run never
 * starts unrecorded. A supervisor that reads end-of-file instead of its go (the daemon
 * died, or its commit failed) writes "not-started" to its status file and exits: the
 * next daemon withdraws the execution and launches the run again, so a run is never
 * lost in that window; "abort" (run_abort: nothing was recorded) makes it exit
 * silently. While it waits it is named "bdgo-<instance id>". After the go the supervisor starts the job in its own process group with
 * its output appended to the log file, reports "running" (with the job's first process:
 * struct run_job) or "start-failed" on a pipe, records the job in its job file when the
 * go pipe closes while the job runs (its daemon is gone: run_job_path),
 * forwards SIGTERM (stop) and SIGUSR1 (kill: SIGKILL) to the job's group, and when the
 * job ends reports its outcome ("exit N", "signal N") on the pipe and waits for the
 * daemon's acknowledgement (run_ack, sent once the end is committed in the repository):
 * with it the supervisor just exits; without it (the daemon died, or did not commit,
 * within ACK_WAIT_S) it first writes the outcome atomically to the status file, where a
 * later daemon finds it. (Writing and fsyncing a status file for every run was a large
 * part of the kernel's work at 1,000 runs per second: docs/performance.md.) A later
 * daemon reads the status file, or finds the supervisor still alive (identified by its
 * process name "bdrun-<execution id>") and keeps watching it. */
#ifndef BATCH_DAEMON_SUPERVISOR_H
#define BATCH_DAEMON_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/logline.h"

struct run_spec {
        char *const *argv;   /* NULL-terminated; argv[0] is found in PATH when it has no '/' */
        bool shell;          /* run argv[0] as a /bin/sh -c script (only if the job asks) */
        char *const *envp;   /* the whole environment; BATCH_EXECUTION_ID is added */
        const char *workdir; /* NULL: the daemon's working directory */
        const char *user;    /* NULL: the daemon's user (setuid needs root) */
        const char *dir;     /* the state directory: logs/ and runs/ below it */
        int64_t instance_id; /* names the files: logs/<instance>-<pid>.log, runs/...status */
        /* For the supervisor's own (rare) lines on the daemon's log: */
        const char *job;            /* the job's name, or NULL */
        const char *trace_id;       /* the instance's trace id, or NULL */
        enum log_format log_format; /* the daemon's (common/logline.h) */
};

/* The log and status paths of the run of instance `instance_id` supervised by `pid`
 * under state directory `dir` (each buffer `len` bytes). */
void run_paths(const char *dir, int64_t instance_id, pid_t pid, char *log, char *status,
               size_t len);

/* The job of a run: its first process, which leads the job's process group (inside the
 * supervisor's session), and that process's start time (clock ticks after boot,
 * /proc/PID/stat). pid 0: not known. */
struct run_job {
        pid_t pid;
        unsigned long long start;
};

/* What /proc/PID/stat says of a process: its state letter ('Z' a zombie), process group,
 * session and start time (clock ticks after boot). */
struct run_proc {
        char state;
        pid_t pgrp, session;
        unsigned long long start;
};

/* Reads process `pid`'s /proc/PID/stat into *out; false when there is no such process. */
bool run_proc_read(pid_t pid, struct run_proc *out);

/* Parses the text of a /proc/PID/stat file (NUL-terminated) into *out; false when it is
 * not one. */
bool run_proc_parse(const char *buf, struct run_proc *out);

/* The job file of the run of instance `instance_id` supervised by `pid` under state
 * directory `dir` ("<dir>/runs/<instance>-<pid>.job", `len` bytes). The supervisor
 * writes it ("PID START BOOT-ID") when its daemon is gone (the go pipe closed), so that
 * a later daemon that finds the supervisor dead without a status can end the job
 * (daemon/jobkill.h), and removes it when the job has ended. */
void run_job_path(const char *dir, int64_t instance_id, pid_t pid, char *path, size_t len);

/* Reads the job file at `path` into *job: true when it exists, is complete and was
 * written since the machine last started (same boot id). */
bool run_read_job(const char *path, struct run_job *job);

/* Parses a job file's line ("PID START BOOT-ID\n", NUL-terminated) into *job: true when
 * it is whole and its boot id is `boot` (the machine's now; "" never matches). */
bool run_parse_job(const char *line, const char *boot, struct run_job *job);

struct run_handle {
        pid_t pid;      /* the supervisor */
        int go_fd;      /* write end: the go message, then the acknowledgement */
        int report_fd;  /* read end: "running PID START\n" (struct run_job), "start-failed
                         * MSG\n", then "exit N\n" or "signal N\n" */
};

/* The spawner: a small helper process, started with the daemon, that forks the
 * supervisors on the daemon's request. Forking from the daemon
 * itself costs time in proportion to its memory (page tables; every supervisor would
 * also keep a copy-on-write image of the daemon for its whole life). The daemon sends
 * the run's spec and the two pipe ends over a socket; the spawner forks and answers
 * with the supervisor's pid. It exits when the daemon closes the socket (or dies). */
struct run_spawner {
        pid_t pid; /* 0: none */
        int fd;    /* the daemon's end of the socket; -1: none */
};

/* The spawner's loop on socket `sock`: one request (spec and the two pipe ends) at a
 * time, answered with the supervisor's pid (or -errno); exits when the socket closes.
 * Never returns. It is the whole of the spawner program (src/spawner/bdspawn.c). */
void run_spawner_serve(int sock) __attribute__((noreturn));

/* Starts the spawner: forks, and the child executes the spawner program, a small
 * program linked with libc only (src/spawner/bdspawn.c; found beside batchd or in
 * ../libexec/batchd/), so that it and every supervisor forked from it are small
 * processes: a fork and an exit cost about half of those of a copy of batchd with its
 * libraries (docs/performance.md). When the program is not there, the child serves
 * from its copy of the daemon, with a warning on stderr in log format `format` (each
 * supervisor writes in its spec's format). `label` (the state directory)
 * is its second argument, so that `ps` tells the spawners (and supervisors) of two
 * daemons apart; it must not be secret. Call it early, before the daemon holds threads
 * or many descriptors. Returns 0, or BATCH_EIO (then sp->fd is -1 and run_spawn forks
 * directly). */
int run_spawner_start(struct run_spawner *sp, const char *label, enum log_format format,
                      struct batch_err *reterr);

/* Closes the socket (the spawner exits) and forgets it. */
void run_spawner_stop(struct run_spawner *sp);

/* Starts the supervisor for *spec (copied into it): through the spawner sp when there
 * is one (sp may be NULL), else by forking this process; a spec too big for one
 * message, or a spawner that stopped answering (it is then given up), falls back to the
 * fork. Returns 0 and *h, or BATCH_EIO with the reason (fork or pipe failed). */
int run_spawn(struct run_spawner *sp, const struct run_spec *spec, struct run_handle *h,
              struct batch_err *reterr);

/* Lets the supervisor start the job as execution `exec_id`; h->go_fd stays open for
 * run_ack (the caller closes it). Returns 0 or BATCH_EIO. */
int run_go(struct run_handle *h, int64_t exec_id);

/* Tells the supervisor on go pipe `go_fd` that its run's end is recorded, so that it
 * exits without writing its status file. The caller closes go_fd after. */
void run_ack(int go_fd);

/* Tells the supervisor not to start (it exits); closes the handle's descriptors. */
void run_abort(struct run_handle *h);

/* How an execution ended, from its status file. */
enum run_outcome_kind {
        RUN_NONE,         /* no status file (yet) */
        RUN_EXITED,       /* `code` is the exit status */
        RUN_SIGNALED,     /* `code` is the signal */
        RUN_START_FAILED, /* `msg` says why */
        RUN_NOT_STARTED,  /* the supervisor got no go: the job never started */
};

struct run_outcome {
        enum run_outcome_kind kind;
        int code;
        char msg[320];
};

/* Reads the status file at `path` into *out (RUN_NONE when it does not exist or is
 * incomplete). */
void run_read_outcome(const char *path, struct run_outcome *out);

enum run_supervisor_state {
        RUN_SUPERVISOR_GONE,    /* not alive, or another process */
        RUN_SUPERVISOR_WAITING, /* alive, waiting for its go (named "bdgo-<instance>") */
        RUN_SUPERVISOR_RUNNING, /* alive after its go (named "bdrun-<execution>") */
};

/* Whether process `pid` is the supervisor of execution `exec_id` of instance
 * `instance_id`, alive, and whether it got its go; tells by the process name. */
enum run_supervisor_state run_supervisor_state(pid_t pid, int64_t exec_id, int64_t instance_id);

/* The supervisor's process name for an execution ("bdrun-<id>", at most 15 bytes). */
void run_process_name(int64_t exec_id, char buf[16]);

/* The supervisor's process name while it waits for its go ("bdgo-<instance id>", at
 * most 15 bytes). */
void run_waiting_name(int64_t instance_id, char buf[16]);

#endif
