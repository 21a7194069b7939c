/* logline.c: rendering one log line as JSON or text (see logline.h). */
#include "common/logline.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/json.h"

enum log_format log_format_from_name(const char *name)
{
        if (name && !strcmp(name, "json"))
                return LOG_FORMAT_JSON;
        if (name && !strcmp(name, "text"))
                return LOG_FORMAT_TEXT;
        return LOG_FORMAT_INVALID;
}

const char *log_format_name(enum log_format f)
{
        return f == LOG_FORMAT_TEXT ? "text" : "json";
}

int64_t logline_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339 in UTC with milliseconds: "2026-12-06T19:47:38.123Z". */
static void put_time(struct buf *b, int64_t wall_ms)
{
        int64_t ms = wall_ms % 1000, s = wall_ms / 1000;
        if (ms < 0) {
                ms += 1000;
                s--;
        }
        time_t t = (time_t)s;
        struct tm tm;
        char when[40];
        if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm))
                snprintf(when, sizeof(when), "%" PRId64, s);
        buf_printf(b, "%s.%03dZ", when, (int)ms);
}

/* Text: s as is, or in double quotes with C escapes when it is empty or has a space,
 * '"', '=', '\\' or a control character (so that a line stays one line and its fields
 * stay apart). */
static void put_text_value(struct buf *b, const char *s)
{
        bool quote = !*s;
        for (const unsigned char *p = (const unsigned char *)s; *p && !quote; p++)
                quote = *p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f;
        if (!quote) {
                buf_puts(b, s);
                return;
        }
        buf_puts(b, "\"");
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        buf_printf(b, "\\%c", *p);
                else if (*p == '\n')
                        buf_puts(b, "\\n");
                else if (*p == '\t')
                        buf_puts(b, "\\t");
                else if (*p < 0x20 || *p == 0x7f)
                        buf_printf(b, "\\x%02x", *p);
                else
                        buf_add(b, p, 1);
        }
        buf_puts(b, "\"");
}

/* Text: the message as is but for control characters, escaped as in put_text_value. */
static void put_text_msg(struct buf *b, const char *s)
{
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '\n')
                        buf_puts(b, "\\n");
                else if (*p == '\t')
                        buf_puts(b, "\\t");
                else if (*p < 0x20 || *p == 0x7f)
                        buf_printf(b, "\\x%02x", *p);
                else
                        buf_add(b, p, 1);
        }
}

static void render_text(struct buf *b, const struct logline *l)
{
        put_time(b, l->wall_ms);
        const char *lv = !strcmp(l->level, "error") ? "ERROR"
                         : !strcmp(l->level, "warn") ? "WARN "
                                                     : "INFO ";
        buf_printf(b, " %s ", lv);
        put_text_msg(b, l->msg);
        if (l->job) {
                buf_puts(b, " job=");
                put_text_value(b, l->job);
        }
        if (l->instance_id)
                buf_printf(b, " instance_id=%" PRId64, l->instance_id);
        if (l->execution_id)
                buf_printf(b, " execution_id=%" PRId64, l->execution_id);
        if (l->trace_id) {
                buf_puts(b, " trace_id=");
                put_text_value(b, l->trace_id);
        }
        buf_puts(b, "\n");
}

static void render_json(struct buf *b, const struct logline *l)
{
        buf_puts(b, "{\"time\": \"");
        put_time(b, l->wall_ms);
        buf_puts(b, "\", \"level\": ");
        json_put_string(b, l->level);
        buf_puts(b, ", \"msg\": ");
        json_put_string(b, l->msg);
        if (l->job) {
                buf_puts(b, ", \"job\": ");
                json_put_string(b, l->job);
        }
        if (l->instance_id)
                buf_printf(b, ", \"instance_id\": %" PRId64, l->instance_id);
        if (l->execution_id)
                buf_printf(b, ", \"execution_id\": %" PRId64, l->execution_id);
        if (l->trace_id) {
                buf_puts(b, ", \"trace_id\": ");
                json_put_string(b, l->trace_id);
        }
        buf_puts(b, "}\n");
}

void logline_render(struct buf *b, enum log_format f, const struct logline *l)
{
        if (f == LOG_FORMAT_TEXT)
                render_text(b, l);
        else
                render_json(b, l);
}

void logline_write(enum log_format f, const struct logline *l)
{
        struct buf b;
        buf_init(&b, 0);
        logline_render(&b, f, l);
        fflush(stderr);
        if (!b.err)
                fwrite(b.data, 1, b.len, stderr);
        fflush(stderr);
        buf_release(&b);
}
