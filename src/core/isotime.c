/* isotime.c: ISO 8601 date-time parsing and formatting (see isotime.h). */
#include "isotime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"

static int digits(const char **s, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                char ch = (*s)[i];
                if (ch < '0' || ch > '9')
                        return -1;
                v = v * 10 + (ch - '0');
        }
        *s += n;
        *ret = v;
        return 0;
}

static int bad(struct batch_err *err, const char *text, const char *why)
{
        return batch_err_set(err, BATCH_ESYNTAX, "time",
                             "time: \"%.60s\" is not an ISO 8601 date-time (%s); expected e.g. "
                             "2026-03-29T02:30:00+01:00, 2026-03-29T01:30:00Z or "
                             "2026-03-29T02:30:00",
                             text, why);
}

int iso_parse(const char *text, const struct tz *z, int64_t *ret, struct batch_err *reterr)
{
        struct civil c = {0};
        const char *s = text;
        if (!s)
                return bad(reterr, "", "missing");
        if (digits(&s, 4, &c.year) < 0 || *s++ != '-' || digits(&s, 2, &c.mon) < 0 ||
            *s++ != '-' || digits(&s, 2, &c.day) < 0)
                return bad(reterr, text, "the date must be YYYY-MM-DD");
        if (c.year < 1 || c.mon < 1 || c.mon > 12 || c.day < 1 ||
            c.day > civil_days_in_month(c.year, c.mon))
                return batch_err_set(reterr, BATCH_ERANGE, "time",
                                     "time: \"%.60s\" is not a valid calendar date", text);
        if (*s == 'T' || *s == 't' || *s == ' ') {
                s++;
                if (digits(&s, 2, &c.hour) < 0 || *s++ != ':' || digits(&s, 2, &c.min) < 0)
                        return bad(reterr, text, "the time must be HH:MM or HH:MM:SS");
                if (*s == ':' && (s++, digits(&s, 2, &c.sec) < 0))
                        return bad(reterr, text, "the seconds must be two digits");
                if (c.hour > 23 || c.min > 59 || c.sec > 59)
                        return batch_err_set(reterr, BATCH_ERANGE, "time",
                                             "time: \"%.60s\" has a time of day out of range",
                                             text);
        }
        int64_t local = civil_to_seconds(&c);
        if (*s == 'Z' || *s == 'z') {
                if (s[1] != '\0')
                        return bad(reterr, text, "unexpected text after Z");
                *ret = local;
                return 0;
        }
        if (*s == '+' || *s == '-') {
                int sign = *s++ == '-' ? -1 : 1, oh = 0, om = 0;
                if (digits(&s, 2, &oh) < 0)
                        return bad(reterr, text, "the offset must be +HH:MM");
                if (*s == ':')
                        s++;
                if (*s && digits(&s, 2, &om) < 0)
                        return bad(reterr, text, "the offset must be +HH:MM");
                if (*s != '\0')
                        return bad(reterr, text, "unexpected text after the offset");
                if (oh > 18 || om > 59)
                        return batch_err_set(reterr, BATCH_ERANGE, "time",
                                             "time: \"%.60s\" has an offset out of range",
                                             text);
                *ret = local - sign * (oh * 3600 + om * 60);
                return 0;
        }
        if (*s != '\0')
                return bad(reterr, text, "unexpected text after the time");
        int64_t out[2];
        tz_from_local(z, local, out); /* gap: first instant after; overlap: first */
        *ret = out[0];
        return 0;
}

/* Writes v as `width` decimal digits at p (v >= 0 and fits); returns the end. */
static char *put_digits(char *p, int v, int width)
{
        for (int i = width - 1; i >= 0; i--, v /= 10)
                p[i] = (char)('0' + v % 10);
        return p + width;
}

static char *format(int64_t local, int32_t offset, bool utc, char *buf)
{
        struct civil c;
        civil_from_seconds(local, &c);
        if (c.year < 0 || c.year > 9999 || offset <= -100 * 3600 || offset >= 100 * 3600) {
                /* Beyond four (two) digits: printf's widths. */
                int n = snprintf(buf, ISO_FORMAT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d", c.year,
                                 c.mon, c.day, c.hour, c.min, c.sec);
                if (n < 0 || n >= ISO_FORMAT_MAX - 7)
                        return buf;
                if (utc)
                        snprintf(buf + n, (size_t)(ISO_FORMAT_MAX - n), "Z");
                else
                        snprintf(buf + n, (size_t)(ISO_FORMAT_MAX - n), "%c%02d:%02d",
                                 offset < 0 ? '-' : '+', (offset < 0 ? -offset : offset) / 3600,
                                 (offset < 0 ? -offset : offset) / 60 % 60);
                return buf;
        }
        /* The common case without printf: the scheduler formats a time per decision of a
         * waiting instance (its reason). */
        char *p = put_digits(buf, c.year, 4);
        *p++ = '-';
        p = put_digits(p, c.mon, 2);
        *p++ = '-';
        p = put_digits(p, c.day, 2);
        *p++ = 'T';
        p = put_digits(p, c.hour, 2);
        *p++ = ':';
        p = put_digits(p, c.min, 2);
        *p++ = ':';
        p = put_digits(p, c.sec, 2);
        if (utc) {
                *p++ = 'Z';
        } else {
                int32_t a = offset < 0 ? -offset : offset;
                *p++ = offset < 0 ? '-' : '+';
                p = put_digits(p, a / 3600, 2);
                *p++ = ':';
                p = put_digits(p, a / 60 % 60, 2);
        }
        *p = '\0';
        return buf;
}

char *iso_format(int64_t t, const struct tz *z, char *buf)
{
        int32_t off = tz_offset_at(z, t);
        return format(t + off, off, false, buf);
}

char *iso_format_utc(int64_t t, char *buf)
{
        return format(t, 0, true, buf);
}
