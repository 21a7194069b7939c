/* quartzcron.c: Quartz schedules in batchd's terms (import.h): a Quartz cron expression
 * (day-of-week 1-7 from Sunday) as a batchd one, and a simple trigger's fixed interval as
 * a cron expression. Pure string work; the rules are in docs/import.md, "Quartz". */
#include "import/import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

static int fail(char *why, size_t whylen, int code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
        return code;
}

/* A Quartz day of week (a number 1-7 from Sunday, or a name) as 1..7; 0 when it is
 * neither. */
static int quartz_day(const char *s, size_t n)
{
        if (n == 1 && s[0] >= '1' && s[0] <= '7')
                return s[0] - '0';
        if (n == 3)
                for (int d = 0; d < 7; d++)
                        if (!strncasecmp(s, day_names[d], 3))
                                return d + 1;
        return 0;
}

/* Appends text to out (at *pos), keeping it NUL-terminated; false when it does not fit. */
static bool put(char *out, size_t outlen, size_t *pos, const char *text)
{
        size_t n = strlen(text);
        if (*pos + n + 1 > outlen)
                return false;
        memcpy(out + *pos, text, n + 1);
        *pos += n;
        return true;
}

/* One item of the list (no comma): appended to out in batchd's terms. */
static int dow_item(const char *s, size_t n, char *out, size_t outlen, size_t *pos, char *why,
                    size_t whylen)
{
        char item[64];
        if (n >= sizeof(item))
                return fail(why, whylen, BATCH_ESYNTAX, "day-of-week: \"%.*s...\" is too long",
                            20, s);
        memcpy(item, s, n);
        item[n] = 0;
        const char *hash = strchr(item, '#'), *slash = strchr(item, '/'), *dash = strchr(item, '-');
        char buf[64];
        if (!strcmp(item, "?") || !strcmp(item, "*"))
                return put(out, outlen, pos, item) ? 0 : BATCH_ESYNTAX;
        if (!strcasecmp(item, "L")) /* alone: the last day of the week, Saturday */
                return put(out, outlen, pos, "SAT") ? 0 : BATCH_ESYNTAX;
        if (hash) {
                int d = quartz_day(item, (size_t)(hash - item));
                if (!d)
                        return fail(why, whylen, BATCH_ESYNTAX,
                                    "day-of-week: \"%s\": the day before # must be 1-7 "
                                    "(Quartz counts from 1 = Sunday) or a name",
                                    item);
                snprintf(buf, sizeof(buf), "%s#%s", day_names[d - 1], hash + 1);
                return put(out, outlen, pos, buf) ? 0 : BATCH_ESYNTAX;
        }
        if (n >= 2 && (item[n - 1] == 'L' || item[n - 1] == 'l')) {
                int d = quartz_day(item, n - 1);
                if (!d)
                        return fail(why, whylen, BATCH_ESYNTAX,
                                    "day-of-week: \"%s\": the day before L must be 1-7 "
                                    "(Quartz counts from 1 = Sunday) or a name",
                                    item);
                snprintf(buf, sizeof(buf), "%sL", day_names[d - 1]);
                return put(out, outlen, pos, buf) ? 0 : BATCH_ESYNTAX;
        }
        /* a, a-b, a/n, a-b/n, star/n: first, last and step in Quartz's numbers */
        const char *end = slash ? slash : item + n;
        int first, last, step = 0;
        if (end - item == 1 && item[0] == '*') {
                first = 1, last = 7;
        } else if (dash && dash < end) {
                first = quartz_day(item, (size_t)(dash - item));
                last = quartz_day(dash + 1, (size_t)(end - dash - 1));
        } else {
                first = quartz_day(item, (size_t)(end - item));
                last = slash ? 7 : first;
        }
        if (!first || !last)
                return fail(why, whylen, BATCH_ESYNTAX,
                            "day-of-week: \"%s\": days are 1-7 (Quartz counts from 1 = Sunday) "
                            "or SUN-SAT",
                            item);
        if (first > last)
                return fail(why, whylen, BATCH_ESYNTAX,
                            "day-of-week: \"%s\": the range runs backwards", item);
        if (slash) {
                char *e;
                long v = strtol(slash + 1, &e, 10);
                if (!slash[1] || *e || v < 1 || v > 7)
                        return fail(why, whylen, BATCH_ESYNTAX,
                                    "day-of-week: \"%s\": the step must be 1-7", item);
                step = (int)v;
        }
        if (!step && first == last)
                return put(out, outlen, pos, day_names[first - 1]) ? 0 : BATCH_ESYNTAX;
        if (!step) {
                snprintf(buf, sizeof(buf), "%s-%s", day_names[first - 1], day_names[last - 1]);
                return put(out, outlen, pos, buf) ? 0 : BATCH_ESYNTAX;
        }
        /* A step is spelled out: batchd's own a/n counts up to 7 (Sunday again). */
        for (int d = first; d <= last; d += step) {
                if (d != first && !put(out, outlen, pos, ","))
                        return BATCH_ESYNTAX;
                if (!put(out, outlen, pos, day_names[d - 1]))
                        return BATCH_ESYNTAX;
        }
        return 0;
}

