/* report.c: the daily inspection report and the runs report (report.h): figures from
 * the repository's report queries, expected due times and the frequency check from
 * core/inspect.h over the tenant's scheduling model, and the report's forms. */
#include "ops/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/xlsxload.h"

#include "common/json.h"
#include "core/lifecycle.h"
#include "defs/defs.h"
#include "defs/load.h"
#include "core/procdate.h"
#include "ops/instances.h"
#include "ops/model.h"
#include "sched/model.h"

/* ---- the tenant's model --------------------------------------------------------- */

static const struct tz *model_zone(const struct sched_model *m)
{
        return m->tenant.zone ? m->tenant.zone : tz_utc();
}

/* The first index of job `job` in the due list (sorted by job, then due), or l->n. */
static size_t dues_lower(const struct store_report_due_list *l, const char *job)
{
        size_t lo = 0, hi = l->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(l->items[mid].job, job) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static const struct store_report_stats *stats_find(const struct store_report_stats_list *l,
                                                   const char *job)
{
        size_t lo = 0, hi = l->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(l->items[mid].job, job);
                if (c == 0)
                        return &l->items[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* A growable array of expected dues and seen instances for one job and day. */
struct scratch {
        struct inspect_due *exp;
        size_t cap;
        struct inspect_seen *seen;
        size_t seen_cap;
};

static int expected(struct scratch *sc, const struct sched_job_spec *j,
                    const struct sched_tenant *t, int64_t from, int64_t to, size_t *ret_n)
{
        size_t n = inspect_expected(j, t, from, to, sc->exp, sc->cap);
        if (n > sc->cap) {
                size_t cap = n > INSPECT_MAX_DUES ? INSPECT_MAX_DUES : n;
                struct inspect_due *g = realloc(sc->exp, cap * sizeof(*g));
                if (!g)
                        return BATCH_ENOMEM;
                sc->exp = g;
                sc->cap = cap;
                n = inspect_expected(j, t, from, to, sc->exp, sc->cap);
                if (n > cap)
                        n = cap;
        }
        *ret_n = n;
        return 0;
}

/* Copies the dues [lo, hi) of the list into sc->seen. */
static int seen_from(struct scratch *sc, const struct store_report_due_list *l, size_t lo,
                     size_t hi)
{
        if (hi - lo > sc->seen_cap) {
                struct inspect_seen *g = realloc(sc->seen, (hi - lo) * sizeof(*g));
                if (!g)
                        return BATCH_ENOMEM;
                sc->seen = g;
                sc->seen_cap = hi - lo;
        }
        for (size_t i = lo; i < hi; i++)
                sc->seen[i - lo] = (struct inspect_seen){l->items[i].due, l->items[i].state};
        return 0;
}

static void scratch_release(struct scratch *sc)
{
        free(sc->exp);
        free(sc->seen);
}

static char *dup_or_empty(const char *s)
{
        return strdup(s ? s : "");
}

/* ---- the daily report ------------------------------------------------------------ */

static int add_row(struct report_daily *r, size_t *cap, struct report_row **ret)
{
        if (r->n == *cap) {
                size_t c = *cap ? *cap * 2 : 16;
                struct report_row *g = realloc(r->rows, c * sizeof(*g));
                if (!g)
                        return BATCH_ENOMEM;
                r->rows = g;
                *cap = c;
        }
        *ret = &r->rows[r->n++];
        memset(*ret, 0, sizeof(**ret));
        return 0;
}

static void fill_counts(struct report_row *row, const struct store_report_stats *st)
{
        row->average_minutes = -1;
        if (!st)
                return;
        row->total = st->total;
        row->success = st->success;
        row->failed = st->failed;
        row->has_failure = st->has_failure;
        row->read_count = st->read_count;
        row->write_count = st->write_count;
        row->commit_count = st->commit_count;
        row->write_skip_count = st->write_skip_count;
        row->rollback_count = st->rollback_count;
        if (st->timed > 0)
                row->average_minutes = st->avg_s / 60.0;
}

static void finish_row(struct report_daily *r, struct report_row *row)
{
        row->scenarios = inspect_scenarios(row->checked ? &row->freq : NULL, row->failed,
                                           row->has_failure);
        row->severity = inspect_severity_of(row->scenarios);
        r->scenarios |= row->scenarios;
        if (row->severity > r->severity)
                r->severity = row->severity;
}

static int cmp_row(const void *a, const void *b)
{
        return strcmp(((const struct report_row *)a)->job, ((const struct report_row *)b)->job);
}

/* One process date of a row (process_dates). */
struct pdate_of {
        size_t row;
        char text[OPS_PROCESS_DATE_MAX];
};

static int cmp_pdate_of(const void *a, const void *b)
{
        const struct pdate_of *x = a, *y = b;
        return x->row != y->row ? (x->row < y->row ? -1 : 1) : strcmp(x->text, y->text);
}

/* Fills each row's process_date (rows sorted by job) from the instances due in the
 * report's day: their stored process dates, and for those stored without one the date
 * of their due time under the tenant's window t now (core/procdate.h). */
static int process_dates(struct store *s, struct report_daily *r, const struct sched_tenant *t,
                         struct batch_err *reterr)
{
        struct store_report_pdate_list l = {0};
        int rc = store_report_process_dates(s, r->tenant, r->from, r->to, &l, reterr);
        struct pdate_of *p = rc < 0 || !l.n ? NULL : calloc(l.n, sizeof(*p));
        if (rc == 0 && l.n && !p)
                rc = BATCH_ENOMEM;
        size_t n = 0;
        for (size_t i = 0; rc == 0 && i < l.n; i++) {
                struct report_row key = {.job = l.items[i].job};
                const struct report_row *row =
                    bsearch(&key, r->rows, r->n, sizeof(*r->rows), cmp_row);
                if (!row)
                        continue; /* not a row of the report */
                p[n].row = (size_t)(row - r->rows);
                if (l.items[i].process_date)
                        snprintf(p[n].text, sizeof(p[n].text), "%s", l.items[i].process_date);
                else
                        procdate_format(&t->window, t->zone ? t->zone : tz_utc(), l.items[i].due,
                                        p[n].text);
                n++;
        }
        if (n > 1)
                qsort(p, n, sizeof(*p), cmp_pdate_of);
        struct buf b;
        for (size_t i = 0, k = 0; rc == 0 && i < r->n; i++) {
                buf_init(&b, 0);
                for (size_t first = k; k < n && p[k].row == i; k++)
                        if (k == first || strcmp(p[k].text, p[k - 1].text))
                                buf_printf(&b, "%s%s", k == first ? "" : " ", p[k].text);
                if (b.err || !(r->rows[i].process_date = strdup(b.data ? b.data : "")))
                        rc = BATCH_ENOMEM;
                buf_release(&b);
        }
        free(p);
        store_report_pdate_list_release(&l);
        return rc;
}

int report_daily_build(struct store *s, const char *tenant, const char *date, int64_t now_s,
                       struct report_daily *ret, struct batch_err *reterr)
{
        if (!tenant)
                tenant = "default";
        struct report_daily r = {0};
        struct defset set;
        struct sched_model m;
        int rc = ops_load_model(s, tenant, &set, &m, reterr);
        if (rc < 0)
                return rc;
        const struct tz *z = model_zone(&m);
        int64_t day;
        if (date)
                rc = inspect_parse_date(date, &day, reterr);
        else
                day = inspect_day_of(z, now_s) - 1;
        struct store_report_stats_list stats = {0};
        struct store_report_due_list dues = {0};
        struct scratch sc = {0};
        size_t cap = 0;
        bool *used = NULL;
        if (rc < 0)
                goto out;
        snprintf(r.tenant, sizeof(r.tenant), "%s", tenant);
        inspect_format_date(day, r.date);
        snprintf(r.timezone, sizeof(r.timezone), "%s", tz_name(z));
        inspect_day_bounds(z, day, &r.from, &r.to);
        if ((rc = store_report_stats(s, tenant, r.from, r.to, NULL, &stats, reterr)) < 0 ||
            (rc = store_report_dues(s, tenant, r.from, r.to, NULL, &dues, reterr)) < 0)
                goto out;
        used = calloc(stats.n + 1, sizeof(*used));
        if (!used) {
                rc = BATCH_ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < m.njobs; i++) {
                const struct sched_job_spec *j = &m.jobs[i];
                const struct job_def *d = m.defs[i];
                const struct store_report_stats *st = stats_find(&stats, j->name);
                size_t lo = dues_lower(&dues, j->name), hi = lo, nexp = 0;
                while (hi < dues.n && strcmp(dues.items[hi].job, j->name) == 0)
                        hi++;
                if ((rc = expected(&sc, j, &m.tenant, r.from, r.to, &nexp)) < 0 ||
                    (rc = seen_from(&sc, &dues, lo, hi)) < 0)
                        goto out;
                if (nexp == 0 && !st && hi == lo)
                        continue; /* not scheduled that day: not in the report */
                if (st)
                        used[st - stats.items] = true;
                struct report_row *row;
                if ((rc = add_row(&r, &cap, &row)) < 0)
                        goto out;
                row->job = strdup(j->name);
                row->display_name = dup_or_empty(d->display_name);
                row->service = dup_or_empty(d->executor == EXECUTOR_HTTP ? d->http_service : NULL);
                if (!row->job || !row->display_name || !row->service) {
                        rc = BATCH_ENOMEM;
                        goto out;
                }
                inspect_schedule_text(j, d->calendar, row->schedule, sizeof(row->schedule));
                row->checked = j->has_cron && !j->external_due;
                inspect_frequency(sc.exp, nexp, sc.seen, hi - lo, &row->freq);
                if (row->checked)
                        inspect_frequency_text(&row->freq, j->zone ? j->zone : tz_utc(),
                                               row->frequency, sizeof(row->frequency));
                else
                        snprintf(row->frequency, sizeof(row->frequency), "not checked (%s)",
                                 j->external_due ? "due times from its API" : "manual job");
                row->estimated_minutes = j->estimated_minutes;
                fill_counts(row, st);
                finish_row(&r, row);
        }
        /* Instances of jobs that are no longer defined. */
        for (size_t i = 0; i < stats.n; i++) {
                if (used[i])
                        continue;
                struct report_row *row;
                if ((rc = add_row(&r, &cap, &row)) < 0)
                        goto out;
                row->job = strdup(stats.items[i].job);
                row->display_name = strdup("");
                row->service = strdup("");
                if (!row->job || !row->display_name || !row->service) {
                        rc = BATCH_ENOMEM;
                        goto out;
                }
                snprintf(row->schedule, sizeof(row->schedule), "no longer defined");
                snprintf(row->frequency, sizeof(row->frequency), "not checked (no definition)");
                row->freq.ok = true;
                row->estimated_minutes = -1;
                fill_counts(row, &stats.items[i]);
                finish_row(&r, row);
        }
        if (r.n > 1)
                qsort(r.rows, r.n, sizeof(*r.rows), cmp_row);
        rc = process_dates(s, &r, &m.tenant, reterr);
out:
        free(used);
        scratch_release(&sc);
        store_report_stats_list_release(&stats);
        store_report_due_list_release(&dues);
        sched_model_release(&m);
        defset_release(&set);
        if (rc == BATCH_ENOMEM)
                batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        if (rc < 0) {
                report_daily_release(&r);
                return rc;
        }
        *ret = r;
        return 0;
}

void report_daily_release(struct report_daily *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n; i++) {
                free(r->rows[i].job);
                free(r->rows[i].display_name);
                free(r->rows[i].service);
                free(r->rows[i].process_date);
        }
        free(r->rows);
        r->rows = NULL;
        r->n = 0;
}

/* ---- forms ------------------------------------------------------------------------ */

static void severity_counts(const struct report_daily *r, size_t out[_INSPECT_SEVERITY_MAX])
{
        for (int i = 0; i < _INSPECT_SEVERITY_MAX; i++)
                out[i] = 0;
        for (size_t i = 0; i < r->n; i++)
                out[r->rows[i].severity]++;
}

static void json_minutes(struct buf *b, double v)
{
        if (v < 0)
                buf_puts(b, "null");
        else
                buf_printf(b, "%.1f", v);
}

void report_daily_json(const struct report_daily *r, struct buf *b)
{
        char text[INSPECT_SCENARIO_TEXT_MAX];
        size_t sev[_INSPECT_SEVERITY_MAX];
        severity_counts(r, sev);
        buf_puts(b, "{\"tenant\": ");
        json_put_string(b, r->tenant);
        buf_puts(b, ", \"date\": ");
        json_put_string(b, r->date);
        buf_puts(b, ", \"timezone\": ");
        json_put_string(b, r->timezone);
        buf_printf(b, ", \"severity\": \"%s\", \"finding\": \"%s\"",
                   inspect_severity_name(r->severity), inspect_scenario_text(r->scenarios, text));
        buf_printf(b, ", \"summary\": {\"jobs\": %zu, \"information\": %zu, \"warning\": %zu, "
                      "\"error\": %zu}, \"jobs\": [",
                   r->n, sev[INSPECT_INFORMATION], sev[INSPECT_WARNING], sev[INSPECT_ERROR]);
        for (size_t i = 0; i < r->n; i++) {
                const struct report_row *w = &r->rows[i];
                buf_puts(b, i ? ", {\"job\": " : "{\"job\": ");
                json_put_string(b, w->job);
                buf_puts(b, ", \"display_name\": ");
                json_put_string(b, w->display_name);
                buf_puts(b, ", \"service\": ");
                json_put_string(b, w->service);
                buf_puts(b, ", \"schedule\": ");
                json_put_string(b, w->schedule);
                buf_printf(b, ", \"frequency_check\": {\"checked\": %s, \"ok\": %s, \"text\": ",
                           w->checked ? "true" : "false", w->freq.ok ? "true" : "false");
                json_put_string(b, w->frequency);
                buf_printf(b, ", \"expected\": %u, \"expected_runs\": %u, \"found\": %u, "
                              "\"missing\": %u, \"extra\": %u, \"not_run\": %u}",
                           w->freq.expected, w->freq.expected_runs, w->freq.found,
                           w->freq.missing, w->freq.extra, w->freq.not_run);
                buf_puts(b, ", \"estimated_minutes\": ");
                json_minutes(b, w->estimated_minutes < 0 ? -1 : w->estimated_minutes);
                buf_puts(b, ", \"average_minutes\": ");
                json_minutes(b, w->average_minutes);
                buf_printf(b, ", \"total\": %lld, \"success\": %lld, \"fail\": %lld, "
                              "\"has_failure\": %lld, \"read\": %lld, \"write\": %lld, "
                              "\"commit\": %lld, \"write_skip\": %lld, \"rollback\": %lld",
                           (long long)w->total, (long long)w->success, (long long)w->failed,
                           (long long)w->has_failure, (long long)w->read_count,
                           (long long)w->write_count, (long long)w->commit_count,
                           (long long)w->write_skip_count, (long long)w->rollback_count);
                buf_printf(b, ", \"severity\": \"%s\", \"finding\": \"%s\", \"process_date\": ",
                           inspect_severity_name(w->severity),
                           inspect_scenario_text(w->scenarios, text));
                json_put_string(b, w->process_date ? w->process_date : "");
                buf_puts(b, "}");
        }
        buf_puts(b, "]}\n");
}

/* The columns of the CSV and the sheet. */
static const char *const columns[] = {
        "job", "display_name", "service", "schedule", "frequency_check", "expected_runs",
        "estimated_minutes", "average_minutes", "total", "success", "fail", "has_failure",
        "read", "write", "commit", "write_skip", "rollback", "severity", "finding",
        "process_date",
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static void csv_cell(struct buf *b, const char *s)
{
        bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                       s[0] == '\t' || s[0] == '\r';
        bool quote = strpbrk(s, ",\"\r\n") != NULL;
        if (quote)
                buf_puts(b, "\"");
        if (formula)
                buf_puts(b, "'");
        for (const char *p = s; *p; p++) {
                if (*p == '"')
                        buf_puts(b, "\"\"");
                else
                        buf_add(b, p, 1);
        }
        if (quote)
                buf_puts(b, "\"");
}

void report_daily_csv(const struct report_daily *r, struct buf *b)
{
        char text[INSPECT_SCENARIO_TEXT_MAX];
        for (size_t c = 0; c < NCOLUMNS; c++)
                buf_printf(b, "%s%s", c ? "," : "", columns[c]);
        buf_puts(b, "\r\n");
        for (size_t i = 0; i < r->n; i++) {
                const struct report_row *w = &r->rows[i];
                csv_cell(b, w->job);
                buf_puts(b, ",");
                csv_cell(b, w->display_name);
                buf_puts(b, ",");
                csv_cell(b, w->service);
                buf_puts(b, ",");
                csv_cell(b, w->schedule);
                buf_puts(b, ",");
                csv_cell(b, w->frequency);
                buf_printf(b, ",%u,", w->freq.expected_runs);
                if (w->estimated_minutes >= 0)
                        buf_printf(b, "%d", w->estimated_minutes);
                buf_puts(b, ",");
                if (w->average_minutes >= 0)
                        buf_printf(b, "%.1f", w->average_minutes);
                buf_printf(b, ",%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s,",
                           (long long)w->total, (long long)w->success, (long long)w->failed,
                           (long long)w->has_failure, (long long)w->read_count,
                           (long long)w->write_count, (long long)w->commit_count,
                           (long long)w->write_skip_count, (long long)w->rollback_count,
                           inspect_severity_name(w->severity));
                csv_cell(b, inspect_scenario_text(w->scenarios, text));
                buf_puts(b, ",");
                csv_cell(b, w->process_date ? w->process_date : "");
                buf_puts(b, "\r\n");
        }
}

/* Severity colours (fill) of the sheet and the HTML: green, amber, red. */
static const unsigned severity_rgb[_INSPECT_SEVERITY_MAX] = {0xC6EFCE, 0xFFEB9C, 0xFFC7CE};

static int read_file(const char *path, struct buf *b, struct batch_err *reterr)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return batch_err_set(reterr, BATCH_EIO, NULL, "xlsx: cannot read %s back", path);
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_add(b, chunk, n);
        int bad = ferror(f);
        fclose(f);
        if (bad || b->err)
                return batch_err_set(reterr, BATCH_EIO, NULL, "xlsx: reading %s back failed",
                                     path);
        return 0;
}

static void write_sheet(lxw_workbook *wb, const struct report_daily *r)
{
        char text[INSPECT_SCENARIO_TEXT_MAX];
        lxw_worksheet *ws = workbook_add_worksheet(wb, r->date[0] ? r->date : NULL);
        lxw_format *head = workbook_add_format(wb);
        format_set_bold(head);
        format_set_bg_color(head, 0xD9D9D9);
        format_set_border(head, LXW_BORDER_THIN);
        lxw_format *sev[_INSPECT_SEVERITY_MAX];
        for (int i = 0; i < _INSPECT_SEVERITY_MAX; i++) {
                sev[i] = workbook_add_format(wb);
                format_set_bg_color(sev[i], severity_rgb[i]);
        }
        lxw_format *dec = workbook_add_format(wb);
        format_set_num_format(dec, "0.0");
        static const double widths[NCOLUMNS] = {24, 28, 24, 40, 40, 10, 10, 10, 8,
                                                8,  8,  10, 10, 10, 10, 10, 10, 12, 36, 24};
        for (lxw_col_t c = 0; c < NCOLUMNS; c++) {
                worksheet_write_string(ws, 0, c, columns[c], head);
                worksheet_set_column(ws, c, c, widths[c], NULL);
        }
        worksheet_freeze_panes(ws, 1, 0);
        for (size_t i = 0; i < r->n; i++) {
                const struct report_row *w = &r->rows[i];
                lxw_row_t y = (lxw_row_t)(i + 1);
                worksheet_write_string(ws, y, 0, w->job, NULL);
                worksheet_write_string(ws, y, 1, w->display_name, NULL);
                worksheet_write_string(ws, y, 2, w->service, NULL);
                worksheet_write_string(ws, y, 3, w->schedule, NULL);
                worksheet_write_string(ws, y, 4, w->frequency, w->freq.ok ? NULL : sev[INSPECT_ERROR]);
                worksheet_write_number(ws, y, 5, w->freq.expected_runs, NULL);
                if (w->estimated_minutes >= 0)
                        worksheet_write_number(ws, y, 6, w->estimated_minutes, NULL);
                if (w->average_minutes >= 0)
                        worksheet_write_number(ws, y, 7, w->average_minutes, dec);
                const int64_t v[] = {w->total,       w->success,          w->failed,
                                     w->has_failure, w->read_count,       w->write_count,
                                     w->commit_count, w->write_skip_count, w->rollback_count};
                for (int k = 0; k < 9; k++)
                        worksheet_write_number(ws, y, (lxw_col_t)(8 + k), (double)v[k], NULL);
                worksheet_write_string(ws, y, 17, inspect_severity_name(w->severity),
                                       sev[w->severity]);
                worksheet_write_string(ws, y, 18, inspect_scenario_text(w->scenarios, text),
                                       NULL);
                worksheet_write_string(ws, y, 19, w->process_date ? w->process_date : "", NULL);
        }
        lxw_worksheet *sum = workbook_add_worksheet(wb, "Summary");
        worksheet_set_column(sum, 0, 0, 14, head);
        worksheet_set_column(sum, 1, 1, 40, NULL);
        const char *keys[] = {"tenant", "date", "timezone", "severity", "finding"};
        const char *vals[] = {r->tenant, r->date, r->timezone, inspect_severity_name(r->severity),
                              inspect_scenario_text(r->scenarios, text)};
        for (lxw_row_t k = 0; k < 5; k++) {
                worksheet_write_string(sum, k, 0, keys[k], head);
                worksheet_write_string(sum, k, 1, vals[k], k == 3 ? sev[r->severity] : NULL);
        }
        worksheet_write_string(sum, 5, 0, "jobs", head);
        worksheet_write_number(sum, 5, 1, (double)r->n, NULL);
}

int report_daily_xlsx(const struct report_daily *r, struct buf *b, struct batch_err *reterr)
{
        int lr = xlsxload_load(reterr);
        if (lr < 0)
                return lr;
        const char *dir = getenv("TMPDIR");
        char path[4096];
        snprintf(path, sizeof(path), "%s/batchd-report-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0)
                return batch_err_set(reterr, BATCH_EIO, NULL,
                                     "xlsx: cannot create a temporary file in %s",
                                     dir && *dir ? dir : "/tmp");
        close(fd);
        lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
        lxw_workbook *wb = workbook_new_opt(path, &opt);
        if (!wb) {
                unlink(path);
                return batch_err_set(reterr, BATCH_ENOMEM, NULL, "xlsx: cannot start a workbook");
        }
        write_sheet(wb, r);
        lxw_error e = workbook_close(wb);
        int rc = e == LXW_NO_ERROR ? read_file(path, b, reterr)
                                   : batch_err_set(reterr, BATCH_EIO, NULL, "xlsx: %s",
                                                   lxw_strerror(e));
        unlink(path);
        return rc;
}

static void html_text(struct buf *b, const char *s)
{
        for (; *s; s++) {
                switch (*s) {
                case '<': buf_puts(b, "&lt;"); break;
                case '>': buf_puts(b, "&gt;"); break;
                case '&': buf_puts(b, "&amp;"); break;
                case '"': buf_puts(b, "&quot;"); break;
                case '\'': buf_puts(b, "&#39;"); break;
                default: buf_add(b, s, 1);
                }
        }
}

static void html_cell(struct buf *b, const char *s)
{
        buf_puts(b, "<td>");
        html_text(b, s);
        buf_puts(b, "</td>");
}

static void html_row(struct buf *b, const struct report_row *w)
{
        char text[INSPECT_SCENARIO_TEXT_MAX], num[32];
        buf_puts(b, "<tr>");
        html_cell(b, w->job);
        html_cell(b, w->display_name);
        html_cell(b, w->frequency);
        if (w->estimated_minutes >= 0)
                snprintf(num, sizeof(num), "%d", w->estimated_minutes);
        else
                snprintf(num, sizeof(num), "-");
        html_cell(b, num);
        if (w->average_minutes >= 0)
                snprintf(num, sizeof(num), "%.1f", w->average_minutes);
        else
                snprintf(num, sizeof(num), "-");
        html_cell(b, num);
        buf_printf(b, "<td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>", (long long)w->total,
                   (long long)w->success, (long long)w->failed, (long long)w->has_failure);
        buf_printf(b, "<td style=\"background:#%06X\">%s</td>", severity_rgb[w->severity],
                   inspect_severity_name(w->severity));
        html_cell(b, inspect_scenario_text(w->scenarios, text));
        html_cell(b, w->process_date ? w->process_date : "");
        buf_puts(b, "</tr>\n");
}

char *report_daily_html(const struct report_daily *r)
{
        struct buf b;
        char text[INSPECT_SCENARIO_TEXT_MAX];
        size_t findings = 0;
        for (size_t i = 0; i < r->n; i++)
                findings += r->rows[i].scenarios != 0;
        buf_init(&b, 0);
        buf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Daily "
                     "inspection report</title></head><body>\n<h2>Daily inspection report: ");
        html_text(&b, r->tenant);
        buf_puts(&b, ", ");
        html_text(&b, r->date);
        buf_puts(&b, " (");
        html_text(&b, r->timezone);
        buf_printf(&b, ")</h2>\n<p>Severity: <b>%s</b> (%s). %zu scheduled job%s, %zu with "
                       "findings.</p>\n",
                   inspect_severity_name(r->severity), inspect_scenario_text(r->scenarios, text),
                   r->n, r->n == 1 ? "" : "s", findings);
        buf_puts(&b, "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n<tr><th>Job</th>"
                     "<th>Display name</th><th>Frequency check</th><th>Estimated min</th>"
                     "<th>Average min</th><th>Total</th><th>Success</th><th>Fail</th>"
                     "<th>Has failure</th><th>Severity</th><th>Finding</th><th>Process date</th>"
                     "</tr>\n");
        /* Findings first, the most severe first; then the rest, by name. */
        for (int sev = INSPECT_ERROR; sev >= INSPECT_INFORMATION; sev--)
                for (size_t i = 0; i < r->n; i++)
                        if ((int)r->rows[i].severity == sev &&
                            (r->rows[i].scenarios != 0) == (sev != INSPECT_INFORMATION))
                                html_row(&b, &r->rows[i]);
        buf_puts(&b, "</table>\n<p>The attached workbook has every column. Figures for other "
                     "days: <code>batchctl report daily --date YYYY-MM-DD</code>.</p>\n"
                     "</body></html>\n");
        if (b.err) {
                buf_release(&b);
                return NULL;
        }
        return buf_detach(&b);
}

int report_daily_mail(struct store *s, const char *tenant, const char *date, int64_t now_s,
                      char **ret_subject, char **ret_html, struct buf *xlsx,
                      struct batch_err *reterr)
{
        struct report_daily r;
        char text[INSPECT_SCENARIO_TEXT_MAX];
        int rc = report_daily_build(s, tenant, date, now_s, &r, reterr);
        if (rc < 0)
                return rc;
        char *html = report_daily_html(&r);
        char *subject = NULL;
        struct buf sb;
        buf_init(&sb, 4096);
        buf_printf(&sb, "[batchd] daily inspection %s %s: %s (%s)", r.tenant, r.date,
                   inspect_severity_name(r.severity), inspect_scenario_text(r.scenarios, text));
        subject = sb.err ? NULL : buf_detach(&sb);
        buf_release(&sb);
        if (!html || !subject)
                rc = batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        else
                rc = report_daily_xlsx(&r, xlsx, reterr);
        report_daily_release(&r);
        if (rc < 0) {
                free(html);
                free(subject);
                return rc;
        }
        *ret_html = html;
        *ret_subject = subject;
        return 0;
}

/* ---- the runs report --------------------------------------------------------------- */

/* A day and job with expected runs that did not run (the not-run list's candidates). */
struct missed_cell {
        size_t day;
        const char *job; /* its summary's name */
        unsigned not_run;
};

/* Keeps a finished row: in items when they are kept, in the day's and the job's
 * summaries, and with not_run among the not-run list's candidates. */
static int add_runs_row(struct report_runs *r, size_t *cap, const struct report_runs_row *w,
                        size_t day, struct report_runs_job *jb, struct missed_cell **cells,
                        size_t *ncells, size_t *cells_cap)
{
        struct report_runs_day *d = &r->days[day];
        const int64_t *from[] = {&w->total, &w->success, &w->failed,
                                 &w->skipped, &w->canceled, &w->live};
        int64_t *to_d[] = {&d->total, &d->success, &d->failed, &d->skipped, &d->canceled, &d->live};
        int64_t *to_j[] = {&jb->total, &jb->success, &jb->failed,
                           &jb->skipped, &jb->canceled, &jb->live};
        for (int i = 0; i < 6; i++) {
                *to_d[i] += *from[i];
                *to_j[i] += *from[i];
        }
        d->not_run += w->not_run;
        jb->not_run += w->not_run;
        jb->estimated_minutes = w->estimated_minutes;
        if (w->timed > 0) {
                if (jb->timed == 0 || w->p50_s > jb->p50_s)
                        jb->p50_s = w->p50_s;
                if (jb->timed == 0 || w->max_s > jb->max_s)
                        jb->max_s = w->max_s;
                jb->timed += w->timed;
                jb->over_estimate_days += report_runs_over_estimate(w);
        }
        jb->rows++;
        if (w->not_run) {
                r->not_run_total += w->not_run;
                if (*ncells == *cells_cap) {
                        size_t c = *cells_cap * 2 + 64;
                        struct missed_cell *g = realloc(*cells, c * sizeof(*g));
                        if (!g)
                                return BATCH_ENOMEM;
                        *cells = g;
                        *cells_cap = c;
                }
                (*cells)[(*ncells)++] = (struct missed_cell){day, jb->job, w->not_run};
        }
        if (!r->items_kept)
                return 0;
        if (r->n == *cap) {
                size_t c = *cap ? *cap * 2 : 64;
                struct report_runs_row *g = realloc(r->rows, c * sizeof(*g));
                if (!g)
                        return BATCH_ENOMEM;
                r->rows = g;
                *cap = c;
        }
        r->rows[r->n] = *w;
        if (!(r->rows[r->n].job = strdup(w->job)))
                return BATCH_ENOMEM;
        r->n++;
        return 0;
}

bool report_runs_over_estimate(const struct report_runs_row *w)
{
        return w->timed > 0 && w->estimated_minutes >= 0 &&
               w->max_s > (int64_t)w->estimated_minutes * 60;
}

static int cmp_runs_row(const void *a, const void *b)
{
        const struct report_runs_row *x = a, *y = b;
        int c = strcmp(x->date, y->date);
        return c ? c : strcmp(x->job, y->job);
}

static int cmp_runs_job(const void *a, const void *b)
{
        return strcmp(((const struct report_runs_job *)a)->job,
                      ((const struct report_runs_job *)b)->job);
}

static int cmp_missed(const void *a, const void *b)
{
        const struct missed_cell *x = a, *y = b;
        if (x->day != y->day)
                return x->day < y->day ? -1 : 1;
        return strcmp(x->job, y->job);
}

/* The summary of job `name` (no longer defined: after the model's jobs). */
static struct report_runs_job *runs_job(struct report_runs *r, size_t *cap, size_t defined,
                                        const char *name)
{
        for (size_t i = defined; i < r->njobs; i++)
                if (strcmp(r->jobs[i].job, name) == 0)
                        return &r->jobs[i];
        if (r->njobs == *cap) {
                size_t c = *cap * 2 + 16;
                struct report_runs_job *g = realloc(r->jobs, c * sizeof(*g));
                if (!g)
                        return NULL;
                r->jobs = g;
                *cap = c;
        }
        struct report_runs_job *jb = &r->jobs[r->njobs];
        memset(jb, 0, sizeof(*jb));
        jb->estimated_minutes = -1;
        if (!(jb->job = strdup(name)))
                return NULL;
        r->njobs++;
        return jb;
}

/* One day's figures of one job while its rollup rows stream in. */
struct day_acc {
        bool any;
        int64_t total, success, failed, skipped, canceled, live, found;
        int64_t timed, dur_sum, max_s;
        int64_t hist[STORE_ROLLUP_BUCKETS];
};

/* The runs report being built: one job at a time (its rows come together, by slot),
 * each day of it ended as the next one's rows begin. */
struct runs_ctx {
        struct report_runs *r;
        size_t cap, jcap;
        const struct sched_model *m;
        const int64_t *bound;    /* the days' starts, and the end of the last */
        bool *done;              /* by model job: summed */
        struct missed_cell *cells;
        size_t ncells, cells_cap;
        const struct store_report_due_list *live; /* by job, then due time */
        struct scratch sc;
        /* the job being summed */
        char *name;              /* its name, NULL: none */
        const struct sched_job_spec *spec; /* NULL: no longer defined */
        struct report_runs_job *jb;
        size_t day, exp_i, nexp, live_i;
        bool exp_per_day;        /* more dues than one call holds: asked day by day */
        struct day_acc acc;
};

static int cmp_live(const void *a, const void *b)
{
        const struct store_report_due *x = a, *y = b;
        int c = strcmp(x->job, y->job);
        return c ? c : x->due < y->due ? -1 : x->due > y->due;
}

static void acc_to_row(const struct day_acc *a, struct report_runs_row *row)
{
        row->total = a->total;
        row->success = a->success;
        row->failed = a->failed;
        row->skipped = a->skipped;
        row->canceled = a->canceled;
        row->live = a->live;
        row->timed = a->timed;
        row->max_s = a->max_s;
        row->avg_s = a->timed ? (double)a->dur_sum / (double)a->timed : 0;
        row->p50_s = store_rollup_median(a->hist, a->timed, a->dur_sum, a->max_s);
}

/* Starts summing job `name`: its summary, its expected dues over the range (the same
 * pure functions as the daily report; asked per day when they are too many for one
 * call), its first instance not yet final. */
static int begin_job(struct runs_ctx *c, const char *name)
{
        struct report_runs *r = c->r;
        long i = sched_model_find(c->m, name);
        if (!(c->name = strdup(name)))
                return BATCH_ENOMEM;
        c->spec = i >= 0 ? &c->m->jobs[i] : NULL;
        if (i >= 0) {
                c->done[i] = true;
                c->jb = &r->jobs[i];
        } else if (!(c->jb = runs_job(r, &c->jcap, c->m->njobs, name)))
                return BATCH_ENOMEM;
        c->day = c->exp_i = c->nexp = 0;
        c->exp_per_day = false;
        memset(&c->acc, 0, sizeof(c->acc));
        int rc;
        if (c->spec && (rc = expected(&c->sc, c->spec, &c->m->tenant, c->bound[0],
                                      c->bound[r->ndays], &c->nexp)) < 0)
                return rc;
        if (c->nexp >= INSPECT_MAX_DUES)
                c->exp_per_day = true;
        size_t lo = 0, hi = c->live->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(c->live->items[mid].job, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        c->live_i = lo;
        return 0;
}

/* Ends day c->day of the job: adds its instances not yet final, makes its row (not_run
 * from the day's expected dues) when it had instances or expected dues, and clears
 * the sums. */
static int end_day(struct runs_ctx *c)
{
        struct report_runs *r = c->r;
        struct day_acc *a = &c->acc;
        int64_t de = c->bound[c->day + 1];
        for (; c->live_i < c->live->n && strcmp(c->live->items[c->live_i].job, c->name) == 0 &&
               c->live->items[c->live_i].due < de;
             c->live_i++) {
                const struct store_report_due *l = &c->live->items[c->live_i];
                a->any = true;
                a->total++;
                if (l->state == STATE_STOP_FAILED)
                        a->failed++;
                else
                        a->live++;
                a->found += l->scheduled;
        }
        size_t nexp = 0, admitted = 0;
        int rc;
        if (c->spec && c->exp_per_day) {
                if ((rc = expected(&c->sc, c->spec, &c->m->tenant, c->bound[c->day], de,
                                   &nexp)) < 0)
                        return rc;
                for (size_t k = 0; k < nexp; k++)
                        admitted += c->sc.exp[k].skip == NULL;
        } else
                for (; c->exp_i < c->nexp && c->sc.exp[c->exp_i].due < de; c->exp_i++, nexp++)
                        admitted += c->sc.exp[c->exp_i].skip == NULL;
        if (!a->any && nexp == 0)
                return 0;
        struct report_runs_row row = {0};
        memcpy(row.date, r->days[c->day].date, sizeof(row.date));
        row.job = c->name;
        row.estimated_minutes = c->spec ? c->spec->estimated_minutes : -1;
        acc_to_row(a, &row);
        row.not_run = admitted > (size_t)a->found ? (unsigned)(admitted - (size_t)a->found) : 0;
        memset(a, 0, sizeof(*a));
        return add_runs_row(r, &c->cap, &row, c->day, c->jb, &c->cells, &c->ncells,
                            &c->cells_cap);
}

/* Ends the job being summed: its days up to the end of the range. */
static int end_job(struct runs_ctx *c)
{
        int rc = 0;
        if (!c->name)
                return 0;
        for (; rc == 0 && c->day < c->r->ndays; c->day++)
                rc = end_day(c);
        free(c->name);
        c->name = NULL;
        return rc;
}

/* A rollup row: ends the job before it or the days before its slot, then adds it to
 * the day's sums. */
static int runs_slot(const struct store_report_slot *p, void *ctx, struct batch_err *reterr)
{
        struct runs_ctx *c = ctx;
        int rc = 0;
        if (!c->name || strcmp(c->name, p->job) != 0) {
                if ((rc = end_job(c)) < 0 || (rc = begin_job(c, p->job)) < 0)
                        return batch_err_set(reterr, rc, NULL, "out of memory");
        }
        while (p->slot >= c->bound[c->day + 1]) {
                if ((rc = end_day(c)) < 0)
                        return batch_err_set(reterr, rc, NULL, "out of memory");
                c->day++;
        }
        struct day_acc *a = &c->acc;
        a->any = true;
        a->total += p->total;
        a->success += p->success;
        a->failed += p->failed;
        a->skipped += p->skipped;
        a->canceled += p->canceled;
        a->found += p->found;
        a->timed += p->timed;
        a->dur_sum += p->dur_sum;
        if (p->dur_max > a->max_s)
                a->max_s = p->dur_max;
        for (int b = 0; b < STORE_ROLLUP_BUCKETS; b++)
                a->hist[b] += p->hist[b];
        return 0;
}

/* Sums job `name` when it had no rollup rows in the range (only expected dues or
 * instances not yet final). */
static int runs_job_alone(struct runs_ctx *c, const char *name)
{
        int rc = begin_job(c, name);
        return rc < 0 ? rc : end_job(c);
}

int report_runs_build(struct store *s, const char *tenant, const char *from, const char *to,
                      const char *job, struct report_runs *ret, struct batch_err *reterr)
{
        if (!tenant)
                tenant = "default";
        int64_t d0, d1;
        struct batch_err e;
        int rc = inspect_parse_date(from, &d0, &e);
        if (rc < 0)
                return batch_err_set(reterr, rc, "from", "from: %s", e.msg);
        if ((rc = inspect_parse_date(to, &d1, &e)) < 0)
                return batch_err_set(reterr, rc, "to", "to: %s", e.msg);
        if (d1 < d0)
                return batch_err_set(reterr, BATCH_ERANGE, "to", "to %s is before from %s", to,
                                     from);
        if (d1 - d0 + 1 > REPORT_RUNS_MAX_DAYS)
                return batch_err_set(reterr, BATCH_ERANGE, "to",
                                     "from %s to %s is %lld days, more than %d", from, to,
                                     (long long)(d1 - d0 + 1), REPORT_RUNS_MAX_DAYS);
        struct report_runs r = {0};
        struct defset set;
        struct sched_model m;
        if ((rc = ops_load_model(s, tenant, &set, &m, reterr)) < 0)
                return rc;
        const struct tz *z = model_zone(&m);
        r.items_kept = job || (int64_t)m.njobs * (d1 - d0 + 1) <= REPORT_RUNS_MAX_ROWS;
        snprintf(r.tenant, sizeof(r.tenant), "%s", tenant);
        inspect_format_date(d0, r.from);
        inspect_format_date(d1, r.to);
        snprintf(r.timezone, sizeof(r.timezone), "%s", tz_name(z));
        struct store_report_due_list live = {0};
        struct runs_ctx c = {.r = &r, .jcap = m.njobs, .m = &m, .live = &live};
        r.ndays = (size_t)(d1 - d0 + 1);
        int64_t *bound = calloc(r.ndays + 1, sizeof(*bound));
        c.bound = bound;
        c.done = calloc(m.njobs + 1, sizeof(*c.done));
        r.days = calloc(r.ndays, sizeof(*r.days));
        r.jobs = calloc(m.njobs + 1, sizeof(*r.jobs));
        r.missed = calloc(REPORT_RUNS_MAX_NOT_RUN, sizeof(*r.missed));
        if (!bound || !c.done || !r.days || !r.jobs || !r.missed) {
                rc = BATCH_ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < m.njobs; i++) {
                r.jobs[i].estimated_minutes = m.jobs[i].estimated_minutes;
                if (!(r.jobs[r.njobs++].job = strdup(m.jobs[i].name))) {
                        rc = BATCH_ENOMEM;
                        goto out;
                }
        }
        for (size_t i = 0; i < r.ndays; i++) {
                int64_t x;
                inspect_day_bounds(z, d0 + (int64_t)i, &bound[i], &x);
                inspect_format_date(d0 + (int64_t)i, r.days[i].date);
                if (i + 1 == r.ndays)
                        bound[i + 1] = x;
        }
        /* The instances not yet final (few), by job; the rollup rows of the range from
         * their packs, a job's together by slot, each job summed day by day as its rows
         * come; then the jobs without rows in the range. */
        if ((rc = store_report_live(s, tenant, bound[0], bound[r.ndays], job, &live, reterr)) <
            0)
                goto out;
        if (live.n > 1)
                qsort(live.items, live.n, sizeof(*live.items), cmp_live);
        if ((rc = store_report_packs(s, tenant, bound[0], bound[r.ndays], job, runs_slot, &c,
                                     reterr)) < 0)
                goto out;
        rc = end_job(&c);
        for (size_t i = 0; rc == 0 && i < m.njobs; i++)
                if (!c.done[i] && (!job || strcmp(job, m.jobs[i].name) == 0))
                        rc = runs_job_alone(&c, m.jobs[i].name);
        for (size_t i = 0; rc == 0 && i < live.n; i++) {
                const char *name = live.items[i].job;
                bool seen = sched_model_find(&m, name) >= 0;
                for (size_t k = m.njobs; !seen && k < r.njobs; k++)
                        seen = strcmp(r.jobs[k].job, name) == 0;
                if (!seen)
                        rc = runs_job_alone(&c, name);
        }
        if (rc < 0)
                goto out;
        if (r.n > 1)
                qsort(r.rows, r.n, sizeof(*r.rows), cmp_runs_row);
        /* The not-run list: the first by date, then job. */
        if (c.ncells > 1)
                qsort(c.cells, c.ncells, sizeof(*c.cells), cmp_missed);
        for (size_t i = 0; i < c.ncells && r.nmissed < REPORT_RUNS_MAX_NOT_RUN; i++) {
                struct report_runs_missed *mm = &r.missed[r.nmissed];
                memcpy(mm->date, r.days[c.cells[i].day].date, sizeof(mm->date));
                if (!(mm->job = strdup(c.cells[i].job))) {
                        rc = BATCH_ENOMEM;
                        goto out;
                }
                mm->not_run = c.cells[i].not_run;
                r.nmissed++;
        }
        /* Only the jobs with a row, by name. */
        size_t k = 0;
        for (size_t i = 0; i < r.njobs; i++) {
                if (r.jobs[i].rows)
                        r.jobs[k++] = r.jobs[i];
                else
                        free(r.jobs[i].job);
        }
        r.njobs = k;
        if (r.njobs > 1)
                qsort(r.jobs, r.njobs, sizeof(*r.jobs), cmp_runs_job);
out:
        free(c.name);
        free(c.cells);
        free(c.done);
        free(bound);
        scratch_release(&c.sc);
        store_report_due_list_release(&live);
        sched_model_release(&m);
        defset_release(&set);
        if (rc == BATCH_ENOMEM)
                batch_err_set(reterr, BATCH_ENOMEM, NULL, "out of memory");
        if (rc < 0) {
                report_runs_release(&r);
                return rc;
        }
        *ret = r;
        return 0;
}

void report_runs_release(struct report_runs *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n; i++)
                free(r->rows[i].job);
        free(r->rows);
        for (size_t i = 0; i < r->njobs; i++)
                free(r->jobs[i].job);
        free(r->jobs);
        for (size_t i = 0; i < r->nmissed; i++)
                free(r->missed[i].job);
        free(r->missed);
        free(r->days);
        memset(r, 0, sizeof(*r));
}

static void runs_json(struct buf *b, const int64_t v[6])
{
        buf_printf(b, "\"runs\": {\"total\": %lld, \"success\": %lld, \"failed\": %lld, "
                      "\"skipped\": %lld, \"canceled\": %lld, \"live\": %lld}",
                   (long long)v[0], (long long)v[1], (long long)v[2], (long long)v[3],
                   (long long)v[4], (long long)v[5]);
}

static void duration_json(struct buf *b, int64_t timed, double p50, int64_t max, int est)
{
        if (timed > 0)
                buf_printf(b, ", \"duration_p50_s\": %.1f, \"duration_max_s\": %lld", p50,
                           (long long)max);
        else
                buf_puts(b, ", \"duration_p50_s\": null, \"duration_max_s\": null");
        if (est >= 0)
                buf_printf(b, ", \"estimated_minutes\": %d", est);
        else
                buf_puts(b, ", \"estimated_minutes\": null");
}

void report_runs_json(const struct report_runs *r, struct buf *b)
{
        buf_puts(b, "{\"tenant\": ");
        json_put_string(b, r->tenant);
        buf_printf(b, ", \"from\": \"%s\", \"to\": \"%s\", \"timezone\": ", r->from, r->to);
        json_put_string(b, r->timezone);
        buf_puts(b, ",\n \"days\": [");
        for (size_t i = 0; i < r->ndays; i++) {
                const struct report_runs_day *d = &r->days[i];
                int64_t v[6] = {d->total, d->success, d->failed, d->skipped, d->canceled, d->live};
                buf_printf(b, "%s{\"date\": \"%s\", ", i ? ", " : "", d->date);
                runs_json(b, v);
                buf_printf(b, ", \"not_run\": %lld}", (long long)d->not_run);
        }
        buf_puts(b, "],\n \"jobs\": [");
        for (size_t i = 0; i < r->njobs; i++) {
                const struct report_runs_job *j = &r->jobs[i];
                int64_t v[6] = {j->total, j->success, j->failed, j->skipped, j->canceled, j->live};
                buf_puts(b, i ? ",\n  {\"job\": " : "{\"job\": ");
                json_put_string(b, j->job);
                buf_puts(b, ", ");
                runs_json(b, v);
                duration_json(b, j->timed, j->p50_s, j->max_s, j->estimated_minutes);
                buf_printf(b, ", \"over_estimate_days\": %lld, \"not_run\": %lld}",
                           (long long)j->over_estimate_days, (long long)j->not_run);
        }
        buf_printf(b, "],\n \"not_run_total\": %lld, \"not_run\": [", (long long)r->not_run_total);
        for (size_t i = 0; i < r->nmissed; i++) {
                buf_printf(b, "%s{\"date\": \"%s\", \"job\": ", i ? ", " : "", r->missed[i].date);
                json_put_string(b, r->missed[i].job);
                buf_printf(b, ", \"not_run\": %u}", r->missed[i].not_run);
        }
        if (!r->items_kept) {
                buf_puts(b, "],\n \"items\": null}\n");
                return;
        }
        buf_puts(b, "],\n \"items\": [");
        for (size_t i = 0; i < r->n; i++) {
                const struct report_runs_row *w = &r->rows[i];
                int64_t v[6] = {w->total, w->success, w->failed, w->skipped, w->canceled, w->live};
                buf_printf(b, "%s{\"date\": \"%s\", \"job\": ", i ? ",\n  " : "", w->date);
                json_put_string(b, w->job);
                buf_puts(b, ", ");
                runs_json(b, v);
                duration_json(b, w->timed, w->p50_s, w->max_s, w->estimated_minutes);
                buf_printf(b, ", \"over_estimate\": %s, \"not_run\": %u}",
                           report_runs_over_estimate(w) ? "true" : "false", w->not_run);
        }
        buf_puts(b, "]}\n");
}
