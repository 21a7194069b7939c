/* dlog.h: the daemon's structured log on stderr (which `--log-file` points at the file,
 * for the supervisors too): one line per call with the time, level, message and the ids
 * of the job, instance, execution and trace it concerns (DESIGN §4: the seed's MDC), as
 * JSON (the default) or text (common/logline.h; docs/daemon.md, "Logs"). Never writes
 * secrets: callers pass ids and reasons only. */
#ifndef BATCH_DAEMON_DLOG_H
#define BATCH_DAEMON_DLOG_H

#include <stdint.h>
#include <stdio.h>

#include "common/logline.h"

/* Logs `msg` (printf format) at `level` ("info", "warn", "error") with the optional job
 * (NULL), instance id, execution id (0: none) and trace id (NULL). */
void dlog(const char *level, const char *job, int64_t instance, int64_t execution,
          const char *trace, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Sets the lowest level dlog writes: "info" (the default), "warn" or "error"; lines of
 * a lower level are dropped. Any thread may call it. */
void dlog_set_level(const char *level);

/* Sets the format of the lines written from now on (LOG_FORMAT_JSON by default). Any
 * thread may call it. */
void dlog_set_format(enum log_format f);

/* The format in force, for the processes batchd starts (its spawner, supervisors). */
enum log_format dlog_format(void);

#endif