int import_quartz_dow(const char *in, char *out, size_t outlen, char *why, size_t whylen)
{
        size_t pos = 0;
        if (outlen)
                out[0] = 0;
        if (whylen)
                why[0] = 0;
        if (!*in)
                return fail(why, whylen, BATCH_ESYNTAX, "day-of-week: empty");
        for (const char *p = in;;) {
                const char *c = strchr(p, ',');
                size_t n = c ? (size_t)(c - p) : strlen(p);
                if (!n)
                        return fail(why, whylen, BATCH_ESYNTAX,
                                    "day-of-week: \"%s\" has an empty list item", in);
                if (p != in && !put(out, outlen, &pos, ","))
                        return fail(why, whylen, BATCH_ESYNTAX, "day-of-week: too long");
                int r = dow_item(p, n, out, outlen, &pos, why, whylen);
                if (r < 0) {
                        if (!why[0])
                                fail(why, whylen, r, "day-of-week: too long");
                        return r;
                }
                if (!c)
                        break;
                p = c + 1;
        }
        return 0;
}

int import_quartz_cron(const char *in, char *out, size_t outlen, char *why, size_t whylen)
{
        char fields[7][128];
        int n = 0;
        if (whylen)
                why[0] = 0;
        for (const char *p = in;;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                const char *s = p;
                while (*p && *p != ' ' && *p != '\t')
                        p++;
                if (n == 7)
                        return fail(why, whylen, BATCH_ESYNTAX,
                                    "\"%s\" has more than 7 fields (Quartz: seconds minutes "
                                    "hours day-of-month month day-of-week [year])",
                                    in);
                if ((size_t)(p - s) >= sizeof(fields[0]))
                        return fail(why, whylen, BATCH_ESYNTAX, "a field of \"%s\" is too long",
                                    in);
                memcpy(fields[n], s, (size_t)(p - s));
                fields[n][p - s] = 0;
                n++;
        }
        if (n < 6)
                return fail(why, whylen, BATCH_ESYNTAX,
                            "\"%s\" has %d field%s; Quartz needs 6 or 7 (seconds minutes hours "
                            "day-of-month month day-of-week [year])",
                            in, n, n == 1 ? "" : "s");
        char dow[256];
        int r = import_quartz_dow(fields[5], dow, sizeof(dow), why, whylen);
        if (r < 0)
                return r;
        int len;
        if (n == 6)
                len = snprintf(out, outlen, "%s %s %s %s %s %s", fields[0], fields[1], fields[2],
                               fields[3], fields[4], dow);
        else
                len = snprintf(out, outlen, "%s %s %s %s %s %s %s", fields[0], fields[1],
                               fields[2], fields[3], fields[4], dow, fields[6]);
        if (len < 0 || (size_t)len >= outlen)
                return fail(why, whylen, BATCH_ESYNTAX, "\"%s\" is too long", in);
        return 0;
}

int import_interval_cron(long long interval_ms, long phase_s, char *out, size_t outlen,
                         char *why, size_t whylen)
{
        if (whylen)
                why[0] = 0;
        if (interval_ms <= 0 || interval_ms % 1000)
                return fail(why, whylen, BATCH_ERANGE,
                            "an interval of %lld ms is not a positive whole number of seconds",
                            interval_ms);
        long long i = interval_ms / 1000;
        long p = ((phase_s % 86400) + 86400) % 86400;
        int sec = (int)(p % 60), min = (int)(p / 60 % 60);
        int len;
        if (i < 60 && 60 % i == 0)
                len = snprintf(out, outlen, "%lld/%lld * * * * *", p % i, i);
        else if (i < 3600 && i % 60 == 0 && 3600 % i == 0)
                len = snprintf(out, outlen, "%d %lld/%lld * * * *", sec, p / 60 % (i / 60),
                               i / 60);
        else if (i < 86400 && i % 3600 == 0 && 86400 % i == 0)
                len = snprintf(out, outlen, "%d %d %lld/%lld * * *", sec, min,
                               p / 3600 % (i / 3600), i / 3600);
        else if (i == 86400)
                len = snprintf(out, outlen, "%d %d %ld * * *", sec, min, p / 3600);
        else
                return fail(why, whylen, BATCH_ERANGE,
                            "an interval of %lld s does not divide a minute, an hour or a day "
                            "evenly, so no cron expression fires at those times",
                            i);
        if (len < 0 || (size_t)len >= outlen)
                return fail(why, whylen, BATCH_ERANGE, "the expression does not fit");
        return 0;
}
