/* dlog.c: JSON-lines logging (see dlog.h). */
#include "daemon/dlog.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/json.h"
#include "core/isotime.h"

/* 0 info, 1 warn, 2 error. */
static atomic_int min_rank;

static int rank(const char *level)
{
        return !strcmp(level, "error") ? 2 : !strcmp(level, "warn") ? 1 : 0;
}

void dlog_set_level(const char *level)
{
        atomic_store(&min_rank, rank(level));
}

void dlog(const char *level, const char *job, int64_t instance, int64_t execution,
          const char *trace, const char *fmt, ...)
{
        if (rank(level) < atomic_load(&min_rank))
                return;
        char msg[1024], when[ISO_FORMAT_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        struct buf b;
        buf_init(&b, 0);
        buf_puts(&b, "{\"time\": ");
        json_put_string(&b, iso_format_utc((int64_t)time(NULL), when));
        buf_puts(&b, ", \"level\": ");
        json_put_string(&b, level);
        buf_puts(&b, ", \"msg\": ");
        json_put_string(&b, msg);
        if (job) {
                buf_puts(&b, ", \"job\": ");
                json_put_string(&b, job);
        }
        if (instance)
                buf_printf(&b, ", \"instance_id\": %lld", (long long)instance);
        if (execution)
                buf_printf(&b, ", \"execution_id\": %lld", (long long)execution);
        if (trace) {
                buf_puts(&b, ", \"trace_id\": ");
                json_put_string(&b, trace);
        }
        buf_puts(&b, "}\n");
        fwrite(b.data, 1, b.len, stderr);
        fflush(stderr);
        buf_release(&b);
}
