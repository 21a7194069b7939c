/* nextdue.c: parsing a next_due_api answer (nextdue.h). */
#include "core/nextdue.h"

#include <stdbool.h>
#include <stdio.h>

#include "core/civil.h"

static bool space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* The answer quoted for a message: at most 40 bytes, non-printing bytes as '?'. */
static void quote(const char *s, size_t n, char out[48])
{
        size_t k = 0;
        for (size_t i = 0; i < n && k < 40; i++)
                out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
        if (n > 40) {
                out[k++] = '.';
                out[k++] = '.';
                out[k++] = '.';
        }
        out[k] = '\0';
}

int nextdue_parse(const char *answer, size_t len, const struct tz *z, int64_t *ret,
                  int *ret_adjust, struct batch_err *reterr)
{
        char q[48];
        if (!answer)
                len = 0;
        if (len > NEXTDUE_ANSWER_MAX)
                return batch_err_set(reterr, BATCH_ESYNTAX, "answer",
                                     "the answer is %zu bytes long; expected "
                                     "yyyy-MM-ddTHH:mm:ss", len);
        const char *s = answer ? answer : "";
        size_t n = len;
        while (n && space(*s))
                s++, n--;
        while (n && space(s[n - 1]))
                n--;
        if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
                s++, n -= 2;
        quote(s, n, q);
        if (n != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
            s[16] != ':')
                return batch_err_set(reterr, BATCH_ESYNTAX, "answer",
                                     "\"%s\" is not a time of the form yyyy-MM-ddTHH:mm:ss", q);
        struct civil c = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2), digits(s + 11, 2),
                          digits(s + 14, 2), digits(s + 17, 2)};
        if (c.year < 0 || c.mon < 0 || c.day < 0 || c.hour < 0 || c.min < 0 || c.sec < 0)
                return batch_err_set(reterr, BATCH_ESYNTAX, "answer",
                                     "\"%s\" is not a time of the form yyyy-MM-ddTHH:mm:ss", q);
        const char *bad = c.year < 1                                            ? "year"
                          : c.mon < 1 || c.mon > 12                              ? "month"
                          : c.day < 1 || c.day > civil_days_in_month(c.year, c.mon) ? "day"
                          : c.hour > 23                                          ? "hour"
                          : c.min > 59                                           ? "minute"
                          : c.sec > 59                                           ? "second"
                                                                                 : NULL;
        if (bad)
                return batch_err_set(reterr, BATCH_ERANGE, "answer",
                                     "\"%s\": the %s is out of range", q, bad);
        int64_t out[2];
        int k = tz_from_local(z, civil_to_seconds(&c), out);
        *ret = out[0]; /* once; the first after a gap; the first of two */
        if (ret_adjust)
                *ret_adjust = k == 0 ? 1 : k == 2 ? 2 : 0;
        return 0;
}
