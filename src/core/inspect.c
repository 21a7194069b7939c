/* inspect.c: the daily inspection's rules (inspect.h). Pure. */
#include "core/inspect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil.h"
#include "core/lifecycle.h"
#include "core/pause.h"
#include "core/window.h"

static int digits(const char *p, int n)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -1;
                v = v * 10 + (p[i] - '0');
        }
        return v;
}

int inspect_parse_date(const char *text, int64_t *ret_day, struct batch_err *reterr)
{
        if (!text || !*text)
                return batch_err_set(reterr, BATCH_ESYNTAX, "date",
                                     "date: empty, expected YYYY-MM-DD");
        size_t n = strlen(text);
        if (n != 10 || text[4] != '-' || text[7] != '-')
                return batch_err_set(reterr, BATCH_ESYNTAX, "date",
                                     "date \"%.40s\": expected the form YYYY-MM-DD", text);
        int y = digits(text, 4), m = digits(text + 5, 2), d = digits(text + 8, 2);
        if (y < 0 || m < 0 || d < 0)
                return batch_err_set(reterr, BATCH_ESYNTAX, "date",
                                     "date \"%s\": expected digits in YYYY-MM-DD", text);
        if (y < 1970)
                return batch_err_set(reterr, BATCH_ERANGE, "date",
                                     "date \"%s\": year %d is out of range 1970-9999", text, y);
        if (m < 1 || m > 12)
                return batch_err_set(reterr, BATCH_ERANGE, "date",
                                     "date \"%s\": month %d is out of range 1-12", text, m);
        int dim = civil_days_in_month(y, m);
        if (d < 1 || d > dim)
                return batch_err_set(reterr, BATCH_ERANGE, "date",
                                     "date \"%s\": day %d is out of range 1-%d", text, d, dim);
        *ret_day = civil_days_from_date(y, m, d);
        return 0;
}

char *inspect_format_date(int64_t day, char *buf)
{
        int y, m, d;
        civil_date_from_days(day, &y, &m, &d);
        int v[3] = {y, m, d}, w[3] = {4, 2, 2};
        char *p = buf;
        for (int i = 0; i < 3; i++) {
                for (int k = w[i] - 1; k >= 0; k--, v[i] /= 10)
                        p[k] = (char)('0' + v[i] % 10);
                p += w[i];
                *p++ = i < 2 ? '-' : '\0';
        }
        return buf;
}

static int64_t local_midnight(const struct tz *z, int64_t day)
{
        int64_t out[2];
        tz_from_local(z, day * 86400, out);
        return out[0];
}

void inspect_day_bounds(const struct tz *z, int64_t day, int64_t *ret_start, int64_t *ret_end)
{
        *ret_start = local_midnight(z, day);
        *ret_end = local_midnight(z, day + 1);
}

int64_t inspect_day_of(const struct tz *z, int64_t t)
{
        return civil_floordiv(tz_to_local(z, t), 86400);
}

size_t inspect_expected(const struct sched_job_spec *j, const struct sched_tenant *t,
                        int64_t start, int64_t end, struct inspect_due *out, size_t cap)
{
        if (!j->enabled || !j->has_cron || j->external_due)
                return 0;
        const struct tz *wz = t->zone ? t->zone : tz_utc();
        size_t n = 0;
        /* sched_job_next_due is strictly after its argument: start from start - 1. */
        for (int64_t due = sched_job_next_due(j, start - 1); due < end && due != INT64_MAX;
             due = sched_job_next_due(j, due)) {
                if (n < cap) {
                        /* The order of sched.c's create_due: pause first, then window. */
                        const char *skip = pause_admit(t->pauses, t->npauses, due);
                        if (!skip)
                                skip = window_admit(j->window, &t->window, wz, due);
                        out[n] = (struct inspect_due){due, skip};
                }
                if (++n > INSPECT_MAX_DUES)
                        break;
        }
        return n;
}

static int cmp_seen(const void *a, const void *b)
{
        const struct inspect_seen *x = a, *y = b;
        return x->due < y->due ? -1 : x->due > y->due;
}

void inspect_frequency(const struct inspect_due *exp, size_t nexp, struct inspect_seen *seen,
                       size_t nseen, struct inspect_freq *ret)
{
        struct inspect_freq f = {.expected = (unsigned)nexp, .found = (unsigned)nseen};
        if (nseen > 1)
                qsort(seen, nseen, sizeof(*seen), cmp_seen);
        size_t i = 0, k = 0;
        while (i < nexp || k < nseen) {
                if (k == nseen || (i < nexp && exp[i].due < seen[k].due)) {
                        if (f.missing++ == 0)
                                f.first_missing = exp[i].due;
                        if (!exp[i].skip) {
                                f.expected_runs++;
                                f.missing_runs++;
                        }
                        i++;
                } else if (i == nexp || seen[k].due < exp[i].due) {
                        if (f.extra++ == 0)
                                f.first_extra = seen[k].due;
                        k++;
                } else {
                        if (!exp[i].skip) {
                                f.expected_runs++;
                                if (seen[k].state == STATE_TIMEOUT_SKIP && f.not_run++ == 0)
                                        f.first_not_run = exp[i].due;
                        }
                        i++;
                        k++;
                }
        }
        f.ok = f.missing == 0 && f.extra == 0 && f.not_run == 0;
        *ret = f;
}

