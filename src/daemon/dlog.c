/* dlog.c: the daemon's log (see dlog.h), rendered by common/logline.c. */
#include "daemon/dlog.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

/* 0 info, 1 warn, 2 error. */
static atomic_int min_rank;
static atomic_int format = LOG_FORMAT_JSON;

static int rank(const char *level)
{
        return !strcmp(level, "error") ? 2 : !strcmp(level, "warn") ? 1 : 0;
}

void dlog_set_level(const char *level)
{
        atomic_store(&min_rank, rank(level));
}

void dlog_set_format(enum log_format f)
{
        atomic_store(&format, (int)f);
}

enum log_format dlog_format(void)
{
        return (enum log_format)atomic_load(&format);
}

void dlog(const char *level, const char *job, int64_t instance, int64_t execution,
          const char *trace, const char *fmt, ...)
{
        if (rank(level) < atomic_load(&min_rank))
                return;
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        struct logline l = {.wall_ms = logline_now_ms(), .level = level, .msg = msg, .job = job,
                            .instance_id = instance, .execution_id = execution,
                            .trace_id = trace};
        logline_write(dlog_format(), &l);
}
