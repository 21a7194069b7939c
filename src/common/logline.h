/* logline.h: one line of batchd's log, rendered in one of two formats (docs/daemon.md,
 * "Logs"): JSON (one object per line: time, level, msg and the ids present) or text (the
 * same fields for a person reading a terminal). Every writer of the daemon's log — batchd
 * (daemon/dlog.h), its spawner and the supervisors — renders through here, so the two
 * formats carry the same fields. No state; logline_write is the only I/O. */
#ifndef BATCH_COMMON_LOGLINE_H
#define BATCH_COMMON_LOGLINE_H

#include <stdint.h>

#include "common/buf.h"

enum log_format {
        LOG_FORMAT_JSON,
        LOG_FORMAT_TEXT,
        LOG_FORMAT_X_MAX,
        LOG_FORMAT_INVALID = -1
};

/* One line. Callers pass ids and reasons only, never a secret. */
struct logline {
        int64_t wall_ms;     /* real time, milliseconds since the epoch (UTC) */
        const char *level;   /* "info", "warn" or "error" */
        const char *msg;     /* one sentence; control characters are escaped */
        const char *job;     /* NULL: none */
        int64_t instance_id; /* 0: none */
        int64_t execution_id;
        const char *trace_id; /* NULL: none */
};

/* The format named `name` ("json" or "text"), or LOG_FORMAT_INVALID. */
enum log_format log_format_from_name(const char *name);

/* The name of format f ("json", "text"). */
const char *log_format_name(enum log_format f);

/* Appends `l` rendered in format f as one line ending in '\n' to b. JSON: {"time":
 * "2026-12-06T19:47:38.123Z", "level": ..., "msg": ..., "job", "instance_id",
 * "execution_id", "trace_id" when present}. Text: "2026-12-06T19:47:38.123Z INFO  MSG
 * job=J instance_id=N execution_id=N trace_id=T", a value with a space, '"', '=' or a
 * control character in double quotes with C escapes. */
void logline_render(struct buf *b, enum log_format f, const struct logline *l);

/* Writes `l` rendered in format f to stderr (one write, so that lines of several
 * processes appending to one log file stay whole). */
void logline_write(enum log_format f, const struct logline *l);

/* The real time now in milliseconds since the epoch, for wall_ms. */
int64_t logline_now_ms(void);

#endif