/* Appends to buf[*pos..len) like snprintf, tracking the length needed. */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, fmt, ap);
        va_end(ap);
        if (w > 0)
                *pos += (size_t)w;
}

static void hhmm(const struct tz *z, int64_t t, char out[16])
{
        struct civil c;
        civil_from_seconds(tz_to_local(z, t), &c);
        if (c.sec)
                snprintf(out, 16, "%02d:%02d:%02d", c.hour, c.min, c.sec);
        else
                snprintf(out, 16, "%02d:%02d", c.hour, c.min);
}

size_t inspect_frequency_text(const struct inspect_freq *f, const struct tz *z, char *buf,
                              size_t len)
{
        size_t pos = 0;
        char tm[16];
        if (len)
                buf[0] = '\0';
        if (f->ok) {
                put(buf, len, &pos, "ok (%u run%s)", f->expected_runs,
                    f->expected_runs == 1 ? "" : "s");
                return pos;
        }
        put(buf, len, &pos, "expected %u, found %u", f->expected, f->found);
        const char *sep = ": ";
        if (f->missing) {
                hhmm(z, f->first_missing, tm);
                put(buf, len, &pos, "%smissing %s", sep, tm);
                if (f->missing > 1)
                        put(buf, len, &pos, " and %u more", f->missing - 1);
                sep = "; ";
        }
        if (f->extra) {
                hhmm(z, f->first_extra, tm);
                put(buf, len, &pos, "%sunexpected run at %s", sep, tm);
                if (f->extra > 1)
                        put(buf, len, &pos, " and %u more", f->extra - 1);
                sep = "; ";
        }
        if (f->not_run) {
                hhmm(z, f->first_not_run, tm);
                put(buf, len, &pos, "%snot run at %s", sep, tm);
                if (f->not_run > 1)
                        put(buf, len, &pos, " and %u more", f->not_run - 1);
        }
        return pos;
}

size_t inspect_schedule_text(const struct sched_job_spec *j, const char *calendar, char *buf,
                             size_t len)
{
        size_t pos = 0;
        if (len)
                buf[0] = '\0';
        if (!j->has_cron) {
                put(buf, len, &pos, "%s", j->external_due ? "next due from its API" : "manual");
                return pos;
        }
        char text[512];
        cron_explain(&j->cron, text, sizeof(text));
        put(buf, len, &pos, "%s (%s)", text, tz_name(j->zone ? j->zone : tz_utc()));
        if (j->workday_only)
                put(buf, len, &pos, ", workdays of %s", calendar ? calendar : "Monday to Friday");
        if (j->window == WINDOW_POLICY_ONLY_IN)
                put(buf, len, &pos, ", only in the batch window");
        else if (j->window == WINDOW_POLICY_NOT_IN)
                put(buf, len, &pos, ", not in the batch window");
        if (!j->enabled)
                put(buf, len, &pos, ", disabled");
        return pos;
}

unsigned inspect_scenarios(const struct inspect_freq *f, int64_t failed, int64_t has_failure)
{
        unsigned s = 0;
        if (f && !f->ok)
                s |= INSPECT_FREQUENCY_ISSUES;
        if (failed > 0)
                s |= INSPECT_EXECUTION_FAILURES;
        if (has_failure > 0)
                s |= INSPECT_PARTIAL_DATA_FAILURES;
        return s;
}

enum inspect_severity inspect_severity_of(unsigned scenarios)
{
        if (scenarios & (INSPECT_FREQUENCY_ISSUES | INSPECT_EXECUTION_FAILURES))
                return INSPECT_ERROR;
        if (scenarios & INSPECT_PARTIAL_DATA_FAILURES)
                return INSPECT_WARNING;
        return INSPECT_INFORMATION;
}

const char *inspect_severity_name(enum inspect_severity s)
{
        static const char *const names[] = {"information", "warning", "error"};
        return s < _INSPECT_SEVERITY_MAX ? names[s] : "unknown";
}

char *inspect_scenario_text(unsigned scenarios, char *buf)
{
        static const char *const names[] = {"Frequency Issues", "Execution Failures",
                                            "Partial Data Failures"};
        size_t pos = 0;
        buf[0] = '\0';
        if (!scenarios) {
                snprintf(buf, INSPECT_SCENARIO_TEXT_MAX, "All Successful");
                return buf;
        }
        for (int i = 0; i < 3; i++)
                if (scenarios & (1u << i))
                        put(buf, INSPECT_SCENARIO_TEXT_MAX, &pos, "%s%s", pos ? "; " : "",
                            names[i]);
        return buf;
}
