/* jobkill.h: ending what is left of a lost run's job (docs/daemon.md, "Runs and their
 * supervisors"). A run is lost when its supervisor ended without a word (killed): its
 * job, in a process group of its own inside the supervisor's session, may still run, and
 * must not run on beside the instance's retry. */
#ifndef BATCH_DAEMON_JOBKILL_H
#define BATCH_DAEMON_JOBKILL_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon/supervisor.h"

/* Sends SIGKILL to every process left of *job, the job of the dead supervisor
 * `supervisor`, and waits up to `wait_ms` for them to end. A process is the job's when
 * it is in the supervisor's session and started no earlier than the job's first process,
 * and only while some such process is still in the job's process group (the group's id
 * is the first process's pid): a pid is not given again while a group or session of
 * that id has a member, so a group and a session with these ids holding a member are
 * the job's, unless both ended and both pids were given to new processes that made
 * them a session and a group again. Each process is checked again through a pidfd
 * before the signal, so a process that ended meanwhile is never confused with a new
 * one of the same pid. Processes that left the session (setsid) are not the run's, as
 * for a run that ends normally. Returns how many processes were sent SIGKILL; *left
 * (may be NULL) is how many of them had not ended within `wait_ms`. */
size_t job_kill(pid_t supervisor, const struct run_job *job, int wait_ms, size_t *left);

#endif
